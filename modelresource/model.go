package modelresource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/resource"
)

// model is a model resource bound into one API: [Resource.Bind] makes one per API from the
// description, so that nothing of an API's is kept on the user's value.
type model struct {
	// desc is the description the model was bound from; meta is a copy of its Meta, taken by Bind.
	desc *Resource
	meta resource.Meta

	// Everything below is set once by bind and link and only read afterwards.
	d         dialect.Dialect
	env       *resource.Env
	table     *dialect.Table
	alias     string   // the quoted table name, the root alias of every query
	columns   []column // the fields taken from the table, in table order
	byName    map[string]*column
	pk        *column
	relations map[string]*relation
	toMany    map[string]*toMany
	m2m       map[string]*manyToMany
	full      map[string]bool
	query     []queryField
	shape     *resource.Shape
	uriIndex  int // position of resource_uri in the shape
	selects   []string
	readOnly  map[string]bool
	createdAt *column
	updatedAt *column
	search    []filters.Field // Meta.SearchFields
	binding   *resource.Binding
}

type column struct {
	dialect.Column
	expr     string // "table"."name"
	index    int    // position in the shape
	readOnly bool
	choices  []string
	relation string // the relation whose foreign key this is, "" for none
	// min and max are Meta.FieldOptions' bounds (a CHECK constraint's), nil for none.
	min, max *int64
}

type relation struct {
	name   string
	index  int // position among the resource's relations by name: its part of a join alias (aliasOf)
	column *column
	to     string
	target *model
	bound  *resource.Bound
}

// toMany is the reverse of another resource's to-one relation: its objects whose foreign key points here.
type toMany struct {
	name   string
	to     string
	via    string
	target *model
	bound  *resource.Bound
	fk     *column // the target's foreign-key column
	expand bool    // depth= expands it
}

// queryField is a read-only field taken through to-one relations: "campaign__name".
type queryField struct {
	name   string
	path   []string // relation hops
	target *column  // the column on the last related resource
	index  int
}

// timestamps are the columns the framework sets itself.
const (
	createdAtName = "created_at"
	updatedAtName = "updated_at"
)

// bind reads the table and checks the Meta against it.
func (r *model) bind(ctx context.Context, env *resource.Env) (*resource.Binding, error) {
	m := &r.meta
	if m.Table == "" {
		return nil, errors.New("Meta.Table is empty: a model resource needs a table")
	}
	r.env, r.d = env, env.Dialect
	t, err := env.Dialect.DescribeTable(ctx, env.DB.SQL(), m.Table)
	if errors.Is(err, dialect.ErrNoTable) {
		return nil, fmt.Errorf("Meta.Table: there is no table %q in the database (are the migrations applied?)", m.Table)
	}
	if err != nil {
		return nil, fmt.Errorf("reading table %q: %w", m.Table, err)
	}
	r.table = t
	r.alias = r.d.Quote(m.Table)
	if err := r.bindColumns(); err != nil {
		return nil, err
	}
	if err := r.bindRelations(env.Tables); err != nil {
		return nil, err
	}
	if err := r.bindManyToMany(ctx, env); err != nil {
		return nil, err
	}
	if err := r.checkNames(); err != nil {
		return nil, err
	}
	r.binding = &resource.Binding{
		Steps:      r.defaultSteps(),
		Atomic:     r.atomic,
		LockObject: r.lockObject,
		Link:       r.link,
		Impl:       r,
		Relations:  r.relationTargets(),
	}
	return r.binding, nil
}

