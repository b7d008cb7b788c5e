package resource

import (
	"mime"
	"strconv"
	"strings"
	"testing"
)

// FuzzPrefersCSV feeds arbitrary Accept headers (one or two of them) to prefersCSV, which chooses CSV
// over JSON for a list. Invariants: no panic; CSV is chosen only when a media range of the headers is
// text/csv with a quality above zero; the choice does not depend on the order of the headers, nor on
// whether they are sent as two headers or one joined with a comma.
func FuzzPrefersCSV(f *testing.F) {
	for _, s := range []string{
		"text/csv", "application/json;q=0.5, text/csv", "", "*/*", "application/json, text/csv;q=0.9", "TEXT/CSV",
		"text/csv;q=0", "text/csv;q=0.001", "text/csv;q=NaN", "text/csv;q=1e999", "text/csv;q=-1", "text/csv;q=2, application/json",
		"text/csv; charset=utf-8; q=0.8, application/json;q=0.7", `text/csv; x="a,b"`, ",,,", "text/csv;;q=1", "text/*",
	} {
		f.Add(s, "")
		f.Add(s, "application/json")
	}
	f.Fuzz(func(t *testing.T, h1, h2 string) {
		got := prefersCSV([]string{h1, h2})
		if again := prefersCSV([]string{h2, h1}); again != got {
			t.Fatalf("Accept %q then %q: %v; in the other order: %v", h1, h2, got, again)
		}
		if joined := prefersCSV([]string{h1 + "," + h2}); joined != got {
			t.Fatalf("Accept %q and %q: %v; joined with a comma: %v", h1, h2, got, joined)
		}
		if !got {
			return
		}
		for _, part := range strings.Split(h1+","+h2, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "text/csv" {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); params["q"] == "" || err != nil || q > 0 {
				return
			}
		}
		t.Fatalf("Accept %q and %q chose CSV without text/csv of a quality above zero", h1, h2)
	})
}
