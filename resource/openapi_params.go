package resource

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

// fieldsParam is fields=, on every read.
func fieldsParam() *oaParameter {
	return &oaParameter{Name: filters.FieldsParam, In: "query", Description: "Only these fields (comma-separated), and resource_uri and the key.",
		Schema: typeSchema("string")}
}

// depthParam is depth=, on every read.
func (r *Bound) depthParam() *oaParameter {
	s := typeSchema("integer")
	s.Minimum = minZero()
	return &oaParameter{Name: filters.DepthParam, In: "query",
		Description: fmt.Sprintf("Expand relations into the related objects, this many levels (capped at %d).", r.MaxDepth()),
		Schema:      s}
}

// listParams are the parameters of a list GET: the reserved ones (filters.ReservedParams, but for the
// cache buster), the filters and the resource's own parameters; GET_params_required are marked required (only on the
// resource's own list when own is set).
func (r *Bound) listParams(own bool) []*oaParameter {
	def, max := r.Limits()
	count := func() *oaSchema { s := typeSchema("integer"); s.Minimum = minZero(); return s }
	out := []*oaParameter{
		{Name: filters.LimitParam, In: "query", Description: fmt.Sprintf("The page size (default %d); 0 or more than %d means %d.", def, max, max),
			Schema: count()},
		{Name: filters.OffsetParam, In: "query", Description: "Rows skipped.", Schema: count()},
	}
	if len(r.Binding.Ordering) > 0 {
		enum := []any{}
		for _, o := range r.Binding.Ordering {
			enum = append(enum, o, "-"+o)
		}
		out = append(out, &oaParameter{Name: filters.OrderParam, In: "query", Style: "form", Explode: true,
			Description: "Order by these fields ('-' descending), repeatable; the primary key breaks ties.",
			Schema:      arrayOf(&oaSchema{Type: oaTypes{"string"}, Enum: enum})})
	}
	out = append(out, fieldsParam(), r.depthParam(),
		&oaParameter{Name: filters.FormatParam, In: "query", Description: "json (the default) or csv (also by Accept: text/csv).",
			Schema: &oaSchema{Type: oaTypes{"string"}, Enum: []any{"json", "csv"}}})
	out = append(out, r.filterParams()...)
	have := map[string]bool{}
	for _, p := range out {
		have[p.Name] = true
	}
	for _, p := range r.ownParams(own) {
		if !have[p.Name] {
			out = append(out, p)
		}
	}
	if own {
		for _, p := range out {
			if slices.Contains(r.Meta.GETParamsRequired, p.Name) {
				p.Required = true
			}
		}
	}
	return out
}

// ownParams are the resource's own parameters (a non-model resource's, Meta.ExtraParams, and
// Meta.GETParamsRequired), as its schema declares them under "params"; with required set, those a
// GET must carry are marked required (on the resource's own paths: its list, set/ and objects).
func (r *Bound) ownParams(required bool) []*oaParameter {
	var out []*oaParameter
	declared := map[string]map[string]any{}
	if ps, ok := r.Binding.SchemaExtra["params"].(map[string]any); ok {
		for name, v := range ps {
			if m, ok := v.(map[string]any); ok {
				declared[name] = m
			}
		}
	}
	have := map[string]bool{}
	extra := slices.Clone(r.Meta.ExtraParams)
	extra = append(extra, r.Meta.GETParamsRequired...)
	sort.Strings(extra)
	for _, name := range slices.Compact(extra) {
		if have[name] {
			continue
		}
		have[name] = true
		p := &oaParameter{Name: name, In: "query", Schema: typeSchema("string")}
		if f, ok := r.filterParam(name); ok {
			p = f
		}
		if m := declared[name]; m != nil {
			p.Schema = paramTypeSchema(fmt.Sprint(m["type"]))
			p.Required, _ = m["required"].(bool)
			p.Description, _ = m["help_text"].(string)
		}
		if doc, ok := r.Meta.ExtraParamDocs[name]; ok {
			p.Schema = paramTypeSchema(doc.Type)
			if doc.MinValue != nil {
				lo := float64(*doc.MinValue)
				p.Schema.Minimum = &lo
			}
			if doc.MaxValue != nil {
				hi := float64(*doc.MaxValue)
				p.Schema.Maximum = &hi
			}
			p.Description = doc.HelpText
		}
		p.Required = p.Required && required
		if required && slices.Contains(r.Meta.GETParamsRequired, name) {
			p.Required = true
		}
		out = append(out, p)
	}
	return out
}

