package resource

import (
	"fmt"
	"slices"

	"github.com/tastygo/tastygo/field"
)

// errorResponseNames are the components.responses of the error statuses an operation documents.
var errorResponseNames = map[string]string{
	"400": "BadRequest", "401": "NotAuthenticated", "403": "Forbidden", "404": "NotFound", "405": "MethodNotAllowed",
	"304": "NotModified", "406": "NotAcceptable", "412": "PreconditionFailed",
	"409": "Conflict", "413": "BodyTooLarge", "415": "UnsupportedMediaType", "422": "ContradictoryRequest",
	"429": "Throttled", "503": "DatabaseUnavailable",
}

// errorResponses are components.responses: each error status's answer, in the one error shape, and
// Error for any other.
func errorResponses() map[string]*oaResponse {
	desc := map[string]string{
		"BadRequest":           "The request is wrong: INVALID_FILTER, INVALID_VALUE, MISSING_PARAMETER, INVALID_ORDERING, VALIDATION_ERROR, MALFORMED_BODY, BAD_REQUEST.",
		"NotAuthenticated":     "NOT_AUTHENTICATED: no or bad credentials (with a WWW-Authenticate challenge).",
		"Forbidden":            "FORBIDDEN: authenticated but not allowed.",
		"NotFound":             "OBJECT_DOES_NOT_EXIST (details: resource, key) or RESOURCE_NOT_FOUND.",
		"MethodNotAllowed":     "METHOD_NOT_ALLOWED, with an Allow header.",
		"Conflict":             "CONFLICT: a unique or foreign-key constraint; RUN_IN_PROGRESS (details.run_id) when a processing run is under way.",
		"NotAcceptable":        "NOT_ACCEPTABLE: a format= (or Accept) the operation does not offer (csv is offered on lists only).",
		"PreconditionFailed":   "PRECONDITION_FAILED: If-Match does not name the object's current ETag (details.etag is it).",
		"BodyTooLarge":         "BODY_TOO_LARGE: over the configured size.",
		"UnsupportedMediaType": "UNSUPPORTED_MEDIA_TYPE: a body that is not JSON (or a form, where the resource accepts one).",
		"ContradictoryRequest": "CONTRADICTORY_REQUEST: a nested object contradicting its parent.",
		"DatabaseUnavailable":  "DATABASE_UNAVAILABLE: the database cannot be reached (Retry-After).",
		"Throttled":            "THROTTLED: too many requests; Retry-After (and details.retry_after_seconds) says when to try again.",
		"Error":                "Any other error in the one shape: INTERNAL_ERROR (500, naming the request id)...",
	}
	out := map[string]*oaResponse{}
	for name, d := range desc {
		out[name] = jsonResponse(d, schemaRef("Error"))
	}
	out["NotModified"] = &oaResponse{Description: "Not Modified: If-None-Match names the answer's current ETag; no body."}
	return out
}

// errorSchema is the one error shape of API.md.
func errorSchema() *oaSchema {
	described := func(t, desc string) *oaSchema {
		s := typeSchema(t)
		s.Description = desc
		return s
	}
	s := typeSchema("object")
	s.Required = []string{"success", "error", "code", "details"}
	s.Properties = map[string]*oaSchema{
		"success": {Const: false},
		"error":   described("string", "A message for people."),
		"code":    described("string", "A stable code: INVALID_FILTER, NOT_AUTHENTICATED, OBJECT_DOES_NOT_EXIST..."),
		"details": errorDetails(),
	}
	return s
}

