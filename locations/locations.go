// Package locations turns the location parameters of a request into a set of location ids, written as
// a SQL sub-query with bound parameters only, that any resource applies to its own location column:
//
//	location_id__in=1,2,3                    exactly those locations
//	location_id=N                            the location N
//	location_id=N&location_type=T            every location of type T (id or name) at N or anywhere under it
//	location_type=T                          every location of type T
//	location_id=N&location_depth=D           the locations exactly D levels under N (0 is N itself)
//	filter_indicator=I&filter_value=V        only the locations whose latest datapoint for the indicator I
//	                                         (id or short_name) has the value V; with any of the above
//
// Every parameter given narrows the set further. A resource declares that it takes them with a [Params]
// naming its location column, adds [Params.Names] to its Meta.ExtraParams (so that they are reserved,
// not filters) and calls [Params.ApplyFilters] from its ApplyFilters override (or [Params.Condition]
// from any step that builds a query):
//
//	lp := locations.Params{Column: "location_id"}
//	m := resource.Meta{ResourceName: "datapoint", Table: "datapoint", ExtraParams: lp.Names()}
//	type datapoints struct{ *modelresource.Resource }
//	func (r datapoints) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
//		return lp.ApplyFilters(ctx, b, q, fs, next)
//	}
//
// A wrong parameter or combination is a 400 whose details name the parameter: see [Parse].
//
// The tree is read with recursive queries on the parent column (WITH RECURSIVE, on SQLite and
// PostgreSQL alike), or from a closure table when [Tree.Closure] names one. [Tree.Under] is the
// sub-query of a location and everything under it, on which a per-user top-location restriction is
// built.
package locations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/resource"
)

// The location parameters.
const (
	ParamIDIn      = "location_id__in"
	ParamID        = "location_id"
	ParamType      = "location_type"
	ParamDepth     = "location_depth"
	ParamIndicator = "filter_indicator"
	ParamValue     = "filter_value"
)

// MaxDepth is the largest location_depth: far deeper than any location tree, and small enough that
// the walk down stays cheap even on a tree whose parent column has a cycle, and that both backends
// bind it alike.
const MaxDepth = 1000

// names are the location parameters, in the order errors check them.
var names = []string{ParamIDIn, ParamID, ParamType, ParamDepth, ParamIndicator, ParamValue}

// Tree describes where the location tree and the values that filter_indicator reads are stored. A
// zero field takes the dashboard schema's name, given after it; Tree{} is the dashboard's tree.
type Tree struct {
	Table  string // location
	ID     string // id
	Parent string // parent_location_id
	Type   string // location_type_id

	TypeTable string // location_type
	TypeID    string // id
	TypeName  string // name

	IndicatorTable string // indicator
	IndicatorID    string // id
	IndicatorName  string // short_name

	// The values: one row per value of an indicator at a location and a date; the latest of a
	// location is the one with the greatest date, then the greatest id.
	ValueTable     string // datapoint
	ValueID        string // id
	ValueLocation  string // location_id
	ValueIndicator string // indicator_id
	ValueDate      string // data_date
	Value          string // value

	// Closure, when set, names a table of (ancestor_id, descendant_id, depth) rows, one for every
	// location and each of its ancestors and itself (depth 0), which the application keeps up to date;
	// the tree is then read from it instead of by recursive queries.
	Closure string
}

// withDefaults fills the zero fields with the dashboard's names.
func (t Tree) withDefaults() Tree {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&t.Table, "location")
	set(&t.ID, "id")
	set(&t.Parent, "parent_location_id")
	set(&t.Type, "location_type_id")
	set(&t.TypeTable, "location_type")
	set(&t.TypeID, "id")
	set(&t.TypeName, "name")
	set(&t.IndicatorTable, "indicator")
	set(&t.IndicatorID, "id")
	set(&t.IndicatorName, "short_name")
	set(&t.ValueTable, "datapoint")
	set(&t.ValueID, "id")
	set(&t.ValueLocation, "location_id")
	set(&t.ValueIndicator, "indicator_id")
	set(&t.ValueDate, "data_date")
	set(&t.Value, "value")
	return t
}

// quote quotes an identifier the standard way, which SQLite and PostgreSQL share.
func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// col is alias."column", quoted.
func col(alias, column string) string { return alias + "." + quote(column) }

