package modelresource

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/resource"
)

// defaultSteps are the model resource's implementations of Tastypie's steps. Each calls the others
// through b.Resource.Steps, so an override of one is seen by all.
func (r *model) defaultSteps() resource.Steps {
	return resource.Steps{
		ValidateFilters: r.validateFilters,
		BuildFilters:    r.buildFilters,
		ApplyFilters:    r.applyFilters,
		GetObjectList:   r.getObjectList,
		ObjGetList:      r.objGetList,
		ObjStreamList:   r.objStreamList,
		ObjGet:          r.objGet,
		ObjCreate:       r.objCreate,
		ObjCreateList:   r.createMany,
		ObjUpdate:       r.objUpdate,
		ObjUpdateList:   r.objUpdateList,
		ObjDelete:       r.objDelete,
		ObjDeleteList:   r.objDeleteList,
		ObjDeleteKeys:   r.deleteMany,
	}
}

// validateFilters checks Meta.GETParamsRequired and that every parameter is reserved or an allowed
// filter, so that a typo is a 400 rather than a wider read (or DELETE).
func (r *model) validateFilters(ctx context.Context, b *resource.Bundle) error {
	if b.Method == "GET" || b.Method == "HEAD" {
		var missing []string
		for _, p := range r.meta.GETParamsRequired {
			if _, ok := b.Query[p]; !ok {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			return apierror.New(apierror.MissingParameter, "Missing required parameter(s): %s.", strings.Join(missing, ", ")).
				With("parameter", missing[0]).With("missing", missing)
		}
	}
	_, err := filters.Parse(b.Query, filterResolver{r}, b.Resource.IsReserved)
	return err
}

// buildFilters parses the query's filters, and its search= over Meta.SearchFields as one more.
func (r *model) buildFilters(ctx context.Context, b *resource.Bundle) ([]filters.Filter, error) {
	fs, err := filters.Parse(b.Query, filterResolver{r}, b.Resource.IsReserved)
	if err != nil || len(r.search) == 0 {
		return fs, err
	}
	vs := b.Query[filters.SearchParam]
	if len(vs) == 0 {
		return fs, nil
	}
	search, ok, err := filters.NewSearch(vs[len(vs)-1], r.search)
	if err != nil || !ok {
		return fs, err
	}
	return append(fs, search), nil
}

// applyFilters adds the filters to the query as bound conditions.
func (r *model) applyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter) (sq.SelectBuilder, error) {
	if len(fs) == 0 {
		return q, nil
	}
	where, err := filters.Where(fs, r.d)
	if err != nil {
		return q, err
	}
	return q.Where(where), nil
}

// getObjectList is the base query: every field's column, with a LEFT JOIN for each to-one relation
// that query fields, the request's filters or its ordering go through. Each join reaches only the
// related rows the user may read (joinClause).
func (r *model) getObjectList(ctx context.Context, b *resource.Bundle) (sq.SelectBuilder, error) {
	q := r.d.Builder().Select(r.selects...).From(r.alias)
	paths := make([][]string, 0, len(r.query))
	for _, qf := range r.query {
		paths = append(paths, qf.path)
	}
	paths = append(paths, filters.Joins(b.Filters)...)
	paths = append(paths, filters.OrderJoins(b.Ordering)...)
	for _, p := range filters.JoinPaths(paths...) {
		join, args, err := r.joinClause(ctx, b, p)
		if err != nil {
			return q, err
		}
		q = q.LeftJoin(join, args...)
	}
	return q, nil
}

// joinClause is the LEFT JOIN that reaches the resource at the end of a relation path. When the
// related resource's ReadList authorization narrows what b's user may read, the join's ON clause
// applies that condition too (on the related table in a sub-query, where it reads as it does in the
// related resource's own lists), so that a related row the user may not read is absent: filters
// through it match nothing, ordering sees NULL, query fields show null.
func (r *model) joinClause(ctx context.Context, b *resource.Bundle, path []string) (string, []any, error) {
	from := r
	for _, hop := range path[:len(path)-1] {
		rel, ok := from.relations[hop]
		if !ok || rel.target == nil {
			return "", nil, fmt.Errorf("modelresource: no relation %q on %q", hop, from.meta.ResourceName)
		}
		from = rel.target
	}
	last := path[len(path)-1]
	rel, ok := from.relations[last]
	if !ok || rel.target == nil {
		return "", nil, fmt.Errorf("modelresource: no relation %q on %q", last, from.meta.ResourceName)
	}
	alias := r.aliasOf(path)
	parent := r.aliasOf(path[:len(path)-1])
	target := rel.target
	on := fmt.Sprintf("%s AS %s ON %s.%s = %s.%s", r.d.Quote(target.meta.Table), alias,
		alias, r.d.Quote(target.pk.Name), parent, r.d.Quote(rel.column.Name))
	cond, err := relatedReadable(ctx, b, rel.bound)
	if err != nil || cond == nil {
		return on, nil, err
	}
	where, args, err := cond.ToSql()
	if err != nil {
		return "", nil, err
	}
	on += fmt.Sprintf(" AND %s.%s IN (SELECT %s FROM %s WHERE %s)", alias, r.d.Quote(target.pk.Name), target.pk.expr, target.alias, where)
	return on, args, nil
}

