package locations

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/filters"
)

// FuzzParse feeds arbitrary query strings, plus one key and value added as they are, through Parse
// and, when they parse, through the sub-queries of both kinds of tree (the look-ups of a type or an
// indicator by name stand resolved). Invariants: no panic; an error is a 400 INVALID_VALUE or
// MISSING_PARAMETER naming a location parameter the query gives; what parses is within the limits
// (at most filters.MaxValues ids, a depth up to MaxDepth, a finite value) and its SQL has one
// argument per placeholder, every argument a number: no text of the query reaches the SQL.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "location_id__in=1,2&location_id__in=3", "location_id=1&location_type=District&location_depth=0",
		"location_type=4", "filter_indicator=x&filter_value=1.5", "name=kabul&limit=3", "location_depth=2",
		"location_id__in=1&location_depth=2", "location_id=1&location_depth=-1", "location_id=1&location_depth=1.5",
		"location_id=1&location_depth=", "location_id=x", "location_id=1&location_id=2", "location_id__in=1,,2",
		"location_id__in=", "location_type=", "filter_value=1", "filter_indicator=x", "filter_indicator=x&filter_value=abc",
		"filter_indicator=x&filter_value=NaN", "filter_indicator=x&filter_value=1e309", "location_id=1&location_depth=1000",
		"location_id=1&location_depth=1001", "location_id=1&location_depth=9223372036854775807",
		"location_id__in=7,2,99", "location_id=1&location_depth=2&filter_indicator=cold_chain&filter_value=1",
		"location_id__in=4,6&filter_indicator=cold_chain&filter_value=1.0", "location_type=%FF", "location_type=a%00b",
		"location_id__in=-9223372036854775808", "location_id= 3 ", "location_id__in=" + strings.Repeat("1,", 999) + "1",
		"location_id__in=" + strings.Repeat("1,", 1000) + "1",
	} {
		f.Add(s, "", "")
	}
	f.Add("location_id=1", ParamType, "'; DROP TABLE location --")
	f.Add("", ParamIDIn, "1, 2 ,3")
	f.Fuzz(func(t *testing.T, raw, key, value string) {
		values, _ := url.ParseQuery(raw) // a malformed pair is dropped; the rest is still a query
		if key != "" {
			values.Add(key, value)
		}
		q, err := Parse(values)
		if err != nil {
			e := apierror.As(err)
			if e == nil || (e.Code != apierror.InvalidValue && e.Code != apierror.MissingParameter) {
				t.Fatalf("Parse(%v): %#v is not a 400 INVALID_VALUE or MISSING_PARAMETER", values, err)
			}
			p, _ := e.Details["parameter"].(string)
			if _, given := values[p]; !given || !slices.Contains(names, p) {
				t.Fatalf("Parse(%v): the error names %q, not a location parameter given: %v", values, p, err)
			}
			return
		}
		if len(q.IDs) > filters.MaxValues || (q.Depth != nil && (*q.Depth < 0 || *q.Depth > MaxDepth)) ||
			(q.Value != nil && (math.IsNaN(*q.Value) || math.IsInf(*q.Value, 0))) {
			t.Fatalf("Parse(%v) = %+v: beyond the limits", values, q)
		}
		q.typeID, q.indicatorID, q.resolved = 3, 4, true
		for _, tree := range []Tree{{}, {Closure: "location_closure"}} {
			set, err := Params{Column: "id", Tree: tree}.Set(q)
			if err != nil {
				t.Fatalf("Set(%+v): %v", q, err)
			}
			if set == nil {
				if !q.Empty() {
					t.Fatalf("Set(%+v) is nil", q)
				}
				continue
			}
			sql, args, err := set.ToSql()
			if err != nil {
				t.Fatalf("Set(%+v).ToSql: %v", q, err)
			}
			if n := strings.Count(sql, "?"); n != len(args) {
				t.Fatalf("%d placeholders, %d arguments: %s", n, len(args), sql)
			}
			for _, a := range args {
				switch a.(type) {
				case int, int64, float64:
				default:
					t.Fatalf("argument %#v (%T) is not a number: %s", a, a, sql)
				}
			}
		}
	})
}

// TestParseLimits: location_id__in takes filters.MaxValues ids, not one more.
func TestParseLimits(t *testing.T) {
	for n, wantErr := range map[int]bool{filters.MaxValues: false, filters.MaxValues + 1: true} {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = strconv.Itoa(i)
		}
		if _, err := Parse(url.Values{ParamIDIn: {strings.Join(ids, ",")}}); (err != nil) != wantErr {
			t.Errorf("%d ids: %v", n, err)
		}
	}
}
