package resource

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"testing/quick"
	"time"
	"unicode/utf8"
)

// errText is an error's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// appendJSONStringTests is the table of TestAppendJSONString and the seed corpus of its fuzz target.
var appendJSONStringTests = []struct {
	name   string
	prefix string
	give   string
	want   string
}{
	{name: "empty", give: "", want: `""`},
	{name: "plain", give: "abc", want: `"abc"`},
	{name: "appends to the buffer", prefix: `{"k": `, give: "v", want: `{"k": "v"`},
	{name: "quote", give: `a"b`, want: `"a\"b"`},
	{name: "backslash", give: `a\b`, want: `"a\\b"`},
	{name: "only escapes", give: `"\`, want: `"\"\\"`},
	{name: "newline, return, tab", give: "a\nb\rc\td", want: `"a\nb\rc\td"`},
	{name: "NUL", give: "\x00", want: `"\u0000"`},
	{name: "control characters", give: "\x01\x08\x0c\x1b\x1f", want: `"\u0001\u0008\u000c\u001b\u001f"`},
	{name: "space and DEL are kept", give: " \x7f", want: "\" \x7f\""},
	{name: "slash and HTML are kept", give: "</script>&'", want: `"</script>&'"`},
	{name: "non-ASCII kept as UTF-8", give: "Émile Zola, 日本, 🙂", want: `"Émile Zola, 日本, 🙂"`},
	{name: "U+FFFD itself is kept", give: "\uFFFD", want: "\"\uFFFD\""},
	{name: "invalid byte", give: "a\xffb", want: `"a\ufffdb"`},
	{name: "invalid at the end", give: "ab\x80", want: `"ab\ufffd"`},
	{name: "each invalid byte is replaced", give: "\xff\xfe", want: `"\ufffd\ufffd"`},
	{name: "truncated sequence", give: "\xe2\x82", want: `"\ufffd\ufffd"`},
	{name: "truncated sequence before ASCII", give: "\xe2\x82x", want: `"\ufffd\ufffdx"`},
	{name: "overlong encoding", give: "\xc0\xaf", want: `"\ufffd\ufffd"`},
	{name: "UTF-8 encoded surrogate", give: "\xed\xa0\x80", want: `"\ufffd\ufffd\ufffd"`},
	{name: "beyond U+10FFFF", give: "\xf4\x90\x80\x80", want: `"\ufffd\ufffd\ufffd\ufffd"`},
	{name: "line separator", give: "\u2028", want: `"\u2028"`},
	{name: "paragraph separator", give: "\u2029", want: `"\u2029"`},
	{name: "separators among text", give: "a\u2028b\u2029c", want: `"a\u2028b\u2029c"`},
	{name: "neighbours of the separators are kept", give: "\u2027\u202a", want: "\"\u2027\u202a\""},
	{name: "mixed", give: "é\"\n\xff\u2028\x00z", want: `"é\"\n\ufffd\u2028\u0000z"`},
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range appendJSONStringTests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendJSONString([]byte(tc.prefix), tc.give))
			if got != tc.want {
				t.Errorf("appendJSONString(%q, %q) = %s, want %s", tc.prefix, tc.give, got, tc.want)
			}
		})
	}
}

// replaceInvalidUTF8 replaces every byte that is not part of valid UTF-8 with U+FFFD, as a Go range
// loop and encoding/json do. (strings.ToValidUTF8 replaces a whole run of invalid bytes with one
// U+FFFD instead, so "\xff\xfe" would become one replacement character, not two.)
func replaceInvalidUTF8(s string) string {
	return string([]rune(s))
}

// checkAppendJSONString is the property: the output is valid JSON, holds no raw control character
// and no raw U+2028/U+2029, and decodes to s with invalid UTF-8 replaced, as encoding/json's own
// encoding of s does.
func checkAppendJSONString(s string) string {
	out := appendJSONString(nil, s)
	if !utf8.Valid(out) {
		return "output is not valid UTF-8: " + string(out)
	}
	if !json.Valid(out) {
		return "output is not valid JSON: " + string(out)
	}
	if strings.ContainsAny(string(out), "\u2028\u2029") {
		return "output holds a raw U+2028 or U+2029"
	}
	for _, c := range out {
		if c < 0x20 {
			return "output holds a raw control character"
		}
	}
	var back string
	if err := json.Unmarshal(out, &back); err != nil {
		return "output does not decode: " + err.Error()
	}
	if want := replaceInvalidUTF8(s); back != want {
		return "decodes to " + strconvQuote(back) + ", want " + strconvQuote(want)
	}
	std, _ := json.Marshal(s)
	var viaStd string
	_ = json.Unmarshal(std, &viaStd)
	if viaStd != back {
		return "encoding/json decodes to " + strconvQuote(viaStd) + ", this to " + strconvQuote(back)
	}
	return ""
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The same property over the table and random strings (random bytes, so invalid UTF-8 too).
func TestAppendJSONStringRoundTrips(t *testing.T) {
	for _, tc := range appendJSONStringTests {
		t.Run(tc.name, func(t *testing.T) {
			if msg := checkAppendJSONString(tc.give); msg != "" {
				t.Errorf("%q: %s", tc.give, msg)
			}
		})
	}
	t.Run("random strings", func(t *testing.T) {
		if err := quick.Check(func(s string) bool { return checkAppendJSONString(s) == "" }, &quick.Config{MaxCount: 5000}); err != nil {
			t.Error(err)
		}
	})
	t.Run("random bytes", func(t *testing.T) {
		if err := quick.Check(func(b []byte) bool { return checkAppendJSONString(string(b)) == "" }, &quick.Config{MaxCount: 5000}); err != nil {
			t.Error(err)
		}
	})
}

func FuzzAppendJSONString(f *testing.F) {
	for _, tc := range appendJSONStringTests {
		f.Add(tc.give)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if msg := checkAppendJSONString(s); msg != "" {
			t.Fatalf("%q: %s", s, msg)
		}
	})
}

var appendJSONFloatTests = []struct {
	name string
	give float64
	want string
}{
	{name: "zero", give: 0, want: "0"},
	{name: "negative zero", give: math.Copysign(0, -1), want: "-0"},
	{name: "one", give: 1, want: "1"},
	{name: "negative integer", give: -42, want: "-42"},
	{name: "fraction", give: 1.5, want: "1.5"},
	{name: "shortest form", give: 0.1, want: "0.1"},
	{name: "sum not exact", give: 0.30000000000000004, want: "0.30000000000000004"},
	{name: "exact integer limit", give: 1 << 53, want: "9007199254740992"},
	{name: "large without exponent", give: 1e20, want: "100000000000000000000"},
	{name: "largest without exponent", give: 999999999999999900000, want: "999999999999999900000"},
	{name: "exponent from 1e21", give: 1e21, want: "1e+21"},
	{name: "large exponent", give: 1.2345e25, want: "1.2345e+25"},
	{name: "negative large exponent", give: -1e100, want: "-1e+100"},
	{name: "largest float", give: math.MaxFloat64, want: "1.7976931348623157e+308"},
	{name: "small without exponent", give: 1e-6, want: "0.000001"},
	{name: "small fraction", give: 0.000123, want: "0.000123"},
	{name: "one-digit negative exponent", give: 1e-7, want: "1e-7"},
	{name: "one-digit negative exponent, negative", give: -2.5e-9, want: "-2.5e-9"},
	{name: "two-digit negative exponent", give: 1.5e-10, want: "1.5e-10"},
	{name: "three-digit negative exponent", give: 1e-100, want: "1e-100"},
	{name: "smallest normal", give: 2.2250738585072014e-308, want: "2.2250738585072014e-308"},
	{name: "smallest subnormal", give: math.SmallestNonzeroFloat64, want: "5e-324"},
	{name: "NaN", give: math.NaN(), want: "null"},
	{name: "+Inf", give: math.Inf(1), want: "null"},
	{name: "-Inf", give: math.Inf(-1), want: "null"},
}

func TestAppendJSONFloat(t *testing.T) {
	for _, tc := range appendJSONFloatTests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendJSONFloat(nil, tc.give)); got != tc.want {
				t.Errorf("appendJSONFloat(%v) = %s, want %s", tc.give, got, tc.want)
			}
		})
	}
}

// checkAppendJSONFloat is the property: a finite float is written exactly as encoding/json writes it,
// and a non-finite one as null.
func checkAppendJSONFloat(f float64) bool {
	got := string(appendJSONFloat(nil, f))
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return got == "null"
	}
	want, err := json.Marshal(f)
	return err == nil && got == string(want)
}

func TestAppendJSONFloatAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range appendJSONFloatTests {
		t.Run(tc.name, func(t *testing.T) {
			if !checkAppendJSONFloat(tc.give) {
				t.Errorf("appendJSONFloat(%v) = %s, encoding/json differs", tc.give, appendJSONFloat(nil, tc.give))
			}
		})
	}
	t.Run("random bits", func(t *testing.T) {
		f := func(bits uint64) bool { return checkAppendJSONFloat(math.Float64frombits(bits)) }
		if err := quick.Check(f, &quick.Config{MaxCount: 20000}); err != nil {
			t.Error(err)
		}
	})
	t.Run("random magnitudes", func(t *testing.T) {
		// quick's float64s are spread over a narrow range; scale them over every exponent.
		f := func(m float64, e int16) bool { return checkAppendJSONFloat(m * math.Pow(10, float64(e%330))) }
		if err := quick.Check(f, &quick.Config{MaxCount: 20000}); err != nil {
			t.Error(err)
		}
	})
}

// testObject is a small object of a shape with a key to escape.
func testObject(id int64, name string) *Object {
	o := NewObject(NewShape("name", "id", "resource_uri"))
	o.Set("id", id)
	o.Set("name", name)
	o.Set("resource_uri", "/api/v1/author/"+string(rune('0'+id))+"/")
	return o
}

type fallbackStruct struct {
	A int    `json:"a"`
	B string `json:"b,omitempty"`
}

func TestAppendJSONValue(t *testing.T) {
	badObject := testObject(1, "x")
	badObject.Set("c", make(chan int))
	zola := testObject(1, "Zola")
	nana := testObject(2, "Nana")
	withNested := testObject(3, "Nested")
	withNested.Set("mentor", zola)
	withNested.Set("books", []*Object{nana})
	tests := []struct {
		name    string
		give    any
		want    string
		wantErr string
	}{
		{name: "nil", give: nil, want: `null`},
		{name: "string", give: "a\"é", want: `"a\"é"`},
		{name: "int64", give: int64(-9223372036854775808), want: `-9223372036854775808`},
		{name: "int", give: 7, want: `7`},
		{name: "float64", give: 2.5, want: `2.5`},
		{name: "float64 NaN", give: math.NaN(), want: `null`},
		{name: "true", give: true, want: `true`},
		{name: "false", give: false, want: `false`},
		{name: "raw message", give: json.RawMessage(`{"a": [1, 2]}`), want: `{"a": [1, 2]}`},
		{name: "nil raw message", give: json.RawMessage(nil), want: `null`},
		{name: "empty raw message", give: json.RawMessage{}, want: `null`},
		{name: "object", give: zola, want: `{"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`},
		{name: "nil object", give: (*Object)(nil), want: `null`},
		{name: "nested objects", give: withNested,
			want: `{"books": [{"id": 2, "name": "Nana", "resource_uri": "/api/v1/author/2/"}], "id": 3, ` +
				`"mentor": {"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}, "name": "Nested", "resource_uri": "/api/v1/author/3/"}`},
		{name: "objects", give: []*Object{zola, nana},
			want: `[{"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}, {"id": 2, "name": "Nana", "resource_uri": "/api/v1/author/2/"}]`},
		{name: "no objects", give: []*Object{}, want: `[]`},
		{name: "nil objects", give: []*Object(nil), want: `[]`},
		{name: "a nil object among objects", give: []*Object{nil, zola},
			want: `[null, {"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}]`},
		{name: "strings", give: []string{"a", "b\"", ""}, want: `["a", "b\"", ""]`},
		{name: "no strings", give: []string{}, want: `[]`},
		{name: "map with sorted keys", give: map[string]any{"b": int64(1), "a": "x", "c": nil, "B": true, "é": 1.5, "": false},
			want: `{"": false, "B": true, "a": "x", "b": 1, "c": null, "é": 1.5}`},
		{name: "empty map", give: map[string]any{}, want: `{}`},
		{name: "nil map", give: map[string]any(nil), want: `{}`},
		{name: "map with escaped key", give: map[string]any{"a\"\n": 1}, want: `{"a\"\n": 1}`},
		{name: "nested map", give: map[string]any{"meta": map[string]any{"limit": 20, "next": nil}, "objects": []*Object{nana}},
			want: `{"meta": {"limit": 20, "next": null}, "objects": [{"id": 2, "name": "Nana", "resource_uri": "/api/v1/author/2/"}]}`},
		{name: "slice of any", give: []any{1, "a", nil, []any{}, map[string]any{"k": []string{"v"}}, zola},
			want: `[1, "a", null, [], {"k": ["v"]}, {"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}]`},
		{name: "empty slice of any", give: []any{}, want: `[]`},
		{name: "fallback json.Number", give: json.Number("1.50"), want: `1.50`},
		{name: "fallback time", give: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), want: `"2024-01-02T03:04:05Z"`},
		{name: "fallback int32", give: int32(-5), want: `-5`},
		{name: "fallback uint64", give: uint64(math.MaxUint64), want: `18446744073709551615`},
		{name: "fallback ints", give: []int{1, 2}, want: `[1,2]`},
		{name: "fallback map of strings", give: map[string]string{"b": "<", "a": "x"}, want: `{"a":"x","b":"\u003c"}`},
		{name: "fallback struct", give: fallbackStruct{A: 1}, want: `{"a":1}`},
		{name: "fallback struct pointer", give: &fallbackStruct{A: 2, B: "b"}, want: `{"a":2,"b":"b"}`},
		{name: "fallback error", give: make(chan int), wantErr: "json: unsupported type: chan int"},
		{name: "fallback NaN in a slice", give: []float64{math.NaN()}, wantErr: "json: unsupported value: NaN"},
		{name: "error in a map", give: map[string]any{"a": 1, "f": func() {}}, wantErr: "json: unsupported type: func()"},
		{name: "error in a slice", give: []any{1, make(chan int)}, wantErr: "json: unsupported type: chan int"},
		{name: "error in an object", give: badObject, wantErr: "json: unsupported type: chan int"},
		{name: "error in objects", give: []*Object{zola, badObject}, wantErr: "json: unsupported type: chan int"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendJSONValue(nil, tc.give)
			if errText(err) != tc.wantErr {
				t.Errorf("error %q, want %q", errText(err), tc.wantErr)
			}
			if string(got) != tc.want {
				t.Errorf("appendJSONValue(%#v)\n got: %s\nwant: %s", tc.give, got, tc.want)
			}
		})
	}
}

// appendJSONValue appends after what the buffer holds.
func TestAppendJSONValueAppends(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		give   any
		want   string
	}{
		{name: "scalar", prefix: "[1, ", give: int64(2), want: "[1, 2"},
		{name: "object", prefix: "x", give: testObject(1, "a"), want: `x{"id": 1, "name": "a", "resource_uri": "/api/v1/author/1/"}`},
		{name: "map", prefix: "x", give: map[string]any{"a": 1}, want: `x{"a": 1}`},
		{name: "fallback", prefix: "x", give: []int{}, want: `x[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendJSONValue([]byte(tc.prefix), tc.give)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
