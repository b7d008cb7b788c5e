package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// The write path over HTTP, on both backends: every case asserts the status, the headers that matter,
// the body (compared with a following GET), the error code and details, and what the database holds
// afterwards. A write that fails must leave the database exactly as it was.

// The fixture's row counts.
const (
	fixturePublishers = 2
	fixtureAuthors    = 4
	fixtureBooks      = 5
)

// authorFields is the field list the unknown-field message names.
const authorFields = "id, name, born, active, rating, bio, publisher_id, mentor_id, created_at, updated_at"

// newFixtureClient creates the fixture tables and rows and an API over them with cfg (DB, Dialect and
// Logger filled in) serving rs, or the fixture's resources when rs is empty.
func newFixtureClient(t *testing.T, db *sql.DB, d dialect.Dialect, cfg resource.Config, rs ...resource.Resource) *client {
	t.Helper()
	createFixture(t, db, d)
	if rs == nil {
		rs = fixtureResources()
	}
	cfg.DB, cfg.Dialect = db, d
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	api, err := resource.New(context.Background(), cfg, rs...)
	if err != nil {
		t.Fatalf("resource.New: %v", err)
	}
	return &client{t: t, h: api, db: db, d: d, api: api}
}

// send is do with a raw body and headers of the caller's choosing; a header given as "" is removed.
// Content-Type is application/json unless header says otherwise.
func (c *client) send(method, path, body string, header map[string]string) response {
	c.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	resp := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		dec := json.NewDecoder(rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&resp.body); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, resp.raw)
		}
	}
	return resp
}

// get reads one object (or list) and fails unless it answers 200.
func (c *client) get(path string) any {
	c.t.Helper()
	r := c.do(http.MethodGet, path, nil)
	if r.status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
	}
	return r.body
}

// snapshot is the whole content of the fixture's tables, row by row, to show that a failed write
// changed nothing at all.
func (c *client) snapshot() string {
	c.t.Helper()
	var out strings.Builder
	for _, tbl := range []string{"publisher", "author", "book"} {
		rows, err := c.db.QueryContext(context.Background(), "SELECT * FROM "+tbl+" ORDER BY id")
		if err != nil {
			c.t.Fatalf("snapshot %s: %v", tbl, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				c.t.Fatalf("snapshot %s: %v", tbl, err)
			}
			fmt.Fprintf(&out, "%s:", tbl)
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&out, " %s=%v", cols[i], v)
			}
			out.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			c.t.Fatalf("snapshot %s: %v", tbl, err)
		}
		rows.Close()
	}
	return out.String()
}

// counts asserts the number of rows of each fixture table.
func (c *client) counts(publishers, authors, books int64) {
	c.t.Helper()
	for tbl, want := range map[string]int64{"publisher": publishers, "author": authors, "book": books} {
		if got := c.count("SELECT count(*) FROM " + tbl); got != want {
			c.t.Errorf("%s: %d rows, want %d", tbl, got, want)
		}
	}
}

// sameAsGet asserts that a write's body is the object exactly as a following GET of its resource_uri
// shows it, and returns that URI.
func sameAsGet(t *testing.T, c *client, body any) string {
	t.Helper()
	uri, _ := field(body, "resource_uri").(string)
	if uri == "" {
		t.Fatalf("no resource_uri in %v", body)
	}
	want, _ := json.Marshal(c.get(uri))
	jsonEqual(t, body, string(want))
	return uri
}

// wantFields asserts that the object has these fields with these values (a JSON object text).
func wantFields(t *testing.T, obj any, want string) {
	t.Helper()
	var w map[string]any
	dec := json.NewDecoder(strings.NewReader(want))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	got := map[string]any{}
	for k := range w {
		got[k] = field(obj, k)
	}
	jsonEqual(t, got, want)
}

// wantError asserts the one error shape: status, success false, code, and (unless details is "") the
// details exactly.
func wantError(t *testing.T, r response, status int, code, details string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	if field(r.body, "success") != false {
		t.Errorf("success = %v, want false; body %s", field(r.body, "success"), r.raw)
	}
	if got := field(r.body, "code"); got != code {
		t.Errorf("code %v, want %s; body %s", got, code, r.raw)
	}
	if msg, _ := field(r.body, "error").(string); msg == "" {
		t.Errorf("no error message; body %s", r.raw)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if details != "" {
		jsonEqual(t, field(r.body, "details"), details)
	}
}

// wantTime asserts that a timestamp of the wire form lies between two instants.
func wantTime(t *testing.T, what string, v any, from, to time.Time) {
	t.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("%s = %v: not a timestamp", what, v)
		return
	}
	if ts.Before(from.Add(-time.Second)) || ts.After(to.Add(time.Second)) {
		t.Errorf("%s = %s, want between %s and %s", what, s, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
}

// TestWriteCreate: POST of one object answers 201, a Location, and the object as a GET shows it;
// read-only fields (id, created_at, updated_at, resource_uri, query fields) are ignored on input.
func TestWriteCreate(t *testing.T) {
	cases := []struct {
		name   string
		path   string
		body   string
		want   string // fields of the answer
		counts [3]int64
		check  func(t *testing.T, c *client, obj any)
	}{
		{
			name: "author with read-only fields ignored",
			path: "/api/v1/author/",
			body: `{"name": "Colette", "born": "1873-01-28", "rating": 4.25, "publisher_id": 1,
				"id": 77, "resource_uri": "/api/v1/author/77/", "publisher__name": "Bogus",
				"created_at": "1999-01-01T00:00:00Z", "updated_at": "1999-01-01T00:00:00Z"}`,
			want: `{"id": 5, "name": "Colette", "born": "1873-01-28", "active": true, "rating": 4.25, "bio": "",
				"publisher_id": 1, "mentor_id": null, "publisher__name": "Gallimard", "resource_uri": "/api/v1/author/5/"}`,
			counts: [3]int64{2, 5, 5},
			check: func(t *testing.T, c *client, obj any) {
				if n := c.count("SELECT count(*) FROM author WHERE id = 77"); n != 0 {
					t.Errorf("the client's id 77 was used")
				}
				if n := c.count("SELECT count(*) FROM author WHERE id = 5 AND name = 'Colette' AND publisher_id = 1 AND rating = 4.25 AND bio = ''"); n != 1 {
					t.Errorf("row 5 not as posted")
				}
				if n := c.count("SELECT count(*) FROM author WHERE created_at < '2000-01-01'"); n != 0 {
					t.Errorf("the client's created_at was stored")
				}
			},
		},
		{
			name: "author without optional fields gets the defaults",
			path: "/api/v1/author",
			body: `{"name": "Anonymous"}`,
			want: `{"id": 5, "name": "Anonymous", "born": null, "active": true, "rating": null, "bio": "",
				"publisher_id": null, "mentor_id": null, "publisher__name": null}`,
			counts: [3]int64{2, 5, 5},
		},
		{
			name:   "author name of 100 non-ASCII characters fits VARCHAR(100)",
			path:   "/api/v1/author/",
			body:   `{"name": "` + strings.Repeat("é", 100) + `", "active": false, "mentor_id": 1, "bio": "x"}`,
			want:   `{"id": 5, "name": "` + strings.Repeat("é", 100) + `", "active": false, "mentor_id": 1, "bio": "x"}`,
			counts: [3]int64{2, 5, 5},
		},
		{
			name: "book with every type",
			path: "/api/v1/book/",
			body: `{"title": "L'Assommoir", "author_id": 1, "published": "1877-01-01", "pages": 576,
				"genre": "poetry", "extra": {"tags": ["drink", "paris"], "n": 2}}`,
			want: `{"id": 6, "title": "L'Assommoir", "author_id": 1, "published": "1877-01-01", "pages": 576,
				"genre": "poetry", "extra": {"tags": ["drink", "paris"], "n": 2}, "resource_uri": "/api/v1/book/6/"}`,
			counts: [3]int64{2, 4, 6},
			check: func(t *testing.T, c *client, obj any) {
				if n := c.count("SELECT count(*) FROM book WHERE id = 6 AND author_id = 1 AND pages = 576 AND genre = 'poetry'"); n != 1 {
					t.Errorf("row 6 not as posted")
				}
			},
		},
		{
			name:   "book with defaults, a date given as a timestamp and an integer given as text",
			path:   "/api/v1/book/",
			body:   `{"title": "Thérèse Raquin", "author_id": "1", "published": "1867-12-01T10:00:00Z"}`,
			want:   `{"id": 6, "title": "Thérèse Raquin", "author_id": 1, "published": "1867-12-01", "pages": null, "genre": "novel", "extra": {}}`,
			counts: [3]int64{2, 4, 6},
		},
		{
			name:   "publisher (no timestamps)",
			path:   "/api/v1/publisher/",
			body:   `{"name": "Éditions de Minuit", "country": "FR"}`,
			want:   `{"id": 3, "name": "Éditions de Minuit", "country": "FR", "resource_uri": "/api/v1/publisher/3/"}`,
			counts: [3]int64{3, 4, 5},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{})
				before := time.Now()
				r := c.send(http.MethodPost, tc.path, tc.body, nil)
				after := time.Now()
				if r.status != http.StatusCreated {
					t.Fatalf("status %d, want 201; body %s", r.status, r.raw)
				}
				uri := sameAsGet(t, c, r.body)
				if loc := r.header.Get("Location"); loc != uri {
					t.Errorf("Location %q, want %q", loc, uri)
				}
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
				wantFields(t, r.body, tc.want)
				if ca := field(r.body, "created_at"); ca != nil {
					wantTime(t, "created_at", ca, before, after)
					if ua := field(r.body, "updated_at"); ua != nil && ua != ca {
						t.Errorf("updated_at %v != created_at %v on creation", ua, ca)
					}
				} else if !strings.Contains(tc.path, "publisher") {
					t.Errorf("no created_at in %s", r.raw)
				}
				c.counts(tc.counts[0], tc.counts[1], tc.counts[2])
				if tc.check != nil {
					tc.check(t, c, r.body)
				}
			})
		})
	}
}

