package nonmodel_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/nonmodel"
)

// insertRunning records a run of recount as running, as a process that crashed during it leaves it,
// and returns its id.
func insertRunning(t *testing.T, db *sql.DB, d dialect.Dialect, params string) int64 {
	t.Helper()
	var id int64
	q := d.Rebind(`INSERT INTO processing_run (resource, parameters, username, started_at, status) VALUES ('recount', ?, 'crashed', ?, 'running') RETURNING id`)
	if err := db.QueryRow(q, params, d.Bind(field.DateTime, d.Now().Add(-time.Hour))).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSweep leaves runs of two keys recorded as running by a process that is gone, and starts two runs
// that are in progress: one in this process, one in another API (on PostgreSQL on a pool of its own,
// as another process; on SQLite, whose file one process owns, on the same handle). Sweep, called by a
// third API as an application starting would, marks exactly the abandoned runs failed; the runs in
// progress end as usual. A second sweep finds nothing.
func TestSweep(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr := testdb.Address(t, backend)
			db, d := openPool(t, addr)
			otherDB := db
			if backend == dialect.Postgres {
				otherDB, _ = openPool(t, addr)
			}
			createTables(t, db, d)
			dead1 := insertRunning(t, db, d, `{"group":1,"note":""}`)
			dead2 := insertRunning(t, db, d, `{"group":2,"note":"x"}`)

			here, elsewhere := newBlocker(), newBlocker()
			f, g := newAPI(t, db, d, here.option), newAPI(t, otherDB, d, elsewhere.option)
			first, second := make(chan answer, 1), make(chan answer, 1)
			go func() { first <- f.get("/api/v1/recount/?group=3") }()
			here.waitStarted(t)
			go func() { second <- g.get("/api/v1/recount/?group=4") }()
			elsewhere.waitStarted(t)

			sweeper := newAPI(t, db, d)
			swept, err := nonmodel.Sweep(context.Background(), sweeper.api)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(swept)
			check(t, "swept", swept, []int64{dead1, dead2})
			check(t, "runs after the sweep", runs(t, db), []runRow{
				{"recount", `{"group":1,"note":""}`, "failed", true, ptr(nonmodel.AbandonedError)},
				{"recount", `{"group":2,"note":"x"}`, "failed", true, ptr(nonmodel.AbandonedError)},
				{"recount", `{"group":3,"note":""}`, "running", false, nil},
				{"recount", `{"group":4,"note":""}`, "running", false, nil},
			})
			if !strings.Contains(sweeper.logged.String(), "marked abandoned runs failed") {
				t.Errorf("the sweep logged nothing: %s", sweeper.logged.String())
			}

			close(here.release)
			close(elsewhere.release)
			check(t, "statuses", []int{(<-first).status, (<-second).status}, []int{200, 200})
			check(t, "runs at the end", runs(t, db)[2:], []runRow{
				{"recount", `{"group":3,"note":""}`, "succeeded", true, nil},
				{"recount", `{"group":4,"note":""}`, "succeeded", true, nil},
			})
			swept, err = nonmodel.Sweep(context.Background(), sweeper.api)
			check(t, "second sweep", []any{len(swept), err}, []any{0, nil})
		})
	}
}

// TestAbandonedOnNextRun leaves a run recorded as running by a process that is gone: the next trigger
// of its resource and parameters holds their lock, so it marks that run failed before running, while
// a run of other parameters left running is not its to judge.
func TestAbandonedOnNextRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		insertRunning(t, db, d, `{"group":5,"note":""}`)
		insertRunning(t, db, d, `{"group":6,"note":""}`)
		f := newAPI(t, db, d)
		a := f.get("/api/v1/recount/?group=05")
		check(t, "status", a.status, 200)
		check(t, "runs", runs(t, db), []runRow{
			{"recount", `{"group":5,"note":""}`, "failed", true, ptr(nonmodel.AbandonedError)},
			{"recount", `{"group":6,"note":""}`, "running", false, nil},
			{"recount", `{"group":5,"note":""}`, "succeeded", true, nil},
		})
		check(t, "work calls", f.res.calls.Load(), int64(1))
	})
}
