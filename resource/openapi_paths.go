package resource

import (
	"slices"
	"strconv"
	"strings"
)

// openAPIPart describes the resource: its paths and schemas.
func (r *Bound) openAPIPart() openAPIPart {
	p := openAPIPart{paths: map[string]*oaPathItem{}, subPaths: map[string]subPath{},
		schemas: map[string]*oaSchema{}, security: map[string]*oaSecurityScheme{}}
	n := r.Name
	p.description = r.Meta.Description
	if p.description == "" {
		p.description = "The " + n + " objects, listed at " + r.ListURI() + "."
	}
	p.schemas[n] = r.objectSchema()
	p.schemas[n+"_list"] = r.styleListSchema()
	security := r.securityRequirements(p.security, false)
	readSecurity := r.securityRequirements(p.security, true)
	list := r.ListURI()
	op := func(id, summary string, params []*oaParameter, body *oaRequestBody, responses map[string]*oaResponse) *oaOperation {
		o := &oaOperation{OperationID: id + "_" + n, Summary: summary, Description: r.Meta.Description,
			Tags: []string{n}, Parameters: params, RequestBody: body, Responses: responses, Security: security}
		if readOperations[id] && readSecurity != nil {
			o.Security = readSecurity
		}
		return o
	}
	obj := schemaRef(n)
	keyParam := &oaParameter{Name: "key", In: "path", Required: true, Description: "The object's " + r.PrimaryKey() + ".",
		Schema: r.keySchema()}
	objs := arrayOf(obj)

	// The list.
	listItem := &oaPathItem{}
	for _, m := range r.listMethods {
		switch m {
		case "get":
			resp := r.listErrors()
			resp["200"] = listAnswer("A page of the list (or, with format=csv, the rows as CSV).", n)
			r.readStatuses(resp)
			for _, st := range r.Meta.ListErrorStatuses {
				code := strconv.Itoa(st)
				resp[code] = responseRef(errorResponseNames[code])
			}
			listItem.Get = op("list", "List "+n+" objects, filtered, ordered and paged", r.styleListParams(true), nil, resp)
		case "post":
			resp := r.errors("400", "409", "413", "415", "422")
			resp["201"] = r.writeResponse("Created: the object (with a Location header), or {objects} for an array body.",
				r.oneOrMany(obj, objs))
			required := r.requiredForWrite()
			one := r.writeSchema(required)
			several := arrayOf(r.writeSchema(required))
			several.MinItems = 1
			listItem.Post = op("create", "Create one "+n+" (an object) or several, all or nothing (an array)", nil,
				r.requestBody(&oaSchema{OneOf: []*oaSchema{one, several}}, required), resp)
		case "patch":
			resp := r.errors("400", "409", "413", "415", "422")
			answer := typeSchema("object")
			answer.Properties = map[string]*oaSchema{"objects": objs, "updated": typeSchema("integer")}
			resp["202"] = jsonResponse("Bulk PATCH: {objects}; a partial object with filters: {updated: n}.", r.styleEnvelope(answer))
			// The two bodies are told apart by "objects": required in the bulk one, absent in the other.
			item := r.writeSchema(nil)
			item.Properties["resource_uri"] = typeSchema("string")
			item.Description = "An object to create, or (with resource_uri) to update."
			bulk := typeSchema("object")
			bulk.Required = []string{"objects"}
			bulk.Properties = map[string]*oaSchema{"objects": arrayOf(item), "deleted_objects": arrayOf(typeSchema("string"))}
			partial := r.writeSchema(nil)
			partial.Not = &oaSchema{Required: []string{"objects"}}
			listItem.Patch = op("bulk_update", "Tastypie's bulk PATCH {objects, deleted_objects}, or one partial object applied to what the filters match (refused without a filter)",
				r.filterParams(), jsonBody(&oaSchema{OneOf: []*oaSchema{bulk, partial}}), resp)
		case "delete":
			resp := r.errors("400", "409")
			answer := typeSchema("object")
			answer.Required = []string{"deleted"}
			answer.Properties = map[string]*oaSchema{"deleted": typeSchema("integer")}
			resp["200"] = jsonResponse("What the filters matched, deleted.", r.styleEnvelope(answer))
			listItem.Delete = op("delete_list", "Delete what the filters match (refused without a filter)", r.filterParams(), nil, resp)
		}
	}
	if !listItem.empty() {
		p.paths[list] = listItem
	}

	// One object.
	detailItem := &oaPathItem{Parameters: []*oaParameter{keyParam}}
	for _, m := range r.detailMethods {
		switch m {
		case "get":
			resp := r.errors("400", "404")
			resp["200"] = jsonResponse("The object.", r.answerSchema(obj))
			r.readStatuses(resp)
			detailItem.Get = op("read", "Read one "+n, append([]*oaParameter{fieldsParam(), r.depthParam()}, r.ownParams(true)...), nil, resp)
		case "put":
			resp := r.errors("400", "404", "409", "412", "413", "415", "422")
			if r.Meta.QuietWrites {
				resp["204"] = &oaResponse{Description: "Replaced."}
				resp["201"] = &oaResponse{Description: "Created (the key did not exist)."}
			} else {
				resp["200"] = jsonResponse("Replaced: the object.", r.answerSchema(obj))
				resp["201"] = jsonResponse("Created (the key did not exist): the object.", r.answerSchema(obj))
			}
			required := r.requiredForWrite()
			detailItem.Put = op("replace", "Replace one "+n+" (or create it with this key)", nil, r.requestBody(r.writeSchema(required), required), resp)
		case "patch":
			resp := r.errors("400", "404", "409", "412", "413", "415", "422")
			status := "202"
			if !r.Meta.QuietWrites {
				status = r.stylePatchStatus()
			}
			resp[status] = r.writeResponse("Updated: the object.", r.answerSchema(obj))
			detailItem.Patch = op("update", "Update some fields of one "+n, nil, r.requestBody(r.writeSchema(nil), nil), resp)
		case "delete":
			resp := r.errors("404", "409", "412")
			resp["204"] = &oaResponse{Description: "Deleted."}
			detailItem.Delete = op("delete", "Delete one "+n, nil, nil, resp)
		}
	}
	if !detailItem.empty() {
		p.paths[list+"{key}/"] = detailItem
	}

	// set/ and schema/.
	if slices.Contains(r.detailMethods, "get") {
		resp := r.errors("400")
		found := typeSchema("object")
		found.Required = []string{"objects"}
		notFound := arrayOf(typeSchema("string"))
		notFound.Description = "The keys asked for that match no object; absent when every key matched (as Tastypie)."
		found.Properties = map[string]*oaSchema{"objects": objs, "not_found": notFound}
		resp["200"] = jsonResponse("The objects found, and the keys not found.", r.styleEnvelope(found))
		r.readStatuses(resp)
		p.paths[list+"set/{keys}/"] = &oaPathItem{Get: op("read_set", "Read several "+n+" objects by key", append([]*oaParameter{
			{Name: "keys", In: "path", Required: true, Description: "Keys separated by ';': 1;2;3.", Schema: typeSchema("string")},
			fieldsParam(), r.depthParam(),
		}, r.ownParams(true)...), nil, resp)}
	}
	resp := r.errors()
	resp["200"] = jsonResponse("Tastypie's schema of the resource.", typeSchema("object"))
	r.readStatuses(resp)
	p.paths[list+"schema/"] = &oaPathItem{Get: op("schema", "The schema of "+n+" (Tastypie's /schema/)", nil, nil, resp)}

	// To-many relations, listed under an object: read with the listed resource's parameters, errors
	// and credentials.
	for _, rel := range sortedKeys(r.Binding.SubLists) {
		target := r.API.resources[r.Binding.SubLists[rel].Resource]
		if target == nil {
			continue
		}
		resp := target.errors("400", "404")
		resp["200"] = listAnswer("A page of the related "+target.Name+" objects (or, with format=csv, the rows as CSV).", target.Name)
		target.readStatuses(resp)
		o := op("list_"+rel+"_of", "List the "+rel+" of one "+n+" ("+target.Name+" objects, with their filters, ordering and pages)",
			target.styleListParams(false), nil, resp)
		o.Security = target.securityRequirements(p.security, true)
		p.subPaths[list+"{key}/"+rel+"/"] = subPath{target.Name, &oaPathItem{Parameters: []*oaParameter{keyParam}, Get: o}}
	}
	r.endpointPaths(p, keyParam, security, readSecurity)
	return p
}

