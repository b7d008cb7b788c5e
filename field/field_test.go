package field

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errText is an error's message, or "" for nil, so that a table can hold the expected error as text.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// utc is a time in UTC; tests compare with reflect.DeepEqual, which also checks the location.
func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestTypeString(t *testing.T) {
	tests := []struct {
		give Type
		want string
	}{
		{String, "string"},
		{Integer, "integer"},
		{Float, "float"},
		{Boolean, "boolean"},
		{Date, "date"},
		{DateTime, "datetime"},
		{JSON, "json"},
		{Related, "related"},
		{Type(8), "Type(8)"},
		{Type(-1), "Type(-1)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.give.String(); got != tc.want {
				t.Errorf("Type(%d).String() = %q, want %q", int(tc.give), got, tc.want)
			}
		})
	}
}

// parseTextTests is the table of TestParseText and the seed corpus of FuzzParseText.
var parseTextTests = []struct {
	name    string
	typ     Type
	give    string
	want    any
	wantErr string
}{
	// Integers: spaces around are ignored, base 10 only, 64 bits.
	{name: "integer", typ: Integer, give: "42", want: int64(42)},
	{name: "integer negative", typ: Integer, give: "-7", want: int64(-7)},
	{name: "integer plus sign", typ: Integer, give: "+5", want: int64(5)},
	{name: "integer zero", typ: Integer, give: "0", want: int64(0)},
	{name: "integer leading zeros", typ: Integer, give: "007", want: int64(7)},
	{name: "integer with spaces", typ: Integer, give: "  42 ", want: int64(42)},
	{name: "integer with tab and newline", typ: Integer, give: "\t-3\n", want: int64(-3)},
	{name: "integer max", typ: Integer, give: "9223372036854775807", want: int64(math.MaxInt64)},
	{name: "integer min", typ: Integer, give: "-9223372036854775808", want: int64(math.MinInt64)},
	{name: "integer overflow", typ: Integer, give: "9223372036854775808", wantErr: `9223372036854775808 is out of range: give an integer from -9223372036854775808 to 9223372036854775807`},
	{name: "integer underflow", typ: Integer, give: "-9223372036854775809", wantErr: `-9223372036854775809 is out of range: give an integer from -9223372036854775808 to 9223372036854775807`},
	{name: "integer huge", typ: Integer, give: "99999999999999999999999", wantErr: `99999999999999999999999 is out of range: give an integer from -9223372036854775808 to 9223372036854775807`},
	{name: "integer decimal", typ: Integer, give: "1.5", wantErr: `"1.5" is not an integer`},
	{name: "integer with .0", typ: Integer, give: "3.0", wantErr: `"3.0" is not an integer`},
	{name: "integer exponent", typ: Integer, give: "1e3", wantErr: `"1e3" is not an integer`},
	{name: "integer hex", typ: Integer, give: "0x10", wantErr: `"0x10" is not an integer`},
	{name: "integer underscores", typ: Integer, give: "1_000", wantErr: `"1_000" is not an integer`},
	{name: "integer inner space", typ: Integer, give: "1 000", wantErr: `"1 000" is not an integer`},
	{name: "integer word", typ: Integer, give: "abc", wantErr: `"abc" is not an integer`},
	{name: "integer empty", typ: Integer, give: "", wantErr: `"" is not an integer`},
	{name: "integer blank keeps spaces in message", typ: Integer, give: " x ", wantErr: `" x " is not an integer`},
	{name: "related is an integer", typ: Related, give: " 12 ", want: int64(12)},
	{name: "related refused", typ: Related, give: "/api/v1/x/1/", wantErr: `"/api/v1/x/1/" is not an integer`},

	// Floats: finite only.
	{name: "float", typ: Float, give: "1.5", want: 1.5},
	{name: "float integer text", typ: Float, give: "2", want: 2.0},
	{name: "float negative", typ: Float, give: "-0.25", want: -0.25},
	{name: "float negative zero", typ: Float, give: "-0", want: math.Copysign(0, -1)},
	{name: "float exponent", typ: Float, give: "1e3", want: 1000.0},
	{name: "float small exponent", typ: Float, give: "2.5E-7", want: 2.5e-7},
	{name: "float leading dot", typ: Float, give: ".5", want: 0.5},
	{name: "float with spaces", typ: Float, give: " 3.25\t", want: 3.25},
	{name: "float max", typ: Float, give: "1.7976931348623157e308", want: math.MaxFloat64},
	{name: "float underflow is zero", typ: Float, give: "1e-400", want: 0.0},
	{name: "float overflow", typ: Float, give: "1e400", wantErr: `"1e400" is not a number`},
	{name: "float NaN", typ: Float, give: "NaN", wantErr: `"NaN" is not a number`},
	{name: "float nan", typ: Float, give: "nan", wantErr: `"nan" is not a number`},
	{name: "float Inf", typ: Float, give: "Inf", wantErr: `"Inf" is not a number`},
	{name: "float +Inf", typ: Float, give: "+Inf", wantErr: `"+Inf" is not a number`},
	{name: "float -Inf", typ: Float, give: "-Inf", wantErr: `"-Inf" is not a number`},
	{name: "float infinity", typ: Float, give: "infinity", wantErr: `"infinity" is not a number`},
	{name: "float word", typ: Float, give: "high", wantErr: `"high" is not a number`},
	{name: "float comma", typ: Float, give: "1,5", wantErr: `"1,5" is not a number`},
	{name: "float empty", typ: Float, give: "", wantErr: `"" is not a number`},

	// Booleans: true/false/1/0, any case, spaces ignored.
	{name: "boolean true", typ: Boolean, give: "true", want: true},
	{name: "boolean false", typ: Boolean, give: "false", want: false},
	{name: "boolean 1", typ: Boolean, give: "1", want: true},
	{name: "boolean 0", typ: Boolean, give: "0", want: false},
	{name: "boolean TRUE", typ: Boolean, give: "TRUE", want: true},
	{name: "boolean False", typ: Boolean, give: "False", want: false},
	{name: "boolean with spaces", typ: Boolean, give: " true\n", want: true},
	{name: "boolean yes", typ: Boolean, give: "yes", wantErr: `"yes" is not a boolean (use true, false, 1 or 0)`},
	{name: "boolean t", typ: Boolean, give: "t", wantErr: `"t" is not a boolean (use true, false, 1 or 0)`},
	{name: "boolean 2", typ: Boolean, give: "2", wantErr: `"2" is not a boolean (use true, false, 1 or 0)`},
	{name: "boolean 01", typ: Boolean, give: "01", wantErr: `"01" is not a boolean (use true, false, 1 or 0)`},
	{name: "boolean empty", typ: Boolean, give: "", wantErr: `"" is not a boolean (use true, false, 1 or 0)`},

	// Dates: YYYY-MM-DD, or a timestamp truncated to its UTC date.
	{name: "date", typ: Date, give: "2024-01-02", want: utc(2024, 1, 2, 0, 0, 0, 0)},
	{name: "date leap day", typ: Date, give: "2024-02-29", want: utc(2024, 2, 29, 0, 0, 0, 0)},
	{name: "date with spaces", typ: Date, give: " 2024-01-02 ", want: utc(2024, 1, 2, 0, 0, 0, 0)},
	{name: "date from timestamp", typ: Date, give: "2024-01-02T23:59:59.999999Z", want: utc(2024, 1, 2, 0, 0, 0, 0)},
	{name: "date from zoned timestamp is the UTC date", typ: Date, give: "2024-01-02T23:30:00-05:00", want: utc(2024, 1, 3, 0, 0, 0, 0)},
	{name: "date from zone-less timestamp", typ: Date, give: "2024-01-02 03:04:05", want: utc(2024, 1, 2, 0, 0, 0, 0)},
	{name: "date not a leap year", typ: Date, give: "2023-02-29", wantErr: `"2023-02-29" is not an ISO 8601 date (YYYY-MM-DD)`},
	{name: "date month 13", typ: Date, give: "2024-13-01", wantErr: `"2024-13-01" is not an ISO 8601 date (YYYY-MM-DD)`},
	{name: "date without leading zeros", typ: Date, give: "2024-1-2", wantErr: `"2024-1-2" is not an ISO 8601 date (YYYY-MM-DD)`},
	{name: "date day first", typ: Date, give: "02/01/2024", wantErr: `"02/01/2024" is not an ISO 8601 date (YYYY-MM-DD)`},
	{name: "date message is trimmed", typ: Date, give: " today ", wantErr: `"today" is not an ISO 8601 date (YYYY-MM-DD)`},
	{name: "date empty", typ: Date, give: "", wantErr: `"" is not an ISO 8601 date (YYYY-MM-DD)`},

	// Timestamps: every accepted layout, the result in UTC.
	{name: "datetime Z", typ: DateTime, give: "2024-01-02T03:04:05Z", want: utc(2024, 1, 2, 3, 4, 5, 0)},
	{name: "datetime wire form", typ: DateTime, give: "2024-01-02T03:04:05.123456Z", want: utc(2024, 1, 2, 3, 4, 5, 123456000)},
	{name: "datetime nanoseconds", typ: DateTime, give: "2024-01-02T03:04:05.123456789Z", want: utc(2024, 1, 2, 3, 4, 5, 123456789)},
	{name: "datetime positive offset", typ: DateTime, give: "2024-01-02T03:04:05.5+02:00", want: utc(2024, 1, 2, 1, 4, 5, 500000000)},
	{name: "datetime negative offset", typ: DateTime, give: "2024-01-02T03:04:05-05:30", want: utc(2024, 1, 2, 8, 34, 5, 0)},
	{name: "datetime offset crossing a year", typ: DateTime, give: "2024-01-01T00:30:00+01:00", want: utc(2023, 12, 31, 23, 30, 0, 0)},
	{name: "datetime zero offset", typ: DateTime, give: "2024-01-02T03:04:05+00:00", want: utc(2024, 1, 2, 3, 4, 5, 0)},
	{name: "datetime without zone", typ: DateTime, give: "2024-01-02T03:04:05", want: utc(2024, 1, 2, 3, 4, 5, 0)},
	{name: "datetime without zone with fraction", typ: DateTime, give: "2024-01-02T03:04:05.25", want: utc(2024, 1, 2, 3, 4, 5, 250000000)},
	{name: "datetime space with zone", typ: DateTime, give: "2024-01-02 03:04:05+01:00", want: utc(2024, 1, 2, 2, 4, 5, 0)},
	{name: "datetime space with Z", typ: DateTime, give: "2024-01-02 03:04:05Z", want: utc(2024, 1, 2, 3, 4, 5, 0)},
	{name: "datetime space with fraction and zone", typ: DateTime, give: "2024-01-02 03:04:05.000001-01:00", want: utc(2024, 1, 2, 4, 4, 5, 1000)},
	{name: "datetime space without zone", typ: DateTime, give: "2024-01-02 03:04:05", want: utc(2024, 1, 2, 3, 4, 5, 0)},
	{name: "datetime minutes only", typ: DateTime, give: "2024-01-02T03:04", want: utc(2024, 1, 2, 3, 4, 0, 0)},
	{name: "datetime bare date", typ: DateTime, give: "2024-01-02", want: utc(2024, 1, 2, 0, 0, 0, 0)},
	{name: "datetime with spaces", typ: DateTime, give: "  2024-01-02T03:04:05Z\n", want: utc(2024, 1, 2, 3, 4, 5, 0)},
	{name: "datetime hour 25", typ: DateTime, give: "2024-01-02T25:00:00Z", wantErr: `"2024-01-02T25:00:00Z" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)`},
	{name: "datetime epoch seconds", typ: DateTime, give: "1704164645", wantErr: `"1704164645" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)`},
	{name: "datetime word", typ: DateTime, give: "yesterday", wantErr: `"yesterday" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)`},
	{name: "datetime empty", typ: DateTime, give: "", wantErr: `"" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)`},

	// Strings and JSON are kept as given, spaces included.
	{name: "string", typ: String, give: " a b ", want: " a b "},
	{name: "string empty", typ: String, give: "", want: ""},
	{name: "string NUL", typ: String, give: "a\x00b", want: "a\x00b"},
	{name: "json", typ: JSON, give: `{"a": 1}`, want: `{"a": 1}`},
	{name: "unknown type", typ: Type(42), give: "x", want: "x"},
}

