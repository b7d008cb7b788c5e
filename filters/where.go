package filters

import (
	"fmt"
	"slices"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// Where compiles filters into one squirrel Sqlizer, the AND of all of them in their order, for the
// dialect d. Its SQL has the form "(c1 AND c2 ...)", or "(1=1)" for no filters, with '?'
// placeholders that the dialect's [dialect.Dialect.Builder] rewrites; every value is a bound argument.
//
//   - exact, gt, gte, lt, lte: "col = ?", "col > ?", ...; iexact: "fold(col) = ?" with the folded value
//     ([dialect.Dialect.Fold], [dialect.Dialect.FoldValue]);
//   - contains, startswith, endswith and their i- forms: [dialect.Dialect.Like] on the column (folded
//     for the i- forms), the value escaped with [dialect.EscapeLike] so that %, _ and \ match literally;
//   - regex, iregex: [dialect.Dialect.Regexp] with the pattern from [dialect.Dialect.RegexpArg];
//   - in: "col IN (?,?)", or "(col IN (?,?) OR col IS NULL)" when a value is nil, or "1=0" for no
//     values; exact or iexact with a nil value: "col IS NULL"; range: "col BETWEEN ? AND ?";
//   - isnull: "col IS NULL" (true) or "col IS NOT NULL" (false);
//   - year, month, day, hour, minute, second, week_day, week, quarter, iso_year, date, time: the part
//     from [dialect.Dialect.DatePart], compared as [Filter.Compare] says ("= ?" when it is empty).
//
// Values go through [dialect.Dialect.Bind], which turns dates and timestamps into what the backend
// stores. The error is for filters no
// [Parse] call returns (an empty Column, a lookup the field's type cannot take, the wrong number or
// type of values): a bug, not a client error.
func Where(fs []Filter, d dialect.Dialect) (sq.Sqlizer, error) {
	conds := make(sq.And, 0, len(fs))
	for _, f := range fs {
		compileOne := compile
		if f.Lookup == Search {
			compileOne = compileSearch
		}
		c, err := compileOne(f, d)
		if err != nil {
			return nil, err
		}
		if f.Field.Exists != "" {
			c = exists{from: f.Field.Exists, cond: c}
		}
		conds = append(conds, c)
	}
	return conds, nil
}

// compile turns one filter into its condition.
func compile(f Filter, d dialect.Dialect) (sq.Sqlizer, error) {
	col, t := f.Field.Column, f.Field.Type
	if col == "" {
		return nil, fmt.Errorf("filters: %s: the field has no column", f.Param)
	}
	if !applies(t, f.Lookup) {
		return nil, fmt.Errorf("filters: %s: lookup %q does not apply to a %s field", f.Param, f.Lookup, t)
	}
	if IsTransform(f.Lookup) {
		return compilePart(f, d)
	}
	want := 1
	switch f.Lookup {
	case In:
		want = len(f.Values)
	case Range:
		want = 2
	}
	if len(f.Values) != want {
		return nil, fmt.Errorf("filters: %s: %s takes %d values, got %d", f.Param, f.Lookup, want, len(f.Values))
	}
	if f.Lookup == In {
		return compileIn(col, f.Values, func(v any) any { return d.Bind(t, v) }), nil
	}
	v := f.Values[0]
	if v == nil {
		if f.Lookup != Exact && f.Lookup != IExact {
			return nil, fmt.Errorf("filters: %s: %s does not take NULL", f.Param, f.Lookup)
		}
		return nullCheck{lhs: col}, nil
	}
	switch f.Lookup {
	case Exact:
		return compare{lhs: col, op: "=", arg: d.Bind(t, v)}, nil
	case Gt:
		return compare{lhs: col, op: ">", arg: d.Bind(t, v)}, nil
	case Gte:
		return compare{lhs: col, op: ">=", arg: d.Bind(t, v)}, nil
	case Lt:
		return compare{lhs: col, op: "<", arg: d.Bind(t, v)}, nil
	case Lte:
		return compare{lhs: col, op: "<=", arg: d.Bind(t, v)}, nil
	case Range:
		return between{lhs: col, lo: d.Bind(t, f.Values[0]), hi: d.Bind(t, f.Values[1])}, nil
	case IsNull:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("filters: %s: isnull takes a bool, got %T", f.Param, v)
		}
		return nullCheck{lhs: col, not: !b}, nil
	}
	// The text lookups: the field is a string, so is the value.
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("filters: %s: %s takes a string, got %T", f.Param, f.Lookup, v)
	}
	switch f.Lookup {
	case IExact:
		return compare{lhs: d.Fold(col), op: "=", arg: d.FoldValue(s)}, nil
	case Contains:
		return like{sql: d.Like(col), pattern: "%" + dialect.EscapeLike(s) + "%"}, nil
	case IContains:
		return like{sql: d.Like(d.Fold(col)), pattern: "%" + dialect.EscapeLike(d.FoldValue(s)) + "%"}, nil
	case StartsWith:
		return like{sql: d.Like(col), pattern: dialect.EscapeLike(s) + "%"}, nil
	case IStartsWith:
		return like{sql: d.Like(d.Fold(col)), pattern: dialect.EscapeLike(d.FoldValue(s)) + "%"}, nil
	case EndsWith:
		return like{sql: d.Like(col), pattern: "%" + dialect.EscapeLike(s)}, nil
	case IEndsWith:
		return like{sql: d.Like(d.Fold(col)), pattern: "%" + dialect.EscapeLike(d.FoldValue(s))}, nil
	case Regex, IRegex:
		arg, err := d.RegexpArg(s, f.Lookup == IRegex)
		if err != nil {
			return nil, fmt.Errorf("filters: %s: %w", f.Param, err)
		}
		return like{sql: d.Regexp(col, f.Lookup == IRegex), pattern: arg}, nil
	}
	return nil, fmt.Errorf("filters: %s: unknown lookup %q", f.Param, f.Lookup) // unreachable: applies() passed
}

