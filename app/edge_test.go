package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// TestDashboardRefusesPathAndQueryTricks: the attacks of issue 9 on the dashboard's own handler, as a
// superuser: an encoded "../" that once redirected a DELETE to another resource's object, a
// non-canonical key, and a query string with a ';' that widened a DELETE by filter. Each is refused
// and nothing is deleted.
func TestDashboardRefusesPathAndQueryTricks(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		admin := f.as(superName)
		ind := f.scalar(t, `SELECT min(indicator_id) FROM datapoint`)
		loc := f.scalar(t, `SELECT min(location_id) FROM datapoint WHERE indicator_id = ?`, ind)
		before := f.snapshot(t)
		for _, tc := range []struct {
			method, path string
			status       int
			code         string
		}{
			{http.MethodDelete, fmt.Sprintf("/api/v1/campaign_type/..%%2Findicator%%2F%d/", ind), http.StatusNotFound, "RESOURCE_NOT_FOUND"},
			{http.MethodDelete, fmt.Sprintf("/api/v1/campaign_type//../indicator/%d/", ind), http.StatusNotFound, "RESOURCE_NOT_FOUND"},
			{http.MethodDelete, fmt.Sprintf("/api/v1/indicator/+%d/", ind), http.StatusNotFound, "OBJECT_DOES_NOT_EXIST"},
			{http.MethodDelete, fmt.Sprintf("/api/v1/indicator/0%d/", ind), http.StatusNotFound, "OBJECT_DOES_NOT_EXIST"},
			{http.MethodDelete, fmt.Sprintf("/api/v1/datapoint/?indicator_id=%d&location_id=%d;", ind, loc), http.StatusBadRequest, "INVALID_FILTER"},
			{http.MethodPatch, fmt.Sprintf("/api/v1/datapoint/?indicator_id=%d&location_id=%d;", ind, loc), http.StatusBadRequest, "INVALID_FILTER"},
		} {
			a := serve(t, f.api, tc.method, tc.path, admin, `{"value": 1}`)
			if a.status != tc.status || a.code() != tc.code || a.header.Get("Location") != "" {
				t.Errorf("%s %s: %d %s", tc.method, tc.path, a.status, a.raw)
			}
		}
		if after := f.snapshot(t); after != before {
			t.Errorf("the database changed")
		}
	})
}