// TestWriteCreateMany: POST of an array creates every item in one transaction and answers
// {"objects": [...]}, each as a GET shows it.
func TestWriteCreateMany(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{})
		r := c.send(http.MethodPost, "/api/v1/book/", `[
			{"title": "La Bête humaine", "author_id": 1, "pages": 400},
			{"title": "Mrs Dalloway", "author_id": 3, "genre": "novel", "published": "1925-05-14"},
			{"title": "Poems", "author_id": 2, "genre": "poetry", "id": 1}]`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %s", r.status, r.raw)
		}
		objs, _ := field(r.body, "objects").([]any)
		if len(objs) != 3 {
			t.Fatalf("objects: %s", r.raw)
		}
		for i, o := range objs {
			sameAsGet(t, c, o)
			wantFields(t, o, fmt.Sprintf(`{"id": %d}`, 6+i))
		}
		wantFields(t, objs[0], `{"title": "La Bête humaine", "author_id": 1, "pages": 400, "genre": "novel", "published": null}`)
		wantFields(t, objs[1], `{"title": "Mrs Dalloway", "author_id": 3, "published": "1925-05-14"}`)
		wantFields(t, objs[2], `{"title": "Poems", "genre": "poetry"}`)
		if r.body.(map[string]any)["meta"] != nil || len(r.body.(map[string]any)) != 1 {
			t.Errorf("body has more than objects: %s", r.raw)
		}
		c.counts(fixturePublishers, fixtureAuthors, fixtureBooks+3)
		if n := c.count("SELECT count(*) FROM book WHERE title = 'Germinal' AND id = 1"); n != 1 {
			t.Errorf("book 1 was overwritten by an item's id")
		}
		if n := c.count("SELECT count(*) FROM book WHERE id IN (6, 7, 8)"); n != 3 {
			t.Errorf("books 6-8: %d", n)
		}
	})
}

// TestWriteReplace: PUT replaces the whole object (absent fields return to their default or NULL) and
// answers 200 with it; on a missing key it creates the object with that key and answers 201.
func TestWriteReplace(t *testing.T) {
	cases := []struct {
		name    string
		path    string
		body    string
		status  int
		want    string
		counts  [3]int64
		check   func(t *testing.T, c *client, obj any)
		created bool
	}{
		{
			name:   "author: absent fields return to their default or NULL",
			path:   "/api/v1/author/3/",
			body:   `{"name": "Adeline Virginia Woolf", "id": 99, "created_at": "1999-01-01T00:00:00Z"}`,
			status: http.StatusOK,
			want: `{"id": 3, "name": "Adeline Virginia Woolf", "born": null, "active": true, "rating": null, "bio": "",
				"publisher_id": null, "mentor_id": null, "publisher__name": null, "created_at": "2020-01-03T00:00:00.000000Z",
				"resource_uri": "/api/v1/author/3/"}`,
			counts: [3]int64{2, 4, 5},
			check: func(t *testing.T, c *client, obj any) {
				if n := c.count("SELECT count(*) FROM author WHERE id = 3 AND name = 'Adeline Virginia Woolf' AND born IS NULL AND rating IS NULL AND bio = '' AND publisher_id IS NULL AND active = ?", true); n != 1 {
					t.Errorf("row 3 not replaced")
				}
				if n := c.count("SELECT count(*) FROM author WHERE id = 99"); n != 0 {
					t.Errorf("the body's id was used")
				}
			},
		},
		{
			name:   "author: every field given",
			path:   "/api/v1/author/2",
			body:   `{"name": "Maupassant", "born": "1850-08-05", "active": false, "rating": 4, "bio": "Boule de suif", "publisher_id": 2, "mentor_id": 1}`,
			status: http.StatusOK,
			want: `{"id": 2, "name": "Maupassant", "born": "1850-08-05", "active": false, "rating": 4, "bio": "Boule de suif",
				"publisher_id": 2, "mentor_id": 1, "publisher__name": "Penguin"}`,
			counts: [3]int64{2, 4, 5},
		},
		{
			name:   "book: JSON, choice and nullable columns return to their defaults",
			path:   "/api/v1/book/1/",
			body:   `{"title": "Germinal", "author_id": 2}`,
			status: http.StatusOK,
			want: `{"id": 1, "title": "Germinal", "author_id": 2, "published": null, "pages": null, "genre": "novel", "extra": {},
				"created_at": "2020-02-01T00:00:00.000000Z"}`,
			counts: [3]int64{2, 4, 5},
			check: func(t *testing.T, c *client, obj any) {
				if n := c.count("SELECT count(*) FROM book WHERE id = 1 AND author_id = 2 AND pages IS NULL AND published IS NULL"); n != 1 {
					t.Errorf("row 1 not replaced")
				}
			},
		},
		{
			name:    "author: a missing key creates the object with that key",
			path:    "/api/v1/author/50/",
			body:    `{"name": "Colette", "rating": 4.5}`,
			status:  http.StatusCreated,
			want:    `{"id": 50, "name": "Colette", "rating": 4.5, "active": true, "bio": "", "resource_uri": "/api/v1/author/50/"}`,
			counts:  [3]int64{2, 5, 5},
			created: true,
			check: func(t *testing.T, c *client, obj any) {
				if n := c.count("SELECT count(*) FROM author WHERE id = 50 AND name = 'Colette'"); n != 1 {
					t.Errorf("row 50 not created")
				}
				// A following POST gets a fresh key: on PostgreSQL the identity sequence was moved past 50.
				r := c.send(http.MethodPost, "/api/v1/author/", `{"name": "Sido"}`, nil)
				if r.status != http.StatusCreated {
					t.Fatalf("POST after PUT: %d %s", r.status, r.raw)
				}
				wantFields(t, r.body, `{"id": 51, "resource_uri": "/api/v1/author/51/"}`)
				if loc := r.header.Get("Location"); loc != "/api/v1/author/51/" {
					t.Errorf("Location %q", loc)
				}
				c.counts(2, 6, 5)
			},
		},
		{
			name:    "book: a missing key below the highest creates it; later POSTs still get fresh keys",
			path:    "/api/v1/book/3000",
			body:    `{"title": "Au Bonheur des Dames", "author_id": 1, "pages": 528}`,
			status:  http.StatusCreated,
			want:    `{"id": 3000, "title": "Au Bonheur des Dames", "genre": "novel", "extra": {}, "resource_uri": "/api/v1/book/3000/"}`,
			counts:  [3]int64{2, 4, 6},
			created: true,
			check: func(t *testing.T, c *client, obj any) {
				r := c.send(http.MethodPut, "/api/v1/book/20/", `{"title": "Pot-Bouille", "author_id": 1}`, nil)
				if r.status != http.StatusCreated {
					t.Fatalf("second PUT: %d %s", r.status, r.raw)
				}
				r = c.send(http.MethodPost, "/api/v1/book/", `{"title": "La Terre", "author_id": 1}`, nil)
				if r.status != http.StatusCreated {
					t.Fatalf("POST after PUT: %d %s", r.status, r.raw)
				}
				// Fresh: past 3000 (PostgreSQL may leave a gap, as sequences do).
				if id, _ := field(r.body, "id").(json.Number).Int64(); id <= 3000 {
					t.Errorf("POST got key %d", id)
				}
				sameAsGet(t, c, r.body)
				c.counts(2, 4, 8)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{})
				before := time.Now()
				r := c.send(http.MethodPut, tc.path, tc.body, nil)
				after := time.Now()
				if r.status != tc.status {
					t.Fatalf("status %d, want %d; body %s", r.status, tc.status, r.raw)
				}
				uri := sameAsGet(t, c, r.body)
				loc := r.header.Get("Location")
				switch {
				case tc.created && loc != uri:
					t.Errorf("Location %q, want %q", loc, uri)
				case !tc.created && loc != "":
					t.Errorf("Location %q on a replacement", loc)
				}
				wantFields(t, r.body, tc.want)
				if ua := field(r.body, "updated_at"); ua != nil {
					wantTime(t, "updated_at", ua, before, after)
				}
				if tc.created {
					if ca := field(r.body, "created_at"); ca != nil {
						wantTime(t, "created_at", ca, before, after)
					}
				}
				c.counts(tc.counts[0], tc.counts[1], tc.counts[2])
				if tc.check != nil {
					tc.check(t, c, r.body)
				}
			})
		})
	}
}