// Under is the sub-query of the location top and every location under it, at any depth: the set a
// user confined to top may see. It selects one column and binds top as its only parameter.
func (t Tree) Under(top int64) sq.Sqlizer {
	t = t.withDefaults()
	return sq.Expr(t.underSQL(), top)
}

// UnderSQL is [Tree.Under]'s statement, with one ? for the top location.
func (t Tree) UnderSQL() string { return t.withDefaults().underSQL() }

func (t Tree) underSQL() string {
	if t.Closure != "" {
		return `SELECT tg_c.descendant_id FROM ` + quote(t.Closure) + ` AS tg_c WHERE tg_c.ancestor_id = ?`
	}
	// UNION rather than UNION ALL: a cycle in the parent column ends the recursion instead of looping.
	return `WITH RECURSIVE tg_under (id) AS (` +
		`SELECT ` + col("tg_top", t.ID) + ` FROM ` + quote(t.Table) + ` AS tg_top WHERE ` + col("tg_top", t.ID) + ` = ?` +
		` UNION SELECT ` + col("tg_child", t.ID) + ` FROM ` + quote(t.Table) + ` AS tg_child JOIN tg_under ON ` +
		col("tg_child", t.Parent) + ` = tg_under.id) SELECT tg_under.id FROM tg_under`
}

// AtDepth is the sub-query of the locations exactly depth levels under root (0: root itself).
func (t Tree) AtDepth(root int64, depth int) sq.Sqlizer {
	t = t.withDefaults()
	if t.Closure != "" {
		return sq.Expr(`SELECT tg_c.descendant_id FROM `+quote(t.Closure)+` AS tg_c WHERE tg_c.ancestor_id = ? AND tg_c.depth = ?`, root, depth)
	}
	// The recursion stops at the depth asked for, so only the levels above it are walked.
	return sq.Expr(`WITH RECURSIVE tg_level (id, depth) AS (`+
		`SELECT `+col("tg_top", t.ID)+`, 0 FROM `+quote(t.Table)+` AS tg_top WHERE `+col("tg_top", t.ID)+` = ?`+
		` UNION ALL SELECT `+col("tg_child", t.ID)+`, tg_level.depth + 1 FROM `+quote(t.Table)+` AS tg_child JOIN tg_level ON `+
		col("tg_child", t.Parent)+` = tg_level.id WHERE tg_level.depth < ?`+
		`) SELECT tg_level.id FROM tg_level WHERE tg_level.depth = ?`, root, depth, depth)
}

// OfType is the sub-query of the locations of a type (its id), at root or anywhere under it; with a
// nil root, anywhere in the tree.
func (t Tree) OfType(root *int64, typeID int64) sq.Sqlizer {
	t = t.withDefaults()
	if root == nil {
		return sq.Expr(`SELECT `+col("tg_typed", t.ID)+` FROM `+quote(t.Table)+` AS tg_typed WHERE `+col("tg_typed", t.Type)+` = ?`, typeID)
	}
	if t.Closure != "" {
		return sq.Expr(`SELECT tg_c.descendant_id FROM `+quote(t.Closure)+` AS tg_c JOIN `+quote(t.Table)+` AS tg_typed ON `+
			col("tg_typed", t.ID)+` = tg_c.descendant_id WHERE tg_c.ancestor_id = ? AND `+col("tg_typed", t.Type)+` = ?`, *root, typeID)
	}
	// The walk carries each location's type, so that no second look-up of the locations is needed.
	return sq.Expr(`WITH RECURSIVE tg_typed (id, type_id) AS (`+
		`SELECT `+col("tg_top", t.ID)+`, `+col("tg_top", t.Type)+` FROM `+quote(t.Table)+` AS tg_top WHERE `+col("tg_top", t.ID)+` = ?`+
		` UNION SELECT `+col("tg_child", t.ID)+`, `+col("tg_child", t.Type)+` FROM `+quote(t.Table)+` AS tg_child JOIN tg_typed ON `+
		col("tg_child", t.Parent)+` = tg_typed.id) SELECT tg_typed.id FROM tg_typed WHERE tg_typed.type_id = ?`, *root, typeID)
}

