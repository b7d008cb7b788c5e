package modelresource

// Many-to-many fields through a join table (Meta.ManyToMany): read as a list of the other resource's
// keys, one query per page; filtered with EXISTS over the join table; replaced by a write that gives
// the list, in its transaction; removed before the object is deleted.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/resource"
)

// manyToMany is one Meta.ManyToMany field, bound.
type manyToMany struct {
	name   string
	decl   resource.ManyToMany
	table  string // quoted join table
	column string // quoted, this resource's key in the join table
	other  string // quoted, the other resource's key in the join table
	index  int    // position in the shape
	target *model
	bound  *resource.Bound
}

// m2mChunk bounds the keys of one statement on a join table.
const m2mChunk = 1000

// bindManyToMany reads each join table and checks the declaration against it (bind: the other
// resource is resolved by linkManyToMany).
func (r *model) bindManyToMany(ctx context.Context, env *resource.Env) error {
	r.m2m = map[string]*manyToMany{}
	if len(r.meta.ManyToMany) > 0 && r.meta.Table == "tg_m" {
		return errors.New(`Meta.Table: "tg_m" is the alias queries give a join table (Meta.ManyToMany); rename the table`)
	}
	for _, name := range slices.Sorted(maps.Keys(r.meta.ManyToMany)) {
		decl := r.meta.ManyToMany[name]
		what := fmt.Sprintf("Meta.ManyToMany[%q]", name)
		switch {
		case name == "" || strings.Contains(name, filters.Sep) || name == resource.EveryField:
			return fmt.Errorf("%s: a field name is a plain name, without %q", what, filters.Sep)
		case r.byName[name] != nil || r.relations[name] != nil:
			return fmt.Errorf("%s: the name is already a field or relation of %q", what, r.meta.ResourceName)
		case name == "resource_uri" || filters.IsReserved(name):
			return fmt.Errorf("%s: the name is reserved", what)
		case decl.Table == "" || decl.Column == "" || decl.OtherColumn == "" || decl.To == "":
			return fmt.Errorf("%s: Table, Column, OtherColumn and To are all required", what)
		case decl.Column == decl.OtherColumn:
			return fmt.Errorf("%s: Column and OtherColumn are the same column %q", what, decl.Column)
		}
		t, err := env.Dialect.DescribeTable(ctx, env.DB.SQL(), decl.Table)
		if errors.Is(err, dialect.ErrNoTable) {
			return fmt.Errorf("%s: there is no table %q in the database (are the migrations applied?)", what, decl.Table)
		}
		if err != nil {
			return fmt.Errorf("%s: reading table %q: %w", what, decl.Table, err)
		}
		for _, col := range []string{decl.Column, decl.OtherColumn} {
			if _, ok := t.Column(col); !ok {
				names := make([]string, len(t.Columns))
				for i, c := range t.Columns {
					names[i] = c.Name
				}
				return fmt.Errorf("%s: table %q has no column %q (columns: %s)", what, decl.Table, col, strings.Join(names, ", "))
			}
		}
		r.m2m[name] = &manyToMany{name: name, decl: decl, table: r.d.Quote(decl.Table),
			column: r.d.Quote(decl.Column), other: r.d.Quote(decl.OtherColumn)}
	}
	return nil
}

// linkManyToMany resolves each many-to-many field's other resource.
func (r *model) linkManyToMany(lookup func(string) (*resource.Bound, bool)) error {
	for _, name := range r.m2mNames() {
		m := r.m2m[name]
		what := fmt.Sprintf("Meta.ManyToMany[%q]", name)
		if r.toMany[name] != nil || slices.Contains(r.meta.QueryFields, name) {
			return fmt.Errorf("%s: the name is already a relation or query field of %q", what, r.meta.ResourceName)
		}
		b, ok := lookup(m.decl.To)
		if !ok {
			return fmt.Errorf("%s: no resource named %q is registered", what, m.decl.To)
		}
		target, ok := b.Binding.Impl.(*model)
		if !ok {
			return fmt.Errorf("%s: resource %q is not a model resource", what, m.decl.To)
		}
		m.target, m.bound = target, b
	}
	return nil
}

func (r *model) m2mNames() []string {
	return slices.Sorted(maps.Keys(r.m2m))
}

// m2mSchema describes a many-to-many field for the schema.
func (r *model) m2mSchema(m *manyToMany) resource.FieldSchema {
	return resource.FieldSchema{Name: m.name, Type: m.target.pk.Type, Blank: true, Default: []any{}, HasDefault: true,
		RelatedResource: m.decl.To, Many: true, VerboseName: strings.ReplaceAll(m.name, "_", " "),
		HelpText: "The keys of the " + m.decl.To + " objects linked through " + m.decl.Table + " (many-to-many); a write giving the list replaces them."}
}

