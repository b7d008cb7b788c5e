package modelresource

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/resource"
)

// filterResolver is the filter allow-list of a root resource; it follows relations into the related
// resources' own allow-lists, as Tastypie's check_filtering does.
type filterResolver struct{ r *model }

// Resolve refuses a path through more relations than the resource allows before it looks at any name,
// so that a path of a thousand hops costs no more than one of five.
func (fr filterResolver) Resolve(path []string) (filters.Field, error) {
	if err := fr.r.checkDepth(path, apierror.InvalidFilter, "A filter"); err != nil {
		return filters.Field{}, err
	}
	return fr.r.filterField(path, nil, fr.r)
}

// checkOrdering checks a query's ordering (order_by, or ordering in Django REST framework's style)
// against the resource's allow-list without running anything.
func (r *model) checkOrdering(api *resource.API, q url.Values) error {
	param, terms := api.OrderingOf(q)
	_, err := filters.ParseOrderOf(param, terms, orderResolver{r})
	return err
}

// parseOrdering reads the request's ordering against the resource's allow-list.
func (r *model) parseOrdering(b *resource.Bundle) ([]filters.Order, error) {
	param, terms := b.OrderingParam()
	return filters.ParseOrderOf(param, terms, orderResolver{r})
}

// orderResolver is the order_by allow-list of a root resource.
type orderResolver struct{ r *model }

func (or orderResolver) ResolveOrder(path []string) (filters.Field, error) {
	return or.r.orderField(path, nil)
}

// maxRelationDepth is how many relations a path of this resource may go through (Meta.MaxRelationDepth).
func (r *model) maxRelationDepth() int {
	if r.meta.MaxRelationDepth > 0 {
		return r.meta.MaxRelationDepth
	}
	return resource.DefaultMaxRelationDepth
}

// joinAliasRe matches the aliases aliasOf gives joins; a table may not be named so.
var joinAliasRe = regexp.MustCompile(`^tg(_[0-9]+)+$`)

// checkMaxRelationDepth checks Meta.MaxRelationDepth when the API is built, and that the table's name
// cannot be taken for a join's alias.
func (r *model) checkMaxRelationDepth() error {
	if n := r.meta.MaxRelationDepth; n < 0 || n > resource.MaxRelationDepthLimit {
		return fmt.Errorf("Meta.MaxRelationDepth: %d is not between 0 (the default, %d) and %d", n, resource.DefaultMaxRelationDepth, resource.MaxRelationDepthLimit)
	}
	if joinAliasRe.MatchString(r.meta.Table) {
		return fmt.Errorf("Meta.Table: %q has the form of the aliases queries give joins (tg_1_2); rename the table", r.meta.Table)
	}
	return nil
}

// checkDepth refuses a path (relation hops, then a field) that goes through more relations than the
// resource allows, with code and a message beginning with what ("A filter"). The path is not repeated
// in the message: it may be very long, and details.parameter names it.
func (r *model) checkDepth(path []string, code apierror.Code, what string) error {
	if hops, most := len(path)-1, r.maxRelationDepth(); hops > most {
		return apierror.New(code, "%s may go through at most %d relations on %s; this one goes through %d.", what, most, r.meta.ResourceName, hops).
			With("max_relation_depth", most)
	}
	return nil
}

// aliasOf is the SQL alias, quoted, of the resource reached from this one through path (relation
// names): this resource's table for an empty path, otherwise "tg_" and the index of each relation
// among its resource's relations ("tg_3_3" for parent_location__parent_location). Aliases are short,
// whatever the names, so that no identifier reaches PostgreSQL's 63-byte limit (which would cut long
// ones until they collide), unique within a query (the indexes name one path), and the same for the
// same path in every query, so statements stay comparable.
func (r *model) aliasOf(path []string) string {
	if len(path) == 0 {
		return r.alias
	}
	var b strings.Builder
	b.WriteString("tg")
	cur := r
	for _, hop := range path {
		rel := cur.relations[hop]
		b.WriteString("_")
		b.WriteString(strconv.Itoa(rel.index))
		cur = rel.target
	}
	return r.d.Quote(b.String())
}

