package handlers

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// pathID returns the :id path parameter, refusing anything that is not an
// id (24 hex digits) before the store sees it.
func pathID(c *gin.Context) (string, error) {
	id := c.Param("id")
	if !models.ValidID(id) {
		return "", badRequest("id", "the id in the path must be 24 hexadecimal digits")
	}
	return id, nil
}

// expectedVersion is the version an update or delete expects to replace:
// If-Match ("3", W/"3" or 3) wins over a "version" body field. Neither
// answers 428 Precondition Required naming the document's version now, which
// current reports (loading the document only then, when it is not loaded
// yet), so that a client sees what it would overwrite.
func expectedVersion(c *gin.Context, body *int64, current func() (int64, error)) (int64, error) {
	if h := strings.TrimSpace(c.GetHeader("If-Match")); h != "" {
		v := strings.TrimPrefix(h, "W/")
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return 0, badRequest("If-Match", `If-Match must name one version, like "3"`)
		}
		return n, nil
	}
	if body != nil {
		if *body < 1 {
			return 0, badRequest("version", "version must be a positive integer")
		}
		return *body, nil
	}
	now, err := current()
	if err != nil {
		return 0, err
	}
	return 0, versionRequired(now)
}

// versionOf reports the version of a document already loaded.
func versionOf(v int64) func() (int64, error) {
	return func() (int64, error) { return v, nil }
}

// pageParams reads limit and after from the query; after is a document id.
func pageParams(q url.Values) (models.Page, error) {
	return pageParamsWith(q, func(after string) error {
		if !models.ValidID(after) {
			return badRequest("after", "after must be an id from a previous page's next")
		}
		return nil
	})
}

// pageParamsWith reads limit and after from the query, checking a
// non-empty after with checkAfter: collections differ in what an id is.
func pageParamsWith(q url.Values, checkAfter func(after string) error) (models.Page, error) {
	p := models.Page{Limit: models.DefaultPageSize, After: q.Get("after")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > models.MaxPageSize {
			return p, badRequest("limit", "limit must be an integer between 1 and "+strconv.Itoa(models.MaxPageSize))
		}
		p.Limit = n
	}
	if p.After != "" {
		if err := checkAfter(p.After); err != nil {
			return p, err
		}
	}
	return p, nil
}

// pageOf is one page of items, with the cursor of the next page when this
// one is full; id reads an item's id.
func pageOf[T any](items []T, page models.Page, id func(T) string) list[T] {
	out := list[T]{Items: nonNil(items)}
	if len(items) > 0 {
		out.Next = nextCursor(len(items), page, id(items[len(items)-1]))
	}
	return out
}

// nextCursor is the cursor after a page of n items whose last id is last:
// empty when the page was not full (so there is nothing more).
func nextCursor(n int, p models.Page, last string) string {
	if n < p.Limit {
		return ""
	}
	return last
}

// listQueryParam is the one query parameter that may repeat
// (?status=new&status=planned); handlers read every value of it.
const listQueryParam = "status"

// knownQuery refuses query parameters an endpoint does not read, the query
// counterpart of refusing unknown JSON fields, and a repeated single-valued
// one: handlers read only its first value, so ?limit=1&limit=abc would
// otherwise drop the second without a word.
func knownQuery(q url.Values, names ...string) error {
	for k, vs := range q {
		if !slices.Contains(names, k) {
			return badRequest(k, "unknown query parameter "+strconv.Quote(k))
		}
		if len(vs) > 1 && k != listQueryParam {
			return badRequest(k, "give the query parameter "+strconv.Quote(k)+" once")
		}
	}
	return nil
}
