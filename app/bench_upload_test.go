package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
// datapoint, the next ones update them all. BENCHMARKS.md has the figures and the command.
func BenchmarkTransformUpload(b *testing.B) {
	for _, backend := range []dialect.Name{dialect.SQLite, dialect.Postgres} {
		b.Run(string(backend), func(b *testing.B) {
			db, d := testdb.Open(b, backend)
			ctx := context.Background()
			if err := migrations.Up(ctx, db, d); err != nil {
				b.Fatal(err)
			}
			if _, err := seed.Run(ctx, db, d, seed.Small, nil); err != nil {
				b.Fatal(err)
			}
			u, err := createUser(ctx, db, d, newUser{Username: "admin", Superuser: true})
			if err != nil {
				b.Fatal(err)
			}
			h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(auth.DefaultCacheTTL)})
			if err != nil {
				b.Fatal(err)
			}
			var codes, inds []string
			rows, err := db.Query(`SELECT location_code FROM location ORDER BY id LIMIT 100`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var c string
				rows.Scan(&c)
				codes = append(codes, c)
			}
			rows.Close()
			rows, err = db.Query(`SELECT short_name FROM indicator ORDER BY id LIMIT 3`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				inds = append(inds, s)
			}
			rows.Close()
			key := "ApiKey admin:" + u.Key
			start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			var peak uint64
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
				var doc int64
				if err := db.QueryRow(d.Rebind(`INSERT INTO source_doc (doc_title, file_type, content, status, created_at) VALUES ('bench', 'date', ?, 'uploaded', ?) RETURNING id`),
					csv.String(), d.Bind(field.DateTime, d.Now())).Scan(&doc); err != nil {
					b.Fatal(err)
				}
				csv.Reset()
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				done := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { // samples the heap while the run works
					defer wg.Done()
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						if m.HeapInuse > peak {
							peak = m.HeapInuse
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
				req.Header.Set("Authorization", key)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				b.StopTimer()
				close(done)
				wg.Wait()
				if rec.Code != 200 {
					b.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
				}
				var processed int
				db.QueryRow(d.Rebind(`SELECT count(*) FROM source_submission WHERE document_id = ? AND process_status = 'processed'`), doc).Scan(&processed)
				if processed != 100000 {
					b.Fatalf("%d submissions processed, want 100000", processed)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		})
	}
}
