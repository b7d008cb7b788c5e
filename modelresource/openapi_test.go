package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/openapitest"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// openAPIResources are the fixture's resources and three more over its tables: read-only with a
// required GET parameter and no count, form bodies, and quiet writes.
func openAPIResources() []resource.Resource {
	return append(fixtureResources(),
		modelresource.New(resource.Meta{
			ResourceName: "book_ro", Table: "book", Description: "Books, read only, by author.",
			ListMethods: []string{"get"}, DetailMethods: []string{"get"},
			Filtering:         map[string]resource.Lookups{"author_id": {"exact", "in"}, "title": {"icontains"}},
			GETParamsRequired: []string{"author_id"},
			TotalCount:        resource.CountNone,
		}),
		modelresource.New(resource.Meta{
			ResourceName: "publisher_form", Table: "publisher", FormBodies: true,
			ListMethods: []string{"get", "post"}, DetailMethods: []string{"get", "patch"},
		}),
		modelresource.New(resource.Meta{
			ResourceName: "publisher_quiet", Table: "publisher", QuietWrites: true, TotalCount: resource.CountEstimate,
		}),
	)
}

// openAPIDoc fetches /api/v1/openapi.json and decodes it.
func openAPIDoc(t *testing.T, c *client) (raw []byte, doc map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET openapi.json: %d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return rec.Body.Bytes(), doc
}

// at walks a decoded document by keys.
func at(t *testing.T, v any, path ...string) any {
	t.Helper()
	for i, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is not an object", strings.Join(path[:i], "."))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("no %s", strings.Join(path[:i+1], "."))
		}
	}
	return v
}

