package resource

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tastygo/tastygo/field"
)

// Tastypie's help text for a field without its own, by type.
var defaultHelpText = map[field.Type]string{
	field.String:   `Unicode string data. Ex: "Hello World"`,
	field.Integer:  "Integer data. Ex: 2673",
	field.Float:    "Floating point numeric data. Ex: 26.73",
	field.Boolean:  "Boolean data. Ex: True",
	field.Date:     `A date as a string. Ex: "2010-11-10"`,
	field.DateTime: `A date & time as a string. Ex: "2010-11-10T03:07:43.000000Z"`,
	field.JSON:     "JSON data. Ex: {\"a\": [1, 2]}",
	field.Related:  "A single related resource. Can be either a URI or set of nested resource data.",
}

// noDefault is how Tastypie's schema shows a field without a default.
const noDefault = "No default provided."

// PrimaryKey returns the name of the resource's key field.
func (r *Bound) PrimaryKey() string {
	for _, f := range r.Binding.Fields {
		if f.PrimaryKey {
			return f.Name
		}
	}
	return "id"
}

// FieldNames returns every field an object of the resource can show, resource_uri included.
func (r *Bound) FieldNames() map[string]bool {
	out := map[string]bool{"resource_uri": true}
	for _, f := range r.Binding.Fields {
		out[f.Name] = true
	}
	for name := range r.Binding.Relations {
		out[name] = true
	}
	for name := range r.Binding.ToMany {
		out[name] = true
	}
	return out
}

// Schema is a resource's schema: the answer of GET /<name>/schema/ and of [API.Schema], and what
// the listing inlines with fullschema=true. It is written as Tastypie's build_schema shapes it.
type Schema struct {
	AllowedListHTTPMethods   []string
	AllowedDetailHTTPMethods []string
	DefaultFormat            string
	DefaultLimit, MaxLimit   int
	// MaxDepth is how deep depth= may expand relations.
	MaxDepth int
	// Fields describes each field by name, resource_uri included.
	Fields map[string]*SchemaField
	// Filtering is the filter allow-list (Binding.Filtering): field → lookups, or 2 for a relation
	// whose related resource's filters are allowed too (Tastypie's ALL_WITH_RELATIONS). Written only
	// when not empty, as Ordering is.
	Filtering map[string]any
	Ordering  []string
	// Relations describes each to-one and to-many relation by name.
	Relations             map[string]SchemaRelation
	RequiredGETParams     []string
	RequiredFieldsForPost []string
	QueryFields           []string
	// TotalCount is how the resource counts its lists.
	TotalCount CountMode
	// SearchFields are the fields search= looks in (Meta.SearchFields); written only when not empty.
	SearchFields []string
	// Style is the API's wire style: in Django REST framework's, the page sizes are written as
	// page_size and max_page_size (the parameters are page, page_size and ordering), with
	// "wire_style": "drf".
	Style Style
	// Extra holds the implementation's own entries (Binding.SchemaExtra: a non-model resource's
	// "params"), written beside the others.
	Extra map[string]any
}

// SchemaField describes one field in a [Schema].
type SchemaField struct {
	Type                                          string
	Nullable, Blank, ReadOnly, Unique, PrimaryKey bool
	// Default is the field's default, or "No default provided.".
	Default               any
	HelpText, VerboseName string
	// MaxLength, MinValue, MaxValue, Choices, RelatedResource and RelatedSchema are written only when
	// set (max_length, min_value, max_value, ...): the limits are the column's (FieldSchema's).
	MaxLength          int
	MinValue, MaxValue *int64
	Choices            []string
	RelatedResource    string
	RelatedSchema      string
}

// SchemaRelation describes one relation in a [Schema].
type SchemaRelation struct {
	// RelatedType is "to_one" or "to_many".
	RelatedType   string
	Resource      string
	RelatedSchema string
}

func fieldSchema(f FieldSchema) *SchemaField {
	var def any = noDefault
	if f.HasDefault {
		def = f.Default
	}
	help := f.HelpText
	if help == "" {
		help = defaultHelpText[f.Type]
	}
	verbose := f.VerboseName
	if verbose == "" {
		verbose = strings.ReplaceAll(f.Name, "_", " ")
	}
	return &SchemaField{Type: schemaTypeName(f), Nullable: f.Nullable, Blank: f.Blank, ReadOnly: f.ReadOnly, Unique: f.Unique,
		PrimaryKey: f.PrimaryKey, Default: def, HelpText: help, VerboseName: verbose, MaxLength: f.MaxLength, Choices: f.Choices,
		MinValue: f.MinValue, MaxValue: f.MaxValue, RelatedResource: f.RelatedResource}
}

