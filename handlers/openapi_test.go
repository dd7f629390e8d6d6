package handlers

import (
	"encoding/json"
	"fmt"
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
		if isPagePath(r.Path) {
			continue // browser pages are not part of the API (TestPageRoleMatrix)
		}
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

// TestOpenAPILintRules keeps the document clean under the recommended rules
// of outside linters (redocly lint --extends=recommended), without network
// at test time: every nullable schema names its type, every operation
// documents a 4XX answer, the licence is named with a URL, and every tag
// is declared with a description.
func TestOpenAPILintRules(t *testing.T) {
	b, err := openAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}

	// nullable-type-sibling: anywhere in the document.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["nullable"] == true && v["type"] == nil {
				t.Errorf("%s: nullable without a type", path)
			}
			for k, sub := range v {
				walk(path+"/"+k, sub)
			}
		case []any:
			for i, sub := range v {
				walk(fmt.Sprintf("%s/%d", path, i), sub)
			}
		}
	}
	walk("#", doc)

	// info-license and info-license-strict.
	info, _ := doc["info"].(map[string]any)
	license, _ := info["license"].(map[string]any)
	if license["name"] == nil || license["url"] == nil {
		t.Errorf("info.license %v needs a name and a url", license)
	}

	// tag-description, and operations use declared tags only.
	declared := map[string]bool{}
	tags, _ := doc["tags"].([]any)
	for _, tg := range tags {
		tag, _ := tg.(map[string]any)
		name, _ := tag["name"].(string)
		declared[name] = true
		if d, _ := tag["description"].(string); strings.TrimSpace(d) == "" {
			t.Errorf("tag %q has no description", name)
		}
	}

	// operation-4xx-response.
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("the document has no paths")
	}
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			op, ok := op.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			has4xx := false
			for code := range op["responses"].(map[string]any) {
				has4xx = has4xx || strings.HasPrefix(code, "4")
			}
			if !has4xx {
				t.Errorf("%s %s documents no 4XX answer", strings.ToUpper(method), path)
			}
			opTags, _ := op["tags"].([]any)
			for _, tg := range opTags {
				if !declared[tg.(string)] {
					t.Errorf("%s %s uses the undeclared tag %v", strings.ToUpper(method), path, tg)
				}
			}
		}
	}
}