// errorDetails is the error shape's details: what the error concerns, each key typed as the server
// writes it (API.md). Which keys an error carries depends on its code; others may appear.
func errorDetails() *oaSchema {
	described := func(desc string, types ...string) *oaSchema {
		s := typeSchema(types...)
		s.Description = desc
		return s
	}
	strings := func(desc string) *oaSchema {
		s := arrayOf(typeSchema("string"))
		s.Description = desc
		return s
	}
	fields := typeSchema("object")
	fields.Description = "VALIDATION_ERROR: each field of the body that is wrong, and its problem (a value outside a CHECK constraint's bounds names its field here)."
	fields.AdditionalProperties = typeSchema("string")
	s := typeSchema("object")
	s.Description = "What the error concerns: the parameter, fields, resource, key... (keys by code)."
	s.Properties = map[string]*oaSchema{
		"parameter":           described("INVALID_FILTER, INVALID_VALUE, MISSING_PARAMETER, INVALID_ORDERING: the query parameter.", "string"),
		"missing":             strings("MISSING_PARAMETER: every required parameter the request lacks."),
		"fields":              fields,
		"field":               described("The one field concerned (a value too large, a null).", "string"),
		"run_id":              described("RUN_IN_PROGRESS, and errors of a processing run: the processing_run's id.", "integer"),
		"resource":            described("OBJECT_DOES_NOT_EXIST: the resource.", "string"),
		"key":                 described("OBJECT_DOES_NOT_EXIST: the key asked for.", "string", "integer"),
		"allowed":             strings("METHOD_NOT_ALLOWED: the methods allowed (also in Allow)."),
		"index":               described("MALFORMED_BODY, VALIDATION_ERROR: the item of an array body.", "integer"),
		"value":               described("INVALID_VALUE: the value refused.", "string"),
		"max":                 described("The most values allowed.", "integer"),
		"retry_after_seconds": described("THROTTLED: when to try again (also in Retry-After).", "integer"),
		"request_id":          described("INTERNAL_ERROR: the request's id, as the log names it.", "string"),
		"etag":                described("PRECONDITION_FAILED: the object's current ETag.", "string"),
	}
	return s
}

// objectSchema is one object of the resource, as answers show it: resource_uri and the key always
// (fields= keeps both), every other field when fields= does not leave it out; a to-one relation's
// expanded object (depth=) as the related resource's schema, a to-many relation's as a list of them.
func (r *Bound) objectSchema() *oaSchema {
	uri := typeSchema("string")
	uri.ReadOnly, uri.Description = true, "The object's URI."
	props := map[string]*oaSchema{"resource_uri": uri}
	for _, f := range r.Binding.Fields {
		props[f.Name] = fieldJSONSchema(f)
	}
	for _, name := range sortedKeys(r.Binding.Relations) {
		if _, taken := props[name]; !taken {
			to := r.Binding.Relations[name]
			s := &oaSchema{AnyOf: []*oaSchema{schemaRef(to), typeSchema("null")}}
			s.ReadOnly = true
			s.Description = "The related " + to + " object, when depth= (or Meta.Full) expands it; null when the key is."
			props[name] = s
		}
	}
	for _, name := range sortedKeys(r.Binding.ToMany) {
		if _, taken := props[name]; !taken {
			to := r.Binding.ToMany[name]
			s := arrayOf(schemaRef(to))
			s.ReadOnly = true
			s.Description = "The related " + to + " objects, when depth= (or Meta.Full) expands them; listed at " + r.ListURI() + "{key}/" + name + "/."
			props[name] = s
		}
	}
	s := typeSchema("object")
	s.Properties = props
	s.Required = []string{"resource_uri"}
	if pk := r.PrimaryKey(); props[pk] != nil {
		s.Required = append(s.Required, pk)
	}
	s.Description = r.Meta.Description
	return s
}

// writeSchema is the body of a write: the fields a client may set (read-only ones are ignored by the
// server and not shown), required listing those the write requires.
func (r *Bound) writeSchema(required []string) *oaSchema {
	props := map[string]*oaSchema{}
	for _, f := range r.Binding.Fields {
		if !f.ReadOnly {
			props[f.Name] = fieldJSONSchema(f)
		}
	}
	s := typeSchema("object")
	s.Properties = props
	s.Required = required
	return s
}

// requiredForWrite are the fields a POST or a PUT must give: Meta.RequiredFieldsForPost, and every
// writable field that is neither nullable nor has a default (the database would refuse the row).
func (r *Bound) requiredForWrite() []string {
	var out []string
	for _, f := range r.Binding.Fields {
		if f.ReadOnly {
			continue
		}
		if slices.Contains(r.Meta.RequiredFieldsForPost, f.Name) || (!f.Nullable && !f.HasDefault && !f.Blank) {
			out = append(out, f.Name)
		}
	}
	return out
}

