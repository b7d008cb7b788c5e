package modelresource_test

import (
	"bytes"
	"database/sql"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Form bodies (API.md "Writing"): a resource with Meta.FormBodies takes
// application/x-www-form-urlencoded and multipart/form-data besides JSON, on both backends.

// formResources are the fixture's resources with FormBodies on.
func formResources() []resource.Resource {
	rs := fixtureResources()
	out := make([]resource.Resource, 0, len(rs))
	for _, r := range rs {
		meta := *r.Meta()
		meta.FormBodies = true
		out = append(out, modelresource.New(meta))
	}
	return out
}

// part is one part of a multipart body: a file when filename or contentType is set.
type part struct {
	name, filename, contentType, content string
}

// multipartBody encodes parts with a fixed boundary and returns the body and its Content-Type.
func multipartBody(t testing.TB, parts ...part) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary("tastygo-boundary"); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disp := `form-data; name="` + p.name + `"`
		if p.filename != "" {
			disp += `; filename="` + p.filename + `"`
		}
		h.Set("Content-Disposition", disp)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(p.content))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

const urlencoded = "application/x-www-form-urlencoded"

func TestWriteForm(t *testing.T) {
	bioFile, bioType := multipartBody(t,
		part{name: "name", content: "Colette"},
		part{name: "born", content: "1873-01-28"},
		part{name: "bio", filename: "bio.txt", contentType: "text/plain", content: "Née à Saint-Sauveur.\nRomancière."})
	patchBody, patchType := multipartBody(t, part{name: "rating", content: "4.5"}, part{name: "active", content: "false"})
	cases := []struct {
		name, method, path, body, contentType string
		status                                int
		want                                  string // fields of the answer
		row                                   string // a query that must count 1 afterwards
		counts                                [3]int64
	}{
		{name: "urlencoded POST of a book with every type", method: "POST", path: "/api/v1/book/", contentType: urlencoded,
			body:   "title=L%27Assommoir&author_id=1&published=1877-01-01&pages=576&genre=poetry&extra=%7B%22n%22%3A+2%7D",
			status: 201, want: `{"id": 6, "title": "L'Assommoir", "author_id": 1, "published": "1877-01-01", "pages": 576, "genre": "poetry", "extra": {"n": 2}}`,
			row: "SELECT count(*) FROM book WHERE id = 6 AND pages = 576 AND genre = 'poetry' AND author_id = 1", counts: [3]int64{2, 4, 6}},
		{name: "urlencoded POST: an empty value of a field that is not text is null", method: "POST", path: "/api/v1/author/", contentType: urlencoded + "; charset=utf-8",
			body:   "name=Anonyme&born=&rating=&bio=&active=0",
			status: 201, want: `{"id": 5, "name": "Anonyme", "born": null, "rating": null, "bio": "", "active": false}`,
			row: "SELECT count(*) FROM author WHERE id = 5 AND born IS NULL AND rating IS NULL AND bio = ''", counts: [3]int64{2, 5, 5}},
		{name: "multipart POST with a file part", method: "POST", path: "/api/v1/author/", contentType: bioType, body: bioFile,
			status: 201, want: `{"id": 5, "name": "Colette", "born": "1873-01-28", "bio": "Née à Saint-Sauveur.\nRomancière."}`,
			row: "SELECT count(*) FROM author WHERE id = 5 AND bio LIKE 'Née à Saint-Sauveur.%'", counts: [3]int64{2, 5, 5}},
		{name: "multipart PATCH of an object", method: "PATCH", path: "/api/v1/author/2/", contentType: patchType, body: patchBody,
			status: 202, want: `{"id": 2, "rating": 4.5, "active": false}`,
			row: "SELECT count(*) FROM author WHERE id = 2 AND rating = 4.5", counts: [3]int64{2, 4, 5}},
		{name: "urlencoded PUT of an object", method: "PUT", path: "/api/v1/publisher/2/", contentType: urlencoded,
			body: "name=Grasset&country=", status: 200, want: `{"id": 2, "name": "Grasset", "country": ""}`,
			row: "SELECT count(*) FROM publisher WHERE id = 2 AND name = 'Grasset'", counts: [3]int64{2, 4, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{}, formResources()...)
				r := c.send(tc.method, tc.path, tc.body, map[string]string{"Content-Type": tc.contentType})
				if r.status != tc.status {
					t.Fatalf("status %d, want %d; body %s", r.status, tc.status, r.raw)
				}
				sameAsGet(t, c, r.body)
				wantFields(t, r.body, tc.want)
				if n := c.count(tc.row); n != 1 {
					t.Errorf("%s: %d, want 1", tc.row, n)
				}
				c.counts(tc.counts[0], tc.counts[1], tc.counts[2])
			})
		})
	}
}