// schemaTypeName is the type the schema and Tastypie's OPTIONS name: the logical type's name, or
// "list" for a many-to-many field (Tastypie's ListField).
func schemaTypeName(f FieldSchema) string {
	if f.Many {
		return "list"
	}
	return f.Type.String()
}

func lower(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.ToLower(m)
	}
	return out
}

// Schema returns the resource's schema, as GET /<name>/schema/ answers it.
func (r *Bound) Schema() *Schema {
	fields := map[string]*SchemaField{
		"resource_uri": fieldSchema(FieldSchema{Name: "resource_uri", Type: field.String, ReadOnly: true}),
	}
	for _, f := range r.Binding.Fields {
		fs := fieldSchema(f)
		if f.RelatedResource != "" {
			fs.RelatedSchema = r.API.prefix + f.RelatedResource + "/schema/"
		}
		fields[f.Name] = fs
	}
	def, max := r.Limits()
	s := &Schema{
		AllowedListHTTPMethods:   lower(r.listMethods),
		AllowedDetailHTTPMethods: lower(r.detailMethods),
		DefaultFormat:            "application/json",
		DefaultLimit:             def,
		MaxLimit:                 max,
		MaxDepth:                 r.MaxDepth(),
		Fields:                   fields,
		Filtering:                r.Binding.Filtering,
		Ordering:                 r.Binding.Ordering,
		Relations:                map[string]SchemaRelation{},
		RequiredGETParams:        nonNil(r.Meta.GETParamsRequired),
		RequiredFieldsForPost:    nonNil(r.Meta.RequiredFieldsForPost),
		QueryFields:              nonNil(r.Meta.QueryFields),
		TotalCount:               r.countMode(),
		SearchFields:             r.Meta.SearchFields,
		Style:                    r.API.style,
		Extra:                    r.schemaExtra(),
	}
	for name, to := range r.Binding.Relations {
		s.Relations[name] = SchemaRelation{RelatedType: "to_one", Resource: to, RelatedSchema: r.API.prefix + to + "/schema/"}
	}
	for name, to := range r.Binding.ToMany {
		s.Relations[name] = SchemaRelation{RelatedType: "to_many", Resource: to, RelatedSchema: r.API.prefix + to + "/schema/"}
	}
	return s
}

// AppendJSON appends the schema's JSON to b, keys sorted as every body's.
func (s *Schema) AppendJSON(b []byte) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	return appendJSONValue(b, s.jsonMap())
}

// MarshalJSON writes the schema as AppendJSON does.
func (s *Schema) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// jsonMap is the schema as the JSON object it is written as.
func (s *Schema) jsonMap() map[string]any {
	fields := make(map[string]any, len(s.Fields))
	for name, f := range s.Fields {
		fields[name] = f.jsonMap()
	}
	rels := make(map[string]any, len(s.Relations))
	for name, r := range s.Relations {
		rels[name] = map[string]any{"related_type": r.RelatedType, "resource": r.Resource, "related_schema": r.RelatedSchema}
	}
	m := map[string]any{
		"allowed_list_http_methods":   nonNil(s.AllowedListHTTPMethods),
		"allowed_detail_http_methods": nonNil(s.AllowedDetailHTTPMethods),
		"default_format":              s.DefaultFormat,
		"default_limit":               int64(s.DefaultLimit),
		"max_limit":                   int64(s.MaxLimit),
		"fields":                      fields,
		"required_GET_params":         nonNil(s.RequiredGETParams),
		"required_fields_for_post":    nonNil(s.RequiredFieldsForPost),
		"query_fields":                nonNil(s.QueryFields),
		"total_count":                 string(s.TotalCount),
		"max_depth":                   int64(s.MaxDepth),
		"relations":                   rels,
	}
	if len(s.Filtering) > 0 {
		m["filtering"] = s.Filtering
	}
	if len(s.Ordering) > 0 {
		m["ordering"] = s.Ordering
	}
	if len(s.SearchFields) > 0 {
		m["search_fields"] = s.SearchFields
	}
	if s.Style == DRFStyle {
		m["wire_style"] = "drf"
		m["page_size"], m["max_page_size"] = m["default_limit"], m["max_limit"]
		delete(m, "default_limit")
		delete(m, "max_limit")
	}
	for k, v := range s.Extra {
		m[k] = v
	}
	return m
}