func (r *model) bindColumns() error {
	m := &r.meta
	for _, name := range append(slices.Clone(m.Fields), m.Excludes...) {
		if _, ok := r.table.Column(name); !ok {
			return fmt.Errorf("Meta.Fields/Excludes: table %q has no column %q (columns: %s)", m.Table, name, r.columnList())
		}
	}
	r.readOnly = map[string]bool{}
	for _, name := range m.ReadOnly {
		if _, ok := r.table.Column(name); !ok {
			return fmt.Errorf("Meta.ReadOnly: table %q has no column %q (columns: %s)", m.Table, name, r.columnList())
		}
		r.readOnly[name] = true
	}
	createdName, updatedName, err := r.timestampNames()
	if err != nil {
		return err
	}
	for name := range m.FieldOptions {
		if _, ok := r.table.Column(name); !ok {
			return fmt.Errorf("Meta.FieldOptions: table %q has no column %q (columns: %s)", m.Table, name, r.columnList())
		}
	}
	r.byName = map[string]*column{}
	for _, dc := range r.table.Columns {
		if len(m.Fields) > 0 && !slices.Contains(m.Fields, dc.Name) && !dc.PrimaryKey {
			continue
		}
		if slices.Contains(m.Excludes, dc.Name) && !dc.PrimaryKey {
			continue
		}
		c := &column{Column: dc, expr: r.alias + "." + r.d.Quote(dc.Name)}
		opts := m.FieldOptions[dc.Name]
		c.choices = opts.Choices
		c.min, c.max = opts.MinValue, opts.MaxValue
		c.readOnly = dc.PrimaryKey || dc.Name == createdName || dc.Name == updatedName || r.readOnly[dc.Name] || opts.ReadOnly
		r.columns = append(r.columns, *c)
	}
	var pks int
	for i := range r.columns {
		c := &r.columns[i]
		r.byName[c.Name] = c
		if c.PrimaryKey {
			pks++
			r.pk = c
		}
	}
	// The framework sets the timestamps whether or not Meta.Fields shows them.
	for _, dc := range r.table.Columns {
		switch dc.Name {
		case createdName:
			r.createdAt = &column{Column: dc}
		case updatedName:
			r.updatedAt = &column{Column: dc}
		}
	}
	if pks != 1 {
		return fmt.Errorf("table %q must have a single-column primary key (it has %d key columns)", m.Table, pks)
	}
	return nil
}

// timestampNames returns the columns the server sets on insert and on every write: Meta.CreatedField
// and Meta.UpdatedField, or created_at and updated_at when Meta names none. A column Meta names must
// exist and be a timestamp.
func (r *model) timestampNames() (created, updated string, err error) {
	created, updated = createdAtName, updatedAtName
	for _, f := range []struct {
		option, name string
		into         *string
	}{{"Meta.CreatedField", r.meta.CreatedField, &created}, {"Meta.UpdatedField", r.meta.UpdatedField, &updated}} {
		if f.name == "" {
			continue
		}
		dc, ok := r.table.Column(f.name)
		if !ok {
			return "", "", fmt.Errorf("%s: table %q has no column %q (columns: %s)", f.option, r.meta.Table, f.name, r.columnList())
		}
		if dc.Type != field.DateTime {
			return "", "", fmt.Errorf("%s: column %q of table %q is a %s, not a timestamp", f.option, f.name, r.meta.Table, dc.Type)
		}
		*f.into = f.name
	}
	if created == updated {
		return "", "", fmt.Errorf("Meta.CreatedField and Meta.UpdatedField name the same column %q", created)
	}
	return created, updated, nil
}