// lookupsFor returns the lookups Meta.Filtering allows on a field or relation, and whether it allows
// any.
func (r *model) lookupsFor(name string) (resource.Lookups, bool) {
	name = r.unalias(name)
	if l, ok := r.meta.Filtering[name]; ok {
		return l, len(l) > 0
	}
	if l, ok := r.meta.Filtering[resource.EveryField]; ok {
		return l, len(l) > 0
	}
	return nil, false
}

// filterable lists the names a client may filter on, sorted, for error messages.
func (r *model) filterable() []string {
	var out []string
	for _, c := range r.columns {
		if _, ok := r.lookupsFor(c.Name); ok {
			out = append(out, c.Name)
		}
	}
	for name := range r.relations {
		if _, ok := r.lookupsFor(name); ok {
			out = append(out, name)
		}
	}
	for name := range r.m2m {
		if _, ok := r.lookupsFor(name); ok {
			out = append(out, name)
		}
	}
	for alias := range r.meta.FilterAliases {
		if _, ok := r.lookupsFor(alias); ok {
			out = append(out, alias)
		}
	}
	sort.Strings(out)
	return out
}

func (r *model) notFilterable(name string) error {
	allowed := r.filterable()
	return apierror.New(apierror.InvalidFilter, "The '%s' field does not allow filtering.%s", name, allowedSuffix(allowed)).
		With("allowed", allowed)
}

// filterField resolves a filter path on r, reached from the query's root resource through via.
func (r *model) filterField(path, via []string, root *model) (filters.Field, error) {
	public := path[0] // as the query names it: perhaps an alias (Meta.FilterAliases)
	name := r.unalias(public)
	lookups, allowed := r.lookupsFor(name)
	if m := r.m2m[name]; m != nil {
		if !allowed {
			return filters.Field{}, r.notFilterable(public)
		}
		if len(path) > 1 {
			return filters.Field{}, apierror.New(apierror.InvalidFilter, "The '%s' field does not support relations.", public)
		}
		return r.m2mFilterField(m, lookups, via, root), nil
	}
	if len(path) == 1 {
		c, isCol := r.byName[name]
		rel, isRel := r.relations[name]
		switch {
		case !allowed || (!isCol && !isRel):
			return filters.Field{}, r.notFilterable(public)
		case isRel && !isCol:
			// A relation alone compares its foreign key: location=7.
			c = rel.column
		}
		f := filters.Field{Name: name, Path: slices.Clone(via), Column: root.aliasOf(via) + "." + r.d.Quote(c.Name), Type: c.Type, MaxInt: c.MaxInt}
		if !lookups.IsAll() {
			f.Lookups = lookups
		}
		return f, nil
	}
	rel, isRel := r.relations[name]
	switch {
	case !isRel && r.byName[name] != nil:
		return filters.Field{}, apierror.New(apierror.InvalidFilter, "The '%s' field does not support relations.", public)
	case !isRel || !allowed:
		return filters.Field{}, r.notFilterable(public)
	case !lookups.WithRelations():
		return filters.Field{}, apierror.New(apierror.InvalidFilter, "Lookups are not allowed more than one level deep on the '%s' field.", public)
	}
	return rel.target.filterField(path[1:], append(slices.Clone(via), name), root)
}

// orderable reports whether Meta.Ordering allows a name.
func (r *model) orderable(name string) bool {
	return slices.Contains(r.meta.Ordering, name) || slices.Contains(r.meta.Ordering, resource.EveryField)
}

