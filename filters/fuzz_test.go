package filters_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/filters"
)

// whereGrammar returns the closed vocabulary of Where's SQL on d: "(1=1)" or "(term AND term ...)",
// where a term is a fixture column (plain, folded or a date part of it) followed by a fixed operator
// with placeholders. Nothing a client writes can match it unless it is one of those fragments.
func whereGrammar(t testing.TB, d dialect.Dialect) *regexp.Regexp {
	t.Helper()
	var lhs []string
	for _, c := range columns() {
		lhs = append(lhs, regexp.QuoteMeta(c), regexp.QuoteMeta(d.Fold(c)))
		for _, part := range []string{"year", "month", "day", "hour", "minute", "second", "week_day", "week", "quarter", "iso_year", "date", "time"} {
			expr, err := d.DatePart(part, c)
			if err != nil {
				t.Fatal(err)
			}
			lhs = append(lhs, regexp.QuoteMeta(expr))
		}
	}
	col := `(?:` + strings.Join(lhs, "|") + `)`
	simple := col + `(?: (?:=|<|<=|>|>=) \?| IN \(\?(?:,\?)*\)| BETWEEN \? AND \?| IS (?:NOT )?NULL| LIKE \? ESCAPE '\\'| REGEXP \?| ~\*? \?)`
	// an in list with NULL among its values is "(c IN (...) OR c IS NULL)"; an empty one is "1=0".
	term := `(?:1=0|` + simple + `|\(` + col + ` IN \(\?(?:,\?)*\) OR ` + col + ` IS NULL\))`
	return regexp.MustCompile(`^(?:\(1=1\)|\(` + term + `(?: AND ` + term + `)*\))$`)
}

// orderGrammar is the closed vocabulary of one OrderBy term.
func orderGrammar() *regexp.Regexp {
	var cols []string
	for _, c := range columns() {
		cols = append(cols, regexp.QuoteMeta(c))
	}
	return regexp.MustCompile(`^(?:` + strings.Join(cols, "|") + `) (?:ASC NULLS LAST|DESC NULLS FIRST)$`)
}

// knownJoins are the relation paths of the fixture.
var knownJoins = map[string]bool{"campaign": true, "campaign\x00top_lvl_location": true}

// checkClientError fails unless err is an *apierror.Error with a 4xx status naming a parameter of q.
func checkClientError(t *testing.T, err error, q url.Values) {
	t.Helper()
	e := apierror.As(err)
	if e == nil {
		t.Fatalf("error %T %v is not an *apierror.Error", err, err)
	}
	if s := apierror.Status(e.Code); s < 400 || s > 499 {
		t.Fatalf("error code %s is status %d, not a client error", e.Code, s)
	}
	p, ok := e.Details["parameter"].(string)
	if _, given := q[p]; !ok || !given {
		t.Fatalf("details.parameter %#v is not a parameter of the query %v", e.Details["parameter"], q)
	}
	if e.Code != apierror.InvalidFilter && e.Code != apierror.InvalidValue {
		t.Fatalf("code %s from Parse", e.Code)
	}
}

