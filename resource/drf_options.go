package resource

import (
	"github.com/tastygo/tastygo/field"
)

// drfFieldTypes are the types Django REST framework's SimpleMetadata names the serializer fields a
// ModelSerializer makes for each logical type; any other (a foreign key's PrimaryKeyRelatedField, a
// JSONField) is "field".
var drfFieldTypes = map[field.Type]string{
	field.Integer:  "integer",
	field.Float:    "float",
	field.String:   "string",
	field.Boolean:  "boolean",
	field.Date:     "date",
	field.DateTime: "datetime",
}

// drfOptions is OPTIONS as Django REST framework's SimpleMetadata answers it, keys in its order:
// name ("Job List" on the list, "Job Instance" on an object), description, renders, parses, and
// actions: POST on the list and PUT on an object, when allowed, each field described by
// drfFieldInfo in the resource's field order.
func (r *Bound) drfOptions(kind Kind) ordered {
	name := r.title()
	switch kind {
	case KindList:
		name += " List"
	case KindDetail:
		name += " Instance"
	}
	body := ordered{
		{"name", name},
		{"description", r.Meta.Description},
		{"renders", []string{"application/json"}},
		{"parses", r.parses()},
	}
	var actions ordered
	for _, m := range r.allowed(kind) {
		if actionKind(kind, m) {
			actions = append(actions, member{m, r.drfActionFields()})
		}
	}
	if len(actions) > 0 {
		body = append(body, member{"actions", actions})
	}
	return body
}

// drfActionFields describes each field as SimpleMetadata.get_field_info does.
func (r *Bound) drfActionFields() ordered {
	required := map[string]bool{}
	for _, f := range r.Meta.RequiredFieldsForPost {
		required[f] = true
	}
	out := make(ordered, 0, len(r.Binding.Fields))
	for _, f := range r.Binding.Fields {
		out = append(out, member{f.Name, drfFieldInfo(f, required[f.Name])})
	}
	return out
}

// drfFieldInfo is one field's metadata, keys in SimpleMetadata's order: type, required, read_only,
// label, then help_text, max_length, min_value and max_value when known, and choices (on a field that
// is not read-only).
func drfFieldInfo(f FieldSchema, required bool) ordered {
	typ, ok := drfFieldTypes[f.Type]
	related := f.RelatedResource != ""
	if !ok || related {
		typ = "field" // a PrimaryKeyRelatedField, a JSONField
	}
	choice := len(f.Choices) > 0
	if choice {
		typ = "choice"
	}
	label := optionsLabel(f)
	if f.PrimaryKey && f.Name == "id" && f.VerboseName == "" {
		label = "ID" // Django's verbose name of the automatic key
	}
	readOnly, isRequired := f.ReadOnly, !f.ReadOnly && (required || (!f.Nullable && !f.HasDefault))
	if f.Many {
		// A many-to-many field is described as the team's DRF answered: a read-only "field" (a
		// ManyRelatedField), although a write may give the list.
		readOnly, isRequired = true, false
	}
	info := ordered{
		{"type", typ},
		{"required", isRequired},
		{"read_only", readOnly},
		{"label", label},
	}
	if f.HelpText != "" {
		info = append(info, member{"help_text", f.HelpText})
	}
	// As a ModelSerializer builds its fields: a read-only one has no bounds, nor has a choice field
	// (a ChoiceField takes none) or a relation.
	bounded := !readOnly && !choice && !related
	if bounded && f.MaxLength > 0 {
		info = append(info, member{"max_length", int64(f.MaxLength)})
	}
	if bounded && f.MinValue != nil {
		info = append(info, member{"min_value", *f.MinValue})
	}
	if bounded && f.MaxValue != nil {
		info = append(info, member{"max_value", *f.MaxValue})
	}
	if !f.ReadOnly && len(f.Choices) > 0 {
		choices := make([]any, len(f.Choices))
		for i, c := range f.Choices {
			choices[i] = ordered{{"value", c}, {"display_name", c}}
		}
		info = append(info, member{"choices", choices})
	}
	return info
}
