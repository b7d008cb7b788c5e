package main

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// Deleting an indicator removes its datapoints, aggregated datapoints and calculations with it, in
// one transaction, and only for a superuser: anyone else's attempt changes nothing.
func TestIndicatorDeleteCascades(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		count := func(query string, args ...any) int64 { return f.scalar(t, query, args...) }
		// A component of a calculation, with datapoints of its own and an aggregate.
		var id int64
		if err := db.QueryRow(`SELECT component_id FROM indicator_calculation ORDER BY id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		var camp, loc int64
		if err := db.QueryRow(d.Rebind(`SELECT campaign_id, location_id FROM datapoint WHERE indicator_id = ? AND campaign_id IS NOT NULL LIMIT 1`), id).Scan(&camp, &loc); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(d.Rebind(`INSERT INTO agg_datapoint (campaign_id, location_id, indicator_id, value) VALUES (?, ?, ?, 1)`), camp, loc, id); err != nil {
			t.Fatal(err)
		}
		dependents := func() [3]int64 {
			return [3]int64{
				count("SELECT count(*) FROM datapoint WHERE indicator_id = ?", id),
				count("SELECT count(*) FROM agg_datapoint WHERE indicator_id = ?", id),
				count("SELECT count(*) FROM indicator_calculation WHERE indicator_id = ? OR component_id = ?", id, id),
			}
		}
		before := dependents()
		if before[0] == 0 || before[1] == 0 || before[2] == 0 {
			t.Fatalf("the fixture has no dependents to cascade: %v", before)
		}
		url := fmt.Sprintf("/api/v1/indicator/%d/", id)

		a := serve(t, f.api, "DELETE", url, f.as(plainName), "")
		if a.status != 403 || a.code() != "FORBIDDEN" {
			t.Fatalf("plain user: %d %s", a.status, a.raw)
		}
		if got := dependents(); got != before || count("SELECT count(*) FROM indicator WHERE id = ?", id) != 1 {
			t.Fatalf("a refused delete changed %v into %v", before, got)
		}

		a = serve(t, f.api, "DELETE", url, f.as(superName), "")
		if a.status != 204 {
			t.Fatalf("superuser: %d %s", a.status, a.raw)
		}
		if got := dependents(); got != [3]int64{} || count("SELECT count(*) FROM indicator WHERE id = ?", id) != 0 {
			t.Errorf("left after the delete: %v", got)
		}
		if a := serve(t, f.api, "DELETE", "/api/v1/indicator/999999/", f.as(superName), ""); a.status != 404 {
			t.Errorf("a missing indicator: %d %s", a.status, a.raw)
		}
	})
}