// loadMemberships sets each many-to-many field of objs to the sorted keys of its memberships: one query
// per field for the whole page (per m2mChunk objects).
func (r *model) loadMemberships(ctx context.Context, objs []*Object) error {
	if len(r.m2m) == 0 || len(objs) == 0 {
		return nil
	}
	keys := make([]any, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, o.At(r.pk.index))
	}
	for _, name := range r.m2mNames() {
		m := r.m2m[name]
		byOwner := map[any][]any{}
		for start := 0; start < len(keys); start += m2mChunk {
			chunk := keys[start:min(start+m2mChunk, len(keys))]
			query, args, err := r.d.Builder().Select(m.column, m.other).From(m.table).
				Where(sq.Eq{m.column: chunk}).OrderBy(m.column, m.other).ToSql()
			if err != nil {
				return err
			}
			if err := r.scanPairs(ctx, m, query, args, func(owner, other any) {
				byOwner[owner] = append(byOwner[owner], other)
			}); err != nil {
				return err
			}
		}
		for _, o := range objs {
			list := byOwner[o.At(r.pk.index)]
			if list == nil {
				list = []any{}
			}
			o.SetAt(m.index, list)
		}
	}
	return nil
}

// scanPairs runs a query of (owner key, other key) rows.
func (r *model) scanPairs(ctx context.Context, m *manyToMany, query string, args []any, each func(owner, other any)) error {
	rows, err := r.querier(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	owner, other := cell{t: r.pk.Type}, cell{t: m.target.pk.Type}
	for rows.Next() {
		if err := rows.Scan(&owner, &other); err != nil {
			return err
		}
		each(owner.v, other.v)
	}
	return rows.Err()
}

// m2mAggregates are SELECT columns giving each many-to-many field's keys of the row, sorted, as text
// joined by commas (a stream's rows are not loaded by page: see objStreamList).
func (r *model) m2mAggregates() []string {
	var out []string
	for _, name := range r.m2mNames() {
		m := r.m2m[name]
		key := "tg_m." + m.other
		agg := "group_concat(" + key + ", ',' ORDER BY " + key + ")"
		if r.d.Name() == dialect.Postgres {
			agg = "string_agg(CAST(" + key + " AS text), ',' ORDER BY " + key + ")"
		}
		out = append(out, "(SELECT "+agg+" FROM "+m.table+" AS tg_m WHERE tg_m."+m.column+" = "+r.pk.expr+")")
	}
	return out
}

// parseAggregate reads a column of m2mAggregates: the list of keys (empty for NULL).
func (m *manyToMany) parseAggregate(v any) ([]any, error) {
	var text string
	switch x := v.(type) {
	case nil:
		return []any{}, nil
	case string:
		text = x
	case []byte:
		text = string(x)
	default:
		text = fmt.Sprint(x)
	}
	parts := strings.Split(text, ",")
	out := make([]any, len(parts))
	for i, p := range parts {
		k, err := field.ParseText(m.target.pk.Type, p)
		if err != nil {
			return nil, fmt.Errorf("modelresource: many-to-many %q: reading %q: %w", m.name, text, err)
		}
		out[i] = k
	}
	return out, nil
}

// m2mFilterField is the filter on a many-to-many field of r, reached from the query's root resource
// through via (user__accounts=3 on jobs): its Column is the join table's other column, compared inside
// EXISTS over the join table's rows of the object.
func (r *model) m2mFilterField(m *manyToMany, lookups resource.Lookups, via []string, root *model) filters.Field {
	f := filters.Field{Name: m.name, Path: slices.Clone(via), Column: "tg_m." + m.other, Type: m.target.pk.Type, MaxInt: m.target.pk.MaxInt,
		Exists:  m.table + " AS tg_m WHERE tg_m." + m.column + " = " + root.aliasOf(via) + "." + r.d.Quote(r.pk.Name),
		Lookups: []filters.Lookup{filters.Exact, filters.In}}
	if !lookups.IsAll() {
		f.Lookups = slices.DeleteFunc(slices.Clone(lookups), func(l filters.Lookup) bool { return l != filters.Exact && l != filters.In })
	}
	return f
}

// parseMemberKeys reads a many-to-many field's value from a body: a JSON array of keys (numbers or
// their text), or, as a form sends it, text holding a JSON array or keys separated by commas. The
// keys come back in order, without repeats; the error is the field's problem.
func (r *model) parseMemberKeys(m *manyToMany, raw any) ([]any, error) {
	var items []any
	switch x := raw.(type) {
	case nil:
		return nil, errors.New("may not be null (send [] for none)")
	case []any:
		items = x
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			if err := dec.Decode(&items); err != nil || dec.More() {
				return nil, errors.New("must be a list of keys")
			}
			break
		}
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				items = append(items, part)
			}
		}
	default:
		return nil, errors.New("must be a list of keys")
	}
	t := m.target.pk.Type
	seen := map[any]bool{}
	keys := make([]any, 0, len(items))
	for i, item := range items {
		var v any
		var err error
		switch x := item.(type) {
		case string:
			v, err = field.ParseText(t, x)
		case json.Number:
			v, err = field.FromJSON(t, x)
		default:
			err = errors.New("is not a key")
		}
		if err == nil && v == nil {
			err = errors.New("is not a key")
		}
		if n, ok := v.(int64); err == nil && ok && m.target.pk.MaxInt > 0 && (n > m.target.pk.MaxInt || n < -m.target.pk.MaxInt) {
			err = errors.New(field.RangeProblem(n, m.target.pk.MaxInt))
		}
		if err != nil {
			return nil, fmt.Errorf("item %d: %s", i, strings.TrimSuffix(err.Error(), "."))
		}
		if !seen[v] {
			seen[v] = true
			keys = append(keys, v)
		}
	}
	return keys, nil
}

