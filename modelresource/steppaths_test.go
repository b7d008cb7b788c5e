package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Every path goes through the steps a user would expect: whatever creates a book runs ObjCreate,
// whatever reads one (to show, change or delete it) goes through ApplyFilters, and the batch steps go
// through the per-object steps they stand for while those are overridden.

// guardedCreate refuses a book titled "refused" and marks every other new title.
type guardedCreate struct{ *modelresource.Resource }

func (guardedCreate) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	if b.Data["title"] == "refused" {
		return nil, apierror.New(apierror.Forbidden, "no new book may be called refused")
	}
	b.Data["title"] = b.Data["title"].(string) + " (new)"
	return next(ctx, b)
}

// withAuthorBooks is the fixture with author's books as a to-many relation (expanded by depth=) and
// book wrapped.
func withAuthorBooks(wrap func(*modelresource.Resource) resource.Resource) []resource.Resource {
	rs := fixtureResources()
	rs[1].Meta().ToMany = map[string]resource.ToMany{"books": {Resource: "book", Via: "author", Expand: true}}
	rs[2] = wrap(rs[2].(*modelresource.Resource))
	return rs
}

func TestCreatesGoThroughObjCreate(t *testing.T) {
	book := func(title string) map[string]any { return map[string]any{"title": title, "author_id": 1} }
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		title  string // the title the answer and the row have ("" when refused)
		key    int64  // the row created
	}{
		{"POST", "POST", "/api/v1/book/", book("Post"), 201, "Post (new)", 6},
		{"POST refused", "POST", "/api/v1/book/", book("refused"), 403, "", 6},
		{"array POST", "POST", "/api/v1/book/", []any{book("Array")}, 201, "Array (new)", 6},
		{"array POST refused", "POST", "/api/v1/book/", []any{book("Fine"), book("refused")}, 403, "", 6},
		{"PUT to a new key", "PUT", "/api/v1/book/9/", book("Put"), 201, "Put (new)", 9},
		{"PUT to a new key refused", "PUT", "/api/v1/book/9/", book("refused"), 403, "", 9},
		{"bulk PATCH, an object without key", "PATCH", "/api/v1/book/", map[string]any{"objects": []any{book("Bulk")}}, 202, "Bulk (new)", 6},
		{"bulk PATCH, an object with a new key", "PATCH", "/api/v1/book/",
			map[string]any{"objects": []any{map[string]any{"resource_uri": "/api/v1/book/9/", "title": "Bulk key", "author_id": 1}}}, 202, "Bulk key (new)", 9},
		{"bulk PATCH, a new key refused", "PATCH", "/api/v1/book/",
			map[string]any{"objects": []any{map[string]any{"resource_uri": "/api/v1/book/9/", "title": "refused", "author_id": 1}}}, 403, "", 9},
		{"nested under a new author", "POST", "/api/v1/author/", map[string]any{"name": "New", "books": []any{map[string]any{"title": "Nested"}}}, 201, "Nested (new)", 6},
		{"nested, refused", "POST", "/api/v1/author/", map[string]any{"name": "New", "books": []any{map[string]any{"title": "refused"}}}, 403, "", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				c := newClient(t, db, d, withAuthorBooks(func(r *modelresource.Resource) resource.Resource { return guardedCreate{r} })...)
				r := c.do(tt.method, tt.path, tt.body)
				if r.status != tt.status {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				if tt.title == "" {
					if field(r.body, "code") != "FORBIDDEN" || !containsText(field(r.body, "error"), "no new book may be called refused") {
						t.Errorf("refusal: %s", r.raw)
					}
					if n := c.count("SELECT count(*) FROM book") + c.count("SELECT count(*) FROM author"); n != 9 {
						t.Errorf("%d rows, want the fixture's 9", n)
					}
					return
				}
				if n := c.count("SELECT count(*) FROM book WHERE id = ? AND title = ?", tt.key, tt.title); n != 1 {
					t.Errorf("no book %d titled %q", tt.key, tt.title)
				}
				if n := c.count("SELECT count(*) FROM book"); n != 6 {
					t.Errorf("%d books, want 6", n)
				}
				if tt.method == "PUT" || tt.name == "POST" {
					jsonEqual(t, field(r.body, "title"), `"`+tt.title+`"`)
				}
			})
		})
	}
}

// containsText reports whether v is a string ending in s (an item's error starts with its position).
func containsText(v any, s string) bool {
	text, _ := v.(string)
	return strings.HasSuffix(text, s)
}

// noEssays hides essays (book 5) through ApplyFilters alone.
type noEssays struct{ *modelresource.Resource }

func (r noEssays) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b, q, fs)
	return q.Where(sq.NotEq{r.Column("genre"): "essay"}), err
}

