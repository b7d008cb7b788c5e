package main

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// underSQL selects every location under the location with a code (the first parameter), that one
// included: the test's own recursive query, written apart from the app's.
const underSQL = `WITH RECURSIVE under (id) AS (
	SELECT id FROM location WHERE location_code = ?
	UNION ALL
	SELECT l.id FROM location AS l JOIN under AS u ON l.parent_location_id = u.id
) SELECT id FROM under`

// scopedResources are the resources tied to a location, with the column that ties them.
var scopedResources = []struct{ name, column string }{
	{"location", "id"},
	{"campaign", "top_lvl_location_id"},
	{"datapoint", "location_id"},
}

// listIDs reads every page of a list, ordered by id, and returns the ids and the total_count.
func listIDs(t *testing.T, f *authFixture, authorization, url string) ([]int64, int64) {
	t.Helper()
	var ids []int64
	var total int64 = -1
	for offset := 0; ; offset += 1000 {
		a := serve(t, f.api, "GET", fmt.Sprintf("%s&limit=1000&offset=%d&order_by=id", url, offset), authorization, "")
		if authorization == "" {
			a = serve(t, f.public, "GET", fmt.Sprintf("%s&limit=1000&offset=%d&order_by=id", url, offset), "", "")
		}
		if a.status != 200 {
			t.Fatalf("GET %s: %d %s", url, a.status, a.raw)
		}
		meta, _ := a.body["meta"].(map[string]any)
		n, err := strconv.ParseInt(fmt.Sprint(meta["total_count"]), 10, 64)
		if err != nil {
			t.Fatalf("total_count %v", meta["total_count"])
		}
		if total >= 0 && n != total {
			t.Fatalf("total_count changed between pages: %d, then %d", total, n)
		}
		total = n
		objs := a.objects()
		for _, o := range objs {
			id, _ := strconv.ParseInt(fmt.Sprint(o["id"]), 10, 64)
			ids = append(ids, id)
		}
		if len(objs) < 1000 {
			return ids, total
		}
	}
}

// TestScopedLists lists location, campaign and datapoint as a user confined to a region and gets
// exactly the rows under that region, total_count included, compared with a direct recursive query;
// a superuser, a plain user and an anonymous reader (with --public-read) get every row.
func TestScopedLists(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		for _, r := range scopedResources {
			t.Run(r.name, func(t *testing.T) {
				all := f.idList(t, `SELECT id FROM `+r.name+` ORDER BY id`)
				under := f.idList(t, `SELECT id FROM `+r.name+` WHERE `+r.column+` IN (`+underSQL+`) ORDER BY id`, scopedTop)
				if len(under) == 0 || len(under) >= len(all) {
					t.Fatalf("the demo data has %d of %d %s rows under %s: the test needs some, not all", len(under), len(all), r.name, scopedTop)
				}
				for _, u := range []struct {
					name, authorization string
					want                []int64
				}{
					{scopedName, f.as(scopedName), under},
					{superName, f.as(superName), all},
					{plainName, f.as(plainName), all},
					{"anonymous", "", all},
				} {
					ids, total := listIDs(t, f, u.authorization, "/api/v1/"+r.name+"/?format=json")
					if !slices.Equal(ids, u.want) || total != int64(len(u.want)) {
						t.Errorf("%s: %d ids (total_count %d), want %d: got %v, want %v", u.name, len(ids), total, len(u.want), head(ids), head(u.want))
					}
				}
			})
		}
	})
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }

// scopeIDs are rows inside and outside the region of the confined user.
type scopeIDs struct {
	top, in, out, root     int64 // locations: the region, a province in it, one outside it, the country
	outCode                string
	district, campaignType int64
	campIn, campOut        int64
	dpIn, dpIn2, dpOut     int64
	indicator              int64
	freshA, freshB, freshC int64 // indicators without datapoints, for deletes
	freshBName, freshCName string
}

