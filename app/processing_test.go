package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// aggFixture is a migrated database with a small hand-built tree, indicators, two campaigns and their
// datapoints, whose aggregates are known:
//
//	1 C (country) ── 2 R1 ── 4 P1, 5 P2
//	              └─ 3 R2 ── 6 P3
//	7 X, another country, outside campaign 1
//
// Indicators: 1 cases (int), 2 coverage (pct), 3 vaccinated (int), 4 target (int), 5 rate (pct,
// calculated: vaccinated / target), 6 seen (bool).
func newAggFixture(t testing.TB, db *sql.DB, d dialect.Dialect) (http.Handler, string) {
	t.Helper()
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, d.Rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO location_type (id, name, admin_level) VALUES (1, 'country', 0), (2, 'region', 1), (3, 'province', 2)`)
	for _, l := range []struct {
		id     int
		code   string
		typ    int
		parent any
	}{{1, "C", 1, nil}, {2, "R1", 2, 1}, {3, "R2", 2, 1}, {4, "P1", 3, 2}, {5, "P2", 3, 2}, {6, "P3", 3, 3}, {7, "X", 1, nil}} {
		exec(`INSERT INTO location (id, name, location_code, location_type_id, parent_location_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			l.id, l.code, l.code, l.typ, l.parent, d.Bind(field.DateTime, d.Now()))
	}
	for i, ind := range []struct{ name, format string }{
		{"cases", "int"}, {"coverage", "pct"}, {"vaccinated", "int"}, {"target", "int"}, {"rate", "pct"}, {"seen", "bool"},
	} {
		exec(`INSERT INTO indicator (id, short_name, name, data_format, created_at) VALUES (?, ?, ?, ?, ?)`, i+1, ind.name, ind.name, ind.format, d.Bind(field.DateTime, d.Now()))
	}
	exec(`INSERT INTO indicator_calculation (indicator_id, component_id, role) VALUES (5, 3, 'numerator'), (5, 4, 'denominator')`)
	exec(`INSERT INTO campaign_type (id, name) VALUES (1, 'polio')`)
	exec(`INSERT INTO campaign (id, name, campaign_type_id, top_lvl_location_id, start_date, end_date, created_at) VALUES
		(1, 'one', 1, 1, '2024-01-01', '2024-01-31', ?), (2, 'two', 1, 3, '2024-02-01', '2024-02-28', ?)`, d.Bind(field.DateTime, d.Now()), d.Bind(field.DateTime, d.Now()))
	for _, p := range []struct {
		ind, loc, campaign int
		value              float64
	}{
		{1, 4, 1, 10}, {1, 5, 1, 20}, {1, 6, 1, 5}, {1, 2, 1, 100}, // R1's own value wins over P1+P2
		{1, 7, 1, 999}, // outside the campaign's tree: ignored
		{1, 4, 2, 7},   // another campaign: ignored
		{2, 4, 1, 0.25}, {2, 5, 1, 0.75}, {2, 6, 1, 0.5},
		{3, 4, 1, 30}, {3, 5, 1, 10}, {3, 6, 1, 0},
		{4, 4, 1, 40}, {4, 5, 1, 40}, {4, 6, 1, 0}, // P3 and R2: a zero denominator, no rate
		{6, 4, 1, 1}, {6, 5, 1, 0},
	} {
		exec(`INSERT INTO datapoint (indicator_id, location_id, campaign_id, data_date, value, created_at) VALUES (?, ?, ?, '2024-01-15', ?, ?)`,
			p.ind, p.loc, p.campaign, p.value, d.Bind(field.DateTime, d.Now()))
	}
	// A stale row of campaign 1 (removed by a refresh) and a row of campaign 2 (left alone).
	exec(`INSERT INTO agg_datapoint (campaign_id, location_id, indicator_id, value) VALUES (1, 7, 1, 1), (2, 3, 1, 42)`)
	u, err := createUser(ctx, db, d, newUser{Username: "admin", Superuser: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(auth.DefaultCacheTTL)})
	if err != nil {
		t.Fatal(err)
	}
	return h, "ApiKey admin:" + u.Key
}

// aggRows is agg_datapoint as "campaign/location/indicator=value" lines, by campaign, location, indicator.
func aggRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT id, campaign_id, location_id, indicator_id, value FROM agg_datapoint ORDER BY campaign_id, location_id, indicator_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, c, l, i int64
		var v float64
		if err := rows.Scan(&id, &c, &l, &i, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d/%d/%d=%g #%d", c, l, i, v, id))
	}
	return out
}

var idSuffix = regexp.MustCompile(` #\d+$`)

func withoutIDs(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = idSuffix.ReplaceAllString(r, "")
	}
	return out
}

