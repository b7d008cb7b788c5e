package modelresource_test

import (
	"context"
	"database/sql"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// zolaOnly is an authorization that lets the user see and touch only Zola's books (author 1), refuses
// to create books for anyone else, and refuses to delete Germinal (book 1).
func zolaOnly() resource.Authorization {
	onlyZola := func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		return sq.Eq{`"book"."author_id"`: 1}, nil
	}
	return auth.Rules{
		ReadListFunc:   onlyZola,
		UpdateListFunc: onlyZola,
		DeleteListFunc: onlyZola,
		CreateDetailFunc: func(_ context.Context, _ *resource.Bundle, data map[string]any) error {
			if id, _ := data["author_id"].(interface{ String() string }); id == nil || id.String() != "1" {
				return apierror.New(apierror.Forbidden, "books of other authors are not yours to create")
			}
			return nil
		},
		UpdateDetailFunc: func(_ context.Context, b *resource.Bundle, _ *resource.Object) error {
			if v, ok := b.Data["author_id"]; ok && v.(interface{ String() string }).String() != "1" {
				return apierror.New(apierror.Forbidden, "a book may not be given to another author")
			}
			return nil
		},
		DeleteDetailFunc: func(_ context.Context, _ *resource.Bundle, obj *resource.Object) error {
			if id, _ := obj.Get("id"); id == int64(1) {
				return apierror.New(apierror.Forbidden, "Germinal stays")
			}
			return nil
		},
	}
}

// Authorization narrows every path that reads or writes: the rows it hides never show in a list, a
// count, a set/ or a detail, and cannot be changed or deleted; refused writes change nothing.
func TestAuthorizationOnEveryPath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		m := bookMeta()
		m.Authorization = zolaOnly()
		c := newClient(t, db, d, withBooks(modelresource.New(m))...)
		books := func() int64 { return c.count("SELECT count(*) FROM book") }

		tests := []struct {
			name       string
			method     string
			path       string
			body       any
			wantStatus int
			wantCode   string
			wantBooks  int64
		}{
			{"list shows only what is allowed", "GET", "/api/v1/book/?order_by=id", nil, 200, "", 5},
			{"detail of an allowed row", "GET", "/api/v1/book/2/", nil, 200, "", 5},
			{"detail of a hidden row is a 404", "GET", "/api/v1/book/4/", nil, 404, "OBJECT_DOES_NOT_EXIST", 5},
			{"PATCH of a hidden row is a 404", "PATCH", "/api/v1/book/4/", map[string]any{"title": "x"}, 404, "OBJECT_DOES_NOT_EXIST", 5},
			{"PUT on a hidden row is a 404, not a create", "PUT", "/api/v1/book/4/", map[string]any{"title": "x", "author_id": 1}, 404, "OBJECT_DOES_NOT_EXIST", 5},
			{"DELETE of a hidden row is a 404", "DELETE", "/api/v1/book/4/", nil, 404, "OBJECT_DOES_NOT_EXIST", 5},
			{"create for another author is refused", "POST", "/api/v1/book/", map[string]any{"title": "x", "author_id": 3}, 403, "FORBIDDEN", 5},
			{"array create with one refused item writes nothing", "POST", "/api/v1/book/", []any{map[string]any{"title": "a", "author_id": 1}, map[string]any{"title": "b", "author_id": 2}}, 403, "FORBIDDEN", 5},
			{"moving a book to another author is refused", "PATCH", "/api/v1/book/2/", map[string]any{"author_id": 3}, 403, "FORBIDDEN", 5},
			{"deleting a protected row is refused", "DELETE", "/api/v1/book/1/", nil, 403, "FORBIDDEN", 5},
			{"DELETE by filter deletes only allowed rows", "DELETE", "/api/v1/book/?genre=novel", nil, 200, "", 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := c.do(tt.method, tt.path, tt.body)
				if r.status != tt.wantStatus || (tt.wantCode != "" && field(r.body, "code") != tt.wantCode) {
					t.Fatalf("%s %s: %d %s", tt.method, tt.path, r.status, r.raw)
				}
				if n := books(); n != tt.wantBooks {
					t.Errorf("%d books, want %d", n, tt.wantBooks)
				}
			})
		}
		// After the DELETE by filter, Zola's novels are gone and everyone else's remain.
		if n := c.count("SELECT count(*) FROM book WHERE author_id = 1"); n != 0 {
			t.Errorf("%d of Zola's books left", n)
		}
		if n := c.count("SELECT count(*) FROM book WHERE author_id <> 1"); n != 3 {
			t.Errorf("%d other books, want 3", n)
		}
	})
}

func TestAuthorizationNarrowsListCountAndSet(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		m := bookMeta()
		m.Authorization = zolaOnly()
		c := newClient(t, db, d, withBooks(modelresource.New(m))...)
		r := c.do("GET", "/api/v1/book/?order_by=id", nil)
		jsonEqual(t, field(r.body, "meta", "total_count"), "2")
		jsonEqual(t, field(r.body, "objects", 1, "id"), "2")
		r = c.do("GET", "/api/v1/book/set/1;4;2/", nil)
		jsonEqual(t, field(r.body, "not_found"), `["4"]`)
		if n := len(field(r.body, "objects").([]any)); n != 2 {
			t.Errorf("set/ shows %d objects", n)
		}
		r = c.do("GET", "/api/v1/book/?title__icontains=orlando", nil)
		jsonEqual(t, field(r.body, "meta", "total_count"), "0")
	})
}

// The schema asks the same question as reading the list.
func TestSchemaIsAuthorized(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		m := bookMeta()
		m.Authorization = auth.Rules{ReadListFunc: func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
			return nil, apierror.New(apierror.Forbidden, "no reading")
		}}
		c := newClient(t, db, d, withBooks(modelresource.New(m))...)
		for _, path := range []string{"/api/v1/book/schema/", "/api/v1/book/", "/api/v1/book/1/", "/api/v1/book/set/1/"} {
			if r := c.do("GET", path, nil); r.status != 403 || field(r.body, "code") != "FORBIDDEN" {
				t.Errorf("%s: %d %s", path, r.status, r.raw)
			}
		}
	})
}