// compilePart compiles a transform (year, hour, date, time...): the part of the column, as
// [dialect.Dialect.DatePart] writes it, compared as Compare says (exact when empty).
func compilePart(f Filter, d dialect.Dialect) (sq.Sqlizer, error) {
	op := f.Compare
	if op == "" {
		op = Exact
	}
	if !IsComparison(op) {
		return nil, fmt.Errorf("filters: %s: %s cannot follow %s", f.Param, op, f.Lookup)
	}
	want := 1
	switch op {
	case In:
		want = len(f.Values)
	case Range:
		want = 2
	}
	if len(f.Values) != want {
		return nil, fmt.Errorf("filters: %s: %s takes %d values, got %d", f.Param, op, want, len(f.Values))
	}
	lhs, err := d.DatePart(string(f.Lookup), f.Field.Column)
	if err != nil {
		return nil, err
	}
	// The part's values: int64, but for date (a time.Time, bound as a date) and time (a string).
	args := make([]any, len(f.Values))
	for i, v := range f.Values {
		ok := v == nil && (op == Exact || op == In)
		switch f.Lookup {
		case Date:
			if tv, isTime := v.(time.Time); isTime {
				v, ok = d.Bind(field.Date, tv), true
			}
		case Time:
			_, isString := v.(string)
			ok = ok || isString
		default:
			_, isInt := v.(int64)
			ok = ok || isInt
		}
		if !ok {
			return nil, fmt.Errorf("filters: %s: %s cannot compare %T", f.Param, f.Lookup, v)
		}
		args[i] = v
	}
	switch op {
	case Exact:
		if args[0] == nil {
			return nullCheck{lhs: lhs}, nil
		}
		return compare{lhs: lhs, op: "=", arg: args[0]}, nil
	case Gt:
		return compare{lhs: lhs, op: ">", arg: args[0]}, nil
	case Gte:
		return compare{lhs: lhs, op: ">=", arg: args[0]}, nil
	case Lt:
		return compare{lhs: lhs, op: "<", arg: args[0]}, nil
	case Lte:
		return compare{lhs: lhs, op: "<=", arg: args[0]}, nil
	case In:
		return compileIn(lhs, args, func(v any) any { return v }), nil
	}
	return between{lhs: lhs, lo: args[0], hi: args[1]}, nil
}

// compileIn is "lhs IN (?,...)", "OR lhs IS NULL" added when a value is nil, and "1=0" (nothing)
// for no values; bind turns each value into its argument.
func compileIn(lhs string, values []any, bind func(any) any) sq.Sqlizer {
	args := make([]any, 0, len(values))
	null := false
	for _, x := range values {
		if x == nil {
			null = true
			continue
		}
		args = append(args, bind(x))
	}
	switch {
	case len(args) == 0 && !null:
		return sq.Expr("1=0")
	case len(args) == 0:
		return nullCheck{lhs: lhs}
	case null:
		return sq.Or{inList{lhs: lhs, args: args}, nullCheck{lhs: lhs}}
	}
	return inList{lhs: lhs, args: args}
}

// compare is "lhs op ?".
type compare struct {
	lhs, op string
	arg     any
}

func (c compare) ToSql() (string, []any, error) {
	return c.lhs + " " + c.op + " ?", []any{c.arg}, nil
}

// like is a LIKE condition as [dialect.Dialect.Like] writes it, with one pattern argument.
type like struct {
	sql     string
	pattern string
}

func (c like) ToSql() (string, []any, error) { return c.sql, []any{c.pattern}, nil }

// inList is "lhs IN (?,?,...)".
type inList struct {
	lhs  string
	args []any
}

func (c inList) ToSql() (string, []any, error) {
	return c.lhs + " IN (" + strings.Repeat(",?", len(c.args))[1:] + ")", slices.Clone(c.args), nil
}

// between is "lhs BETWEEN ? AND ?".
type between struct {
	lhs    string
	lo, hi any
}

func (c between) ToSql() (string, []any, error) {
	return c.lhs + " BETWEEN ? AND ?", []any{c.lo, c.hi}, nil
}

// nullCheck is "lhs IS NULL" or "lhs IS NOT NULL".
type nullCheck struct {
	lhs string
	not bool
}

func (c nullCheck) ToSql() (string, []any, error) {
	if c.not {
		return c.lhs + " IS NOT NULL", nil, nil
	}
	return c.lhs + " IS NULL", nil, nil
}

// Joins returns the distinct relation paths the filters need joined, each with every prefix, shortest
// first and then in lexical order: [["campaign"], ["campaign", "top_lvl_location"]]. Nil when the
// filters use only the root resource's own fields.
func Joins(fs []Filter) [][]string {
	paths := make([][]string, 0, len(fs))
	for _, f := range fs {
		paths = append(paths, f.Field.Path)
		for _, sf := range f.Fields {
			paths = append(paths, sf.Path)
		}
	}
	return JoinPaths(paths...)
}

// JoinPaths returns the distinct paths with every prefix of each, shortest first and then in lexical
// order; empty paths are dropped. Use it to merge what [Joins] and [OrderJoins] return.
func JoinPaths(paths ...[]string) [][]string {
	seen := map[string]bool{}
	var out [][]string
	for _, p := range paths {
		for i := 1; i <= len(p); i++ {
			k := strings.Join(p[:i], "\x00")
			if !seen[k] {
				seen[k] = true
				out = append(out, slices.Clone(p[:i]))
			}
		}
	}
	slices.SortFunc(out, func(a, b []string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return slices.Compare(a, b)
	})
	return out
}
