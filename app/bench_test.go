package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/handwritten"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// The list benchmarks of issue 2: the framework beside a hand-written database/sql + encoding/json
// handler doing the same queries (count, then the page) and writing the same envelope, on the same
// medium data, in the same run. BENCHMARKS.md has the figures and the command.

var (
	benchMu       sync.Mutex
	benchDBs      = map[benchKeyOf]*sql.DB{}
	benchCleanups []func() error
)

// benchKeyOf names a shared benchmark database: its backend and the size of its data.
type benchKeyOf struct {
	backend dialect.Name
	size    seed.Size
}

// TestMain removes testdb's templates and the benchmarks' shared databases after every test and
// benchmark has run.
func TestMain(m *testing.M) {
	code := testdb.Run(m)
	closeBrowser()
	for _, db := range benchDBs {
		db.Close()
	}
	for _, cleanup := range benchCleanups {
		if err := cleanup(); err != nil {
			fmt.Fprintln(os.Stderr, "bench cleanup:", err)
		}
	}
	os.Exit(code)
}

// benchDB returns a database of the backend seeded with medium data, made once per run.
func benchDB(b *testing.B, backend dialect.Name) (*sql.DB, dialect.Dialect) {
	b.Helper()
	return benchDBOf(b, backend, seed.Medium)
}

// benchDBOf returns a database of the backend seeded with data of the size, made once per run.
func benchDBOf(b *testing.B, backend dialect.Name, size seed.Size) (*sql.DB, dialect.Dialect) {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	d, _ := dialect.ForName(backend)
	key := benchKeyOf{backend, size}
	if db, ok := benchDBs[key]; ok {
		return db, d
	}
	if backend == dialect.Postgres {
		testdb.Address(b, backend) // fails (or skips with TASTYGO_SKIP_POSTGRES=1) when PostgreSQL is unreachable
	}
	// The database outlives this benchmark: the package's other benchmarks reuse it; TestMain removes it.
	addr, cleanup, err := testdb.NewAddress(backend, os.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	benchCleanups = append(benchCleanups, cleanup)
	if backend == dialect.SQLite {
		benchCleanups = append(benchCleanups, func() error {
			for _, suffix := range []string{"-wal", "-shm", "-keys-epoch"} {
				os.Remove(addr + suffix)
			}
			return os.Remove(addr)
		})
	}
	db, d, err := dialect.Open(addr)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		b.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, d, size, nil); err != nil {
		b.Fatal(err)
	}
	if d.Name() == dialect.Postgres {
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	benchDBs[key] = db
	return db, d
}

// busiestPair returns the indicator and campaign with the most datapoints.
func busiestPair(b *testing.B, db *sql.DB) (int64, int64) {
	ind, camp, err := handwritten.BusiestPair(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	return ind, camp
}

func BenchmarkList(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDB(b, backend)
		// Anonymous reads, as the hand-written handlers do: BenchmarkAuth measures what a key adds.
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
		if err != nil {
			b.Fatal(err)
		}
		ind, camp := busiestPair(b, db)
		hand := handwritten.Handler(db, d)
		for _, e := range handwritten.Endpoints(ind, camp) {
			b.Run(string(backend)+"/"+e.Name, func(b *testing.B) {
				benchPair(b, e.Path, api, hand)
			})
		}
	}
}

// BenchmarkAuth is issue 3's check: the indicator list (limit 20, medium data, as BenchmarkList)
// asked with a valid API key (read and checked on every request), beside the same API with
// --public-read asked without credentials, in turn in the same run. It reports the median of each
// and the overhead of authentication in percent (the target is under 5%).
func BenchmarkAuth(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDB(b, backend)
		key := benchKey(b, db, d, backend)
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		keyed, err := newHandler(db, d, logger, access{cache: auth.NewCache(auth.DefaultCacheTTL)})
		if err != nil {
			b.Fatal(err)
		}
		public, err := newHandler(db, d, logger, access{publicRead: true, cache: auth.NewCache(auth.DefaultCacheTTL)})
		if err != nil {
			b.Fatal(err)
		}
		const url = "/api/v1/indicator/?limit=20"
		withKey := httptest.NewRequest("GET", url, nil)
		withKey.Header.Set("Authorization", "ApiKey "+benchUser+":"+key)
		anonymous := httptest.NewRequest("GET", url, nil)
		b.Run(string(backend)+"/indicator_limit20", func(b *testing.B) {
			timed(b, keyed, withKey)() // the first request records the key's use
			mk, ma := pairedMedians(b, timed(b, keyed, withKey), timed(b, public, anonymous))
			b.ReportMetric(float64(mk.Nanoseconds()), "apikey-ns/req")
			b.ReportMetric(float64(ma.Nanoseconds()), "public-ns/req")
			b.ReportMetric(100*(float64(mk)/float64(ma)-1), "overhead-%")
		})
	}
}

// benchUser owns the benchmarks' API key.
const benchUser = "bench"

// benchKeys holds the key made on each benchmark database (one per backend and data size).
var benchKeys = map[*sql.DB]string{}

