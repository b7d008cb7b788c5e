package modelresource_test

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Tastypie's remaining query behaviour (issue 14 item 3), over HTTP on both backends and in both wire
// styles: none/None/nil as NULL, an empty in, the date and time lookups, regex and iregex, sort_by.

// parityCase is one GET of a list and the keys it must answer (in order), or the error it must be.
type parityCase struct {
	query  string
	ids    []int64 // the keys of the objects, in order, when status is 200
	status int     // 200 when zero
	code   string  // the error code of a 400
	param  string  // details.parameter of the error
	msg    string  // the exact error message, when set
}

// styleClients are clients of one fixture database, one per wire style.
type styleClients map[resource.Style]*client

// newStyleClients serves rs (the fixture's resources when nil) over db in both wire styles; the
// caller has created the tables.
func newStyleClients(t *testing.T, db *sql.DB, d dialect.Dialect, rs func() []resource.Resource) styleClients {
	t.Helper()
	if rs == nil {
		rs = fixtureResources
	}
	out := styleClients{}
	for _, st := range []resource.Style{resource.TastypieStyle, resource.DRFStyle} {
		api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Style: st,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, rs()...)
		if err != nil {
			t.Fatalf("resource.New: %v", err)
		}
		out[st] = &client{t: t, h: api, db: db, d: d, api: api}
	}
	return out
}

// listIDs reads the keys of a list's objects in either style ("objects" or "results").
func listIDs(t *testing.T, r response) []int64 {
	t.Helper()
	objs, ok := field(r.body, "objects").([]any)
	if !ok {
		if objs, ok = field(r.body, "results").([]any); !ok {
			t.Fatalf("no objects in %s", r.raw)
		}
	}
	ids := make([]int64, 0, len(objs))
	for _, o := range objs {
		n, _ := field(o, "id").(json.Number)
		id, err := n.Int64()
		if err != nil {
			t.Fatalf("an object without an integer id: %v", o)
		}
		ids = append(ids, id)
	}
	return ids
}

// runParity runs each case against path+"?"+query in each style cs serves.
func runParity(t *testing.T, cs styleClients, path string, cases []parityCase) {
	t.Helper()
	for _, st := range []resource.Style{resource.TastypieStyle, resource.DRFStyle} {
		if cs[st] == nil {
			continue
		}
		for _, tc := range cases {
			t.Run(st.String()+" "+tc.query, func(t *testing.T) {
				c := *cs[st]
				c.t = t
				r := c.do(http.MethodGet, path+"?"+tc.query, nil)
				want := tc.status
				if want == 0 {
					want = http.StatusOK
				}
				if r.status != want {
					t.Fatalf("status %d, want %d\n%s", r.status, want, r.raw)
				}
				if want != http.StatusOK {
					readError(t, r, tc.code, tc.param)
					if tc.msg != "" && field(r.body, "error") != tc.msg {
						t.Errorf("error %q, want %q", field(r.body, "error"), tc.msg)
					}
					return
				}
				if got := listIDs(t, r); !slices.Equal(got, tc.ids) {
					t.Errorf("ids %v, want %v\n%s", got, tc.ids, r.raw)
				}
			})
		}
	}
}

// ids is a readable []int64.
func ids(n ...int64) []int64 { return append([]int64{}, n...) }