// filterParam is the parameter of a filter the resource allows (field or field__lookup), typed by
// its field and lookup.
func (r *Bound) filterParam(name string) (*oaParameter, bool) {
	base, lookup, _ := strings.Cut(name, "__")
	if _, ok := r.Binding.Filtering[base]; !ok {
		return nil, false
	}
	if lookup == "" {
		lookup = "exact"
	}
	t := field.Related
	for _, f := range r.Binding.Fields {
		if f.Name == base {
			t = f.Type
		}
	}
	if strings.Contains(lookup, "__") {
		return &oaParameter{Name: name, In: "query", Description: "Filter: " + name + ".", Schema: typeSchema("string")}, true
	}
	return &oaParameter{Name: name, In: "query", Description: "Filter: " + base + " " + lookup + ".", Schema: filterValueSchema(t, lookup)}, true
}

// paramTypeSchema is the schema of a declared parameter's type (a non-model resource's).
func paramTypeSchema(t string) *oaSchema {
	switch t {
	case "integer":
		return typeSchema("integer")
	case "float":
		return typeSchema("number")
	case "boolean":
		return typeSchema("boolean")
	}
	s := typeSchema("string")
	if t != "string" && t != "" {
		s.Description = t
	}
	return s
}

// filterParams lists each allowed filter once: the field's own parameter (its exact form), described
// with the lookups it also takes as field__lookup=v, rather than one parameter per field and lookup
// (141 on a resource filtering everything, which documentation pages and generated clients cannot
// use). A field whose lookups exclude exact is documented by each of its lookups. A relation that
// allows every filter of its resource (ALL_WITH_RELATIONS) says so in its description.
func (r *Bound) filterParams() []*oaParameter {
	types := map[string]field.Type{}
	for _, f := range r.Binding.Fields {
		types[f.Name] = f.Type
	}
	var out []*oaParameter
	for _, name := range sortedKeys(r.Binding.Filtering) {
		target := name
		desc := ""
		if to, ok := r.Meta.FilterAliases[name]; ok {
			target, desc = to, " (An alias of "+to+".)"
		}
		t, isField := types[target]
		if !isField {
			t = field.Related
		}
		var lookups []string
		switch v := r.Binding.Filtering[name].(type) {
		case []string:
			lookups = v
		case int64, int:
			// ALL_WITH_RELATIONS on a relation: the key's own lookups, and every filter of the related resource.
			lookups = lookupsForType(t)
			to := r.Binding.Relations[target]
			desc += fmt.Sprintf(" Also `%s__<filter>=v` for every filter of %s (see the parameters of %s), e.g. `%s__id__in=1,2`.", name, to, r.API.prefix+to+"/", name)
		}
		if !slices.Contains(lookups, "exact") {
			for _, l := range lookups {
				out = append(out, &oaParameter{Name: name + "__" + l, In: "query", Description: "Filter: " + name + " " + l + "." + desc,
					Schema: filterValueSchema(t, l)})
				desc = ""
			}
			continue
		}
		var others []string
		for _, l := range lookups {
			if l != "exact" {
				others = append(others, "`"+name+"__"+l+"`")
			}
		}
		also := ""
		if len(others) > 0 {
			also = " Lookups, as `" + name + "__<lookup>=v`: " + strings.Join(others, ", ") + " (in: comma-separated values; range: a,b; isnull: true or false)."
		}
		out = append(out, &oaParameter{Name: name, In: "query", Description: "Filter: " + name + " equals." + also + desc,
			Schema: filterValueSchema(t, "exact")})
	}
	return out
}

// lookupsForType is every lookup a type allows, by name (the filters package's table).
func lookupsForType(t field.Type) []string {
	var out []string
	for _, l := range filters.LookupsFor(t) {
		out = append(out, string(l))
	}
	return out
}

