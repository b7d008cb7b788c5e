package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// What a user confined to a region can learn through relations (issue 9, finding 10): a filter, an
// ordering, a query field or an expansion through a relation reaches only the related rows the user may
// read. Each answer is compared with a direct query of what the user may see.
func TestConfinedRelations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		s := newScopeIDs(t, f)
		var parentName, campOutName string
		if err := db.QueryRow(d.Rebind(`SELECT p.name FROM location AS l JOIN location AS p ON p.id = l.parent_location_id WHERE l.id = ?`), s.top).Scan(&parentName); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(d.Rebind(`SELECT name FROM campaign WHERE id = ?`), s.campOut).Scan(&campOutName); err != nil {
			t.Fatal(err)
		}
		// Datapoints of the region that belong to a campaign outside it: they are the user's rows, the
		// campaign is not.
		dpOfCampOut := f.idList(t, `SELECT id FROM datapoint WHERE campaign_id = ? AND location_id IN (`+underSQL+`) ORDER BY id`, s.campOut, scopedTop)
		if len(dpOfCampOut) == 0 {
			t.Fatalf("no datapoint of %s belongs to campaign %d: the test needs some", scopedTop, s.campOut)
		}
		allOfCampOut := f.idList(t, `SELECT d.id FROM datapoint AS d JOIN campaign AS c ON c.id = d.campaign_id WHERE c.name = ? ORDER BY d.id`, campOutName)
		ids := func(user, path string) []int64 {
			t.Helper()
			got, _ := listIDs(t, f, f.as(user), path)
			return got
		}
		first := url.QueryEscape(parentName[:1])
		tests := []struct {
			name, path string
			scoped     []int64 // what the confined user gets
			super      []int64 // what a superuser gets; nil: not asked
		}{
			{"the top location's parent, letter by letter", fmt.Sprintf("/api/v1/location/?id=%d&parent_location__name__startswith=%s", s.top, first), nil, []int64{s.top}},
			{"the parent's exact name", fmt.Sprintf("/api/v1/location/?id=%d&parent_location__name=%s", s.top, url.QueryEscape(parentName)), nil, []int64{s.top}},
			{"the parent as unknown", fmt.Sprintf("/api/v1/location/?id=%d&parent_location__name__isnull=true", s.top), []int64{s.top}, []int64{}},
			{"datapoints by an outside campaign's name", "/api/v1/datapoint/?campaign__name=" + url.QueryEscape(campOutName), nil, allOfCampOut},
			{"datapoints by the campaign's own key still match", fmt.Sprintf("/api/v1/datapoint/?campaign_id=%d", s.campOut), dpOfCampOut, allOfCampOut},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(scopedName, tt.path+"&format=json"); !slices.Equal(got, tt.scoped) {
					t.Errorf("%s: %v, want %v", scopedName, head(got), head(tt.scoped))
				}
				if tt.super != nil {
					if got := ids(superName, tt.path+"&format=json"); !slices.Equal(got, tt.super) {
						t.Errorf("%s: %v, want %v", superName, got, tt.super)
					}
				}
			})
		}
		// Expansions: the parent of the top location and the outside campaign show as null.
		a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/location/%d/?depth=1", s.top), f.as(scopedName), "")
		if a.status != 200 || a.body["parent_location"] != nil || fmt.Sprint(a.body["parent_location_id"]) != fmt.Sprint(s.root) {
			t.Errorf("the top location expanded: %d %s", a.status, a.raw)
		}
		a = serve(t, f.api, "GET", fmt.Sprintf("/api/v1/datapoint/%d/?depth=1", dpOfCampOut[0]), f.as(scopedName), "")
		if a.status != 200 || a.body["campaign"] != nil || a.body["location"] == nil {
			t.Errorf("a datapoint expanded: %d %s", a.status, a.raw)
		}
		a = serve(t, f.api, "GET", fmt.Sprintf("/api/v1/datapoint/%d/?depth=1", dpOfCampOut[0]), f.as(superName), "")
		if a.status != 200 || a.body["campaign"] == nil {
			t.Errorf("a datapoint expanded for a superuser: %d %s", a.status, a.raw)
		}
		// campaign_datapoint's campaign__name of the outside campaign: null for the confined user.
		if got := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/agg_refresh/?campaign_id=%d&limit=1", s.campOut), f.as(superName), ""); got.status != 200 {
			t.Fatalf("agg_refresh: %d %s", got.status, got.raw)
		}
		agg := f.scalar(t, `SELECT min(id) FROM agg_datapoint WHERE campaign_id = ? AND location_id IN (`+underSQL+`)`, s.campOut, scopedTop)
		ind := f.scalar(t, `SELECT indicator_id FROM agg_datapoint WHERE id = ?`, agg)
		view := fmt.Sprintf("/api/v1/campaign_datapoint/?campaign__in=%d&indicator__in=%d&id=%d", s.campOut, ind, agg)
		for user, want := range map[string]any{scopedName: nil, superName: campOutName} {
			a := serve(t, f.api, "GET", view, f.as(user), "")
			if objs := a.objects(); a.status != 200 || len(objs) != 1 || objs[0]["campaign__name"] != want || objs[0]["location__name"] == nil {
				t.Errorf("campaign_datapoint as %s: %d %s", user, a.status, a.raw)
			}
		}
		a = serve(t, f.api, "GET", view+"&order_by=campaign__name&campaign__name__startswith="+url.QueryEscape(campOutName[:1]), f.as(scopedName), "")
		if a.status != 200 || len(a.objects()) != 0 {
			t.Errorf("campaign_datapoint filtered by the hidden name: %d %s", a.status, a.raw)
		}
	})
}

