package nonmodel_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// outcomes is a RunObserver that remembers what it was told, in order.
type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) RunEnded(resource, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, resource+" "+outcome)
}

func (o *outcomes) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string{}, o.got...)
}

// TestRunOutcomesObserved checks that the Config.Observer of an API hears every trigger's outcome once:
// a success, a failure, an abandoned run found by the next run of its key and by Sweep, a refusal
// while a run is in progress, and a waiter that shares the run it waited for.
func TestRunOutcomesObserved(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		obs := &outcomes{}
		bl := newBlocker()
		work := func(_ *nonmodel.Options, r *recount) {
			r.work = func(ctx context.Context, p *recountParams) error {
				switch p.Group {
				case 13:
					return errors.New("boom")
				case 5:
					bl.started <- p.Group
					<-bl.release
				}
				return nil
			}
		}
		cfg := resource.Config{Observer: obs}
		f := newAPIConfig(t, db, d, cfg, work)
		g := newAPIConfig(t, db, d, cfg, work, waiting)

		check(t, "success", f.get("/api/v1/recount/?group=1").status, 200)
		check(t, "failure", f.get("/api/v1/recount/?group=13").status, 500)
		insertRunning(t, db, d, `{"group":2,"note":""}`)
		check(t, "after an abandoned run", f.get("/api/v1/recount/?group=2").status, 200)

		first := make(chan answer, 1)
		go func() { first <- f.get("/api/v1/recount/?group=5") }()
		bl.waitStarted(t)
		check(t, "refused", f.get("/api/v1/recount/?group=5").status, 409)
		shared := make(chan answer, 1)
		go func() { shared <- g.get("/api/v1/recount/?group=5") }()
		time.Sleep(200 * time.Millisecond) // the waiter is waiting for the lock
		close(bl.release)
		check(t, "first and waiter", []int{(<-first).status, (<-shared).status}, []int{200, 200})

		insertRunning(t, db, d, `{"group":6,"note":""}`)
		if _, err := nonmodel.Sweep(context.Background(), f.api); err != nil {
			t.Fatal(err)
		}
		check(t, "outcomes", obs.list(), []string{
			"recount succeeded",
			"recount failed",
			"recount abandoned", "recount succeeded",
			"recount in_progress", "recount succeeded", "recount shared",
			"recount abandoned",
		})
	})
}

// TestRunOutcomesUnobserved checks that an API without an Observer, or with one that is not a
// RunObserver, runs as before.
func TestRunOutcomesUnobserved(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		f := newAPIConfig(t, db, d, resource.Config{Observer: "not a RunObserver"})
		check(t, "success", f.get("/api/v1/recount/?group=1").status, 200)
		check(t, "runs", runs(t, db), []runRow{{"recount", `{"group":1,"note":""}`, "succeeded", true, nil}})
	})
}
