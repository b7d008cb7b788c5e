package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestBattery is issue 9's HTTP attack battery, run against the dashboard's whole handler (the server's
// middleware, the health checks and the API) on both backends: SQL in every parameter name and value,
// NUL bytes and invalid UTF-8 everywhere, 10,000 parameters, a 1 MB query string, deep JSON, huge
// numbers, every method on every route, path tricks, odd Accept and Authorization headers. For every
// request it asserts no 5xx and no redirect, the one error shape of API.md when the status is 400 or
// more, and no SQL, stack trace, Go file path, driver text or socket address in the body. The requests
// are the same on every run; the count and the time are logged.
func TestBattery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		b := newBattery(t, f)
		start := time.Now()
		for _, phase := range []struct {
			name string
			run  func()
		}{{"params", b.params}, {"bigQueries", b.bigQueries}, {"paths", b.paths}, {"headers", b.headers}, {"bodies", b.bodies}, {"methods", b.methods}, {"finish", b.finish}} {
			n, began := b.sent, time.Now()
			phase.run()
			t.Logf("%s: %s: %d requests in %s", d.Name(), phase.name, b.sent-n, time.Since(began).Round(time.Millisecond))
		}
		t.Logf("%s: %d requests in %s", d.Name(), b.sent, time.Since(start).Round(time.Millisecond))
	})
}

// battery sends requests to the dashboard's handler and checks every answer.
type battery struct {
	t       *testing.T
	f       *authFixture
	h       http.Handler
	admin   string
	schemas map[string]schemaInfo
	names   []string // resource names, sorted
	sent    int
	failed  int
}

// schemaInfo is what the battery reads from a resource's schema and data.
type schemaInfo struct {
	Fields    map[string]struct{ Type string } `json:"fields"`
	Filtering map[string]any                   `json:"filtering"`
	Ordering  []string                         `json:"ordering"`
	Relations map[string]struct {
		RelatedType string `json:"related_type"`
	} `json:"relations"`
	Params        map[string]any `json:"params"`
	RequiredGET   []string       `json:"required_GET_params"`
	ListMethods   []string       `json:"allowed_list_http_methods"`
	DetailMethods []string       `json:"allowed_detail_http_methods"`
	key           string         // the key of an existing object ("" when the list is empty)
	object        map[string]any // that object, as read
	required      string         // the required GET parameters with valid values, as a query string
}

func newBattery(t *testing.T, f *authFixture) *battery {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := newServer(operations{api: f.api, ready: newReadiness(f.db, f.d, logger)}, defaultLimits, logger, nil).Handler
	b := &battery{t: t, f: f, h: h, admin: f.as(superName), schemas: map[string]schemaInfo{}}
	listing := b.get("/api/v1/")
	for name := range listing {
		b.names = append(b.names, name)
	}
	sort.Strings(b.names)
	campaign := b.firstKey("campaign", "")
	upload := serve(t, f.api, http.MethodPost, "/api/v1/source_doc/", b.admin,
		`{"doc_title": "battery", "file_type": "date", "content": "location_code,data_date\n"}`)
	if upload.status != http.StatusCreated {
		t.Fatalf("the battery's source_doc: %d %s", upload.status, upload.raw)
	}
	doc := b.scalarOr(`SELECT min(id) FROM source_doc`, "1")
	for _, name := range b.names {
		var s schemaInfo
		raw, _ := json.Marshal(b.get("/api/v1/" + name + "/schema/"))
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s's schema: %v", name, err)
		}
		q := url.Values{}
		for _, p := range s.RequiredGET {
			switch p {
			case "campaign_id":
				q.Set(p, campaign)
			case "document_id":
				q.Set(p, doc)
			case "data_date__gte":
				q.Set(p, "1900-01-01")
			case "data_date__lte":
				q.Set(p, "2100-01-01")
			case "campaign__in":
				q.Set(p, campaign)
			default:
				q.Set(p, "1")
			}
		}
		s.required = q.Encode()
		s.key = b.firstKey(name, s.required)
		if s.key != "" {
			s.object = b.get("/api/v1/" + name + "/" + s.key + "/?" + s.required)
		}
		b.schemas[name] = s
	}
	return b
}