// Runs and triggers are scoped: a non-superuser lists only their own runs; a confined user cannot run
// agg_refresh on a campaign outside their region (the campaign's own 404, no run recorded, nothing
// recomputed) but can on one inside.
func TestConfinedRunsAndTriggers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		s := newScopeIDs(t, f)
		agg := func(user string, campaign int64) answer {
			return serve(t, f.api, "GET", fmt.Sprintf("/api/v1/agg_refresh/?campaign_id=%d&limit=1", campaign), f.as(user), "")
		}
		for _, run := range []struct {
			user     string
			campaign int64
		}{{superName, s.campOut}, {scopedName, s.campIn}, {plainName, s.campOut}} {
			if a := agg(run.user, run.campaign); a.status != 200 {
				t.Fatalf("%s agg_refresh %d: %d %s", run.user, run.campaign, a.status, a.raw)
			}
		}
		before := f.snapshot(t, "agg_datapoint", "processing_run")
		for _, campaign := range []int64{s.campOut, 999999} {
			a := agg(scopedName, campaign)
			want := fmt.Sprintf(`{"code": "OBJECT_DOES_NOT_EXIST", "details": {"key": "%d", "resource": "campaign"}, "error": "No campaign with key \"%d\".", "success": false}`, campaign, campaign)
			if a.status != 404 || a.raw != want {
				t.Errorf("confined agg_refresh of %d: %d %s", campaign, a.status, a.raw)
			}
			if c := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/campaign/%d/", campaign), f.as(scopedName), ""); c.raw != a.raw {
				t.Errorf("the campaign's own page says %s", c.raw)
			}
		}
		if after := f.snapshot(t, "agg_datapoint", "processing_run"); after != before {
			t.Errorf("a refused agg_refresh changed:\n%s\n%s", before, after)
		}
		runsOf := func(user string) []string {
			a := serve(t, f.api, "GET", "/api/v1/processing_run/?order_by=id", f.as(user), "")
			if a.status != 200 {
				t.Fatalf("processing_run as %s: %d %s", user, a.status, a.raw)
			}
			var out []string
			for _, o := range a.objects() {
				out = append(out, fmt.Sprintf("%v %v", o["username"], o["parameters"]))
			}
			return out
		}
		// parameters is a JSON object, decoded as a map.
		all := []string{
			fmt.Sprintf(`%s map[campaign_id:%d]`, superName, s.campOut),
			fmt.Sprintf(`%s map[campaign_id:%d]`, scopedName, s.campIn),
			fmt.Sprintf(`%s map[campaign_id:%d]`, plainName, s.campOut),
		}
		for user, want := range map[string][]string{superName: all, scopedName: all[1:2], plainName: all[2:]} {
			if got := runsOf(user); !slices.Equal(got, want) {
				t.Errorf("runs as %s: %q, want %q", user, got, want)
			}
		}
		superRun := f.scalar(t, `SELECT min(id) FROM processing_run`)
		if a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/processing_run/%d/", superRun), f.as(plainName), ""); a.status != 404 {
			t.Errorf("another's run: %d %s", a.status, a.raw)
		}
		if a := serve(t, f.public, "GET", "/api/v1/processing_run/", "", ""); a.status != 200 || len(a.objects()) != 0 {
			t.Errorf("runs without credentials: %d %s", a.status, a.raw)
		}
	})
}