func newScopeIDs(t *testing.T, f *authFixture) scopeIDs {
	t.Helper()
	s := scopeIDs{
		top: f.locationID(t, scopedTop), in: f.locationID(t, scopedTop+"-P01"), out: f.locationID(t, "AF-R02-P01"),
		root: f.locationID(t, "AF"), outCode: "AF-R02-P01",
	}
	s.district = f.scalar(t, `SELECT id FROM location_type WHERE admin_level = 3`)
	s.campaignType = f.scalar(t, `SELECT min(id) FROM campaign_type`)
	s.campIn = f.scalar(t, `SELECT min(id) FROM campaign WHERE top_lvl_location_id = ?`, s.top)
	s.campOut = f.scalar(t, `SELECT min(id) FROM campaign WHERE top_lvl_location_id = ?`, s.root)
	s.dpIn = f.scalar(t, `SELECT min(id) FROM datapoint WHERE location_id IN (`+underSQL+`)`, scopedTop)
	s.dpIn2 = f.scalar(t, `SELECT max(id) FROM datapoint WHERE location_id IN (`+underSQL+`)`, scopedTop)
	s.dpIn2 = f.scalar(t, `SELECT max(id) FROM datapoint WHERE location_id IN (`+underSQL+`)`, scopedTop)
	s.dpOut = f.scalar(t, `SELECT min(id) FROM datapoint WHERE location_id IN (`+underSQL+`)`, "AF-R02")
	s.indicator = f.scalar(t, `SELECT min(id) FROM indicator`)
	for i, p := range []*int64{&s.freshA, &s.freshB, &s.freshC} {
		name := fmt.Sprintf("fresh_%d", i)
		a := serve(t, f.api, "POST", "/api/v1/indicator/", f.as(superName), `{"short_name": "`+name+`", "name": "Fresh", "data_format": "int"}`)
		if a.status != 201 {
			t.Fatalf("create an indicator: %d %s", a.status, a.raw)
		}
		*p, _ = strconv.ParseInt(fmt.Sprint(a.body["id"]), 10, 64)
	}
	s.freshBName, s.freshCName = "fresh_1", "fresh_2"
	return s
}

