package resource

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    url.Values
		message string
		details map[string]any
	}{
		{name: "empty", raw: "", want: url.Values{}},
		{name: "pairs, repeats, escapes and '+'", raw: "a=1&b=x+y%2Cz&a=2&c&d=",
			want: url.Values{"a": {"1", "2"}, "b": {"x y,z"}, "c": {""}, "d": {""}}},
		{name: "empty pairs are skipped", raw: "&a=1&&b=2&", want: url.Values{"a": {"1"}, "b": {"2"}}},
		{name: "an escaped ';' is a ';'", raw: "set=1%3B2", want: url.Values{"set": {"1;2"}}},
		{name: "a trailing ';'", raw: "indicator_id=22&location_id=18;",
			message: `The query string's pair "location_id=18;" cannot be read: a ';' is not a separator: use '&' between pairs, or %3B for a ';' in a value.`,
			details: map[string]any{"parameter": "location_id", "pair": "location_id=18;"}},
		{name: "';' as a separator", raw: "a=1;b=2", details: map[string]any{"parameter": "a", "pair": "a=1;b=2"}},
		{name: "';' in a name", raw: "x;y=1", details: map[string]any{"parameter": "x;y", "pair": "x;y=1"}},
		{name: "a bad escape in a value", raw: "a=1&b=100%",
			message: `The query string's pair "b=100%" cannot be read: its value holds a '%' that does not start an escape like %2C (a '%' itself is %25).`,
			details: map[string]any{"parameter": "b", "pair": "b=100%"}},
		{name: "a bad escape in a name", raw: "b%zz=1", details: map[string]any{"parameter": "b%zz", "pair": "b%zz=1"}},
		{name: "a long pair is cut in the answer", raw: "a=" + strings.Repeat("x", 200) + "%",
			details: map[string]any{"parameter": "a", "pair": "a=" + strings.Repeat("x", 98) + "..."}},
		{name: "10,000 pairs", raw: strings.Repeat("a=1&", 9999) + "a=1", want: url.Values{"a": strings.Split(strings.Repeat("1", 10000), "")}},
		{name: "10,001 pairs", raw: strings.Repeat("a=1&", 10000) + "a=1",
			message: "The query string holds 10001 pairs; at most 10000 are read.", details: map[string]any{"max_params": MaxQueryParams}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseQuery(tc.raw)
			if tc.details == nil {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				return
			}
			code, msg, details := errParts(err)
			if code != apierror.InvalidFilter {
				t.Fatalf("code %q (%v), want INVALID_FILTER", code, err)
			}
			if tc.message != "" && msg != tc.message {
				t.Errorf("message\n got %s\nwant %s", msg, tc.message)
			}
			if !reflect.DeepEqual(details, tc.details) {
				t.Errorf("details %v, want %v", details, tc.details)
			}
		})
	}
}

// FuzzParseQuery: whatever the text, ParseQuery either reads what url.ParseQuery reads without error,
// or refuses with an INVALID_FILTER; it never reads less than url.ParseQuery silently.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "a=1;", "a=%zz", "a+b=c+d&&", "%3B=%3b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := ParseQuery(raw)
		want, werr := url.ParseQuery(raw)
		if err != nil {
			if apierror.CodeOf(err) != apierror.InvalidFilter {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if werr != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: read %v; url.ParseQuery reads %v (%v)", raw, got, want, werr)
		}
	})
}
