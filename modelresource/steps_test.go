package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
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

// Each type below overrides one of Tastypie's steps on the book resource, the way user code does:
// embed the model resource, add the one method. The tests prove that the override is used, including
// where another default step calls it.

func bookMeta() resource.Meta {
	return resource.Meta{
		ResourceName: "book", Table: "book",
		Filtering: map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations},
		Ordering:  []string{resource.EveryField},
	}
}

func withBooks(book resource.Resource) []resource.Resource {
	rs := fixtureResources()
	return append(rs[:2:2], book)
}

type dispatchOverride struct{ *modelresource.Resource }

func (dispatchOverride) Dispatch(ctx context.Context, b *resource.Bundle, next resource.DispatchFunc) (*resource.Response, error) {
	resp, err := next(ctx, b)
	if resp != nil {
		if resp.Header == nil {
			resp.Header = http.Header{}
		}
		resp.Header.Set("X-Dispatched-By", "override")
	}
	return resp, err
}

type validateOverride struct{ *modelresource.Resource }

func (validateOverride) ValidateFilters(ctx context.Context, b *resource.Bundle, next resource.ValidateFiltersFunc) error {
	if b.Query.Get("title") == "forbidden" {
		return apierror.New(apierror.InvalidFilter, "title=forbidden is refused by the override").With("parameter", "title")
	}
	return next(ctx, b)
}

type buildOverride struct{ *modelresource.Resource }

// BuildFilters reads a shorthand parameter q as title__icontains.
func (buildOverride) BuildFilters(ctx context.Context, b *resource.Bundle, next resource.BuildFiltersFunc) ([]filters.Filter, error) {
	if q := b.Query.Get("q"); q != "" {
		b.Query.Del("q")
		b.Query.Set("title__icontains", q)
	}
	return next(ctx, b)
}

type applyOverride struct{ *modelresource.Resource }

// ApplyFilters hides essays from every list, set/ and DELETE by filter.
func (r applyOverride) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b, q, fs)
	return q.Where(sq.NotEq{r.Column("genre"): "essay"}), err
}

type objectListOverride struct{ *modelresource.Resource }

// GetObjectList hides books without a page count everywhere, detail included.
func (r objectListOverride) GetObjectList(ctx context.Context, b *resource.Bundle, next resource.GetObjectListFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b)
	return q.Where(sq.NotEq{r.Column("pages"): nil}), err
}

type objGetListOverride struct{ *modelresource.Resource }

// ObjGetList shows the page in reverse.
func (objGetListOverride) ObjGetList(ctx context.Context, b *resource.Bundle, next resource.ObjGetListFunc) (*resource.Page, error) {
	p, err := next(ctx, b)
	if err == nil {
		for i, j := 0, len(p.Objects)-1; i < j; i, j = i+1, j-1 {
			p.Objects[i], p.Objects[j] = p.Objects[j], p.Objects[i]
		}
	}
	return p, err
}

type objGetOverride struct{ *modelresource.Resource }

// ObjGet pretends book 2 does not exist: GET, PUT, PATCH and DELETE all see that.
func (objGetOverride) ObjGet(ctx context.Context, b *resource.Bundle, next resource.ObjGetFunc) (*resource.Object, error) {
	if b.Key == "2" {
		return nil, apierror.New(apierror.ObjectDoesNotExist, "hidden by the override")
	}
	return next(ctx, b)
}

type objCreateOverride struct{ *modelresource.Resource }

// ObjCreate marks every new title, in single and array POSTs alike.
func (objCreateOverride) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	b.Data["title"] = b.Data["title"].(string) + " (new)"
	return next(ctx, b)
}

type objUpdateOverride struct{ *modelresource.Resource }

// ObjUpdate refuses to move a book to another author.
func (objUpdateOverride) ObjUpdate(ctx context.Context, b *resource.Bundle, next resource.ObjUpdateFunc) (*resource.Object, bool, error) {
	if _, ok := b.Data["author_id"]; ok {
		return nil, false, apierror.New(apierror.Forbidden, "books keep their author")
	}
	return next(ctx, b)
}