func TestAggRefresh(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		a := serve(t, h, "GET", "/api/v1/agg_refresh/?campaign_id=1&limit=0&order_by=location_id&order_by=indicator_id", key, "")
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		want := []string{
			// C: cases R1's own 100 + P3's 5; coverage mean(.25,.75,.5); vaccinated 40, target 80, rate 40/80; seen mean(1,0)
			"1/1/1=105", "1/1/2=0.5", "1/1/3=40", "1/1/4=80", "1/1/5=0.5", "1/1/6=0.5",
			// R1: its own cases value wins; coverage mean(.25,.75); rate 40/80; seen mean(1,0)
			"1/2/1=100", "1/2/2=0.5", "1/2/3=40", "1/2/4=80", "1/2/5=0.5", "1/2/6=0.5",
			// R2: only P3 below it; target 0: no rate
			"1/3/1=5", "1/3/2=0.5", "1/3/3=0", "1/3/4=0",
			"1/4/1=10", "1/4/2=0.25", "1/4/3=30", "1/4/4=40", "1/4/5=0.75", "1/4/6=1",
			"1/5/1=20", "1/5/2=0.75", "1/5/3=10", "1/5/4=40", "1/5/5=0.25", "1/5/6=0",
			"1/6/1=5", "1/6/2=0.5", "1/6/3=0", "1/6/4=0", // P3: a zero denominator, no rate
			"2/3/1=42", // campaign 2 untouched
		}
		first := aggRows(t, db)
		if got := withoutIDs(first); !reflect.DeepEqual(got, want) {
			t.Fatalf("agg_datapoint:\n got %q\nwant %q", got, want)
		}
		// The answer lists campaign 1's rows only, with the usual envelope.
		var listed []string
		for _, o := range a.objects() {
			listed = append(listed, fmt.Sprintf("%v/%v/%v=%v", o["campaign_id"], o["location_id"], o["indicator_id"], o["value"]))
		}
		if !reflect.DeepEqual(listed, want[:len(want)-1]) {
			t.Errorf("listed:\n got %q\nwant %q", listed, want[:len(want)-1])
		}
		if tc := a.body["meta"].(map[string]any)["total_count"]; fmt.Sprint(tc) != "32" {
			t.Errorf("total_count %v", tc)
		}
		// Idempotent: a second run leaves every row as it was, ids included.
		if a := serve(t, h, "GET", "/api/v1/agg_refresh/?campaign_id=1&indicator_id=5", key, ""); a.status != 200 || len(a.objects()) != 4 {
			t.Fatalf("second run: %d %s", a.status, a.raw)
		}
		if again := aggRows(t, db); !reflect.DeepEqual(again, first) {
			t.Errorf("second run changed rows:\n got %q\nwant %q", again, first)
		}
		// An unknown campaign: a 404 naming the parameter, and a failed run.
		a = serve(t, h, "GET", "/api/v1/agg_refresh/?campaign_id=99", key, "")
		if a.status != 404 || a.raw != `{"code": "OBJECT_DOES_NOT_EXIST", "details": {"parameter": "campaign_id", "run_id": 3}, "error": "There is no campaign 99.", "success": false}` {
			t.Errorf("unknown campaign: %d %s", a.status, a.raw)
		}
		a = serve(t, h, "GET", "/api/v1/agg_refresh/?campaign_id=x", key, "")
		if a.status != 400 || a.code() != "INVALID_VALUE" {
			t.Errorf("campaign_id=x: %d %s", a.status, a.raw)
		}
		a = serve(t, h, "POST", "/api/v1/agg_refresh/?campaign_id=1", key, "{}")
		if a.status != 405 || a.header.Get("Allow") != "GET, OPTIONS" {
			t.Errorf("POST: %d %v %s", a.status, a.header, a.raw)
		}
		// The runs, as the processing_run resource lists them.
		a = serve(t, h, "GET", "/api/v1/processing_run/?order_by=id&fields=id,resource,parameters,username,status,error", key, "")
		var runs []string
		for _, o := range a.objects() {
			runs = append(runs, fmt.Sprintf("%v %v %v %v %v %v", o["id"], o["resource"], o["parameters"], o["username"], o["status"], o["error"]))
		}
		wantRuns := []string{ // parameters is a JSON object on the wire, decoded as a map
			`1 agg_refresh map[campaign_id:1] admin succeeded <nil>`,
			`2 agg_refresh map[campaign_id:1] admin succeeded <nil>`,
			`3 agg_refresh map[campaign_id:99] admin failed There is no campaign 99.`,
		}
		if !reflect.DeepEqual(runs, wantRuns) {
			t.Errorf("processing_run:\n got %q\nwant %q", runs, wantRuns)
		}
		if !strings.Contains(a.raw, `"parameters": {"campaign_id":1}, `) {
			t.Errorf("processing_run's parameters are not a JSON object on the wire: %s", a.raw)
		}
		if a := serve(t, h, "GET", "/api/v1/processing_run/schema/", key, ""); a.body["fields"].(map[string]any)["parameters"].(map[string]any)["type"] != "json" {
			t.Errorf("processing_run's schema: parameters is not of type json: %s", a.raw)
		}
		var userID sql.NullInt64
		if err := db.QueryRow(`SELECT user_id FROM processing_run WHERE id = 1`).Scan(&userID); err != nil || !userID.Valid {
			t.Errorf("user_id: %v %v", userID, err)
		}
		if a := serve(t, h, "DELETE", "/api/v1/processing_run/1/", key, ""); a.status != 405 {
			t.Errorf("DELETE a run: %d", a.status)
		}
		// Aggregates changed behind the app's back are put right in place, keeping their ids: the refresh
		// writes by difference, a chunk a statement.
		if _, err := db.Exec(`UPDATE agg_datapoint SET value = value + 100 WHERE id IN (SELECT id FROM agg_datapoint WHERE campaign_id = 1 ORDER BY id LIMIT 3)`); err != nil {
			t.Fatal(err)
		}
		if a := serve(t, h, "GET", "/api/v1/agg_refresh/?campaign_id=1", key, ""); a.status != 200 {
			t.Fatalf("refresh after tampering: %d %s", a.status, a.raw)
		}
		if again := aggRows(t, db); !reflect.DeepEqual(again, first) {
			t.Errorf("tampered rows not restored:\n got %q\nwant %q", again, first)
		}
	})
}

