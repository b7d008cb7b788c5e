package main

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// The dashboard's to-many relations are listed under their object with the related resource's whole
// list machinery, and a scoped user sees only what lies in their region there too.
func TestDashboardSubResources(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		count := func(query string, args ...any) int64 { return f.scalar(t, query, args...) }
		region := f.locationID(t, scopedTop)
		var ind, camp int64
		if err := db.QueryRow(`SELECT indicator_id, campaign_id FROM datapoint WHERE campaign_id IS NOT NULL ORDER BY id LIMIT 1`).Scan(&ind, &camp); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			user string
			url  string
			want int64
		}{
			{"a location's children", superName, fmt.Sprintf("/api/v1/location/%d/children/", region),
				count("SELECT count(*) FROM location WHERE parent_location_id = ?", region)},
			{"an indicator's datapoints in a campaign", superName, fmt.Sprintf("/api/v1/indicator/%d/datapoints/?campaign_id=%d", ind, camp),
				count("SELECT count(*) FROM datapoint WHERE indicator_id = ? AND campaign_id = ?", ind, camp)},
			{"a region's children, for a user confined to it", scopedName, fmt.Sprintf("/api/v1/location/%d/children/", region),
				count("SELECT count(*) FROM location WHERE parent_location_id = ?", region)},
			{"the country's children, for a user confined to a region: the country is not theirs", scopedName,
				fmt.Sprintf("/api/v1/location/%d/children/", f.locationID(t, "AF")), -1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := serve(t, f.api, "GET", tt.url, f.as(tt.user), "")
				if tt.want == -1 {
					if a.status != 404 || a.code() != "OBJECT_DOES_NOT_EXIST" {
						t.Fatalf("%d %s", a.status, a.raw)
					}
					return
				}
				if a.status != 200 {
					t.Fatalf("%d %s", a.status, a.raw)
				}
				meta := a.body["meta"].(map[string]any)
				if got := fmt.Sprint(meta["total_count"]); got != fmt.Sprint(tt.want) || tt.want == 0 {
					t.Errorf("total_count %s, want %d", got, tt.want)
				}
			})
		}
	})
}