// TestNullAndEmptyIn: none, None and nil mean NULL for exact, iexact and in (Tastypie's
// filter_value_to_python), any other lookup given one is a 400 naming the parameter, and an empty in
// matches nothing; in both styles, on both backends, for reads and for a DELETE by filter.
func TestNullAndEmptyIn(t *testing.T) {
	nullMsg := func(param, v string) string {
		return "Invalid value for the '" + param + "' filter: \"" + v + "\" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL)."
	}
	authors := []parityCase{
		{query: "born=none", ids: ids(4)},
		{query: "born=None", ids: ids(4)},
		{query: "born=nil", ids: ids(4)},
		{query: "born__exact=none", ids: ids(4)},
		{query: "rating=None", ids: ids(2)},
		{query: "publisher=none", ids: ids(4)},
		{query: "publisher_id=nil", ids: ids(4)},
		{query: "mentor=none", ids: ids(1, 3, 4)},
		{query: "mentor__name=none", ids: ids(1, 3, 4)}, // no mentor: NULL through the outer join, as Django
		{query: "name=none", ids: ids()},                // a string field too: NULL, not the text
		{query: "name__iexact=None", ids: ids()},
		{query: "bio=nil", ids: ids()},
		{query: "active=none", ids: ids()},
		{query: "name=NONE", ids: ids()}, // only none, None and nil mean NULL
		{query: "rating__in=4.5,none", ids: ids(1, 2)},
		{query: "rating__in=none&rating__in=3", ids: ids(2, 4)},
		{query: "rating__in=nil", ids: ids(2)},
		{query: "born__in=1840-04-02,None", ids: ids(1, 4)},
		{query: "publisher__in=2,none&active=true", ids: ids(4)},
		{query: "id__in=", ids: ids()},
		{query: "id__in=&id__in=", ids: ids()},
		{query: "name__in=", ids: ids()},
		{query: "born__in=&active=true", ids: ids()},
		{query: "rating__gt=none", status: 400, code: "INVALID_VALUE", param: "rating__gt", msg: nullMsg("rating__gt", "none")},
		{query: "name__contains=None", status: 400, code: "INVALID_VALUE", param: "name__contains", msg: nullMsg("name__contains", "None")},
		{query: "id__range=1,nil", status: 400, code: "INVALID_VALUE", param: "id__range", msg: nullMsg("id__range", "nil")},
		{query: "born__isnull=none", status: 400, code: "INVALID_VALUE", param: "born__isnull", msg: nullMsg("born__isnull", "none")},
		{query: "id=NONE", status: 400, code: "INVALID_VALUE", param: "id"},
		{query: "id__in=1,,none", status: 400, code: "INVALID_VALUE", param: "id__in"},
	}
	books := []parityCase{
		{query: "pages=none", ids: ids(3)},
		{query: "pages__in=333,nil", ids: ids(3, 4)},
		{query: "author__born=none", ids: ids()},
		{query: "author__publisher=none", ids: ids()},
		{query: "author__rating=none", ids: ids(3)},
		{query: "author__in=", ids: ids()},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		cs := newStyleClients(t, db, d, nil)
		runParity(t, cs, "/api/v1/author/", authors)
		runParity(t, cs, "/api/v1/book/", books)
		// A DELETE by an empty in deletes nothing; by none, the rows whose column is NULL.
		c := cs[resource.TastypieStyle]
		if r := c.do(http.MethodDelete, "/api/v1/book/?id__in=", nil); r.status != http.StatusOK || r.raw != `{"deleted": 0}` {
			t.Errorf("DELETE ?id__in=: %d %s", r.status, r.raw)
		}
		if n := c.count(`SELECT count(*) FROM book`); n != fixtureBooks {
			t.Errorf("%d books after deleting none, want %d", n, fixtureBooks)
		}
		if r := c.do(http.MethodDelete, "/api/v1/book/?pages=none", nil); r.status != http.StatusOK || r.raw != `{"deleted": 1}` {
			t.Errorf("DELETE ?pages=none: %d %s", r.status, r.raw)
		}
		if n := c.count(`SELECT count(*) FROM book WHERE pages IS NULL OR id = 3`); n != 0 {
			t.Errorf("book 3 (pages NULL) is still there")
		}
		if n := c.count(`SELECT count(*) FROM book`); n != fixtureBooks-1 {
			t.Errorf("%d books, want %d", n, fixtureBooks-1)
		}
	})
}

