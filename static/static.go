// Package static embeds the files browsers load: our own app.css and app.js
// and, under vendor/, third-party libraries copied from the npm registry at
// pinned versions with their licences (no CDN at run time, no build step).
// Package handlers serves them under /static/<version>/ with long cache
// lifetimes; the version is a hash of the content, so a new build gets new
// URLs.
package static

import "embed"

// Files is every static asset, by path relative to this folder.
//
//go:embed app.css app.js vendor
//go:embed board.css board.js
//go:embed field
var Files embed.FS