// A superuser's DELETE of an indicator by filter cascades as the DELETE of the indicator does (through
// the indicator's ObjDelete), instead of a 409.
func TestIndicatorDeleteByFilterCascades(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		id := f.scalar(t, `SELECT min(indicator_id) FROM datapoint`)
		other := f.scalar(t, `SELECT max(indicator_id) FROM datapoint`)
		if id == other {
			t.Fatal("the fixture needs datapoints of two indicators")
		}
		datapoints := func(ind int64) int64 {
			return f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ?`, ind)
		}
		before := datapoints(other)
		if a := serve(t, f.api, "DELETE", fmt.Sprintf("/api/v1/indicator/?id=%d", id), f.as(plainName), ""); a.status != 403 {
			t.Errorf("plain user: %d %s", a.status, a.raw)
		}
		a := serve(t, f.api, "DELETE", fmt.Sprintf("/api/v1/indicator/?id=%d", id), f.as(superName), "")
		if a.status != 200 || a.raw != `{"deleted": 1}` {
			t.Fatalf("superuser: %d %s", a.status, a.raw)
		}
		if n := f.scalar(t, `SELECT count(*) FROM indicator WHERE id = ?`, id); n != 0 || datapoints(id) != 0 || datapoints(other) != before {
			t.Errorf("after: indicator %d, its datapoints %d, another's %d (was %d)", n, datapoints(id), datapoints(other), before)
		}
	})
}

// Conflicts name the fields, the same on both backends, and nothing of the database.
func TestDashboardConflictsNameFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		var short string
		if err := db.QueryRow(`SELECT short_name FROM indicator ORDER BY id LIMIT 1`).Scan(&short); err != nil {
			t.Fatal(err)
		}
		var ind, loc, camp int64
		var date string
		if err := db.QueryRow(`SELECT indicator_id, location_id, campaign_id, data_date FROM datapoint WHERE campaign_id IS NOT NULL ORDER BY id LIMIT 1`).Scan(&ind, &loc, &camp, &date); err != nil {
			t.Fatal(err)
		}
		date = date[:10]
		dp := func(loc int64) string {
			return fmt.Sprintf(`{"indicator_id": %d, "location_id": %d, "campaign_id": %d, "data_date": "%s", "value": 1}`, ind, loc, camp, date)
		}
		const dpMsg = "A datapoint with this indicator_id, location_id, campaign_id and data_date already exists."
		tests := []struct {
			name, method, url, body, want string
		}{
			{"a taken short_name", "POST", "/api/v1/indicator/", `{"short_name": "` + short + `", "name": "x", "data_format": "int"}`,
				`{"code": "CONFLICT", "details": {"fields": {"short_name": "An indicator with this short_name already exists."}}, "error": "An indicator with this short_name already exists.", "success": false}`},
			{"a taken datapoint key", "POST", "/api/v1/datapoint/", dp(loc),
				`{"code": "CONFLICT", "details": {"fields": {"campaign_id": "` + dpMsg + `", "data_date": "` + dpMsg + `", "indicator_id": "` + dpMsg + `", "location_id": "` + dpMsg + `"}}, "error": "` + dpMsg + `", "success": false}`},
			{"a missing location", "POST", "/api/v1/datapoint/", dp(999999),
				`{"code": "CONFLICT", "details": {"fields": {"location_id": "There is no location with key 999999."}}, "error": "location_id: there is no location with key 999999.", "success": false}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := serve(t, f.api, tt.method, tt.url, f.as(superName), tt.body)
				if a.status != 409 || a.raw != tt.want {
					t.Errorf("%d %s\nwant %s", a.status, a.raw, tt.want)
				}
				if strings.Contains(a.raw, "_key") || strings.Contains(a.raw, "fkey") {
					t.Errorf("a constraint name in %s", a.raw)
				}
			})
		}
	})
}
