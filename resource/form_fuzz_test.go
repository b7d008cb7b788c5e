package resource

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
)

// fuzzMultipart is a multipart body with a fixed boundary: a field, a file, and a JSON field.
func fuzzMultipart(f *testing.F) string {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary("fuzzboundary"); err != nil {
		f.Fatal(err)
	}
	w.WriteField("name", "Colette")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="bio"; filename="bio.txt"`)
	h.Set("Content-Type", "text/plain")
	p, _ := w.CreatePart(h)
	p.Write([]byte("Née à Saint-Sauveur.\n"))
	w.WriteField("extra", `{"n": 2}`)
	w.Close()
	return buf.String()
}

// FuzzDecodeForm feeds arbitrary bodies and Content-Types through decodeBody, the entry point of
// every write's body, on a resource that takes forms (with a JSON field, extra, and an integer one,
// pages), as a POST on the list, a PATCH of an object and a bulk PATCH of the list. Invariants: no
// panic; a refusal is a 4xx in the error shape (413 for a body over the limit) and fills neither Data
// nor Items; an accepted urlencoded body is the fields of url.ParseQuery, each once.
func FuzzDecodeForm(f *testing.F) {
	mp := fuzzMultipart(f)
	const mpType = "multipart/form-data; boundary=fuzzboundary"
	for _, c := range []struct{ ct, body string }{
		{formURLEncoded, "title=L%27Assommoir&author_id=1&published=1877-01-01&pages=576&extra=%7B%22n%22%3A+2%7D"},
		{formURLEncoded, "name=Anonyme&born=&rating=&bio=&active=0"},
		{formURLEncoded, "name=A&name=B"},
		{formURLEncoded, "name=%zz"},
		{formURLEncoded, "a=1;b=2"},
		{formURLEncoded, "extra=%7Bn"},
		{formURLEncoded + "; charset=utf-8", "=x&pages="},
		{mpType, mp},
		{mpType, mp[:len(mp)/2]},
		{"multipart/form-data", mp},
		{`multipart/form-data; boundary="a b"`, "--a b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a b--\r\n"},
		{mpType, "--fuzzboundary\r\nContent-Disposition: form-data; name=\"bio\"; filename=\"x.bin\"\r\n\r\n\xff\xfe\x00\r\n--fuzzboundary--\r\n"},
		{mpType, "--fuzzboundary\r\nContent-Disposition: form-data\r\n\r\nA\r\n--fuzzboundary--\r\n"},
		{"application/json", `{"name": "x"}`},
		{"text/plain", "name=A"},
		{"multipart/mixed; boundary=x", ""},
		{"", ""},
		{";;", "x"},
	} {
		for kind := range uint8(3) {
			f.Add(c.ct, []byte(c.body), kind)
		}
	}
	res := &Bound{Name: "book", Meta: &Meta{FormBodies: true}, Binding: &Binding{Fields: []FieldSchema{
		{Name: "title", Type: field.String}, {Name: "pages", Type: field.Integer}, {Name: "extra", Type: field.JSON},
	}}}
	a := &API{maxBodyBytes: 4096}
	f.Fuzz(func(t *testing.T, contentType string, body []byte, kind uint8) {
		method, k := http.MethodPost, KindList
		switch kind % 3 {
		case 1:
			method, k = http.MethodPatch, KindDetail
		case 2:
			method = http.MethodPatch
		}
		req := httptest.NewRequest(method, "/api/v1/book/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		b := &Bundle{Resource: res, Method: method, Kind: k, Request: req}
		err := a.decodeBody(httptest.NewRecorder(), req, b)
		if err != nil {
			if errors.Is(err, errBodyTooLarge) {
				if len(body) <= int(a.maxBodyBytes) {
					t.Fatalf("%d bytes refused as too large", len(body))
				}
			} else if e := apierror.As(err); e == nil || apierror.Status(e.Code) < 400 || apierror.Status(e.Code) > 499 {
				t.Fatalf("decodeBody(%q, %q): %#v is not a 4xx", contentType, body, err)
			}
			if b.Data != nil || b.Items != nil {
				t.Fatalf("decodeBody(%q, %q) refused (%v) but filled the bundle: %#v %#v", contentType, body, err, b.Data, b.Items)
			}
			return
		}
		mt, _, _ := parseMediaType(contentType)
		if mt != formURLEncoded {
			return
		}
		values, perr := url.ParseQuery(string(body))
		if perr != nil || len(values) != len(b.Data) {
			t.Fatalf("urlencoded %q accepted as %#v; url.ParseQuery says %v, %v", body, b.Data, values, perr)
		}
		for name, vs := range values {
			if len(vs) != 1 {
				t.Fatalf("urlencoded %q accepted with %q given %d times", body, name, len(vs))
			}
			if s, isText := b.Data[name].(string); name != "extra" && vs[0] != "" && (!isText || s != vs[0]) {
				t.Fatalf("urlencoded %q: %q is %#v, want %q", body, name, b.Data[name], vs[0])
			}
		}
	})
}