type objDeleteOverride struct {
	*modelresource.Resource
	d dialect.Dialect
}

// ObjDelete (on author) deletes the author's books first, in the same transaction as the author.
func (o objDeleteOverride) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error {
	return o.Atomic(ctx, func(ctx context.Context) error {
		if _, err := o.DB(ctx).ExecContext(ctx, o.d.Rebind("DELETE FROM book WHERE author_id = ?"), b.Key); err != nil {
			return err
		}
		return next(ctx, b)
	})
}

type objDeleteListOverride struct{ *modelresource.Resource }

// ObjDeleteList refuses to delete more than one book at a time.
func (objDeleteListOverride) ObjDeleteList(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteListFunc) (int64, error) {
	if strings.Contains(b.Query.Encode(), "__in=") {
		return 0, apierror.New(apierror.Forbidden, "one at a time")
	}
	return next(ctx, b)
}

type objUpdateListOverride struct{ *modelresource.Resource }

// ObjUpdateList refuses to change a book's genre by filter.
func (objUpdateListOverride) ObjUpdateList(ctx context.Context, b *resource.Bundle, next resource.ObjUpdateListFunc) (int64, error) {
	if _, ok := b.Data["genre"]; ok {
		return 0, apierror.New(apierror.Forbidden, "genres change one book at a time")
	}
	return next(ctx, b)
}

type objCreateListOverride struct{ *modelresource.Resource }

// ObjCreateList refuses an array POST of more than two books.
func (objCreateListOverride) ObjCreateList(ctx context.Context, b *resource.Bundle, items []*resource.Bundle, next resource.ObjCreateListFunc) ([]*resource.Object, error) {
	if len(items) > 2 {
		return nil, apierror.New(apierror.Forbidden, "at most two books at once")
	}
	return next(ctx, b, items)
}

type objStreamListOverride struct{ *modelresource.Resource }

// ObjStreamList leaves essays out of CSV lists.
func (objStreamListOverride) ObjStreamList(ctx context.Context, b *resource.Bundle, each func(*resource.Object) error, next resource.ObjStreamListFunc) error {
	return next(ctx, b, func(o *resource.Object) error {
		if genre, _ := o.Get("genre"); genre == "essay" {
			return nil
		}
		return each(o)
	})
}

type objDeleteKeysOverride struct{ *modelresource.Resource }

// ObjDeleteKeys refuses to delete book 1 in a bulk PATCH.
func (objDeleteKeysOverride) ObjDeleteKeys(ctx context.Context, b *resource.Bundle, keys []string, next resource.ObjDeleteKeysFunc) error {
	for i, k := range keys {
		if k == "1" {
			return resource.AtDeletedIndex(apierror.New(apierror.Forbidden, "book 1 stays"), i)
		}
	}
	return next(ctx, b, keys)
}

type hydrateOverride struct{ *modelresource.Resource }

// Hydrate trims and upper-cases titles before validation.
func (hydrateOverride) Hydrate(ctx context.Context, b *resource.Bundle, next resource.HydrateFunc) error {
	if t, ok := b.Data["title"].(string); ok {
		b.Data["title"] = strings.ToUpper(strings.TrimSpace(t))
	}
	return next(ctx, b)
}

type dehydrateOverride struct{ *modelresource.Resource }

// Dehydrate adds a computed field and hides the JSON column, in every answer.
func (dehydrateOverride) Dehydrate(ctx context.Context, b *resource.Bundle, obj *resource.Object, next resource.DehydrateFunc) error {
	title, _ := obj.Get("title")
	obj.Set("title_length", int64(len(title.(string))))
	obj.Delete("extra")
	return next(ctx, b, obj)
}