// TestSortBy: in Tastypie's style, sort_by is the deprecated alias of order_by (its last value, when
// no order_by is given; errors name it); in Django REST framework's it is no parameter of the style,
// so an unknown filter.
func TestSortBy(t *testing.T) {
	tastypie := []parityCase{
		{query: "sort_by=-id", ids: ids(4, 3, 2, 1)},
		{query: "sort_by=rating", ids: ids(4, 1, 3, 2)},
		{query: "sort_by=id&sort_by=-id", ids: ids(4, 3, 2, 1)},
		{query: "sort_by=-id&order_by=id", ids: ids(1, 2, 3, 4)},
		{query: "sort_by=-rating&active=true", ids: ids(2, 1, 4)},
		{query: "sort_by=nope", status: 400, code: "INVALID_ORDERING", param: "sort_by"},
		{query: "sort_by=bio", status: 400, code: "INVALID_ORDERING", param: "sort_by"},
		{query: "sort_by=id&order_by=bio", status: 400, code: "INVALID_ORDERING", param: "order_by"},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		cs := newStyleClients(t, db, d, nil)
		runParity(t, styleClients{resource.TastypieStyle: cs[resource.TastypieStyle]}, "/api/v1/author/", tastypie)
		c := cs[resource.TastypieStyle]
		r := c.do(http.MethodGet, "/api/v1/author/?sort_by=-id&limit=1", nil)
		if next := field(r.body, "meta", "next"); next != "/api/v1/author/?sort_by=-id&limit=1&offset=1" {
			t.Errorf("next %v keeps sort_by?", next)
		}
		r = cs[resource.DRFStyle].do(http.MethodGet, "/api/v1/author/?sort_by=-id", nil)
		if r.status != http.StatusBadRequest {
			t.Fatalf("DRF style sort_by: %d %s", r.status, r.raw)
		}
		readError(t, r, "INVALID_FILTER", "sort_by")
	})
}

// The date and time lookups' fixture: instants around the ISO year's edges, with fractions of seconds,
// and a NULL; day holds each instant's date.
var eventTimes = []string{
	"2020-12-31T23:59:59.999999Z", // Thursday, ISO week 53 of 2020
	"2021-01-01T00:00:00.000000Z", // Friday, still ISO week 53 of 2020
	"2021-01-03T12:30:15.500000Z", // Sunday
	"2021-01-04T03:04:05.123456Z", // Monday, ISO week 1 of 2021
	"2019-12-30T07:45:00.000001Z", // Monday, ISO week 1 of 2020
	"2024-02-29T18:00:30.000000Z", // Thursday, a leap day
	"2023-07-15T09:09:09.090909Z", // Saturday, the third quarter
	"",                            // NULL
}

