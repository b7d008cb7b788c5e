package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// Issue 5's upload check: GET transform_upload/?document_id=N of a 100,000-row date document (the
// small data's first 100 locations × 1,000 days × 3 indicators: 300,000 datapoints), under 20 s with
// bounded memory. Each iteration uploads a new document with new values: the first inserts every
// datapoint, the next ones update two thirds of them (the second indicator's values do not change).
// BENCHMARKS.md has the figures and the command.
func BenchmarkTransformUpload(b *testing.B) {
	for _, backend := range []dialect.Name{dialect.SQLite, dialect.Postgres} {
		b.Run(string(backend), func(b *testing.B) {
			db, d := testdb.Open(b, backend)
			u := newUploadBench(b, db, d, seed.Small)
			codes := benchStrings(b, db, `SELECT location_code FROM location ORDER BY id LIMIT 100`)
			inds := benchStrings(b, db, `SELECT short_name FROM indicator ORDER BY id LIMIT 3`)
			start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				var csv strings.Builder
				csv.WriteString("location_code,data_date," + strings.Join(inds, ",") + "\n")
				for day := range 1000 {
					date := start.AddDate(0, 0, day).Format(field.DateLayout)
					for j, c := range codes {
						fmt.Fprintf(&csv, "%s,%s,%d,%d,%d\n", c, date, i+j, day, i*day)
					}
				}
				doc := u.upload(b, "date", csv.String())
				csv.Reset()
				u.run(b, doc)
				if n := u.processed(b, doc); n != 100000 {
					b.Fatalf("%d submissions processed, want 100000", n)
				}
				b.StartTimer()
			}
			b.ReportMetric(u.peakMB(), "peak_heap_MB")
		})
	}
}

// BenchmarkCampaignUpload is the upload pipeline on a campaign document at scale: on large data, the
// campaign with the most datapoints (a country-wide one), a document of every leaf location under
// its top location (where the seeded campaign datapoints are) × its first five indicators, then
// GET transform_upload/?document_id=N: the parse, the datapoints (the first run updates the seeded
// ones and inserts those the seed left missing, the next ones update them all, the values changing
// at every run) and aggregate_and_calculate for the campaign (agg_datapoint for every location of the
// country). Each iteration uploads a new document. BENCHMARKS.md has the figures and the command.
func BenchmarkCampaignUpload(b *testing.B) {
	for _, backend := range testdb.Backends {
		b.Run(string(backend), func(b *testing.B) {
			db, d := testdb.Open(b, backend)
			u := newUploadBench(b, db, d, seed.Large)
			if backend == dialect.Postgres {
				if _, err := db.Exec(`ANALYZE`); err != nil { // as autovacuum would have, after the seeding
					b.Fatal(err)
				}
			}
			var campaign, name string
			var top int64
			if err := db.QueryRow(`SELECT c.id, c.name, c.top_lvl_location_id FROM campaign c JOIN datapoint dp ON dp.campaign_id = c.id
				WHERE (SELECT count(*) FROM campaign o WHERE o.name = c.name) = 1 AND c.top_lvl_location_id IN (SELECT id FROM location WHERE parent_location_id IS NULL)
				GROUP BY c.id, c.name, c.top_lvl_location_id ORDER BY count(*) DESC, c.id LIMIT 1`).Scan(&campaign, &name, &top); err != nil {
				b.Fatal(err)
			}
			inds := benchStrings(b, db, `SELECT i.short_name FROM indicator i WHERE i.id IN (SELECT indicator_id FROM datapoint WHERE campaign_id = `+campaign+`)
				ORDER BY i.id LIMIT 5`)
			leaves := benchStrings(b, db, `SELECT l.location_code FROM location l WHERE NOT EXISTS (SELECT 1 FROM location c WHERE c.parent_location_id = l.id)
				ORDER BY l.id`) // every location is under the country
			var seeded int
			db.QueryRow(`SELECT count(*) FROM datapoint WHERE campaign_id = ` + campaign).Scan(&seeded)
			b.Logf("%s: campaign %s %q, %d leaves × %d indicators, %d datapoints of the campaign seeded", backend, campaign, name, len(leaves), len(inds), seeded)
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				var csv strings.Builder
				csv.WriteString("location_code,campaign," + strings.Join(inds, ",") + "\n")
				for j, code := range leaves {
					csv.WriteString(code + "," + name)
					for k := range inds {
						fmt.Fprintf(&csv, ",%d", (i+1)*(j+k)%1000)
					}
					csv.WriteString("\n")
				}
				doc := u.upload(b, "campaign", csv.String())
				csv.Reset()
				u.run(b, doc)
				if n := u.processed(b, doc); n != len(leaves) {
					b.Fatalf("%d submissions processed, want %d", n, len(leaves))
				}
				b.StartTimer()
			}
			var aggs int
			db.QueryRow(`SELECT count(*) FROM agg_datapoint WHERE campaign_id = ` + campaign).Scan(&aggs)
			b.Logf("%s: %d agg_datapoint rows for the campaign", backend, aggs)
			b.ReportMetric(u.peakMB(), "peak_heap_MB")
		})
	}
}

