package filters

import (
	"fmt"
	"strings"

	"github.com/tastygo/tastygo/field"
)

// Lookup is a Django-style lookup name, the part after the last "__" of a filter key.
type Lookup string

// The lookups, in their canonical order: every list of lookups this package returns follows it.
const (
	Exact       Lookup = "exact"       // =
	IExact      Lookup = "iexact"      // case-insensitive =
	Contains    Lookup = "contains"    // LIKE '%v%'
	IContains   Lookup = "icontains"   // case-insensitive LIKE '%v%'
	StartsWith  Lookup = "startswith"  // LIKE 'v%'
	IStartsWith Lookup = "istartswith" // case-insensitive LIKE 'v%'
	EndsWith    Lookup = "endswith"    // LIKE '%v'
	IEndsWith   Lookup = "iendswith"   // case-insensitive LIKE '%v'
	In          Lookup = "in"          // IN (...), comma-separated or repeated values
	Range       Lookup = "range"       // BETWEEN a AND b, "a,b"
	Gt          Lookup = "gt"          // >
	Gte         Lookup = "gte"         // >=
	Lt          Lookup = "lt"          // <
	Lte         Lookup = "lte"         // <=
	IsNull      Lookup = "isnull"      // IS NULL (true) / IS NOT NULL (false)
	Year        Lookup = "year"        // the year of a date or timestamp equals an integer
	Month       Lookup = "month"       // the month (1-12) equals an integer
	Day         Lookup = "day"         // the day of the month equals an integer
	Hour        Lookup = "hour"        // the hour (0-23, UTC) of a timestamp
	Minute      Lookup = "minute"      // the minute (0-59) of a timestamp
	Second      Lookup = "second"      // the second (0-59, the fraction dropped) of a timestamp
	WeekDay     Lookup = "week_day"    // the day of the week, 1 (Sunday) to 7 (Saturday), as Django
	Week        Lookup = "week"        // the ISO 8601 week number (1-53)
	Quarter     Lookup = "quarter"     // the quarter of the year (1-4)
	IsoYear     Lookup = "iso_year"    // the ISO 8601 week-numbering year
	Date        Lookup = "date"        // the date (UTC) of a timestamp, YYYY-MM-DD
	Time        Lookup = "time"        // the time of day (UTC) of a timestamp, HH:MM[:SS[.ffffff]]
	Regex       Lookup = "regex"       // matches a regular expression (dialect.CheckRegexp's subset of RE2)
	IRegex      Lookup = "iregex"      // matches a regular expression, case-insensitively
)

// all is the canonical order.
var all = [...]Lookup{Exact, IExact, Contains, IContains, StartsWith, IStartsWith, EndsWith, IEndsWith,
	In, Range, Gt, Gte, Lt, Lte, IsNull, Year, Month, Day, Hour, Minute, Second, WeekDay, Week, Quarter,
	IsoYear, Date, Time, Regex, IRegex}

// IsTransform reports whether l takes a part of a date or timestamp (year, month, day, hour, minute,
// second, week_day, week, quarter, iso_year, date, time) and compares it: with exact when the filter
// key names nothing after it ("created__hour=3"), or with the comparison it names
// ("created__hour__gte=3", see [IsComparison] and [Filter.Compare]), as Django chains a transform
// and a lookup.
func IsTransform(l Lookup) bool {
	switch l {
	case Year, Month, Day, Hour, Minute, Second, WeekDay, Week, Quarter, IsoYear, Date, Time:
		return true
	}
	return false
}

// IsComparison reports whether l may follow a transform ([IsTransform]): exact, in, range, gt, gte,
// lt, lte.
func IsComparison(l Lookup) bool {
	switch l {
	case Exact, In, Range, Gt, Gte, Lt, Lte:
		return true
	}
	return false
}

// byType lists, per field type, the lookups that make sense for it, in canonical order.
var byType = map[field.Type][]Lookup{
	field.String: {Exact, IExact, Contains, IContains, StartsWith, IStartsWith, EndsWith, IEndsWith,
		In, Range, Gt, Gte, Lt, Lte, IsNull, Regex, IRegex},
	field.Integer:  {Exact, In, Range, Gt, Gte, Lt, Lte, IsNull},
	field.Float:    {Exact, In, Range, Gt, Gte, Lt, Lte, IsNull},
	field.Related:  {Exact, In, Range, Gt, Gte, Lt, Lte, IsNull},
	field.Boolean:  {Exact, In, IsNull},
	field.Date:     {Exact, In, Range, Gt, Gte, Lt, Lte, IsNull, Year, Month, Day, WeekDay, Week, Quarter, IsoYear},
	field.DateTime: {Exact, In, Range, Gt, Gte, Lt, Lte, IsNull, Year, Month, Day, Hour, Minute, Second, WeekDay, Week, Quarter, IsoYear, Date, Time},
	// JSON compares differently as text, json and jsonb (and "=" does not exist for json), so only
	// the one test that means the same everywhere is offered.
	field.JSON: {IsNull},
}

// LookupsFor returns every lookup that makes sense for a field type, in the canonical order of the
// constants (exact, iexact, contains, icontains, startswith, istartswith, endswith, iendswith, in,
// range, gt, gte, lt, lte, isnull, year, month, day, hour, minute, second, week_day, week, quarter,
// iso_year, date, time, regex, iregex):
//
//   - string: exact to isnull (the text lookups, in, range, the comparisons, isnull), regex, iregex;
//   - integer, float, related: exact, in, range, gt, gte, lt, lte, isnull;
//   - boolean: exact, in, isnull;
//   - date: exact, in, range, gt, gte, lt, lte, isnull, year, month, day, week_day, week, quarter,
//     iso_year;
//   - datetime: those of date and hour, minute, second, date, time (in their canonical order);
//   - json: isnull.
//
// The slice is the caller's to keep.
func LookupsFor(t field.Type) []Lookup {
	ls := byType[t]
	out := make([]Lookup, len(ls))
	copy(out, ls)
	return out
}

// IsLookup reports whether s names one of the Lookup constants (exactly, case-sensitively).
func IsLookup(s string) bool {
	for _, l := range all {
		if string(l) == s {
			return true
		}
	}
	return false
}

// applies reports whether l makes sense for a field of type t.
func applies(t field.Type, l Lookup) bool {
	for _, x := range byType[t] {
		if x == l {
			return true
		}
	}
	return false
}

// CheckLookups reports lookups that are unknown or make no sense for a field of type t, as one error
// naming them, or nil. It is meant for registration time, to reject a resource's Meta before the first
// request rather than answer every request with a narrower list than the schema shows.
func CheckLookups(t field.Type, ls []Lookup) error {
	var bad []string
	for _, l := range ls {
		if !applies(t, l) {
			bad = append(bad, string(l))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("filters: lookups %s do not apply to a %s field (it takes %s)",
		strings.Join(bad, ", "), t, joinLookups(byType[t]))
}

func joinLookups(ls []Lookup) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

func lookupNames(ls []Lookup) []string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return s
}