// get reads a JSON object as the superuser, failing the test on anything but a 200.
func (b *battery) get(path string) map[string]any {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", b.admin)
	b.h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		b.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return out
}

// firstKey is the key of the first object of a resource's list ("" when it is empty).
func (b *battery) firstKey(name, required string) string {
	list := b.get("/api/v1/" + name + "/?limit=1&order_by=id&" + required)
	objects, _ := list["objects"].([]any)
	if len(objects) == 0 {
		return ""
	}
	uri, _ := objects[0].(map[string]any)["resource_uri"].(string)
	parts := strings.Split(strings.TrimSuffix(uri, "/"), "/")
	return parts[len(parts)-1]
}

func (b *battery) scalarOr(query, fallback string) string {
	var v sql.NullString
	if err := b.f.db.QueryRow(query).Scan(&v); err != nil || !v.Valid {
		return fallback
	}
	return v.String
}

// req is one request of the battery. Path and Query are sent as written (already escaped); a nil Header
// means the superuser's key.
type req struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// send sends r and checks its answer; it returns the status and the decoded body (nil when it is not
// a JSON object).
func (b *battery) send(r req) (int, map[string]any) {
	b.t.Helper()
	b.sent++
	target := r.Path
	if r.Query != "" {
		target += "?" + r.Query
	}
	u, err := url.Parse(target)
	if err != nil {
		b.t.Fatalf("the battery built an unparsable URL %q: %v", clipped(target), err)
	}
	var body io.Reader = http.NoBody
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	hr := httptest.NewRequest(http.MethodGet, "/", body)
	hr.Method, hr.URL, hr.RequestURI = r.Method, u, target
	hr.ContentLength = int64(len(r.Body))
	if r.Header == nil {
		hr.Header.Set("Authorization", b.admin)
		if r.Body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
	} else {
		hr.Header = r.Header.Clone()
	}
	ctx, cancel := context.WithTimeout(hr.Context(), 30*time.Second)
	defer cancel()
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, hr.WithContext(ctx))
	return rec.Code, b.check(r, rec)
}

// check applies the battery's assertions to one answer.
func (b *battery) check(r req, rec *httptest.ResponseRecorder) map[string]any {
	b.t.Helper()
	raw := rec.Body.Bytes()
	var obj map[string]any
	isJSON := json.Unmarshal(raw, &obj) == nil
	switch {
	case rec.Code >= 500:
		b.fail(r, rec, "a server error")
	case rec.Code >= 300 && rec.Code < 400:
		b.fail(r, rec, "a redirect")
	case rec.Code >= 400 && r.Method != http.MethodHead:
		if problem := errorShape(raw); problem != "" {
			b.fail(r, rec, "not the error shape: "+problem)
		}
	}
	if r.Method == http.MethodHead && len(raw) > 0 {
		b.fail(r, rec, "a body on HEAD")
	}
	var texts []string
	if isJSON {
		texts = collectStrings(obj, nil)
	} else {
		texts = []string{string(raw)}
	}
	for k, vs := range rec.Header() {
		if k != "X-Request-Id" && k != "Location" {
			texts = append(texts, vs...)
		}
	}
	for _, s := range texts {
		if len(s) > maxScanned {
			// A page's next and previous links repeat the request's query, up to a megabyte: what the
			// server adds is at their ends.
			s = s[:maxScanned/2] + " " + s[len(s)-maxScanned/2:]
		}
		if leak := leaked(s); leak != "" {
			b.fail(r, rec, "the answer shows "+leak)
			break
		}
	}
	return obj
}

// errorShape returns what is wrong with an error body ("" when it has API.md's one shape:
// {"success": false, "error": "...", "code": "UPPER_CASE", "details": {...}}, details optional).
func errorShape(raw []byte) string {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return "not a JSON object"
	}
	for k := range body {
		if k != "success" && k != "error" && k != "code" && k != "details" {
			return "an extra member " + k
		}
	}
	var success *bool
	var message, code string
	if json.Unmarshal(body["success"], &success) != nil || success == nil || *success {
		return `"success" is not false`
	}
	if json.Unmarshal(body["error"], &message) != nil || message == "" {
		return `no "error" message`
	}
	if json.Unmarshal(body["code"], &code) != nil || !codeShape.MatchString(code) {
		return `no "code"`
	}
	if d, ok := body["details"]; ok {
		var details map[string]any
		if json.Unmarshal(d, &details) != nil || details == nil {
			return `"details" is not an object`
		}
	}
	return ""
}

