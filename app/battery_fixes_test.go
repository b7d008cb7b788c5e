package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestFilterValueCapAndRepeatedOrder: the battery found that a 1 MB LIKE filter was a 500 (SQLite
// refuses patterns over 50,000 bytes) and that 10,000 repeated order_by terms reached the database. A
// filter value over 4,096 bytes is a 400 naming the filter, and a field named twice in order_by is a
// 400 naming the term, on both backends.
func TestFilterValueCapAndRepeatedOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		admin := f.as(superName)
		for _, tc := range []struct {
			query, code, param string
		}{
			{"name__icontains=" + strings.Repeat("%25", 10000), "INVALID_VALUE", "name__icontains"},
			{"name=" + strings.Repeat("a", 10000), "INVALID_VALUE", "name"},
			{"name__in=a," + strings.Repeat("b", 4097), "INVALID_VALUE", "name__in"},
			{"order_by=id&order_by=id", "INVALID_ORDERING", "order_by"},
			{"order_by=name,-name", "INVALID_ORDERING", "order_by"},
			{"order_by=" + strings.Repeat("id%2C", 10000), "INVALID_ORDERING", "order_by"},
		} {
			a := serve(t, f.api, http.MethodGet, "/api/v1/indicator/?"+tc.query, admin, "")
			details, _ := a.body["details"].(map[string]any)
			if a.status != http.StatusBadRequest || a.code() != tc.code || details["parameter"] != tc.param {
				t.Errorf("%.60s: %d %.300s", tc.query, a.status, a.raw)
			}
		}
		for _, q := range []string{"name=" + strings.Repeat("a", 4096), "order_by=name&order_by=-id"} {
			if a := serve(t, f.api, http.MethodGet, "/api/v1/indicator/?"+q, admin, ""); a.status != http.StatusOK {
				t.Errorf("%.60s: %d %.300s", q, a.status, a.raw)
			}
		}
	})
}

// TestSeveralAuthorizationHeaders: the battery found that a request with two Authorization headers
// was served as the first one's user (200), whatever the second said. Several headers are a 401 in
// the error shape on every route, in either order, and nothing is written.
func TestSeveralAuthorizationHeaders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		before := f.snapshot(t)
		ind := f.scalar(t, `SELECT min(id) FROM indicator`)
		for _, pair := range [][]string{
			{f.as(superName), f.as(superName)},
			{f.as(superName), "ApiKey plain:wrong"},
			{"ApiKey plain:wrong", f.as(superName)},
			{f.as(plainName), basic(superName, "pw-"+superName)},
		} {
			for _, tc := range []struct{ method, path, body string }{
				{http.MethodGet, "/api/v1/indicator/", ""},
				{http.MethodGet, "/api/v1/indicator/schema/", ""},
				{http.MethodDelete, fmt.Sprintf("/api/v1/indicator/%d/", ind), ""},
				{http.MethodPost, "/api/v1/indicator/", `{"name": "x", "short_name": "x"}`},
				{http.MethodGet, fmt.Sprintf("/api/v1/location/%d/children/", f.locationID(t, scopedTop)), ""},
			} {
				for _, h := range []http.Handler{f.api, f.public} {
					req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
					req.Header.Set("Content-Type", "application/json")
					req.Header["Authorization"] = pair
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusUnauthorized || errorShape(rec.Body.Bytes()) != "" ||
						!strings.Contains(rec.Body.String(), `"NOT_AUTHENTICATED"`) || rec.Header().Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s with %d headers: %d %s", tc.method, tc.path, len(pair), rec.Code, rec.Body.String())
					}
				}
			}
		}
		if after := f.snapshot(t); after != before {
			t.Errorf("the database changed")
		}
	})
}

