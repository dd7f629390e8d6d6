package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// jsonRender writes a value as JSON with a chosen media type (gin's own
// renderers fix it to application/json).
type jsonRender struct {
	contentType string
	value       any
}

// Render encodes the value.
func (r jsonRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return json.NewEncoder(w).Encode(r.value)
}

// WriteContentType sets the media type.
func (r jsonRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
}

// writeJSON answers status with v as application/json, its times in the
// service's zone (see inServiceZone).
func writeJSON(c *gin.Context, status int, v any) {
	c.Render(status, jsonRender{contentType: "application/json; charset=utf-8", value: inServiceZone(c, v)})
}

// setETag announces a document's version, the value updates send back in
// If-Match.
func setETag(c *gin.Context, version int64) {
	c.Header("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
}

// list is the body of every list endpoint. Next is the cursor for the
// following page ("after"), empty on the last page.
type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}