// jsonMap is the field as the JSON object it is written as.
func (f *SchemaField) jsonMap() map[string]any {
	m := map[string]any{
		"type":         f.Type,
		"nullable":     f.Nullable,
		"blank":        f.Blank,
		"readonly":     f.ReadOnly,
		"unique":       f.Unique,
		"primary_key":  f.PrimaryKey,
		"default":      f.Default,
		"help_text":    f.HelpText,
		"verbose_name": f.VerboseName,
	}
	if f.MaxLength > 0 {
		m["max_length"] = int64(f.MaxLength)
	}
	if f.MinValue != nil {
		m["min_value"] = *f.MinValue
	}
	if f.MaxValue != nil {
		m["max_value"] = *f.MaxValue
	}
	if len(f.Choices) > 0 {
		m["choices"] = f.Choices
	}
	if f.RelatedResource != "" {
		m["related_resource"] = f.RelatedResource
	}
	if f.RelatedSchema != "" {
		m["related_schema"] = f.RelatedSchema
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// countMode is how the resource counts its lists (Meta.TotalCount, CountExact by default).
func (r *Bound) countMode() CountMode {
	if r.Meta.TotalCount == "" {
		return CountExact
	}
	return r.Meta.TotalCount
}

// parses are the body media types the resource accepts.
func (r *Bound) parses() []string {
	if r.Meta.FormBodies {
		return []string{"application/json", formURLEncoded, formMultipart}
	}
	return []string{"application/json"}
}

// serveOptions answers OPTIONS with the metadata the API's style shapes and the Allow header.
func (a *API) serveOptions(r *Bound, kind Kind) (*Response, error) {
	h := http.Header{}
	h.Set("Allow", strings.Join(r.allowed(kind), ", "))
	return &Response{Status: http.StatusOK, Header: h, Body: a.wire.options(r, kind)}, nil
}

// title is the resource's name as a title: "data_point" is "Data point".
func (r *Bound) title() string {
	title := strings.ReplaceAll(r.Name, "_", " ")
	return strings.ToUpper(title[:1]) + title[1:]
}

// actionKind reports whether OPTIONS on kind describes the fields of method: POST on the list, PUT on
// an object, as Django REST framework's SimpleMetadata does.
func actionKind(kind Kind, method string) bool {
	return (kind == KindList && method == http.MethodPost) || (kind == KindDetail && method == http.MethodPut)
}

// tastypieOptions is the Tastypie style's OPTIONS: Django REST framework's metadata keys, written with
// sorted keys as every body of the style.
func (r *Bound) tastypieOptions(kind Kind) map[string]any {
	body := map[string]any{
		"name":        r.title(),
		"description": r.Meta.Description,
		"renders":     []string{"application/json"},
		"parses":      r.parses(),
	}
	actions := map[string]any{}
	for _, m := range r.allowed(kind) {
		if actionKind(kind, m) {
			actions[m] = r.actionFields()
		}
	}
	if len(actions) > 0 {
		body["actions"] = actions
	}
	return body
}

// optionsLabel is DRF's label of a field: capfirst(verbose_name), or the name with "_" → " ",
// capitalized.
func optionsLabel(f FieldSchema) string {
	label := f.VerboseName
	if label == "" {
		label = strings.ReplaceAll(f.Name, "_", " ")
	}
	if c, n := utf8.DecodeRuneInString(label); n > 0 {
		label = string(unicode.ToUpper(c)) + label[n:]
	}
	return label
}

func (r *Bound) actionFields() map[string]any {
	required := map[string]bool{}
	for _, f := range r.Meta.RequiredFieldsForPost {
		required[f] = true
	}
	out := map[string]any{}
	for _, f := range r.Binding.Fields {
		m := map[string]any{
			"type":      schemaTypeName(f),
			"required":  !f.ReadOnly && (required[f.Name] || (!f.Nullable && !f.HasDefault)),
			"read_only": f.ReadOnly,
			"label":     optionsLabel(f),
		}
		if f.MaxLength > 0 {
			m["max_length"] = int64(f.MaxLength)
		}
		if len(f.Choices) > 0 {
			choices := make([]any, len(f.Choices))
			for i, c := range f.Choices {
				choices[i] = map[string]any{"value": c, "display_name": c}
			}
			m["type"] = "choice"
			m["choices"] = choices
		}
		out[f.Name] = m
	}
	return out
}
