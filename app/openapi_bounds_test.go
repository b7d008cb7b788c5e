package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// TestCheckBounds: the CHECK constraints admin_level 0–4 and latitude/longitude are minimum/maximum
// in the OpenAPI document and /schema/, and a write outside them is a 400 whose details.fields names
// the field, with nothing written.
func TestCheckBounds(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		admin := f.as(superName)
		doc := serve(t, f.api, http.MethodGet, "/api/v1/openapi.json", admin, "")
		raw, _ := json.Marshal(doc.body["components"].(map[string]any)["schemas"].(map[string]any)["location_type"].(map[string]any)["properties"].(map[string]any)["admin_level"])
		var level map[string]any
		_ = json.Unmarshal(raw, &level)
		if level["minimum"] != 0.0 || level["maximum"] != 4.0 {
			t.Errorf("admin_level in the document: %s", raw)
		}
		schema := serve(t, f.api, http.MethodGet, "/api/v1/location/schema/", admin, "")
		lat := schema.body["fields"].(map[string]any)["latitude"].(map[string]any)
		if fmt.Sprint(lat["min_value"]) != "-90" || fmt.Sprint(lat["max_value"]) != "90" {
			t.Errorf("latitude in /schema/: %v", lat)
		}
		before := f.scalar(t, "SELECT count(*) FROM location_type")
		a := serve(t, f.api, http.MethodPost, "/api/v1/location_type/", admin, `{"name": "deep", "admin_level": 9}`)
		fields, _ := a.body["details"].(map[string]any)["fields"].(map[string]any)
		if a.status != http.StatusBadRequest || a.code() != "VALIDATION_ERROR" || fields["admin_level"] != "must be between 0 and 4" {
			t.Errorf("admin_level 9: %d %s", a.status, a.raw)
		}
		if n := f.scalar(t, "SELECT count(*) FROM location_type"); n != before {
			t.Errorf("%d location types, want %d", n, before)
		}
		loc := f.locationID(t, scopedTop)
		a = serve(t, f.api, http.MethodPatch, "/api/v1/location/"+strconv.FormatInt(loc, 10)+"/", admin, `{"latitude": 91.5, "longitude": -181}`)
		fields, _ = a.body["details"].(map[string]any)["fields"].(map[string]any)
		if a.status != http.StatusBadRequest || fields["latitude"] != "must be between -90 and 90" || fields["longitude"] != "must be between -180 and 180" {
			t.Errorf("latitude 91.5: %d %s", a.status, a.raw)
		}
		if a := serve(t, f.api, http.MethodPost, "/api/v1/location_type/", admin, `{"name": "deep", "admin_level": 4}`); a.status != http.StatusCreated {
			t.Errorf("admin_level 4: %d %s", a.status, a.raw)
		}
	})
}