// TestWritePatch: PATCH changes only the given fields, sets updated_at and keeps created_at; 202 with the
// object. X-HTTP-Method-Override: PATCH on a POST is the same request.
func TestWritePatch(t *testing.T) {
	cases := []struct {
		name   string
		method string
		header map[string]string
		path   string
		body   string
		change string // the fields that differ from the GET before, with their new values
	}{
		{name: "one field", method: http.MethodPatch, path: "/api/v1/author/1/", body: `{"rating": 2.5}`, change: `{"rating": 2.5}`},
		{name: "set to null", method: http.MethodPatch, path: "/api/v1/author/2", body: `{"mentor_id": null, "born": null}`,
			change: `{"mentor_id": null, "born": null}`},
		{name: "a relation, read-only fields ignored", method: http.MethodPatch, path: "/api/v1/author/4/",
			body:   `{"publisher_id": 2, "publisher__name": "x", "id": 1, "resource_uri": "/api/v1/author/1/", "created_at": "1999-01-01T00:00:00Z"}`,
			change: `{"publisher_id": 2, "publisher__name": "Penguin"}`},
		{name: "empty body touches updated_at only", method: http.MethodPatch, path: "/api/v1/author/3/", body: `{}`, change: `{}`},
		{name: "X-HTTP-Method-Override", method: http.MethodPost, header: map[string]string{"X-HTTP-Method-Override": "PATCH"},
			path: "/api/v1/author/1/", body: `{"name": "Zola", "active": false}`, change: `{"name": "Zola", "active": false}`},
		{name: "lower-case override", method: http.MethodPost, header: map[string]string{"X-HTTP-Method-Override": "patch"},
			path: "/api/v1/book/5/", body: `{"genre": "poetry", "extra": [1, 2]}`, change: `{"genre": "poetry", "extra": [1, 2]}`},
		{name: "book (no updated_at)", method: http.MethodPatch, path: "/api/v1/book/3/", body: `{"pages": 300, "title": "Bel Ami"}`,
			change: `{"pages": 300, "title": "Bel Ami"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{})
				old := c.get(tc.path).(map[string]any)
				before := time.Now()
				r := c.send(tc.method, tc.path, tc.body, tc.header)
				after := time.Now()
				if r.status != http.StatusAccepted {
					t.Fatalf("status %d, want 202; body %s", r.status, r.raw)
				}
				if loc := r.header.Get("Location"); loc != "" {
					t.Errorf("Location %q on PATCH", loc)
				}
				sameAsGet(t, c, r.body)
				// Everything but the change and updated_at is as before.
				var change map[string]any
				dec := json.NewDecoder(strings.NewReader(tc.change))
				dec.UseNumber()
				if err := dec.Decode(&change); err != nil {
					t.Fatal(err)
				}
				want := map[string]any{}
				for k, v := range old {
					want[k] = v
				}
				for k, v := range change {
					want[k] = v
				}
				if _, ok := old["updated_at"]; ok {
					wantTime(t, "updated_at", field(r.body, "updated_at"), before, after)
					want["updated_at"] = field(r.body, "updated_at")
				}
				exp, _ := json.Marshal(want)
				jsonEqual(t, r.body, string(exp))
				if field(r.body, "created_at") != old["created_at"] {
					t.Errorf("created_at changed: %v -> %v", old["created_at"], field(r.body, "created_at"))
				}
				c.counts(fixturePublishers, fixtureAuthors, fixtureBooks)
			})
		})
	}
	t.Run("database", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
			c := newFixtureClient(t, db, d, resource.Config{})
			r := c.send(http.MethodPatch, "/api/v1/author/1/", `{"rating": 2.5}`, nil)
			if r.status != http.StatusAccepted {
				t.Fatalf("status %d; body %s", r.status, r.raw)
			}
			if n := c.count("SELECT count(*) FROM author WHERE id = 1 AND rating = 2.5 AND name = 'Émile Zola' AND bio = 'Naturalist' AND publisher_id = 1 AND born IS NOT NULL"); n != 1 {
				t.Errorf("row 1 not patched as asked")
			}
			if n := c.count("SELECT count(*) FROM author WHERE id = 1 AND created_at < '2020-01-02' AND updated_at > '2021-01-01'"); n != 1 {
				t.Errorf("created_at changed or updated_at did not")
			}
			if n := c.count("SELECT count(*) FROM author WHERE id <> 1 AND updated_at > '2021-01-01'"); n != 0 {
				t.Errorf("other rows touched")
			}
		})
	})
}

// TestWriteDelete: DELETE of one object (204, empty) and of what a filter matches (200 with the count).
func TestWriteDelete(t *testing.T) {
	cases := []struct {
		name      string
		path      string
		table     string
		remaining string // the ids left, in order
	}{
		{name: "detail", path: "/api/v1/author/4/", table: "author", remaining: "1,2,3"},
		{name: "detail without slash", path: "/api/v1/book/2", table: "book", remaining: "1,3,4,5"},
		{name: "list by a relation filter", path: "/api/v1/book/?author__name__icontains=zola", table: "book", remaining: "3,4,5"},
		{name: "list by a non-ASCII case-insensitive relation filter", path: "/api/v1/book/?author__name__istartswith=%C3%A9mile", table: "book", remaining: "3,4,5"},
		{name: "list by a field filter", path: "/api/v1/book/?genre=essay", table: "book", remaining: "1,2,3,4"},
		{name: "list by two filters ANDed", path: "/api/v1/book/?genre=novel&pages__gte=400", table: "book", remaining: "3,4,5"},
		{name: "list by in, with reserved parameters", path: "/api/v1/book/?id__in=1,3,5&limit=1&order_by=-id", table: "book", remaining: "2,4"},
		{name: "list by a two-hop relation filter", path: "/api/v1/book/?author__publisher__name=Penguin", table: "book", remaining: "1,2,3"},
		{name: "list by year", path: "/api/v1/book/?published__year=1885", table: "book", remaining: "2,4,5"},
		{name: "list by range", path: "/api/v1/book/?published__range=1880-01-01,1885-03-01", table: "book", remaining: "3,4,5"},
		{name: "list by isnull", path: "/api/v1/book/?pages__isnull=true", table: "book", remaining: "1,2,4,5"},
		{name: "list by in, repeated", path: "/api/v1/book/?title__in=Nana,Orlando&title__in=Bel-Ami", table: "book", remaining: "1,5"},
		{name: "list by iexact", path: "/api/v1/book/?genre__iexact=ESSAY", table: "book", remaining: "1,2,3,4"},
		{name: "list matching nothing", path: "/api/v1/book/?title=Nope", table: "book", remaining: "1,2,3,4,5"},
		{name: "list of authors without books", path: "/api/v1/author/?id=4", table: "author", remaining: "1,2,3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{})
				before := c.count("SELECT count(*) FROM " + tc.table)
				r := c.do(http.MethodDelete, tc.path, nil)
				if strings.Contains(tc.path, "?") { // by filter: 200 and how many were deleted
					after := int64(len(strings.Split(tc.remaining, ",")))
					if tc.remaining == "" {
						after = 0
					}
					if r.status != http.StatusOK {
						t.Fatalf("status %d, want 200; body %s", r.status, r.raw)
					}
					jsonEqual(t, r.body, fmt.Sprintf(`{"deleted": %d}`, before-after))
				} else if r.status != http.StatusNoContent || r.raw != "" {
					t.Fatalf("status %d, want 204 and no body; body %s", r.status, r.raw)
				}
				rows, err := db.QueryContext(context.Background(), "SELECT id FROM "+tc.table+" ORDER BY id")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var ids []string
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, fmt.Sprint(id))
				}
				if got := strings.Join(ids, ","); got != tc.remaining {
					t.Errorf("%s ids left: %s, want %s", tc.table, got, tc.remaining)
				}
				if !strings.Contains(tc.path, "?") {
					g := c.do(http.MethodGet, tc.path, nil)
					wantError(t, g, http.StatusNotFound, "OBJECT_DOES_NOT_EXIST", "")
				}
				other := map[string]int64{"author": fixtureAuthors, "book": fixtureBooks}
				for tbl, n := range other {
					if tbl != tc.table && c.count("SELECT count(*) FROM "+tbl) != n {
						t.Errorf("%s changed", tbl)
					}
				}
			})
		})
	}
}

// rejected is a write that must fail and change nothing.
type rejected struct {
	name    string
	method  string
	path    string
	body    string
	header  map[string]string
	status  int
	code    string
	details string // exact, "" for {} ; "-" skips the check
	message string // a part of the error message
	allow   string // the Allow header of a 405
	cfg     resource.Config
}

// TestWriteRejected: every refused write answers the error shape with its code and details, and leaves
// the database exactly as it was.
func TestWriteRejected(t *testing.T) {
	required := `{"fields": {"name": "This field is required."}}`
	cases := []rejected{
		// Required fields, before the database is touched.
		{name: "POST without required_fields_for_post", method: "POST", path: "/api/v1/author/", body: `{"bio": "x"}`,
			status: 400, code: "VALIDATION_ERROR", details: required, message: "'name' is required"},
		{name: "POST of an empty object", method: "POST", path: "/api/v1/author/", body: `{}`,
			status: 400, code: "VALIDATION_ERROR", details: required},
		{name: "POST without NOT NULL columns that have no default", method: "POST", path: "/api/v1/book/", body: `{"pages": 3}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"author_id": "This field is required.", "title": "This field is required."}}`,
			message: "'author_id' is required; 'title' is required"},
		{name: "POST with only read-only fields", method: "POST", path: "/api/v1/book/", body: `{"id": 9, "created_at": "2020-01-01T00:00:00Z", "resource_uri": "/api/v1/book/9/"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"author_id": "This field is required.", "title": "This field is required."}}`},
		{name: "PUT without a required field", method: "PUT", path: "/api/v1/author/1/", body: `{"bio": "x"}`,
			status: 400, code: "VALIDATION_ERROR", details: required},
		{name: "PUT creating without a required field", method: "PUT", path: "/api/v1/author/60/", body: `{"bio": "x"}`,
			status: 400, code: "VALIDATION_ERROR", details: required},

		// Types.
		{name: "text for an integer", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author_id": 1, "pages": "many"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"pages": "\"many\" is not an integer"}}`},
		{name: "1.5 for an integer", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author_id": 1, "pages": 1.5}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"pages": "1.5 is not an integer"}}`},
		{name: "a boolean for an integer", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author_id": true}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"author_id": "expected an integer, got a boolean"}}`},
		{name: "abc for a date", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author_id": 1, "published": "abc"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"published": "\"abc\" is not an ISO 8601 date (YYYY-MM-DD)"}}`},
		{name: "a number for a date", method: "POST", path: "/api/v1/author/", body: `{"name": "N", "born": 1840}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"born": "expected an ISO 8601 string, got a number"}}`},
		{name: "an object for a string", method: "POST", path: "/api/v1/book/", body: `{"title": {"fr": "T"}, "author_id": 1}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"title": "expected a string, got an object"}}`},
		{name: "a number for a string", method: "POST", path: "/api/v1/author/", body: `{"name": 12}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"name": "expected a string, got a number"}}`},
		{name: "text for a float", method: "POST", path: "/api/v1/author/", body: `{"name": "N", "rating": "high"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"rating": "\"high\" is not a number"}}`},
		{name: "text for a boolean", method: "POST", path: "/api/v1/author/", body: `{"name": "N", "active": "maybe"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"active": "\"maybe\" is not a boolean (use true, false, 1 or 0)"}}`},
		{name: "every problem at once", method: "POST", path: "/api/v1/book/",
			body:   `{"title": ["T"], "pages": 1.5, "published": "abc", "genre": "poem", "nope": 1}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"title": "expected a string, got an array", "pages": "1.5 is not an integer",
				"published": "\"abc\" is not an ISO 8601 date (YYYY-MM-DD)", "genre": "must be one of novel, poetry, essay",
				"nope": "is not a field of book (fields: id, title, author_id, published, pages, genre, extra, created_at)",
				"author_id": "This field is required."}}`},

		// Length, choices, null, unknown fields.
		{name: "101 non-ASCII characters in a VARCHAR(100)", method: "POST", path: "/api/v1/author/", body: `{"name": "` + strings.Repeat("é", 101) + `"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"name": "is longer than 100 characters"}}`},
		{name: "3 characters in a VARCHAR(2)", method: "POST", path: "/api/v1/publisher/", body: `{"name": "P", "country": "FRA"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"country": "is longer than 2 characters"}}`},
		{name: "too long on PATCH", method: "PATCH", path: "/api/v1/publisher/1/", body: `{"country": "ÉÉÉ"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"country": "is longer than 2 characters"}}`},
		{name: "a value outside the choices", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author_id": 1, "genre": "poem"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"genre": "must be one of novel, poetry, essay"}}`},
		{name: "a choice differing in case", method: "PATCH", path: "/api/v1/book/1/", body: `{"genre": "Novel"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"genre": "must be one of novel, poetry, essay"}}`},
		{name: "null for a NOT NULL column", method: "POST", path: "/api/v1/book/", body: `{"title": null, "author_id": 1}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"title": "may not be null"}}`},
		{name: "null for a NOT NULL column with a default", method: "POST", path: "/api/v1/author/", body: `{"name": "N", "active": null}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"active": "may not be null"}}`},
		{name: "null for a NOT NULL column on PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `{"name": null}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"name": "may not be null"}}`},
		{name: "null for a NOT NULL column on PUT", method: "PUT", path: "/api/v1/book/1/", body: `{"title": "T", "author_id": null}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"author_id": "may not be null"}}`},
		{name: "an unknown field", method: "POST", path: "/api/v1/author/", body: `{"name": "N", "nmae": "x"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"nmae": "is not a field of author (fields: ` + authorFields + `)"}}`},
		{name: "an unknown field on PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `{"rating": 1, "publishr": 2}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"publishr": "is not a field of author (fields: ` + authorFields + `)"}}`},
		// A relation's name is a nested write (nested_test.go); a key that does not exist is refused.
		{name: "a relation to a missing object on PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `{"rating": 1, "publisher": 99}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"path": "publisher", "fields": {"publisher": "No publisher with key \"99\"."}}`},
		{name: "a type error on PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `{"name": "Zola", "rating": "high"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"rating": "\"high\" is not a number"}}`},
		{name: "a type error on PUT", method: "PUT", path: "/api/v1/author/1/", body: `{"name": "Zola", "born": "yesterday"}`,
			status: 400, code: "VALIDATION_ERROR", details: `{"fields": {"born": "\"yesterday\" is not an ISO 8601 date (YYYY-MM-DD)"}}`},

		// Arrays: all or nothing.
		{name: "an array with one bad item", method: "POST", path: "/api/v1/author/", body: `[{"name": "A"}, {"bio": "no name"}, {"name": "C"}]`,
			status: 400, code: "VALIDATION_ERROR", details: `{"index": 1, "fields": {"name": "This field is required."}}`, message: "Item 1: "},
		{name: "an array whose last item conflicts", method: "POST", path: "/api/v1/author/", body: `[{"name": "A"}, {"name": "B"}, {"name": "Émile Zola"}]`,
			status: 409, code: "CONFLICT", details: `{"index": 2, "fields": {"name": "An author with this name already exists."}}`, message: "Item 2: An author with this name already exists."},
		{name: "an array whose items conflict with each other", method: "POST", path: "/api/v1/author/", body: `[{"name": "A"}, {"name": "A"}]`,
			status: 409, code: "CONFLICT", details: `{"index": 1, "fields": {"name": "An author with this name already exists."}}`, message: "Item 1: An author with this name already exists."},
		{name: "an array with a foreign-key violation", method: "POST", path: "/api/v1/book/", body: `[{"title": "A", "author_id": 1}, {"title": "B", "author_id": 999}]`,
			status: 409, code: "CONFLICT", details: `{"index": 1, "fields": {"author_id": "There is no author with key 999."}}`, message: "Item 1: author_id: there is no author with key 999."},
		{name: "an array with an item that is no object", method: "POST", path: "/api/v1/author/", body: `[{"name": "A"}, "B"]`,
			status: 400, code: "MALFORMED_BODY", details: `{"index": 1}`},
		{name: "an empty array", method: "POST", path: "/api/v1/author/", body: `[]`,
			status: 400, code: "MALFORMED_BODY"},

		// Bodies.
		{name: "malformed JSON", method: "POST", path: "/api/v1/author/", body: `{"name": `, status: 400, code: "MALFORMED_BODY"},
		{name: "malformed JSON on PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `{name: "x"}`, status: 400, code: "MALFORMED_BODY"},
		{name: "an empty body", method: "POST", path: "/api/v1/author/", body: ``, status: 400, code: "MALFORMED_BODY", message: "empty"},
		{name: "an empty body on PUT", method: "PUT", path: "/api/v1/author/1/", body: ``, status: 400, code: "MALFORMED_BODY"},
		{name: "a JSON number", method: "POST", path: "/api/v1/author/", body: `42`, status: 400, code: "MALFORMED_BODY"},
		{name: "a JSON string", method: "PATCH", path: "/api/v1/author/1/", body: `"name"`, status: 400, code: "MALFORMED_BODY"},
		{name: "JSON null", method: "PUT", path: "/api/v1/author/1/", body: `null`, status: 400, code: "MALFORMED_BODY"},
		{name: "two JSON values", method: "POST", path: "/api/v1/author/", body: `{"name": "A"} {"name": "B"}`, status: 400, code: "MALFORMED_BODY"},
		{name: "an array on PUT", method: "PUT", path: "/api/v1/author/1/", body: `[{"name": "A"}]`, status: 400, code: "MALFORMED_BODY"},
		{name: "an array on PUT creating", method: "PUT", path: "/api/v1/author/70/", body: `[{"name": "A"}]`, status: 400, code: "MALFORMED_BODY"},
		{name: "an array on PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `[{"name": "A"}]`, status: 400, code: "MALFORMED_BODY"},
		{name: "a text/plain body", method: "POST", path: "/api/v1/author/", body: `{"name": "A"}`, header: map[string]string{"Content-Type": "text/plain"},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", details: `{"content_type": "text/plain"}`},
		{name: "a form body", method: "PUT", path: "/api/v1/author/1/", body: `name=A`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", details: `{"content_type": "application/x-www-form-urlencoded"}`},
		{name: "a body over the limit", method: "POST", path: "/api/v1/author/", body: `{"name": "` + strings.Repeat("a", 80) + `"}`,
			cfg: resource.Config{MaxBodyBytes: 64}, status: 413, code: "BODY_TOO_LARGE", details: `{"max_bytes": 64}`},
		{name: "an array over the limit", method: "POST", path: "/api/v1/author/", body: `[{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "E"}]`,
			cfg: resource.Config{MaxBodyBytes: 64}, status: 413, code: "BODY_TOO_LARGE", details: `{"max_bytes": 64}`},
		{name: "a PATCH over the limit", method: "PATCH", path: "/api/v1/author/1/", body: `{"bio": "` + strings.Repeat("a", 80) + `"}`,
			cfg: resource.Config{MaxBodyBytes: 64}, status: 413, code: "BODY_TOO_LARGE", details: `{"max_bytes": 64}`},

		// Constraints the database checks.
		{name: "a duplicate unique value", method: "POST", path: "/api/v1/author/", body: `{"name": "Émile Zola"}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"name": "An author with this name already exists."}}`, message: "An author with this name already exists."},
		{name: "a duplicate unique value on PATCH", method: "PATCH", path: "/api/v1/author/2/", body: `{"name": "Émile Zola", "rating": 1}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"name": "An author with this name already exists."}}`, message: "An author with this name already exists."},
		{name: "a duplicate unique value on PUT", method: "PUT", path: "/api/v1/publisher/2/", body: `{"name": "Gallimard"}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"name": "A publisher with this name already exists."}}`, message: "A publisher with this name already exists."},
		{name: "a duplicate unique value on PUT creating", method: "PUT", path: "/api/v1/author/80/", body: `{"name": "Virginia Woolf"}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"name": "An author with this name already exists."}}`, message: "An author with this name already exists."},
		{name: "a missing foreign key", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author_id": 999}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"author_id": "There is no author with key 999."}}`, message: "author_id: there is no author with key 999."},
		{name: "a missing self-reference", method: "POST", path: "/api/v1/author/", body: `{"name": "N", "mentor_id": 999}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"mentor_id": "There is no author with key 999."}}`, message: "mentor_id: there is no author with key 999."},
		{name: "a missing foreign key on PATCH", method: "PATCH", path: "/api/v1/book/1/", body: `{"author_id": 999}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"author_id": "There is no author with key 999."}}`, message: "author_id: there is no author with key 999."},
		{name: "a duplicate unique value by bulk PATCH", method: "PATCH", path: "/api/v1/author/", body: `{"objects": [{"resource_uri": "/api/v1/author/2/", "name": "Émile Zola"}]}`,
			status: 409, code: "CONFLICT", details: `{"index": 0, "fields": {"name": "An author with this name already exists."}}`, message: "An author with this name already exists."},
		{name: "a missing foreign key by bulk PATCH", method: "PATCH", path: "/api/v1/book/", body: `{"objects": [{"title": "T", "author_id": 999}]}`,
			status: 409, code: "CONFLICT", details: `{"index": 0, "fields": {"author_id": "There is no author with key 999."}}`, message: "author_id: there is no author with key 999."},
		{name: "a duplicate unique value by PATCH on the list", method: "PATCH", path: "/api/v1/author/?id=2", body: `{"name": "Émile Zola"}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"name": "An author with this name already exists."}}`, message: "An author with this name already exists."},
		{name: "a missing foreign key by PATCH on the list", method: "PATCH", path: "/api/v1/book/?id__in=1,2", body: `{"author_id": 999}`,
			status: 409, code: "CONFLICT", details: `{"fields": {"author_id": "There is no author with key 999."}}`, message: "author_id: there is no author with key 999."},
		{name: "deleting an author who has books", method: "DELETE", path: "/api/v1/author/3/",
			status: 409, code: "CONFLICT", details: `{"resource": "author"}`, message: "An author you are deleting is still referred to by other objects"},
		{name: "deleting by filter an author who has books", method: "DELETE", path: "/api/v1/author/?name__startswith=Virginia",
			status: 409, code: "CONFLICT", details: `{"resource": "author"}`, message: "An author you are deleting is still referred to by other objects"},
		{name: "deleting a publisher with authors among others", method: "DELETE", path: "/api/v1/publisher/?id__in=1,2",
			status: 409, code: "CONFLICT", details: `{"resource": "publisher"}`, message: "A publisher you are deleting is still referred to by other objects"},

		// Missing objects.
		{name: "PATCH of a missing object", method: "PATCH", path: "/api/v1/author/999/", body: `{"rating": 1}`,
			status: 404, code: "OBJECT_DOES_NOT_EXIST", details: `{"resource": "author", "key": "999"}`},
		{name: "PATCH of a key that cannot be", method: "PATCH", path: "/api/v1/author/abc/", body: `{"rating": 1}`,
			status: 404, code: "OBJECT_DOES_NOT_EXIST", details: `{"resource": "author", "key": "abc"}`},
		{name: "PUT on a key that cannot be", method: "PUT", path: "/api/v1/author/abc/", body: `{"name": "N"}`,
			status: 404, code: "OBJECT_DOES_NOT_EXIST", details: `{"resource": "author", "key": "abc"}`},
		{name: "DELETE of a missing object", method: "DELETE", path: "/api/v1/book/999/",
			status: 404, code: "OBJECT_DOES_NOT_EXIST", details: `{"resource": "book", "key": "999"}`},
		{name: "DELETE of a key that cannot be", method: "DELETE", path: "/api/v1/book/x/",
			status: 404, code: "OBJECT_DOES_NOT_EXIST", details: `{"resource": "book", "key": "x"}`},
		{name: "a write to no resource", method: "POST", path: "/api/v1/nobody/", body: `{}`,
			status: 404, code: "RESOURCE_NOT_FOUND", details: `{"resource": "nobody"}`},

		// DELETE on the list needs a valid filter.
		{name: "DELETE of the list without a filter", method: "DELETE", path: "/api/v1/book/",
			status: 400, code: "MISSING_PARAMETER", details: `{"parameter": "filter"}`},
		{name: "DELETE of the list with reserved parameters only", method: "DELETE", path: "/api/v1/book/?limit=1&offset=0&order_by=id&format=json&_=123",
			status: 400, code: "MISSING_PARAMETER", details: `{"parameter": "filter"}`},
		{name: "DELETE of the list with a typo'd filter", method: "DELETE", path: "/api/v1/book/?tilte=Nana",
			status: 400, code: "INVALID_FILTER", details: "-", message: "tilte"},
		{name: "DELETE of the list with a typo beside a good filter", method: "DELETE", path: "/api/v1/book/?title=Nana&author__nmae=Zola",
			status: 400, code: "INVALID_FILTER", details: "-", message: "nmae"},
		{name: "DELETE of the list with an unknown lookup", method: "DELETE", path: "/api/v1/book/?title__icontain=a",
			status: 400, code: "INVALID_FILTER", details: "-"},
		{name: "DELETE of the list with a bad value", method: "DELETE", path: "/api/v1/book/?pages__gt=many",
			status: 400, code: "INVALID_VALUE", details: "-"},
		// An empty in matches nothing (Tastypie's empty list): TestNullAndEmptyIn deletes nothing by it.
		{name: "DELETE of the list with an empty integer", method: "DELETE", path: "/api/v1/book/?id=",
			status: 400, code: "INVALID_VALUE", details: `{"parameter": "id"}`},

		// Methods.
		{name: "PUT on the list", method: "PUT", path: "/api/v1/book/", body: `{"objects": []}`,
			status: 405, code: "METHOD_NOT_ALLOWED", details: `{"allowed": ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]}`, allow: "GET, POST, PATCH, DELETE, OPTIONS"},
		{name: "PUT on the list by override", method: "POST", path: "/api/v1/book/", body: `[{"title": "T", "author_id": 1}]`,
			header: map[string]string{"X-HTTP-Method-Override": "PUT"},
			status: 405, code: "METHOD_NOT_ALLOWED", details: `{"allowed": ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]}`, allow: "GET, POST, PATCH, DELETE, OPTIONS"},
		{name: "POST on an object", method: "POST", path: "/api/v1/book/1/", body: `{"title": "T"}`,
			status: 405, code: "METHOD_NOT_ALLOWED", details: `{"allowed": ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]}`, allow: "GET, PUT, PATCH, DELETE, OPTIONS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, tc.cfg)
				before := c.snapshot()
				r := c.send(tc.method, tc.path, tc.body, tc.header)
				details := tc.details
				switch {
				case details == "":
					details = `{}`
				case details == "-":
					details = ""
				}
				wantError(t, r, tc.status, tc.code, details)
				if msg, _ := field(r.body, "error").(string); !strings.Contains(msg, tc.message) {
					t.Errorf("message %q does not contain %q", msg, tc.message)
				}
				if got := r.header.Get("Allow"); got != tc.allow {
					t.Errorf("Allow %q, want %q", got, tc.allow)
				}
				if loc := r.header.Get("Location"); loc != "" {
					t.Errorf("Location %q on an error", loc)
				}
				c.counts(fixturePublishers, fixtureAuthors, fixtureBooks)
				if after := c.snapshot(); after != before {
					t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
				// The API still works afterwards (no transaction or connection left behind).
				if r := c.send(http.MethodPatch, "/api/v1/book/2/", `{"pages": 471}`, nil); r.status != http.StatusAccepted {
					t.Errorf("a write after the failure: %d %s", r.status, r.raw)
				}
				if n := c.count("SELECT count(*) FROM book WHERE pages = 471"); n != 1 {
					t.Errorf("the write after the failure did not land")
				}
			})
		})
	}
}

