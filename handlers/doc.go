// Package handlers serves Fieldvisit's JSON API over Gin: accounts and
// sessions, trainers, clinics and support requests, health checks and the
// OpenAPI document; and, beside it, the server-rendered browser pages.
//
// Pages (pages*.go) call the same services as the API. Adding one takes:
//   - a template templates/pages/<name>.html defining "content" (and, for
//     extra scripts such as Leaflet, "head"); it gets *pageData, with the
//     page's own data in .Page, the form being shown again in .Form, and the
//     functions t, asset, datetime, date, clock, weekday and field;
//   - texts in templates/pages/i18n/ru.json and en.json (the same keys in
//     both, "<name>.title" for the title); an unknown key fails rendering
//     and TestCatalogueCoversTemplates;
//   - a handler method calling s.render(c, status, "<name>", "", data, form);
//     forms post csrf_token (the "csrf" partial), are read with postedForm,
//     answer failures with the form again (failValidation, form.fail) and
//     successes with seeOther (flash for a one-time message);
//   - a row in routes() with the roles allowed, a row in TestPageRoleMatrix,
//     and, for a role's main page, a row in navFor.
//
// Errors on page paths (everything but /api/, /feeds/ and the health
// checks) are friendly HTML pages in the caller's language; an anonymous
// caller is redirected to /login?next=…; the API keeps problem+json.
//
// Every handler is a method on Server that returns an error; one middleware
// turns errors into application/problem+json responses, so no handler writes
// an error body itself. Roles are declared per route in routes.go; what a
// role may do with a particular document (its own clinic, its own trainer
// profile) is checked in the handler after loading it.
//
// Access rules worth knowing:
//   - a clinic user sees only its own clinic and requests; another clinic's
//     request answers 404, exactly like a missing one, so ids do not reveal
//     which requests exist; another clinic's profile answers 403 (clinics
//     are not secret);
//   - trainers' profiles hold private data (home address, phone): clinics get
//     403 on every trainer endpoint, a trainer reads only their own profile
//     and edits only their own availability (403 otherwise);
//   - cookie sessions must send X-CSRF-Token on unsafe methods and on
//     GET /trainers/{id}/feed-token, which revokes the previous feed URL;
//     Bearer tokens are exempt because browsers never attach them by
//     themselves;
//   - a trainer or clinic that anything still refers to (an account, a
//     clinic's preferred trainers, a pinned or open request, a scheduled
//     visit) cannot be deleted: 409 names the references to remove first,
//     because the store has no cascades and a dangling reference locks
//     people out (a clinic whose preferred trainer vanished can no longer
//     save its profile). The check runs before the version-guarded delete
//     and is not atomic with it; a reference added in between is rare and
//     shows up as the same dangling reference the check exists to prevent.
package handlers
