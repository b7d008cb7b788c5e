package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// cyclesSQL counts the locations that lie on a cycle of parent_location_id: the test's own query,
// written apart from the app's.
const cyclesSQL = `WITH RECURSIVE walk (start, id, steps) AS (
	SELECT id, parent_location_id, 1 FROM location
	UNION ALL
	SELECT w.start, l.parent_location_id, w.steps + 1 FROM walk AS w JOIN location AS l ON l.id = w.id
	WHERE w.id <> w.start AND w.steps < 64
) SELECT count(DISTINCT start) FROM walk WHERE id = start`

// parentOf returns a location's parent id, 0 for none.
func (f *authFixture) parentOf(t *testing.T, id int64) int64 {
	t.Helper()
	return f.scalar(t, `SELECT coalesce(parent_location_id, 0) FROM location WHERE id = ?`, id)
}

// TestLocationCycles sets parent_location_id, on every write path that can (PUT, PATCH, PUT creating,
// the relation given nested, a nested child, bulk PATCH, PATCH by filter), to the location itself or
// to a location under it: each is a 400 VALIDATION_ERROR naming parent_location_id, for a superuser
// and for a confined user alike (not the 404 or 403 the move out of their scope would otherwise
// cause), and the database is unchanged. Moves elsewhere in the tree still succeed, also one that is
// a cycle only before a nested write moves the new parent away.
func TestLocationCycles(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		top, root := f.locationID(t, scopedTop), f.locationID(t, "AF")
		prov, sibling := f.locationID(t, scopedTop+"-P01"), f.locationID(t, scopedTop+"-P02")
		district := f.locationID(t, scopedTop+"-P01-D01")
		deep := f.scalar(t, `SELECT min(id) FROM location WHERE parent_location_id = ?`, district) // a sub-district
		otherDistrict := f.locationID(t, scopedTop+"-P02-D01")
		districtType := f.scalar(t, `SELECT id FROM location_type WHERE admin_level = 3`)
		if deep == 0 {
			t.Fatal("the demo data has no sub-district under " + scopedTop + "-P01-D01")
		}
		id := func(v int64) string { return strconv.FormatInt(v, 10) }
		loc := "/api/v1/location/"
		detail := func(key int64) string { return loc + id(key) + "/" }
		uri := func(key int64) string { return `"/api/v1/location/` + id(key) + `/"` }
		full := func(name string, parent int64) string {
			return fmt.Sprintf(`{"name": %q, "location_code": %q, "location_type_id": %d, "parent_location_id": %d}`, name, name, districtType, parent)
		}
		const newKey = 90001
		parentIs := func(key, want int64) func(answer) error {
			return func(answer) error {
				if got := f.parentOf(t, key); got != want {
					return fmt.Errorf("location %d has parent %d, want %d", key, got, want)
				}
				return nil
			}
		}
		cases := []struct {
			name, user, method, url, body string
			status                        int
			field                         string // the details.fields key of a refusal
			index                         any    // details.index of a refused bulk item
			check                         func(answer) error
		}{
			{name: "PATCH under itself", user: superName, method: "PATCH", url: detail(prov), body: `{"parent_location_id": ` + id(prov) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH under its child", user: superName, method: "PATCH", url: detail(prov), body: `{"parent_location_id": ` + id(district) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH under a descendant three levels down", user: superName, method: "PATCH", url: detail(top), body: `{"parent_location_id": ` + id(deep) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH a root under its descendant", user: superName, method: "PATCH", url: detail(root), body: `{"parent_location_id": ` + id(district) + `}`, status: 400, field: "parent_location_id"},
			{name: "PUT under a descendant", user: superName, method: "PUT", url: detail(prov), body: full("Moved", deep), status: 400, field: "parent_location_id"},
			{name: "PUT creating a location under itself", user: superName, method: "PUT", url: detail(newKey), body: full("Self", newKey), status: 400, field: "parent_location_id"},
			{name: "PATCH the relation by resource_uri", user: superName, method: "PATCH", url: detail(prov), body: `{"parent_location": ` + uri(district) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH the relation as an object", user: superName, method: "PATCH", url: detail(prov), body: `{"parent_location": {"id": ` + id(deep) + `}}`, status: 400, field: "parent_location_id"},
			{name: "PATCH an ancestor in as a child", user: superName, method: "PATCH", url: detail(district), body: `{"children": [{"id": ` + id(top) + `}]}`, status: 400, field: "children[0].parent_location_id"},
			{name: "POST with an ancestor of its parent as a child", user: superName, method: "POST", url: loc, body: full("New", deep)[:len(full("New", deep))-1] + `, "children": [` + uri(prov) + `]}`, status: 400, field: "children[0].parent_location_id"},
			{name: "bulk PATCH under a descendant", user: superName, method: "PATCH", url: loc, body: `{"objects": [{"resource_uri": ` + uri(prov) + `, "parent_location_id": ` + id(district) + `}]}`, status: 400, field: "parent_location_id", index: "0"},
			{name: "bulk PATCH, two moves making a cycle together", user: superName, method: "PATCH", url: loc,
				body:   `{"objects": [{"resource_uri": ` + uri(sibling) + `, "parent_location_id": ` + id(prov) + `}, {"resource_uri": ` + uri(prov) + `, "parent_location_id": ` + id(sibling) + `}]}`,
				status: 400, field: "parent_location_id", index: "1"},
			{name: "PATCH by filter under itself", user: superName, method: "PATCH", url: loc + "?id=" + id(prov), body: `{"parent_location_id": ` + id(prov) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH by filter, one of the rows under another", user: superName, method: "PATCH", url: loc + "?id__in=" + id(prov) + "," + id(sibling), body: `{"parent_location_id": ` + id(otherDistrict) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH under a descendant, confined user", user: scopedName, method: "PATCH", url: detail(prov), body: `{"parent_location_id": ` + id(district) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH the top location under a descendant, confined user", user: scopedName, method: "PATCH", url: detail(top), body: `{"parent_location_id": ` + id(deep) + `}`, status: 400, field: "parent_location_id"},
			{name: "PATCH by filter under a descendant, confined user", user: scopedName, method: "PATCH", url: loc + "?id=" + id(prov), body: `{"parent_location_id": ` + id(deep) + `}`, status: 400, field: "parent_location_id"},
			{name: "bulk PATCH under itself, confined user", user: scopedName, method: "PATCH", url: loc, body: `{"objects": [{"resource_uri": ` + uri(district) + `, "parent_location_id": ` + id(district) + `}]}`, status: 400, field: "parent_location_id", index: "0"},
			// Moves that make no cycle.
			{name: "PATCH under a location of another branch", user: superName, method: "PATCH", url: detail(district), body: `{"parent_location_id": ` + id(sibling) + `}`, status: 202, check: parentIs(district, sibling)},
			{name: "PATCH by filter back", user: scopedName, method: "PATCH", url: loc + "?id=" + id(district), body: `{"parent_location_id": ` + id(prov) + `}`, status: 202, check: parentIs(district, prov)},
			{name: "PATCH with the parent unchanged", user: scopedName, method: "PATCH", url: detail(district), body: `{"parent_location_id": ` + id(prov) + `, "name": "Same place"}`, status: 202, check: parentIs(district, prov)},
			{name: "PUT creating a location under another", user: superName, method: "PUT", url: detail(newKey), body: full("Fresh", deep), status: 201, check: parentIs(newKey, deep)},
			{name: "bulk PATCH swapping a parent and its child", user: superName, method: "PATCH", url: loc,
				body:   `{"objects": [{"resource_uri": ` + uri(newKey) + `, "parent_location_id": ` + id(district) + `}, {"resource_uri": ` + uri(deep) + `, "parent_location_id": ` + id(newKey) + `}]}`,
				status: 202, check: parentIs(deep, newKey)},
			// The body moves the sub-district out of the tree first (nested), then the province under it.
			{name: "PATCH under a descendant moved away in the same body", user: superName, method: "PATCH", url: detail(prov), body: `{"parent_location": {"id": ` + id(deep) + `, "parent_location_id": null}}`, status: 202, check: func(a answer) error {
				if err := parentIs(prov, deep)(a); err != nil {
					return err
				}
				return parentIs(deep, 0)(a)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.snapshot(t, "location")
				a := serve(t, f.api, c.method, c.url, f.as(c.user), c.body)
				wantCode := ""
				if c.status == 400 {
					wantCode = "VALIDATION_ERROR"
				}
				if a.status != c.status || a.code() != wantCode {
					t.Fatalf("%s %s as %s: %d %q, want %d %q: %s", c.method, c.url, c.user, a.status, a.code(), c.status, wantCode, a.raw)
				}
				after := f.snapshot(t, "location")
				if c.status >= 400 {
					if after != before {
						t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
					}
					details, _ := a.body["details"].(map[string]any)
					fields, _ := details["fields"].(map[string]any)
					if len(fields) != 1 || fields[c.field] == nil {
						t.Errorf("details.fields %v, want one entry, %s", details["fields"], c.field)
					}
					if fmt.Sprint(details["index"]) != fmt.Sprint(c.index) && !(c.index == nil && details["index"] == nil) {
						t.Errorf("details.index %v, want %v", details["index"], c.index)
					}
					if a.body["success"] != false {
						t.Errorf("success %v", a.body["success"])
					}
				} else if after == before {
					t.Error("the write changed nothing")
				}
				if c.check != nil {
					if err := c.check(a); err != nil {
						t.Error(err)
					}
				}
				if n := f.scalar(t, cyclesSQL); n != 0 {
					t.Fatalf("%d locations lie on a cycle", n)
				}
			})
		}
	})
}

// TestLocationCycleAnswer shows a refusal whole: the one error shape, the message naming both
// locations, details.fields on parent_location_id.
func TestLocationCycleAnswer(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		prov, district := f.locationID(t, scopedTop+"-P01"), f.locationID(t, scopedTop+"-P01-D01")
		for _, c := range []struct {
			method, url, body string
			want              map[string]any
		}{
			{"PATCH", fmt.Sprintf("/api/v1/location/%d/", prov), fmt.Sprintf(`{"parent_location_id": %d}`, district), map[string]any{
				"success": false, "code": "VALIDATION_ERROR",
				"error": fmt.Sprintf("Invalid data for location: 'parent_location_id' names location %d, which lies under location %d; a location cannot be placed under itself.", district, prov),
				"details": map[string]any{"fields": map[string]any{
					"parent_location_id": fmt.Sprintf("Would place the location under itself: it names location %d, which lies under location %d.", district, prov),
				}},
			}},
			{"PUT", fmt.Sprintf("/api/v1/location/%d/", prov), fmt.Sprintf(`{"name": "P", "location_code": "P", "location_type_id": 1, "parent_location_id": %d}`, prov), map[string]any{
				"success": false, "code": "VALIDATION_ERROR",
				"error": fmt.Sprintf("Invalid data for location: 'parent_location_id' is the location itself (%d); a location cannot be placed under itself.", prov),
				"details": map[string]any{"fields": map[string]any{
					"parent_location_id": fmt.Sprintf("Would place the location under itself: it is the location itself (%d).", prov),
				}},
			}},
			{"PATCH", fmt.Sprintf("/api/v1/location/?location_code=%s-P01", scopedTop), fmt.Sprintf(`{"parent_location_id": %d}`, district), map[string]any{
				"success": false, "code": "VALIDATION_ERROR",
				"error": fmt.Sprintf("Invalid data for location: 'parent_location_id' names location %d, which is one of the locations the filters match or lies under one of them; a location cannot be placed under itself.", district),
				"details": map[string]any{"fields": map[string]any{
					"parent_location_id": fmt.Sprintf("Would place the location under itself: it names location %d, which is one of the locations the filters match or lies under one of them.", district),
				}},
			}},
		} {
			before := f.snapshot(t, "location")
			a := serve(t, f.api, c.method, c.url, f.as(superName), c.body)
			got, _ := json.Marshal(a.body)
			want, _ := json.Marshal(c.want)
			if a.status != 400 || string(got) != string(want) {
				t.Errorf("%s %s: %d %s\nwant 400 %s", c.method, c.url, a.status, got, want)
			}
			if f.snapshot(t, "location") != before {
				t.Errorf("%s %s changed the database", c.method, c.url)
			}
		}
	})
}

