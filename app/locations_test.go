package main

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// The tests' own answers, written apart from locations/: the locations at a depth under a location
// (first parameter the location, second the depth), and each location's latest value of an indicator
// (a window function, where the app uses NOT EXISTS).
const (
	atDepthSQL = `WITH RECURSIVE t (id, depth) AS (
		SELECT id, 0 FROM location WHERE id = ?
		UNION ALL
		SELECT l.id, t.depth + 1 FROM location AS l JOIN t ON l.parent_location_id = t.id
	) SELECT id FROM t WHERE depth = ?`
	underIDSQL = `WITH RECURSIVE t (id) AS (
		SELECT id FROM location WHERE id = ?
		UNION ALL
		SELECT l.id FROM location AS l JOIN t ON l.parent_location_id = t.id
	) SELECT id FROM t`
	latestSQL = `SELECT location_id FROM (
		SELECT location_id, value, row_number() OVER (PARTITION BY location_id ORDER BY data_date DESC, id DESC) AS n
		FROM datapoint WHERE indicator_id = ?
	) AS latest WHERE n = 1 AND value = ?`
)

// TestLocationParams lists location and datapoint with each location parameter, as a superuser, and
// compares the ids and total_count with a direct SQL answer on the small demo data.
func TestLocationParams(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		country := f.scalar(t, `SELECT min(id) FROM location WHERE parent_location_id IS NULL`)
		region := f.scalar(t, `SELECT id FROM location WHERE location_code = ?`, scopedTop)
		district := f.scalar(t, `SELECT id FROM location_type WHERE name = 'District'`)
		var indicator string
		var indicatorID int64
		if err := db.QueryRow(`SELECT id, short_name FROM indicator WHERE data_format = 'bool' ORDER BY id LIMIT 1`).Scan(&indicatorID, &indicator); err != nil {
			t.Fatal(err)
		}
		some := f.idList(t, `SELECT id FROM location ORDER BY id LIMIT 3`)
		cases := []struct {
			name, query string
			set         string // the SQL of the location set
			args        []any
		}{
			{"in", fmt.Sprintf("location_id__in=%d,%d&location_id__in=%d", some[2], some[0], some[1]),
				`SELECT id FROM location WHERE id IN (?, ?, ?)`, []any{some[0], some[1], some[2]}},
			{"id", fmt.Sprintf("location_id=%d", region), `SELECT id FROM location WHERE id = ?`, []any{region}},
			{"depth0", fmt.Sprintf("location_id=%d&location_depth=0", region), atDepthSQL, []any{region, 0}},
			{"depth1", fmt.Sprintf("location_id=%d&location_depth=1", country), atDepthSQL, []any{country, 1}},
			{"depth3", fmt.Sprintf("location_id=%d&location_depth=3", country), atDepthSQL, []any{country, 3}},
			{"depth2_region", fmt.Sprintf("location_id=%d&location_depth=2", region), atDepthSQL, []any{region, 2}},
			{"type_by_name", fmt.Sprintf("location_id=%d&location_type=District", region),
				`SELECT id FROM location WHERE location_type_id = ? AND id IN (` + underIDSQL + `)`, []any{district, region}},
			{"type_by_id", fmt.Sprintf("location_id=%d&location_type=%d", region, district),
				`SELECT id FROM location WHERE location_type_id = ? AND id IN (` + underIDSQL + `)`, []any{district, region}},
			{"type_lower_case", fmt.Sprintf("location_id=%d&location_type=district", country),
				`SELECT id FROM location WHERE location_type_id = ? AND id IN (` + underIDSQL + `)`, []any{district, country}},
			{"filter_by_short_name", fmt.Sprintf("filter_indicator=%s&filter_value=1", indicator), latestSQL, []any{indicatorID, 1}},
			{"filter_by_id", fmt.Sprintf("filter_indicator=%d&filter_value=0", indicatorID), latestSQL, []any{indicatorID, 0}},
			{"depth_and_filter", fmt.Sprintf("location_id=%d&location_depth=4&filter_indicator=%s&filter_value=1", country, indicator),
				`SELECT id FROM location WHERE id IN (` + atDepthSQL + `) AND id IN (` + latestSQL + `)`, []any{country, 4, indicatorID, 1}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, r := range []struct{ name, column string }{{"location", "id"}, {"datapoint", "location_id"}} {
					want := f.idList(t, `SELECT id FROM `+r.name+` WHERE `+r.column+` IN (`+c.set+`) ORDER BY id`, c.args...)
					if r.name == "location" && len(want) == 0 {
						t.Fatalf("the demo data has no location for %s: the test needs some", c.query)
					}
					got, total := listIDs(t, f, f.as(superName), "/api/v1/"+r.name+"/?"+c.query)
					if !slices.Equal(got, want) || total != int64(len(want)) {
						t.Errorf("%s/?%s: got %d (total_count %d) %v, want %d %v", r.name, c.query, len(got), total, head(got), len(want), head(want))
					}
				}
			})
		}
		// The parameters combine with the ordinary filters, and narrow DELETE by filter too.
		got, _ := listIDs(t, f, f.as(superName), fmt.Sprintf("/api/v1/datapoint/?location_id=%d&location_depth=4&indicator_id=%d", country, indicatorID))
		want := f.idList(t, `SELECT id FROM datapoint WHERE indicator_id = ? AND location_id IN (`+atDepthSQL+`) ORDER BY id`, indicatorID, country, 4)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("with indicator_id: got %d, want %d", len(got), len(want))
		}
		// DELETE by filter: the sub-districts of one region only (3 levels under it).
		before := f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ?`, indicatorID)
		doomed := f.idList(t, `SELECT id FROM datapoint WHERE indicator_id = ? AND location_id IN (`+atDepthSQL+`) ORDER BY id`, indicatorID, region, 3)
		if len(doomed) == 0 || int64(len(doomed)) == before {
			t.Fatalf("the demo data has %d of %d datapoints to delete: the test needs some, not all", len(doomed), before)
		}
		a := serve(t, f.api, "DELETE", fmt.Sprintf("/api/v1/datapoint/?indicator_id=%d&location_id=%d&location_depth=3", indicatorID, region), f.as(superName), "")
		if a.status != 200 || fmt.Sprint(a.body["deleted"]) != fmt.Sprint(len(doomed)) {
			t.Errorf("DELETE: %d %s, want %d deleted", a.status, a.raw, len(doomed))
		}
		if n := f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ?`, indicatorID); n != before-int64(len(doomed)) {
			t.Errorf("DELETE by location parameters left %d datapoints of %d, want %d", n, before, before-int64(len(doomed)))
		}
	})
}