// readOperations are the operation ids (before the resource's name) of reads: GET requests.
var readOperations = map[string]bool{"list": true, "read": true, "read_set": true, "schema": true}

// writeResponse is a write's answer: the object, or nothing with Meta.QuietWrites.
func (r *Bound) writeResponse(desc string, schema *oaSchema) *oaResponse {
	if r.Meta.QuietWrites {
		return &oaResponse{Description: strings.SplitN(desc, ":", 2)[0] + "."}
	}
	return jsonResponse(desc, schema)
}

// requestBody is a write's body: JSON, and the form media types with Meta.FormBodies.
func (r *Bound) requestBody(schema *oaSchema, required []string) *oaRequestBody {
	body := jsonBody(schema)
	if r.Meta.FormBodies {
		form := typeSchema("object")
		form.Description = "Each form field sets the field of its name (empty is null for a field that is not text); in multipart, a file part sets its field to the file's content as text."
		form.Required = required
		form.Properties = map[string]*oaSchema{}
		for _, f := range r.Binding.Fields {
			if f.ReadOnly {
				continue
			}
			s := typeSchema("string")
			s.Description = f.HelpText
			if f.Many {
				s.Description += " In a form: the keys separated by commas (1,3), or [] for none."
			}
			form.Properties[f.Name] = s
		}
		body.Content[formURLEncoded] = &oaMediaType{Schema: form}
		body.Content[formMultipart] = &oaMediaType{Schema: form}
	}
	return body
}

