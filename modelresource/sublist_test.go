package modelresource_test

import (
	"database/sql"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// A to-many relation is listed under its object with the whole list machinery of the related resource.
func TestSubResourceList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := expandResources(nil)
		// author also lists the authors it mentors: a to-many relation of a resource to itself.
		rs[1] = modelresource.New(resource.Meta{
			ResourceName: "author", Table: "author",
			Filtering: map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations},
			ToMany: map[string]resource.ToMany{
				"books":   {Resource: "book", Via: "author"},
				"mentees": {Resource: "author", Via: "mentor"},
			},
		})
		c := newClient(t, db, d, rs...)
		tests := []struct {
			name       string
			method     string
			path       string
			wantStatus int
			wantCode   string
			want       string // the body, or with meta the given parts
			check      func(t *testing.T, body any)
		}{
			{name: "the books of an author", path: "/api/v1/author/1/books/?fields=id,title", wantStatus: 200,
				want: `{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 2},
				"objects": [{"id": 1, "title": "Germinal", "resource_uri": "/api/v1/book/1/"},
				            {"id": 2, "title": "Nana", "resource_uri": "/api/v1/book/2/"}]}`},
			{name: "filters, ordering and pages of the related resource, links under the parent", path: "/api/v1/author/3/books/?order_by=-id&limit=1&fields=id", wantStatus: 200,
				want: `{"meta": {"limit": 1, "next": "/api/v1/author/3/books/?fields=id&order_by=-id&limit=1&offset=1", "offset": 0, "previous": null, "total_count": 2},
				"objects": [{"id": 5, "resource_uri": "/api/v1/book/5/"}]}`},
			{name: "a filter narrows the relation", path: "/api/v1/author/3/books/?title__icontains=room&fields=id", wantStatus: 200,
				check: func(t *testing.T, body any) { jsonEqual(t, field(body, "meta", "total_count"), "1") }},
			{name: "depth expands the listed objects", path: "/api/v1/author/1/books/?depth=1&limit=1", wantStatus: 200,
				check: func(t *testing.T, body any) {
					jsonEqual(t, field(body, "objects", 0, "author", "name"), `"Émile Zola"`)
				}},
			{name: "a relation of a resource to itself", path: "/api/v1/author/1/mentees/?fields=id,name", wantStatus: 200,
				check: func(t *testing.T, body any) {
					jsonEqual(t, field(body, "objects"), `[{"id": 2, "name": "Guy de Maupassant", "resource_uri": "/api/v1/author/2/"}]`)
				}},
			{name: "depth does not expand a to-many relation not marked Expand", path: "/api/v1/author/1/?depth=1", wantStatus: 200,
				check: func(t *testing.T, body any) {
					if _, has := body.(map[string]any)["books"]; has {
						t.Errorf("books expanded")
					}
					jsonEqual(t, field(body, "publisher", "name"), `"Gallimard"`)
				}},
			{name: "no children", path: "/api/v1/author/4/books/", wantStatus: 200,
				check: func(t *testing.T, body any) { jsonEqual(t, field(body, "meta", "total_count"), "0") }},
			{name: "a missing parent", path: "/api/v1/author/99/books/", wantStatus: 404, wantCode: "OBJECT_DOES_NOT_EXIST"},
			{name: "a parent the user may not see", path: "/api/v1/publisher/2/authors/", wantStatus: 404, wantCode: "OBJECT_DOES_NOT_EXIST"},
			{name: "an unknown relation", path: "/api/v1/author/1/novels/", wantStatus: 404, wantCode: "RESOURCE_NOT_FOUND"},
			{name: "a typo'd filter", path: "/api/v1/author/1/books/?titel=x", wantStatus: 400, wantCode: "INVALID_FILTER"},
			{name: "read-only", method: "POST", path: "/api/v1/author/1/books/", wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				method := tt.method
				if method == "" {
					method = "GET"
				}
				r := c.do(method, tt.path, nil)
				if r.status != tt.wantStatus || (tt.wantCode != "" && field(r.body, "code") != tt.wantCode) {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				if tt.want != "" {
					jsonEqual(t, r.body, tt.want)
				}
				if tt.check != nil {
					tt.check(t, r.body)
				}
			})
		}
	})
}