// TestScopedReads reads details, set/, the schema and filtered lists as the confined user: rows
// outside the region are a 404 on detail, "not_found" in set/, and match no filter; other users read
// them.
func TestScopedReads(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		s := newScopeIDs(t, f)
		rows := map[string][2]int64{ // resource → a row inside, a row outside
			"location":  {s.in, s.out},
			"campaign":  {s.campIn, s.campOut},
			"datapoint": {s.dpIn, s.dpOut},
		}
		for _, r := range scopedResources {
			in, out := rows[r.name][0], rows[r.name][1]
			cases := []struct {
				name, user, url string
				status          int
				code            string
				objects         []int64 // the ids of a list or set/, when given
				notFound        []string
			}{
				{"detail inside", scopedName, fmt.Sprintf("/api/v1/%s/%d/", r.name, in), 200, "", nil, nil},
				{"detail outside", scopedName, fmt.Sprintf("/api/v1/%s/%d/", r.name, out), 404, "OBJECT_DOES_NOT_EXIST", nil, nil},
				{"detail outside, superuser", superName, fmt.Sprintf("/api/v1/%s/%d/", r.name, out), 200, "", nil, nil},
				{"detail outside, plain user", plainName, fmt.Sprintf("/api/v1/%s/%d/", r.name, out), 200, "", nil, nil},
				{"set", scopedName, fmt.Sprintf("/api/v1/%s/set/%d;%d/", r.name, in, out), 200, "", []int64{in}, []string{strconv.FormatInt(out, 10)}},
				{"set, superuser", superName, fmt.Sprintf("/api/v1/%s/set/%d;%d/", r.name, in, out), 200, "", []int64{in, out}, nil},
				{"list filtered on a row outside", scopedName, fmt.Sprintf("/api/v1/%s/?id=%d", r.name, out), 200, "", []int64{}, nil},
				{"list filtered on rows inside and out", scopedName, fmt.Sprintf("/api/v1/%s/?id__in=%d,%d", r.name, in, out), 200, "", []int64{in}, nil},
				{"list filtered, plain user", plainName, fmt.Sprintf("/api/v1/%s/?id__in=%d,%d&order_by=id", r.name, min(in, out), max(in, out)), 200, "", []int64{min(in, out), max(in, out)}, nil},
				{"schema", scopedName, "/api/v1/" + r.name + "/schema/", 200, "", nil, nil},
			}
			for _, c := range cases {
				t.Run(r.name+"/"+c.name, func(t *testing.T) {
					a := serve(t, f.api, "GET", c.url, f.as(c.user), "")
					if a.status != c.status || a.code() != c.code {
						t.Fatalf("GET %s: %d %q, want %d %q: %s", c.url, a.status, a.code(), c.status, c.code, a.raw)
					}
					if c.objects != nil {
						var got []int64
						for _, o := range a.objects() {
							id, _ := strconv.ParseInt(fmt.Sprint(o["id"]), 10, 64)
							got = append(got, id)
						}
						if !slices.Equal(got, c.objects) && !(len(got) == 0 && len(c.objects) == 0) {
							t.Errorf("objects %v, want %v", got, c.objects)
						}
						if meta, ok := a.body["meta"].(map[string]any); ok && fmt.Sprint(meta["total_count"]) != strconv.Itoa(len(c.objects)) {
							t.Errorf("total_count %v, want %d", meta["total_count"], len(c.objects))
						}
					}
					if c.notFound != nil && fmt.Sprint(a.body["not_found"]) != fmt.Sprint(c.notFound) {
						t.Errorf("not_found %v, want %v", a.body["not_found"], c.notFound)
					}
				})
			}
		}
		// An expanded relation (depth=1) shows a related object only when its own resource would:
		// the region's parent, the country, is hidden from the confined user, and so is a campaign over
		// the whole country beside a datapoint of the region.
		dpCountryWide := f.scalar(t, `SELECT min(id) FROM datapoint WHERE campaign_id = ? AND location_id IN (`+underSQL+`)`, s.campOut, scopedTop)
		for _, c := range []struct {
			user, url, relation string
			shown               bool
		}{
			{scopedName, fmt.Sprintf("/api/v1/location/%d/?depth=1", s.top), "parent_location", false},
			{scopedName, fmt.Sprintf("/api/v1/location/%d/?depth=1", s.top), "location_type", true},
			{superName, fmt.Sprintf("/api/v1/location/%d/?depth=1", s.top), "parent_location", true},
			{scopedName, fmt.Sprintf("/api/v1/datapoint/%d/?depth=1", dpCountryWide), "campaign", false},
			{scopedName, fmt.Sprintf("/api/v1/datapoint/%d/?depth=1", dpCountryWide), "location", true},
			{plainName, fmt.Sprintf("/api/v1/datapoint/%d/?depth=1", dpCountryWide), "campaign", true},
		} {
			a := serve(t, f.api, "GET", c.url, f.as(c.user), "")
			if a.status != 200 {
				t.Fatalf("GET %s as %s: %d %s", c.url, c.user, a.status, a.raw)
			}
			if _, shown := a.body[c.relation].(map[string]any); shown != c.shown {
				t.Errorf("GET %s as %s: %s shown = %v, want %v: %v", c.url, c.user, c.relation, shown, c.shown, a.body[c.relation])
			}
		}
		// Filters through relations cannot reach outside either.
		for _, c := range []struct {
			url  string
			want int64
		}{
			{"/api/v1/datapoint/?location__location_code=" + s.outCode, 0},
			{"/api/v1/location/?parent_location_id=" + strconv.FormatInt(s.root, 10), 1}, // the region itself, not its sibling
			{"/api/v1/campaign/?top_lvl_location__location_code=AF", 0},
		} {
			_, total := listIDs(t, f, f.as(scopedName), c.url)
			if total != c.want {
				t.Errorf("%s: total_count %d, want %d", c.url, total, c.want)
			}
		}
	})
}

// writeCase is one write and what it must do.
type writeCase struct {
	name        string
	user        string
	method, url string
	body        string
	status      int
	code        string
	index       any                  // details.index of a refused array item, when not nil
	unchanged   bool                 // the database must be as before (always checked for a refusal)
	check       func(a answer) error // more checks after a success
}