func TestApplyFiltersNarrowsEveryRead(t *testing.T) {
	notFound := `{"success": false, "code": "OBJECT_DOES_NOT_EXIST", "error": "No book with key \"5\".", "details": {"resource": "book", "key": "5"}}`
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		want   string // the body, as JSON; "" to skip
	}{
		{"detail GET", "GET", "/api/v1/book/5/", nil, 404, notFound},
		{"set/", "GET", "/api/v1/book/set/4;5/?fields=id", nil, 200, `{"objects": [{"id": 4, "resource_uri": "/api/v1/book/4/"}], "not_found": ["5"]}`},
		{"PUT", "PUT", "/api/v1/book/5/", map[string]any{"title": "x", "author_id": 3}, 404, notFound},
		{"PATCH", "PATCH", "/api/v1/book/5/", map[string]any{"pages": 1}, 404, notFound},
		{"DELETE", "DELETE", "/api/v1/book/5/", nil, 404, notFound},
		{"bulk PATCH, objects", "PATCH", "/api/v1/book/", map[string]any{"objects": []any{map[string]any{"resource_uri": "/api/v1/book/5/", "title": "x", "author_id": 3, "pages": 1}}}, 404, ""},
		{"bulk PATCH, deleted_objects", "PATCH", "/api/v1/book/", map[string]any{"deleted_objects": []string{"/api/v1/book/5/"}}, 404,
			`{"success": false, "code": "OBJECT_DOES_NOT_EXIST", "error": "deleted_objects[0]: No book with key \"5\".", "details": {"resource": "book", "key": "5", "deleted_index": 0}}`},
		{"DELETE with filters", "DELETE", "/api/v1/book/?id=5", nil, 200, `{"deleted": 0}`},
		{"PATCH with filters", "PATCH", "/api/v1/book/?id=5", map[string]any{"pages": 1}, 202, `{"updated": 0}`},
		{"a relation's list", "GET", "/api/v1/author/3/books/?fields=id", nil, 200, ""},
		{"a relation expanded", "GET", "/api/v1/author/3/?depth=1&fields=books", nil, 200, ""},
		{"a book shown", "GET", "/api/v1/book/4/?fields=id", nil, 200, `{"id": 4, "resource_uri": "/api/v1/book/4/"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				c := newClient(t, db, d, withAuthorBooks(func(r *modelresource.Resource) resource.Resource { return noEssays{r} })...)
				r := c.do(tt.method, tt.path, tt.body)
				if r.status != tt.status {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				if tt.want != "" {
					jsonEqual(t, r.body, tt.want)
				}
				switch tt.name {
				case "bulk PATCH, objects":
					if field(r.body, "code") != "OBJECT_DOES_NOT_EXIST" || field(r.body, "details", "index") != json.Number("0") {
						t.Errorf("%s", r.raw)
					}
				case "a relation's list":
					jsonEqual(t, field(r.body, "objects"), `[{"id": 4, "resource_uri": "/api/v1/book/4/"}]`)
				case "a relation expanded":
					if books, _ := field(r.body, "books").([]any); len(books) != 1 || field(books[0], "id") != json.Number("4") {
						t.Errorf("books of author 3: %s", r.raw)
					}
				}
				if n := c.count("SELECT count(*) FROM book WHERE id = 5 AND title = 'A Room of One''s Own' AND pages = 172 AND author_id = 3"); n != 1 {
					t.Errorf("book 5 was changed")
				}
				if n := c.count("SELECT count(*) FROM book"); n != 5 {
					t.Errorf("%d books", n)
				}
			})
		})
	}
}

// createAndBatch overrides ObjCreate (marking titles) and ObjCreateList (calling the batching
// default): an array POST batches again, without ObjCreate.
type createAndBatch struct{ objCreateOverride }

func (createAndBatch) ObjCreateList(ctx context.Context, b *resource.Bundle, items []*resource.Bundle, next resource.ObjCreateListFunc) ([]*resource.Object, error) {
	return next(ctx, b, items)
}

func TestBatchStepsGoThroughPerObjectOverrides(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		// ObjGet hides book 2: deleting it in a bulk PATCH or by filter is a 404, and nothing is deleted.
		c := newClient(t, db, d, withBooks(objGetOverride{modelresource.New(bookMeta())})...)
		r := c.do("PATCH", "/api/v1/book/", map[string]any{"deleted_objects": []string{"/api/v1/book/1/", "/api/v1/book/2/"}})
		if r.status != 404 || field(r.body, "error") != "deleted_objects[1]: hidden by the override" {
			t.Errorf("bulk PATCH: %d %s", r.status, r.raw)
		}
		if r := c.do("DELETE", "/api/v1/book/?id__in=1,2", nil); r.status != 404 || field(r.body, "error") != "hidden by the override" {
			t.Errorf("DELETE with filters: %d %s", r.status, r.raw)
		}
		if n := c.count("SELECT count(*) FROM book WHERE id IN (1, 2)"); n != 2 {
			t.Errorf("%d of books 1 and 2 left", n)
		}

		// ObjDelete on author deletes the author's books: in a bulk PATCH's deleted_objects too.
		rs := fixtureResources()
		c = newClient(t, db, d, rs[0], objDeleteOverride{rs[1].(*modelresource.Resource), d}, rs[2])
		if r := c.do("PATCH", "/api/v1/author/", map[string]any{"deleted_objects": []string{"/api/v1/author/3/"}}); r.status != 202 {
			t.Errorf("bulk PATCH: %d %s", r.status, r.raw)
		}
		if n := c.count("SELECT count(*) FROM author WHERE id = 3") + c.count("SELECT count(*) FROM book WHERE author_id = 3"); n != 0 {
			t.Errorf("%d rows of author 3 left", n)
		}

		// ObjCreate and ObjCreateList both overridden: the array POST batches, without ObjCreate.
		c = newClient(t, db, d, withBooks(createAndBatch{objCreateOverride{modelresource.New(bookMeta())}})...)
		r = c.do("POST", "/api/v1/book/", []any{map[string]any{"title": "A", "author_id": 1}, map[string]any{"title": "B", "author_id": 1}})
		if r.status != 201 || field(r.body, "objects", 0, "title") != "A" || field(r.body, "objects", 1, "title") != "B" {
			t.Errorf("array POST: %d %s", r.status, r.raw)
		}
		if r := c.do("POST", "/api/v1/book/", map[string]any{"title": "C", "author_id": 1}); r.status != 201 || field(r.body, "title") != "C (new)" {
			t.Errorf("POST: %d %s", r.status, r.raw)
		}
		if n := c.count("SELECT count(*) FROM book WHERE title IN ('A', 'B', 'C (new)')"); n != 3 {
			t.Errorf("%d new books", n)
		}
	})
}
