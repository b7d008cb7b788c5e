package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Meta.TotalCount (API.md "total_count is exact by default; a resource may choose to skip or
// estimate it"), on both backends.

// countedBooks is the fixture's resources with the book list counted as mode says.
func countedBooks(mode resource.CountMode) []resource.Resource {
	rs := fixtureResources()
	rs[2].Meta().TotalCount = mode
	return rs
}

func TestTotalCountModes(t *testing.T) {
	cases := []struct {
		name        string
		mode        resource.CountMode
		path        string
		meta        string
		ids         string
		wantQueries int64
	}{
		{name: "exact by default", mode: "", path: "/api/v1/book/?order_by=id&limit=2",
			meta: `{"limit": 2, "offset": 0, "total_count": 5, "previous": null, "next": "/api/v1/book/?limit=2&offset=2&order_by=id"}`, ids: "1,2", wantQueries: 2},
		{name: "none: null, and next from one row more", mode: resource.CountNone, path: "/api/v1/book/?order_by=id&limit=2",
			meta: `{"limit": 2, "offset": 0, "total_count": null, "previous": null, "next": "/api/v1/book/?limit=2&offset=2&order_by=id"}`, ids: "1,2", wantQueries: 1},
		{name: "none: the last page has no next", mode: resource.CountNone, path: "/api/v1/book/?order_by=id&limit=2&offset=3",
			meta: `{"limit": 2, "offset": 3, "total_count": null, "previous": "/api/v1/book/?limit=2&offset=1&order_by=id", "next": null}`, ids: "4,5", wantQueries: 1},
		{name: "none: a page that exactly ends the list has no next", mode: resource.CountNone, path: "/api/v1/book/?order_by=id&limit=4&offset=1",
			meta: `{"limit": 4, "offset": 1, "total_count": null, "previous": null, "next": null}`, ids: "2,3,4,5", wantQueries: 1},
		{name: "none: past the end", mode: resource.CountNone, path: "/api/v1/book/?order_by=id&offset=10",
			meta: `{"limit": 2, "offset": 10, "total_count": null, "previous": "/api/v1/book/?limit=2&offset=8&order_by=id", "next": null}`, ids: "", wantQueries: 1},
		{name: "estimate on a small table is exact", mode: resource.CountEstimate, path: "/api/v1/book/?order_by=id&limit=2&title__icontains=e",
			meta: `{"limit": 2, "offset": 0, "total_count": 3, "previous": null, "next": "/api/v1/book/?limit=2&offset=2&order_by=id&title__icontains=e"}`, ids: "1,3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, backend := range testdb.Backends {
				t.Run(string(backend), func(t *testing.T) {
					db, d, counter := testdb.OpenCounting(t, backend)
					createFixture(t, db, d)
					c := newClient(t, db, d, countedBooks(tc.mode)...)
					counter.Reset()
					r := c.do("GET", tc.path, nil)
					queries := counter.N()
					if r.status != 200 {
						t.Fatalf("status %d: %s", r.status, r.raw)
					}
					jsonEqual(t, normalizeLinks(field(r.body, "meta")), tc.meta)
					if got := objectIDs(r.body); got != tc.ids {
						t.Errorf("ids %q, want %q", got, tc.ids)
					}
					if tc.wantQueries != 0 && queries != tc.wantQueries {
						t.Errorf("%d queries, want %d", queries, tc.wantQueries)
					}
					schema := c.do("GET", "/api/v1/book/schema/", nil)
					want := string(tc.mode)
					if want == "" {
						want = "exact"
					}
					jsonEqual(t, field(schema.body, "total_count"), `"`+want+`"`)
				})
			}
		})
	}
}

// normalizeLinks sorts the query parameters of meta's next and previous, so that they compare as text.
func normalizeLinks(meta any) any {
	m, _ := meta.(map[string]any)
	for _, k := range []string{"next", "previous"} {
		if s, ok := m[k].(string); ok {
			p, q, _ := strings.Cut(s, "?")
			v, _ := url.ParseQuery(q)
			m[k] = p + "?" + v.Encode()
		}
	}
	return m
}