// fieldJSONSchema maps a field to JSON Schema: integer, number, string, boolean, date and datetime
// as strings with a format, json as anything, related as the key (an integer); nullable as a type
// union with "null".
func fieldJSONSchema(f FieldSchema) *oaSchema {
	s := &oaSchema{}
	switch f.Type {
	case field.Integer, field.Related:
		s.Type = oaTypes{"integer"}
	case field.Float:
		s.Type = oaTypes{"number"}
	case field.Boolean:
		s.Type = oaTypes{"boolean"}
	case field.Date:
		s.Type, s.Format = oaTypes{"string"}, "date"
	case field.DateTime:
		s.Type, s.Format = oaTypes{"string"}, "date-time"
	case field.JSON:
		// Any JSON value: the empty schema.
	default:
		s.Type = oaTypes{"string"}
	}
	if len(s.Type) == 1 && f.Nullable {
		s.Type = append(s.Type, "null")
	}
	s.MaxLength = f.MaxLength
	if f.MinValue != nil && f.MaxValue != nil {
		lo, hi := float64(*f.MinValue), float64(*f.MaxValue)
		s.Minimum, s.Maximum = &lo, &hi
	}
	if len(f.Choices) > 0 {
		s.Enum = make([]any, 0, len(f.Choices)+1)
		for _, c := range f.Choices {
			s.Enum = append(s.Enum, c)
		}
		if f.Nullable {
			s.Enum = append(s.Enum, nil)
		}
	}
	s.ReadOnly = f.ReadOnly
	s.Description = f.HelpText
	if s.Description == "" {
		s.Description = defaultHelpText[f.Type]
	}
	if f.RelatedResource != "" {
		s.Description += " The key of a " + f.RelatedResource + "."
	}
	s.Title = f.VerboseName
	if f.Many {
		s.ReadOnly = false // read-only only in Django REST framework's OPTIONS: the list is writable
		item := &oaSchema{Type: s.Type[:1]}
		list := arrayOf(item)
		list.Title = s.Title
		list.Description = f.HelpText
		if list.Description == "" {
			list.Description = "The keys of the " + f.RelatedResource + " objects it is a member of (many-to-many); a write giving the list replaces them."
		}
		return list
	}
	return s
}

// listSchema is the list envelope {meta, objects}.
func (r *Bound) listSchema() *oaSchema {
	def, max := r.Limits()
	described := func(desc string, types ...string) *oaSchema {
		s := typeSchema(types...)
		s.Description = desc
		return s
	}
	total := described("Every row the filters match (an exact count(*)).", "integer")
	meta := typeSchema("object")
	meta.Required = []string{"limit", "offset", "total_count", "next", "previous"}
	meta.Properties = map[string]*oaSchema{
		"limit":       described(fmt.Sprintf("The page size (default %d, at most %d).", def, max), "integer"),
		"offset":      typeSchema("integer"),
		"total_count": total,
		"next":        described("The next page's URL.", "string", "null"),
		"previous":    described("The previous page's URL.", "string", "null"),
	}
	switch r.countMode() {
	case CountNone:
		total.Type = oaTypes{"integer", "null"}
		total.Description = "Not counted (Meta.TotalCount is none): null."
	case CountEstimate:
		total.Description = "The planner's estimate on large lists (then total_count_estimated is true), exact otherwise."
		meta.Properties["total_count_estimated"] = typeSchema("boolean")
	}
	s := typeSchema("object")
	s.Required = []string{"meta", "objects"}
	s.Properties = map[string]*oaSchema{"meta": meta, "objects": arrayOf(schemaRef(r.Name))}
	return s
}

// keySchema is the type of the primary key, for {key}.
func (r *Bound) keySchema() *oaSchema {
	for _, f := range r.Binding.Fields {
		if f.PrimaryKey {
			switch f.Type {
			case field.Integer, field.Related:
				return typeSchema("integer")
			}
		}
	}
	return typeSchema("string")
}
