package main

import (
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/pgserver"
)

// The phases of TestPostgresRestartUnderLoad.
const (
	restartWarmUp   = 2 * time.Second // load before the stop
	restartDown     = 3 * time.Second // the server stopped, the load going on
	restartRecovery = 5 * time.Second // from the server back to every answer a 2xx again, at most
	restartSteady   = 2 * time.Second // load after that bound, all of it answered
)

// TestPostgresRestartUnderLoad stops a PostgreSQL server of its own (a fast shutdown: sessions ended,
// transactions rolled back) while writers and readers hit the dashboard over HTTP, keeps the load
// going while it is down, starts it again, and checks: while it is down every answer is 503
// DATABASE_UNAVAILABLE with Retry-After; within restartRecovery of it being back every answer is a
// 2xx again (or the 4xx a refused write expects); no acknowledged write is lost, no refused or bulk
// write left a trace or half of itself (the load test's model). It logs the time to recover.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := pgserver.Start(t)
	db, d, err := dialect.Open(pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := newAuthFixture(t, db, d)
	srv := httptest.NewServer(f.api)
	defer srv.Close()
	r := newLoadRun(t, srv, f.as(superName), db, d)

	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		r.run(6, 2, stop)
	}()
	time.Sleep(restartWarmUp)
	if err := pg.Stop(); err != nil {
		close(stop)
		<-done
		t.Fatal(err)
	}
	down := time.Now()
	time.Sleep(restartDown)
	startBegin := time.Now()
	if err := pg.Start(); err != nil {
		close(stop)
		<-done
		t.Fatal(err)
	}
	up := time.Now()
	time.Sleep(restartRecovery + restartSteady)
	close(stop)
	<-done
	tot := r.report("postgres restart", time.Since(up.Add(-restartWarmUp-restartDown)))

	r.mu.Lock()
	defer r.mu.Unlock()
	outcomes := r.outcomes
	sort.Slice(outcomes, func(i, j int) bool { return outcomes[i].start.Before(outcomes[j].start) })
	var whileDown, afterBound, failures int
	fail := func(format string, args ...any) {
		if failures++; failures <= 10 {
			t.Errorf(format, args...)
		}
	}
	var firstOK, last503 time.Duration = -1, 0
	for _, o := range outcomes {
		switch {
		case !o.start.Before(down) && !o.end.After(startBegin):
			whileDown++
			if !o.unavailable() {
				fail("%s (%.100s) while the server was down: %d %s (Retry-After %q, %v), want 503 DATABASE_UNAVAILABLE with Retry-After", o.op, o.path, o.status, o.code, o.retryAfter, o.err)
			}
		case !o.start.Before(up):
			if o.ok() && firstOK < 0 {
				firstOK = o.end.Sub(up)
			}
			if !o.ok() && (o.status >= 500 || o.status == 0) {
				last503 = max(last503, o.end.Sub(up))
				if o.start.Sub(up) >= restartRecovery {
					fail("%s (%.100s) started %s after the server was back: %d %s (%v), want it served", o.op, o.path, o.start.Sub(up).Round(time.Millisecond), o.status, o.code, o.err)
				}
			}
			if o.start.Sub(up) >= restartRecovery {
				afterBound++
			}
		}
	}
	t.Logf("server down for %s (pg_ctl start took %s more); %d requests while it was down, all checked for 503; after it was back: first 2xx %s later, last 503 answered %s later; %d requests after the %s bound; 503 in all: %d",
		startBegin.Sub(down).Round(time.Millisecond), up.Sub(startBegin).Round(time.Millisecond), whileDown,
		firstOK.Round(time.Millisecond), last503.Round(time.Millisecond), afterBound, restartRecovery, tot.unavailable)
	if failures > 10 {
		t.Errorf("... %d failures in all", failures)
	}
	if whileDown < 20 {
		t.Errorf("only %d requests were made while the server was down: the test proves little", whileDown)
	}
	if firstOK < 0 {
		t.Error("no request was served after the server was back")
	}
	if afterBound < 100 {
		t.Errorf("only %d requests after the recovery bound: the test proves little", afterBound)
	}
}
