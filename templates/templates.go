// Package templates embeds the service's templates so that the binary carries
// them and a missing or broken one fails at start, not on first use.
package templates

import "embed"

// Mail holds the e-mail templates under mail/: a shared HTML layout and, per
// language directory (ru, en), the partials and one template pair (.html and
// .txt) per message kind. Package notify parses them once at construction.
//
//go:embed mail
var Mail embed.FS

// Pages holds the web page templates under pages/: layout.html (the frame
// every page shares), partials/*.html (shared pieces such as form fields),
// one file per page defining its "content" (and optionally "head"), and
// i18n/<lang>.json, the message catalogue of each language. Package
// handlers parses them once at construction.
//
//go:embed pages
var Pages embed.FS
