package resource

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
)

// TestBodyLimits: the object cap (default, Config, Meta), the values cap and the depth cap, each
// answered before the rest of the body is decoded.
func TestBodyLimits(t *testing.T) {
	objects := func(n int) string { return "[" + strings.Repeat("{},", n-1) + "{}]" }
	nested := func(n int) string { return `{"a": ` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}" }
	api := func(objects, values int) *API { return &API{maxBodyObjects: objects, maxBodyValues: values} }
	tests := []struct {
		name    string
		api     *API
		meta    Meta
		body    string
		items   int
		code    apierror.Code
		message string
		details map[string]any
	}{
		{name: "10,000 objects", body: objects(10000), items: 10000},
		{name: "10,001 objects", body: objects(10001), code: apierror.BodyTooLarge,
			message: "The body holds more than 10000 objects; send at most 10000 in one request.", details: map[string]any{"max_objects": 10000}},
		{name: "10,001 objects, the rest not JSON", body: objects(10001) + "garbage", code: apierror.BodyTooLarge, details: map[string]any{"max_objects": 10000}},
		{name: "Config.MaxBodyObjects", api: api(3, 0), body: objects(4), code: apierror.BodyTooLarge, details: map[string]any{"max_objects": 3}},
		{name: "Meta.MaxBodyObjects wins", api: api(3, 0), meta: Meta{MaxBodyObjects: 5}, body: objects(5), items: 5},
		{name: "Meta.MaxBodyObjects caps", meta: Meta{MaxBodyObjects: 2}, body: objects(3), code: apierror.BodyTooLarge, details: map[string]any{"max_objects": 2}},
		{name: "values: a dense array", api: api(0, 1000), body: `{"a": [` + strings.Repeat("1,", 1000) + "1]}", code: apierror.BodyTooLarge,
			message: "The body holds more than 1000 JSON values and keys; send less in one request.", details: map[string]any{"max_values": 1000}},
		{name: "values: keys count", api: api(0, 11), body: `{"a": 1, "b": 2, "c": 3, "d": 4, "e": [1, 2]}`, code: apierror.BodyTooLarge,
			details: map[string]any{"max_values": 11}},
		{name: "values: within", api: api(0, 12), body: `{"a": 1, "b": 2, "c": 3, "d": 4, "e": [1, 2]}`},
		{name: "values: commas and brackets in strings do not count", api: api(0, 4), body: `{"a": "[,:{,]}\",[\\", "b": 1}`},
		{name: "100 levels", body: nested(MaxBodyDepth)},
		{name: "101 levels", body: nested(MaxBodyDepth + 1), code: apierror.MalformedBody,
			message: "The body nests arrays and objects more than 100 levels deep.", details: map[string]any{"max_depth": MaxBodyDepth}},
		{name: "100,000 levels", body: strings.Repeat("[", 100000) + strings.Repeat("]", 100000), code: apierror.MalformedBody,
			details: map[string]any{"max_depth": MaxBodyDepth}},
		{name: "100,000 levels, not closed", body: `{"a":` + strings.Repeat("[", 100000), code: apierror.MalformedBody,
			details: map[string]any{"max_depth": MaxBodyDepth}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.api
			if a == nil {
				a = &API{}
			}
			meta := tc.meta
			b := &Bundle{Method: http.MethodPost, Kind: KindList, Resource: &Bound{Meta: &meta, API: a}}
			start := time.Now()
			err := DecodeJSONBody([]byte(tc.body), b)
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %v", took)
			}
			code, message, details := errParts(err)
			if code != tc.code || (tc.message != "" && message != tc.message) {
				t.Fatalf("error %s %q, want %s %q", code, message, tc.code, tc.message)
			}
			if !reflect.DeepEqual(details, tc.details) {
				t.Errorf("details %v, want %v", details, tc.details)
			}
			if err == nil && len(b.Items) != tc.items {
				t.Errorf("%d items, want %d", len(b.Items), tc.items)
			}
			if err != nil && (b.Items != nil || b.Data != nil) {
				t.Errorf("refused, but the bundle was filled")
			}
		})
	}
}

// brokenBody fails as a connection does, its error naming the addresses.
type brokenBody struct{ sent io.Reader }

func (b brokenBody) Read(p []byte) (int, error) {
	if n, _ := b.sent.Read(p); n > 0 {
		return n, nil
	}
	return 0, errors.New("read tcp 127.0.0.1:8000->127.0.0.1:53422: i/o timeout")
}

// TestBodyReadErrorsNameNoAddress: a body that cannot be read is answered without the error's text.
func TestBodyReadErrorsNameNoAddress(t *testing.T) {
	for _, body := range []string{`{"a": `, `[{}, `, ``} {
		b := &Bundle{Method: http.MethodPost, Kind: KindList}
		code, message, _ := errParts(decodeJSON(brokenBody{strings.NewReader(body)}, b))
		want := "The request body could not be read: the connection failed or the body ended early."
		if code != apierror.MalformedBody || message != want {
			t.Errorf("%q: %s %q, want MALFORMED_BODY %q", body, code, message, want)
		}
	}
	err := decodeForm(brokenBody{strings.NewReader("name=a")}, formURLEncoded, nil, &Bundle{Method: http.MethodPost, Kind: KindList})
	if _, message, _ := errParts(err); strings.Contains(message, "127.0.0.1") || !strings.Contains(message, "could not be read") {
		t.Errorf("form: %q", message)
	}
}