// LatestValue is the sub-query of the locations whose latest value of the indicator (its id) equals
// value: the value row with the greatest date, then the greatest id, among the location's rows for it.
func (t Tree) LatestValue(indicatorID int64, value float64) sq.Sqlizer {
	t = t.withDefaults()
	v, later := func(c string) string { return col("tg_v", c) }, func(c string) string { return col("tg_later", c) }
	return sq.Expr(`SELECT `+v(t.ValueLocation)+` FROM `+quote(t.ValueTable)+` AS tg_v WHERE `+v(t.ValueIndicator)+` = ? AND `+v(t.Value)+` = ?`+
		` AND NOT EXISTS (SELECT 1 FROM `+quote(t.ValueTable)+` AS tg_later WHERE `+later(t.ValueIndicator)+` = `+v(t.ValueIndicator)+
		` AND `+later(t.ValueLocation)+` = `+v(t.ValueLocation)+
		` AND (`+later(t.ValueDate)+` > `+v(t.ValueDate)+` OR (`+later(t.ValueDate)+` = `+v(t.ValueDate)+` AND `+later(t.ValueID)+` > `+v(t.ValueID)+`)))`,
		indicatorID, value)
}

// Query is the location parameters of one request, parsed and checked for their form; the names of a
// type or an indicator are resolved to ids by [Params.Resolve].
type Query struct {
	IDs       []int64  // location_id__in
	Root      *int64   // location_id
	Type      string   // location_type, as given: an id or a name
	Depth     *int     // location_depth
	Indicator string   // filter_indicator, as given: an id or a short_name
	Value     *float64 // filter_value

	typeID, indicatorID int64 // resolved by Resolve
	resolved            bool
}

// Empty reports whether the request has no location parameter.
func (q Query) Empty() bool {
	return q.IDs == nil && q.Root == nil && q.Type == "" && q.Depth == nil && q.Indicator == "" && q.Value == nil
}

// Parse reads the location parameters of a query. Parameters given but wrong are 400s whose details
// name the parameter:
//
//   - INVALID_VALUE: an id that is not an integer (location_id, location_id__in, an empty list
//     included), more than [filters.MaxValues] ids in location_id__in (its cause
//     [filters.ErrTooManyValues]), a location_depth that is not an integer from 0 to [MaxDepth], a
//     filter_value that is not a number, an empty location_type or filter_indicator, or a
//     single-valued parameter given twice;
//   - MISSING_PARAMETER, naming the parameter that cannot stand alone, its details' "requires" the one
//     it needs: location_depth without location_id, filter_value without filter_indicator and
//     filter_indicator without filter_value.
//
// An unknown type or indicator is found by [Params.Resolve].
func Parse(values url.Values) (Query, error) {
	var q Query
	one := func(name string) (string, bool, error) {
		vs, ok := values[name]
		if !ok {
			return "", false, nil
		}
		if len(vs) != 1 {
			return "", true, invalid(name, "%s is given %d times; give it once.", name, len(vs))
		}
		if strings.TrimSpace(vs[0]) == "" {
			return "", true, invalid(name, "%s is empty.", name)
		}
		return strings.TrimSpace(vs[0]), true, nil
	}
	if vs, ok := values[ParamIDIn]; ok {
		q.IDs = []int64{}
		for _, v := range vs {
			for part := range strings.SplitSeq(v, ",") {
				if len(q.IDs) == filters.MaxValues {
					return q, invalid(ParamIDIn, "%s lists more than %d location ids; give at most %d.", ParamIDIn, filters.MaxValues, filters.MaxValues).
						With("max", filters.MaxValues).Wrap(filters.ErrTooManyValues)
				}
				id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
				if err != nil {
					return q, invalid(ParamIDIn, "%s must list location ids (integers, comma-separated); %q is not one.", ParamIDIn, part).With("value", part)
				}
				q.IDs = append(q.IDs, id)
			}
		}
	}
	v, ok, err := one(ParamID)
	if err != nil {
		return q, err
	}
	if ok {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return q, invalid(ParamID, "%s must be a location id (an integer); %q is not one.", ParamID, v).With("value", v)
		}
		q.Root = &id
	}
	if v, ok, err = one(ParamType); err != nil {
		return q, err
	} else if ok {
		q.Type = v
	}
	if v, ok, err = one(ParamDepth); err != nil {
		return q, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxDepth {
			return q, invalid(ParamDepth, "%s must be a number of levels from 0 to %d; %q is not one.", ParamDepth, MaxDepth, v).With("value", v)
		}
		if q.Root == nil {
			return q, missing(ParamDepth, ParamID, "%s needs %s: the location the levels are counted from.", ParamDepth, ParamID)
		}
		q.Depth = &n
	}
	if v, ok, err = one(ParamIndicator); err != nil {
		return q, err
	} else if ok {
		q.Indicator = v
	}
	if v, ok, err = one(ParamValue); err != nil {
		return q, err
	} else if ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return q, invalid(ParamValue, "%s must be a number; %q is not one.", ParamValue, v).With("value", v)
		}
		q.Value = &f
	}
	switch {
	case q.Value != nil && q.Indicator == "":
		return q, missing(ParamValue, ParamIndicator, "%s needs %s: the indicator whose latest value is compared.", ParamValue, ParamIndicator)
	case q.Value == nil && q.Indicator != "":
		return q, missing(ParamIndicator, ParamValue, "%s needs %s: the value its latest datapoint must have.", ParamIndicator, ParamValue)
	}
	return q, nil
}