// relatedReadable is the condition on a related resource's table that keeps the rows b's user may read
// through it: its ReadList authorization condition (nil for every row), or a condition no row meets
// when that authorization refuses the user any list.
func relatedReadable(ctx context.Context, b *resource.Bundle, to *resource.Bound) (sq.Sqlizer, error) {
	cond, err := to.Authorization().ReadList(ctx, relatedBundle(b, to))
	if refused(err) {
		return sq.Expr("1 = 0"), nil
	}
	return cond, err
}

// refused reports an authorization's refusal, as opposed to a failure.
func refused(err error) bool {
	switch apierror.CodeOf(err) {
	case apierror.Forbidden, apierror.NotAuthenticated:
		return true
	}
	return false
}

// readQuery is the query every read starts from: the base query, the request's filters (for lists and
// set/; a detail or a relation's objects have none) through ApplyFilters, which every read goes
// through so that an override of it narrows details and relations as it narrows lists, and the
// condition authorization adds.
func (r *model) readQuery(ctx context.Context, b *resource.Bundle, withFilters bool) (sq.SelectBuilder, error) {
	s := b.Resource.Steps
	if withFilters {
		if err := s.ValidateFilters(ctx, b); err != nil {
			return sq.SelectBuilder{}, err
		}
		fs, err := s.BuildFilters(ctx, b)
		if err != nil {
			return sq.SelectBuilder{}, err
		}
		b.Filters = fs
	}
	q, err := s.GetObjectList(ctx, b)
	if err != nil {
		return q, err
	}
	var fs []filters.Filter
	if withFilters {
		fs = b.Filters
	}
	if q, err = s.ApplyFilters(ctx, b, q, fs); err != nil {
		return q, err
	}
	cond, err := b.Resource.Authorization().ReadList(ctx, b)
	if err != nil {
		return q, err
	}
	if cond != nil {
		q = q.Where(cond)
	}
	if b.Parent != nil {
		rel, ok := r.relations[b.Parent.Via]
		if !ok {
			return q, fmt.Errorf("modelresource %q: no relation %q for a sub-resource list", r.meta.ResourceName, b.Parent.Via)
		}
		key, ok := rel.target.parseKey(b.Parent.Key)
		if !ok {
			return q, rel.target.notFound(b.Parent.Key)
		}
		q = q.Where(sq.Eq{rel.column.expr: key})
	}
	return q, nil
}

// objGetList runs a list (count, then the page) or a set/.
func (r *model) objGetList(ctx context.Context, b *resource.Bundle) (*resource.Page, error) {
	if b.Kind == resource.KindSet {
		return r.objGetSet(ctx, b)
	}
	orders, err := r.parseOrdering(b)
	if err != nil {
		return nil, err
	}
	b.Ordering = orders
	q, err := r.readQuery(ctx, b, true)
	if err != nil {
		return nil, err
	}
	page, err := r.count(ctx, q)
	if err != nil {
		return nil, err
	}
	exact := !page.Estimated && !page.Uncounted
	if exact && (page.TotalCount == 0 || int64(b.Offset) >= page.TotalCount) {
		return page, nil
	}
	limit := b.Limit
	if !exact {
		limit++ // one row more than the page says whether another page follows
	}
	q = q.OrderBy(r.orderTerms(orders)...).
		Limit(uint64(limit)).Offset(uint64(b.Offset))
	if page.Objects, err = r.fetch(ctx, q, limit); err != nil {
		return nil, err
	}
	if !exact {
		if page.More = len(page.Objects) > b.Limit; page.More {
			page.Objects = page.Objects[:b.Limit]
		}
		seen := int64(b.Offset) + int64(len(page.Objects))
		switch {
		case page.Estimated && !page.More && len(page.Objects) > 0:
			page.TotalCount, page.Estimated = seen, false // the last page: the count is known
		case page.Estimated && page.More:
			page.TotalCount = max(page.TotalCount, seen+1)
		}
	}
	return page, r.expand(ctx, b, page.Objects, b.Depth)
}