func (r *model) columnList() string {
	names := make([]string, len(r.table.Columns))
	for i, c := range r.table.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// bindRelations declares a relation for every foreign key named <rel>_id whose table a registered
// resource serves, then applies Meta.Relations.
func (r *model) bindRelations(tables map[string]string) error {
	r.relations = map[string]*relation{}
	for i := range r.columns {
		c := &r.columns[i]
		if c.References == "" || !strings.HasSuffix(c.Name, "_id") {
			continue
		}
		to, ok := tables[c.References]
		if !ok {
			continue
		}
		name := strings.TrimSuffix(c.Name, "_id")
		r.relations[name] = &relation{name: name, column: c, to: to}
	}
	for name, rel := range r.meta.Relations {
		c, ok := r.byName[rel.Column]
		if !ok {
			return fmt.Errorf("Meta.Relations[%q]: table %q has no column %q", name, r.meta.Table, rel.Column)
		}
		if _, clash := r.byName[name]; clash {
			return fmt.Errorf("Meta.Relations[%q]: the name is already a column of %q", name, r.meta.Table)
		}
		r.relations[name] = &relation{name: name, column: c, to: rel.To}
	}
	for i, name := range r.relationNames() {
		rel := r.relations[name]
		rel.column.relation, rel.index = name, i
	}
	return nil
}

func (r *model) relationTargets() map[string]string {
	out := map[string]string{}
	for name, rel := range r.relations {
		out[name] = rel.to
	}
	return out
}

// checkNames checks every other name in Meta that refers to a field of this resource alone.
func (r *model) checkNames() error {
	m := &r.meta
	for _, name := range m.RequiredFieldsForPost {
		c, ok := r.byName[name]
		if !ok {
			return fmt.Errorf("Meta.RequiredFieldsForPost: %q is not a field of %q", name, m.ResourceName)
		}
		if c.readOnly {
			return fmt.Errorf("Meta.RequiredFieldsForPost: %q is read-only", name)
		}
	}
	return nil
}

// checkRequiredParams checks that each of Meta.GETParamsRequired is a parameter a request can carry:
// a filter the resource allows, or one Meta.ExtraParams declares. Any other name could never be sent
// without being refused as an unknown filter.
func (r *model) checkRequiredParams() error {
	reserved := filters.Reserved(r.meta.ExtraParams...)
	for _, p := range r.meta.GETParamsRequired {
		if reserved(p) {
			continue
		}
		parts := strings.Split(p, filters.Sep)
		f, err := filterResolver{r}.Resolve(parts)
		lookup := filters.Exact
		if n := len(parts); err != nil && n > 1 && filters.IsLookup(parts[n-1]) {
			f, err = filterResolver{r}.Resolve(parts[:n-1])
			lookup = filters.Lookup(parts[n-1])
		}
		if err == nil && !slices.Contains(f.Allowed(), lookup) {
			err = fmt.Errorf("'%s' is not an allowed filter on it", lookup)
		}
		if err != nil {
			return fmt.Errorf("Meta.GETParamsRequired: %q is neither a filter of %q (%s) nor in Meta.ExtraParams", p, r.meta.ResourceName, apiMessage(err))
		}
	}
	return nil
}

// link resolves relations to their resources and checks what depends on them: filtering keys,
// ordering and query fields.
func (r *model) link(lookup func(string) (*resource.Bound, bool)) error {
	names := make([]string, 0, len(r.relations))
	for n := range r.relations {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		rel := r.relations[name]
		b, ok := lookup(rel.to)
		if !ok {
			return fmt.Errorf("relation %q: no resource named %q is registered", name, rel.to)
		}
		target, ok := b.Binding.Impl.(*model)
		if !ok {
			return fmt.Errorf("relation %q: resource %q is not a model resource", name, rel.to)
		}
		rel.target, rel.bound = target, b
	}
	if err := r.linkToMany(lookup); err != nil {
		return err
	}
	if err := r.linkManyToMany(lookup); err != nil {
		return err
	}
	if err := r.checkFilterAliases(); err != nil {
		return err
	}
	for key, lookups := range r.meta.Filtering {
		if key == resource.EveryField {
			continue
		}
		_, isCol := r.byName[key]
		_, isRel := r.relations[key]
		if !isCol && !isRel && r.m2m[key] == nil {
			return fmt.Errorf("Meta.Filtering: %q is neither a field nor a relation of %q (fields: %s)", key, r.meta.ResourceName, strings.Join(r.fieldNames(), ", "))
		}
		if m := r.m2m[key]; m != nil && !lookups.IsAll() {
			for _, l := range lookups {
				if l != filters.Exact && l != filters.In {
					return fmt.Errorf("Meta.Filtering[%q]: a many-to-many field takes the lookups exact and in, not %q", key, l)
				}
			}
		}
		if !lookups.IsAll() && isCol {
			if err := checkLookups(r.byName[key].Type, lookups); err != nil {
				return fmt.Errorf("Meta.Filtering[%q]: %w", key, err)
			}
		}
	}
	if err := r.checkMaxRelationDepth(); err != nil {
		return err
	}
	for _, name := range r.meta.Ordering {
		if name == resource.EveryField {
			continue
		}
		if _, err := r.orderField(strings.Split(name, "__"), nil); err != nil {
			return fmt.Errorf("Meta.Ordering: %q: %s", name, apiMessage(err))
		}
	}
	if err := r.bindQueryFields(); err != nil {
		return err
	}
	if err := r.bindSearch(); err != nil {
		return err
	}
	if err := r.checkRequiredParams(); err != nil {
		return err
	}
	r.buildShape()
	r.binding.Fields = r.fieldSchemas()
	r.binding.Filtering = r.schemaFiltering()
	r.binding.Ordering = r.orderingNames()
	return nil
}

// linkToMany resolves Meta.ToMany: each names a resource and its to-one relation back to this one.
func (r *model) linkToMany(lookup func(string) (*resource.Bound, bool)) error {
	r.toMany = map[string]*toMany{}
	r.binding.ToMany = map[string]string{}
	r.binding.SubLists = map[string]resource.SubList{}
	for name, tm := range r.meta.ToMany {
		if _, clash := r.byName[name]; clash || r.relations[name] != nil {
			return fmt.Errorf("Meta.ToMany[%q]: the name is already a field or relation of %q", name, r.meta.ResourceName)
		}
		b, ok := lookup(tm.Resource)
		if !ok {
			return fmt.Errorf("Meta.ToMany[%q]: no resource named %q is registered", name, tm.Resource)
		}
		target, ok := b.Binding.Impl.(*model)
		if !ok {
			return fmt.Errorf("Meta.ToMany[%q]: resource %q is not a model resource", name, tm.Resource)
		}
		back, ok := target.relations[tm.Via]
		if !ok || back.to != r.meta.ResourceName {
			return fmt.Errorf("Meta.ToMany[%q]: %q has no relation %q pointing at %q", name, tm.Resource, tm.Via, r.meta.ResourceName)
		}
		r.toMany[name] = &toMany{name: name, to: tm.Resource, via: tm.Via, target: target, bound: b, fk: back.column, expand: tm.Expand}
		r.binding.ToMany[name] = tm.Resource
		r.binding.SubLists[name] = resource.SubList{Resource: tm.Resource, Via: tm.Via}
	}
	r.full = map[string]bool{}
	for _, name := range r.meta.Full {
		if r.relations[name] == nil && r.toMany[name] == nil {
			return fmt.Errorf("Meta.Full: %q is not a relation of %q", name, r.meta.ResourceName)
		}
		r.full[name] = true
	}
	return nil
}

func (r *model) fieldNames() []string {
	out := make([]string, 0, len(r.columns))
	for _, c := range r.columns {
		out = append(out, c.Name)
	}
	return out
}

func (r *model) bindQueryFields() error {
	for _, qf := range r.meta.QueryFields {
		parts := strings.Split(qf, "__")
		if len(parts) < 2 {
			return fmt.Errorf("Meta.QueryFields: %q must be a relation path such as campaign__name", qf)
		}
		if hops := len(parts) - 1; hops > r.maxRelationDepth() {
			return fmt.Errorf("Meta.QueryFields: %q goes through %d relations; Meta.MaxRelationDepth allows %d", qf, hops, r.maxRelationDepth())
		}
		cur := r
		for _, hop := range parts[:len(parts)-1] {
			rel, ok := cur.relations[hop]
			if !ok {
				return fmt.Errorf("Meta.QueryFields: %q: %q has no relation %q", qf, cur.meta.ResourceName, hop)
			}
			cur = rel.target
		}
		c, ok := cur.byName[parts[len(parts)-1]]
		if !ok {
			return fmt.Errorf("Meta.QueryFields: %q: %q has no field %q", qf, cur.meta.ResourceName, parts[len(parts)-1])
		}
		if _, clash := r.byName[qf]; clash {
			return fmt.Errorf("Meta.QueryFields: %q is already a column", qf)
		}
		r.query = append(r.query, queryField{name: qf, path: parts[:len(parts)-1], target: c})
	}
	return nil
}

// selectExpr is a column as the SELECT list reads it. On SQLite a date or timestamp column is read as
// the expression +column (the same value): the driver then hands over the stored text instead of
// trying its timestamp layouts one by one on every row (an error allocated per failed layout: half of
// a CSV export's time), and cell.Scan passes text already in wire form on as it is (scan.go).
func (r *model) selectExpr(expr string, t field.Type) string {
	if r.d.Name() == dialect.SQLite && (t == field.Date || t == field.DateTime) {
		return "+" + expr
	}
	return expr
}

// buildShape fixes the order of an object's fields and the SELECT list that fills them.
func (r *model) buildShape() {
	var names []string
	r.selects = nil
	for i := range r.columns {
		c := &r.columns[i]
		c.index = len(names)
		names = append(names, c.Name)
		r.selects = append(r.selects, r.selectExpr(c.expr, c.Type))
	}
	for i := range r.query {
		q := &r.query[i]
		q.index = len(names)
		names = append(names, q.name)
		r.selects = append(r.selects, r.selectExpr(r.aliasOf(q.path)+"."+r.d.Quote(q.target.Name), q.target.Type))
	}
	for _, name := range r.m2mNames() {
		m := r.m2m[name]
		m.index = len(names)
		names = append(names, name)
	}
	r.uriIndex = len(names)
	names = append(names, "resource_uri")
	r.shape = resource.NewShape(names...)
}

// fieldSchemas describes the resource's fields for the schema.
func (r *model) fieldSchemas() []resource.FieldSchema {
	var out []resource.FieldSchema
	for _, c := range r.columns {
		opts := r.meta.FieldOptions[c.Name]
		fs := resource.FieldSchema{
			Name: c.Name, Type: c.Type, Nullable: c.Nullable, Blank: c.Nullable || c.HasDefault || c.readOnly,
			ReadOnly: c.readOnly && !(c.PrimaryKey && !c.HasDefault), Unique: c.Unique, PrimaryKey: c.PrimaryKey, MaxLength: c.MaxLength,
			Choices: c.choices, HelpText: opts.HelpText, VerboseName: opts.VerboseName,
		}
		fs.ReadOnly = fs.ReadOnly || opts.ServerSet
		if v, ok := parseDefault(c.Column); ok {
			fs.Default, fs.HasDefault = v, true
		}
		if c.relation != "" {
			fs.RelatedResource = r.relations[c.relation].to
		}
		if c.MaxInt > 0 {
			lo, hi := -c.MaxInt, c.MaxInt
			fs.MinValue, fs.MaxValue = &lo, &hi
		}
		if opts.MinValue != nil {
			fs.MinValue = opts.MinValue
		}
		if opts.MaxValue != nil {
			fs.MaxValue = opts.MaxValue
		}
		out = append(out, fs)
	}
	for _, q := range r.query {
		out = append(out, resource.FieldSchema{Name: q.name, Type: q.target.Type, Nullable: true, Blank: true, ReadOnly: true,
			HelpText: "Read-only, from " + strings.Join(q.path, " → ") + ".", VerboseName: strings.ReplaceAll(q.name, "__", " ")})
	}
	for _, name := range r.m2mNames() {
		out = append(out, r.m2mSchema(r.m2m[name]))
	}
	return out
}

// checkLookups checks a Filtering entry's lookups against the field's type.
func checkLookups(t field.Type, ls resource.Lookups) error {
	return filters.CheckLookups(t, ls)
}

// bindSearch resolves Meta.SearchFields: each must be a text column of the table.
func (r *model) bindSearch() error {
	r.search = nil
	for _, name := range r.meta.SearchFields {
		c, ok := r.byName[name]
		if !ok || c.Type != field.String {
			return fmt.Errorf("Meta.SearchFields: %q is not a text field of %q (text fields: %s)", name, r.meta.ResourceName, strings.Join(r.textFieldNames(), ", "))
		}
		r.search = append(r.search, filters.Field{Param: name, Name: name, Column: c.expr, Type: field.String})
	}
	return nil
}

// textFieldNames are the names of the text columns, in table order.
func (r *model) textFieldNames() []string {
	var out []string
	for _, c := range r.columns {
		if c.Type == field.String {
			out = append(out, c.Name)
		}
	}
	return out
}
