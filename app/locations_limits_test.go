package main

import (
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// limitIDs is n location ids, comma-separated: 1,2,...,n.
func limitIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(ids, ",")
}

// TestLocationParamLimits sends location parameters found by fuzzing and by hand that answered 500 or
// differently per backend: more ids than either backend binds in location_id__in (500 on SQLite from
// 32,767, on PostgreSQL from 65,536), a location_type or filter_indicator that is not UTF-8 or holds
// a NUL (500 on PostgreSQL), a location_depth beyond 32 bits (200 on SQLite, a 400 on PostgreSQL that
// named no parameter). Each is now the same 400 naming the parameter on both backends; the largest
// values allowed still answer.
func TestLocationParamLimits(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		tooMany := `{"code": "INVALID_VALUE", "details": {"max": 1000, "parameter": "location_id__in"},` +
			` "error": "location_id__in lists more than 1000 location ids; give at most 1000.", "success": false}`
		cases := []struct {
			name, query string
			status      int
			body        string // the exact body of an error; "" for a list
		}{
			{"1000 ids", "location_id__in=" + limitIDs(1000), 200, ""},
			{"1001 ids", "location_id__in=" + limitIDs(1001), 400, tooMany},
			{"1001 ids over two parameters", "location_id__in=" + limitIDs(500) + "&location_id__in=" + limitIDs(501), 400, tooMany},
			{"70,000 ids", "location_id__in=" + limitIDs(70000), 400, tooMany},
			{"a type that is not UTF-8", "location_type=%FF", 400,
				`{"code": "INVALID_VALUE", "details": {"parameter": "location_type", "value": "\ufffd"}, "error": "location_type: no location_type \"\\xff\".", "success": false}`},
			{"a type with a NUL", "location_type=a%00b", 400,
				`{"code": "INVALID_VALUE", "details": {"parameter": "location_type", "value": "a\u0000b"}, "error": "location_type: no location_type \"a\\x00b\".", "success": false}`},
			{"an indicator that is not UTF-8", "filter_indicator=%C3%28&filter_value=1", 400,
				`{"code": "INVALID_VALUE", "details": {"parameter": "filter_indicator", "value": "\ufffd("}, "error": "filter_indicator: no indicator \"\\xc3(\".", "success": false}`},
			{"depth 1000", "location_id=1&location_depth=1000", 200, ""},
			{"depth 1001", "location_id=1&location_depth=1001", 400,
				`{"code": "INVALID_VALUE", "details": {"parameter": "location_depth", "value": "1001"}, "error": "location_depth must be a number of levels from 0 to 1000; \"1001\" is not one.", "success": false}`},
			{"depth beyond 32 bits", "location_id=1&location_depth=9223372036854775807", 400,
				`{"code": "INVALID_VALUE", "details": {"parameter": "location_depth", "value": "9223372036854775807"}, "error": "location_depth must be a number of levels from 0 to 1000; \"9223372036854775807\" is not one.", "success": false}`},
		}
		before := f.snapshot(t)
		for _, c := range cases {
			for _, res := range []string{"datapoint", "location"} {
				a := serve(t, f.api, "GET", "/api/v1/"+res+"/?"+c.query, f.as(superName), "")
				if a.status != c.status {
					t.Errorf("%s on %s: %d, want %d: %.300s", c.name, res, a.status, c.status, a.raw)
					continue
				}
				if c.body != "" {
					if got := limitJSON(t, a.raw); got != limitJSON(t, c.body) {
						t.Errorf("%s on %s: body\n%s\nwant\n%s", c.name, res, got, limitJSON(t, c.body))
					}
				} else if a.body["objects"] == nil {
					t.Errorf("%s on %s: no objects: %.300s", c.name, res, a.raw)
				}
			}
		}
		if after := f.snapshot(t); after != before {
			t.Errorf("the GETs changed the database:\n%s\nwas\n%s", after, before)
		}
	})
}

// limitJSON re-encodes a JSON text with sorted keys, for comparing bodies.
func limitJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