var codeShape = regexp.MustCompile(`^[A-Z][A-Z_]+$`)

// collectStrings returns every string of a decoded JSON value, object keys included.
func collectStrings(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = collectStrings(e, out)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, k)
			out = collectStrings(e, out)
		}
	}
	return out
}

// maxScanned is the most of one string of an answer that is searched for leaks.
const maxScanned = 64 << 10

// leakPatterns are what only the server's insides could put in an answer. A request's own payloads
// (sqlPayloads, echoed in messages that name a bad parameter) are removed from the text first.
var leakPatterns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"SQL", regexp.MustCompile(`(?i)\b(select\s+(\*|"|\w+\s*,|count\(|distinct)|insert\s+into|delete\s+from|update\s+"?\w+"?\s+set|union\s+(all\s+)?select|order\s+by\s+"|where\s+"|from\s+"\w+"|returning\s+"?\w)`)},
	{"a placeholder", regexp.MustCompile(`\$[1-9][0-9]*\b|\?\s*(,|\))`)},
	{"driver text", regexp.MustCompile(`(?i)(sqlstate|pq:|pgx|pgconn|sqlite3?[:_ ]|sql: |driver: |database/sql|no such (column|table)|syntax error|violates|constraint failed|invalid byte sequence|unique constraint|foreign key constraint|SQL logic error|database is locked|duplicate key)`)},
	{"a stack trace", regexp.MustCompile(`goroutine \d+|panic:|runtime\.|runtime/debug|\.go:\d+`)},
	{"a Go file path", regexp.MustCompile(`[\w/.-]+\.go\b|github\.com/|/work/|/usr/local/go|GOROOT`)},
	{"a socket address", regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}:\d+\b|\[[0-9a-fA-F:]+\]:\d+|\b(tcp|unix|dial|read|write) (tcp|unix|udp)\b|\.s\.PGSQL|127\.0\.0\.1|localhost:\d`)},
}

// leaked returns what s shows of the server's insides ("" for nothing), once the battery's own payloads
// are taken out of it.
func leaked(s string) string {
	for _, p := range echoed {
		s = strings.ReplaceAll(s, p, " ")
	}
	for _, lp := range leakPatterns {
		if m := lp.re.FindString(s); m != "" {
			return fmt.Sprintf("%s (%q)", lp.what, m)
		}
	}
	return ""
}

// fail reports a failed answer; after 40 failures the rest are only counted.
func (b *battery) fail(r req, rec *httptest.ResponseRecorder, why string) {
	b.t.Helper()
	b.failed++
	if b.failed > 40 {
		return
	}
	target := r.Path
	if r.Query != "" {
		target += "?" + r.Query
	}
	b.t.Errorf("%s %s (body %s, Accept %q, Authorization %q): %s: %d %s", clipped(r.Method), clipped(target), clipped(string(r.Body)),
		clipped(r.Header.Get("Accept")), clipped(strings.Join(r.Header.Values("Authorization"), " | ")), why, rec.Code, clipped(rec.Body.String()))
}

// finish checks that the server still answers and reports the failures beyond the 40 shown.
func (b *battery) finish() {
	b.t.Helper()
	if code, _ := b.send(req{Method: http.MethodGet, Path: "/readyz"}); code != http.StatusOK {
		b.t.Errorf("/readyz after the battery: %d", code)
	}
	for _, name := range b.names {
		if code, _ := b.send(req{Method: http.MethodGet, Path: "/api/v1/" + name + "/", Query: b.schemas[name].required}); code != http.StatusOK {
			b.t.Errorf("GET %s's list after the battery: %d", name, code)
		}
	}
	if b.failed > 40 {
		b.t.Errorf("%d failed answers in all", b.failed)
	}
}

func clipped(s string) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}
