package resource

import (
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// Content negotiation by the Accept header, as RFC 9110 §12.5.1 says: each media type the server
// offers gets the quality of the most specific media range that matches it (type/subtype, then
// type/*, then */*); q=0 means "not acceptable"; the offer with the highest quality wins, a tie going
// to the range that comes first in the header, then to the server's order. The server's default
// offer (the first, JSON) when no range matches it is neither preferred nor refused: it is answered
// when no offer has a quality above zero, as Tastypie falls back to its default format; another offer
// no range matches is never chosen (Accept: application/json;q=0 does not get CSV). When nothing is
// left, the answer is a 406. A header with no readable range (or none at all) chooses the server's first offer.
// A range whose q is not a qvalue ("0" to "1" with at most three decimals) is ignored.

// The media types the API offers, in its order of preference.
const (
	mediaJSON = "application/json"
	mediaCSV  = "text/csv"
	mediaHTML = "text/html"
)

var qvalue = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// mediaRange is one readable range of an Accept header; pos is its place among the header's ranges.
type mediaRange struct {
	typ, sub string
	q        float64
	pos      int
}

// parseAccept reads the ranges of every Accept header, in order; unreadable ones are skipped.
func parseAccept(headers []string) []mediaRange {
	var out []mediaRange
	pos := 0
	for _, h := range headers {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			pos++
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			if mt == "*" {
				mt = "*/*"
			}
			typ, sub, ok := strings.Cut(mt, "/")
			if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if !qvalue.MatchString(v) {
					continue
				}
				q, _ = strconv.ParseFloat(v, 64)
			}
			out = append(out, mediaRange{typ: typ, sub: sub, q: q, pos: pos})
		}
	}
	return out
}

// negotiate returns which of offers (the server's order of preference) the Accept headers choose, or
// "" when they exclude every one.
func negotiate(headers []string, offers []string) string {
	ranges := parseAccept(headers)
	if len(ranges) == 0 {
		return offers[0]
	}
	best, bestQ, bestPos := "", 0.0, 0
	fallback := ""
	for _, offer := range offers {
		typ, sub, _ := strings.Cut(offer, "/")
		var match *mediaRange
		specificity := 0
		for i := range ranges {
			r := &ranges[i]
			s := 0
			switch {
			case r.typ == typ && r.sub == sub:
				s = 3
			case r.typ == typ && r.sub == "*":
				s = 2
			case r.typ == "*":
				s = 1
			}
			if s > specificity {
				match, specificity = r, s
			}
		}
		switch {
		case match == nil:
			if offer == offers[0] {
				fallback = offer
			}
		case match.q > 0 && (best == "" || match.q > bestQ || (match.q == bestQ && match.pos < bestPos)):
			best, bestQ, bestPos = offer, match.q, match.pos
		}
	}
	if best != "" {
		return best
	}
	return fallback
}

// prefersCSV reports whether Accept headers choose CSV over JSON for a list.
func prefersCSV(accept []string) bool {
	return negotiate(accept, []string{mediaJSON, mediaCSV}) == mediaCSV
}

// wantsHTML reports whether a read without format= comes from a browser: its Accept headers prefer
// text/html to JSON (a browser's "text/html,...,*/*;q=0.8" does; "*/*", "application/json" and no
// Accept at all do not).
func wantsHTML(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	accept := r.Header.Values("Accept")
	if len(accept) == 0 || !slices.ContainsFunc(accept, func(h string) bool { return strings.Contains(strings.ToLower(h), "html") }) ||
		r.URL.Query().Has("format") {
		// No range names HTML: API clients pay one substring search.
		return false
	}
	return negotiate(accept, []string{mediaJSON, mediaHTML}) == mediaHTML
}

// checkAcceptable returns a 406 when the request has no format= and its Accept headers exclude every
// media type the route offers: JSON, and CSV on a list read.
func checkAcceptable(r *http.Request, kind Kind, method string, format string) error {
	accept := r.Header.Values("Accept")
	if format != "" || len(accept) == 0 {
		return nil
	}
	offers := []string{mediaJSON}
	if kind == KindList && (method == http.MethodGet || method == http.MethodHead) {
		offers = append(offers, mediaCSV)
	}
	if method == http.MethodGet || method == http.MethodHead {
		offers = append(offers, mediaHTML)
	}
	if negotiate(accept, offers) == "" {
		return apierror.New(apierror.NotAcceptable, "The Accept header excludes every media type offered here: %s.", strings.Join(offers, ", ")).
			With("header", "Accept").With("offered", offers)
	}
	return nil
}
