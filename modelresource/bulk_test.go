package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// bookTitles returns "id:title" of every book, in key order: the database state bulk tests compare.
func bookTitles(c *client) string {
	c.t.Helper()
	rows, err := c.db.QueryContext(context.Background(), "SELECT id, title, genre FROM book ORDER BY id")
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var title, genre string
		if err := rows.Scan(&id, &title, &genre); err != nil {
			c.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s:%s", id, title, genre))
	}
	return strings.Join(out, ",")
}

const initialBooks = "1:Germinal:novel,2:Nana:novel,3:Bel-Ami:novel,4:Orlando:novel,5:A Room of One's Own:essay"

func TestBulkPatch(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantBody   string // checked when set
		wantBooks  string
	}{
		{
			name: "update by URI and by key, create with and without a key, delete",
			body: `{"objects": [
				{"resource_uri": "/api/v1/book/1/", "title": "Germinal (2nd ed.)"},
				{"id": 2, "genre": "poetry"},
				{"title": "L'Assommoir", "author_id": 1},
				{"resource_uri": "/api/v1/book/40/", "title": "Au Bonheur des Dames", "author_id": 1}],
				"deleted_objects": ["/api/v1/book/3/"]}`,
			wantStatus: 202,
			wantBooks:  "1:Germinal (2nd ed.):novel,2:Nana:poetry,4:Orlando:novel,5:A Room of One's Own:essay,6:L'Assommoir:novel,40:Au Bonheur des Dames:novel",
		},
		{
			name:       "an invalid object rolls everything back and is named",
			body:       `{"objects": [{"id": 1, "title": "changed"}, {"title": "no author"}], "deleted_objects": ["/api/v1/book/3/"]}`,
			wantStatus: 400, wantCode: "VALIDATION_ERROR", wantBooks: initialBooks,
		},
		{
			name:       "a URI of another resource in deleted_objects",
			body:       `{"objects": [{"id": 1, "title": "changed"}], "deleted_objects": ["/api/v1/author/1/"]}`,
			wantStatus: 400, wantCode: "MALFORMED_BODY", wantBooks: initialBooks,
		},
		{
			name:       "a missing object to delete rolls everything back",
			body:       `{"objects": [{"id": 1, "title": "changed"}], "deleted_objects": ["/api/v1/book/99/"]}`,
			wantStatus: 404, wantCode: "OBJECT_DOES_NOT_EXIST", wantBooks: initialBooks,
		},
		{
			name:       "objects that are not objects",
			body:       `{"objects": [1]}`,
			wantStatus: 400, wantCode: "MALFORMED_BODY", wantBooks: initialBooks,
		},
		{
			name:       "other keys beside objects",
			body:       `{"objects": [], "title": "x"}`,
			wantStatus: 400, wantCode: "MALFORMED_BODY", wantBooks: initialBooks,
		},
		{
			name:       "an empty bulk changes nothing",
			body:       `{"objects": [], "deleted_objects": []}`,
			wantStatus: 202, wantBody: `{"objects": []}`, wantBooks: initialBooks,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				c := newClient(t, db, d)
				r := c.do("PATCH", "/api/v1/book/", tt.body)
				if r.status != tt.wantStatus || (tt.wantCode != "" && field(r.body, "code") != tt.wantCode) {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				if tt.wantBody != "" {
					jsonEqual(t, r.body, tt.wantBody)
				}
				if got := bookTitles(c); got != tt.wantBooks {
					t.Errorf("books\n got %s\nwant %s", got, tt.wantBooks)
				}
			})
		})
	}
}

// The answer of a bulk PATCH holds each object as a following GET shows it.
func TestBulkPatchAnswer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d)
		r := c.do("PATCH", "/api/v1/book/", `{"objects": [{"id": 2, "pages": 471}, {"title": "La Bête humaine", "author_id": 1}]}`)
		if r.status != 202 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		for i, path := range []string{"/api/v1/book/2/", "/api/v1/book/6/"} {
			jsonEqual(t, field(r.body, "objects", i), c.do("GET", path, nil).raw)
		}
	})
}