// givesMemberships reports whether a body gives a many-to-many field.
func (r *model) givesMemberships(data map[string]any) bool {
	for name := range r.m2m {
		if _, ok := data[name]; ok {
			return true
		}
	}
	return false
}

// anyMemberships reports whether an item of an array POST gives a many-to-many field: such items are
// created one by one through ObjCreate, which replaces the memberships (the multi-row INSERT does not).
func (r *model) anyMemberships(items []*resource.Bundle) bool {
	for _, b := range items {
		if r.givesMemberships(b.Data) {
			return true
		}
	}
	return false
}

// replaceMemberships replaces, in the transaction ctx carries, the memberships of each object owners
// names with the lists data gives (fields data does not give are left as they are). A key that is
// not one of the other resource's rows b's user may read is a VALIDATION_ERROR naming the field.
func (r *model) replaceMemberships(ctx context.Context, b *resource.Bundle, data map[string]any, owners []any) error {
	if len(owners) == 0 || !r.givesMemberships(data) {
		return nil
	}
	if err := r.lockOwners(ctx, owners); err != nil {
		return err
	}
	for _, name := range r.m2mNames() {
		raw, ok := data[name]
		if !ok {
			continue
		}
		m := r.m2m[name]
		keys, err := r.parseMemberKeys(m, raw)
		if err != nil {
			return validationError(r.meta.ResourceName, map[string]string{name: err.Error()})
		}
		if err := r.checkMemberKeys(ctx, b, m, keys); err != nil {
			return err
		}
		if err := r.removeMemberships(ctx, m, owners); err != nil {
			return err
		}
		pairs := make([]any, 0, 2*len(owners)*len(keys))
		for _, o := range owners {
			for _, k := range keys {
				pairs = append(pairs, r.d.Bind(r.pk.Type, o), r.d.Bind(m.target.pk.Type, k))
			}
		}
		for start := 0; start < len(pairs); start += 2 * m2mChunk {
			chunk := pairs[start:min(start+2*m2mChunk, len(pairs))]
			ins := r.d.Builder().Insert(m.table).Columns(m.column, m.other)
			for i := 0; i < len(chunk); i += 2 {
				ins = ins.Values(chunk[i], chunk[i+1])
			}
			query, args, err := ins.ToSql()
			if err != nil {
				return err
			}
			if _, err := r.querier(ctx).ExecContext(ctx, query, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// lockOwners locks the owners' rows on PostgreSQL (SELECT ... FOR UPDATE), so that two writes replacing
// the same memberships wait for each other instead of both inserting after both deleted (a duplicate
// key). SQLite runs one write transaction at a time.
func (r *model) lockOwners(ctx context.Context, owners []any) error {
	if r.d.Name() != dialect.Postgres {
		return nil
	}
	for start := 0; start < len(owners); start += m2mChunk {
		query, args, err := r.d.Builder().Select("1").From(r.alias).Where(sq.Eq{r.pk.expr: owners[start:min(start+m2mChunk, len(owners))]}).
			OrderBy(r.pk.expr).Suffix("FOR UPDATE").ToSql() // in key order: two writes of many owners cannot deadlock
		if err != nil {
			return err
		}
		rows, err := r.querier(ctx).QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// checkMemberKeys refuses keys that are not rows of the other resource that b's user may read.
func (r *model) checkMemberKeys(ctx context.Context, b *resource.Bundle, m *manyToMany, keys []any) error {
	if len(keys) == 0 {
		return nil
	}
	cond, err := relatedReadable(ctx, b, m.bound)
	if err != nil {
		return err
	}
	found := map[any]bool{}
	t := m.target
	for start := 0; start < len(keys); start += m2mChunk {
		q := r.d.Builder().Select(t.pk.expr).From(t.alias).Where(sq.Eq{t.pk.expr: keys[start:min(start+m2mChunk, len(keys))]})
		if cond != nil {
			q = q.Where(cond)
		}
		got, err := t.keys(ctx, q)
		if err != nil {
			return err
		}
		for _, k := range got {
			found[k] = true
		}
	}
	var missing []string
	for _, k := range keys {
		if !found[k] {
			missing = append(missing, r.keyTextOf(k))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	what := "is not a key"
	if len(missing) > 1 {
		what = "are not keys"
	}
	return validationError(r.meta.ResourceName, map[string]string{
		m.name: fmt.Sprintf("Lists %s, which %s of %s.", strings.Join(missing, ", "), what, m.decl.To)})
}

// keyTextOf is a key as text, whatever its type.
func (r *model) keyTextOf(k any) string {
	if s, ok := keyText(k); ok {
		return s
	}
	return fmt.Sprint(k)
}

// removeMemberships deletes every membership of the owners in m's join table.
func (r *model) removeMemberships(ctx context.Context, m *manyToMany, owners []any) error {
	for start := 0; start < len(owners); start += m2mChunk {
		query, args, err := r.d.Builder().Delete(m.table).Where(sq.Eq{m.column: owners[start:min(start+m2mChunk, len(owners))]}).ToSql()
		if err != nil {
			return err
		}
		if _, err := r.querier(ctx).ExecContext(ctx, query, args...); err != nil {
			return err
		}
	}
	return nil
}

// removeAllMemberships deletes the owners' memberships of every many-to-many field, before the owners
// are deleted.
func (r *model) removeAllMemberships(ctx context.Context, owners []any) error {
	for _, name := range r.m2mNames() {
		if err := r.removeMemberships(ctx, r.m2m[name], owners); err != nil {
			return err
		}
	}
	return nil
}

// removeMembershipsOf deletes the memberships of the rows with keys that meet cond (every one when
// cond is nil): those a DELETE with the same condition deletes next.
func (r *model) removeMembershipsOf(ctx context.Context, keys []any, cond sq.Sqlizer) error {
	if len(r.m2m) == 0 {
		return nil
	}
	if cond == nil {
		return r.removeAllMemberships(ctx, keys)
	}
	sub, args, err := sq.Select(r.pk.expr).From(r.alias).Where(sq.Eq{r.pk.expr: keys}).Where(cond).ToSql()
	if err != nil {
		return err
	}
	return r.removeMembershipsWhere(ctx, sub, args)
}

// deleteWithMemberships deletes the rows q selects, in the transaction ctx carries, each chunk's
// memberships first, and returns how many rows it deleted.
func (r *model) deleteWithMemberships(ctx context.Context, q sq.SelectBuilder) (int64, error) {
	keys, err := r.keys(ctx, q)
	if err != nil {
		return 0, err
	}
	var n int64
	for start := 0; start < len(keys); start += m2mChunk {
		chunk := keys[start:min(start+m2mChunk, len(keys))]
		if err := r.removeAllMemberships(ctx, chunk); err != nil {
			return 0, err
		}
		query, args, err := r.d.Builder().Delete(r.alias).Where(sq.Eq{r.pk.expr: chunk}).ToSql()
		if err != nil {
			return 0, err
		}
		res, err := r.querier(ctx).ExecContext(ctx, query, args...)
		if err != nil {
			return 0, r.deleteConflict(err)
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		n += affected
	}
	return n, nil
}

// removeMembershipsWhere deletes the memberships of the rows a sub-query of keys selects, before they
// are deleted.
func (r *model) removeMembershipsWhere(ctx context.Context, sub string, args []any) error {
	for _, name := range r.m2mNames() {
		m := r.m2m[name]
		query, qargs, err := r.d.Builder().Delete(m.table).Where(sq.Expr(m.column+" IN ("+sub+")", args...)).ToSql()
		if err != nil {
			return err
		}
		if _, err := r.querier(ctx).ExecContext(ctx, query, qargs...); err != nil {
			return err
		}
	}
	return nil
}