// TestWriteRejectedKeepsSequence: a failed PUT that would have created a key leaves the PostgreSQL
// sequence where it was, so that the next POST gets the next key after the fixture's.
func TestWriteRejectedKeepsSequence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{})
		r := c.send(http.MethodPut, "/api/v1/author/500/", `{"name": "Émile Zola"}`, nil)
		wantError(t, r, http.StatusConflict, "CONFLICT", "")
		r = c.send(http.MethodPost, "/api/v1/author/", `{"name": "Next"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("POST: %d %s", r.status, r.raw)
		}
		wantFields(t, r.body, `{"id": 5}`)
	})
}

// quietResources are the fixture's resources with Meta.QuietWrites (Tastypie's always_return_data off).
func quietResources() []resource.Resource {
	rs := fixtureResources()
	for _, r := range rs {
		r.(*modelresource.Resource).Meta().QuietWrites = true
	}
	return rs
}

// TestWriteQuiet: with QuietWrites, POST answers 201 with an empty body (and a Location), PUT 204 (201
// when it creates), PATCH 202 empty; the writes happen all the same.
func TestWriteQuiet(t *testing.T) {
	cases := []struct {
		name     string
		method   string
		path     string
		body     string
		header   map[string]string
		status   int
		location string
		check    string // a count query that must give 1 afterwards
		counts   [3]int64
	}{
		{name: "POST", method: "POST", path: "/api/v1/author/", body: `{"name": "Colette"}`, status: 201,
			location: "/api/v1/author/5/", check: "SELECT count(*) FROM author WHERE id = 5 AND name = 'Colette'", counts: [3]int64{2, 5, 5}},
		{name: "POST of an array", method: "POST", path: "/api/v1/author/", body: `[{"name": "Colette"}, {"name": "Sido"}]`, status: 201,
			check: "SELECT count(*) FROM author WHERE id = 6 AND name = 'Sido'", counts: [3]int64{2, 6, 5}},
		{name: "PUT replacing", method: "PUT", path: "/api/v1/author/3/", body: `{"name": "Woolf"}`, status: 204,
			check: "SELECT count(*) FROM author WHERE id = 3 AND name = 'Woolf' AND rating IS NULL", counts: [3]int64{2, 4, 5}},
		{name: "PUT creating", method: "PUT", path: "/api/v1/author/40/", body: `{"name": "Colette"}`, status: 201,
			location: "/api/v1/author/40/", check: "SELECT count(*) FROM author WHERE id = 40", counts: [3]int64{2, 5, 5}},
		{name: "PATCH", method: "PATCH", path: "/api/v1/author/1/", body: `{"rating": 1.5}`, status: 202,
			check: "SELECT count(*) FROM author WHERE id = 1 AND rating = 1.5 AND bio = 'Naturalist'", counts: [3]int64{2, 4, 5}},
		{name: "PATCH by override", method: "POST", path: "/api/v1/book/1/", body: `{"pages": 600}`, status: 202,
			header: map[string]string{"X-HTTP-Method-Override": "PATCH"},
			check:  "SELECT count(*) FROM book WHERE id = 1 AND pages = 600", counts: [3]int64{2, 4, 5}},
		{name: "DELETE", method: "DELETE", path: "/api/v1/book/1/", status: 204,
			check: "SELECT count(*) FROM book WHERE id = 2", counts: [3]int64{2, 4, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{}, quietResources()...)
				r := c.send(tc.method, tc.path, tc.body, tc.header)
				if r.status != tc.status || r.raw != "" {
					t.Fatalf("status %d body %q, want %d and no body", r.status, r.raw, tc.status)
				}
				if loc := r.header.Get("Location"); loc != tc.location {
					t.Errorf("Location %q, want %q", loc, tc.location)
				}
				if n := c.count(tc.check); n != 1 {
					t.Errorf("%s: %d", tc.check, n)
				}
				c.counts(tc.counts[0], tc.counts[1], tc.counts[2])
				// Errors are still answered in full.
				r = c.send(http.MethodPost, "/api/v1/author/", `{}`, nil)
				wantError(t, r, http.StatusBadRequest, "VALIDATION_ERROR", `{"fields": {"name": "This field is required."}}`)
			})
		})
	}
}

// TestWriteIntegerOutOfRange: a number beyond what the column's type holds (INTEGER: ±2147483647, on
// both backends) is a 400 VALIDATION_ERROR naming the field, before the database sees it, with nothing
// written.
func TestWriteIntegerOutOfRange(t *testing.T) {
	for _, tc := range []struct{ method, path, body, n string }{
		{"POST", "/api/v1/book/", `{"title": "T", "author_id": 1, "pages": 3000000000}`, "3000000000"},
		{"PATCH", "/api/v1/book/1/", `{"pages": -3000000000}`, "-3000000000"},
		{"PUT", "/api/v1/book/1/", `{"title": "T", "author_id": 1, "pages": 3000000000}`, "3000000000"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{})
				before := c.snapshot()
				r := c.send(tc.method, tc.path, tc.body, nil)
				wantError(t, r, http.StatusBadRequest, "VALIDATION_ERROR", `{"fields": {"pages": "`+tc.n+` is out of range: give an integer from -2147483647 to 2147483647"}}`)
				if after := c.snapshot(); after != before {
					t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		})
	}
}

// TestWriteCreateAllDefaults: a POST of {} to a table whose every field is optional (and which has no
// timestamps) inserts a row of defaults: INSERT ... DEFAULT VALUES.
func TestWriteCreateAllDefaults(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ddl := `CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NULL, pinned BOOLEAN NOT NULL DEFAULT 0)`
		if d.Name() == dialect.Postgres {
			ddl = `CREATE TABLE note (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body TEXT NULL, pinned BOOLEAN NOT NULL DEFAULT false)`
		}
		if _, err := db.Exec(ddl); err != nil {
			t.Fatal(err)
		}
		rs := append(fixtureResources(), modelresource.New(resource.Meta{ResourceName: "note", Table: "note"}))
		c := newFixtureClient(t, db, d, resource.Config{}, rs...)
		r := c.send(http.MethodPost, "/api/v1/note/", `{}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %s", r.status, r.raw)
		}
		jsonEqual(t, r.body, `{"id": 1, "body": null, "pinned": false, "resource_uri": "/api/v1/note/1/"}`)
		sameAsGet(t, c, r.body)
		if loc := r.header.Get("Location"); loc != "/api/v1/note/1/" {
			t.Errorf("Location %q", loc)
		}
		r = c.send(http.MethodPost, "/api/v1/note/", `[{"id": 7}, {"body": "x"}]`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("array: status %d, want 201; body %s", r.status, r.raw)
		}
		jsonEqual(t, r.body, `{"objects": [{"id": 2, "body": null, "pinned": false, "resource_uri": "/api/v1/note/2/"},
			{"id": 3, "body": "x", "pinned": false, "resource_uri": "/api/v1/note/3/"}]}`)
		if n := c.count("SELECT count(*) FROM note"); n != 3 {
			t.Errorf("%d notes, want 3", n)
		}
	})
}

