package main

import (
	"database/sql"
	"fmt"
	"strconv"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// A dashboard's owner is the user who created it, whatever the body says, on every path that creates
// one, and never changes.
func TestDashboardOwnerIsSetByTheServer(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		plain, super := f.ids[plainName], f.ids[superName]
		ownerOf := func(id any) int64 {
			return f.scalar(t, `SELECT coalesce(owner_id, 0) FROM custom_dashboard WHERE id = ?`, id)
		}
		created := func(a answer) any {
			t.Helper()
			if a.status != 201 && a.status != 200 {
				t.Fatalf("%d %s", a.status, a.raw)
			}
			return a.body["id"]
		}
		// POST, with another owner in the body: the body's owner is ignored, the answer shows the real one.
		a := serve(t, f.api, "POST", "/api/v1/custom_dashboard/", f.as(plainName), fmt.Sprintf(`{"title": "Mine", "owner_id": %d}`, super))
		id := created(a)
		if ownerOf(id) != plain || fmt.Sprint(a.body["owner_id"]) != fmt.Sprint(plain) {
			t.Errorf("POST: owner %d, answer %v, want %d", ownerOf(id), a.body["owner_id"], plain)
		}
		// An array POST, a bulk PATCH creating one, a PUT on a new key.
		a = serve(t, f.api, "POST", "/api/v1/custom_dashboard/", f.as(plainName), `[{"title": "A"}, {"title": "B", "owner_id": null}]`)
		if a.status != 201 {
			t.Fatalf("array POST: %d %s", a.status, a.raw)
		}
		a = serve(t, f.api, "PATCH", "/api/v1/custom_dashboard/", f.as(plainName), `{"objects": [{"title": "C"}]}`)
		if a.status != 202 {
			t.Fatalf("bulk PATCH: %d %s", a.status, a.raw)
		}
		a = serve(t, f.api, "PUT", "/api/v1/custom_dashboard/500/", f.as(plainName), `{"title": "D", "owner_id": 1}`)
		if created(a); a.status != 201 || ownerOf(500) != plain {
			t.Errorf("PUT creating: %d owner %d", a.status, ownerOf(500))
		}
		if n := f.scalar(t, `SELECT count(*) FROM custom_dashboard WHERE owner_id = ?`, plain); n != 5 {
			t.Errorf("%d dashboards owned by %s, want 5", n, plainName)
		}
		// The owner cannot give it away: owner_id in a PATCH or PUT is ignored.
		for _, w := range []struct{ method, body string }{
			{"PATCH", fmt.Sprintf(`{"owner_id": %d, "title": "Still mine"}`, super)},
			{"PUT", fmt.Sprintf(`{"owner_id": %d, "title": "Still mine"}`, super)},
		} {
			a = serve(t, f.api, w.method, fmt.Sprintf("/api/v1/custom_dashboard/%v/", id), f.as(plainName), w.body)
			if a.status != 200 && a.status != 202 || ownerOf(id) != plain || fmt.Sprint(a.body["owner_id"]) != fmt.Sprint(plain) {
				t.Errorf("%s: %d %s; owner %d", w.method, a.status, a.raw, ownerOf(id))
			}
		}
		// A nested dashboard, created with a chart, is its creator's too.
		a = serve(t, f.api, "POST", "/api/v1/custom_chart/", f.as(scopedName), `{"title": "c", "chart_json": {}, "dashboard": {"title": "Nested"}}`)
		if a.status != 201 {
			t.Fatalf("nested: %d %s", a.status, a.raw)
		}
		if n := f.scalar(t, `SELECT owner_id FROM custom_dashboard WHERE title = 'Nested'`); n != f.ids[scopedName] {
			t.Errorf("nested dashboard owner %d", n)
		}
	})
}