func invalid(param, format string, args ...any) *apierror.Error {
	return apierror.New(apierror.InvalidValue, format, args...).With("parameter", param)
}

func missing(param, requires, format string, args ...any) *apierror.Error {
	return apierror.New(apierror.MissingParameter, format, args...).With("parameter", param).With("requires", requires)
}

// Querier runs the look-ups of a type or an indicator by name: a dialect.DB or dialect.Tx, or what a
// resource's DB method returns; its errors come classified.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *dialect.Row
}

// Params declares that a resource takes the location parameters on one of its columns.
type Params struct {
	// Column is the resource's column that holds a location id: "location_id", or "id" on the
	// location resource itself. It is qualified by the resource's table unless it contains a dot.
	Column string
	// Tree is where the tree is stored; the zero Tree is the dashboard's.
	Tree Tree
	// DB, when set, gives what the look-ups of a type or an indicator run on (the request's
	// transaction, say); by default the API's database.
	DB func(ctx context.Context) Querier
}

// Names are the parameters a resource that declares p reserves: add them to Meta.ExtraParams.
func (p Params) Names() []string { return append([]string(nil), names...) }

// Declare adds the location parameters to m.ExtraParams (once) and returns m.
func (p Params) Declare(m *resource.Meta) *resource.Meta {
	for _, n := range names {
		found := false
		for _, e := range m.ExtraParams {
			found = found || e == n
		}
		if !found {
			m.ExtraParams = append(m.ExtraParams, n)
		}
	}
	if m.ExtraParamDocs == nil {
		m.ExtraParamDocs = map[string]resource.ParamDoc{}
	}
	zero, most := int64(0), int64(MaxDepth)
	for n, doc := range map[string]resource.ParamDoc{
		ParamIDIn:      {Type: "string", HelpText: "The locations with these ids (comma-separated), and every location under them."},
		ParamID:        {Type: "integer", HelpText: "The location with this id, and every location under it (with location_type or location_depth: only those levels)."},
		ParamType:      {Type: "string", HelpText: "With location_id: only the locations of this location type (its id or name) under it."},
		ParamDepth:     {Type: "integer", HelpText: "With location_id: only the locations this many levels under it (0 is the location itself).", MinValue: &zero, MaxValue: &most},
		ParamIndicator: {Type: "string", HelpText: "With filter_value: only the locations where this indicator (its id or short name) has that value."},
		ParamValue:     {Type: "float", HelpText: "With filter_indicator: the value the indicator has."},
	} {
		if _, ok := m.ExtraParamDocs[n]; !ok {
			m.ExtraParamDocs[n] = doc
		}
	}
	return m
}

