package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// BenchmarkCampaignDatapoint is issue 5's check of campaign_datapoint on large data: the aggregates
// of the two campaigns with the most datapoints (computed once per database by the app's own
// aggregation, not timed), then campaign_datapoint/?campaign__in=C1,C2&indicator__in=I1,I2,I3
// &location_id=<country>&location_depth=2 (the provinces) served anonymously with --public-read; it
// reports the median (p50) and the 90th percentile. The target is a p50 under 10 ms on SQLite.
func BenchmarkCampaignDatapoint(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDBOf(b, backend, seed.Large)
		camps := benchAggregates(b, db, d)
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
		if err != nil {
			b.Fatal(err)
		}
		var country int64
		if err := db.QueryRow(`SELECT id FROM location WHERE parent_location_id IS NULL ORDER BY id LIMIT 1`).Scan(&country); err != nil {
			b.Fatal(err)
		}
		inds := benchIDs(b, db, d.Rebind(`SELECT indicator_id FROM agg_datapoint WHERE campaign_id = ? GROUP BY indicator_id ORDER BY count(*) DESC, indicator_id LIMIT 3`), camps[0])
		for _, c := range []struct{ name, url string }{
			{"depth2", fmt.Sprintf("/api/v1/campaign_datapoint/?campaign__in=%s&indicator__in=%s&location_id=%d&location_depth=2", joinIDs(camps), joinIDs(inds), country)},
			{"depth2_limit0", fmt.Sprintf("/api/v1/campaign_datapoint/?campaign__in=%s&indicator__in=%s&location_id=%d&location_depth=2&limit=0", joinIDs(camps), joinIDs(inds), country)},
		} {
			b.Run(string(backend)+"/"+c.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", c.url, nil)
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, req)
				var page struct {
					Meta struct {
						TotalCount int64 `json:"total_count"`
					} `json:"meta"`
					Objects []any `json:"objects"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != 200 || page.Meta.TotalCount == 0 {
					b.Fatalf("%s: %d %.300s", c.url, rec.Code, rec.Body.String())
				}
				b.Logf("%s: total_count %d, %d objects", c.url, page.Meta.TotalCount, len(page.Objects))
				serveOnce := timed(b, api, req)
				var ds []time.Duration
				for b.Loop() {
					ds = append(ds, serveOnce())
				}
				slices.Sort(ds)
				b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "p50-ns/req")
				b.ReportMetric(float64(ds[len(ds)*9/10].Nanoseconds()), "p90-ns/req")
			})
		}
	}
}

// benchAggregates fills agg_datapoint for the two campaigns with the most datapoints of the benchmark
// database (once per database, with the app's aggregation in one transaction each) and returns them.
func benchAggregates(b *testing.B, db *sql.DB, d dialect.Dialect) []int64 {
	b.Helper()
	camps := benchIDs(b, db, `SELECT campaign_id FROM datapoint WHERE campaign_id IS NOT NULL GROUP BY campaign_id ORDER BY count(*) DESC, campaign_id LIMIT 2`)
	ctx := context.Background()
	for _, c := range camps {
		var n int
		if err := db.QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM agg_datapoint WHERE campaign_id = ?`), c).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n > 0 {
			continue
		}
		start := time.Now()
		tx, err := dialect.NewDB(db, d).BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := aggregateCampaign(ctx, tx, d, c); err != nil {
			tx.Rollback()
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM agg_datapoint WHERE campaign_id = ?`), c).Scan(&n); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: aggregated campaign %d (%d rows) in %v", d.Name(), c, n, time.Since(start).Round(time.Millisecond))
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return camps
}

// benchIDs runs a query of one integer column.
func benchIDs(b *testing.B, db *sql.DB, query string, args ...any) []int64 {
	b.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}
