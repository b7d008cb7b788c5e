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

func fieldSchema(f FieldSchema) map[string]any {
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
	m := map[string]any{
		"type":         f.Type.String(),
		"nullable":     f.Nullable,
		"blank":        f.Blank,
		"readonly":     f.ReadOnly,
		"unique":       f.Unique,
		"primary_key":  f.PrimaryKey,
		"default":      def,
		"help_text":    help,
		"verbose_name": verbose,
	}
	if f.MaxLength > 0 {
		m["max_length"] = int64(f.MaxLength)
	}
	if len(f.Choices) > 0 {
		m["choices"] = f.Choices
	}
	if f.RelatedResource != "" {
		m["related_resource"] = f.RelatedResource
	}
	return m
}

func lower(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.ToLower(m)
	}
	return out
}

// Schema returns the resource's schema, as GET /<name>/schema/ answers it.
func (r *Bound) Schema() map[string]any {
	fields := map[string]any{
		"resource_uri": fieldSchema(FieldSchema{Name: "resource_uri", Type: field.String, ReadOnly: true}),
	}
	for _, f := range r.Binding.Fields {
		fs := fieldSchema(f)
		if f.RelatedResource != "" {
			fs["related_schema"] = r.API.prefix + f.RelatedResource + "/schema/"
		}
		fields[f.Name] = fs
	}
	def, max := r.Limits()
	s := map[string]any{
		"allowed_list_http_methods":   lower(r.listMethods),
		"allowed_detail_http_methods": lower(r.detailMethods),
		"default_format":              "application/json",
		"default_limit":               int64(def),
		"max_limit":                   int64(max),
		"fields":                      fields,
		"required_GET_params":         nonNil(r.Meta.GETParamsRequired),
		"required_fields_for_post":    nonNil(r.Meta.RequiredFieldsForPost),
		"query_fields":                nonNil(r.Meta.QueryFields),
		"total_count":                 string(r.countMode()),
	}
	if len(r.Binding.Filtering) > 0 {
		s["filtering"] = r.Binding.Filtering
	}
	if len(r.Binding.Ordering) > 0 {
		s["ordering"] = r.Binding.Ordering
	}
	rels := map[string]any{}
	for name, to := range r.Binding.Relations {
		rels[name] = map[string]any{"related_type": "to_one", "resource": to, "related_schema": r.API.prefix + to + "/schema/"}
	}
	for name, to := range r.Binding.ToMany {
		rels[name] = map[string]any{"related_type": "to_many", "resource": to, "related_schema": r.API.prefix + to + "/schema/"}
	}
	s["max_depth"] = int64(r.MaxDepth())
	s["relations"] = rels
	for k, v := range r.Binding.SchemaExtra {
		s[k] = v
	}
	return s
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

// serveOptions answers OPTIONS with Django REST framework's metadata shape and the Allow header.
func (a *API) serveOptions(r *Bound, kind Kind) (*Response, error) {
	allowed := r.allowed(kind)
	title := strings.ReplaceAll(r.Name, "_", " ")
	title = strings.ToUpper(title[:1]) + title[1:]
	body := map[string]any{
		"name":        title,
		"description": r.Meta.Description,
		"renders":     []string{"application/json"},
		"parses":      r.parses(),
	}
	actions := map[string]any{}
	for _, m := range allowed {
		if (kind == KindList && m == http.MethodPost) || (kind == KindDetail && m == http.MethodPut) {
			actions[m] = r.actionFields()
		}
	}
	if len(actions) > 0 {
		body["actions"] = actions
	}
	h := http.Header{}
	h.Set("Allow", strings.Join(allowed, ", "))
	return &Response{Status: http.StatusOK, Header: h, Body: body}, nil
}

func (r *Bound) actionFields() map[string]any {
	required := map[string]bool{}
	for _, f := range r.Meta.RequiredFieldsForPost {
		required[f] = true
	}
	out := map[string]any{}
	for _, f := range r.Binding.Fields {
		// DRF's label: capfirst(verbose_name), or the name with "_" → " ", capitalized.
		label := f.VerboseName
		if label == "" {
			label = strings.ReplaceAll(f.Name, "_", " ")
		}
		if c, n := utf8.DecodeRuneInString(label); n > 0 {
			label = string(unicode.ToUpper(c)) + label[n:]
		}
		m := map[string]any{
			"type":      f.Type.String(),
			"required":  !f.ReadOnly && (required[f.Name] || (!f.Nullable && !f.HasDefault)),
			"read_only": f.ReadOnly,
			"label":     label,
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