// TestWriteRoundTrip: a Tastypie client PUTs (or PATCHes) back the object it read; every read-only field
// it carries (id, resource_uri, query fields, timestamps) is ignored, and nothing else changes.
func TestWriteRoundTrip(t *testing.T) {
	for _, tc := range []struct{ method, path string }{
		{http.MethodPut, "/api/v1/author/1/"},
		{http.MethodPut, "/api/v1/author/2/"},
		{http.MethodPatch, "/api/v1/author/3/"},
		{http.MethodPut, "/api/v1/book/1/"},
		{http.MethodPatch, "/api/v1/book/3/"},
		{http.MethodPut, "/api/v1/publisher/2/"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				c := newFixtureClient(t, db, d, resource.Config{})
				old := c.get(tc.path).(map[string]any)
				r := c.do(tc.method, tc.path, old)
				want := map[int]bool{http.StatusOK: tc.method == http.MethodPut, http.StatusAccepted: tc.method == http.MethodPatch}
				if !want[r.status] {
					t.Fatalf("status %d; body %s", r.status, r.raw)
				}
				sameAsGet(t, c, r.body)
				if _, ok := old["updated_at"]; ok {
					old["updated_at"] = field(r.body, "updated_at")
				}
				exp, _ := json.Marshal(old)
				jsonEqual(t, r.body, string(exp))
				c.counts(fixturePublishers, fixtureAuthors, fixtureBooks)
			})
		})
	}
}

