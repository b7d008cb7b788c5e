package resource

import "encoding/json"

// The OpenAPI 3.1 document as typed structures: only the objects and keywords the generated
// document uses, each field named as in the specification (https://spec.openapis.org/oas/v3.1.0)
// and encoded by encoding/json. Maps encode with their keys sorted, so the same resources always
// encode to the same bytes. A field left at its zero value is not written (omitempty), except
// where a comment says otherwise.

// oaDocument is the OpenAPI object, the document's root.
type oaDocument struct {
	OpenAPI           string                 `json:"openapi"`
	Info              oaInfo                 `json:"info"`
	JSONSchemaDialect string                 `json:"jsonSchemaDialect"`
	Tags              []oaTag                `json:"tags"` // written even when empty
	Paths             map[string]*oaPathItem `json:"paths"`
	Components        oaComponents           `json:"components"`
}

// oaInfo is the document's title, version and description.
type oaInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// oaTag groups operations: one per resource.
type oaTag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// oaComponents holds what operations refer to by $ref, and the security schemes.
type oaComponents struct {
	Schemas         map[string]*oaSchema         `json:"schemas"`
	Responses       map[string]*oaResponse       `json:"responses"`
	SecuritySchemes map[string]*oaSecurityScheme `json:"securitySchemes,omitempty"`
}

// oaPathItem is a path's operations, and the parameters they share.
type oaPathItem struct {
	Parameters []*oaParameter `json:"parameters,omitempty"`
	Get        *oaOperation   `json:"get,omitempty"`
	Put        *oaOperation   `json:"put,omitempty"`
	Post       *oaOperation   `json:"post,omitempty"`
	Patch      *oaOperation   `json:"patch,omitempty"`
	Delete     *oaOperation   `json:"delete,omitempty"`
}

// empty reports whether the path item has no operation.
func (p *oaPathItem) empty() bool {
	return p.Get == nil && p.Put == nil && p.Post == nil && p.Patch == nil && p.Delete == nil
}

// oaOperation is one method on one path.
type oaOperation struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary,omitempty"`
	Description string                 `json:"description,omitempty"`
	Tags        []string               `json:"tags,omitempty"`
	Parameters  []*oaParameter         `json:"parameters,omitempty"`
	RequestBody *oaRequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*oaResponse `json:"responses"`
	// Security is absent when the resource declares no scheme; an entry with no scheme (an empty
	// oaSecurityRequirement) means credentials are optional.
	Security []oaSecurityRequirement `json:"security,omitzero"`
}

// oaParameter is a query or path parameter.
type oaParameter struct {
	Name        string    `json:"name"`
	In          string    `json:"in"`
	Description string    `json:"description,omitempty"`
	Required    bool      `json:"required,omitempty"`
	Style       string    `json:"style,omitempty"`
	Explode     bool      `json:"explode,omitempty"`
	Schema      *oaSchema `json:"schema"`
}

// oaRequestBody is a write's body, by media type.
type oaRequestBody struct {
	Required bool                    `json:"required,omitempty"`
	Content  map[string]*oaMediaType `json:"content"`
}

// oaResponse is an answer: described here, or a reference to components.responses (Ref set, nothing
// else).
type oaResponse struct {
	Ref         string                  `json:"$ref,omitempty"`
	Description string                  `json:"description,omitempty"`
	Content     map[string]*oaMediaType `json:"content,omitempty"`
}

// oaMediaType is the schema of one media type of a body.
type oaMediaType struct {
	Schema *oaSchema `json:"schema"`
}

// oaSecurityScheme is a way to authenticate (components.securitySchemes).
type oaSecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme,omitempty"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// oaSecurityRequirement names the schemes an operation accepts, each with its (empty) scope list.
type oaSecurityRequirement map[string][]string

// oaSchema is a JSON Schema (draft 2020-12, the 3.1 dialect), with the keywords the document uses.
// The zero value is the empty schema {}: any value.
type oaSchema struct {
	Ref                  string               `json:"$ref,omitempty"`
	Type                 oaTypes              `json:"type,omitempty"`
	Format               string               `json:"format,omitempty"`
	Title                string               `json:"title,omitempty"`
	Description          string               `json:"description,omitempty"`
	ReadOnly             bool                 `json:"readOnly,omitempty"`
	Const                any                  `json:"const,omitempty"` // nil: no const; false is written
	Enum                 []any                `json:"enum,omitempty"`
	MaxLength            int                  `json:"maxLength,omitempty"`
	Minimum              *float64             `json:"minimum,omitempty"`
	Maximum              *float64             `json:"maximum,omitempty"`
	Required             []string             `json:"required,omitempty"`
	Properties           map[string]*oaSchema `json:"properties,omitempty"`
	AdditionalProperties *oaSchema            `json:"additionalProperties,omitempty"`
	Items                *oaSchema            `json:"items,omitempty"`
	MinItems             int                  `json:"minItems,omitempty"`
	OneOf                []*oaSchema          `json:"oneOf,omitempty"`
	AnyOf                []*oaSchema          `json:"anyOf,omitempty"`
	AllOf                []*oaSchema          `json:"allOf,omitempty"`
	Not                  *oaSchema            `json:"not,omitempty"`
}

// oaTypes is a schema's type: written as one name, or as a list when there are several
// (["string", "null"] for a nullable string).
type oaTypes []string

// MarshalJSON writes one type as a string, several as an array.
func (t oaTypes) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

// Schema constructors for the common cases.

// typeSchema is the schema of values of the given types.
func typeSchema(types ...string) *oaSchema { return &oaSchema{Type: types} }

// schemaRef refers to components.schemas.<name>.
func schemaRef(name string) *oaSchema { return &oaSchema{Ref: "#/components/schemas/" + name} }

// arrayOf is an array of items.
func arrayOf(items *oaSchema) *oaSchema { return &oaSchema{Type: oaTypes{"array"}, Items: items} }

// minZero is a minimum of 0.
func minZero() *float64 { z := 0.0; return &z }

// responseRef refers to components.responses.<name>.
func responseRef(name string) *oaResponse {
	return &oaResponse{Ref: "#/components/responses/" + name}
}
