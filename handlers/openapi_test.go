package handlers

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIMatchesRouter checks that the served document is valid and
// names exactly the routes the router answers. (Every other test checks
// each exchange against the document; see env.conform.)
func TestOpenAPIMatchesRouter(t *testing.T) {
	e := newEnv(t)
	res := e.do(req{method: http.MethodGet, path: "/api/v1/openapi.json"}).want(t, http.StatusOK)
	doc, err := openapi3.NewLoader().LoadFromData(res.body)
	if err != nil {
		t.Fatalf("served document does not load: %v", err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("served document is invalid: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(res.body, &raw); err != nil || raw["openapi"] != "3.0.3" {
		t.Fatalf("served document is not OpenAPI 3 JSON: %v", err)
	}

	param := regexp.MustCompile(`:(\w+)`)
	var inRouter, inDoc []string
	for _, r := range e.srv.engine.Routes() {
		inRouter = append(inRouter, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc = append(inDoc, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(inRouter)
	sort.Strings(inDoc)
	if strings.Join(inRouter, "\n") != strings.Join(inDoc, "\n") {
		t.Errorf("router and document differ\nrouter:\n%s\n\ndocument:\n%s", strings.Join(inRouter, "\n"), strings.Join(inDoc, "\n"))
	}

	// Every operation that needs a login says so through the global
	// security requirement; exactly the public routes opt out.
	public := map[string]bool{}
	for _, r := range e.srv.routes() {
		if path, _ := r.split(); r.roles == nil {
			public[r.method+" "+param.ReplaceAllString(path, "{$1}")] = true
		}
	}
	// The query parameters a route declares (and so accepts) are the ones
	// the document names for its operation.
	declared := map[string][]string{}
	for _, r := range e.srv.routes() {
		path, query := r.split()
		declared[r.method+" "+param.ReplaceAllString(path, "{$1}")] = append([]string{}, query...)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := strings.ToUpper(method) + " " + path
			var documented []string
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In == openapi3.ParameterInQuery {
					documented = append(documented, p.Value.Name)
				}
			}
			want := declared[key]
			sort.Strings(documented)
			sort.Strings(want)
			if strings.Join(documented, ",") != strings.Join(want, ",") {
				t.Errorf("%s: the document names the query parameters %v, the route declares %v", key, documented, want)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := strings.ToUpper(method) + " " + path
			optsOut := op.Security != nil && len(*op.Security) == 0
			if optsOut != public[key] {
				t.Errorf("%s: document says public=%v, router says public=%v", key, optsOut, public[key])
			}
		}
	}
}