// Resolve looks up q's type and indicator (by id when the value is an integer, otherwise by name,
// case-insensitively, an exact match first);
// one that does not exist is a 400 INVALID_VALUE naming its parameter, on every backend alike (a
// name that is not UTF-8 text or holds a NUL included). A database error comes as db classified it:
// 503 DATABASE_UNAVAILABLE when the database cannot be reached.
func (p Params) Resolve(ctx context.Context, db Querier, d dialect.Dialect, q *Query) error {
	t := p.Tree.withDefaults()
	lookup := func(param, table, idCol, nameCol, given string) (int64, error) {
		// A name compares case-insensitively; an exact match wins over another spelling.
		where, args := d.Fold(quote(nameCol))+` = ? ORDER BY CASE WHEN `+quote(nameCol)+` = ? THEN 0 ELSE 1 END, `+quote(idCol), []any{d.FoldValue(given), given}
		if n, err := strconv.ParseInt(given, 10, 64); err == nil {
			where, args = quote(idCol)+` = ?`, []any{n}
		}
		notFound := invalid(param, "%s: no %s %q.", param, table, given).With("value", given)
		if !utf8.ValidString(given) || strings.ContainsRune(given, 0) {
			return 0, notFound // no stored name is like it, and PostgreSQL refuses to compare with it
		}
		var id int64
		err := db.QueryRowContext(ctx, d.Rebind(`SELECT `+quote(idCol)+` FROM `+quote(table)+` WHERE `+where+` LIMIT 1`), args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, notFound
		}
		return id, err
	}
	var err error
	if q.Type != "" {
		if q.typeID, err = lookup(ParamType, t.TypeTable, t.TypeID, t.TypeName, q.Type); err != nil {
			return err
		}
	}
	if q.Indicator != "" {
		if q.indicatorID, err = lookup(ParamIndicator, t.IndicatorTable, t.IndicatorID, t.IndicatorName, q.Indicator); err != nil {
			return err
		}
	}
	q.resolved = true
	return nil
}

// Set is the sub-query of the location ids q selects, or nil when q is empty. q must have been
// resolved when it names a type or an indicator.
func (p Params) Set(q Query) (sq.Sqlizer, error) {
	t := p.Tree.withDefaults()
	cond, err := p.conditions(q, col("tg_set", t.ID))
	if cond == nil || err != nil {
		return nil, err
	}
	s, args, err := cond.ToSql()
	if err != nil {
		return nil, err
	}
	return sq.Expr(`SELECT `+col("tg_set", t.ID)+` FROM `+quote(t.Table)+` AS tg_set WHERE `+s, args...), nil
}

// conditions is q as conditions on expr, an expression holding a location id; nil when q is empty.
func (p Params) conditions(q Query, expr string) (sq.Sqlizer, error) {
	if q.Empty() {
		return nil, nil
	}
	if (q.Type != "" || q.Indicator != "") && !q.resolved {
		return nil, fmt.Errorf("locations: the query's type or indicator is not resolved")
	}
	t := p.Tree
	in := func(sub sq.Sqlizer) sq.Sqlizer {
		s, args, _ := sub.ToSql()
		return sq.Expr(expr+` IN (`+s+`)`, args...)
	}
	var and sq.And
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			and = append(and, sq.Expr("1 = 0"))
		} else {
			and = append(and, sq.Eq{expr: q.IDs})
		}
	}
	switch {
	case q.Root != nil && q.Depth != nil:
		and = append(and, in(t.AtDepth(*q.Root, *q.Depth)))
	case q.Root != nil && q.Type == "":
		and = append(and, sq.Eq{expr: *q.Root})
	}
	if q.Type != "" {
		and = append(and, in(t.OfType(q.Root, q.typeID)))
	}
	if q.Value != nil {
		and = append(and, in(t.LatestValue(q.indicatorID, *q.Value)))
	}
	return and, nil
}

// Condition returns the condition that keeps the rows of b's resource whose location column is in the
// set b's location parameters select, or nil when b has none. Errors are the 400s of [Parse] and
// [Params.Resolve].
func (p Params) Condition(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	q, err := Parse(b.Query)
	if err != nil || q.Empty() {
		return nil, err
	}
	if q.Type != "" || q.Indicator != "" {
		var db Querier
		switch {
		case p.DB != nil:
			db = p.DB(ctx)
		default:
			db = b.Resource.API.DB()
		}
		if err := p.Resolve(ctx, db, b.Resource.API.Dialect(), &q); err != nil {
			return nil, err
		}
	}
	expr := p.Column
	if !strings.Contains(expr, ".") {
		expr = quote(b.Resource.Meta.Table) + "." + quote(expr)
	}
	return p.conditions(q, expr)
}

// ApplyFilters applies the default filters (next), then the location parameters: a resource's
// ApplyFilters override can simply return it.
func (p Params) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b, q, fs)
	if err != nil {
		return q, err
	}
	cond, err := p.Condition(ctx, b)
	if err != nil || cond == nil {
		return q, err
	}
	return q.Where(cond), nil
}

// Restrict is `expr IN (<top and every location under it>)`: the condition that confines rows whose
// location is expr (a qualified column) to a user's top-level location.
func (t Tree) Restrict(expr string, top int64) sq.Sqlizer {
	return sq.Expr(expr+` IN (`+t.UnderSQL()+`)`, top)
}
