package main

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// viewRow is one object of campaign_datapoint or date_datapoint as the tests compare it: the id, the
// value, and the query fields' values.
type viewRow struct {
	id    int64
	value float64
	names string // the query fields' values, joined by "|"
}

// viewRowsSQL runs the tests' own answer: a query of id, value and the names, in id order.
func viewRowsSQL(t *testing.T, f *authFixture, query string, args ...any) []viewRow {
	t.Helper()
	rows, err := f.db.Query(f.d.Rebind(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []viewRow
	for rows.Next() {
		var r viewRow
		names := make([]string, len(cols)-2)
		dest := []any{&r.id, &r.value}
		for i := range names {
			dest = append(dest, &names[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		r.names = strings.Join(names, "|")
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// viewRowsAPI reads every page of a list in id order and returns its objects as viewRows (the query
// fields named by fields) and the total_count.
func viewRowsAPI(t *testing.T, f *authFixture, authorization, url string, fields ...string) ([]viewRow, int64) {
	t.Helper()
	var out []viewRow
	for offset := 0; ; offset += 1000 {
		a := serve(t, f.api, "GET", fmt.Sprintf("%s&limit=1000&offset=%d&order_by=id", url, offset), authorization, "")
		if a.status != 200 {
			t.Fatalf("GET %s: %d %s", url, a.status, a.raw)
		}
		objs := a.objects()
		for _, o := range objs {
			var r viewRow
			r.id, _ = strconv.ParseInt(fmt.Sprint(o["id"]), 10, 64)
			r.value, _ = strconv.ParseFloat(fmt.Sprint(o["value"]), 64)
			var names []string
			for _, name := range fields {
				names = append(names, fmt.Sprint(o[name]))
			}
			r.names = strings.Join(names, "|")
			out = append(out, r)
		}
		if len(objs) < 1000 {
			meta, _ := a.body["meta"].(map[string]any)
			total, err := strconv.ParseInt(fmt.Sprint(meta["total_count"]), 10, 64)
			if err != nil {
				t.Fatalf("GET %s: total_count %v", url, meta["total_count"])
			}
			return out, total
		}
	}
}

// joinIDs is ids as a comma-separated list, for a parameter.
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// inList is "?, ?, ..." for n values, and the values as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// viewCase is one list request of a view and the location set (SQL, arguments) its location
// parameters select; an empty set means every location.
type viewCase struct {
	name, params string
	set          string
	args         []any
}

// viewLocationCases are the location parameters the view tests try, on the small demo data.
func viewLocationCases(t *testing.T, f *authFixture) []viewCase {
	country := f.scalar(t, `SELECT min(id) FROM location WHERE parent_location_id IS NULL`)
	region := f.locationID(t, scopedTop)
	district := f.scalar(t, `SELECT id FROM location_type WHERE name = 'District'`)
	leaves := f.idList(t, `SELECT id FROM location WHERE location_type_id = 5 ORDER BY id LIMIT 3`)
	in, inArgs := inList(leaves)
	return []viewCase{
		{"no location parameter", "", "", nil},
		{"country depth 2", fmt.Sprintf("location_id=%d&location_depth=2", country), atDepthSQL, []any{country, 2}},
		{"country depth 4", fmt.Sprintf("location_id=%d&location_depth=4", country), atDepthSQL, []any{country, 4}},
		{"region", fmt.Sprintf("location_id=%d", region), `SELECT id FROM location WHERE id = ?`, []any{region}},
		{"districts of the region", fmt.Sprintf("location_id=%d&location_type=district", region),
			`SELECT id FROM location WHERE location_type_id = ? AND id IN (` + underIDSQL + `)`, []any{district, region}},
		{"in", "location_id__in=" + joinIDs(leaves), `SELECT id FROM location WHERE id IN (` + in + `)`, inArgs},
	}
}

// TestCampaignDatapoint lists campaign_datapoint (agg_datapoint, filled by agg_refresh for every
// campaign of the small demo data) with the required parameters and each kind of location parameter,
// as a superuser and as a user confined to a region, and compares ids, total_count, values and the
// query fields with a direct SQL answer.
func TestCampaignDatapoint(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		campaigns := f.idList(t, `SELECT id FROM campaign ORDER BY id`)
		for _, c := range campaigns {
			if a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/agg_refresh/?campaign_id=%d&limit=1", c), f.as(superName), ""); a.status != 200 {
				t.Fatalf("agg_refresh %d: %d %s", c, a.status, a.raw)
			}
		}
		camps := campaigns[:2]
		inds := f.idList(t, `SELECT indicator_id FROM agg_datapoint WHERE campaign_id = ? GROUP BY indicator_id ORDER BY count(*) DESC, indicator_id LIMIT 3`, camps[0])
		if len(inds) < 3 {
			t.Fatalf("agg_refresh left %d indicators with aggregates: the test needs 3", len(inds))
		}
		campIn, campArgs := inList(camps)
		indIn, indArgs := inList(inds)
		base := `SELECT a.id, a.value, l.name, i.short_name, c.name FROM agg_datapoint AS a
			JOIN location AS l ON l.id = a.location_id JOIN indicator AS i ON i.id = a.indicator_id JOIN campaign AS c ON c.id = a.campaign_id
			WHERE a.campaign_id IN (` + campIn + `) AND a.indicator_id IN (` + indIn + `)`
		fields := []string{"location__name", "indicator__short_name", "campaign__name"}
		required := fmt.Sprintf("campaign__in=%s&indicator__in=%s", joinIDs(camps), joinIDs(inds))
		for _, c := range viewLocationCases(t, f) {
			t.Run(c.name, func(t *testing.T) {
				query, args := base, append(append([]any{}, campArgs...), indArgs...)
				if c.set != "" {
					query += ` AND a.location_id IN (` + c.set + `)`
					args = append(args, c.args...)
				}
				want := viewRowsSQL(t, f, query+` ORDER BY a.id`, args...)
				if len(want) == 0 {
					t.Fatalf("no aggregates for %s: the test needs some", c.params)
				}
				url := "/api/v1/campaign_datapoint/?" + required + "&" + c.params
				got, total := viewRowsAPI(t, f, f.as(superName), url, fields...)
				if !slices.Equal(got, want) || total != int64(len(want)) {
					t.Errorf("%s: got %d (total_count %d) %v, want %d %v", url, len(got), total, got[:min(len(got), 3)], len(want), want[:min(len(want), 3)])
				}
				// A user confined to the region sees the part of that under the region, and the name of
				// a campaign only when they may read the campaign (one of the region or under it).
				scopedQuery := strings.Replace(query, "c.name FROM", "COALESCE(CASE WHEN c.top_lvl_location_id IN ("+underSQL+") THEN c.name END, '<nil>') FROM", 1)
				scopedArgs := append(append([]any{scopedTop}, args...), scopedTop)
				scopedWant := viewRowsSQL(t, f, scopedQuery+` AND a.location_id IN (`+underSQL+`) ORDER BY a.id`, scopedArgs...)
				got, total = viewRowsAPI(t, f, f.as(scopedName), url, fields...)
				if !slices.Equal(got, scopedWant) || total != int64(len(scopedWant)) {
					t.Errorf("%s as %s: got %d (total_count %d), want %d", url, scopedName, len(got), total, len(scopedWant))
				}
			})
		}
		// The scope on its own: some of the aggregates, not all; a detail outside it is a 404.
		all := viewRowsSQL(t, f, base+` ORDER BY a.id`, append(campArgs, indArgs...)...)
		under := viewRowsSQL(t, f, base+` AND a.location_id IN (`+underSQL+`) ORDER BY a.id`, append(append(campArgs, indArgs...), scopedTop)...)
		if len(under) == 0 || len(under) == len(all) {
			t.Fatalf("%d of %d aggregates under %s: the test needs some, not all", len(under), len(all), scopedTop)
		}
		outside := f.scalar(t, `SELECT min(id) FROM agg_datapoint WHERE location_id NOT IN (`+underSQL+`)`, scopedTop)
		if a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/campaign_datapoint/%d/", outside), f.as(scopedName), ""); a.status != 404 {
			t.Errorf("a detail outside the scope: %d %s, want 404", a.status, a.raw)
		}
		if a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/campaign_datapoint/%d/", outside), f.as(superName), ""); a.status != 200 || fmt.Sprint(a.body["id"]) != fmt.Sprint(outside) || a.body["campaign__name"] == nil {
			t.Errorf("a detail: %d %s", a.status, a.raw)
		}
		// Ordinary filters combine with the required ones.
		got, _ := viewRowsAPI(t, f, f.as(superName), "/api/v1/campaign_datapoint/?"+required+"&location__name__icontains=a&value__gt=0", fields...)
		want := viewRowsSQL(t, f, base+` AND lower(l.name) LIKE '%a%' AND a.value > 0 ORDER BY a.id`, append(campArgs, indArgs...)...)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("with filters: got %d, want %d", len(got), len(want))
		}
	})
}

// TestDateDatapoint lists date_datapoint with the required parameters and each kind of location
// parameter, as a superuser and as a confined user, against a direct SQL answer.
func TestDateDatapoint(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		inds := f.idList(t, `SELECT indicator_id FROM datapoint GROUP BY indicator_id ORDER BY count(*) DESC, indicator_id LIMIT 2`)
		indIn, indArgs := inList(inds)
		// The demo data's campaigns of February and March: some dates, not all (checked below).
		from, to := "2023-02-01", "2023-03-31"
		base := `SELECT p.id, p.value, l.name, i.short_name FROM datapoint AS p
			JOIN location AS l ON l.id = p.location_id JOIN indicator AS i ON i.id = p.indicator_id
			WHERE p.indicator_id IN (` + indIn + `) AND p.data_date >= ? AND p.data_date <= ?`
		baseArgs := append(append([]any{}, indArgs...), from, to)
		everyDate := f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id IN (`+indIn+`)`, indArgs...)
		if n := len(viewRowsSQL(t, f, base, baseArgs...)); n == 0 || int64(n) == everyDate {
			t.Fatalf("%d of %d datapoints between %s and %s: the test needs some, not all", n, everyDate, from, to)
		}
		fields := []string{"location__name", "indicator__short_name"}
		required := fmt.Sprintf("indicator__in=%s&data_date__gte=%s&data_date__lte=%s", joinIDs(inds), from, to)
		for _, c := range viewLocationCases(t, f) {
			t.Run(c.name, func(t *testing.T) {
				query, args := base, slices.Clone(baseArgs)
				if c.set != "" {
					query += ` AND p.location_id IN (` + c.set + `)`
					args = append(args, c.args...)
				}
				want := viewRowsSQL(t, f, query+` ORDER BY p.id`, args...)
				url := "/api/v1/date_datapoint/?" + required + "&" + c.params
				got, total := viewRowsAPI(t, f, f.as(superName), url, fields...)
				if !slices.Equal(got, want) || total != int64(len(want)) {
					t.Errorf("%s: got %d (total_count %d), want %d", url, len(got), total, len(want))
				}
				scopedWant := viewRowsSQL(t, f, query+` AND p.location_id IN (`+underSQL+`) ORDER BY p.id`, append(args, scopedTop)...)
				got, total = viewRowsAPI(t, f, f.as(scopedName), url, fields...)
				if !slices.Equal(got, scopedWant) || total != int64(len(scopedWant)) {
					t.Errorf("%s as %s: got %d (total_count %d), want %d", url, scopedName, len(got), total, len(scopedWant))
				}
			})
		}
		// Relations still resolve to datapoint's resources (the table is datapoint's first), and
		// location's datapoints are still datapoint's.
		a := serve(t, f.api, "GET", "/api/v1/date_datapoint/?"+required+"&depth=1&limit=1", f.as(superName), "")
		objs := a.objects()
		if a.status != 200 || len(objs) != 1 {
			t.Fatalf("depth=1: %d %s", a.status, a.raw)
		}
		if loc, _ := objs[0]["location"].(map[string]any); loc == nil || !strings.HasPrefix(fmt.Sprint(loc["resource_uri"]), "/api/v1/location/") {
			t.Errorf("depth=1: location %v", objs[0]["location"])
		}
		if !strings.HasPrefix(fmt.Sprint(objs[0]["resource_uri"]), "/api/v1/date_datapoint/") {
			t.Errorf("resource_uri %v", objs[0]["resource_uri"])
		}
		a = serve(t, f.api, "GET", fmt.Sprintf("/api/v1/location/%v/datapoints/?limit=1", objs[0]["location_id"]), f.as(superName), "")
		if objs := a.objects(); a.status != 200 || len(objs) != 1 || !strings.HasPrefix(fmt.Sprint(objs[0]["resource_uri"]), "/api/v1/datapoint/") {
			t.Errorf("location's datapoints: %d %s", a.status, a.raw)
		}
	})
}

// TestViewsRequiredParamsAndMethods: a GET without the required parameters is a 400
// MISSING_PARAMETER naming each missing one; every method but GET is a 405.
func TestViewsRequiredParamsAndMethods(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		if a := serve(t, f.api, "GET", "/api/v1/agg_refresh/?campaign_id=1&limit=1", f.as(superName), ""); a.status != 200 {
			t.Fatalf("agg_refresh: %d %s", a.status, a.raw)
		}
		for _, c := range []struct {
			resource, query string
			missing         []string
		}{
			{"campaign_datapoint", "", []string{"campaign__in", "indicator__in"}},
			{"campaign_datapoint", "campaign__in=1", []string{"indicator__in"}},
			{"campaign_datapoint", "indicator__in=1&location_id=1&location_depth=2", []string{"campaign__in"}},
			{"campaign_datapoint", "campaign=1&indicator=1", []string{"campaign__in", "indicator__in"}},
			{"date_datapoint", "", []string{"indicator__in", "data_date__gte", "data_date__lte"}},
			{"date_datapoint", "indicator__in=1&data_date__gte=2023-01-01", []string{"data_date__lte"}},
			{"date_datapoint", "data_date__lte=2023-01-01&data_date__gte=2023-01-01&location_id=1", []string{"indicator__in"}},
		} {
			a := serve(t, f.api, "GET", "/api/v1/"+c.resource+"/?"+c.query, f.as(superName), "")
			details, _ := a.body["details"].(map[string]any)
			if a.status != 400 || a.code() != "MISSING_PARAMETER" || details["parameter"] != c.missing[0] || fmt.Sprint(details["missing"]) != fmt.Sprint(c.missing) {
				t.Errorf("GET %s/?%s: %d %s, want 400 MISSING_PARAMETER naming %v", c.resource, c.query, a.status, a.raw, c.missing)
			}
		}
		// The location parameters are checked as on datapoint.
		a := serve(t, f.api, "GET", "/api/v1/campaign_datapoint/?campaign__in=1&indicator__in=1&location_depth=2", f.as(superName), "")
		if details, _ := a.body["details"].(map[string]any); a.status != 400 || details["parameter"] != "location_depth" {
			t.Errorf("location_depth without location_id: %d %s", a.status, a.raw)
		}
		agg := f.scalar(t, `SELECT min(id) FROM agg_datapoint`)
		dp := f.scalar(t, `SELECT min(id) FROM datapoint`)
		before := f.snapshot(t, "datapoint", "agg_datapoint")
		for _, r := range []struct {
			name string
			id   int64
		}{{"campaign_datapoint", agg}, {"date_datapoint", dp}} {
			list, detail := "/api/v1/"+r.name+"/", fmt.Sprintf("/api/v1/%s/%d/", r.name, r.id)
			for _, c := range []struct{ method, url, body string }{
				{"POST", list, `{"campaign_id": 1, "location_id": 1, "indicator_id": 1, "data_date": "2023-01-01", "value": 1}`},
				{"PATCH", list, `{"objects": []}`},
				{"DELETE", list + "?id=" + strconv.FormatInt(r.id, 10), ""},
				{"PUT", detail, `{"value": 2}`},
				{"PATCH", detail, `{"value": 2}`},
				{"DELETE", detail, ""},
			} {
				if a := serve(t, f.api, c.method, c.url, f.as(superName), c.body); a.status != 405 {
					t.Errorf("%s %s: %d %s, want 405", c.method, c.url, a.status, a.raw)
				}
			}
		}
		if after := f.snapshot(t, "datapoint", "agg_datapoint"); after != before {
			t.Errorf("a refused write changed rows:\n%s\n%s", before, after)
		}
	})
}
