package main

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/tastygo/tastygo/auth/sqlstore"
	"slices"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// A key seen before serves reads while its row is read again beside them (auth.KeyMemo): what the
// store says at the time of the request still decides. A user moved to another region reads the new
// region at the next request; a key revoked in another process cannot start a processing run, nor
// learn whether an object exists.
func TestKeyCheckedBesideTheRead(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		ids := func(a answer) []int64 {
			var out []int64
			for _, o := range a.objects() {
				var id int64
				fmt.Sscan(fmt.Sprint(o["id"]), &id)
				out = append(out, id)
			}
			slices.Sort(out)
			return out
		}
		underRegion := func(code string) []int64 {
			rows, err := db.Query(d.Rebind(`WITH RECURSIVE sub(id) AS (
				SELECT id FROM location WHERE location_code = ?
				UNION ALL SELECT l.id FROM location l JOIN sub ON l.parent_location_id = sub.id)
				SELECT id FROM sub ORDER BY id`), code)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			return out
		}
		const list = "/api/v1/location/?limit=0&order_by=id"
		r1, r2 := underRegion(scopedTop), underRegion("AF-R02")
		if len(r1) == 0 || len(r2) == 0 {
			t.Fatalf("the regions hold %d and %d locations", len(r1), len(r2))
		}

		for range 2 { // the second read is served on the remembered key
			a := serve(t, f.api, "GET", list, f.as(scopedName), "")
			checkStatus(t, "before the move", a, 200, "")
			if got := ids(a); !slices.Equal(got, r1) {
				t.Fatalf("before the move: %v, want %v", got, r1)
			}
		}
		// Moved through the store, which tells every server (a change by hand in SQL would reach a
		// server that remembers the key within auth.KeyCacheMaxAge: README, "Operating it").
		var region int64
		if err := db.QueryRow(d.Rebind(`SELECT id FROM location WHERE location_code = ?`), "AF-R02").Scan(&region); err != nil {
			t.Fatal(err)
		}
		if err := newUserStore(db, d, nil).ChangeUser(context.Background(), scopedName,
			sqlstore.UserChange{Columns: map[string]any{"top_level_location_id": region}}); err != nil {
			t.Fatal(err)
		}
		a := serve(t, f.api, "GET", list, f.as(scopedName), "")
		checkStatus(t, "after the move", a, 200, "")
		if got := ids(a); !slices.Equal(got, r2) {
			t.Fatalf("the read after the move shows %v, want the new region's %v", got, r2)
		}

		// Revoked by another process (the command, on the database) after this API remembered the key.
		checkStatus(t, "remembered", serve(t, f.api, "GET", "/api/v1/campaign/?limit=1", f.as(plainName), ""), 200, "")
		if _, err := revokeUserKeys(context.Background(), db, d, plainName); err != nil {
			t.Fatal(err)
		}
		before := f.snapshot(t, "agg_datapoint", "processing_run")
		campaign := f.scalar(t, `SELECT min(id) FROM campaign`)
		for _, path := range []string{
			fmt.Sprintf("/api/v1/agg_refresh/?campaign_id=%d", campaign),
			"/api/v1/indicator/99999999/",
			"/api/v1/location/1/children/",
			"/api/v1/datapoint/?format=csv",
			"/api/v1/indicator/schema/",
		} {
			checkStatus(t, path, serve(t, f.api, "GET", path, f.as(plainName), ""), 401, "revoked")
		}
		if after := f.snapshot(t, "agg_datapoint", "processing_run"); after != before {
			t.Error("a revoked key's read started a processing run")
		}
	})
}