func TestWriteFormRejected(t *testing.T) {
	twice, twiceType := multipartBody(t, part{name: "name", content: "A"}, part{name: "name", content: "B"})
	binary, binaryType := multipartBody(t, part{name: "name", content: "A"}, part{name: "bio", filename: "x.bin", content: "\xff\xfe\x00"})
	noName, noNameType := multipartBody(t, part{name: "", content: "A"})
	big, bigType := multipartBody(t, part{name: "name", content: "A"}, part{name: "bio", filename: "bio.txt", content: strings.Repeat("a", 200)})
	cases := []rejected{
		{name: "a field given twice (urlencoded)", method: "POST", path: "/api/v1/author/", body: "name=A&name=B",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "MALFORMED_BODY", details: `{"field": "name"}`, message: `"name" more than once`},
		{name: "a field given twice (multipart)", method: "POST", path: "/api/v1/author/", body: twice,
			header: map[string]string{"Content-Type": twiceType}, status: 400, code: "MALFORMED_BODY", details: `{"field": "name"}`},
		{name: "a file that is not text", method: "POST", path: "/api/v1/author/", body: binary,
			header: map[string]string{"Content-Type": binaryType}, status: 400, code: "MALFORMED_BODY", details: `{"field": "bio"}`, message: "not UTF-8"},
		{name: "a part without a name", method: "POST", path: "/api/v1/author/", body: noName,
			header: map[string]string{"Content-Type": noNameType}, status: 400, code: "MALFORMED_BODY", message: "no form field name"},
		{name: "multipart without a boundary", method: "POST", path: "/api/v1/author/", body: twice,
			header: map[string]string{"Content-Type": "multipart/form-data"}, status: 400, code: "MALFORMED_BODY", message: "no boundary"},
		{name: "a cut multipart body", method: "POST", path: "/api/v1/author/", body: twice[:len(twice)/2],
			header: map[string]string{"Content-Type": twiceType}, status: 400, code: "MALFORMED_BODY", message: "could not be read"},
		{name: "a multipart body over the limit", method: "POST", path: "/api/v1/author/", body: big, cfg: resource.Config{MaxBodyBytes: 128},
			header: map[string]string{"Content-Type": bigType}, status: 413, code: "BODY_TOO_LARGE", details: `{"max_bytes": 128}`},
		{name: "a urlencoded body over the limit", method: "POST", path: "/api/v1/author/", body: "name=" + strings.Repeat("a", 200), cfg: resource.Config{MaxBodyBytes: 128},
			header: map[string]string{"Content-Type": urlencoded}, status: 413, code: "BODY_TOO_LARGE", details: `{"max_bytes": 128}`},
		{name: "a malformed urlencoded body", method: "POST", path: "/api/v1/author/", body: "name=%zz",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "MALFORMED_BODY", message: "cannot be read",
			details: `{"field": "name", "pair": "name=%zz"}`},
		{name: "a ';' in a urlencoded body", method: "POST", path: "/api/v1/author/", body: "name=A;bio=B",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "MALFORMED_BODY", message: "a ';' is not a separator",
			details: `{"field": "name", "pair": "name=A;bio=B"}`},
		{name: "text for an integer", method: "POST", path: "/api/v1/book/", body: "title=T&author_id=1&pages=many",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"pages": "\"many\" is not an integer"}}`},
		{name: "an unknown field", method: "POST", path: "/api/v1/publisher/", body: "name=P&city=Paris",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "VALIDATION_ERROR",
			details: `{"fields": {"city": "is not a field of publisher (fields: id, name, country)"}}`},
		{name: "a required field missing", method: "POST", path: "/api/v1/author/", body: "bio=x",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"name": "This field is required."}}`},
		{name: "a JSON field that is not JSON", method: "POST", path: "/api/v1/book/", body: "title=T&author_id=1&extra=%7Bn",
			header: map[string]string{"Content-Type": urlencoded}, status: 400, code: "MALFORMED_BODY", details: `{"field": "extra"}`},
		{name: "a form on a bulk PATCH of the list", method: "PATCH", path: "/api/v1/author/", body: "name=A",
			header: map[string]string{"Content-Type": urlencoded}, status: 415, code: "UNSUPPORTED_MEDIA_TYPE", details: `{"content_type": "application/x-www-form-urlencoded"}`},
		{name: "text/plain names the forms too", method: "POST", path: "/api/v1/author/", body: "name=A",
			header: map[string]string{"Content-Type": "text/plain"}, status: 415, code: "UNSUPPORTED_MEDIA_TYPE", details: `{"content_type": "text/plain"}`,
			message: "or a form (application/x-www-form-urlencoded or multipart/form-data)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, tc.cfg, formResources()...)
				before := c.snapshot()
				r := c.send(tc.method, tc.path, tc.body, tc.header)
				details := tc.details
				if details == "" {
					details = `{}`
				}
				wantError(t, r, tc.status, tc.code, details)
				if msg, _ := field(r.body, "error").(string); !strings.Contains(msg, tc.message) {
					t.Errorf("message %q does not contain %q", msg, tc.message)
				}
				if after := c.snapshot(); after != before {
					t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
				if r := c.send(http.MethodPost, "/api/v1/publisher/", "name=After", map[string]string{"Content-Type": urlencoded}); r.status != http.StatusCreated {
					t.Errorf("a form write after the failure: %d %s", r.status, r.raw)
				}
			})
		})
	}
}

// TestOptionsFormBodies: OPTIONS names the form media types among those parsed.
func TestOptionsFormBodies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{}, formResources()...)
		r := c.send(http.MethodOptions, "/api/v1/publisher/1/", "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
		jsonEqual(t, field(r.body, "parses"), `["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]`)
	})
}
