package modelresource_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// docsAPI is the OpenAPI fixture behind Basic authentication, its documentation public or not.
func docsAPI(t *testing.T, db *sql.DB, d dialect.Dialect, public bool) http.Handler {
	t.Helper()
	rs := openAPIResources()
	for _, r := range rs {
		r.Meta().Authentication = auth.Required{Authentication: auth.Chain{auth.Basic{}}}
	}
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, PublicDocs: public,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, rs...)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestDocsPage: <prefix>docs/ renders every resource's operations, parameters, fields and an
// example, as self-contained HTML; without credentials it is refused as openapi.json is, unless
// Config.PublicDocs serves both to anyone.
func TestDocsPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		private, public := docsAPI(t, db, d, false), docsAPI(t, db, d, true)
		get := func(h http.Handler, method, path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
			return rec
		}
		for _, tc := range []struct {
			name, method, path string
			h                  http.Handler
			status             int
			contentType, body  string
		}{
			{"private docs", "GET", "/api/v1/docs/", private, 401, "application/json; charset=utf-8",
				`{"code": "NOT_AUTHENTICATED", "details": {}, "error": "Authentication credentials were not provided.", "success": false}`},
			{"private openapi.json", "GET", "/api/v1/openapi.json", private, 401, "application/json; charset=utf-8",
				`{"code": "NOT_AUTHENTICATED", "details": {}, "error": "Authentication credentials were not provided.", "success": false}`},
			{"public: the resources stay private", "GET", "/api/v1/book/", public, 401, "application/json; charset=utf-8",
				`{"code": "NOT_AUTHENTICATED", "details": {}, "error": "Authentication credentials were not provided.", "success": false}`},
			{"public docs, HEAD", "HEAD", "/api/v1/docs/", public, 200, "text/html; charset=utf-8", ""},
			{"public docs, POST", "POST", "/api/v1/docs/", public, 405, "application/json; charset=utf-8",
				`{"code": "METHOD_NOT_ALLOWED", "details": {"allowed": ["GET"]}, "error": "POST is not allowed on the documentation. Allowed: GET.", "success": false}`},
		} {
			rec := get(tc.h, tc.method, tc.path)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.contentType || rec.Body.String() != tc.body {
				t.Errorf("%s: %d %q %s, want %d %q %s", tc.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body, tc.status, tc.contentType, tc.body)
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") != `Basic realm="tastygo"` {
				t.Errorf("%s: challenge %q", tc.name, rec.Header().Get("WWW-Authenticate"))
			}
		}
		doc := get(public, "GET", "/api/v1/openapi.json")
		if doc.Code != 200 || !strings.Contains(doc.Body.String(), `"/api/v1/book_ro/"`) {
			t.Errorf("public openapi.json: %d %.200s", doc.Code, doc.Body)
		}

		rec := get(public, "GET", "/api/v1/docs/")
		page := rec.Body.String()
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" ||
			rec.Header().Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" {
			t.Fatalf("docs: %d %v", rec.Code, rec.Header())
		}
		// Self-contained: nothing loaded from anywhere, no script.
		for _, bad := range []string{"<script", "src=", "http://", "https://", "<link"} {
			if strings.Contains(page, bad) {
				t.Errorf("the page contains %q", bad)
			}
		}
		for _, want := range []string{
			`<title>tastygo API 1.0.0 — documentation</title>`,
			`<a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>`,
			`<tr><td><code>Basic</code></td><td>A username and password.</td></tr>`,
			// Every resource, in the menu and as a section.
			`<a href="#author">author</a>`, `<a href="#book">book</a>`, `<a href="#book_ro">book_ro</a>`,
			`<a href="#publisher">publisher</a>`, `<a href="#publisher_form">publisher_form</a>`, `<a href="#publisher_quiet">publisher_quiet</a>`,
			`<section id="book_ro">`, `<p>Books, read only, by author.</p>`,
			// Operations with their curl line, parameters (required marked) and answers.
			`<summary><span class="m GET">GET</span> <code>/api/v1/book_ro/</code> — List book_ro objects, filtered, ordered and paged</summary>`,
			`<pre>curl -u &#34;$USER:$PASSWORD&#34; &#34;$HOST/api/v1/book_ro/&#34;</pre>`,
			`<tr><td><code>author_id</code> <span class="flag req">required</span></td><td>query</td>`,
			`<summary><span class="m POST">POST</span> <code>/api/v1/author/</code>`,
			`<summary><span class="m DELETE">DELETE</span> <code>/api/v1/author/{key}/</code> — Delete one author</summary>`,
			// Fields with types, flags and limits.
			`<tr><td><code>genre</code></td><td><code>string</code></td><td></td><td>at most 20 characters; one of &#34;novel&#34;, &#34;poetry&#34;, &#34;essay&#34;</td>`,
			`<tr><td><code>resource_uri</code></td><td><code>string</code></td><td><span class="flag">always present</span><span class="flag">read-only</span></td>`,
			// An example object.
			`&#34;genre&#34;: &#34;novel&#34;,`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		// The <filter> placeholders of descriptions are text, not markup.
		if strings.Contains(page, "<filter>") {
			t.Error("an unescaped <filter>")
		}
	})
}

// TestDocsNameTaken: no resource may be named docs, the page's path.
func TestDocsNameTaken(t *testing.T) {
	db, d := testdb.Open(t, dialect.SQLite)
	createFixture(t, db, d)
	_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		modelresource.New(resource.Meta{ResourceName: "docs", Table: "book"}))
	if err == nil || err.Error() != `resource "docs": the name is taken by the documentation page, <prefix>docs/` {
		t.Errorf("%v", err)
	}
}
