package resource

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// The documentation page, <prefix>docs/: the OpenAPI document rendered for people by html/template
// from templates/docs.html, on the server, with no script and nothing fetched from elsewhere. It shows
// the resources the OpenAPI document would show the same request (or all of them with
// Config.PublicDocs).

//go:embed templates/docs.html
var docsHTML string

// docsTemplate renders a docsPage.
var docsTemplate = template.Must(template.New("docs").Parse(docsHTML))

// docsCSP is the docs page's Content-Security-Policy: its own inline style, nothing else.
const docsCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsPage is what the template shows.
type docsPage struct {
	Title, Version, Description string
	OpenAPIURL                  string
	Schemes                     []docsScheme
	Resources                   []docsResource
}

// docsScheme is a way to authenticate.
type docsScheme struct{ Name, Description string }

// docsResource is one resource: its operations, fields and an example object.
type docsResource struct {
	Name, Description string
	Operations        []docsOperation
	Fields            []docsField
	Example           string
}

// docsOperation is one method on one path.
type docsOperation struct {
	ID, Method, Path, Summary string
	Params                    []docsParam
	Body                      string
	Statuses                  []string
	Curl                      string
}

// docsParam is a query or path parameter.
type docsParam struct {
	Name, In, Type, Description string
	Required                    bool
}

// docsField is one field of an object.
type docsField struct {
	Name, Type, Description, Limits string
	Required, ReadOnly              bool
}

// htmlPage is a Response body written as it is, with its media type (writeResponse).
type htmlPage []byte

