package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/openapitest"
)

// TestOpenAPI checks the dashboard's OpenAPI document: valid 3.1, served to whoever may read the
// schemas (as /schema/), with the API's authentication schemes, and matching real answers.
func TestOpenAPI(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		get := func(h http.Handler, authorization string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}

		// Who may read it: as /schema/.
		for _, tc := range []struct {
			name          string
			h             http.Handler
			authorization string
			status        int
		}{
			{"anonymous", f.api, "", http.StatusUnauthorized},
			{"bad key", f.api, "ApiKey admin:nope", http.StatusUnauthorized},
			{"api key", f.api, f.as(superName), http.StatusOK},
			{"bearer", f.api, "Bearer " + f.keys[plainName], http.StatusOK},
			{"basic", f.api, basic(scopedName, "pw-"+scopedName), http.StatusOK},
			{"public read, anonymous", f.public, "", http.StatusOK},
		} {
			rec := get(tc.h, tc.authorization)
			if rec.Code != tc.status {
				t.Errorf("%s: %d, want %d: %.300s", tc.name, rec.Code, tc.status, rec.Body)
			}
			if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: a 401 without WWW-Authenticate", tc.name)
			}
		}

		rec := get(f.api, f.as(superName))
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		v := openapitest.Parse(t, rec.Body.Bytes())
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		components := doc["components"].(map[string]any)
		var schemes []string
		for k := range components["securitySchemes"].(map[string]any) {
			schemes = append(schemes, k)
		}
		sort.Strings(schemes)
		if !reflect.DeepEqual(schemes, []string{"ApiKey", "Basic", "Bearer"}) {
			t.Errorf("security schemes %v", schemes)
		}
		paths := doc["paths"].(map[string]any)
		op := paths["/api/v1/indicator/"].(map[string]any)["get"].(map[string]any)
		if got := len(op["security"].([]any)); got != 3 {
			t.Errorf("indicator list security: %v", op["security"])
		}
		if _, ok := op["responses"].(map[string]any)["401"]; !ok {
			t.Error("indicator list: no 401")
		}
		// With --public-read, reads take no credentials (the empty requirement), writes still do.
		var public map[string]any
		if err := json.Unmarshal(get(f.public, "").Body.Bytes(), &public); err != nil {
			t.Fatal(err)
		}
		indicator := public["paths"].(map[string]any)["/api/v1/indicator/"].(map[string]any)
		readSec, _ := json.Marshal(indicator["get"].(map[string]any)["security"])
		writeSec, _ := json.Marshal(indicator["post"].(map[string]any)["security"])
		if string(readSec) != `[{"ApiKey":[]},{"Bearer":[]},{"Basic":[]},{}]` || string(writeSec) != `[{"ApiKey":[]},{"Bearer":[]},{"Basic":[]}]` {
			t.Errorf("public read: list security %s, create security %s", readSec, writeSec)
		}
		dataFormat := components["schemas"].(map[string]any)["indicator"].(map[string]any)["properties"].(map[string]any)["data_format"].(map[string]any)
		if !reflect.DeepEqual(dataFormat["enum"], []any{"pct", "int", "bool"}) || dataFormat["description"] != "pct, int or bool." {
			t.Errorf("indicator.data_format %v", dataFormat)
		}
		// agg_refresh's own parameter, required.
		var campaignID map[string]any
		for _, p := range paths["/api/v1/agg_refresh/"].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
			if p.(map[string]any)["name"] == "campaign_id" {
				campaignID = p.(map[string]any)
			}
		}
		if campaignID["required"] != true || campaignID["schema"].(map[string]any)["type"] != "integer" {
			t.Errorf("agg_refresh campaign_id %v", campaignID)
		}
		// The to-many relations listed under an object.
		if _, ok := paths["/api/v1/location/{key}/children/"]; !ok {
			t.Error("no /api/v1/location/{key}/children/")
		}

		// Real answers match it.
		campaign := f.scalar(t, "SELECT min(id) FROM campaign")
		location := f.locationID(t, scopedTop)
		for _, tc := range []struct {
			url    string
			status int
		}{
			{"/api/v1/indicator/?limit=2&order_by=-id", 200},
			{"/api/v1/datapoint/?depth=1&limit=3", 200},
			{"/api/v1/campaign/?top_lvl_location__location_code=AF", 200},
			{"/api/v1/location/" + strconv.FormatInt(location, 10) + "/", 200},
			{"/api/v1/location/" + strconv.FormatInt(location, 10) + "/children/?limit=2", 200},
			{"/api/v1/custom_dashboard/?depth=1", 200},
			{"/api/v1/agg_refresh/?campaign_id=" + strconv.FormatInt(campaign, 10), 200},
			{"/api/v1/agg_refresh/", 400},
			{"/api/v1/processing_run/", 200},
			{"/api/v1/indicator/999999/", 404},
		} {
			req := httptest.NewRequest(http.MethodGet, tc.url, nil)
			req.Header.Set("Authorization", f.as(superName))
			if rec := v.CheckResponse(f.api, req); rec.Code != tc.status {
				t.Errorf("GET %s: %d, want %d: %.300s", tc.url, rec.Code, tc.status, rec.Body)
			}
		}
		req := httptest.NewRequest(http.MethodGet, "/api/v1/indicator/", nil)
		if rec := v.CheckResponse(f.api, req); rec.Code != http.StatusUnauthorized {
			t.Errorf("anonymous GET indicator: %d", rec.Code)
		}
	})
}