// count counts the rows of the list query q as Meta.TotalCount says: exactly, by the planner's
// estimate when it is large, or not at all.
func (r *model) count(ctx context.Context, q sq.SelectBuilder) (*resource.Page, error) {
	page := &resource.Page{}
	db := r.reader(ctx)
	switch r.meta.TotalCount {
	case resource.CountNone:
		page.Uncounted = true
		return page, nil
	case resource.CountEstimate:
		query, args, err := q.RemoveColumns().Columns("1").ToSql()
		if err != nil {
			return nil, err
		}
		n, ok, err := r.d.EstimateRows(ctx, db, query, args...)
		if err != nil {
			return nil, err
		}
		if ok && n >= resource.EstimateThreshold {
			page.TotalCount, page.Estimated = n, true
			return page, nil
		}
	}
	countSQL, args, err := q.RemoveColumns().Columns("count(*)").ToSql()
	if err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, countSQL, args...).Scan(&page.TotalCount); err != nil {
		return nil, err
	}
	return page, nil
}

// objStreamList is the list as a stream (the ObjStreamList step): the query of objGetList without the
// count and without expanding relations, each object handed to each as its row arrives. A b.Limit above
// zero is the page of b.Limit and b.Offset; zero reads every row from b.Offset on.
func (r *model) objStreamList(ctx context.Context, b *resource.Bundle, each func(*resource.Object) error) error {
	orders, err := r.parseOrdering(b)
	if err != nil {
		return err
	}
	b.Ordering = orders
	q, err := r.readQuery(ctx, b, true)
	if err != nil {
		return err
	}
	q = q.OrderBy(r.orderTerms(orders)...)
	switch {
	case b.Limit > 0:
		q = q.Limit(uint64(b.Limit)).Offset(uint64(b.Offset))
	case b.Offset > 0:
		// SQLite takes an OFFSET only after a LIMIT.
		q = q.Limit(math.MaxInt64).Offset(uint64(b.Offset))
	}
	if len(r.m2m) > 0 {
		// No page to load memberships for at once: each row carries its lists, aggregated by the database.
		return r.eachRowWith(ctx, q.Columns(r.m2mAggregates()...), true, each)
	}
	return r.eachRow(ctx, q, each)
}

// orderTerms is the ORDER BY of a list: the requested terms, then the primary key as the last
// tie-breaker (unless already ordered by). NULLs sort last ascending and first descending; on a column
// that cannot be NULL the clause is left out, since SQLite would otherwise not use an index for it.
func (r *model) orderTerms(orders []filters.Order) []string {
	terms := make([]string, 0, len(orders)+1)
	byKey := false
	for _, o := range orders {
		dir := " ASC"
		if o.Desc {
			dir = " DESC"
		}
		switch {
		case o.Field.Column == r.pk.expr:
			byKey = true
			terms = append(terms, o.Field.Column+dir)
		case r.mayBeNull(o.Field):
			terms = append(terms, r.d.OrderBy(o.Field.Column, o.Desc))
		default:
			terms = append(terms, o.Field.Column+dir)
		}
	}
	if !byKey {
		terms = append(terms, r.pk.expr+" ASC")
	}
	return terms
}

// mayBeNull reports whether an order field can be NULL: a nullable column, or any column reached
// through a nullable foreign key (the LEFT JOIN then finds no row).
func (r *model) mayBeNull(f filters.Field) bool {
	cur := r
	for _, hop := range f.Path {
		rel := cur.relations[hop]
		if rel == nil || rel.target == nil || rel.column.Nullable {
			return true
		}
		cur = rel.target
	}
	if c := cur.byName[f.Name]; c != nil {
		return c.Nullable
	}
	if rel := cur.relations[f.Name]; rel != nil {
		return rel.column.Nullable
	}
	for _, q := range r.query {
		if q.name == f.Name {
			return q.target.Nullable || r.mayBeNull(filters.Field{Path: q.path, Name: q.target.Name})
		}
	}
	return true
}