// TestWriteNaturalKey: a primary key the database does not generate (a code) is given by the client on
// POST and required there; PUT and PATCH take the key from the URL and ignore one in the body.
func TestWriteNaturalKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		if _, err := db.Exec(`CREATE TABLE tag (code VARCHAR(10) PRIMARY KEY, label TEXT NULL)`); err != nil {
			t.Fatal(err)
		}
		rs := append(fixtureResources(), modelresource.New(resource.Meta{ResourceName: "tag", Table: "tag"}))
		c := newFixtureClient(t, db, d, resource.Config{}, rs...)

		r := c.send(http.MethodPost, "/api/v1/tag/", `{"code": "a", "label": "A"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("POST: status %d; body %s", r.status, r.raw)
		}
		jsonEqual(t, r.body, `{"code": "a", "label": "A", "resource_uri": "/api/v1/tag/a/"}`)
		sameAsGet(t, c, r.body)
		if loc := r.header.Get("Location"); loc != "/api/v1/tag/a/" {
			t.Errorf("Location %q", loc)
		}

		before := c.snapshot()
		r = c.send(http.MethodPost, "/api/v1/tag/", `{"label": "no key"}`, nil)
		wantError(t, r, http.StatusBadRequest, "VALIDATION_ERROR", `{"fields": {"code": "This field is required."}}`)
		r = c.send(http.MethodPost, "/api/v1/tag/", `{"code": "a", "label": "again"}`, nil)
		wantError(t, r, http.StatusConflict, "CONFLICT", "")
		r = c.send(http.MethodPost, "/api/v1/tag/", `{"code": "abcdefghijk"}`, nil)
		wantError(t, r, http.StatusBadRequest, "VALIDATION_ERROR", `{"fields": {"code": "is longer than 10 characters"}}`)
		if after := c.snapshot(); after != before {
			t.Errorf("the database changed:\n%s\n%s", before, after)
		}
		if n := c.count("SELECT count(*) FROM tag WHERE code IS NULL OR code <> 'a'"); n != 0 {
			t.Errorf("%d rows besides 'a'", n)
		}

		r = c.send(http.MethodPut, "/api/v1/tag/b/", `{"code": "zzz", "label": "B"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("PUT: status %d; body %s", r.status, r.raw)
		}
		jsonEqual(t, r.body, `{"code": "b", "label": "B", "resource_uri": "/api/v1/tag/b/"}`)
		r = c.send(http.MethodPatch, "/api/v1/tag/a/", `{"code": "zzz", "label": "AA"}`, nil)
		if r.status != http.StatusAccepted {
			t.Fatalf("PATCH: status %d; body %s", r.status, r.raw)
		}
		jsonEqual(t, r.body, `{"code": "a", "label": "AA", "resource_uri": "/api/v1/tag/a/"}`)
		if n := c.count("SELECT count(*) FROM tag"); n != 2 {
			t.Errorf("%d tags, want 2", n)
		}
	})
}