func createEvents(t *testing.T, db *sql.DB, d dialect.Dialect) {
	t.Helper()
	ddl := `CREATE TABLE event (id INTEGER PRIMARY KEY, at TIMESTAMP NULL, day DATE NULL)`
	if d.Name() == dialect.Postgres {
		ddl = `CREATE TABLE event (id BIGINT PRIMARY KEY, at TIMESTAMPTZ NULL, day DATE NULL)`
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	for i, s := range eventTimes {
		var at, day any
		if s != "" {
			at, day = s, s[:10]
		}
		if _, err := db.Exec(d.Rebind(`INSERT INTO event (id, at, day) VALUES (?, ?, ?)`), i+1, at, day); err != nil {
			t.Fatal(err)
		}
	}
}

func eventResources() []resource.Resource {
	return []resource.Resource{
		modelresource.New(resource.Meta{ResourceName: "event", Table: "event",
			Filtering: map[string]resource.Lookups{resource.EveryField: resource.All}, Ordering: []string{"id"}}),
		modelresource.New(resource.Meta{ResourceName: "event_hour", Table: "event",
			Filtering: map[string]resource.Lookups{"at": {"hour", "lt"}}}),
	}
}

// partOf is the oracle: a part of an instant as Django defines it, computed by Go's time package.
func partOf(part string, t time.Time) any {
	switch part {
	case "year":
		return int64(t.Year())
	case "month":
		return int64(t.Month())
	case "day":
		return int64(t.Day())
	case "hour":
		return int64(t.Hour())
	case "minute":
		return int64(t.Minute())
	case "second":
		return int64(t.Second())
	case "week_day":
		return int64(t.Weekday()) + 1
	case "week":
		_, w := t.ISOWeek()
		return int64(w)
	case "quarter":
		return int64(t.Month()+2) / 3
	case "iso_year":
		y, _ := t.ISOWeek()
		return int64(y)
	case "date":
		return t.Format("2006-01-02")
	}
	return t.Format("15:04:05.000000") // time
}

// cmpParts compares two parts of the same kind (integers, or texts that sort as they compare).
func cmpParts(a, b any) int {
	if x, ok := a.(int64); ok {
		return cmp.Compare(x, b.(int64))
	}
	return cmp.Compare(a.(string), b.(string))
}

// TestDateTimeLookups: every part (hour, minute, second, week_day, week, quarter, iso_year, date,
// time, and year, month, day) with every comparison, on a timestamp and (the parts of a date) on a
// date column, matches exactly the rows Go's time package says, on both backends; bad values and
// lookups are 400s naming the parameter.
func TestDateTimeLookups(t *testing.T) {
	// Values to compare each part with: some hit rows, some fall between.
	probes := map[string][]string{
		"year": {"2021", "2020"}, "month": {"1", "7"}, "day": {"31", "4"},
		"hour": {"0", "12", "23"}, "minute": {"30", "59"}, "second": {"5", "59"},
		"week_day": {"1", "2", "5", "7"}, "week": {"53", "1", "9"}, "quarter": {"1", "3"}, "iso_year": {"2020", "2021"},
		"date": {"2021-01-01", "2020-12-31"}, "time": {"23:59:59.999999", "12:30", "03:04:05.123456", "00:00"},
	}
	parse := func(part, s string) any {
		switch part {
		case "date":
			return s
		case "time":
			v, err := filters.ParseTimeOfDay(s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	dateParts := map[string]bool{"year": true, "month": true, "day": true, "week_day": true, "week": true, "quarter": true, "iso_year": true}
	var cases []parityCase
	for _, col := range []string{"at", "day"} {
		for _, part := range sortedProbeKeys(probes) {
			if col == "day" && !dateParts[part] {
				continue
			}
			vals := probes[part]
			match := func(keep func(p any) bool) []int64 {
				out := ids()
				for i, s := range eventTimes {
					if s == "" {
						continue
					}
					ts, err := time.Parse(time.RFC3339Nano, s)
					if err != nil {
						t.Fatal(err)
					}
					if col == "day" {
						ts = time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)
					}
					if keep(partOf(part, ts)) {
						out = append(out, int64(i+1))
					}
				}
				return out
			}
			key := col + "__" + part
			for _, v := range vals {
				want := parse(part, v)
				for _, c := range []struct {
					suffix string
					keep   func(int) bool
				}{
					{"", func(c int) bool { return c == 0 }}, {"__exact", func(c int) bool { return c == 0 }},
					{"__gt", func(c int) bool { return c > 0 }}, {"__gte", func(c int) bool { return c >= 0 }},
					{"__lt", func(c int) bool { return c < 0 }}, {"__lte", func(c int) bool { return c <= 0 }},
				} {
					cases = append(cases, parityCase{query: key + c.suffix + "=" + qe(v),
						ids: match(func(p any) bool { return c.keep(cmpParts(p, want)) })})
				}
			}
			// range is BETWEEN: given high to low, it matches nothing, as Django's.
			lo, hi := parse(part, vals[0]), parse(part, vals[1])
			cases = append(cases,
				parityCase{query: key + "__in=" + qe(vals[0]+","+vals[1]),
					ids: match(func(p any) bool { return cmpParts(p, lo) == 0 || cmpParts(p, hi) == 0 })},
				parityCase{query: key + "__range=" + qe(vals[0]+","+vals[1]),
					ids: match(func(p any) bool { return cmpParts(p, lo) >= 0 && cmpParts(p, hi) <= 0 })},
				parityCase{query: key + "=none", ids: ids(8)},
				parityCase{query: key + "__in=" + qe(vals[0]) + ",nil",
					ids: append(match(func(p any) bool { return cmpParts(p, lo) == 0 }), 8)},
			)
		}
	}
	bad := []parityCase{
		{query: "at__hour=3pm", status: 400, code: "INVALID_VALUE", param: "at__hour",
			msg: `Invalid value for the 'at__hour' filter: "3pm" is not an integer.`},
		{query: "at__week__gte=x", status: 400, code: "INVALID_VALUE", param: "at__week__gte"},
		{query: "at__time=24:00", status: 400, code: "INVALID_VALUE", param: "at__time",
			msg: `Invalid value for the 'at__time' filter: "24:00" is not a time of day (HH:MM, HH:MM:SS or HH:MM:SS.ffffff).`},
		{query: "at__date=2021-13-01", status: 400, code: "INVALID_VALUE", param: "at__date"},
		{query: "at__date__range=2021-01-01", status: 400, code: "INVALID_VALUE", param: "at__date__range"},
		{query: "at__quarter__gt=none", status: 400, code: "INVALID_VALUE", param: "at__quarter__gt"},
		{query: "day__hour=1", status: 400, code: "INVALID_FILTER", param: "day__hour"},
		{query: "day__time=10:00", status: 400, code: "INVALID_FILTER", param: "day__time"},
		{query: "at__hour__contains=1", status: 400, code: "INVALID_FILTER", param: "at__hour__contains"},
		{query: "at__hour__isnull=true", status: 400, code: "INVALID_FILTER", param: "at__hour__isnull"},
	}
	restricted := []parityCase{
		{query: "at__hour=3", ids: ids(4)},
		{query: "at__hour__exact=3", ids: ids(4)},
		{query: "at__hour__lt=3", ids: ids(2)},
		{query: "at__hour__gte=3", status: 400, code: "INVALID_FILTER", param: "at__hour__gte",
			msg: "'gte' is not an allowed filter on the 'at' field. Allowed: lt, hour."},
		{query: "at__minute=3", status: 400, code: "INVALID_FILTER", param: "at__minute"},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createEvents(t, db, d)
		cs := newStyleClients(t, db, d, eventResources)
		runParity(t, styleClients{resource.TastypieStyle: cs[resource.TastypieStyle]}, "/api/v1/event/", cases)
		runParity(t, cs, "/api/v1/event/", bad)
		runParity(t, cs, "/api/v1/event_hour/", restricted)
	})
}

func sortedProbeKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// regexTexts are the texts the regex test matches: case, digits, underscores, newlines, tabs,
// non-ASCII letters and spaces, and a NULL (nil).
var regexTexts = []any{"Polio", "polio vaccine", "POLIO-2020", "line1\nline2", "École", "école", "naïve café",
	"tab\there", "a_b", "123", "x{2}", "é9", "ÀÉÎ", "snake_case_42", "", nil, "a\u00a0b", "a\u2003b", "ǅ", "straße",
	"STRASSE", "Ωmega", "ωMEGA", "vertical\vtab", "a.b", "a+b", "[x]", `back\slash`}

// regexPatterns are in dialect.CheckRegexp's subset.
var regexPatterns = []string{`^p`, `olio`, `^\w+$`, `\d{3}`, `^[A-Z]`, `line1.line2`, `^line2$`, `line1$`, `\s`,
	`\S+\s\S+`, `é`, `^É`, `[à-ÿ]`, `(?:po|PO)lio`, `x\{2\}`, `a|b`, `^$`, `caf.$`, `^.{5}$`, `\W`, `[^a-z]`,
	`[\d_]`, `ß`, `^[a-z]+$`, `ω`, `^[\w.]+$`, `\.`, `\+`, `\[x\]`, `\\`, `[\s]`, `\D\D\D`, `^(a|b)*$`, `.`, ``,
	`o{2,}`, `^.*?$`, `[]x]`, `[^]x]`}

// TestRegex: regex and iregex match exactly what Go's regexp package matches (with . matching a
// newline), on both backends, for every pattern of the subset over texts chosen where backends tend
// to differ; a pattern that does not compile, lies outside the subset or is too long is a 400 naming
// the parameter.
func TestRegex(t *testing.T) {
	var cases []parityCase
	for _, p := range regexPatterns {
		for _, lookup := range []string{"regex", "iregex"} {
			flags := "(?s)"
			if lookup == "iregex" {
				flags = "(?is)"
			}
			re := regexp.MustCompile(flags + p)
			want := ids()
			for i, s := range regexTexts {
				if s != nil && re.MatchString(s.(string)) {
					want = append(want, int64(i+1))
				}
			}
			cases = append(cases, parityCase{query: "text__" + lookup + "=" + qe(p), ids: want})
		}
	}
	// NULL is no text on either backend (SQLite's tg_fold once folded it into '').
	cases = append(cases, parityCase{query: "text__iexact=", ids: ids(15)},
		parityCase{query: "text__istartswith=", ids: slices.DeleteFunc(ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28), func(n int64) bool { return n == 16 })})
	msg := func(param, pattern, what string) string {
		return "Invalid value for the '" + param + "' filter: " + strconv.Quote(pattern) + " uses " + what +
			", outside the regular expressions that match alike on every backend (see the README)."
	}
	bad := []parityCase{
		{query: "text__regex=" + qe(`(ab`), status: 400, code: "INVALID_VALUE", param: "text__regex",
			msg: "Invalid value for the 'text__regex' filter: \"(ab\" is not a regular expression: missing closing ): `(ab`."},
		{query: "text__iregex=" + qe(`a**`), status: 400, code: "INVALID_VALUE", param: "text__iregex"},
		{query: "text__regex=" + qe(`\bword`), status: 400, code: "INVALID_VALUE", param: "text__regex", msg: msg("text__regex", `\bword`, `the escape \b`)},
		{query: "text__regex=" + qe(`\pL`), status: 400, code: "INVALID_VALUE", param: "text__regex", msg: msg("text__regex", `\pL`, `the escape \p`)},
		{query: "text__regex=" + qe(`(?i)polio`), status: 400, code: "INVALID_VALUE", param: "text__regex",
			msg: msg("text__regex", `(?i)polio`, "flags and named groups ((?...) other than (?:...))")},
		{query: "text__regex=" + qe(`(?P<n>a)`), status: 400, code: "INVALID_VALUE", param: "text__regex"},
		{query: "text__regex=" + qe(`[[:alpha:]]`), status: 400, code: "INVALID_VALUE", param: "text__regex",
			msg: msg("text__regex", `[[:alpha:]]`, "a POSIX class or collating element ([:...) inside brackets")},
		{query: "text__regex=" + qe(`a{256}`), status: 400, code: "INVALID_VALUE", param: "text__regex"},
		{query: "text__regex=" + qe(`a{x}`), status: 400, code: "INVALID_VALUE", param: "text__regex"},
		{query: "text__regex=" + qe(`(a)\1`), status: 400, code: "INVALID_VALUE", param: "text__regex"},
		{query: "text__regex=" + qe(`[\W]`), status: 400, code: "INVALID_VALUE", param: "text__regex"},
		{query: "text__regex=" + strings.Repeat("a", dialect.MaxRegexpBytes+1), status: 400, code: "INVALID_VALUE", param: "text__regex",
			msg: "Invalid value for the 'text__regex' filter: a regular expression may be at most 512 bytes long, not 513."},
		{query: "text__regex=none", status: 400, code: "INVALID_VALUE", param: "text__regex"},
		{query: "id__regex=1", status: 400, code: "INVALID_FILTER", param: "id__regex"},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ddl := `CREATE TABLE word (id INTEGER PRIMARY KEY, text TEXT NULL)`
		if d.Name() == dialect.Postgres {
			ddl = `CREATE TABLE word (id BIGINT PRIMARY KEY, text TEXT NULL)`
		}
		if _, err := db.Exec(ddl); err != nil {
			t.Fatal(err)
		}
		for i, s := range regexTexts {
			if _, err := db.Exec(d.Rebind(`INSERT INTO word (id, text) VALUES (?, ?)`), i+1, s); err != nil {
				t.Fatal(err)
			}
		}
		cs := newStyleClients(t, db, d, func() []resource.Resource {
			return []resource.Resource{modelresource.New(resource.Meta{ResourceName: "word", Table: "word", Limit: 100,
				Filtering: map[string]resource.Lookups{resource.EveryField: resource.All}, Ordering: []string{"id"}})}
		})
		runParity(t, styleClients{resource.TastypieStyle: cs[resource.TastypieStyle]}, "/api/v1/word/", cases)
		runParity(t, cs, "/api/v1/word/", bad)
	})
}