func TestPatchWhere(t *testing.T) {
	narrowToZola := func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		return sq.Eq{`"book"."author_id"`: 1}, nil
	}
	tests := []struct {
		name       string
		path       string
		body       string
		authz      resource.Authorization
		wantStatus int
		wantBody   string
		wantCode   string
		wantBooks  string
	}{
		{name: "applies to every matched row and counts them", path: "/api/v1/book/?author__name__icontains=zola", body: `{"genre": "poetry"}`,
			wantStatus: 202, wantBody: `{"updated": 2}`, wantBooks: "1:Germinal:poetry,2:Nana:poetry,3:Bel-Ami:novel,4:Orlando:novel,5:A Room of One's Own:essay"},
		{name: "matching nothing", path: "/api/v1/book/?title=Nope", body: `{"genre": "poetry"}`, wantStatus: 202, wantBody: `{"updated": 0}`, wantBooks: initialBooks},
		{name: "refused without a filter", path: "/api/v1/book/", body: `{"genre": "poetry"}`, wantStatus: 400, wantCode: "MISSING_PARAMETER", wantBooks: initialBooks},
		{name: "refused with a typo'd filter", path: "/api/v1/book/?gnere=novel", body: `{"genre": "poetry"}`, wantStatus: 400, wantCode: "INVALID_FILTER", wantBooks: initialBooks},
		{name: "refused with an invalid value", path: "/api/v1/book/?id=1", body: `{"genre": "drama"}`, wantStatus: 400, wantCode: "VALIDATION_ERROR", wantBooks: initialBooks},
		{name: "refused with nothing to change", path: "/api/v1/book/?id=1", body: `{}`, wantStatus: 400, wantCode: "VALIDATION_ERROR", wantBooks: initialBooks},
		{name: "only rows the user may update", path: "/api/v1/book/?genre=novel", body: `{"genre": "essay"}`, authz: auth.Rules{ReadListFunc: narrowToZola, UpdateListFunc: narrowToZola},
			wantStatus: 202, wantBody: `{"updated": 2}`, wantBooks: "1:Germinal:essay,2:Nana:essay,3:Bel-Ami:novel,4:Orlando:novel,5:A Room of One's Own:essay"},
		{name: "moving rows out of sight is refused as a whole", path: "/api/v1/book/?genre=novel", body: `{"author_id": 2, "title": "moved"}`, authz: auth.Rules{ReadListFunc: narrowToZola},
			wantStatus: 403, wantCode: "FORBIDDEN", wantBooks: initialBooks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				m := bookMeta()
				m.Authorization = tt.authz
				c := newClient(t, db, d, withBooks(modelresource.New(m))...)
				r := c.do("PATCH", tt.path, tt.body)
				if r.status != tt.wantStatus || (tt.wantCode != "" && field(r.body, "code") != tt.wantCode) {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				if tt.wantBody != "" {
					jsonEqual(t, r.body, tt.wantBody)
				}
				if got := bookTitles(c); got != tt.wantBooks {
					t.Errorf("books\n got %s\nwant %s", got, tt.wantBooks)
				}
			})
		})
	}
}

// A PATCH on the list with filters runs a bounded number of statements, whatever the rows matched.
func TestPatchWhereStatementsAreBounded(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			createFixture(t, db, d)
			for i := 0; i < 1200; i++ {
				if _, err := db.Exec(d.Rebind(`INSERT INTO book (id, title, author_id, created_at) VALUES (?, ?, 2, ?)`), 100+i, fmt.Sprint("copy ", i), "2020-01-01T00:00:00.000000Z"); err != nil {
					t.Fatal(err)
				}
			}
			c := newClient(t, db, d)
			counter.Reset()
			r := c.do("PATCH", "/api/v1/book/?author_id=2", `{"genre": "essay"}`)
			jsonEqual(t, r.body, `{"updated": 1201}`)
			// one SELECT of the keys, one UPDATE per 500 keys
			if n := counter.N(); n != 1+3 {
				t.Errorf("%d statements, want 4", n)
			}
			if n := c.count("SELECT count(*) FROM book WHERE genre = 'essay'"); n != 1202 {
				t.Errorf("%d essays", n)
			}
		})
	}
}

// An array POST writes with a few multi-row statements, not some per object, and answers every object
// as a GET shows it, in the order sent.
func TestArrayPostStatementsAreBounded(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			createFixture(t, db, d)
			c := newClient(t, db, d)
			items := make([]map[string]any, 1200)
			for i := range items {
				items[i] = map[string]any{"title": fmt.Sprint("copy ", i), "author_id": 1 + i%4, "pages": i}
			}
			items[7]["genre"] = "essay" // a different set of fields: its own statement
			counter.Reset()
			r := c.do("POST", "/api/v1/book/", items)
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			objs := field(r.body, "objects").([]any)
			if len(objs) != 1200 || field(objs[7], "genre") != "essay" || field(objs[1199], "title") != "copy 1199" {
				t.Fatalf("%d objects; 7: %v; last: %v", len(objs), objs[7], objs[1199])
			}
			// per chunk of at most 500 rows with the same fields (3 + 1 here): SAVEPOINT, INSERT, RELEASE;
			// then one SELECT per 500 keys
			if n := counter.N(); n != 4*3+3 {
				t.Errorf("%d statements for 1200 objects, want 15", n)
			}
			jsonEqual(t, objs[500], c.do("GET", field(objs[500], "resource_uri").(string), nil).raw)
			if n := c.count("SELECT count(*) FROM book"); n != 1205 {
				t.Errorf("%d books", n)
			}
		})
	}
}

// A bulk PATCH deletes its deleted_objects with one SELECT and one DELETE, not some per object.
func TestBulkDeleteStatementsAreBounded(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			createFixture(t, db, d)
			c := newClient(t, db, d)
			counter.Reset()
			r := c.do("PATCH", "/api/v1/book/", `{"deleted_objects": ["/api/v1/book/1/", "/api/v1/book/2/", "/api/v1/book/4/"]}`)
			if r.status != 202 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if n := counter.N(); n != 2 {
				t.Errorf("%d statements, want 2", n)
			}
			if got := bookTitles(c); got != "3:Bel-Ami:novel,5:A Room of One's Own:essay" {
				t.Errorf("books %s", got)
			}
			// A conflict names no single object and rolls everything back.
			r = c.do("PATCH", "/api/v1/author/", `{"objects": [{"id": 4, "name": "renamed"}], "deleted_objects": ["/api/v1/author/4/", "/api/v1/author/2/"]}`)
			if r.status != 409 || field(r.body, "details", "deleted_index") != nil {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if n := c.count("SELECT count(*) FROM author WHERE name = 'renamed' OR id = 4"); n != 1 {
				t.Errorf("not rolled back")
			}
		})
	}
}
