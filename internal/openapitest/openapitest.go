// Package openapitest checks OpenAPI documents in tests with github.com/pb33f/libopenapi and
// libopenapi-validator: that a document is valid OpenAPI 3.1, and that real requests and responses
// match it.
package openapitest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi/datamodel"
)

// Document is a parsed document, checked against the OpenAPI specification's own schema.
type Document struct {
	t testing.TB
	v validator.Validator
}

// Parse parses doc as OpenAPI 3.1, builds its model and validates it against the specification
// (every error fails the test).
func Parse(t testing.TB, doc []byte) *Document {
	t.Helper()
	// A relation's expanded object refers to the related schema, which may refer back (datapoint →
	// indicator → datapoints): such cycles go through a nullable anyOf or an array, which end, so
	// they are not errors.
	d, err := libopenapi.NewDocumentWithConfiguration(doc, &datamodel.DocumentConfiguration{
		IgnorePolymorphicCircularReferences: true,
		IgnoreArrayCircularReferences:       true,
	})
	if err != nil {
		t.Fatalf("libopenapi.NewDocument: %v", err)
	}
	if v := d.GetVersion(); v != "3.1.0" {
		t.Fatalf("OpenAPI version %q, want 3.1.0", v)
	}
	if _, err := d.BuildV3Model(); err != nil {
		t.Fatalf("BuildV3Model: %v", err)
	}
	v, errs := validator.NewValidator(d)
	for _, err := range errs {
		t.Errorf("NewValidator: %v", err)
	}
	if v == nil {
		t.FailNow()
	}
	if ok, errs := v.ValidateDocument(); !ok || len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("the document is not valid OpenAPI: %v", e)
		}
		t.FailNow()
	}
	return &Document{t: t, v: v}
}

// CheckResponse serves req with h and checks the response (status, media type, body) against the
// document, and, when the answer is a success, the request too (its parameters and body); it
// returns the recorded response.
func (d *Document) CheckResponse(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	d.t.Helper()
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			d.t.Fatal(err)
		}
	}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(body))
	reqOK, reqErrs := d.v.ValidateHttpRequestSync(check)
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code < 300 && (!reqOK || len(reqErrs) > 0) {
		for _, e := range reqErrs {
			d.t.Errorf("%s %s → %d: the request does not match the document: %v", req.Method, req.URL, rec.Code, e)
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := d.v.ValidateHttpResponse(req, rec.Result()); !ok || len(errs) > 0 {
		for _, e := range errs {
			d.t.Errorf("%s %s → %d: the response does not match the document: %v", req.Method, req.URL, rec.Code, e)
		}
		d.t.Logf("body: %.2000s", rec.Body.String())
	}
	return rec
}

// ResponseProblems validates a response to req against the document (its status's answer, media
// type and body) and returns each problem as a line, none when it matches. It does not fail the test,
// so that a caller sending many requests can gather and count the problems.
func (d *Document) ResponseProblems(req *http.Request, res *http.Response) []string {
	ok, errs := d.v.ValidateHttpResponse(req, res)
	if ok && len(errs) == 0 {
		return nil
	}
	var out []string
	for _, e := range errs {
		line := e.Message
		if e.Reason != "" {
			line += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			line += " [" + f.Error() + "]"
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		out = append(out, "the response does not match the document")
	}
	return out
}