func TestParseText(t *testing.T) {
	for _, tc := range parseTextTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseText(tc.typ, tc.give)
			if errText(err) != tc.wantErr {
				t.Errorf("ParseText(%v, %q) error %q, want %q", tc.typ, tc.give, errText(err), tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseText(%v, %q) = %#v, want %#v", tc.typ, tc.give, got, tc.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		want    time.Time
		wantErr string
	}{
		{name: "date", give: "1840-04-02", want: utc(1840, 4, 2, 0, 0, 0, 0)},
		{name: "timestamp truncated", give: "2024-01-02T03:04:05.999Z", want: utc(2024, 1, 2, 0, 0, 0, 0)},
		{name: "last nanosecond of the day", give: "2024-12-31T23:59:59.999999999Z", want: utc(2024, 12, 31, 0, 0, 0, 0)},
		{name: "zone-less timestamp truncated", give: "2024-01-02T03:04", want: utc(2024, 1, 2, 0, 0, 0, 0)},
		{name: "zoned timestamp truncated in UTC", give: "2024-01-02T01:00:00+02:00", want: utc(2024, 1, 1, 0, 0, 0, 0)},
		{name: "not a date", give: "2024-02-30", wantErr: `"2024-02-30" is not an ISO 8601 date (YYYY-MM-DD)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDate(tc.give)
			if errText(err) != tc.wantErr {
				t.Errorf("ParseDate(%q) error %q, want %q", tc.give, errText(err), tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDate(%q) = %v, want %v", tc.give, got, tc.want)
			}
		})
	}
}

func TestFromJSON(t *testing.T) {
	tests := []struct {
		name    string
		typ     Type
		give    any
		want    any
		wantErr string
	}{
		// nil stays nil whatever the type.
		{name: "string nil", typ: String, give: nil, want: nil},
		{name: "integer nil", typ: Integer, give: nil, want: nil},
		{name: "float nil", typ: Float, give: nil, want: nil},
		{name: "boolean nil", typ: Boolean, give: nil, want: nil},
		{name: "date nil", typ: Date, give: nil, want: nil},
		{name: "datetime nil", typ: DateTime, give: nil, want: nil},
		{name: "json nil", typ: JSON, give: nil, want: nil},
		{name: "related nil", typ: Related, give: nil, want: nil},

		// Strings take strings only.
		{name: "string", typ: String, give: "Zola", want: "Zola"},
		{name: "string empty", typ: String, give: "", want: ""},
		{name: "string from json.Number", typ: String, give: json.Number("1"), wantErr: "expected a string, got a number"},
		{name: "string from float64", typ: String, give: 1.5, wantErr: "expected a string, got a number"},
		{name: "string from bool", typ: String, give: true, wantErr: "expected a string, got a boolean"},
		{name: "string from array", typ: String, give: []any{"a"}, wantErr: "expected a string, got an array"},
		{name: "string from object", typ: String, give: map[string]any{"a": "b"}, wantErr: "expected a string, got an object"},
		{name: "string from a Go int", typ: String, give: 3, wantErr: "expected a string, got int"},

		// Integers.
		{name: "integer json.Number", typ: Integer, give: json.Number("42"), want: int64(42)},
		{name: "integer json.Number negative", typ: Integer, give: json.Number("-42"), want: int64(-42)},
		{name: "integer json.Number max", typ: Integer, give: json.Number("9223372036854775807"), want: int64(math.MaxInt64)},
		{name: "integer json.Number overflow", typ: Integer, give: json.Number("9223372036854775808"), wantErr: "9223372036854775808 is out of range: give an integer from -9223372036854775808 to 9223372036854775807"},
		{name: "integer json.Number decimal", typ: Integer, give: json.Number("1.5"), wantErr: "1.5 is not an integer"},
		{name: "integer json.Number exponent", typ: Integer, give: json.Number("1e3"), wantErr: "1e3 is not an integer"},
		{name: "integer float64 integral", typ: Integer, give: 7.0, want: int64(7)},
		{name: "integer float64 negative", typ: Integer, give: -7.0, want: int64(-7)},
		{name: "integer float64 largest exact", typ: Integer, give: float64(1<<53 - 1), want: int64(1<<53 - 1)},
		{name: "integer float64 beyond exact", typ: Integer, give: float64(1 << 53), wantErr: "9.007199254740992e+15 is not an integer"},
		{name: "integer float64 fraction", typ: Integer, give: 1.5, wantErr: "1.5 is not an integer"},
		{name: "integer float64 NaN", typ: Integer, give: math.NaN(), wantErr: "NaN is not an integer"},
		{name: "integer float64 Inf", typ: Integer, give: math.Inf(1), wantErr: "+Inf is not an integer"},
		{name: "integer string", typ: Integer, give: " 12 ", want: int64(12)},
		{name: "integer string refused", typ: Integer, give: "many", wantErr: `"many" is not an integer`},
		{name: "integer bool", typ: Integer, give: true, wantErr: "expected an integer, got a boolean"},
		{name: "integer array", typ: Integer, give: []any{json.Number("1")}, wantErr: "expected an integer, got an array"},
		{name: "integer object", typ: Integer, give: map[string]any{}, wantErr: "expected an integer, got an object"},
		{name: "related json.Number", typ: Related, give: json.Number("3"), want: int64(3)},
		{name: "related string", typ: Related, give: "3", want: int64(3)},
		{name: "related object", typ: Related, give: map[string]any{"id": json.Number("3")}, wantErr: "expected an integer, got an object"},

		// Floats: finite only.
		{name: "float json.Number", typ: Float, give: json.Number("4.5"), want: 4.5},
		{name: "float json.Number integer", typ: Float, give: json.Number("3"), want: 3.0},
		{name: "float json.Number exponent", typ: Float, give: json.Number("-1.5e-3"), want: -0.0015},
		{name: "float json.Number overflow", typ: Float, give: json.Number("1e400"), wantErr: `"1e400" is not a number`},
		{name: "float float64", typ: Float, give: 2.25, want: 2.25},
		{name: "float float64 NaN", typ: Float, give: math.NaN(), wantErr: "NaN is not a number"},
		{name: "float float64 +Inf", typ: Float, give: math.Inf(1), wantErr: "+Inf is not a number"},
		{name: "float float64 -Inf", typ: Float, give: math.Inf(-1), wantErr: "-Inf is not a number"},
		{name: "float string", typ: Float, give: "2.5", want: 2.5},
		{name: "float string NaN", typ: Float, give: "NaN", wantErr: `"NaN" is not a number`},
		{name: "float string refused", typ: Float, give: "high", wantErr: `"high" is not a number`},
		{name: "float bool", typ: Float, give: false, wantErr: "expected a number, got a boolean"},
		{name: "float array", typ: Float, give: []any{}, wantErr: "expected a number, got an array"},
		{name: "float object", typ: Float, give: map[string]any{}, wantErr: "expected a number, got an object"},

		// Booleans.
		{name: "boolean true", typ: Boolean, give: true, want: true},
		{name: "boolean false", typ: Boolean, give: false, want: false},
		{name: "boolean string", typ: Boolean, give: "TRUE", want: true},
		{name: "boolean string 0", typ: Boolean, give: "0", want: false},
		{name: "boolean string refused", typ: Boolean, give: "maybe", wantErr: `"maybe" is not a boolean (use true, false, 1 or 0)`},
		{name: "boolean json.Number 1", typ: Boolean, give: json.Number("1"), want: true},
		{name: "boolean json.Number 0", typ: Boolean, give: json.Number("0"), want: false},
		{name: "boolean json.Number 2", typ: Boolean, give: json.Number("2"), wantErr: `"2" is not a boolean (use true, false, 1 or 0)`},
		{name: "boolean float64", typ: Boolean, give: 1.0, wantErr: "expected a boolean, got a number"},
		{name: "boolean array", typ: Boolean, give: []any{true}, wantErr: "expected a boolean, got an array"},
		{name: "boolean object", typ: Boolean, give: map[string]any{}, wantErr: "expected a boolean, got an object"},

		// Dates and timestamps come as ISO 8601 strings.
		{name: "date", typ: Date, give: "1840-04-02", want: utc(1840, 4, 2, 0, 0, 0, 0)},
		{name: "date from timestamp", typ: Date, give: "1840-04-02T12:00:00Z", want: utc(1840, 4, 2, 0, 0, 0, 0)},
		{name: "date refused", typ: Date, give: "April 2nd", wantErr: `"April 2nd" is not an ISO 8601 date (YYYY-MM-DD)`},
		{name: "date number", typ: Date, give: json.Number("18400402"), wantErr: "expected an ISO 8601 string, got a number"},
		{name: "date bool", typ: Date, give: true, wantErr: "expected an ISO 8601 string, got a boolean"},
		{name: "datetime", typ: DateTime, give: "2024-01-02T03:04:05+01:00", want: utc(2024, 1, 2, 2, 4, 5, 0)},
		{name: "datetime bare date", typ: DateTime, give: "2024-01-02", want: utc(2024, 1, 2, 0, 0, 0, 0)},
		{name: "datetime refused", typ: DateTime, give: "now", wantErr: `"now" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)`},
		{name: "datetime float64", typ: DateTime, give: 1704164645.0, wantErr: "expected an ISO 8601 string, got a number"},
		{name: "datetime object", typ: DateTime, give: map[string]any{}, wantErr: "expected an ISO 8601 string, got an object"},
		{name: "datetime array", typ: DateTime, give: []any{}, wantErr: "expected an ISO 8601 string, got an array"},

		// JSON takes any value and keeps its text.
		{name: "json object", typ: JSON, give: map[string]any{"b": json.Number("1.50"), "a": []any{true, nil}},
			want: json.RawMessage(`{"a":[true,null],"b":1.50}`)},
		{name: "json array", typ: JSON, give: []any{json.Number("1"), "x", map[string]any{}}, want: json.RawMessage(`[1,"x",{}]`)},
		{name: "json empty array", typ: JSON, give: []any{}, want: json.RawMessage(`[]`)},
		{name: "json string", typ: JSON, give: "text", want: json.RawMessage(`"text"`)},
		{name: "json string HTML-escaped", typ: JSON, give: "<a&b>", want: json.RawMessage(`"\u003ca\u0026b\u003e"`)},
		{name: "json number", typ: JSON, give: json.Number("-0.0"), want: json.RawMessage(`-0.0`)},
		{name: "json float64", typ: JSON, give: 2.5, want: json.RawMessage(`2.5`)},
		{name: "json bool", typ: JSON, give: false, want: json.RawMessage(`false`)},
		{name: "json NaN", typ: JSON, give: math.NaN(), wantErr: "is not JSON: json: unsupported value: NaN"},
		{name: "json bad number", typ: JSON, give: json.Number("abc"), wantErr: `is not JSON: json: invalid number literal "abc"`},

		// An unknown type passes the value through.
		{name: "unknown type", typ: Type(42), give: []any{"x"}, want: []any{"x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromJSON(tc.typ, tc.give)
			if errText(err) != tc.wantErr {
				t.Errorf("FromJSON(%v, %#v) error %q, want %q", tc.typ, tc.give, errText(err), tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FromJSON(%v, %#v) = %#v, want %#v", tc.typ, tc.give, got, tc.want)
			}
		})
	}
}

// FuzzParseText checks that ParseText never panics, returns the Go type its field type promises, and
// that a parsed integer, float or boolean reads back the same from its text form.
func FuzzParseText(f *testing.F) {
	for _, tc := range parseTextTests {
		f.Add(uint8(tc.typ), tc.give)
	}
	f.Fuzz(func(t *testing.T, typ uint8, s string) {
		ft := Type(typ % uint8(len(typeNames)))
		v, err := ParseText(ft, s)
		if err != nil {
			if v != nil {
				t.Fatalf("ParseText(%v, %q) = %#v with error %v", ft, s, v, err)
			}
			return
		}
		var text string
		switch x := v.(type) {
		case int64:
			text = strconv.FormatInt(x, 10)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("ParseText(%v, %q) = %v, not finite", ft, s, x)
			}
			text = strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			text = strconv.FormatBool(x)
		case time.Time:
			if x.Location() != time.UTC {
				t.Fatalf("ParseText(%v, %q) = %v, not in UTC", ft, s, x)
			}
			return
		case string:
			if x != s {
				t.Fatalf("ParseText(%v, %q) = %q, changed", ft, s, x)
			}
			return
		default:
			t.Fatalf("ParseText(%v, %q) = %#v of type %T", ft, s, v, v)
		}
		back, err := ParseText(ft, text)
		if err != nil {
			t.Fatalf("ParseText(%v, %q) = %#v, whose text %q is refused: %v", ft, s, v, text, err)
		}
		if !reflect.DeepEqual(back, v) || math.Signbit(toFloat(back)) != math.Signbit(toFloat(v)) {
			t.Fatalf("ParseText(%v, %q) = %#v, but its text %q reads back as %#v", ft, s, v, text, back)
		}
	})
}

// toFloat is a float64 value as itself and anything else as 0, so that the sign of zero is compared.
func toFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

// TestParseKey: an integer key only in its canonical decimal form; other keys as their non-empty text.
func TestParseKey(t *testing.T) {
	tests := []struct {
		t    Type
		s    string
		want any
		ok   bool
	}{
		{Integer, "33", int64(33), true},
		{Integer, "-4", int64(-4), true},
		{Integer, "0", int64(0), true},
		{Related, "7", int64(7), true},
		{Integer, "9223372036854775807", int64(9223372036854775807), true},
		{Integer, "9223372036854775808", nil, false},
		{Integer, "+33", nil, false},
		{Integer, "033", nil, false},
		{Integer, " 33", nil, false},
		{Integer, "33 ", nil, false},
		{Integer, "33.0", nil, false},
		{Integer, "-0", nil, false},
		{Integer, "3e1", nil, false},
		{Integer, "", nil, false},
		{String, "a;b", "a;b", true},
		{String, " a", " a", true},
		{String, "", "", false},
		{Date, "2024-01-02", "2024-01-02", true},
	}
	for _, tc := range tests {
		got, ok := ParseKey(tc.t, tc.s)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseKey(%v, %q) = %v, %v; want %v, %v", tc.t, tc.s, got, ok, tc.want, tc.ok)
		}
	}
}

// TestYearsAndNUL: dates and timestamps outside the years 1 to 9999 in UTC, and JSON holding a NUL
// character, are refused (before, year 0 parsed, and PostgreSQL answered the write with a 500 or a
// 400 naming no field).
func TestYearsAndNUL(t *testing.T) {
	for _, s := range []string{"0000-01-01", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-02:00", "0000-06-01T12:00:00Z"} {
		if _, err := ParseText(Date, s); err == nil || !strings.Contains(err.Error(), "outside the years") {
			t.Errorf("date %q: %v", s, err)
		}
		if _, err := ParseText(DateTime, s); err == nil || !strings.Contains(err.Error(), "outside the years") {
			t.Errorf("timestamp %q: %v", s, err)
		}
	}
	for _, s := range []string{"0001-01-01", "9999-12-31", "9999-12-31T23:59:59Z", "0001-01-01T01:00:00+01:00"} {
		if _, err := ParseText(DateTime, s); err != nil {
			t.Errorf("timestamp %q: %v", s, err)
		}
	}
	for _, v := range []any{"\x00", []any{"a", "b\x00"}, map[string]any{"k\x00": 1.0}, map[string]any{"k": map[string]any{"x": []any{"\x00"}}}} {
		if _, err := FromJSON(JSON, v); err == nil {
			t.Errorf("JSON %#v: no error", v)
		}
	}
	if _, err := FromJSON(JSON, map[string]any{"k": `\u0000`}); err != nil {
		t.Errorf("the text \\u0000: %v", err)
	}
}
