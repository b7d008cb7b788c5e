package resource

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
)

// errParts is an error's code, message and details; a nil error is all zero, and an error that is not
// an *apierror.Error has the code "not an apierror".
func errParts(err error) (apierror.Code, string, map[string]any) {
	if err == nil {
		return "", "", nil
	}
	e := apierror.As(err)
	if e == nil {
		return "not an apierror", err.Error(), nil
	}
	return e.Code, e.Message, e.Details
}

func TestDecodeJSONBody(t *testing.T) {
	type give struct {
		method string
		kind   Kind
		body   string
	}
	type want struct {
		data    map[string]any
		items   []map[string]any
		code    apierror.Code
		message string
		details map[string]any
	}
	const (
		notObject   = "The body must be a JSON object (or, for POST on a list, an array of objects)."
		arrayOnly   = "An array body is accepted only by POST on a list; send a JSON object."
		emptyBody   = "The body is empty; send a JSON object."
		twoValues   = "The body holds more than one JSON value."
		emptyArray  = "The array is empty; send at least one object."
		malformed   = apierror.MalformedBody
		postList    = http.MethodPost
		patchDetail = http.MethodPatch
	)
	tests := []struct {
		name string
		give give
		want want
	}{
		// Objects, on every method and kind.
		{name: "object on POST list", give: give{postList, KindList, `{"name": "Zola", "active": true, "born": null}`},
			want: want{data: map[string]any{"name": "Zola", "active": true, "born": nil}}},
		{name: "object on PUT detail", give: give{http.MethodPut, KindDetail, `{"name": "Zola"}`},
			want: want{data: map[string]any{"name": "Zola"}}},
		{name: "object on PATCH detail", give: give{patchDetail, KindDetail, `{}`},
			want: want{data: map[string]any{}}},
		{name: "object on PATCH list", give: give{patchDetail, KindList, `{"objects": [{"id": 1}], "deleted_objects": []}`},
			want: want{data: map[string]any{"objects": []any{map[string]any{"id": json.Number("1")}}, "deleted_objects": []any{}}}},
		{name: "numbers are json.Number", give: give{postList, KindList, `{"i": 1, "f": 1.50, "e": -2.5e-3, "big": 123456789012345678901234567890, "huge": 1e400, "in": [0, {"x": 7}]}`},
			want: want{data: map[string]any{"i": json.Number("1"), "f": json.Number("1.50"), "e": json.Number("-2.5e-3"),
				"big": json.Number("123456789012345678901234567890"), "huge": json.Number("1e400"),
				"in": []any{json.Number("0"), map[string]any{"x": json.Number("7")}}}}},
		{name: "surrounding white space", give: give{postList, KindList, " \n\t{\"a\": \"b\"}\r\n "},
			want: want{data: map[string]any{"a": "b"}}},
		{name: "the last of duplicate keys", give: give{postList, KindList, `{"a": 1, "a": 2}`},
			want: want{data: map[string]any{"a": json.Number("2")}}},
		{name: "escapes and non-ASCII", give: give{postList, KindList, `{"name": "\u00c9mile \"Z\"\n", "é": "日本"}`},
			want: want{data: map[string]any{"name": "Émile \"Z\"\n", "é": "日本"}}},

		// Arrays: only POST on a list, not empty, objects only.
		{name: "array on POST list", give: give{postList, KindList, `[{"name": "A"}, {"name": "B", "n": 2}]`},
			want: want{items: []map[string]any{{"name": "A"}, {"name": "B", "n": json.Number("2")}}}},
		{name: "array of one empty object", give: give{postList, KindList, `[{}]`},
			want: want{items: []map[string]any{{}}}},
		{name: "array on POST detail", give: give{postList, KindDetail, `[{"name": "A"}]`},
			want: want{code: malformed, message: arrayOnly}},
		{name: "array on PUT detail", give: give{http.MethodPut, KindDetail, `[{"name": "A"}]`},
			want: want{code: malformed, message: arrayOnly}},
		{name: "array on PUT list", give: give{http.MethodPut, KindList, `[{"name": "A"}]`},
			want: want{code: malformed, message: arrayOnly}},
		{name: "array on PATCH list", give: give{patchDetail, KindList, `[{"name": "A"}]`},
			want: want{code: malformed, message: arrayOnly}},
		{name: "array on POST set", give: give{postList, KindSet, `[{"name": "A"}]`},
			want: want{code: malformed, message: arrayOnly}},
		{name: "empty array on PATCH detail", give: give{patchDetail, KindDetail, `[]`},
			want: want{code: malformed, message: arrayOnly}},
		{name: "empty array on POST list", give: give{postList, KindList, `[]`},
			want: want{code: malformed, message: emptyArray}},
		{name: "array of numbers", give: give{postList, KindList, `[1, 2]`},
			want: want{code: malformed, message: "Item 0 of the array is not a JSON object.", details: map[string]any{"index": 0}}},
		{name: "array with a string after objects", give: give{postList, KindList, `[{"a": 1}, {}, "x"]`},
			want: want{code: malformed, message: "Item 2 of the array is not a JSON object.", details: map[string]any{"index": 2}}},
		{name: "array with a null", give: give{postList, KindList, `[{}, null]`},
			want: want{code: malformed, message: "Item 1 of the array is not a JSON object.", details: map[string]any{"index": 1}}},
		{name: "array of arrays", give: give{postList, KindList, `[[{}]]`},
			want: want{code: malformed, message: "Item 0 of the array is not a JSON object.", details: map[string]any{"index": 0}}},

		// Scalars.
		{name: "number", give: give{postList, KindList, `42`}, want: want{code: malformed, message: notObject}},
		{name: "string", give: give{patchDetail, KindDetail, `"name"`}, want: want{code: malformed, message: notObject}},
		{name: "boolean", give: give{http.MethodPut, KindDetail, `true`}, want: want{code: malformed, message: notObject}},
		{name: "null", give: give{http.MethodPut, KindDetail, `null`}, want: want{code: malformed, message: notObject}},

		// Empty bodies.
		{name: "empty", give: give{postList, KindList, ``}, want: want{code: malformed, message: emptyBody}},
		{name: "only white space", give: give{patchDetail, KindDetail, " \r\n\t"}, want: want{code: malformed, message: emptyBody}},

		// More than one value, or something after the value.
		{name: "two objects", give: give{postList, KindList, `{"name": "A"} {"name": "B"}`}, want: want{code: malformed, message: twoValues}},
		{name: "two objects on two lines", give: give{postList, KindList, "{}\n{}\n"}, want: want{code: malformed, message: twoValues}},
		{name: "an object then an array", give: give{postList, KindList, `{}[]`}, want: want{code: malformed, message: twoValues}},
		{name: "two arrays", give: give{postList, KindList, `[{}] [{}]`}, want: want{code: malformed, message: twoValues}},
		{name: "an object then a number", give: give{postList, KindList, `{} 1`}, want: want{code: malformed, message: twoValues}},
		{name: "an object then garbage", give: give{postList, KindList, `{} x`}, want: want{code: malformed, message: twoValues}},
		{name: "a stray closing brace", give: give{postList, KindList, `{"a": 1}}`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character '}' after top-level value."}},
		{name: "a stray closing bracket", give: give{postList, KindList, `[{"a": 1}]]`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character ']' after top-level value."}},
		{name: "a stray bracket after white space", give: give{postList, KindList, "{} \n ]"},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character ']' after top-level value."}},

		// Not JSON.
		{name: "truncated", give: give{postList, KindList, `{"name": `}, want: want{code: malformed, message: "The body is not valid JSON: unexpected EOF."}},
		{name: "missing value", give: give{postList, KindList, `{"a":}`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character '}' looking for beginning of value."}},
		{name: "unquoted key", give: give{patchDetail, KindDetail, `{name: "x"}`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character 'n' looking for beginning of object key string."}},
		{name: "trailing comma", give: give{postList, KindList, `[{},]`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character ']' looking for beginning of value."}},
		{name: "single quotes", give: give{postList, KindList, `{'a': 1}`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character '\\'' looking for beginning of object key string."}},
		{name: "a form body", give: give{postList, KindList, `name=Zola`},
			want: want{code: malformed, message: "The body is not valid JSON: invalid character 'a' in literal null (expecting 'u')."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &Bundle{Method: tc.give.method, Kind: tc.give.kind}
			code, message, details := errParts(DecodeJSONBody([]byte(tc.give.body), b))
			if code != tc.want.code || message != tc.want.message {
				t.Errorf("error %s %q, want %s %q", code, message, tc.want.code, tc.want.message)
			}
			if !reflect.DeepEqual(details, tc.want.details) {
				t.Errorf("details %#v, want %#v", details, tc.want.details)
			}
			if !reflect.DeepEqual(b.Data, tc.want.data) {
				t.Errorf("Data %#v, want %#v", b.Data, tc.want.data)
			}
			if !reflect.DeepEqual(b.Items, tc.want.items) {
				t.Errorf("Items %#v, want %#v", b.Items, tc.want.items)
			}
		})
	}
}

// FuzzDecodeJSONBody checks that a body is accepted exactly when it is one valid JSON value that is an
// object, or, on POST to a list, a non-empty array of objects, nested at most MaxBodyDepth deep; and
// that a refusal is MALFORMED_BODY.
func FuzzDecodeJSONBody(f *testing.F) {
	deep := func(n int) string { return `{"a": ` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}" }
	for _, s := range []string{`{}`, `{"a": 1}`, `[{}]`, `[]`, `[1]`, `{}}`, `{} {}`, `{"a":}`, ``, ` `, `null`, `"x"`, "{}\n", `[{}]]`,
		deep(MaxBodyDepth), deep(MaxBodyDepth + 1), `{"a": "[[[[\"[[["}`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, postList bool) {
		b := &Bundle{Method: http.MethodPatch, Kind: KindDetail}
		if postList {
			b.Method, b.Kind = http.MethodPost, KindList
		}
		err := DecodeJSONBody([]byte(body), b)
		// json.Valid is the reference for "one valid JSON value"; the value is decoded with UseNumber only
		// to see its kind (json.Unmarshal would refuse 1e400, which a body may hold).
		valid := json.Valid([]byte(body))
		var v any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		_ = dec.Decode(&v)
		want := false
		switch x := v.(type) {
		case map[string]any:
			want = valid
		case []any:
			want = valid && postList && len(x) > 0
			for _, item := range x {
				_, isObject := item.(map[string]any)
				want = want && isObject
			}
		}
		want = want && jsonDepth(body) <= MaxBodyDepth
		if (err == nil) != want {
			t.Fatalf("DecodeJSONBody(%q, post list %v) = %v; want accepted %v", body, postList, err, want)
		}
		if code := apierror.CodeOf(err); err != nil && code != apierror.MalformedBody {
			t.Fatalf("DecodeJSONBody(%q) code %s", body, code)
		}
		if err != nil && (b.Data != nil || b.Items != nil) {
			t.Fatalf("DecodeJSONBody(%q) refused but filled the bundle: %#v %#v", body, b.Data, b.Items)
		}
	})
}

// jsonDepth is how deeply arrays and objects nest in a JSON text (as far as it is valid).
func jsonDepth(s string) int {
	dec := json.NewDecoder(strings.NewReader(s))
	depth, most := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return most
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			most = max(most, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}