// eachAggAddress runs fn on each backend with a database of its own holding the aggregation fixture,
// and its address, for tests that run the app's commands on it.
func eachAggAddress(t *testing.T, fn func(t *testing.T, addr string, db *sql.DB, d dialect.Dialect)) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr := testdb.Address(t, backend)
			db, d, err := dialect.Open(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			newAggFixture(t, db, d)
			fn(t, addr, db, d)
		})
	}
}

func TestTriggerCommand(t *testing.T) {
	eachAggAddress(t, func(t *testing.T, addr string, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		code, out, errOut := runApp(ctx, nil, "trigger", "--db", addr, "agg_refresh", "campaign_id=1")
		if code != 0 || !regexp.MustCompile(`^run 1 of agg_refresh \{"campaign_id":1\}: succeeded in \S+\n32 rows\n$`).MatchString(out) {
			t.Errorf("success: code %d\nstdout %q\nstderr %q", code, out, errOut)
		}
		code, out, errOut = runApp(ctx, nil, "trigger", "--db", addr, "agg_refresh", "campaign_id=99")
		if code != 1 || !regexp.MustCompile(`^run 2 of agg_refresh \{"campaign_id":99\}: failed in \S+: There is no campaign 99\.\n$`).MatchString(out) ||
			errOut != "app trigger: There is no campaign 99. (OBJECT_DOES_NOT_EXIST)\n" {
			t.Errorf("failure: code %d\nstdout %q\nstderr %q", code, out, errOut)
		}
		code, out, errOut = runApp(ctx, nil, "trigger", "--db", addr, "agg_refresh")
		if code != 1 || out != "" || errOut != "app trigger: Missing required parameter(s): campaign_id. (MISSING_PARAMETER)\n" {
			t.Errorf("missing parameter: code %d\nstdout %q\nstderr %q", code, out, errOut)
		}
		code, _, errOut = runApp(ctx, nil, "trigger", "--db", addr, "indicator")
		if code != 1 || errOut != "app trigger: \"indicator\" is not a non-model resource. (BAD_REQUEST)\n" {
			t.Errorf("model resource: code %d, stderr %q", code, errOut)
		}
		code, _, errOut = runApp(ctx, nil, "trigger", "--db", addr, "agg_refresh", "campaign_id")
		if code != 2 || !strings.Contains(errOut, `parameter "campaign_id" is not key=value`) {
			t.Errorf("bad argument: code %d, stderr %q", code, errOut)
		}
		var status, username string
		if err := db.QueryRow(`SELECT status, username FROM processing_run WHERE id = 1`).Scan(&status, &username); err != nil {
			t.Fatal(err)
		}
		if status != "succeeded" || username != "app trigger" {
			t.Errorf("run 1: %s %s", status, username)
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM agg_datapoint WHERE campaign_id = 1`).Scan(&n); err != nil || n != 32 {
			t.Errorf("agg rows: %d %v", n, err)
		}
	})
}
