package resource

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"time"
)

// How custom endpoints are described: in /schema/ (under "endpoints") and in the OpenAPI document
// (a path per endpoint, tagged with the resource, its body and answer typed from Endpoint.Request and
// Endpoint.Response).

// schemaExtra is Binding.SchemaExtra with the endpoints added, for /schema/.
func (r *Bound) schemaExtra() map[string]any {
	if len(r.endpoints) == 0 {
		return r.Binding.SchemaExtra
	}
	out := maps.Clone(r.Binding.SchemaExtra)
	if out == nil {
		out = map[string]any{}
	}
	eps := make(map[string]any, len(r.endpoints))
	for _, ep := range r.endpoints {
		methods := make([]any, len(ep.Methods))
		for i, m := range ep.Methods {
			methods[i] = strings.ToLower(m)
		}
		eps[ep.Name] = map[string]any{"url": r.endpointPath(ep, "<key>"), "methods": methods, "detail": ep.Detail, "summary": ep.Summary}
	}
	out["endpoints"] = eps
	return out
}

// endpointPath is the endpoint's path, with key standing for the object's key.
func (r *Bound) endpointPath(ep Endpoint, key string) string {
	if ep.Detail {
		return r.ListURI() + key + "/" + ep.Name + "/"
	}
	return r.ListURI() + ep.Name + "/"
}

// endpointPaths adds each endpoint's path to the resource's part of the OpenAPI document.
func (r *Bound) endpointPaths(p openAPIPart, keyParam *oaParameter, security, readSecurity []oaSecurityRequirement) {
	for _, ep := range r.endpoints {
		item := &oaPathItem{}
		if ep.Detail {
			item.Parameters = []*oaParameter{keyParam}
		}
		for _, m := range ep.Methods {
			resp := r.errors("400")
			if ep.Detail {
				resp["404"] = responseRef(errorResponseNames["404"])
			}
			answer := &oaSchema{}
			if ep.Response != nil {
				answer = goSchema(reflect.TypeOf(ep.Response))
			}
			resp["200"] = jsonResponse(ep.Summary, answer)
			if isRead(m) {
				r.readStatuses(resp)
			}
			o := &oaOperation{OperationID: ep.Name + "_" + strings.ToLower(m) + "_" + r.Name, Summary: ep.Summary,
				Tags: []string{r.Name}, Responses: resp, Security: security}
			if isRead(m) && readSecurity != nil {
				o.Security = readSecurity
			}
			if m == "POST" || m == "PUT" || m == "PATCH" {
				body := typeSchema("object")
				if ep.Request != nil {
					body = goSchema(reflect.TypeOf(ep.Request))
				}
				o.RequestBody = jsonBody(body)
				resp["413"], resp["415"] = responseRef(errorResponseNames["413"]), responseRef(errorResponseNames["415"])
			}
			switch m {
			case "GET":
				item.Get = o
			case "POST":
				item.Post = o
			case "PUT":
				item.Put = o
			case "PATCH":
				item.Patch = o
			case "DELETE":
				item.Delete = o
			}
		}
		p.paths[r.endpointPath(ep, "{key}")] = item
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// goSchema is the JSON Schema of the JSON encoding/json writes for values of t.
func goSchema(t reflect.Type) *oaSchema {
	switch {
	case t == timeType:
		s := typeSchema("string")
		s.Format = "date-time"
		return s
	case t == rawType:
		return &oaSchema{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := goSchema(t.Elem())
		if len(s.Type) > 0 {
			s.Type = append(s.Type, "null")
		}
		return s
	case reflect.String:
		return typeSchema("string")
	case reflect.Bool:
		return typeSchema("boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return typeSchema("integer")
	case reflect.Float32, reflect.Float64:
		return typeSchema("number")
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return typeSchema("string")
		}
		s := arrayOf(goSchema(t.Elem()))
		if t.Kind() == reflect.Slice {
			s.Type = oaTypes{"array", "null"}
		}
		return s
	case reflect.Map:
		s := typeSchema("object")
		s.AdditionalProperties = goSchema(t.Elem())
		return s
	case reflect.Struct:
		s := typeSchema("object")
		s.Properties = map[string]*oaSchema{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			s.Properties[name] = goSchema(f.Type)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				s.Required = append(s.Required, name)
			}
		}
		return s
	}
	return &oaSchema{}
}
