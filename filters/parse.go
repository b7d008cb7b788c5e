package filters

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// Sep separates relation hops, the field and the lookup in a filter key or an order_by value.
const Sep = "__"

// MaxValues is the most values one "in" filter may carry; more is an INVALID_VALUE whose cause is
// [ErrTooManyValues]. It keeps a request far below the backends' bound-parameter limits.
const MaxValues = 1000

// MaxValueBytes is the longest value one filter may carry, in bytes (each element of an "in" or
// "range" list counts alone); a longer one is an INVALID_VALUE whose cause is [ErrValueTooLong]. No
// column a filter compares is that long, and a long LIKE pattern costs the database time (SQLite
// refuses patterns over 50,000 bytes with an error).
const MaxValueBytes = 4096

// ErrValueTooLong is the cause (errors.Is) of the error for a filter value over [MaxValueBytes].
var ErrValueTooLong = errors.New("filters: filter value too long")

// ErrTooManyValues is the cause (errors.Is) of the error for an "in" filter with more than [MaxValues]
// values.
var ErrTooManyValues = errors.New("filters: too many values in one filter")

// Field is one filterable (or orderable) field, as a [Resolver] found it.
type Field struct {
	// Param is the path as written in the query, without the lookup:
	// "campaign__top_lvl_location__location_code". [Parse] sets it from the key.
	Param string
	// Name is the field's own name on its resource: "location_code".
	Name string
	// Path lists the relation hops from the root resource, ["campaign", "top_lvl_location"]; nil for
	// the root resource's own fields. [Joins] collects these.
	Path []string
	// Column is the SQL expression to compare, already quoted, such as
	// `"campaign__top_lvl_location"."location_code"`. It must come only from trusted Meta: it is the
	// one piece of a Field that reaches the SQL text.
	Column string
	// Type is the field's logical type; values are parsed and bound by it.
	Type field.Type
	// MaxInt, when above zero, bounds an integer field's values to ±MaxInt, its column type's range
	// (dialect.Column.MaxInt): a value beyond is an INVALID_VALUE, refused before the database, which
	// would refuse it with an error of its own (PostgreSQL compares a smallint with a smallint).
	MaxInt int64
	// Exists, when set, makes the field a column of other rows, such as a join table's: the condition
	// is written EXISTS (SELECT 1 FROM <Exists> AND <condition on Column>), so Exists is the sub-query's
	// FROM and WHERE, correlated with the outer row: `"user_accounts" AS tg_m WHERE tg_m."userid" =
	// "users"."userid"`. Like Column, it must come only from trusted Meta.
	Exists string
	// Lookups are the lookups the resource allows on the field. Nil or empty means every lookup
	// [LookupsFor] gives for Type; lookups that make no sense for Type are never allowed (see
	// [CheckLookups] to catch them at registration).
	Lookups []Lookup
}

// Allowed returns the lookups a client may use on f, in canonical order: [Field.Lookups] (or all of
// them when it is empty) restricted to those that make sense for [Field.Type].
func (f Field) Allowed() []Lookup {
	if len(f.Lookups) == 0 {
		return LookupsFor(f.Type)
	}
	var out []Lookup
	for _, l := range byType[f.Type] {
		if slices.Contains(f.Lookups, l) {
			out = append(out, l)
		}
	}
	return out
}

// Resolver is the allow-list for filters: it maps a path of names (relation hops, then a field) to a
// [Field], or returns an *[apierror.Error] with code INVALID_FILTER naming the problem, such as
// "The 'nmae' field does not allow filtering. Allowed: id, name, short_name." with details "allowed".
// [Parse] adds details.parameter. The model resource implements it; [StaticFields] is a simple one.
type Resolver interface {
	Resolve(path []string) (Field, error)
}

// Filter is one parsed, typed condition.
type Filter struct {
	// Param is the query key as given, such as "id__gt".
	Param string
	// Field is what the key's path resolved to.
	Field Field
	// Lookup is the key's lookup, Exact when it names none.
	Lookup Lookup
	// Compare is, when Lookup is a transform ([IsTransform]: year, hour, date...), the comparison of
	// the part with Values: Exact, In, Range, Gt, Gte, Lt or Lte ("created__hour__gte=3"); empty (meaning
	// Exact) when the key names none, and for every other lookup.
	Compare Lookup
	// Values holds the typed values, as [field.ParseText] returns them for the field's type (int64,
	// float64, bool, string, time.Time): one value, or any number for In (none matches nothing),
	// exactly two for Range. IsNull holds one bool, and Year, Month and Day one int64. A [Search] holds
	// its terms (strings). A nil value is NULL (the text none, None or nil, as Tastypie's
	// filter_value_to_python reads it): only Exact and IExact (one nil: IS NULL) and In (nil among the
	// values: or IS NULL) take it.
	Values []any
	// Fields are the fields a [Search] filter looks in (its Field is unused); nil for every other lookup.
	Fields []Field
}