// TestLocationParamsErrors checks the wrong parameters and combinations on location and datapoint:
// each a 400 with its code and the parameter named.
func TestLocationParamsErrors(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		for _, c := range []struct{ query, code, parameter string }{
			{"location_depth=2", "MISSING_PARAMETER", "location_depth"},
			{"location_id__in=1,2&location_depth=1", "MISSING_PARAMETER", "location_depth"},
			{"location_id=1&location_depth=-1", "INVALID_VALUE", "location_depth"},
			{"location_id=1&location_depth=two", "INVALID_VALUE", "location_depth"},
			{"location_id=1&location_type=Continent", "INVALID_VALUE", "location_type"},
			{"location_id=1&location_type=99", "INVALID_VALUE", "location_type"},
			{"location_type=", "INVALID_VALUE", "location_type"},
			{"location_id=abc", "INVALID_VALUE", "location_id"},
			{"location_id=1&location_id=2", "INVALID_VALUE", "location_id"},
			{"location_id__in=1,x", "INVALID_VALUE", "location_id__in"},
			{"filter_value=1", "MISSING_PARAMETER", "filter_value"},
			{"filter_indicator=1", "MISSING_PARAMETER", "filter_indicator"},
			{"filter_indicator=no_such_indicator&filter_value=1", "INVALID_VALUE", "filter_indicator"},
			{"filter_indicator=99999&filter_value=1", "INVALID_VALUE", "filter_indicator"},
			{"filter_indicator=1&filter_value=yes", "INVALID_VALUE", "filter_value"},
		} {
			for _, r := range []string{"location", "datapoint"} {
				for _, method := range []string{"GET", "DELETE"} {
					a := serve(t, f.api, method, "/api/v1/"+r+"/?id__gt=0&"+c.query, f.as(superName), "")
					details, _ := a.body["details"].(map[string]any)
					if a.status != 400 || a.code() != c.code || details["parameter"] != c.parameter {
						t.Errorf("%s %s/?%s: %d %s, want 400 %s naming %s", method, r, c.query, a.status, a.raw, c.code, c.parameter)
					}
				}
			}
		}
		if n := f.scalar(t, `SELECT count(*) FROM datapoint`); n == 0 {
			t.Error("a refused DELETE removed datapoints")
		}
	})
}

