package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// Issue 5's CSV check: GET /api/v1/datapoint/?format=csv on the large data exports every datapoint
// (about 1,000,000 rows) in one streamed body; the target is a peak memory under 100 MB.
// BENCHMARKS.md has the figures and the command.

var csvLargeDBs = map[dialect.Name]*sql.DB{}

// largeDBVar names, per backend, the environment variable that may give the address of a database
// already seeded with the large data (for example cmd/loadbench's: ~/.cache/tastygo-loadbench/large.db,
// or postgres://.../tastygo_loadbench), which the CSV benchmark then reads instead of seeding its own.
var largeDBVar = map[dialect.Name]string{dialect.SQLite: "TASTYGO_LARGE_SQLITE", dialect.Postgres: "TASTYGO_LARGE_POSTGRES"}

// csvLargeDB returns a database of the backend seeded with large data, made once per run; TestMain
// removes it with the other benchmark databases.
func csvLargeDB(b *testing.B, backend dialect.Name) (*sql.DB, dialect.Dialect) {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	d, _ := dialect.ForName(backend)
	if db, ok := csvLargeDBs[backend]; ok {
		return db, d
	}
	if addr := os.Getenv(largeDBVar[backend]); addr != "" {
		// An already seeded large database (cmd/loadbench's, for one), used as it is: the export only reads.
		db, d, err := dialect.Open(addr)
		if err != nil {
			b.Fatal(err)
		}
		benchCleanups = append(benchCleanups, db.Close)
		csvLargeDBs[backend] = db
		return db, d
	}
	if backend == dialect.Postgres {
		testdb.Address(b, backend)
	}
	addr, cleanup, err := testdb.NewAddress(backend, os.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	db, d, err := dialect.Open(addr)
	if err != nil {
		b.Fatal(err)
	}
	// Closed before the database is dropped.
	benchCleanups = append(benchCleanups, db.Close, cleanup)
	if backend == dialect.SQLite {
		benchCleanups = append(benchCleanups, func() error {
			for _, suffix := range []string{"-wal", "-shm", "-keys-epoch"} {
				os.Remove(addr + suffix)
			}
			return os.Remove(addr)
		})
	}
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		b.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, d, seed.Large, nil); err != nil {
		b.Fatal(err)
	}
	if d.Name() == dialect.Postgres {
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	csvLargeDBs[backend] = db
	return db, d
}

// discardWriter is a ResponseWriter that counts the body's bytes and lines and keeps none of it.
type discardWriter struct {
	header http.Header
	status int
	bytes  int64
	lines  int64
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.bytes += int64(len(p))
	w.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// memoryPeaks samples the Go heap every 5 ms until stop is called, and returns the peaks of the heap
// in use and of the memory the runtime holds from the system (Sys less what it returned).
func memoryPeaks() (stop func() (heapInuse, held uint64)) {
	var mu sync.Mutex
	var peakHeap, peakHeld uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peakHeap = max(peakHeap, m.HeapInuse)
		peakHeld = max(peakHeld, m.Sys-m.HeapReleased)
		mu.Unlock()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-finished
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peakHeap, peakHeld
	}
}

func BenchmarkCSVExport(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := csvLargeDB(b, backend)
		var total int64
		if err := db.QueryRow("SELECT count(*) FROM datapoint").Scan(&total); err != nil {
			b.Fatal(err)
		}
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(backend)+"/datapoint_all", func(b *testing.B) {
			var peakHeap, peakHeld uint64
			var size int64
			for b.Loop() {
				runtime.GC()
				stop := memoryPeaks()
				w := &discardWriter{header: http.Header{}}
				api.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/datapoint/?format=csv", nil))
				heap, held := stop()
				if w.status != 200 || w.lines != total+1 {
					b.Fatalf("%d, %d lines, want %d rows and the header", w.status, w.lines, total)
				}
				peakHeap, peakHeld, size = max(peakHeap, heap), max(peakHeld, held), w.bytes
			}
			b.SetBytes(size)
			b.ReportMetric(float64(total), "rows")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-inuse-MB")
			b.ReportMetric(float64(peakHeld)/(1<<20), "peak-go-held-MB")
		})
	}
}
