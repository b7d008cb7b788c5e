package modelresource_test

import (
	"context"
	"database/sql"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// expandResources are the fixture's resources with to-many relations declared, the publisher's
// authorization hiding Penguin (2), and book's Dehydrate adding a computed field.
func expandResources(bookMeta func(*resource.Meta)) []resource.Resource {
	pub := resource.Meta{
		ResourceName: "publisher", Table: "publisher",
		Filtering: map[string]resource.Lookups{resource.EveryField: resource.All},
		ToMany:    map[string]resource.ToMany{"authors": {Resource: "author", Via: "publisher", Expand: true}},
		Authorization: auth.Rules{ReadListFunc: func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
			return sq.NotEq{`"publisher"."id"`: 2}, nil
		}},
	}
	author := resource.Meta{
		ResourceName: "author", Table: "author",
		Filtering: map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations},
		ToMany:    map[string]resource.ToMany{"books": {Resource: "book", Via: "author", Expand: true}},
		Fields:    []string{"id", "name", "publisher_id", "mentor_id"},
	}
	book := resource.Meta{
		ResourceName: "book", Table: "book",
		Filtering: map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations},
		Ordering:  []string{resource.EveryField},
		Fields:    []string{"id", "title", "author_id"},
	}
	if bookMeta != nil {
		bookMeta(&book)
	}
	return []resource.Resource{modelresource.New(pub), modelresource.New(author), dehydrateOverride{modelresource.New(book)}}
}

func TestDepthExpandsRelationsInOneQueryEach(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			createFixture(t, db, d)
			c := newClient(t, db, d, expandResources(nil)...)
			tests := []struct {
				name        string
				path        string
				wantQueries int64
				check       func(t *testing.T, body any)
			}{
				{
					name: "depth=0 shows keys only", path: "/api/v1/book/?order_by=id&limit=1", wantQueries: 2,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "objects", 0), `{"id": 1, "title": "Germinal", "author_id": 1, "resource_uri": "/api/v1/book/1/", "title_length": 8}`)
					},
				},
				{
					name: "depth=1 expands each to-one relation with one query", path: "/api/v1/book/?order_by=id&depth=1", wantQueries: 3,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "objects", 0, "author"), `{"id": 1, "name": "Émile Zola", "publisher_id": 1, "mentor_id": null, "resource_uri": "/api/v1/author/1/"}`)
						jsonEqual(t, field(body, "objects", 2, "author", "name"), `"Guy de Maupassant"`)
					},
				},
				{
					name: "depth=2 expands the related resource's relations, to-many included", path: "/api/v1/book/?order_by=id&limit=3&depth=2", wantQueries: 6,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "objects", 0, "author", "publisher"), `{"id": 1, "name": "Gallimard", "country": "FR", "resource_uri": "/api/v1/publisher/1/"}`)
						jsonEqual(t, field(body, "objects", 2, "author", "mentor", "name"), `"Émile Zola"`)
						jsonEqual(t, field(body, "objects", 0, "author", "mentor"), `null`)
						// The related resource's own Dehydrate runs on expanded objects.
						jsonEqual(t, field(body, "objects", 0, "author", "books", 1), `{"id": 2, "title": "Nana", "author_id": 1, "resource_uri": "/api/v1/book/2/", "title_length": 4}`)
					},
				},
				{
					name: "a related object the user may not read is null", path: "/api/v1/author/3/?depth=1", wantQueries: 3, // no mentor: no query for it
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "publisher_id"), `2`)
						jsonEqual(t, field(body, "publisher"), `null`)
						jsonEqual(t, field(body, "books", 1, "title"), `"A Room of One's Own"`)
					},
				},
				{
					name: "to-many with no children is an empty list", path: "/api/v1/author/4/?depth=1", wantQueries: 2,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "books"), `[]`)
						jsonEqual(t, field(body, "publisher"), `null`)
					},
				},
				{
					name: "set/ expands too", path: "/api/v1/publisher/set/1;2/?depth=1", wantQueries: 2,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "not_found"), `["2"]`)
						jsonEqual(t, field(body, "objects", 0, "authors", 1, "name"), `"Guy de Maupassant"`)
					},
				},
				{
					name: "fields= keeps a relation by name", path: "/api/v1/book/1/?depth=1&fields=id,author", wantQueries: 2,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "author", "id"), `1`)
						if _, has := body.(map[string]any)["title"]; has {
							t.Errorf("title kept")
						}
					},
				},
				{
					name: "depth is capped at the resource's maximum (3)", path: "/api/v1/book/1/?depth=9", wantQueries: 6,
					check: func(t *testing.T, body any) {
						jsonEqual(t, field(body, "author", "books", 0, "author", "name"), `"Émile Zola"`)
						if field(body, "author", "books", 0, "author", "books") != nil {
							t.Errorf("expanded beyond depth 3")
						}
					},
				},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					counter.Reset()
					r := c.do("GET", tt.path, nil)
					if r.status != 200 {
						t.Fatalf("%d %s", r.status, r.raw)
					}
					if n := counter.N(); n != tt.wantQueries {
						t.Errorf("%d queries, want %d", n, tt.wantQueries)
					}
					tt.check(t, r.body)
				})
			}
		})
	}
}

// Meta.Full expands a relation one level on every answer, writes included (Tastypie's full=True).
func TestFullRelationsAreAlwaysExpanded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, expandResources(func(m *resource.Meta) { m.Full = []string{"author"} })...)
		r := c.do("GET", "/api/v1/book/2/", nil)
		jsonEqual(t, field(r.body, "author", "name"), `"Émile Zola"`)
		if field(r.body, "author", "books") != nil {
			t.Errorf("Full expands one level only")
		}
		r = c.do("POST", "/api/v1/book/", map[string]any{"title": "Thérèse Raquin", "author_id": 1})
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		jsonEqual(t, field(r.body, "author", "name"), `"Émile Zola"`)
	})
}

func TestBadRelationMeta(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		tests := []struct {
			name string
			meta func(*resource.Meta)
			want string
		}{
			{"unknown to-many resource", func(m *resource.Meta) { m.ToMany = map[string]resource.ToMany{"x": {Resource: "nope", Via: "author"}} }, `no resource named "nope"`},
			{"to-many via a relation that does not point back", func(m *resource.Meta) {
				m.ResourceName = "book"
				m.ToMany = map[string]resource.ToMany{"x": {Resource: "author", Via: "publisher"}}
			}, `"author" has no relation "publisher" pointing at "book"`},
			{"Full naming no relation", func(m *resource.Meta) { m.Full = []string{"title"} }, `Meta.Full: "title" is not a relation`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, expandResources(tt.meta)...)
				if err == nil || !contains(err.Error(), tt.want) {
					t.Errorf("error %v, want one containing %s", err, tt.want)
				}
			})
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0))
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