// TestLocationParamsScoped checks that a user confined to a region gets, whatever the parameters ask,
// only what lies under the region: the parameters' set intersected with the restriction.
func TestLocationParamsScoped(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		country := f.scalar(t, `SELECT min(id) FROM location WHERE parent_location_id IS NULL`)
		region := f.scalar(t, `SELECT id FROM location WHERE location_code = ?`, scopedTop)
		leafIn := f.scalar(t, `SELECT min(id) FROM location WHERE location_type_id = 5 AND id IN (`+underSQL+`)`, scopedTop)
		leafOut := f.scalar(t, `SELECT min(id) FROM location WHERE location_type_id = 5 AND id NOT IN (`+underSQL+`)`, scopedTop)
		for _, c := range []struct {
			query string
			set   string
			args  []any
		}{
			{fmt.Sprintf("location_id=%d&location_depth=4", country), atDepthSQL, []any{country, 4}},
			{fmt.Sprintf("location_id=%d&location_type=sub-district", country), `SELECT id FROM location WHERE location_type_id = 5`, nil},
			{fmt.Sprintf("location_id__in=%d,%d,%d,%d", country, region, leafIn, leafOut), `SELECT id FROM location WHERE id IN (?, ?, ?, ?)`, []any{country, region, leafIn, leafOut}},
		} {
			for _, r := range scopedResources {
				if r.name == "campaign" {
					continue
				}
				all := f.idList(t, `SELECT id FROM `+r.name+` WHERE `+r.column+` IN (`+c.set+`) ORDER BY id`, c.args...)
				args := append(append([]any{}, c.args...), scopedTop)
				want := f.idList(t, `SELECT id FROM `+r.name+` WHERE `+r.column+` IN (`+c.set+`) AND `+r.column+` IN (`+underSQL+`) ORDER BY id`, args...)
				if len(want) == 0 || len(want) == len(all) {
					t.Fatalf("%s/?%s: %d of %d rows in the scope: the test needs some, not all", r.name, c.query, len(want), len(all))
				}
				got, total := listIDs(t, f, f.as(scopedName), "/api/v1/"+r.name+"/?"+c.query)
				if !slices.Equal(got, want) || total != int64(len(want)) {
					t.Errorf("%s/?%s as %s: got %d %v, want %d %v", r.name, c.query, scopedName, len(got), head(got), len(want), head(want))
				}
				if got, _ := listIDs(t, f, f.as(superName), "/api/v1/"+r.name+"/?"+c.query); !slices.Equal(got, all) {
					t.Errorf("%s/?%s as %s: got %d, want %d", r.name, c.query, superName, len(got), len(all))
				}
			}
		}
	})
}
