package main

import (
	"database/sql"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// allocCeilings are the most allocations one request may make, per backend, for the requests
// TestAllocationsPerRequest serves: a little above what they made when the ceiling was set
// (BENCHMARKS.md, issue 15), so that a change adding a per-request cost fails here, loudly. Lower a
// ceiling when a change saves allocations; raise one only with a reason recorded in BENCHMARKS.md.
var allocCeilings = map[string]map[dialect.Name]float64{
	"detail": {dialect.SQLite: 265, dialect.Postgres: 265}, // 241 and 242 on 2026-12-06 (SQLite 259 before its dates were read as text)
	"list20": {dialect.SQLite: 760, dialect.Postgres: 760}, // 688 and 691 on 2026-12-06 (SQLite 875 before)
}

// TestAllocationsPerRequest counts the allocations of an indicator's detail and of a page of 20
// indicators, served with an API key as `app serve` serves them (the whole process's allocations,
// the key's check included), and fails when a count passes its ceiling (issue 15's regression guard:
// counted, not timed, so that it holds on a loaded machine).
func TestAllocationsPerRequest(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		id := f.scalar(t, `SELECT min(id) FROM indicator`)
		for _, c := range []struct{ name, url string }{
			{"detail", fmt.Sprintf("/api/v1/indicator/%d/", id)},
			{"list20", "/api/v1/indicator/?limit=20"},
		} {
			t.Run(c.name, func(t *testing.T) {
				req := httptest.NewRequest("GET", c.url, nil)
				req.Header.Set("Authorization", f.as(superName))
				status := 0
				do := func() {
					rec := httptest.NewRecorder()
					f.api.ServeHTTP(rec, req)
					if rec.Code != 200 && status == 0 {
						status = rec.Code
					}
				}
				do() // the key's first check (and its last use) is not what is counted
				n := testing.AllocsPerRun(50, do)
				if status != 0 {
					t.Fatalf("GET %s: status %d, want 200", c.url, status)
				}
				ceiling := allocCeilings[c.name][d.Name()]
				t.Logf("GET %s: %.0f allocations a request (ceiling %.0f)", c.url, n, ceiling)
				if n > ceiling {
					t.Errorf("GET %s makes %.0f allocations a request, more than its ceiling %.0f: find the new per-request cost (go test ./app -run TestAllocationsPerRequest -v; BENCHMARKS.md, issue 15)", c.url, n, ceiling)
				}
			})
		}
	})
}
