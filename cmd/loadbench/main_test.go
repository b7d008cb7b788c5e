package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/handwritten"
)

// The hand-written handler's answers are checked against the app's, for every endpoint loadbench
// measures (handwritten.Endpoints), by the app's TestHandwrittenHandlersAgree on both backends: the
// app is a main package, which this one cannot import. Here: the command line, wrk's output, the
// ratios and the table, without running wrk.

func TestParseFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	var stderr bytes.Buffer
	c, err := parseFlags(nil, env(nil), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if c.backend != dialect.SQLite || c.duration != 5*time.Second || c.pairs != 2 || c.threads != 2 || c.connections != 32 ||
		c.pgURL != "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" || c.serveHand != "" {
		t.Errorf("defaults: %+v", c)
	}
	c, err = parseFlags([]string{"-backend", "postgres", "-duration", "3s", "-pairs", "3", "-connections", "8", "-only", "detail", "-cache", "/tmp/x"},
		env(map[string]string{"TEST_DATABASE_URL": "postgres://u@h:1/d"}), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if c.backend != dialect.Postgres || c.duration != 3*time.Second || c.pairs != 3 || c.connections != 8 || c.only != "detail" ||
		c.cacheDir != "/tmp/x" || c.pgURL != "postgres://u@h:1/d" {
		t.Errorf("flags: %+v", c)
	}
	c, err = parseFlags([]string{"-serve-handwritten", "127.0.0.1:1", "-db", "x.db"}, env(nil), &stderr)
	if err != nil || c.serveHand != "127.0.0.1:1" || c.db != "x.db" {
		t.Errorf("-serve-handwritten: %+v %v", c, err)
	}
	for _, bad := range [][]string{
		{"-backend", "mysql"},
		{"-pairs", "0"},
		{"-connections", "1", "-threads", "2"},
		{"-duration", "10ms"},
		{"-serve-handwritten", "127.0.0.1:1"},
		{"extra"},
		{"-nosuchflag"},
	} {
		if _, err := parseFlags(bad, env(nil), &stderr); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

const wrkOutput = `Running 5s test @ http://127.0.0.1:40000/api/v1/indicator/?limit=20
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.98ms    5.01ms  60.40ms   73.12%
    Req/Sec     1.47k   181.22     1.86k    70.00%
  14655 requests in 5.00s, 25.79MB read
Requests/sec:   2928.61
Transfer/sec:      5.15MB
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk(wrkOutput)
	if err != nil || got != 2928.61 {
		t.Fatalf("parseWrk = %v, %v; want 2928.61", got, err)
	}
	bad := strings.Replace(wrkOutput, "Requests/sec:", "  Non-2xx or 3xx responses: 14655\nRequests/sec:", 1)
	if _, err := parseWrk(bad); err == nil || !strings.Contains(err.Error(), "14655") {
		t.Errorf("non-2xx: %v", err)
	}
	sock := strings.Replace(wrkOutput, "Requests/sec:", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec:", 1)
	if _, err := parseWrk(sock); err == nil || !strings.Contains(err.Error(), "read 3") {
		t.Errorf("socket errors: %v", err)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Error("no figure: no error")
	}
}

func TestRatiosAndTable(t *testing.T) {
	r := result{endpoint: handwritten.Endpoint{Name: "indicator_detail"}, app: []float64{900, 1100}, hand: []float64{1000, 1000}}
	if got := r.ratio(); got != 1.0 {
		t.Errorf("ratio = %v, want 1.0 (2000/2000)", got)
	}
	if lo, hi := r.pairRange(); lo != 0.9 || hi != 1.1 {
		t.Errorf("pairRange = %v, %v; want 0.9, 1.1", lo, hi)
	}
	if got := (result{}).ratio(); got != 0 {
		t.Errorf("empty ratio = %v", got)
	}
	var out bytes.Buffer
	printTable(&out, []result{r, {endpoint: handwritten.Endpoint{Name: "indicator_list20"}, app: []float64{870}, hand: []float64{1000}}})
	for _, want := range []string{"indicator_detail", "900 / 1100", "1000 / 1000", "1.00x", "0.90–1.10x", "indicator_list20", "0.87x"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestEndpoints(t *testing.T) {
	es := handwritten.Endpoints(3, 4)
	var names []string
	for _, e := range es {
		names = append(names, e.Name+" "+e.Path)
	}
	want := []string{
		"indicator_list20 /api/v1/indicator/?limit=20",
		"indicator_list100 /api/v1/indicator/?limit=100",
		"indicator_detail /api/v1/indicator/7/",
		"datapoint_filtered /api/v1/datapoint/?indicator_id=3&campaign_id=4&limit=50&order_by=-id",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("endpoints:\n%s", strings.Join(names, "\n"))
	}
}
