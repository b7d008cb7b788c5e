package modelresource_test

import (
	"database/sql"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// TestQueryPairsThatCannotBeRead: a pair the query parser cannot read (a ';', a bad %-escape) is a
// 400 naming it on every method, and a DELETE or PATCH by filter carrying one writes nothing (Go's
// url.ParseQuery drops such a pair, which widened the write to what the other filters match).
func TestQueryPairsThatCannotBeRead(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		details                  string
	}{
		{name: "DELETE by filter with a trailing ';'", method: http.MethodDelete, path: "/api/v1/book/?author_id=1&genre=novel;",
			details: `{"parameter": "genre", "pair": "genre=novel;"}`},
		{name: "PATCH by filter with a trailing ';'", method: http.MethodPatch, path: "/api/v1/book/?author_id=3&title=Orlando;", body: `{"pages": 1}`,
			details: `{"parameter": "title", "pair": "title=Orlando;"}`},
		{name: "DELETE by filter with ';' between pairs", method: http.MethodDelete, path: "/api/v1/book/?author_id=1;genre=essay",
			details: `{"parameter": "author_id", "pair": "author_id=1;genre=essay"}`},
		{name: "DELETE by filter with a bad escape", method: http.MethodDelete, path: "/api/v1/book/?author_id=1&title=100%",
			details: `{"parameter": "title", "pair": "title=100%"}`},
		{name: "DELETE of an object with a ';'", method: http.MethodDelete, path: "/api/v1/book/1/?a;"},
		{name: "GET of a list", method: http.MethodGet, path: "/api/v1/book/?genre=novel;"},
		{name: "GET of a set", method: http.MethodGet, path: "/api/v1/book/set/1;2/?fields=id;"},
		{name: "GET of a relation's list", method: http.MethodGet, path: "/api/v1/author/1/books/?limit=1;"},
		{name: "GET of the API root", method: http.MethodGet, path: "/api/v1/?fullschema=true;"},
		{name: "GET of the OpenAPI document", method: http.MethodGet, path: "/api/v1/openapi.json?x=%"},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{}, csvResources(nil, nil)...)
		before := c.snapshot()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := c.send(tc.method, tc.path, tc.body, nil)
				wantError(t, r, http.StatusBadRequest, "INVALID_FILTER", tc.details)
				if after := c.snapshot(); after != before {
					t.Fatalf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		}
		// The same writes without the stray characters do what they say.
		if r := c.send(http.MethodDelete, "/api/v1/book/?author_id=1&genre=novel&title=Nana", "", nil); r.status != http.StatusOK || r.raw != `{"deleted": 1}` {
			t.Errorf("DELETE by filter: %d %s", r.status, r.raw)
		}
	})
}