// benchKey returns an API key of a superuser on the benchmark database of the backend, made once per run.
func benchKey(b *testing.B, db *sql.DB, d dialect.Dialect, backend dialect.Name) string {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if k, ok := benchKeys[db]; ok {
		return k
	}
	u, err := createUser(context.Background(), db, d, newUser{Username: benchUser, Superuser: true})
	if err != nil {
		b.Fatal(err)
	}
	benchKeys[db] = u.Key
	return u.Key
}

// benchPair serves the same request with the framework and with the hand-written handler in turn,
// one of each per iteration, so that both see the same machine load; it reports the median time of
// each and their ratio (the figure BENCHMARKS.md quotes).
func benchPair(b *testing.B, url string, framework, hand http.Handler) {
	req := httptest.NewRequest("GET", url, nil)
	mf, mh := pairedMedians(b, timed(b, framework, req), timed(b, hand, req))
	b.ReportMetric(float64(mf.Nanoseconds()), "tastygo-ns/req")
	b.ReportMetric(float64(mh.Nanoseconds()), "handwritten-ns/req")
	b.ReportMetric(float64(mf)/float64(mh), "ratio")
}

// timed returns a function that serves req with h and returns how long that took; an answer other
// than 200 fails the benchmark.
func timed(b *testing.B, h http.Handler, req *http.Request) func() time.Duration {
	return func() time.Duration {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		elapsed := time.Since(start)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
		return elapsed
	}
}

// pairedMedians runs x and y in turn, one of each per iteration, and returns the median time of each.
func pairedMedians(b *testing.B, x, y func() time.Duration) (time.Duration, time.Duration) {
	var xs, ys []time.Duration
	for b.Loop() {
		xs = append(xs, x())
		ys = append(ys, y())
	}
	return median(xs), median(ys)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestHandwrittenHandlersAgree checks that the hand-written handlers (internal/handwritten, which
// BenchmarkList and cmd/loadbench measure the framework against) answer every endpoint the benchmarks
// ask for with the same objects and envelope as the framework, so that the benchmarks compare the same
// work: the same decoded JSON, the next page's query compared as parameters (their order differs).
func TestHandwrittenHandlersAgree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		if err := migrations.Up(ctx, db, d); err != nil {
			t.Fatal(err)
		}
		if _, err := seed.Run(ctx, db, d, seed.Small, nil); err != nil {
			t.Fatal(err)
		}
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
		if err != nil {
			t.Fatal(err)
		}
		ind, camp, err := handwritten.BusiestPair(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		hand := handwritten.Handler(db, d)
		endpoints := handwritten.Endpoints(ind, camp)
		if len(endpoints) != 4 {
			t.Fatalf("%d endpoints, want issue 15's 4", len(endpoints))
		}
		for _, e := range endpoints {
			var got, want map[string]any
			for _, x := range []struct {
				h   http.Handler
				out *map[string]any
			}{{api, &got}, {hand, &want}} {
				rec := httptest.NewRecorder()
				x.h.ServeHTTP(rec, httptest.NewRequest("GET", e.Path, nil))
				if err := json.Unmarshal(rec.Body.Bytes(), x.out); err != nil || rec.Code != 200 {
					t.Fatalf("%s: %d %v: %s", e.Path, rec.Code, err, rec.Body.String())
				}
			}
			for _, m := range []map[string]any{got, want} {
				if meta, ok := m["meta"].(map[string]any); ok {
					if next, ok := meta["next"].(string); ok {
						u, err := url.Parse(next)
						if err != nil {
							t.Fatal(err)
						}
						meta["next"] = []any{u.Path, u.Query()}
					}
				}
			}
			if objects, ok := got["objects"].([]any); ok && len(objects) == 0 {
				t.Fatalf("%s: no objects: the data does not exercise the endpoint", e.Path)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\nframework    %v\nhand-written %v", e.Path, got, want)
			}
		}
	})
}

type listMeta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int64   `json:"total_count"`
}

func pageMeta(path string, q url.Values, limit, offset int, total int64) listMeta {
	m := listMeta{Limit: limit, Offset: offset, TotalCount: total}
	if int64(offset+limit) < total {
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(offset+limit))
		next := path + "?" + q.Encode()
		m.Next = &next
	}
	return m
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// handIndicator is an indicator as the hand-written handlers write it.
type handIndicator struct {
	ID          int64    `json:"id"`
	ShortName   string   `json:"short_name"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	DataFormat  string   `json:"data_format"`
	IsReported  bool     `json:"is_reported"`
	GoodBound   *float64 `json:"good_bound"`
	BadBound    *float64 `json:"bad_bound"`
	CreatedAt   string   `json:"created_at"`
	ResourceURI string   `json:"resource_uri"`
}

// handDatapoint is a datapoint as the hand-written handlers write it.
type handDatapoint struct {
	ID                 int64   `json:"id"`
	IndicatorID        int64   `json:"indicator_id"`
	LocationID         int64   `json:"location_id"`
	CampaignID         *int64  `json:"campaign_id"`
	DataDate           string  `json:"data_date"`
	Value              float64 `json:"value"`
	SourceSubmissionID *int64  `json:"source_submission_id"`
	CreatedAt          string  `json:"created_at"`
	ResourceURI        string  `json:"resource_uri"`
}
