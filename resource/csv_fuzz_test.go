package resource

import (
	"testing"
)

// FuzzPrefersCSV feeds arbitrary Accept headers (one or two of them) to prefersCSV, which chooses CSV
// over JSON for a list (accept.go). Invariants: no panic; two headers choose what one header joined
// with a comma chooses; CSV is chosen only when a readable range that matches text/csv (text/csv,
// text/* or */*) has a quality above zero.
func FuzzPrefersCSV(f *testing.F) {
	for _, s := range []string{
		"text/csv", "application/json;q=0.5, text/csv", "", "*/*", "application/json, text/csv;q=0.9", "TEXT/CSV",
		"text/csv;q=0", "text/csv;q=0.001", "text/csv;q=NaN", "text/csv;q=1e999", "text/csv;q=-1", "text/csv;q=2, application/json",
		"text/csv; charset=utf-8; q=0.8, application/json;q=0.7", `text/csv; x="a,b"`, ",,,", "text/csv;;q=1", "text/*",
		"*/*;q=0", "text/csv, application/json", "application/json;q=0, */*", "application/json;q=0", "AppliCAtion/json;q=0",
	} {
		f.Add(s, "")
		f.Add(s, "application/json")
	}
	f.Fuzz(func(t *testing.T, h1, h2 string) {
		got := prefersCSV([]string{h1, h2})
		if joined := prefersCSV([]string{h1 + "," + h2}); joined != got {
			t.Fatalf("Accept %q and %q: %v; joined with a comma: %v", h1, h2, got, joined)
		}
		if !got {
			return
		}
		for _, r := range parseAccept([]string{h1, h2}) {
			if (r.typ == "text" && (r.sub == "csv" || r.sub == "*") || r.typ == "*") && r.q > 0 {
				return
			}
		}
		t.Fatalf("Accept %q and %q chose CSV without a range for text/csv of a quality above zero", h1, h2)
	})
}