// TestWritePutKeepsSequenceForward: a PUT that creates a key below the identity sequence never moves the
// sequence back, or a key already handed to a transaction not yet committed would be handed out again
// (PostgreSQL only: SQLite serializes writers and takes max(rowid)+1).
func TestWritePutKeepsSequenceForward(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		if d.Name() != dialect.Postgres {
			t.Skip("SQLite has no sequence and serializes writers")
		}
		c := newFixtureClient(t, db, d, resource.Config{})
		if r := c.do(http.MethodDelete, "/api/v1/author/4/", nil); r.status != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", r.status, r.raw)
		}
		// Another client's transaction has taken key 5 and not committed yet.
		ctx := context.Background()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var taken int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO author (name, created_at, updated_at) VALUES ('Pending', now(), now()) RETURNING id`).Scan(&taken); err != nil {
			t.Fatal(err)
		}
		if taken != 5 {
			t.Fatalf("the pending insert took %d, want 5", taken)
		}
		if r := c.send(http.MethodPut, "/api/v1/author/4/", `{"name": "Back"}`, nil); r.status != http.StatusCreated {
			t.Fatalf("PUT: %d %s", r.status, r.raw)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		r := c.send(http.MethodPost, "/api/v1/author/", `{"name": "After"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("POST: %d %s", r.status, r.raw)
		}
		if id := field(r.body, "id"); id == json.Number("5") || id == json.Number("4") {
			t.Errorf("POST got key %v again", id)
		}
		c.counts(fixturePublishers, 6, fixtureBooks)
	})
}

