package resource

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
)

// The form media types a resource with Meta.FormBodies accepts besides JSON.
const (
	formURLEncoded = "application/x-www-form-urlencoded"
	formMultipart  = "multipart/form-data"
)

// Upload describes a file part of a multipart body. Its content is the value of its field in
// Bundle.Data, as text.
type Upload struct {
	// Filename is the name the client gave the file ("" when it gave none).
	Filename string
	// ContentType is the part's Content-Type ("" when it gave none).
	ContentType string
	// Size is the content's length in bytes.
	Size int
}

// decodeForm reads a form body (mt is its media type, params the media type's parameters) into
// b.Data, a field a form field: the value as text, converted by the field's type later as a JSON
// string would be; an empty value of a field that is not text is null; a JSON field's value is parsed
// as JSON. A multipart file part's content is its field's value (UTF-8 text) and is described in
// b.Uploads. A field given twice, a part without a name and a file that is not text are
// MALFORMED_BODY; the body's size is capped by body, a reader from http.MaxBytesReader.
func decodeForm(body io.Reader, mt string, params map[string]string, b *Bundle) error {
	if b.Kind != KindDetail && !(b.Kind == KindList && b.Method == http.MethodPost) {
		return apierror.New(apierror.UnsupportedMediaType, "A form body holds one object: it is accepted by POST on the list and PUT or PATCH on an object; send JSON here.").
			With("content_type", mt)
	}
	data := map[string]any{}
	set := func(name, value string) error {
		if _, dup := data[name]; dup {
			return apierror.New(apierror.MalformedBody, "The form gives the field %q more than once.", name).With("field", name)
		}
		v, err := formValue(b.Resource, name, value)
		if err != nil {
			return err
		}
		data[name] = v
		return nil
	}
	switch mt {
	case formURLEncoded:
		raw, err := io.ReadAll(body)
		if err != nil {
			return readError(err)
		}
		values, err := formText.parse(string(raw))
		if err != nil {
			return err
		}
		for name, vs := range values {
			if len(vs) > 1 {
				return apierror.New(apierror.MalformedBody, "The form gives the field %q more than once.", name).With("field", name)
			}
			if err := set(name, vs[0]); err != nil {
				return err
			}
		}
	case formMultipart:
		boundary := params["boundary"]
		if boundary == "" {
			return apierror.New(apierror.MalformedBody, "The multipart/form-data Content-Type has no boundary.")
		}
		mr := multipart.NewReader(body, boundary)
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return readError(err)
			}
			name := part.FormName()
			if name == "" {
				return apierror.New(apierror.MalformedBody, "A part of the multipart body has no form field name (Content-Disposition: form-data; name=...).")
			}
			content, err := io.ReadAll(part)
			if err != nil {
				return readError(err)
			}
			if part.FileName() != "" || part.Header.Get("Content-Type") != "" {
				if !utf8.Valid(content) {
					return apierror.New(apierror.MalformedBody, "The file given for %q is not UTF-8 text.", name).With("field", name)
				}
				if b.Uploads == nil {
					b.Uploads = map[string]Upload{}
				}
				b.Uploads[name] = Upload{Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Size: len(content)}
			}
			if err := set(name, string(content)); err != nil {
				return err
			}
		}
	}
	b.Data = data
	return nil
}

// formValue is the Data value of a form field: text, null for an empty value of a field that is not
// text, the parsed value of a JSON field, and an empty list for an empty many-to-many field.
func formValue(res *Bound, name, value string) (any, error) {
	var t field.Type = field.String
	many := false
	if res != nil && res.Binding != nil {
		for _, f := range res.Binding.Fields {
			if f.Name == name {
				t, many = f.Type, f.Many
				break
			}
		}
	}
	switch {
	case many && strings.TrimSpace(value) == "":
		return []any{}, nil // a list of keys left empty: no memberships
	case t == field.JSON:
		var v any
		dec := json.NewDecoder(strings.NewReader(value))
		dec.UseNumber() // as the JSON body decoder does
		if err := dec.Decode(&v); err != nil || dec.More() {
			if err == nil {
				err = errors.New("more than one value")
			}
			return nil, apierror.New(apierror.MalformedBody, "The form field %q is not JSON: %v.", name, err).With("field", name)
		}
		return v, nil
	case value == "" && t != field.String:
		return nil, nil
	}
	return value, nil
}

// parseMediaType is the body's media type and its parameters; "" when the request has no Content-Type.
func parseMediaType(ct string) (string, map[string]string, error) {
	if ct == "" {
		return "", nil, nil
	}
	return mime.ParseMediaType(ct)
}
