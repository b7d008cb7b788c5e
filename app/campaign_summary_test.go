package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// The campaign summary endpoint answers the counts and aggregates direct SQL finds, for a campaign
// the user may read, and 404 for one outside the user's location.
func TestCampaignSummary(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		s := newScopeIDs(t, f)
		// The aggregates of the tested campaigns, as agg_refresh computes them.
		for _, id := range []int64{s.campIn, s.campOut} {
			tx, err := dialect.NewDB(db, d).BeginTx(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := aggregateCampaign(context.Background(), tx, d, id); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		aggregates := 0
		for _, c := range []struct {
			user   string
			id     int64
			status int
		}{
			{scopedName, s.campIn, 200},
			{scopedName, s.campOut, 404},
			{superName, s.campOut, 200},
			{"", s.campIn, 401},
		} {
			url := fmt.Sprintf("/api/v1/campaign/%d/summary/", c.id)
			auth := ""
			if c.user != "" {
				auth = f.as(c.user)
			}
			a := serve(t, f.api, "GET", url, auth, "")
			if a.status != c.status {
				t.Fatalf("%s as %q: %d %s", url, c.user, a.status, a.raw)
			}
			if c.status != 200 {
				continue
			}
			var got campaignSummary
			if err := json.Unmarshal([]byte(a.raw), &got); err != nil {
				t.Fatal(err)
			}
			want := campaignSummary{
				Datapoints: f.scalar(t, "SELECT count(*) FROM datapoint WHERE campaign_id = ?", c.id),
				Locations:  f.scalar(t, "SELECT count(DISTINCT location_id) FROM datapoint WHERE campaign_id = ?", c.id),
			}
			if err := db.QueryRow(d.Rebind("SELECT name FROM campaign WHERE id = ?"), c.id).Scan(&want.Campaign); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(d.Rebind(`SELECT a.indicator_id, i.short_name, a.value FROM agg_datapoint a, indicator i, campaign c
				WHERE i.id = a.indicator_id AND c.id = a.campaign_id AND a.location_id = c.top_lvl_location_id AND c.id = ? ORDER BY 1`), c.id)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var ia indicatorAggregate
				if err := rows.Scan(&ia.IndicatorID, &ia.ShortName, &ia.Value); err != nil {
					t.Fatal(err)
				}
				want.Indicators = append(want.Indicators, ia)
			}
			rows.Close()
			if want.Datapoints == 0 {
				t.Fatalf("campaign %d has no datapoints: the test proves nothing", c.id)
			}
			aggregates += len(want.Indicators)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s:\n got %+v\nwant %+v", url, got, want)
			}
		}
		if aggregates == 0 {
			t.Errorf("no campaign tested has aggregates: the test proves nothing")
		}
	})
}