func keys(v any) []string {
	var out []string
	for k := range v.(map[string]any) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOpenAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, openAPIResources()...)
		raw, doc := openAPIDoc(t, c)
		if !reflect.DeepEqual(json.RawMessage(raw), c.api.OpenAPI()) {
			t.Error("the document served is not API.OpenAPI()")
		}
		v := openapitest.Parse(t, raw)
		paths := at(t, doc, "paths")

		t.Run("paths and methods", func(t *testing.T) {
			for _, tc := range []struct {
				path    string
				methods []string // nil: no such path
			}{
				{"/api/v1/", []string{"get"}},
				{"/api/v1/author/", []string{"delete", "get", "patch", "post"}},
				{"/api/v1/author/{key}/", []string{"delete", "get", "parameters", "patch", "put"}},
				{"/api/v1/author/set/{keys}/", []string{"get"}},
				{"/api/v1/author/schema/", []string{"get"}},
				{"/api/v1/book_ro/", []string{"get"}},
				{"/api/v1/book_ro/{key}/", []string{"get", "parameters"}},
				{"/api/v1/publisher_form/", []string{"get", "post"}},
				{"/api/v1/publisher_form/{key}/", []string{"get", "parameters", "patch"}},
				{"/api/v1/openapi.json", nil},
			} {
				p, ok := paths.(map[string]any)[tc.path]
				if tc.methods == nil {
					if ok {
						t.Errorf("%s: described, want absent", tc.path)
					}
					continue
				}
				if !ok {
					t.Errorf("%s: missing", tc.path)
					continue
				}
				if got := keys(p); !reflect.DeepEqual(got, tc.methods) {
					t.Errorf("%s: %v, want %v", tc.path, got, tc.methods)
				}
			}
			if got := at(t, paths, "/api/v1/author/", "post", "operationId"); got != "create_author" {
				t.Errorf("operationId %v", got)
			}
			if got := at(t, paths, "/api/v1/book_ro/", "get", "description"); got != "Books, read only, by author." {
				t.Errorf("description %v", got)
			}
		})

		t.Run("field schemas", func(t *testing.T) {
			for _, tc := range []struct {
				resource, field string
				want            map[string]any
			}{
				{"book", "genre", map[string]any{"type": "string", "maxLength": 20.0, "enum": []any{"novel", "poetry", "essay"}}},
				{"book", "published", map[string]any{"type": []any{"string", "null"}, "format": "date"}},
				{"book", "pages", map[string]any{"type": []any{"integer", "null"}, "minimum": -2147483647.0, "maximum": 2147483647.0}},
				{"book", "author_id", map[string]any{"type": "integer"}},
				{"book", "extra", map[string]any{}},
				{"book", "id", map[string]any{"type": "integer", "readOnly": true}},
				{"book", "created_at", map[string]any{"type": "string", "format": "date-time", "readOnly": true}},
				{"author", "rating", map[string]any{"type": []any{"number", "null"}}},
				{"author", "active", map[string]any{"type": "boolean"}},
				{"author", "name", map[string]any{"type": "string", "maxLength": 100.0}},
				{"author", "publisher__name", map[string]any{"type": []any{"string", "null"}, "readOnly": true}}, // through a nullable relation
				{"author", "resource_uri", map[string]any{"type": "string", "readOnly": true}},
			} {
				got := at(t, doc, "components", "schemas", tc.resource, "properties", tc.field).(map[string]any)
				got = maps(got)
				delete(got, "description")
				delete(got, "title")
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s.%s: %v, want %v", tc.resource, tc.field, got, tc.want)
				}
			}
		})

		t.Run("parameters", func(t *testing.T) {
			params := func(path string) map[string]map[string]any {
				out := map[string]map[string]any{}
				for _, p := range at(t, paths, path, "get", "parameters").([]any) {
					out[p.(map[string]any)["name"].(string)] = p.(map[string]any)
				}
				return out
			}
			ro, book, author := params("/api/v1/book_ro/"), params("/api/v1/book/"), params("/api/v1/author/")
			if ro["author_id"]["required"] != true {
				t.Errorf("book_ro author_id: %v, want required", ro["author_id"])
			}
			if _, ok := book["author_id"]["required"]; ok {
				t.Errorf("book author_id: %v, want optional", book["author_id"])
			}
			var names []string
			for n := range ro {
				names = append(names, n)
			}
			sort.Strings(names)
			if want := []string{"author_id", "depth", "fields", "format", "limit", "offset", "title__icontains"}; !reflect.DeepEqual(names, want) {
				t.Errorf("book_ro parameters %v, want %v", names, want)
			}
			if got := at(t, author["order_by"], "schema", "items", "enum"); !reflect.DeepEqual(got, []any{"born", "-born", "id", "-id", "name", "-name", "publisher", "-publisher", "rating", "-rating"}) {
				t.Errorf("order_by enum %v", got)
			}
			// A relation allowing every filter of its resource: its own lookups, the rest described.
			// One parameter a filter: its other lookups described, in code spans (so that renderers
			// do not take <filter> for markup).
			if d := author["publisher"]["description"].(string); !strings.Contains(d, "`publisher__gte`") || !strings.Contains(d, "`publisher__<filter>=v`") {
				t.Errorf("author publisher: %q does not describe publisher__gte and publisher__<filter>", d)
			}
			if d := book["published"]["description"].(string); !strings.Contains(d, "`published__year`") {
				t.Errorf("published: %q does not describe published__year", d)
			}
			if got := at(t, author["bio"], "schema", "type"); got != "string" {
				t.Errorf("bio type %v", got)
			}
			if _, ok := author["bio__icontains"]; ok {
				t.Error("author: bio__icontains is not allowed")
			}
		})

		t.Run("bodies and envelopes", func(t *testing.T) {
			media := func(path, method string) []string {
				return keys(at(t, paths, path, method, "requestBody", "content"))
			}
			form := []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
			for _, tc := range []struct {
				path, method string
				want         []string
			}{
				{"/api/v1/publisher_form/", "post", form},
				{"/api/v1/publisher_form/{key}/", "patch", form},
				{"/api/v1/publisher/", "post", []string{"application/json"}},
				{"/api/v1/publisher/{key}/", "put", []string{"application/json"}},
			} {
				if got := media(tc.path, tc.method); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s %s: %v, want %v", tc.method, tc.path, got, tc.want)
				}
			}
			post := at(t, paths, "/api/v1/author/", "post", "requestBody", "content", "application/json", "schema", "oneOf").([]any)
			if got := at(t, post[0], "required"); !reflect.DeepEqual(got, []any{"name"}) {
				t.Errorf("author POST required %v", got)
			}
			for _, tc := range []struct {
				resource string
				want     any
			}{{"book", "integer"}, {"book_ro", []any{"integer", "null"}}, {"publisher_quiet", "integer"}} {
				if got := at(t, doc, "components", "schemas", tc.resource+"_list", "properties", "meta", "properties", "total_count", "type"); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s total_count type %v, want %v", tc.resource, got, tc.want)
				}
			}
			if got := keys(at(t, paths, "/api/v1/publisher_quiet/{key}/", "patch", "responses", "202")); !reflect.DeepEqual(got, []string{"description"}) {
				t.Errorf("quiet PATCH 202: %v, want no content", got)
			}
			if _, ok := at(t, paths, "/api/v1/author/", "get", "responses").(map[string]any)["401"]; ok {
				t.Error("401 documented on a resource without authentication")
			}
			if _, ok := doc["components"].(map[string]any)["securitySchemes"]; ok {
				t.Error("security schemes on an API without authentication")
			}
		})

		t.Run("responses match the document", func(t *testing.T) {
			for _, tc := range []struct {
				method, url, body string
				status            int
			}{
				{"GET", "/api/v1/book/?limit=3&order_by=-published", "", 200},
				{"GET", "/api/v1/book/?depth=1&genre__in=novel,essay", "", 200},
				{"GET", "/api/v1/author/?publisher__name__icontains=gal", "", 200},
				{"GET", "/api/v1/author/2/", "", 200},
				{"GET", "/api/v1/author/set/1;2;99/", "", 200},
				{"GET", "/api/v1/author/schema/", "", 200},
				{"GET", "/api/v1/book_ro/?author_id=1", "", 200},
				{"GET", "/api/v1/book_ro/", "", 400},
				{"GET", "/api/v1/book/?nmae=x", "", 400},
				{"GET", "/api/v1/book/99/", "", 404},
				{"GET", "/api/v1/publisher_quiet/", "", 200},
				{"POST", "/api/v1/publisher/", `{"name": "Faber", "country": "GB"}`, 201},
				{"POST", "/api/v1/publisher/", `{"name": "Faber"}`, 409},
				{"PUT", "/api/v1/publisher/1/", `{"name": "Gallimard", "country": null}`, 200},
				{"PATCH", "/api/v1/book/1/", `{"pages": 592}`, 202},
				{"PATCH", "/api/v1/publisher_quiet/2/", `{"country": "UK"}`, 202},
				{"DELETE", "/api/v1/book/5/", "", 204},
				{"DELETE", "/api/v1/book/?genre=poetry", "", 200},
			} {
				var req *http.Request
				if tc.body != "" {
					req = httptest.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
					req.Header.Set("Content-Type", "application/json")
				} else {
					req = httptest.NewRequest(tc.method, tc.url, nil)
				}
				if rec := v.CheckResponse(c.h, req); rec.Code != tc.status {
					t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.url, rec.Code, tc.status, rec.Body)
				}
			}
		})
	})
}

