package main

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// The datapoint resource exports every matching row as CSV, beyond the max limit of a JSON page, with
// the user's scope applied; other resources page their CSV as JSON.
func TestDatapointCSVExport(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		export := func(user, url string) (int, [][]string) {
			t.Helper()
			req := httptest.NewRequest("GET", url, nil)
			if user != "" {
				req.Header.Set("Authorization", f.as(user))
			}
			rec := httptest.NewRecorder()
			f.api.ServeHTTP(rec, req)
			if rec.Code != 200 {
				return rec.Code, nil
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Fatalf("%s: Content-Type %q", url, ct)
			}
			records, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			return rec.Code, records
		}
		total := f.scalar(t, "SELECT count(*) FROM datapoint")
		if total <= 1000 {
			t.Fatalf("the small data has %d datapoints, not more than the max limit", total)
		}
		status, all := export(superName, "/api/v1/datapoint/?format=csv")
		if status != 200 || int64(len(all)) != total+1 {
			t.Fatalf("every datapoint: %d, %d records, want %d rows and the header", status, len(all), total)
		}
		if got := strings.Join(all[0], ","); got != "id,indicator_id,location_id,campaign_id,data_date,value,source_submission_id,created_at,resource_uri" {
			t.Errorf("header %s", got)
		}
		var camp int64
		if err := db.QueryRow(`SELECT campaign_id FROM datapoint WHERE campaign_id IS NOT NULL ORDER BY id LIMIT 1`).Scan(&camp); err != nil {
			t.Fatal(err)
		}
		want := f.scalar(t, "SELECT count(*) FROM datapoint WHERE campaign_id = ?", camp)
		_, rows := export(superName, fmt.Sprintf("/api/v1/datapoint/?format=csv&campaign_id=%d&order_by=-id", camp))
		first, _ := strconv.Atoi(rows[1][0])
		second, _ := strconv.Atoi(rows[2][0])
		if int64(len(rows)) != want+1 || rows[1][3] != fmt.Sprint(camp) || first <= second {
			t.Errorf("a campaign's datapoints: %d records, want %d rows and the header; first %v", len(rows), want, rows[1:min(3, len(rows))])
		}
		// A user confined to a region exports what their JSON list counts, and no more.
		a := serve(t, f.api, "GET", "/api/v1/datapoint/?limit=1", f.as(scopedName), "")
		scoped := fmt.Sprint(a.body["meta"].(map[string]any)["total_count"])
		_, mine := export(scopedName, "/api/v1/datapoint/?format=csv")
		if fmt.Sprint(len(mine)-1) != scoped || int64(len(mine)-1) >= total {
			t.Errorf("scoped export: %d rows, JSON counts %s of %d", len(mine)-1, scoped, total)
		}
		// Other resources keep their pages.
		if _, locs := export(superName, "/api/v1/location/?format=csv"); len(locs) != 21 {
			t.Errorf("location CSV: %d records, want the header and a page of 20", len(locs))
		}
		// Without credentials: the JSON 401 with its challenge.
		req := httptest.NewRequest("GET", "/api/v1/datapoint/?format=csv", nil)
		rec := httptest.NewRecorder()
		f.api.ServeHTTP(rec, req)
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"NOT_AUTHENTICATED"`) || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("anonymous: %d %v %s", rec.Code, rec.Header(), rec.Body.String())
		}
	})
}