// TestLocationCyclesConcurrent moves pairs of sibling locations under each other at the same time:
// each move alone is fine, both would make a cycle. Exactly one of each pair succeeds, the other is
// refused, and no cycle is left, on both backends.
func TestLocationCyclesConcurrent(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		districts := f.idList(t, `SELECT id FROM location WHERE location_code LIKE ? ORDER BY id`, "AF-R__-P__-D__-S__")
		if len(districts) < 16 {
			t.Fatalf("the demo data has %d sub-districts, the test needs 16", len(districts))
		}
		type result struct {
			pair   int
			status int
			raw    string
		}
		results := make(chan result, len(districts))
		var wg sync.WaitGroup
		for i := 0; i+1 < 16; i += 2 {
			a, b := districts[i], districts[i+1]
			for _, move := range [][2]int64{{a, b}, {b, a}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ans := serve(t, f.api, "PATCH", fmt.Sprintf("/api/v1/location/%d/", move[0]), f.as(superName), fmt.Sprintf(`{"parent_location_id": %d}`, move[1]))
					results <- result{i / 2, ans.status, ans.raw}
				}()
			}
		}
		wg.Wait()
		close(results)
		statuses := map[int][]int{}
		for r := range results {
			if r.status != 202 && r.status != 400 {
				t.Errorf("pair %d: %d %s", r.pair, r.status, r.raw)
			}
			statuses[r.pair] = append(statuses[r.pair], r.status)
		}
		for pair, s := range statuses {
			if len(s) != 2 || s[0]+s[1] != 602 {
				t.Errorf("pair %d: %v, want one 202 and one 400", pair, s)
			}
		}
		if n := f.scalar(t, cyclesSQL); n != 0 {
			t.Errorf("%d locations lie on a cycle", n)
		}
	})
}