// maps copies a JSON object.
func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// refuseReads refuses every read, as an authorization confining a user away from a resource would.
type refuseReads struct{ resource.AllowAll }

func (refuseReads) ReadList(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
	return nil, apierror.New(apierror.Forbidden, "No.")
}

// TestOpenAPIShowsReadableSchemas: the document describes the resources whose /schema/ the request
// may read, and is refused as /schema/ is when there are none.
func TestOpenAPIShowsReadableSchemas(t *testing.T) {
	db, d := testdb.Open(t, dialect.SQLite)
	createFixture(t, db, d)
	meta := func(name, table string, authz resource.Authorization) resource.Resource {
		return modelresource.New(resource.Meta{ResourceName: name, Table: table, Authorization: authz})
	}
	author := func() resource.Resource {
		return modelresource.New(resource.Meta{ResourceName: "author", Table: "author",
			ToMany: map[string]resource.ToMany{"books": {Resource: "book", Via: "author"}}})
	}
	for _, tc := range []struct {
		name      string
		resources []resource.Resource
		status    int
		lists     []string
	}{
		{"all readable", []resource.Resource{author(), meta("book", "book", nil)}, 200, []string{"/api/v1/author/", "/api/v1/author/{key}/books/", "/api/v1/book/"}},
		// The books listed under an author go with the book resource.
		{"one readable", []resource.Resource{author(), meta("book", "book", refuseReads{})}, 200, []string{"/api/v1/author/"}},
		{"none readable", []resource.Resource{meta("publisher", "publisher", refuseReads{}), meta("book", "book", refuseReads{})}, 403, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, db, d, tc.resources...)
			r := c.do(http.MethodGet, "/api/v1/openapi.json", nil)
			if r.status != tc.status {
				t.Fatalf("%d, want %d: %s", r.status, tc.status, r.raw)
			}
			if r.status != 200 {
				return
			}
			openapitest.Parse(t, []byte(r.raw))
			var lists []string
			for p := range r.body.(map[string]any)["paths"].(map[string]any) {
				if (strings.Count(p, "/") == 4 || strings.HasSuffix(p, "/books/")) && p != "/api/v1/" {
					lists = append(lists, p)
				}
			}
			sort.Strings(lists)
			if !reflect.DeepEqual(lists, tc.lists) {
				t.Errorf("lists %v, want %v", lists, tc.lists)
			}
		})
	}
}