// TestWriteSQLiteBigintKey: on SQLite only "INTEGER PRIMARY KEY" is the rowid; a BIGINT PRIMARY KEY is
// not generated (SQLite would store NULL keys), so the client gives it on POST, as on PostgreSQL
// without an identity.
func TestWriteSQLiteBigintKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		if _, err := db.Exec(`CREATE TABLE thing (id BIGINT PRIMARY KEY, label TEXT NULL)`); err != nil {
			t.Fatal(err)
		}
		rs := append(fixtureResources(), modelresource.New(resource.Meta{ResourceName: "thing", Table: "thing"}))
		c := newFixtureClient(t, db, d, resource.Config{}, rs...)
		r := c.send(http.MethodPost, "/api/v1/thing/", `{"label": "A"}`, nil)
		wantError(t, r, http.StatusBadRequest, "VALIDATION_ERROR", `{"fields": {"id": "This field is required."}}`)
		r = c.send(http.MethodPost, "/api/v1/thing/", `{"id": 3, "label": "A"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("status %d; body %s", r.status, r.raw)
		}
		jsonEqual(t, r.body, `{"id": 3, "label": "A", "resource_uri": "/api/v1/thing/3/"}`)
		if n := c.count("SELECT count(*) FROM thing WHERE id IS NULL"); n != 0 {
			t.Errorf("%d rows with a NULL key", n)
		}
	})
}