func (r *model) orderingNames() []string {
	var out []string
	for _, c := range r.columns {
		if r.orderable(c.Name) {
			out = append(out, c.Name)
		}
	}
	for _, q := range r.query {
		if r.orderable(q.name) {
			out = append(out, q.name)
		}
	}
	for name := range r.relations {
		if r.orderable(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// orderField resolves an order_by path: an own column or query field that Meta.Ordering lists, or a
// path through a relation that Meta.Ordering lists by name (order_by=location__name).
func (r *model) orderField(path, via []string) (filters.Field, error) {
	return r.orderFieldFrom(path, via, r)
}

// orderFieldFrom resolves an order_by path on r, reached from the query's root resource through via.
func (r *model) orderFieldFrom(path, via []string, root *model) (filters.Field, error) {
	if len(via) == 0 {
		if err := r.checkDepth(path, apierror.InvalidOrdering, "An order_by term"); err != nil {
			return filters.Field{}, err
		}
	}
	whole := strings.Join(path, "__")
	if len(via) == 0 {
		for _, q := range r.query {
			if q.name == whole {
				if !r.orderable(whole) {
					break
				}
				return filters.Field{Name: whole, Path: slices.Clone(q.path), Column: r.aliasOf(q.path) + "." + r.d.Quote(q.target.Name), Type: q.target.Type}, nil
			}
		}
	}
	name := path[0]
	if len(path) == 1 {
		c, ok := r.byName[name]
		if rel, isRel := r.relations[name]; !ok && isRel {
			c, ok = rel.column, true // a relation alone orders by its foreign key
		}
		if !ok {
			return filters.Field{}, apierror.New(apierror.InvalidOrdering, "No matching '%s' field for ordering on.%s", whole, allowedSuffix(r.orderingNames()))
		}
		if len(via) == 0 && !r.orderable(name) {
			return filters.Field{}, apierror.New(apierror.InvalidOrdering, "The '%s' field does not allow ordering.%s", name, allowedSuffix(r.orderingNames()))
		}
		return filters.Field{Name: name, Path: slices.Clone(via), Column: root.aliasOf(via) + "." + r.d.Quote(c.Name), Type: c.Type}, nil
	}
	rel, ok := r.relations[name]
	if !ok || (len(via) == 0 && !r.orderable(name)) {
		return filters.Field{}, apierror.New(apierror.InvalidOrdering, "The '%s' field does not allow ordering.%s", whole, allowedSuffix(r.orderingNames()))
	}
	if rel.target == nil {
		return filters.Field{}, fmt.Errorf("relation %q is not linked", name)
	}
	return rel.target.orderFieldFrom(path[1:], append(slices.Clone(via), name), root)
}

// schemaFiltering shows the effective allow-list: each field with its lookups, each relation that
// allows filtering through it as Tastypie's 2 (ALL_WITH_RELATIONS).
func (r *model) schemaFiltering() map[string]any {
	out := map[string]any{}
	for _, c := range r.columns {
		if l, ok := r.lookupsFor(c.Name); ok {
			out[c.Name] = lookupNames(c.Type, l)
		}
	}
	for name, rel := range r.relations {
		if l, ok := r.lookupsFor(name); ok {
			if l.WithRelations() {
				out[name] = int64(2)
			} else {
				out[name] = lookupNames(rel.column.Type, l)
			}
		}
	}
	for name, m := range r.m2m {
		if l, ok := r.lookupsFor(name); ok {
			var names []string
			for _, x := range r.m2mFilterField(m, l, nil, r).Lookups {
				names = append(names, string(x))
			}
			out[name] = names
		}
	}
	for alias, target := range r.meta.FilterAliases {
		if v, ok := out[target]; ok {
			out[alias] = v
		}
	}
	return out
}

func lookupNames(t field.Type, l resource.Lookups) []string {
	ls := []filters.Lookup(l)
	if l.IsAll() {
		ls = filters.LookupsFor(t)
	}
	out := make([]string, len(ls))
	for i, x := range ls {
		out[i] = string(x)
	}
	return out
}

// allowedSuffix ends a refusal with the allowed names, " Allowed: a, b.", or with nothing when no name
// is allowed, leaving Tastypie's message as it is.
func allowedSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " Allowed: " + strings.Join(names, ", ") + "."
}

// apiMessage is an error's client message.
func apiMessage(err error) string {
	if e := apierror.As(err); e != nil {
		return e.Message
	}
	return err.Error()
}