// FuzzParse feeds arbitrary query strings, plus one arbitrary key and value added as they are, through
// Parse and Where on both backends. Invariants: no panic; errors are client errors naming a given
// parameter; what parses compiles; the SQL is in the closed vocabulary (so no user text reached it)
// with one argument per placeholder; joins are fixture relation paths.
func FuzzParse(f *testing.F) {
	for _, tt := range goldenCases {
		f.Add(tt.give, "", "")
	}
	for _, tt := range errorCases {
		f.Add(tt.give, "", "")
	}
	f.Add("", "name__icontains", "%' OR 1=1 --")
	f.Add("id=1", "campaign__top_lvl_location__location_code__in", "a,b,\x00")
	f.Add("", "name__contains", `50%_off\`)
	f.Add("", "name__regex", `^\w+[\d-]{2,3}(?:x|y)$`)
	f.Add("", "name__iregex", `a{1,255}\{`)
	dialects := []dialect.Dialect{sqlite, postgres}
	grammars := []*regexp.Regexp{whereGrammar(f, sqlite), whereGrammar(f, postgres)}
	f.Fuzz(func(t *testing.T, raw, key, value string) {
		q, _ := url.ParseQuery(raw) // a malformed pair is dropped; the rest is still a query
		if key != "" {
			q.Add(key, value)
		}
		fs, err := filters.Parse(q, resolver{}, reserved)
		if err != nil {
			checkClientError(t, err, q)
			return
		}
		for i, d := range dialects {
			w, err := filters.Where(fs, d)
			if err != nil {
				t.Fatalf("%s: Parse's filters do not compile: %v", d.Name(), err)
			}
			sql, args, err := w.ToSql()
			if err != nil {
				t.Fatalf("%s: ToSql: %v", d.Name(), err)
			}
			if !grammars[i].MatchString(sql) {
				t.Fatalf("%s: SQL outside the closed vocabulary: %s", d.Name(), sql)
			}
			if n := strings.Count(sql, "?"); n != len(args) {
				t.Fatalf("%s: %d placeholders, %d arguments: %s", d.Name(), n, len(args), sql)
			}
		}
		for _, j := range filters.Joins(fs) {
			if !knownJoins[strings.Join(j, "\x00")] {
				t.Fatalf("join %q is no fixture relation", j)
			}
		}
	})
}

// FuzzParseOrder feeds arbitrary order_by values (split on "&" into repeats) through ParseOrder and
// OrderBy. Invariants: no panic; errors are INVALID_ORDERING naming order_by; every term is a fixture
// column with a fixed direction.
func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"name", "-created", "-score,name& id ", "-campaign__top_lvl_location__location_code",
		"", "-", "--id", "name,", "nmae", "name__foo", "id;DROP TABLE x"} {
		f.Add(s)
	}
	grammar := orderGrammar()
	f.Fuzz(func(t *testing.T, raw string) {
		os, err := filters.ParseOrder(strings.Split(raw, "&"), resolver{})
		if err != nil {
			e := apierror.As(err)
			if e == nil || e.Code != apierror.InvalidOrdering || e.Details["parameter"] != filters.OrderParam {
				t.Fatalf("error %#v is not INVALID_ORDERING naming order_by", err)
			}
			return
		}
		for _, d := range []dialect.Dialect{sqlite, postgres} {
			for _, term := range filters.OrderBy(os, d) {
				if !grammar.MatchString(term) {
					t.Fatalf("%s: ORDER BY term outside the closed vocabulary: %s", d.Name(), term)
				}
			}
		}
	})
}

// TestWhereGrammar checks the fuzz targets' oracle: it accepts what Where writes and refuses SQL that
// carries anything else.
func TestWhereGrammar(t *testing.T) {
	grammar := whereGrammar(t, sqlite)
	tests := []struct {
		name string
		give string
		want bool
	}{
		{name: "no filters", give: "(1=1)", want: true},
		{name: "one term", give: `("indicator"."id" = ?)`, want: true},
		{name: "several", give: `("indicator"."id" IN (?,?) AND tg_fold("indicator"."name") LIKE ? ESCAPE '\' AND "campaign"."name" IS NOT NULL)`, want: true},
		{name: "date part", give: `(CAST(strftime('%Y', "indicator"."created_at") AS INTEGER) >= ?)`, want: true},
		{name: "a literal value", give: `("indicator"."name" = 'x')`, want: false},
		{name: "an extra clause", give: `("indicator"."name" = ? OR 1=1)`, want: false},
		{name: "an unknown column", give: `("nope" = ?)`, want: false},
		{name: "another dialect's fold", give: `(lower("indicator"."name") = ?)`, want: false},
		{name: "no parentheses", give: `"indicator"."id" = ?`, want: false},
		{name: "trailing text", give: `("indicator"."id" = ?) --`, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := grammar.MatchString(tt.give); got != tt.want {
				t.Errorf("match %s = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}
