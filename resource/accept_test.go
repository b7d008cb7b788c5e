package resource

import "testing"

// TestNegotiate: RFC 9110's rules. Before accept.go, q=0 was ignored (JSON answered to
// "*/*;q=0" and to "application/json;q=0"), a tie went to JSON whatever the order, and wildcards
// never chose CSV.
func TestNegotiate(t *testing.T) {
	list := []string{mediaJSON, mediaCSV}
	detail := []string{mediaJSON}
	for _, tc := range []struct {
		accept string
		offers []string
		want   string
	}{
		{"", list, mediaJSON},
		{"garbage", list, mediaJSON},
		{"*/*", list, mediaJSON},
		{"*/*;q=0", list, ""},
		{"*/*;q=0", detail, ""},
		{"application/json;q=0", detail, ""},
		{"application/json;q=0", list, ""}, // CSV is not listed: not acceptable either (RFC 9110 §12.5.1), never a fallback
		{"application/json;q=0, text/csv", list, mediaCSV},
		{"text/csv;q=0", list, mediaJSON},
		{"text/csv;q=0", detail, mediaJSON}, // JSON matched by nothing: the default
		{"text/csv", detail, mediaJSON},
		{"text/csv;q=0.5, application/json;q=0.9", list, mediaJSON},
		{"text/csv;q=0.9, application/json;q=0.5", list, mediaCSV},
		{"text/csv, application/json", list, mediaCSV},
		{"application/json, text/csv", list, mediaJSON},
		{"text/*", list, mediaCSV},
		{"text/*;q=0, */*", list, mediaJSON},
		{"application/*;q=0.1, text/csv;q=0.2", list, mediaCSV},
		{"application/json;q=0, */*;q=1", list, mediaCSV},
		{"text/csv;q=0, application/*;q=0", list, ""},
		{"application/json;q=2", detail, mediaJSON}, // an invalid q: the range is ignored
		{"application/json;q=abc, text/csv", list, mediaCSV},
		{"text/csv;q=0.0001, application/json;q=0.001", list, mediaJSON},
		{"*;q=0", detail, ""},
	} {
		if got := negotiate([]string{tc.accept}, tc.offers); got != tc.want {
			t.Errorf("Accept %q, offers %v: %q, want %q", tc.accept, tc.offers, got, tc.want)
		}
	}
	if got := negotiate([]string{"text/csv;q=0.5", "application/json;q=0"}, list); got != mediaCSV {
		t.Errorf("two headers: %q", got)
	}
}
