package resource

import (
	"fmt"
	"slices"

	"github.com/tastygo/tastygo/filters"
)

// The OpenAPI document describes the wire style the API speaks (Config.Style): these functions are the
// parts that differ, each answering Tastypie's shape or Django REST framework's.

// drf reports whether the resource's API speaks Django REST framework's style.
func (r *Bound) drf() bool { return r.API != nil && r.API.style == DRFStyle }

// styleListSchema is the schema of a page of the list: {meta, objects}, or DRF's envelope.
func (r *Bound) styleListSchema() *oaSchema {
	if !r.drf() {
		return r.listSchema()
	}
	def, max := r.Limits()
	link := func(desc string) *oaSchema {
		s := typeSchema("string", "null")
		s.Format, s.Description = "uri", desc
		return s
	}
	count := typeSchema("integer")
	count.Description = fmt.Sprintf("Every row the filters match; pages hold page_size of them (default %d, at most %d).", def, max)
	s := typeSchema("object")
	s.Required = []string{"success", "count", "next", "previous", "results"}
	s.Properties = map[string]*oaSchema{
		"success":  {Const: true},
		"count":    count,
		"next":     link("The next page's absolute URL, null on the last page."),
		"previous": link("The previous page's absolute URL (without page for page 1), null on the first page."),
		"results":  arrayOf(schemaRef(r.Name)),
	}
	switch r.countMode() {
	case CountNone:
		count.Type = oaTypes{"integer", "null"}
		count.Description = "Not counted (Meta.TotalCount is none): null."
	case CountEstimate:
		count.Description = "The planner's estimate on large lists (then count_estimated is true), exact otherwise."
		s.Properties["count_estimated"] = typeSchema("boolean")
	}
	return s
}

// styleListParams are the parameters of a list GET in the API's style: Tastypie's limit, offset and
// order_by, or DRF's page, page_size and ordering; search= where the resource declares SearchFields.
func (r *Bound) styleListParams(own bool) []*oaParameter {
	out := r.listParams(own)
	if r.drf() {
		out = slices.DeleteFunc(out, func(p *oaParameter) bool {
			return p.Name == filters.LimitParam || p.Name == filters.OffsetParam || p.Name == filters.OrderParam
		})
		def, max := r.Limits()
		positive := func() *oaSchema { s := typeSchema("integer"); one := 1.0; s.Minimum = &one; return s }
		drf := []*oaParameter{
			{Name: pageParam, In: "query", Description: "A page number within the paginated result set, from 1; past the end: 404 PAGE_NOT_FOUND.",
				Schema: positive()},
			{Name: pageSizeParam, In: "query", Description: fmt.Sprintf("Number of results to return per page (default %d, at most %d; one that is not a positive integer is the default).", def, max),
				Schema: typeSchema("integer")},
		}
		if len(r.Binding.Ordering) > 0 {
			drf = append(drf, &oaParameter{Name: orderingParam, In: "query",
				Description: "Which fields to order by, comma-separated, '-' descending (allowed: " + joinNames(r.Binding.Ordering) + "); the primary key breaks ties.",
				Schema:      typeSchema("string")})
		}
		out = append(drf, out...)
	}
	if len(r.Meta.SearchFields) > 0 {
		out = append(out, &oaParameter{Name: filters.SearchParam, In: "query",
			Description: "A search term: every word (or \"quoted phrase\") is contained, case-insensitively, in one of " + joinNames(r.Meta.SearchFields) + ".",
			Schema:      typeSchema("string")})
	}
	return out
}

// listErrors are the error answers of a list GET: DRF's style adds 404 for a page past the end.
func (r *Bound) listErrors() map[string]*oaResponse {
	if r.drf() {
		return r.errors("400", "404")
	}
	return r.errors("400")
}

// answerSchema is an object as an answer shows it: the object, or in DRF's style the object with
// "success": true.
func (r *Bound) answerSchema(obj *oaSchema) *oaSchema {
	if !r.drf() {
		return obj
	}
	return &oaSchema{AllOf: []*oaSchema{obj, successSchema()}}
}

// styleEnvelope is an answer holding objects and more properties: as given, or in DRF's style with
// "success": true and the objects under "results" rather than "objects".
func (r *Bound) styleEnvelope(s *oaSchema) *oaSchema {
	if !r.drf() {
		return s
	}
	out := typeSchema("object")
	out.Properties = map[string]*oaSchema{"success": {Const: true}}
	out.Required = []string{"success"}
	for k, v := range s.Properties {
		if k == "objects" {
			k = "results"
		}
		out.Properties[k] = v
	}
	for _, k := range s.Required {
		if k == "objects" {
			k = "results"
		}
		out.Required = append(out.Required, k)
	}
	return out
}

// oneOrMany is a POST's answer: the object, or the envelope of the objects of an array body. In DRF's
// style both carry success, so the object's schema (open to more properties) also matches the
// envelope: anyOf, where Tastypie's is oneOf.
func (r *Bound) oneOrMany(obj, objs *oaSchema) *oaSchema {
	if !r.drf() {
		return &oaSchema{OneOf: []*oaSchema{obj, objectsEnvelope(objs)}}
	}
	return &oaSchema{AnyOf: []*oaSchema{r.answerSchema(obj), r.styleEnvelope(objectsEnvelope(objs))}}
}

// stylePatchStatus is the status of a PATCH on an object that answers it.
func (r *Bound) stylePatchStatus() string {
	if r.drf() {
		return "200"
	}
	return "202"
}

// successSchema is {"success": true}.
func successSchema() *oaSchema {
	s := typeSchema("object")
	s.Required = []string{"success"}
	s.Properties = map[string]*oaSchema{"success": {Const: true}}
	return s
}

// drfListingPath is the API's root in DRF's style: each resource's list as an absolute URL.
func drfListingPath() *oaPathItem {
	url := typeSchema("string")
	url.Format = "uri"
	body := typeSchema("object")
	body.AdditionalProperties = url
	return &oaPathItem{Get: &oaOperation{
		OperationID: "listing",
		Summary:     "Every resource, with its list's absolute URL",
		Tags:        []string{"api"},
		Security:    []oaSecurityRequirement{}, // served without credentials
		Responses: map[string]*oaResponse{"200": jsonResponse("Each resource: the absolute URL of its list.", body),
			"304": responseRef("NotModified"), "default": responseRef("Error")},
	}}
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