// objectIDs is the ids of a list's objects, comma-separated.
func objectIDs(body any) string {
	objs, _ := field(body, "objects").([]any)
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, fmt.Sprint(field(o, "id")))
	}
	return strings.Join(ids, ",")
}

// TestTotalCountEstimate: on a table of 20,000 rows, PostgreSQL's planner estimate is the count
// (flagged as estimated), a filter that matches few rows is counted exactly, and the last page knows
// the exact count; SQLite, which keeps no estimates, counts exactly.
func TestTotalCountEstimate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		const rows = 20000
		createReadings(t, db, d, rows)
		api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			modelresource.New(resource.Meta{ResourceName: "reading", Table: "reading", TotalCount: resource.CountEstimate,
				Filtering: map[string]resource.Lookups{"id": resource.All}}))
		if err != nil {
			t.Fatal(err)
		}
		list := func(q string) resource.ListMeta {
			t.Helper()
			v, _ := url.ParseQuery(q)
			l, err := api.List(ctx, "reading", v)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return l.Meta
		}
		whole := list("limit=10")
		if d.Name() == dialect.Postgres {
			// The planner's figure after ANALYZE: close to the truth, not necessarily equal.
			if !whole.Estimated || whole.TotalCount < rows*9/10 || whole.TotalCount > rows*11/10 || whole.Next == nil {
				t.Errorf("PostgreSQL, whole table: %+v; want an estimate near %d with a next page", whole, rows)
			}
		} else if whole.Estimated || whole.TotalCount != rows || whole.Next == nil {
			t.Errorf("SQLite, whole table: %+v; want exactly %d", whole, rows)
		}
		// Over HTTP, meta says the count is an estimate.
		c := &client{t: t, h: api, db: db, d: d, api: api}
		r := c.do("GET", "/api/v1/reading/?limit=1", nil)
		estimated, flagged := field(r.body, "meta").(map[string]any)["total_count_estimated"]
		if wantFlag := d.Name() == dialect.Postgres; r.status != 200 || flagged != wantFlag || (flagged && estimated != true) {
			t.Errorf("HTTP meta %v (status %d); total_count_estimated given %v, want %v", field(r.body, "meta"), r.status, flagged, wantFlag)
		}
		if few := list("id__gt=19990&limit=5"); few.Estimated || few.TotalCount != 10 || few.Next == nil {
			t.Errorf("a filter of 10 rows: %+v; want exactly 10", few)
		}
		if last := list("limit=100&offset=19950"); last.Estimated || last.TotalCount != rows || last.Next != nil {
			t.Errorf("the last page: %+v; want exactly %d and no next", last, rows)
		}
	})
}

func TestTotalCountUnknownMode(t *testing.T) {
	db, d := testdb.Open(t, dialect.SQLite)
	createFixture(t, db, d)
	_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, countedBooks("approximate")...)
	if err == nil || !strings.Contains(err.Error(), `Meta.TotalCount "approximate" is not one of exact, estimate, none`) {
		t.Errorf("error %v", err)
	}
}

// createReadings creates the table reading (id, value) with n rows, analyzed on PostgreSQL (as
// autovacuum would) so that the planner's estimates hold.
func createReadings(tb testing.TB, db *sql.DB, d dialect.Dialect, n int) {
	tb.Helper()
	stmts := []string{`CREATE TABLE reading (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`,
		`WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO reading (id, value) SELECT i, i % 7 FROM n`}
	if d.Name() == dialect.Postgres {
		stmts = []string{`CREATE TABLE reading (id BIGINT PRIMARY KEY, value INTEGER NOT NULL)`,
			`INSERT INTO reading (id, value) SELECT i, i % 7 FROM generate_series(1, ?::int) AS i`, `ANALYZE reading`}
	}
	for _, s := range stmts {
		var args []any
		if strings.Contains(s, "?") {
			args = []any{n}
		}
		if _, err := db.Exec(d.Rebind(s), args...); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}