// uploadBench is an upload benchmark's database (migrated and seeded) and API, with the peak heap in
// use seen while the pipeline ran.
type uploadBench struct {
	db   *sql.DB
	d    dialect.Dialect
	h    http.Handler
	key  string
	peak uint64
}

func newUploadBench(b *testing.B, db *sql.DB, d dialect.Dialect, size seed.Size) *uploadBench {
	b.Helper()
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		b.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, d, size, nil); err != nil {
		b.Fatal(err)
	}
	user, err := createUser(ctx, db, d, newUser{Username: "admin", Superuser: true})
	if err != nil {
		b.Fatal(err)
	}
	h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(auth.DefaultCacheTTL)})
	if err != nil {
		b.Fatal(err)
	}
	return &uploadBench{db: db, d: d, h: h, key: "ApiKey admin:" + user.Key}
}

// upload stores a source_doc directly (not timed) and returns its id.
func (u *uploadBench) upload(b *testing.B, fileType, content string) int64 {
	b.Helper()
	var doc int64
	if err := u.db.QueryRow(u.d.Rebind(`INSERT INTO source_doc (doc_title, file_type, content, status, created_at) VALUES ('bench', ?, ?, 'uploaded', ?) RETURNING id`),
		fileType, content, u.d.Bind(field.DateTime, u.d.Now())).Scan(&doc); err != nil {
		b.Fatal(err)
	}
	return doc
}

// run times GET transform_upload/?document_id=doc, sampling the heap in use every 20 ms meanwhile.
// The timer is stopped when it is called and when it returns.
func (u *uploadBench) run(b *testing.B, doc int64) {
	b.Helper()
	runtime.GC()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // samples the heap while the run works
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > u.peak {
				u.peak = m.HeapInuse
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.StartTimer()
	req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d&limit=1", doc), nil)
	req.Header.Set("Authorization", u.key)
	rec := httptest.NewRecorder()
	u.h.ServeHTTP(rec, req)
	b.StopTimer()
	close(done)
	wg.Wait()
	if rec.Code != 200 {
		b.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
	}
}

// processed counts the document's processed submissions.
func (u *uploadBench) processed(b *testing.B, doc int64) int {
	b.Helper()
	var n int
	if err := u.db.QueryRow(u.d.Rebind(`SELECT count(*) FROM source_submission WHERE document_id = ? AND process_status = 'processed'`), doc).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func (u *uploadBench) peakMB() float64 { return float64(u.peak) / (1 << 20) }

// benchStrings returns the query's one text column.
func benchStrings(b *testing.B, db *sql.DB, query string) []string {
	b.Helper()
	rows, err := db.Query(query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			b.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}
