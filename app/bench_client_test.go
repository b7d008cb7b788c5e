package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/dashclient"
	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/client"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// benchClients returns an HTTP client (through a real loopback server) and a direct client of the
// dashboard over db, both as the benchmarks' superuser.
func benchClients(b *testing.B, db *sql.DB, d dialect.Dialect, backend dialect.Name) (overHTTP, direct *client.Client) {
	key := benchKey(b, db, d, backend)
	h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	u, err := newUserStore(db, d, nil).UserByUsername(context.Background(), benchUser)
	if err != nil {
		b.Fatal(err)
	}
	return client.New(srv.URL+"/api/v1/", client.WithAPIKey(benchUser, key)), client.NewDirect(h.(*resource.API), u)
}

// BenchmarkClientPage is issue 11's comparison of the transports: a page of 20 indicators, and of 20
// datapoints (medium data, whose exact total_count dominates on PostgreSQL), read into the generated
// types, over HTTP (a loopback server, with an API key) and in-process, one of each per iteration; it
// reports the median of each and their ratio.
func BenchmarkClientPage(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDB(b, backend)
		overHTTP, direct := benchClients(b, db, d, backend)
		ctx := context.Background()
		pageOf := func(all func(context.Context) (int, error)) func() time.Duration {
			return func() time.Duration {
				start := time.Now()
				n, err := all(ctx)
				if err != nil || n != 20 {
					b.Fatalf("%d objects, %v", n, err)
				}
				return time.Since(start)
			}
		}
		indicators := func(c *client.Client) func() time.Duration {
			q := dashclient.Indicators(c).Limit(20)
			return pageOf(func(ctx context.Context) (int, error) { l, err := q.All(ctx); return len(l), err })
		}
		datapoints := func(c *client.Client) func() time.Duration {
			q := dashclient.Datapoints(c).OrderBy("-id").Limit(20)
			return pageOf(func(ctx context.Context) (int, error) { l, err := q.All(ctx); return len(l), err })
		}
		for name, page := range map[string]func(*client.Client) func() time.Duration{"indicator_limit20": indicators, "datapoint_limit20": datapoints} {
			b.Run(string(backend)+"/"+name, func(b *testing.B) {
				mh, md := pairedMedians(b, page(overHTTP), page(direct))
				b.ReportMetric(float64(mh.Nanoseconds()), "http-ns/page")
				b.ReportMetric(float64(md.Nanoseconds()), "direct-ns/page")
				b.ReportMetric(float64(mh)/float64(md), "ratio")
			})
		}
	}
}

// BenchmarkClientIterLarge iterates over every datapoint of the large data (about 1,000,000) with
// Iter, over HTTP and in-process, sampling the heap in use every 20 ms: the peak over the first tenth
// of the objects and over the whole run show whether the heap stays flat.
func BenchmarkClientIterLarge(b *testing.B) {
	for _, backend := range []dialect.Name{dialect.SQLite} {
		db, d := benchDBOf(b, backend, seed.Large)
		overHTTP, direct := benchClients(b, db, d, backend)
		var total int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM datapoint`).Scan(&total); err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name string
			c    *client.Client
		}{{"http", overHTTP}, {"direct", direct}} {
			b.Run(string(backend)+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					var mu sync.Mutex
					var n int64
					var early, peak uint64
					stop := make(chan struct{})
					done := make(chan struct{})
					go func() {
						defer close(done)
						var ms runtime.MemStats
						tick := time.NewTicker(20 * time.Millisecond)
						defer tick.Stop()
						for {
							select {
							case <-stop:
								return
							case <-tick.C:
							}
							runtime.ReadMemStats(&ms)
							mu.Lock()
							peak = max(peak, ms.HeapInuse)
							if n < total/10 {
								early = max(early, ms.HeapInuse)
							}
							mu.Unlock()
						}
					}()
					start := time.Now()
					for _, err := range dashclient.Datapoints(c.c).OrderBy("id").Iter(context.Background()) {
						if err != nil {
							b.Fatal(err)
						}
						mu.Lock()
						n++
						mu.Unlock()
					}
					elapsed := time.Since(start)
					close(stop)
					<-done
					if n != total {
						b.Fatalf("iterated %d of %d datapoints", n, total)
					}
					b.ReportMetric(float64(n), "objects")
					b.ReportMetric(elapsed.Seconds(), "s")
					b.ReportMetric(float64(early)/(1<<20), "early-peak-heap-MB")
					b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				}
			})
		}
	}
}
