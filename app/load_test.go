package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// The load tests: writers and readers hit the dashboard's API over HTTP at the same time, for a fixed
// time. Each writer owns the indicators whose short_name starts with its prefix and keeps a model of
// them: what every acknowledged write says they are. Since no one else writes there, the writer's
// own list (read through the API during the run, and from the database at the end) must equal its
// model exactly: an acknowledged write that was lost, a refused write that left a trace, or a bulk
// write half applied all show as a difference.

// loadSeconds is how long a load test runs on each backend: TASTYGO_LOAD_SECONDS, else 3 with -short,
// else the default given.
func loadSeconds(def int) time.Duration {
	if s := os.Getenv("TASTYGO_LOAD_SECONDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	if testing.Short() {
		return 3 * time.Second
	}
	return time.Duration(def) * time.Second
}

// indRow is what the load tests write of an indicator.
type indRow struct {
	ID          int64
	Name        string
	Description string
	DataFormat  string
	GoodBound   float64
}

// state is a writer's indicators, by short_name (unique, and never changed by the writers).
type state map[string]indRow

func (s state) clone() state {
	c := make(state, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

// diff describes how got differs from want ("" for not at all).
func (s state) diff(got state) string {
	var out []string
	for k, w := range s {
		g, ok := got[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s (id %d) missing", k, w.ID))
		case g != w:
			out = append(out, fmt.Sprintf("%s is %+v, want %+v", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := s[k]; !ok {
			out = append(out, fmt.Sprintf("%s (id %d) should not exist", k, g.ID))
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... and %d more", len(out)-10))
	}
	return strings.Join(out, "; ")
}

// outcome is one request of a load run.
type outcome struct {
	op, path   string
	write      bool
	start, end time.Time
	status     int    // 0 for a transport error
	code       string // the error code of an error body
	retryAfter string
	err        error
}

// ok reports a 2xx answer.
func (o outcome) ok() bool { return o.status >= 200 && o.status < 300 }

// unavailable reports a well-formed 503 DATABASE_UNAVAILABLE with Retry-After.
func (o outcome) unavailable() bool {
	return o.status == http.StatusServiceUnavailable && o.code == "DATABASE_UNAVAILABLE" && o.retryAfter != ""
}

// loadRun is one load test against one API.
type loadRun struct {
	t      *testing.T
	url    string // the API's root, ".../api/v1/"
	auth   string
	db     *sql.DB
	d      dialect.Dialect
	client *http.Client

	mu       sync.Mutex
	outcomes []outcome
	problems []string
	// unknown counts writes whose outcome the client could not know (transport errors), and resolved
	// how many of those the database showed applied.
	unknown, unknownApplied int
}

func newLoadRun(t *testing.T, srv *httptest.Server, auth string, db *sql.DB, d dialect.Dialect) *loadRun {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &loadRun{t: t, url: srv.URL + "/api/v1/", auth: auth, db: db, d: d,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// problem records a failure of the run (reported, and failing the test, at the end).
func (r *loadRun) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// do sends a request and records its outcome; the JSON body is decoded into out when given.
func (r *loadRun) do(op string, write bool, method, path string, body any, out any) outcome {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	o := outcome{op: op, path: method + " " + path, write: write, start: time.Now()}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", r.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err == nil {
		var raw []byte
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		o.status, o.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		if err == nil && len(raw) > 0 {
			if o.ok() && out != nil {
				err = json.Unmarshal(raw, out)
			} else if !o.ok() {
				var e struct {
					Code string `json:"code"`
				}
				if json.Unmarshal(raw, &e) != nil || e.Code == "" {
					r.problem("%s %s: %d without the error shape: %.300s", method, path, o.status, raw)
				}
				o.code = e.Code
			}
		}
		if err != nil {
			r.problem("%s %s: %d with a body that cannot be read: %v", method, path, o.status, err)
		}
	}
	o.end, o.err = time.Now(), err
	if o.status == 0 && err == nil {
		o.err = errors.New("no status")
	}
	if o.status >= 500 && !o.unavailable() {
		r.problem("%s %s: %d %s (Retry-After %q): only 503 DATABASE_UNAVAILABLE with Retry-After may be a 5xx", method, path, o.status, o.code, o.retryAfter)
	}
	r.mu.Lock()
	r.outcomes = append(r.outcomes, o)
	r.mu.Unlock()
	if o.unavailable() {
		time.Sleep(20 * time.Millisecond) // as a client told to retry would, without flooding the test machine
	}
	return o
}

// namespace reads a writer's indicators from the database, retrying while it is unavailable.
func (r *loadRun) namespace(prefix string) state {
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, err := r.readNamespace(prefix)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			r.problem("reading %s* from the database: %v", prefix, err)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *loadRun) readNamespace(prefix string) (state, error) {
	rows, err := r.db.Query(r.d.Rebind(`SELECT id, short_name, name, description, data_format, good_bound FROM indicator WHERE short_name LIKE ?`), prefix+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s := state{}
	for rows.Next() {
		var row indRow
		var short string
		var bound sql.NullFloat64
		if err := rows.Scan(&row.ID, &short, &row.Name, &row.Description, &row.DataFormat, &bound); err != nil {
			return nil, err
		}
		row.GoodBound = bound.Float64
		s[short] = row
	}
	return s, rows.Err()
}

// loadTotals sums a run's outcomes.
type loadTotals struct {
	requests, writes, ok, unavailable, transport int
	byStatus                                     map[int]int
}

func (r *loadRun) totals() loadTotals {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := loadTotals{byStatus: map[int]int{}}
	for _, o := range r.outcomes {
		t.requests++
		if o.write {
			t.writes++
		}
		t.byStatus[o.status]++
		switch {
		case o.ok():
			t.ok++
		case o.unavailable():
			t.unavailable++
		case o.status == 0:
			t.transport++
		}
	}
	return t
}

// run starts writers and readers, lets them work until stop is closed, then checks every writer's
// indicators in the database against its model. It returns the writers' final states.
func (r *loadRun) run(writers, readers int, stop <-chan struct{}) {
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	var wg sync.WaitGroup
	ws := make([]*writer, writers)
	for i := range ws {
		ws[i] = &writer{r: r, prefix: fmt.Sprintf("L%s-%d-", runID, i), st: state{}, rng: rand.New(rand.NewPCG(uint64(i), 42))}
		wg.Add(1)
		go func(w *writer) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					w.step()
				}
			}
		}(ws[i])
	}
	for i := range readers {
		wg.Add(1)
		go func(rng *rand.Rand) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					r.read(rng)
				}
			}
		}(rand.New(rand.NewPCG(uint64(i), 7)))
	}
	wg.Wait()
	for _, w := range ws {
		if d := w.st.diff(r.namespace(w.prefix)); d != "" {
			r.problem("writer %s: the database differs from what was acknowledged: %s", w.prefix, d)
		}
	}
}

// readPaths are the lists readers ask for.
var readPaths = []string{
	"indicator/?order_by=-id&limit=50",
	"datapoint/?limit=20&depth=1",
	"location/?limit=50&order_by=name",
	"campaign/?top_lvl_location__location_code=AF",
	"datapoint/?indicator__short_name__startswith=p&limit=10",
	"indicator/?short_name__contains=-&fields=id,short_name&limit=100",
	"datapoint/?location_type=District&limit=5", // a look-up of the type by name first
}

// read makes one read of someone else's data, which must answer 200 (or 503).
func (r *loadRun) read(rng *rand.Rand) {
	p := readPaths[rng.IntN(len(readPaths))]
	var body map[string]any
	o := r.do("read", false, http.MethodGet, p, nil, &body)
	if o.ok() && body["objects"] == nil {
		r.problem("GET %s: no objects: %v", p, body)
	}
	if !o.ok() && !o.unavailable() && o.status != 0 {
		r.problem("GET %s: %d %s", p, o.status, o.code)
	}
}

// report logs a run's figures.
func (r *loadRun) report(name string, took time.Duration) loadTotals {
	t := r.totals()
	r.t.Logf("%s: %d requests in %s (%.0f/s), %d writes; 2xx %d, 503 %d, transport errors %d (outcome unknown; %d of them applied); by status %v",
		name, t.requests, took.Round(time.Millisecond), float64(t.requests)/took.Seconds(), t.writes, t.ok, t.unavailable, t.transport, r.unknownApplied, t.byStatus)
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.problems {
		if i == 20 {
			r.t.Errorf("... and %d more problems", len(r.problems)-20)
			break
		}
		r.t.Error(p)
	}
	return t
}

// TestMixedLoad runs writers (single and array POSTs, PATCH, DELETE, PATCH and DELETE by filter, bulk
// PATCH, and writes that must be refused whole) and readers against the dashboard over HTTP for a
// fixed time on each backend, then checks that every acknowledged write is in the database as
// acknowledged and no refused one left a trace; the only 5xx allowed is 503 DATABASE_UNAVAILABLE
// with Retry-After, counted.
func TestMixedLoad(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		srv := httptest.NewServer(f.api)
		defer srv.Close()
		r := newLoadRun(t, srv, f.as(superName), db, d)
		took := loadSeconds(10)
		stop := make(chan struct{})
		time.AfterFunc(took, func() { close(stop) })
		start := time.Now()
		r.run(6, 2, stop)
		tot := r.report(string(d.Name()), time.Since(start))
		if tot.writes < 100 {
			t.Errorf("only %d writes were made: the test proves little", tot.writes)
		}
	})
}