// partDescriptions describe the integer parts of a date or timestamp that lookups compare.
var partDescriptions = map[string]string{
	"year": "The year.", "month": "The month, 1 to 12.", "day": "The day of the month, 1 to 31.",
	"hour": "The hour in UTC, 0 to 23.", "minute": "The minute, 0 to 59.", "second": "The second, 0 to 59 (the fraction dropped).",
	"week_day": "The day of the week, 1 (Sunday) to 7 (Saturday).", "week": "The ISO 8601 week number, 1 to 53.",
	"quarter": "The quarter of the year, 1 to 4.", "iso_year": "The ISO 8601 week-numbering year.",
}

// filterValueSchema is the query value of a lookup on a field type.
func filterValueSchema(t field.Type, lookup string) *oaSchema {
	described := func(desc string) *oaSchema {
		s := typeSchema("string")
		s.Description = desc
		return s
	}
	switch lookup {
	case "in":
		return described("Comma-separated values, or the parameter repeated.")
	case "range":
		return described("Two comma-separated values: a,b.")
	case "isnull":
		return typeSchema("boolean")
	case "year", "month", "day", "hour", "minute", "second", "week_day", "week", "quarter", "iso_year":
		s := typeSchema("integer")
		s.Description = partDescriptions[lookup] + " Compare it with __gt, __gte, __lt, __lte, __in or __range after the lookup (" + lookup + "__gte=v); none, None or nil: NULL."
		return s
	case "date":
		s := typeSchema("string")
		s.Format = "date"
		s.Description = "The date of the timestamp in UTC (YYYY-MM-DD). Compare it with __gt, __gte, __lt, __lte, __in or __range after the lookup."
		return s
	case "time":
		s := typeSchema("string")
		s.Description = "The time of day of the timestamp in UTC: HH:MM, HH:MM:SS or HH:MM:SS.ffffff. Compare it with __gt, __gte, __lt, __lte, __in or __range after the lookup."
		return s
	case "regex", "iregex":
		s := typeSchema("string")
		s.MaxLength = dialect.MaxRegexpBytes
		s.Description = "A regular expression in the subset of RE2 that matches alike on every backend (see the README); iregex ignores case."
		return s
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iexact":
		return typeSchema("string")
	}
	if t == field.JSON {
		return typeSchema("string")
	}
	s := fieldJSONSchema(FieldSchema{Type: t})
	s.Description = ""
	return s
}

// securityRequirements declares, in schemes, the schemes the resource's authentication names in its
// WWW-Authenticate challenge (ApiKey, Bearer, Basic), and returns the operations' security: any one
// of them, or, for a read (read) when the authentication lets reads through without credentials
// (AnonymousReader), none at all too. A resource without authentication (Anonymous), or whose
// authentication names no scheme, declares none and returns nil.
func (r *Bound) securityRequirements(schemes map[string]*oaSecurityScheme, read bool) []oaSecurityRequirement {
	ch, ok := r.authn.(Challenger)
	if !ok {
		return nil
	}
	var out []oaSecurityRequirement
	for _, part := range strings.Split(ch.Challenge(), ",") {
		word, _, _ := strings.Cut(strings.TrimSpace(part), " ")
		if word == "" || strings.Contains(word, "=") {
			continue
		}
		var name string
		var scheme *oaSecurityScheme
		switch strings.ToLower(word) {
		case "apikey":
			name, scheme = "ApiKey", &oaSecurityScheme{Type: "apiKey", In: "header", Name: "Authorization",
				Description: "Tastypie's API key: Authorization: ApiKey <username>:<key>."}
		case "bearer":
			name, scheme = "Bearer", &oaSecurityScheme{Type: "http", Scheme: "bearer", Description: "An API key: Authorization: Bearer <key>."}
		case "basic":
			name, scheme = "Basic", &oaSecurityScheme{Type: "http", Scheme: "basic", Description: "A username and password."}
		default:
			continue
		}
		if _, dup := schemes[name]; !dup {
			schemes[name] = scheme
		}
		if !slices.ContainsFunc(out, func(x oaSecurityRequirement) bool { _, ok := x[name]; return ok }) {
			out = append(out, oaSecurityRequirement{name: []string{}})
		}
	}
	if ar, ok := r.authn.(AnonymousReader); ok && read && len(out) > 0 && ar.AnonymousReads() {
		out = append(out, oaSecurityRequirement{}) // the empty requirement: no credentials
	}
	return out
}

// sortedKeys is the map's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