// objGetSet reads every object whose key b.Keys lists (keys that cannot be keys are simply not found).
func (r *model) objGetSet(ctx context.Context, b *resource.Bundle) (*resource.Page, error) {
	q, err := r.readQuery(ctx, b, true)
	if err != nil {
		return nil, err
	}
	keys := make([]any, 0, len(b.Keys))
	for _, k := range b.Keys {
		if v, ok := r.parseKey(k); ok {
			keys = append(keys, v)
		}
	}
	if len(keys) == 0 {
		return &resource.Page{}, nil
	}
	objs, err := r.fetch(ctx, q.Where(sq.Eq{r.pk.expr: keys}), len(keys))
	if err != nil {
		return nil, err
	}
	return &resource.Page{Objects: objs, TotalCount: int64(len(objs))}, r.expand(ctx, b, objs, b.Depth)
}

// parseKey reads a key from a URL by the primary key's type; false when it is not one in its canonical
// form (field.ParseKey: "033" and "+33" are not the key 33).
func (r *model) parseKey(k string) (any, bool) {
	return field.ParseKey(r.pk.Type, k)
}

func (r *model) notFound(key string) error {
	return apierror.New(apierror.ObjectDoesNotExist, "No %s with key %q.", r.meta.ResourceName, key).
		With("resource", r.meta.ResourceName).With("key", key)
}

// objGet reads the object whose key is b.Key.
func (r *model) objGet(ctx context.Context, b *resource.Bundle) (*resource.Object, error) {
	key, ok := r.parseKey(b.Key)
	if !ok {
		return nil, r.notFound(b.Key)
	}
	q, err := r.readQuery(ctx, b, false)
	if err != nil {
		return nil, err
	}
	objs, err := r.fetch(ctx, q.Where(sq.Eq{r.pk.expr: key}), 1)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, r.notFound(b.Key)
	}
	if err := b.Resource.Authorization().ReadDetail(ctx, b, objs[0]); err != nil {
		return nil, err
	}
	return objs[0], r.expand(ctx, b, objs, b.Depth)
}

// fetch runs a SELECT of r.selects and turns the rows into objects.
func (r *model) fetch(ctx context.Context, q sq.SelectBuilder, sizeHint int) ([]*resource.Object, error) {
	out := make([]*resource.Object, 0, min(sizeHint, 1000))
	err := r.eachRow(ctx, q, func(o *resource.Object) error {
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow runs a SELECT of r.selects and hands each row, as an object, to fn; an error from fn stops
// the rows and is returned as is.
func (r *model) eachRow(ctx context.Context, q sq.SelectBuilder, fn func(*resource.Object) error) error {
	return r.eachRowWith(ctx, q, false, fn)
}

// eachRowWith is eachRow; withM2M says that q selects, after r.selects, each many-to-many field's keys
// as text (m2mAggregates), which become the field's list.
func (r *model) eachRowWith(ctx context.Context, q sq.SelectBuilder, withM2M bool, fn func(*resource.Object) error) error {
	query, args, err := q.ToSql()
	if err != nil {
		return err
	}
	rows, err := r.reader(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var m2m []*manyToMany
	if withM2M {
		for _, name := range r.m2mNames() {
			m2m = append(m2m, r.m2m[name])
		}
	}
	cells := make([]cell, len(r.selects)+len(m2m))
	dest := make([]any, len(cells))
	for i := range r.columns {
		cells[r.columns[i].index].t = r.columns[i].Type
	}
	for _, qf := range r.query {
		cells[qf.index].t = qf.target.Type
	}
	for i := range cells {
		dest[i] = &cells[i]
	}
	pkIndex := r.pk.index
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		o := resource.NewObject(r.shape)
		for i := range r.selects {
			o.SetAt(i, cells[i].v)
		}
		for i, m := range m2m {
			list, err := m.parseAggregate(cells[len(r.selects)+i].v)
			if err != nil {
				return err
			}
			o.SetAt(m.index, list)
		}
		o.SetAt(r.uriIndex, r.uri(cells[pkIndex].v))
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}

// uri is the resource_uri of a key value.
func (r *model) uri(key any) string {
	var k string
	switch x := key.(type) {
	case int64:
		k = strconv.FormatInt(x, 10)
	case string:
		k = url.PathEscape(x)
	default:
		k = url.PathEscape(fmt.Sprint(x))
	}
	return r.env.Prefix + r.meta.ResourceName + "/" + k + "/"
}
