package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/locations"
)

// BenchmarkLocationParams is issue 5's measurement of the tree representation, on large data
// (about 9,900 locations in five levels, 1,000,000 datapoints): the same requests served, in turn in
// the same run, by the API as the app builds it (recursive queries on parent_location_id) and by the
// same API reading a closure table (location_closure(ancestor_id, descendant_id, depth), built here
// once from the tree, indexed on (ancestor_id, depth, descendant_id)). It reports the median of each.
// The target is a p50 under 10 ms on SQLite for location/?location_id=1&location_depth=3.
func BenchmarkLocationParams(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDBOf(b, backend, seed.Large)
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		cte, err := newHandler(db, d, logger, access{publicRead: true})
		if err != nil {
			b.Fatal(err)
		}
		closure := benchClosure(b, db, d)
		saved := tree
		tree = locations.Tree{Closure: closure}
		viaClosure, err := newHandler(db, d, logger, access{publicRead: true})
		tree = saved
		if err != nil {
			b.Fatal(err)
		}
		var country int64
		if err := db.QueryRow(`SELECT id FROM location WHERE parent_location_id IS NULL ORDER BY id LIMIT 1`).Scan(&country); err != nil {
			b.Fatal(err)
		}
		ind, camp := busiestPair(b, db)
		for _, c := range []struct{ name, url string }{
			{"location_depth3", fmt.Sprintf("/api/v1/location/?location_id=%d&location_depth=3", country)},
			{"location_type_district", fmt.Sprintf("/api/v1/location/?location_id=%d&location_type=district", country)},
			{"datapoint_depth2", fmt.Sprintf("/api/v1/datapoint/?campaign_id=%d&indicator_id=%d&location_id=%d&location_depth=2", camp, ind, country)},
		} {
			b.Run(string(backend)+"/"+c.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", c.url, nil)
				mc, mt := pairedMedians(b, timed(b, cte, req), timed(b, viaClosure, req))
				b.ReportMetric(float64(mc.Nanoseconds()), "cte-ns/req")
				b.ReportMetric(float64(mt.Nanoseconds()), "closure-ns/req")
			})
		}
	}
}

// benchClosure builds the closure table of the benchmark database's tree (once per database) and
// returns its name.
func benchClosure(b testing.TB, db *sql.DB, d dialect.Dialect) string {
	const name = "tg_bench_closure"
	ctx := context.Background()
	var n int
	if db.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&n) == nil && n > 0 {
		return name
	}
	for _, stmt := range []string{
		`CREATE TABLE ` + name + ` (ancestor_id INTEGER NOT NULL, descendant_id INTEGER NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (ancestor_id, depth, descendant_id))`,
		`CREATE INDEX ` + name + `_descendant_idx ON ` + name + ` (descendant_id)`,
		`INSERT INTO ` + name + ` (ancestor_id, descendant_id, depth)
			WITH RECURSIVE c (ancestor_id, descendant_id, depth) AS (
				SELECT id, id, 0 FROM location
				UNION ALL
				SELECT c.ancestor_id, l.id, c.depth + 1 FROM c JOIN location AS l ON l.parent_location_id = c.descendant_id
			) SELECT ancestor_id, descendant_id, depth FROM c`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	if d.Name() == dialect.Postgres {
		if _, err := db.ExecContext(ctx, "ANALYZE "+name); err != nil {
			b.Fatal(err)
		}
	} else if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return name
}

// TestLocationParamsClosureAgrees checks that the closure-table reading of the benchmark answers as
// the recursive one, on the small data, so that the benchmark compares the same work.
func TestLocationParamsClosureAgrees(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		closure := benchClosure(t, db, d)
		saved := tree
		tree = locations.Tree{Closure: closure}
		viaClosure, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
		tree = saved
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{
			"/api/v1/location/?location_id=1&location_depth=2",
			"/api/v1/location/?location_id=2&location_type=district",
			"/api/v1/datapoint/?location_id=1&location_depth=4",
		} {
			cteIDs, cteTotal := listIDs(t, f, "", u)
			g := &authFixture{api: viaClosure, public: viaClosure}
			ids, total := listIDs(t, g, "", u)
			if total != cteTotal || fmt.Sprint(ids) != fmt.Sprint(cteIDs) || total == 0 {
				t.Errorf("%s: closure %d %v, recursive %d %v", u, total, ids, cteTotal, cteIDs)
			}
		}
	})
}