// serveDocs answers GET <prefix>docs/.
func (a *API) serveDocs(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, apierror.New(apierror.MethodNotAllowed, "%s is not allowed on the documentation. Allowed: GET.", r.Method).
			With("allowed", []string{http.MethodGet})
	}
	names, err := a.documented(ctx, w, r, rid)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, a.docsPage(a.openapi.assemble(a.prefix, names))); err != nil {
		return nil, fmt.Errorf("resource: rendering the docs page: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("Cache-Control", "no-store")
	return &Response{Status: http.StatusOK, Body: htmlPage(buf.Bytes()), Header: h}, nil
}

// docsPage is the page describing doc.
func (a *API) docsPage(doc *oaDocument) docsPage {
	p := docsPage{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description, OpenAPIURL: a.prefix + "openapi.json"}
	for _, name := range sortedKeys(doc.Components.SecuritySchemes) {
		p.Schemes = append(p.Schemes, docsScheme{name, doc.Components.SecuritySchemes[name].Description})
	}
	byTag := map[string]*docsResource{}
	for _, t := range doc.Tags {
		res := &docsResource{Name: t.Name, Description: t.Description}
		if s := doc.Components.Schemas[t.Name]; s != nil {
			res.Fields = docsFields(s)
			res.Example = exampleJSON(doc, s)
		}
		byTag[t.Name] = res
	}
	for _, path := range sortedKeys(doc.Paths) {
		item := doc.Paths[path]
		for _, m := range []struct {
			method string
			op     *oaOperation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if m.op == nil || len(m.op.Tags) == 0 || byTag[m.op.Tags[0]] == nil {
				continue
			}
			res := byTag[m.op.Tags[0]]
			o := docsOperation{ID: m.op.OperationID, Method: m.method, Path: path, Summary: m.op.Summary,
				Statuses: sortedKeys(m.op.Responses)}
			for _, prm := range append(slices.Clone(item.Parameters), m.op.Parameters...) {
				o.Params = append(o.Params, docsParam{Name: prm.Name, In: prm.In, Type: schemaType(doc, prm.Schema),
					Description: prm.Description, Required: prm.Required})
			}
			if m.op.RequestBody != nil {
				for _, mt := range sortedKeys(m.op.RequestBody.Content) {
					o.Body += mt + " "
				}
				o.Body = strings.TrimSpace(o.Body)
			}
			o.Curl = curlExample(m.method, strings.ReplaceAll(strings.ReplaceAll(path, "{key}", "1"), "{keys}", "1;2"), m.op.Security)
			res.Operations = append(res.Operations, o)
		}
	}
	for _, t := range doc.Tags {
		p.Resources = append(p.Resources, *byTag[t.Name])
	}
	return p
}

// docsFields are an object schema's properties, sorted by name.
func docsFields(s *oaSchema) []docsField {
	var out []docsField
	for _, name := range sortedKeys(s.Properties) {
		ps := s.Properties[name]
		f := docsField{Name: name, Type: schemaType(nil, ps), Description: ps.Description, ReadOnly: ps.ReadOnly,
			Required: slices.Contains(s.Required, name)}
		var limits []string
		if ps.Minimum != nil {
			limits = append(limits, fmt.Sprintf("≥ %v", *ps.Minimum))
		}
		if ps.Maximum != nil {
			limits = append(limits, fmt.Sprintf("≤ %v", *ps.Maximum))
		}
		if ps.MaxLength > 0 {
			limits = append(limits, fmt.Sprintf("at most %d characters", ps.MaxLength))
		}
		if len(ps.Enum) > 0 {
			var vs []string
			for _, v := range ps.Enum {
				b, _ := json.Marshal(v)
				vs = append(vs, string(b))
			}
			limits = append(limits, "one of "+strings.Join(vs, ", "))
		}
		f.Limits = strings.Join(limits, "; ")
		out = append(out, f)
	}
	return out
}

// schemaType is a short name for a schema's type: integer, string (date), integer | null, array of
// X, a referenced schema's name.
func schemaType(doc *oaDocument, s *oaSchema) string {
	switch {
	case s == nil:
		return ""
	case s.Ref != "":
		return strings.TrimPrefix(s.Ref, "#/components/schemas/")
	case len(s.OneOf) > 0:
		var parts []string
		for _, o := range s.OneOf {
			parts = append(parts, schemaType(doc, o))
		}
		return strings.Join(parts, " | ")
	case len(s.AllOf) == 1:
		return schemaType(doc, s.AllOf[0])
	case len(s.Type) == 0:
		return "any"
	}
	var parts []string
	for _, t := range s.Type {
		if t == "array" && s.Items != nil {
			t = "array of " + schemaType(doc, s.Items)
		} else if t == "string" && s.Format != "" {
			t = "string (" + s.Format + ")"
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " | ")
}

// exampleJSON is an example of an object of the schema, indented.
func exampleJSON(doc *oaDocument, s *oaSchema) string {
	b, err := json.MarshalIndent(exampleValue(doc, s, 0), "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// exampleValue is a plausible value of the schema: the first choice, the minimum, 1, "2026-01-31"...
// A related object's $ref stands as its key (1) below the first level.
func exampleValue(doc *oaDocument, s *oaSchema, depth int) any {
	if s == nil {
		return nil
	}
	if s.Ref != "" {
		target := doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		if target == nil || depth > 0 {
			return 1
		}
		return exampleValue(doc, target, depth+1)
	}
	if len(s.OneOf) > 0 {
		return exampleValue(doc, s.OneOf[0], depth)
	}
	if len(s.AllOf) > 0 {
		return exampleValue(doc, s.AllOf[0], depth)
	}
	for _, e := range s.Enum {
		if e != nil {
			return e
		}
	}
	if s.Const != nil {
		return s.Const
	}
	if len(s.Type) == 0 {
		return map[string]any{}
	}
	switch s.Type[0] {
	case "integer":
		if s.Minimum != nil {
			return int64(*s.Minimum)
		}
		return 1
	case "number":
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1.5
	case "boolean":
		return true
	case "array":
		if depth > 0 {
			return []any{}
		}
		return []any{exampleValue(doc, s.Items, depth+1)}
	case "object":
		if depth > 1 {
			return nil
		}
		out := map[string]any{}
		for name, p := range s.Properties {
			if strings.HasPrefix(p.Description, "The related ") && p.Ref == "" && len(p.OneOf) == 0 {
				continue
			}
			out[name] = exampleValue(doc, p, depth+1)
		}
		return out
	case "null":
		return nil
	}
	switch s.Format {
	case "date":
		return "2026-01-31"
	case "date-time":
		return "2026-01-31T12:00:00Z"
	}
	return "text"
}

// curlExample is a command line sending the operation, with the credentials its security names.
func curlExample(method, path string, security []oaSecurityRequirement) string {
	var b strings.Builder
	b.WriteString("curl")
	if method != http.MethodGet {
		b.WriteString(" -X " + method)
	}
	if len(security) > 0 {
		for name := range security[0] {
			switch name {
			case "ApiKey":
				b.WriteString(` -H "Authorization: ApiKey $USER:$KEY"`)
			case "Bearer":
				b.WriteString(` -H "Authorization: Bearer $KEY"`)
			case "Basic":
				b.WriteString(` -u "$USER:$PASSWORD"`)
			}
		}
	}
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		b.WriteString(` -H "Content-Type: application/json" -d @body.json`)
	}
	b.WriteString(" \"$HOST" + path + "\"")
	return b.String()
}