// Others' dashboards, and their charts, are read-only to anyone but a superuser: 403 on every write, and
// a write by filter leaves them out. Every write is checked against the database.
func TestOthersDashboardsAreReadOnly(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		mk := func(user, path, body string) string {
			a := serve(t, f.api, "POST", path, f.as(user), body)
			if a.status != 201 {
				t.Fatalf("create: %d %s", a.status, a.raw)
			}
			return fmt.Sprint(a.body["id"])
		}
		board := mk(plainName, "/api/v1/custom_dashboard/", `{"title": "Plain's"}`)
		chart := mk(plainName, "/api/v1/custom_chart/", `{"title": "c", "chart_json": {}, "dashboard_id": `+board+`}`)
		mine := mk(scopedName, "/api/v1/custom_dashboard/", `{"title": "Region's"}`)
		myChart := mk(scopedName, "/api/v1/custom_chart/", `{"title": "m", "chart_json": {}, "dashboard_id": `+mine+`}`)
		tables := []string{"custom_dashboard", "custom_chart"}
		tests := []struct {
			name, method, url, body string
			status                  int
		}{
			{"PATCH another's dashboard", "PATCH", "/api/v1/custom_dashboard/" + board + "/", `{"title": "x"}`, 403},
			{"PUT another's dashboard", "PUT", "/api/v1/custom_dashboard/" + board + "/", `{"title": "x"}`, 403},
			{"DELETE another's dashboard", "DELETE", "/api/v1/custom_dashboard/" + board + "/", "", 403},
			{"bulk PATCH of another's dashboard", "PATCH", "/api/v1/custom_dashboard/", `{"objects": [{"resource_uri": "/api/v1/custom_dashboard/` + board + `/", "title": "x"}]}`, 403},
			{"bulk delete of another's dashboard", "PATCH", "/api/v1/custom_dashboard/", `{"deleted_objects": ["/api/v1/custom_dashboard/` + board + `/"]}`, 403},
			{"a chart linked to another's dashboard by key", "POST", "/api/v1/custom_chart/", `{"title": "x", "chart_json": {}, "dashboard": ` + board + `}`, 403},
			{"a chart linked to another's dashboard by URI", "POST", "/api/v1/custom_chart/", `{"title": "x", "chart_json": {}, "dashboard": "/api/v1/custom_dashboard/` + board + `/"}`, 403},
			{"my chart moved to another's dashboard as an object", "PATCH", "/api/v1/custom_chart/" + myChart + "/", `{"dashboard": {"id": ` + board + `}}`, 403},
			{"another's chart listed under my dashboard", "PUT", "/api/v1/custom_dashboard/" + mine + "/", `{"title": "x", "charts": [{"id": ` + chart + `, "title": "stolen"}]}`, 403},
			{"add a chart to another's dashboard", "POST", "/api/v1/custom_chart/", `{"title": "x", "chart_json": {}, "dashboard_id": ` + board + `}`, 403},
			{"change another's chart", "PATCH", "/api/v1/custom_chart/" + chart + "/", `{"title": "x"}`, 403},
			{"move another's chart to my dashboard", "PATCH", "/api/v1/custom_chart/" + chart + "/", `{"dashboard_id": ` + mine + `}`, 403},
			{"move my chart to another's dashboard", "PATCH", "/api/v1/custom_chart/" + myChart + "/", `{"dashboard_id": ` + board + `}`, 403},
			{"move my charts by filter to another's dashboard", "PATCH", "/api/v1/custom_chart/?id=" + myChart, `{"dashboard_id": ` + board + `}`, 403},
			{"DELETE another's chart", "DELETE", "/api/v1/custom_chart/" + chart + "/", "", 403},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := f.snapshot(t, tables...)
				a := serve(t, f.api, tt.method, tt.url, f.as(scopedName), tt.body)
				if a.status != tt.status || a.code() != "FORBIDDEN" {
					t.Errorf("%d %s", a.status, a.raw)
				}
				if after := f.snapshot(t, tables...); after != before {
					t.Errorf("changed:\n%s\n%s", before, after)
				}
			})
		}
		// Writes by filter leave others' dashboards and charts out.
		for _, w := range []struct{ method, url, body, want string }{
			{"PATCH", "/api/v1/custom_dashboard/?id__in=" + board + "," + mine, `{"description": "by filter"}`, `{"updated": 1}`},
			{"PATCH", "/api/v1/custom_chart/?id__in=" + chart + "," + myChart, `{"title": "by filter"}`, `{"updated": 1}`},
			{"DELETE", "/api/v1/custom_chart/?id__in=" + chart + "," + myChart, "", `{"deleted": 1}`},
			{"DELETE", "/api/v1/custom_dashboard/?id__in=" + board + "," + mine, "", `{"deleted": 1}`},
		} {
			if a := serve(t, f.api, w.method, w.url, f.as(scopedName), w.body); a.raw != w.want {
				t.Errorf("%s %s: %d %s, want %s", w.method, w.url, a.status, a.raw, w.want)
			}
		}
		left := fmt.Sprint(f.idList(t, `SELECT id FROM custom_dashboard WHERE id IN (?, ?) ORDER BY id`, board, mine),
			f.idList(t, `SELECT id FROM custom_chart WHERE id IN (?, ?) ORDER BY id`, chart, myChart))
		if want := fmt.Sprintf("[%s] [%s]", board, chart); left != want {
			t.Errorf("left %s, want %s", left, want)
		}
		if n := f.scalar(t, `SELECT count(*) FROM custom_dashboard WHERE description = 'by filter'`); n != 0 {
			t.Errorf("%d of others' dashboards changed by filter", n)
		}
		// Everyone reads them; the owner and a superuser change them.
		if a := serve(t, f.api, "GET", "/api/v1/custom_dashboard/"+board+"/?depth=1", f.as(scopedName), ""); a.status != 200 || len(a.body["charts"].([]any)) != 1 {
			t.Errorf("read another's: %d %s", a.status, a.raw)
		}
		for _, user := range []string{plainName, superName} {
			if a := serve(t, f.api, "PATCH", "/api/v1/custom_chart/"+chart+"/", f.as(user), `{"title": "by `+user+`"}`); a.status != 202 {
				t.Errorf("%s changes the chart: %d %s", user, a.status, a.raw)
			}
			if a := serve(t, f.api, "PATCH", "/api/v1/custom_dashboard/"+board+"/", f.as(user), `{"title": "by `+user+`"}`); a.status != 202 {
				t.Errorf("%s changes the dashboard: %d %s", user, a.status, a.raw)
			}
		}
		if a := serve(t, f.api, "DELETE", "/api/v1/custom_chart/"+chart+"/", f.as(superName), ""); a.status != 204 {
			t.Errorf("a superuser deletes the chart: %d %s", a.status, a.raw)
		}
		if a := serve(t, f.api, "DELETE", "/api/v1/custom_dashboard/"+board+"/", f.as(plainName), ""); a.status != 204 {
			t.Errorf("the owner deletes the dashboard: %d %s", a.status, a.raw)
		}
		if n := f.scalar(t, `SELECT count(*) FROM custom_dashboard WHERE id = ?`, mustInt(t, board)); n != 0 {
			t.Errorf("the dashboard is still there")
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