// Parse reads every query parameter for which reserved returns false (nil reserves nothing) as a
// filter, and returns the filters sorted by key.
//
// A key is split on "__". When it has more than one part and the last is a lookup name that makes
// sense for the type of the field the other parts resolve to, the last part is the lookup; otherwise
// the whole key names the field and the lookup is exact (so a relation to a resource with a field
// named "year" still works: "campaign__year=2020"). Values are parsed by the field's type; for In and
// Range they are split on commas and repeated parameters are concatenated, as Tastypie does; for
// every other lookup the last of repeated parameters counts (Django's QueryDict).
//
// Errors are *[apierror.Error] with details.parameter set to the key: INVALID_FILTER for a field the
// resolver refuses or a lookup it does not allow on the field (details.allowed lists the allowed
// ones), INVALID_VALUE for a value that does not parse, an empty In, a Range without exactly two
// values, a value over [MaxValueBytes], an IsNull that is not a boolean, a Year, Month or Day that is
// not an integer, or text that is not valid UTF-8 or holds a NUL byte (PostgreSQL refuses both). The
// first error in key order is returned.
func Parse(q url.Values, r Resolver, reserved func(string) bool) ([]Filter, error) {
	keys := make([]string, 0, len(q))
	for k := range q {
		if reserved == nil || !reserved(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var fs []Filter
	for _, k := range keys {
		f, err := parseOne(k, q[k], r)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func parseOne(key string, raw []string, r Resolver) (Filter, error) {
	f, lookup, compare, err := resolveKey(key, r)
	if err != nil {
		return Filter{}, err
	}
	allowed := f.Allowed()
	for _, l := range []Lookup{lookup, compare} {
		if l == "" || slices.Contains(allowed, l) || (l == Exact && compare != "") {
			continue // a transform compares with exact whether or not exact itself is allowed
		}
		msg := fmt.Sprintf("'%s' is not an allowed filter on the '%s' field.", l, f.Param)
		if len(allowed) > 0 {
			msg = fmt.Sprintf("'%s' is not an allowed filter on the '%s' field. Allowed: %s.", l, f.Param, joinLookups(allowed))
		}
		return Filter{}, (&apierror.Error{Code: apierror.InvalidFilter, Message: msg}).
			With("parameter", key).With("allowed", lookupNames(allowed))
	}
	if len(raw) == 0 { // only from a hand-built url.Values; treat as one empty value
		raw = []string{""}
	}
	values, err := parseValues(key, f.Type, lookup, compare, raw)
	if err != nil {
		return Filter{}, err
	}
	if err := checkRange(key, f, lookup, values); err != nil {
		return Filter{}, err
	}
	return Filter{Param: key, Field: f, Lookup: lookup, Compare: compare, Values: values}, nil
}

// resolveKey splits key into a path, a lookup and, after a transform, a comparison, and resolves the
// path (see Parse). The comparison is empty but after a transform, where it is Exact when the key
// names none.
func resolveKey(key string, r Resolver) (Field, Lookup, Lookup, error) {
	parts := strings.Split(key, Sep)
	n := len(parts)
	// A transform and a comparison: "created__hour__gte".
	if t, c := Lookup(parts[max(n-2, 0)]), Lookup(parts[n-1]); n > 2 && IsTransform(t) && IsComparison(c) {
		if f, err := resolve(key, parts[:n-2], r); err == nil && applies(f.Type, t) {
			return f, t, c, nil
		}
	}
	if n > 1 && IsLookup(parts[n-1]) {
		l := Lookup(parts[n-1])
		f, err := resolve(key, parts[:n-1], r)
		if err == nil && applies(f.Type, l) {
			return f, l, transformed(l), nil
		}
		// Not a lookup of that field: perhaps the whole key names a field ("campaign__year").
		if whole, werr := resolve(key, parts, r); werr == nil {
			return whole, Exact, "", nil
		}
		// Neither: report the first reading, the natural one.
		return f, l, "", err
	}
	f, err := resolve(key, parts, r)
	return f, Exact, "", err
}

// transformed is the comparison of a key that names lookup l last: Exact after a transform, else none.
func transformed(l Lookup) Lookup {
	if IsTransform(l) {
		return Exact
	}
	return ""
}

// resolve asks r for path and makes its error an INVALID_FILTER naming key.
func resolve(key string, path []string, r Resolver) (Field, error) {
	f, err := r.Resolve(path)
	if err != nil {
		e := apierror.As(err)
		if e == nil {
			e = apierror.New(apierror.InvalidFilter, "The '%s' field does not allow filtering.", strings.Join(path, Sep)).Wrap(err)
		}
		return Field{}, e.With("parameter", key)
	}
	f.Param = strings.Join(path, Sep)
	return f, nil
}

func parseValues(key string, t field.Type, l, compare Lookup, raw []string) ([]any, error) {
	var parse func(string) (any, error)
	if IsTransform(l) {
		parse = partParser(l)
		l = compare
	}
	var texts []string
	switch l {
	case In, Range:
		for _, v := range raw {
			texts = append(texts, strings.Split(v, ",")...)
		}
	default:
		texts = raw[len(raw)-1:]
	}
	for _, s := range texts {
		if len(s) > MaxValueBytes {
			return nil, invalidValue(key, fmt.Sprintf("a value may be at most %d bytes long, not %d", MaxValueBytes, len(s)), ErrValueTooLong)
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return nil, invalidValue(key, "the value is not valid UTF-8 text or holds a NUL byte", nil)
		}
	}
	switch l {
	case In:
		if strings.Join(raw, "") == "" {
			// Tastypie hands Django an empty list, which matches nothing.
			return []any{}, nil
		}
		if len(texts) > MaxValues {
			return nil, invalidValue(key, fmt.Sprintf("give at most %d values, not %d", MaxValues, len(texts)), ErrTooManyValues)
		}
	case Range:
		if len(texts) != 2 {
			return nil, invalidValue(key, fmt.Sprintf("give exactly two values separated by a comma, not %d", len(texts)), nil)
		}
	case IsNull:
		t = field.Boolean
	case Regex, IRegex:
		if err := dialect.CheckRegexp(texts[0]); err != nil && !IsNullText(texts[0]) {
			return nil, invalidValue(key, err.Error(), err)
		}
	}
	if parse == nil {
		parse = func(s string) (any, error) { return field.ParseText(t, s) }
	}
	values := make([]any, len(texts))
	for i, s := range texts {
		if IsNullText(s) {
			if !takesNull(l) {
				return nil, invalidValue(key, fmt.Sprintf("%q means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL)", s), nil)
			}
			continue // values[i] stays nil: NULL
		}
		v, err := parse(s)
		if err != nil {
			return nil, invalidValue(key, err.Error(), err)
		}
		values[i] = v
	}
	return values, nil
}

// IsNullText reports whether a filter value is one of the texts that mean NULL: none, None or nil,
// as Tastypie's filter_value_to_python (string_to_python) reads them.
func IsNullText(s string) bool { return s == "none" || s == "None" || s == "nil" }

// takesNull reports whether a lookup takes NULL as a value: as in Django, exact and iexact (IS NULL)
// and in (one of the values, or NULL); any other lookup given NULL is Django's "Cannot use None as a
// query value", which Tastypie answers with a 400.
func takesNull(l Lookup) bool { return l == Exact || l == IExact || l == In }

// partParser reads the value a transform's part is compared with: an integer, a date (for date) or a
// time of day (for time, as "15:04:05.000000").
func partParser(l Lookup) func(string) (any, error) {
	switch l {
	case Date:
		return func(s string) (any, error) { return field.ParseText(field.Date, s) }
	case Time:
		return func(s string) (any, error) { return ParseTimeOfDay(s) }
	}
	return func(s string) (any, error) { return field.ParseText(field.Integer, s) }
}

// TimeOfDayLayout is the form of a time of day that the time lookup compares: UTC, with microseconds.
const TimeOfDayLayout = "15:04:05.000000"

// ParseTimeOfDay reads a time of day, HH:MM, HH:MM:SS or HH:MM:SS.fffffffff (a fraction beyond
// microseconds is dropped), into [TimeOfDayLayout]'s form.
func ParseTimeOfDay(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(TimeOfDayLayout), nil
		}
	}
	return "", fmt.Errorf("%q is not a time of day (HH:MM, HH:MM:SS or HH:MM:SS.ffffff)", s)
}

// checkRange refuses an integer value outside the field's range (Field.MaxInt); the parts of a date
// (year, month, day...) and isnull's boolean are not the column's values.
func checkRange(key string, f Field, l Lookup, values []any) error {
	if f.MaxInt <= 0 || l == IsNull || IsTransform(l) {
		return nil
	}
	for _, v := range values {
		if n, ok := v.(int64); ok && (n > f.MaxInt || n < -f.MaxInt) {
			return invalidValue(key, field.RangeProblem(n, f.MaxInt), nil)
		}
	}
	return nil
}

func invalidValue(key, problem string, cause error) *apierror.Error {
	return apierror.New(apierror.InvalidValue, "Invalid value for the '%s' filter: %s.", key, problem).
		Wrap(cause).With("parameter", key)
}
