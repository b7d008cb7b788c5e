package resource

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// MaxQueryParams is the most name=value pairs a query string (or a urlencoded form body) may hold, as
// Go's own url.ParseQuery allows since Go 1.24 (which then returns no value at all).
const MaxQueryParams = 10000

// ParseQuery reads a query string (or an application/x-www-form-urlencoded body) strictly: every pair
// it cannot read is a 400 INVALID_FILTER naming it, where url.ParseQuery (and so Request.URL.Query)
// silently drops a pair holding a ';' or a bad %-escape, and drops every pair beyond 10,000. A dropped
// filter widens a DELETE or PATCH by filter, so no request of the API is read any other way.
//
// Pairs are separated by '&'; empty pairs ("a=1&&b=2") are skipped; '+' is a space; a pair without
// '=' is a name with an empty value. details.parameter is the pair's name as sent (cut to 100 bytes)
// and details.pair the whole pair (likewise).
func ParseQuery(raw string) (url.Values, error) {
	return queryText.parse(raw)
}

// pairsIn says where name=value pairs come from, for the errors: the query string, or a form body.
type pairsIn struct {
	what   string        // "query string"
	code   apierror.Code // of an unreadable pair
	detail string        // the details key naming the pair's name
}

var (
	queryText = pairsIn{what: "query string", code: apierror.InvalidFilter, detail: "parameter"}
	formText  = pairsIn{what: "form body", code: apierror.MalformedBody, detail: "field"}
)

func (in pairsIn) parse(raw string) (url.Values, error) {
	out := url.Values{}
	if raw == "" {
		return out, nil
	}
	if n := strings.Count(raw, "&") + 1; n > MaxQueryParams {
		return nil, apierror.New(in.code, "The %s holds %d pairs; at most %d are read.", in.what, n, MaxQueryParams).
			With("max_params", MaxQueryParams)
	}
	for rest := raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		if strings.Contains(pair, ";") {
			return nil, in.unreadable(pair, rawKey, "a ';' is not a separator: use '&' between pairs, or %3B for a ';' in a value")
		}
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, in.unreadable(pair, rawKey, "its name holds a '%' that does not start an escape like %2C")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, in.unreadable(pair, rawKey, "its value holds a '%' that does not start an escape like %2C (a '%' itself is %25)")
		}
		out[key] = append(out[key], value)
	}
	return out, nil
}

// requestQuery is the request's query string read by ParseQuery.
func requestQuery(r *http.Request) (url.Values, error) {
	return ParseQuery(r.URL.RawQuery)
}

func (in pairsIn) unreadable(pair, rawKey, why string) error {
	return apierror.New(in.code, "The %s's pair %q cannot be read: %s.", in.what, clip(pair), why).
		With(in.detail, clip(rawKey)).With("pair", clip(pair))
}

// clip cuts client text shown back in an error to 100 bytes, marking the cut with "...".
func clip(s string) string {
	const most = 100
	if len(s) <= most {
		return s
	}
	return strings.ToValidUTF8(s[:most], "") + "..."
}