// TestAcceptQualities: the battery found that the Accept header's q-values were half read: q=0 never
// excluded anything ("*/*;q=0" was answered in JSON) and a tie always went to JSON. Both backends now
// negotiate as RFC 9110 says; format= still overrides the header.
func TestAcceptQualities(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		ind := f.scalar(t, `SELECT min(id) FROM indicator`)
		detail := fmt.Sprintf("/api/v1/indicator/%d/", ind)
		for _, tc := range []struct {
			path, accept string
			status       int
			contentType  string
		}{
			{"/api/v1/indicator/", "*/*;q=0", http.StatusNotAcceptable, "application/json"},
			{detail, "application/json;q=0", http.StatusNotAcceptable, "application/json"},
			{detail, "text/csv;q=1, */*;q=0", http.StatusNotAcceptable, "application/json"},
			{"/api/v1/indicator/schema/", "*/*;q=0", http.StatusNotAcceptable, "application/json"},
			{"/api/v1/indicator/", "text/csv, application/json", http.StatusOK, "text/csv"},
			{"/api/v1/indicator/", "application/json, text/csv", http.StatusOK, "application/json"},
			{"/api/v1/indicator/", "application/json;q=0, text/csv", http.StatusOK, "text/csv"},
			{"/api/v1/indicator/", "text/csv;q=0.4, application/json;q=0.5", http.StatusOK, "application/json"},
			{"/api/v1/indicator/?format=json", "*/*;q=0", http.StatusOK, "application/json"},
			{detail, "text/html", http.StatusOK, "text/html"},
		} {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header.Set("Authorization", f.as(superName))
			req.Header.Set("Accept", tc.accept)
			rec := httptest.NewRecorder()
			f.api.ServeHTTP(rec, req)
			ok := rec.Code == tc.status && strings.HasPrefix(rec.Header().Get("Content-Type"), tc.contentType)
			if tc.status == http.StatusNotAcceptable {
				ok = ok && errorShape(rec.Body.Bytes()) == "" && strings.Contains(rec.Body.String(), `"NOT_ACCEPTABLE"`)
			}
			if !ok {
				t.Errorf("%s with Accept %q: %d %s %.200s", tc.path, tc.accept, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		}
	})
}

// TestOutOfRangeDatesAndNUL: the battery found that a date of year 0 (or a timestamp whose zone moves
// it out of the years 1 to 9999) and a string holding "\u0000" reached the database: PostgreSQL
// answered 500 (it stores no NUL in text; SQLite stored them, and year-0 text sorts before every other
// date). Each is a 400 naming the field on both backends, and nothing is written.
func TestOutOfRangeDatesAndNUL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		admin := f.as(superName)
		campaign := f.scalar(t, `SELECT min(id) FROM campaign`)
		dashboard := serve(t, f.api, http.MethodPost, "/api/v1/custom_dashboard/", admin, `{"title": "mine"}`)
		if dashboard.status != http.StatusCreated {
			t.Fatalf("dashboard: %d %s", dashboard.status, dashboard.raw)
		}
		dashURI, _ := dashboard.body["resource_uri"].(string)
		before := f.snapshot(t)
		for _, tc := range []struct {
			method, path, body, field string
		}{
			{http.MethodPatch, fmt.Sprintf("/api/v1/campaign/%d/", campaign), `{"start_date": "0000-01-01"}`, "start_date"},
			{http.MethodPatch, fmt.Sprintf("/api/v1/campaign/%d/", campaign), `{"end_date": "0001-01-01T00:30:00+01:00"}`, "end_date"},
			{http.MethodPatch, fmt.Sprintf("/api/v1/campaign/%d/", campaign), `{"end_date": "9999-12-31T23:00:00-02:00"}`, "end_date"},
			{http.MethodPatch, fmt.Sprintf("/api/v1/campaign/%d/", campaign), `{"name": "a\u0000b"}`, "name"},
			{http.MethodPatch, dashURI, `{"title": "\u0000"}`, "title"},
			{http.MethodPatch, dashURI, `{"layout": {"a": ["x\u0000"]}}`, "layout"},
			{http.MethodPatch, dashURI, `{"layout": {"a\u0000": 1}}`, "layout"},
			{http.MethodPost, "/api/v1/custom_dashboard/", `{"title": "t", "description": "\u0000"}`, "description"},
		} {
			a := serve(t, f.api, tc.method, tc.path, admin, tc.body)
			details, _ := a.body["details"].(map[string]any)
			fields, _ := details["fields"].(map[string]any)
			if a.status != http.StatusBadRequest || a.code() != "VALIDATION_ERROR" || fields[tc.field] == nil {
				t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, a.status, a.raw)
			}
		}
		for _, q := range []string{"start_date=0000-01-01", "start_date__gte=9999-12-31T23:00:00-02:00"} {
			a := serve(t, f.api, http.MethodGet, "/api/v1/campaign/?"+q, admin, "")
			if details, _ := a.body["details"].(map[string]any); a.status != http.StatusBadRequest || details["parameter"] == nil {
				t.Errorf("GET campaign/?%s: %d %s", q, a.status, a.raw)
			}
		}
		if after := f.snapshot(t); after != before {
			t.Errorf("the database changed")
		}
	})
}