// jsonBody is a required JSON body of the schema.
func jsonBody(schema *oaSchema) *oaRequestBody {
	return &oaRequestBody{Required: true, Content: map[string]*oaMediaType{"application/json": {Schema: schema}}}
}

// jsonResponse is an answer with a JSON body of the schema.
func jsonResponse(desc string, schema *oaSchema) *oaResponse {
	return &oaResponse{Description: desc, Content: map[string]*oaMediaType{"application/json": {Schema: schema}}}
}

// objectsEnvelope is {objects: [...]}, the answer to an array body.
func objectsEnvelope(objs *oaSchema) *oaSchema {
	s := typeSchema("object")
	s.Required = []string{"objects"}
	s.Properties = map[string]*oaSchema{"objects": objs}
	return s
}

// errors are the error responses of an operation: the statuses given, 401 and 403 when the resource
// has an authentication and an authorization that can refuse, 429 when it is throttled, 503 always,
// and any other error (500...) as the default.
func (r *Bound) errors(statuses ...string) map[string]*oaResponse {
	out := map[string]*oaResponse{
		"503":     responseRef("DatabaseUnavailable"),
		"default": responseRef("Error"),
	}
	if _, anon := r.authn.(Anonymous); !anon {
		out["401"] = responseRef("NotAuthenticated")
	}
	if _, all := r.authz.(AllowAll); !all {
		out["403"] = responseRef("Forbidden")
	}
	if r.throttle != nil {
		out["429"] = responseRef("Throttled")
	}
	for _, s := range statuses {
		out[s] = responseRef(errorResponseNames[s])
	}
	return out
}

// listAnswer is a list GET's 200: the page as JSON, or the rows as CSV (format=csv, Accept: text/csv).
func listAnswer(desc, name string) *oaResponse {
	return &oaResponse{Description: desc, Content: map[string]*oaMediaType{
		"application/json": {Schema: schemaRef(name + "_list")},
		"text/csv":         {Schema: typeSchema("string")},
	}}
}

// readStatuses adds what every GET may answer: 304 when If-None-Match names the answer's ETag, 406
// for a format= the operation does not offer.
func (r *Bound) readStatuses(resp map[string]*oaResponse) {
	resp["304"] = responseRef(errorResponseNames["304"])
	resp["406"] = responseRef(errorResponseNames["406"])
}
