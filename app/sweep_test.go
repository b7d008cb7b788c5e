package main

import (
	"context"
	"database/sql"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/nonmodel"
)

// runStatuses is processing_run as "id resource parameters status error" lines, by id.
func runStatuses(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT id, resource, parameters, status, ended_at IS NOT NULL, coalesce(error, '') FROM processing_run ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var res, params, status, errText string
		var ended bool
		if err := rows.Scan(&id, &res, &params, &status, &ended, &errText); err != nil {
			t.Fatal(err)
		}
		line := strings.Join([]string{res, params, status}, " ")
		if ended {
			line += " ended"
		}
		if errText != "" {
			line += ": " + errText
		}
		out = append(out, line)
	}
	return out
}

// TestAbandonedRunsSwept leaves agg_refresh runs recorded as running, as a crashed process leaves
// them. `app trigger` marks its own key's abandoned run failed when its run starts, and on PostgreSQL
// (where a free advisory lock proves no process runs a key) every key's; `app serve` marks them all
// failed when it starts, on both backends.
func TestAbandonedRunsSwept(t *testing.T) {
	eachAggAddress(t, func(t *testing.T, addr string, db *sql.DB, d dialect.Dialect) {
		crashed := func(params string) {
			t.Helper()
			_, err := db.Exec(d.Rebind(`INSERT INTO processing_run (resource, parameters, username, started_at, status) VALUES ('agg_refresh', ?, 'app trigger', ?, 'running')`),
				params, d.Bind(field.DateTime, d.Now().Add(-time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
		}
		crashed(`{"campaign_id":1}`)
		crashed(`{"campaign_id":2}`)
		abandoned := " failed ended: " + nonmodel.AbandonedError

		ctx := context.Background()
		code, out, errOut := runApp(ctx, nil, "trigger", "--db", addr, "agg_refresh", "campaign_id=1")
		if code != 0 || !regexp.MustCompile(`^run 3 of agg_refresh \{"campaign_id":1\}: succeeded in \S+\n32 rows\n$`).MatchString(out) {
			t.Fatalf("trigger: code %d\nstdout %q\nstderr %q", code, out, errOut)
		}
		if !strings.Contains(errOut, `msg="marked abandoned runs failed" resource=agg_refresh parameters="{\"campaign_id\":1}" run_ids=[1]`) {
			t.Errorf("the trigger did not log the abandoned run: %q", errOut)
		}
		second := `agg_refresh {"campaign_id":2} running`
		if d.Name() == dialect.Postgres {
			second = `agg_refresh {"campaign_id":2}` + abandoned
		}
		want := []string{`agg_refresh {"campaign_id":1}` + abandoned, second, `agg_refresh {"campaign_id":1} succeeded ended`}
		if got := runStatuses(t, db); !reflect.DeepEqual(got, want) {
			t.Errorf("after trigger:\n got %q\nwant %q", got, want)
		}

		crashed(`{"campaign_id":3}`)
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		srv := startServe(t, sctx, "serve", "--addr", "127.0.0.1:0", "--db", addr)
		stderr, done := srv.stderr, srv.done
		want = []string{`agg_refresh {"campaign_id":1}` + abandoned, `agg_refresh {"campaign_id":2}` + abandoned,
			`agg_refresh {"campaign_id":1} succeeded ended`, `agg_refresh {"campaign_id":3}` + abandoned}
		if got := runStatuses(t, db); !reflect.DeepEqual(got, want) {
			t.Errorf("after serve started:\n got %q\nwant %q", got, want)
		}
		if !strings.Contains(stderr.String(), `"parameters":"{\"campaign_id\":3}","run_ids":[4]`) {
			t.Errorf("serve did not log the abandoned run:\n%s", stderr.String())
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited with %d:\n%s", code, stderr.String())
		}
	})
}