// TestScopedWrites writes as the confined user, a plain user and a superuser, on every write path:
// POST (one and an array), PUT (replace and create), PATCH, DELETE and DELETE by filter. Writes that
// place a row outside the region are 403, rows outside it are 404, indicator deletes are for
// superusers, and a refused write changes nothing.
func TestScopedWrites(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		s := newScopeIDs(t, f)
		n := 0
		location := func(parent string) string {
			n++
			p := ""
			if parent != "" {
				p = `, "parent_location_id": ` + parent
			}
			return fmt.Sprintf(`{"name": "New %d", "location_code": "NEW-%d", "location_type_id": %d%s}`, n, n, s.district, p)
		}
		id := func(v int64) string { return strconv.FormatInt(v, 10) }
		campaign := func(top int64) string {
			n++
			return fmt.Sprintf(`{"name": "Campaign %d", "campaign_type_id": %d, "top_lvl_location_id": %d, "start_date": "2030-01-01", "end_date": "2030-01-02"}`, n, s.campaignType, top)
		}
		datapoint := func(loc int64) string {
			n++
			return fmt.Sprintf(`{"indicator_id": %d, "location_id": %d, "data_date": "2030-01-%02d", "value": 1.5}`, s.indicator, loc, n%28+1)
		}
		exists := func(table string, key int64, want bool) func(answer) error {
			return func(answer) error {
				if got := f.scalar(t, `SELECT count(*) FROM `+table+` WHERE id = ?`, key) == 1; got != want {
					return fmt.Errorf("%s %d exists = %v, want %v", table, key, got, want)
				}
				return nil
			}
		}
		scopedDatapoints := func(indicator int64) int64 {
			return f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ? AND location_id IN (`+underSQL+`)`, indicator, scopedTop)
		}
		otherIndicator, patchIndicator := s.indicator+1, s.indicator+2
		count := func(key string, want int64) func(answer) error {
			return func(a answer) error {
				if got := fmt.Sprint(a.body[key]); got != strconv.FormatInt(want, 10) {
					return fmt.Errorf("%s: %s, want %d", key, got, want)
				}
				return nil
			}
		}
		outsideBefore := f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ?`, otherIndicator) - scopedDatapoints(otherIndicator)
		loc, camp, dp := "/api/v1/location/", "/api/v1/campaign/", "/api/v1/datapoint/"
		detail := func(base string, key int64) string { return base + id(key) + "/" }
		const newKey = 90000
		cases := []writeCase{
			// location: placed by parent_location_id.
			{name: "POST location inside", user: scopedName, method: "POST", url: loc, body: location(id(s.in)), status: 201},
			{name: "POST location under the top itself", user: scopedName, method: "POST", url: loc, body: location(id(s.top)), status: 201},
			{name: "POST location outside", user: scopedName, method: "POST", url: loc, body: location(id(s.out)), status: 403, code: "FORBIDDEN"},
			{name: "POST location under the country", user: scopedName, method: "POST", url: loc, body: location(id(s.root)), status: 403, code: "FORBIDDEN"},
			{name: "POST root location", user: scopedName, method: "POST", url: loc, body: location(""), status: 403, code: "FORBIDDEN"},
			{name: "POST location with a null parent", user: scopedName, method: "POST", url: loc, body: location("null"), status: 403, code: "FORBIDDEN"},
			{name: "POST location under an unknown parent", user: scopedName, method: "POST", url: loc, body: location("999999"), status: 403, code: "FORBIDDEN"},
			{name: "POST location with a parent that is no id", user: scopedName, method: "POST", url: loc, body: location(`"abc"`), status: 400, code: "VALIDATION_ERROR"},
			{name: "POST array, second outside", user: scopedName, method: "POST", url: loc, body: "[" + location(id(s.in)) + ", " + location(id(s.out)) + "]", status: 403, code: "FORBIDDEN", index: "1"},
			{name: "POST array inside", user: scopedName, method: "POST", url: loc, body: "[" + location(id(s.in)) + ", " + location(id(s.top)) + "]", status: 201},
			{name: "POST location outside, plain user", user: plainName, method: "POST", url: loc, body: location(id(s.out)), status: 201},
			{name: "POST root location, superuser", user: superName, method: "POST", url: loc, body: location(""), status: 201},
			{name: "PUT location moved outside", user: scopedName, method: "PUT", url: detail(loc, s.in), body: location(id(s.out)), status: 403, code: "FORBIDDEN"},
			{name: "PUT location without parent", user: scopedName, method: "PUT", url: detail(loc, s.in), body: location(""), status: 403, code: "FORBIDDEN"},
			{name: "PUT location inside", user: scopedName, method: "PUT", url: detail(loc, s.in), body: location(id(s.top)), status: 200},
			{name: "PUT location outside", user: scopedName, method: "PUT", url: detail(loc, s.out), body: location(id(s.top)), status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "PUT creating a location outside", user: scopedName, method: "PUT", url: detail(loc, newKey), body: location(id(s.out)), status: 403, code: "FORBIDDEN"},
			{name: "PUT creating a location inside", user: scopedName, method: "PUT", url: detail(loc, newKey), body: location(id(s.in)), status: 201, check: exists("location", newKey, true)},
			{name: "PATCH location moved outside", user: scopedName, method: "PATCH", url: detail(loc, s.in), body: `{"parent_location_id": ` + id(s.out) + `}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH location made a root", user: scopedName, method: "PATCH", url: detail(loc, s.in), body: `{"parent_location_id": null}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH top location moved", user: scopedName, method: "PATCH", url: detail(loc, s.top), body: `{"parent_location_id": ` + id(s.out) + `}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH location renamed", user: scopedName, method: "PATCH", url: detail(loc, s.in), body: `{"name": "Renamed"}`, status: 202},
			{name: "PATCH location outside", user: scopedName, method: "PATCH", url: detail(loc, s.out), body: `{"name": "Renamed"}`, status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "PATCH location outside, superuser", user: superName, method: "PATCH", url: detail(loc, s.out), body: `{"name": "Renamed by admin"}`, status: 202},
			{name: "DELETE location outside", user: scopedName, method: "DELETE", url: detail(loc, s.out), status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "DELETE location inside", user: scopedName, method: "DELETE", url: detail(loc, newKey), status: 204, check: exists("location", newKey, false)},
			{name: "DELETE locations by filter outside", user: scopedName, method: "DELETE", url: loc + "?location_code=" + s.outCode, status: 200, unchanged: true, check: count("deleted", 0)},
			// campaign: placed by top_lvl_location_id.
			{name: "POST campaign inside", user: scopedName, method: "POST", url: camp, body: campaign(s.in), status: 201},
			{name: "POST campaign outside", user: scopedName, method: "POST", url: camp, body: campaign(s.out), status: 403, code: "FORBIDDEN"},
			{name: "POST campaign over the country", user: scopedName, method: "POST", url: camp, body: campaign(s.root), status: 403, code: "FORBIDDEN"},
			{name: "POST campaign without top location", user: scopedName, method: "POST", url: camp, body: `{"name": "c", "campaign_type_id": 1, "start_date": "2030-01-01", "end_date": "2030-01-02"}`, status: 400, code: "VALIDATION_ERROR"},
			{name: "POST campaign over the country, plain user", user: plainName, method: "POST", url: camp, body: campaign(s.root), status: 201},
			{name: "PUT campaign moved outside", user: scopedName, method: "PUT", url: detail(camp, s.campIn), body: campaign(s.out), status: 403, code: "FORBIDDEN"},
			{name: "PUT campaign outside", user: scopedName, method: "PUT", url: detail(camp, s.campOut), body: campaign(s.in), status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "PATCH campaign moved outside", user: scopedName, method: "PATCH", url: detail(camp, s.campIn), body: `{"top_lvl_location_id": ` + id(s.root) + `}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH campaign moved inside", user: scopedName, method: "PATCH", url: detail(camp, s.campIn), body: `{"top_lvl_location_id": ` + id(s.in) + `}`, status: 202},
			{name: "PATCH campaign outside", user: scopedName, method: "PATCH", url: detail(camp, s.campOut), body: `{"name": "x"}`, status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "DELETE campaign outside", user: scopedName, method: "DELETE", url: detail(camp, s.campOut), status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			// datapoint: placed by location_id.
			{name: "POST datapoint inside", user: scopedName, method: "POST", url: dp, body: datapoint(s.in), status: 201},
			{name: "POST datapoint outside", user: scopedName, method: "POST", url: dp, body: datapoint(s.out), status: 403, code: "FORBIDDEN"},
			{name: "POST datapoints, first outside", user: scopedName, method: "POST", url: dp, body: "[" + datapoint(s.out) + ", " + datapoint(s.in) + "]", status: 403, code: "FORBIDDEN", index: "0"},
			{name: "PUT datapoint moved outside", user: scopedName, method: "PUT", url: detail(dp, s.dpIn), body: datapoint(s.out), status: 403, code: "FORBIDDEN"},
			{name: "PUT datapoint outside", user: scopedName, method: "PUT", url: detail(dp, s.dpOut), body: datapoint(s.in), status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "PATCH datapoint moved outside", user: scopedName, method: "PATCH", url: detail(dp, s.dpIn), body: `{"location_id": ` + id(s.out) + `}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH datapoint value", user: scopedName, method: "PATCH", url: detail(dp, s.dpIn), body: `{"value": 42}`, status: 202},
			{name: "PATCH datapoint outside", user: scopedName, method: "PATCH", url: detail(dp, s.dpOut), body: `{"value": 42}`, status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "DELETE datapoint outside", user: scopedName, method: "DELETE", url: detail(dp, s.dpOut), status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "DELETE datapoint inside", user: scopedName, method: "DELETE", url: detail(dp, s.dpIn), status: 204, check: exists("datapoint", s.dpIn, false)},
			{name: "DELETE datapoints by filter", user: scopedName, method: "DELETE", url: dp + "?indicator_id=" + id(otherIndicator), status: 200, check: func(a answer) error {
				if fmt.Sprint(a.body["deleted"]) == "0" {
					return fmt.Errorf("deleted %v", a.body["deleted"])
				}
				if n := scopedDatapoints(otherIndicator); n != 0 {
					return fmt.Errorf("%d datapoints of the indicator are left in the region", n)
				}
				if n := f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ?`, otherIndicator); n != outsideBefore || n == 0 {
					return fmt.Errorf("%d datapoints of the indicator are left outside the region, want %d", n, outsideBefore)
				}
				return nil
			}},
			// indicator: anyone may write, only a superuser may delete.
			{name: "DELETE indicator, plain user", user: plainName, method: "DELETE", url: "/api/v1/indicator/" + id(s.freshA) + "/", status: 403, code: "FORBIDDEN"},
			{name: "DELETE indicator, confined user", user: scopedName, method: "DELETE", url: "/api/v1/indicator/" + id(s.freshA) + "/", status: 403, code: "FORBIDDEN"},
			{name: "DELETE indicators by filter, plain user", user: plainName, method: "DELETE", url: "/api/v1/indicator/?short_name=" + s.freshBName, status: 403, code: "FORBIDDEN"},
			{name: "PATCH indicator, plain user", user: plainName, method: "PATCH", url: "/api/v1/indicator/" + id(s.freshA) + "/", body: `{"name": "Renamed"}`, status: 202},
			{name: "POST indicator, confined user", user: scopedName, method: "POST", url: "/api/v1/indicator/", body: `{"short_name": "by_region", "name": "x", "data_format": "pct"}`, status: 201},
			{name: "DELETE indicator, superuser", user: superName, method: "DELETE", url: "/api/v1/indicator/" + id(s.freshA) + "/", status: 204, check: exists("indicator", s.freshA, false)},
			{name: "DELETE indicators by filter, superuser", user: superName, method: "DELETE", url: "/api/v1/indicator/?short_name__in=" + s.freshBName + "," + s.freshCName, status: 200, check: func(a answer) error {
				if err := exists("indicator", s.freshB, false)(a); err != nil {
					return err
				}
				if err := exists("indicator", s.freshC, false)(a); err != nil {
					return err
				}
				return count("deleted", 2)(a)
			}},
			// PATCH on the list: Tastypie's bulk objects/deleted_objects, and one partial object for what
			// the filters match.
			{name: "bulk PATCH moving a location outside", user: scopedName, method: "PATCH", url: loc, body: `{"objects": [{"resource_uri": "/api/v1/location/` + id(s.in) + `/", "parent_location_id": ` + id(s.out) + `}]}`, status: 403, code: "FORBIDDEN", index: "0"},
			{name: "bulk PATCH creating a location outside", user: scopedName, method: "PATCH", url: loc, body: `{"objects": [` + location(id(s.in)) + `, ` + location(id(s.out)) + `]}`, status: 403, code: "FORBIDDEN", index: "1"},
			{name: "bulk PATCH of a campaign outside", user: scopedName, method: "PATCH", url: camp, body: `{"objects": [{"resource_uri": "/api/v1/campaign/` + id(s.campOut) + `/", ` + campaign(s.in)[1:] + `]}`, status: 404, code: "OBJECT_DOES_NOT_EXIST", index: "0"},
			{name: "bulk PATCH deleting a datapoint outside", user: scopedName, method: "PATCH", url: dp, body: `{"deleted_objects": ["/api/v1/datapoint/` + id(s.dpOut) + `/"]}`, status: 404, code: "OBJECT_DOES_NOT_EXIST"},
			{name: "bulk PATCH inside", user: scopedName, method: "PATCH", url: dp, body: `{"objects": [{"resource_uri": "/api/v1/datapoint/` + id(s.dpIn2) + `/", "value": 7}], "deleted_objects": []}`, status: 202},
			{name: "PATCH by filter moving datapoints outside", user: scopedName, method: "PATCH", url: dp + "?indicator_id=" + id(patchIndicator), body: `{"location_id": ` + id(s.out) + `}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH by filter moving the top location", user: scopedName, method: "PATCH", url: loc + "?id=" + id(s.top), body: `{"parent_location_id": ` + id(s.out) + `}`, status: 403, code: "FORBIDDEN"},
			{name: "PATCH by filter outside", user: scopedName, method: "PATCH", url: loc + "?location_code=" + s.outCode, body: `{"name": "x"}`, status: 202, unchanged: true, check: count("updated", 0)},
			{name: "PATCH by filter", user: scopedName, method: "PATCH", url: dp + "?indicator_id=" + id(patchIndicator), body: `{"value": 1234.5}`, status: 202, check: func(a answer) error {
				in := f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ? AND value = 1234.5 AND location_id IN (`+underSQL+`)`, patchIndicator, scopedTop)
				all := f.scalar(t, `SELECT count(*) FROM datapoint WHERE value = 1234.5`)
				if in == 0 || all != in || scopedDatapoints(patchIndicator) != in {
					return fmt.Errorf("%d datapoints changed, %d of them in the region, which has %d of the indicator", all, in, scopedDatapoints(patchIndicator))
				}
				return count("updated", in)(a)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.snapshot(t)
				a := serve(t, f.api, c.method, c.url, f.as(c.user), c.body)
				if a.status != c.status || a.code() != c.code {
					t.Fatalf("%s %s as %s: %d %q, want %d %q: %s", c.method, c.url, c.user, a.status, a.code(), c.status, c.code, a.raw)
				}
				if c.index != nil {
					details, _ := a.body["details"].(map[string]any)
					if fmt.Sprint(details["index"]) != c.index {
						t.Errorf("details.index %v, want %v", details["index"], c.index)
					}
				}
				after := f.snapshot(t)
				if (c.status >= 400 || c.unchanged) && after != before {
					t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
				}
				if c.status < 400 && !c.unchanged && after == before {
					t.Error("the write changed nothing")
				}
				if c.check != nil {
					if err := c.check(a); err != nil {
						t.Error(err)
					}
				}
			})
		}
		// The confined user's top location, sent back as read (its parent is outside the region), is
		// accepted: an unchanged placement moves nothing.
		got := serve(t, f.api, "GET", detail(loc, s.top), f.as(scopedName), "")
		if got.status != 200 {
			t.Fatalf("GET the top location: %d %s", got.status, got.raw)
		}
		if put := serve(t, f.api, "PUT", detail(loc, s.top), f.as(scopedName), got.raw); put.status != 200 {
			t.Errorf("PUT the top location back as read: %d %s", put.status, put.raw)
		}
	})
}