func TestEveryStepIsOverridable(t *testing.T) {
	tests := []struct {
		name  string
		book  func(db *sql.DB, d dialect.Dialect) resource.Resource
		check func(t *testing.T, c *client)
	}{
		{
			name: "Dispatch",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return dispatchOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				r := c.do("GET", "/api/v1/book/1/", nil)
				if r.status != 200 || r.header.Get("X-Dispatched-By") != "override" {
					t.Errorf("status %d, header %q", r.status, r.header.Get("X-Dispatched-By"))
				}
			},
		},
		{
			name: "ValidateFilters",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return validateOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				for _, req := range []struct{ method, path string }{
					{"GET", "/api/v1/book/?title=forbidden"},
					{"GET", "/api/v1/book/set/1;2/?title=forbidden"},
					{"DELETE", "/api/v1/book/?title=forbidden"},
				} {
					r := c.do(req.method, req.path, nil)
					if r.status != 400 || field(r.body, "error") != "title=forbidden is refused by the override" {
						t.Errorf("%s %s: %d %s", req.method, req.path, r.status, r.raw)
					}
				}
			},
		},
		{
			name: "BuildFilters",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				m := bookMeta()
				m.ExtraParams = []string{"q"}
				return buildOverride{modelresource.New(m)}
			},
			check: func(t *testing.T, c *client) {
				r := c.do("GET", "/api/v1/book/?q=GERM", nil)
				jsonEqual(t, field(r.body, "meta", "total_count"), "1")
				jsonEqual(t, field(r.body, "objects", 0, "title"), `"Germinal"`)
				if r := c.do("DELETE", "/api/v1/book/?q=nana", nil); r.status != 200 || field(r.body, "deleted") != json.Number("1") {
					t.Errorf("DELETE: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE title = 'Nana'"); n != 0 {
					t.Errorf("Nana still there")
				}
			},
		},
		{
			name: "ApplyFilters",
			book: func(*sql.DB, dialect.Dialect) resource.Resource { return applyOverride{modelresource.New(bookMeta())} },
			check: func(t *testing.T, c *client) {
				jsonEqual(t, field(c.do("GET", "/api/v1/book/", nil).body, "meta", "total_count"), "4")
				jsonEqual(t, field(c.do("GET", "/api/v1/book/set/4;5/", nil).body, "not_found"), `["5"]`)
				if r := c.do("DELETE", "/api/v1/book/?author_id=3", nil); r.status != 200 || field(r.body, "deleted") != json.Number("1") {
					t.Errorf("DELETE: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE author_id = 3"); n != 1 {
					t.Errorf("the essay of author 3 must survive the DELETE: %d books left", n)
				}
			},
		},
		{
			name: "GetObjectList",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objectListOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				jsonEqual(t, field(c.do("GET", "/api/v1/book/", nil).body, "meta", "total_count"), "4")
				if r := c.do("GET", "/api/v1/book/3/", nil); r.status != 404 {
					t.Errorf("detail of a hidden book: %d", r.status)
				}
				if r := c.do("PATCH", "/api/v1/book/3/", map[string]any{"title": "x"}); r.status != 404 {
					t.Errorf("PATCH of a hidden book: %d", r.status)
				}
			},
		},
		{
			name: "ObjGetList",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objGetListOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				r := c.do("GET", "/api/v1/book/?order_by=id&limit=3", nil)
				jsonEqual(t, field(r.body, "objects", 0, "id"), "3")
				jsonEqual(t, field(r.body, "objects", 2, "id"), "1")
			},
		},
		{
			name: "ObjGet",
			book: func(*sql.DB, dialect.Dialect) resource.Resource { return objGetOverride{modelresource.New(bookMeta())} },
			check: func(t *testing.T, c *client) {
				for _, req := range []struct {
					method string
					body   any
				}{{"GET", nil}, {"PATCH", map[string]any{"title": "x"}}, {"DELETE", nil}} {
					if r := c.do(req.method, "/api/v1/book/2/", req.body); r.status != 404 || field(r.body, "error") != "hidden by the override" {
						t.Errorf("%s: %d %s", req.method, r.status, r.raw)
					}
				}
				// PATCH by filter updates each object through ObjUpdate, whose ObjGet the override
				// answers: book 2 is a 404 there too, and book 1, changed before it, is rolled back.
				if r := c.do("PATCH", "/api/v1/book/?id__in=1,2", map[string]any{"title": "x"}); r.status != 404 || field(r.body, "error") != "hidden by the override" {
					t.Errorf("PATCH by filter: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE (id = 2 AND title = 'Nana') OR (id = 1 AND title = 'Germinal')"); n != 2 {
					t.Errorf("books 1 and 2 were changed")
				}
			},
		},
		{
			name: "ObjCreate",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objCreateOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				r := c.do("POST", "/api/v1/book/", map[string]any{"title": "One", "author_id": 1})
				jsonEqual(t, field(r.body, "title"), `"One (new)"`)
				r = c.do("POST", "/api/v1/book/", []any{map[string]any{"title": "Two", "author_id": 1}})
				jsonEqual(t, field(r.body, "objects", 0, "title"), `"Two (new)"`)
				if n := c.count("SELECT count(*) FROM book WHERE title LIKE '% (new)'"); n != 2 {
					t.Errorf("%d marked books", n)
				}
			},
		},
		{
			name: "ObjUpdate",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objUpdateOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				if r := c.do("PATCH", "/api/v1/book/1/", map[string]any{"author_id": 2}); r.status != 403 {
					t.Errorf("PATCH: %d %s", r.status, r.raw)
				}
				if r := c.do("PATCH", "/api/v1/book/1/", map[string]any{"pages": 600}); r.status != 202 {
					t.Errorf("PATCH: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE id = 1 AND author_id = 1 AND pages = 600"); n != 1 {
					t.Errorf("book 1 not as expected")
				}
				// PATCH by filter goes through the override for each book: refused as one PATCH is,
				// with nothing changed, and applied to each when the override lets it.
				if r := c.do("PATCH", "/api/v1/book/?author_id=1", map[string]any{"author_id": 2}); r.status != 403 || field(r.body, "error") != "books keep their author" {
					t.Errorf("PATCH by filter: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE author_id = 1"); n != 2 {
					t.Errorf("%d books of author 1, want 2", n)
				}
				if r := c.do("PATCH", "/api/v1/book/?author_id=1", map[string]any{"pages": 100}); r.status != 202 || normalizeText(field(r.body, "updated")) != "2" {
					t.Errorf("PATCH by filter: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE author_id = 1 AND pages = 100"); n != 2 {
					t.Errorf("%d books of author 1 with 100 pages, want 2", n)
				}
			},
		},
		{
			name: "ObjDelete",
			book: func(*sql.DB, dialect.Dialect) resource.Resource { return modelresource.New(bookMeta()) },
			check: func(t *testing.T, c *client) {
				// Without the override, deleting an author with books is a conflict ...
				if r := c.do("DELETE", "/api/v1/author/3/", nil); r.status != 409 {
					t.Fatalf("plain DELETE: %d %s", r.status, r.raw)
				}
				// ... with it, the books go first.
				rs := fixtureResources()
				author := rs[1].(*modelresource.Resource)
				c2 := newClient(t, c.db, c.d, rs[0], objDeleteOverride{author, c.d}, rs[2])
				// A failure after the books are gone rolls them back: author 1 is the mentor of author 2.
				if r := c2.do("DELETE", "/api/v1/author/1/", nil); r.status != 409 {
					t.Fatalf("DELETE of a mentor: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE author_id = 1"); n != 2 {
					t.Errorf("the books of author 1 were not rolled back: %d left", n)
				}
				if r := c2.do("DELETE", "/api/v1/author/3/", nil); r.status != 204 {
					t.Fatalf("DELETE: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM author WHERE id = 3") + c.count("SELECT count(*) FROM book WHERE author_id = 3"); n != 0 {
					t.Errorf("%d rows left", n)
				}
			},
		},
		{
			name: "ObjDeleteList",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objDeleteListOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				if r := c.do("DELETE", "/api/v1/book/?id__in=1,2", nil); r.status != 403 {
					t.Errorf("DELETE: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book"); n != 5 {
					t.Errorf("%d books left", n)
				}
			},
		},
		{
			name: "ObjUpdateList",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objUpdateListOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				if r := c.do("PATCH", "/api/v1/book/?author_id=1", map[string]any{"genre": "essay"}); r.status != 403 || field(r.body, "error") != "genres change one book at a time" {
					t.Errorf("PATCH genre: %d %s", r.status, r.raw)
				}
				if r := c.do("PATCH", "/api/v1/book/?author_id=1", map[string]any{"pages": 100}); r.status != 202 || r.raw != `{"updated": 2}` {
					t.Errorf("PATCH pages: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE author_id = 1 AND pages = 100 AND genre = 'novel'"); n != 2 {
					t.Errorf("%d books of author 1 changed as asked", n)
				}
			},
		},
		{
			name: "ObjCreateList",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objCreateListOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				three := []any{map[string]any{"title": "A", "author_id": 1}, map[string]any{"title": "B", "author_id": 1}, map[string]any{"title": "C", "author_id": 1}}
				if r := c.do("POST", "/api/v1/book/", three); r.status != 403 || field(r.body, "error") != "at most two books at once" {
					t.Errorf("POST of three: %d %s", r.status, r.raw)
				}
				if r := c.do("POST", "/api/v1/book/", three[:2]); r.status != 201 || field(r.body, "objects", 1, "title") != "B" {
					t.Errorf("POST of two: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book"); n != 7 {
					t.Errorf("%d books", n)
				}
			},
		},
		{
			name: "ObjStreamList",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objStreamListOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				for _, path := range []string{"/api/v1/book/?format=csv&fields=id&author_id=3", "/api/v1/book/?format=csv&fields=id&author_id=3&limit=2"} {
					if status, _, body := getCSV(t, c.h, "GET", path, ""); status != 200 || body != "id,resource_uri\n4,/api/v1/book/4/\n" {
						t.Errorf("%s: %d %q", path, status, body)
					}
				}
				// JSON lists are ObjGetList's.
				jsonEqual(t, field(c.do("GET", "/api/v1/book/?author_id=3", nil).body, "meta", "total_count"), "2")
			},
		},
		{
			name: "ObjDeleteKeys",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return objDeleteKeysOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				r := c.do("PATCH", "/api/v1/book/", map[string]any{"deleted_objects": []string{"/api/v1/book/2/", "/api/v1/book/1/"}})
				if r.status != 403 || field(r.body, "error") != "deleted_objects[1]: book 1 stays" || field(r.body, "details", "deleted_index") != json.Number("1") {
					t.Errorf("bulk PATCH: %d %s", r.status, r.raw)
				}
				if r := c.do("PATCH", "/api/v1/book/", map[string]any{"deleted_objects": []string{"/api/v1/book/2/", "/api/v1/book/3/"}}); r.status != 202 {
					t.Errorf("bulk PATCH: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE id IN (1, 2, 3)"); n != 1 {
					t.Errorf("%d of books 1, 2, 3 left", n)
				}
			},
		},
		{
			name: "Hydrate",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return hydrateOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				r := c.do("POST", "/api/v1/book/", map[string]any{"title": "  quiet  ", "author_id": 1})
				jsonEqual(t, field(r.body, "title"), `"QUIET"`)
				r = c.do("PUT", "/api/v1/book/1/", map[string]any{"title": "germinal", "author_id": 1})
				jsonEqual(t, field(r.body, "title"), `"GERMINAL"`)
			},
		},
		{
			name: "Dehydrate",
			book: func(*sql.DB, dialect.Dialect) resource.Resource {
				return dehydrateOverride{modelresource.New(bookMeta())}
			},
			check: func(t *testing.T, c *client) {
				for _, path := range []string{"/api/v1/book/1/", "/api/v1/book/?id=1", "/api/v1/book/set/1/"} {
					r := c.do("GET", path, nil)
					obj := r.body
					if path != "/api/v1/book/1/" {
						obj = field(r.body, "objects", 0)
					}
					jsonEqual(t, field(obj, "title_length"), "8")
					if _, has := obj.(map[string]any)["extra"]; has {
						t.Errorf("%s: extra not removed", path)
					}
				}
				r := c.do("POST", "/api/v1/book/", map[string]any{"title": "Abc", "author_id": 1})
				jsonEqual(t, field(r.body, "title_length"), "3")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				tt.check(t, newClient(t, db, d, withBooks(tt.book(db, d))...))
			})
		})
	}
}
