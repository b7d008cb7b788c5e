package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// bookEndpoints adds routes of its own to the book resource: one on the list, several on one book.
type bookEndpoints struct{ *modelresource.Resource }

var _ resource.Endpointer = bookEndpoints{}

type bookStats struct {
	Books int64  `json:"books"`
	User  string `json:"user"`
}

type shoutBody struct {
	Suffix string `json:"suffix"`
}

func (r bookEndpoints) Endpoints() []resource.Endpoint {
	return []resource.Endpoint{
		{Name: "stats", Summary: "How many books the user may read.", Response: bookStats{},
			Handler: func(ctx context.Context, b *resource.Bundle, _ *resource.Object) (any, error) {
				var n int64
				err := r.DB(ctx).QueryRowContext(ctx, "SELECT count(*) FROM book").Scan(&n)
				name := ""
				if b.User != nil {
					name = b.User.Username
				}
				return bookStats{Books: n, User: name}, err
			}},
		{Name: "shout", Detail: true, Methods: []string{"GET", "POST"}, Summary: "The title, loud.", Request: shoutBody{},
			Handler: func(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
				title, _ := obj.Get("title")
				suffix, _ := b.Data["suffix"].(string)
				return map[string]any{"title": strings.ToUpper(title.(string)) + suffix, "method": b.Method}, nil
			}},
		{Name: "boom", Detail: true, Handler: func(context.Context, *resource.Bundle, *resource.Object) (any, error) {
			panic("the handler broke")
		}},
		{Name: "taken", Handler: func(context.Context, *resource.Bundle, *resource.Object) (any, error) {
			return nil, apierror.New(apierror.Conflict, "That is taken.")
		}},
		{Name: "accepted", Methods: []string{"post"}, Handler: func(context.Context, *resource.Bundle, *resource.Object) (any, error) {
			return &resource.Response{Status: http.StatusAccepted, Body: map[string]any{"queued": true}}, nil
		}},
	}
}

// headerUser authenticates X-User; anonymous without it.
type headerUser struct{}

func (headerUser) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	switch u := r.Header.Get("X-User"); u {
	case "":
		return nil, apierror.New(apierror.NotAuthenticated, "Who are you?")
	case "ann", "bob":
		return &resource.User{Username: u}, nil
	}
	return nil, apierror.New(apierror.NotAuthenticated, "Unknown user.")
}

// noBook2ForBob hides book 2 from bob and refuses him every write.
type noBook2ForBob struct{ resource.AllowAll }

func (noBook2ForBob) ReadList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	if b.User != nil && b.User.Username == "bob" {
		return sq.NotEq{"book.id": 2}, nil
	}
	return nil, nil
}

func (noBook2ForBob) UpdateDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	if b.User.Username == "bob" {
		return apierror.New(apierror.Forbidden, "Bob only reads.")
	}
	return nil
}

// onceThrottle lets each user make one request to the stats endpoint, then refuses.
type onceThrottle struct{ seen map[string]bool }

func (t onceThrottle) Check(ctx context.Context, b *resource.Bundle) error {
	if b.Request == nil || !strings.HasSuffix(b.Request.URL.Path, "/stats/") || b.User == nil || b.User.Username != "bob" {
		return nil
	}
	if t.seen["bob"] {
		return resource.Throttled(time.Minute, "One stats request a minute.")
	}
	t.seen["bob"] = true
	return nil
}

func TestCustomEndpoints(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		m := bookMeta()
		m.Authentication, m.Authorization, m.Throttle = headerUser{}, noBook2ForBob{}, onceThrottle{map[string]bool{}}
		c := newClient(t, db, d, withBooks(bookEndpoints{modelresource.New(m)})...)
		as := func(user, method, path, body string, hdr ...string) response {
			t.Helper()
			h := http.Header{"X-User": {user}, "Content-Type": {"application/json"}}
			for i := 0; i+1 < len(hdr); i += 2 {
				h.Set(hdr[i], hdr[i+1])
			}
			return c.doHeader(method, path, body, h)
		}
		for _, tt := range []struct {
			user, method, path, body string
			status                   int
			want                     string // the body, exactly; "" to check code only
			code                     string
		}{
			{"ann", "GET", "/api/v1/book/stats/", "", 200, `{"books":5,"user":"ann"}`, ""},
			{"ann", "GET", "/api/v1/book/stats", "", 200, `{"books":5,"user":"ann"}`, ""},
			{"ann", "GET", "/api/v1/book/1/shout/", "", 200, `{"method": "GET", "title": "GERMINAL"}`, ""},
			{"ann", "POST", "/api/v1/book/1/shout/", `{"suffix": "!"}`, 200, `{"method": "POST", "title": "GERMINAL!"}`, ""},
			{"ann", "POST", "/api/v1/book/accepted/", `{}`, 202, `{"queued": true}`, ""},
			// Errors, each in the one shape.
			{"", "GET", "/api/v1/book/stats/", "", 401, "", "NOT_AUTHENTICATED"},
			{"ann", "DELETE", "/api/v1/book/stats/", "", 405, "", "METHOD_NOT_ALLOWED"},
			{"ann", "GET", "/api/v1/book/999/shout/", "", 404, "", "OBJECT_DOES_NOT_EXIST"},
			{"ann", "GET", "/api/v1/book/x/shout/", "", 404, "", "OBJECT_DOES_NOT_EXIST"},
			{"ann", "GET", "/api/v1/book/taken/", "", 409, "", "CONFLICT"},
			{"ann", "GET", "/api/v1/book/1/boom/", "", 500, "", "INTERNAL_ERROR"},
			{"ann", "POST", "/api/v1/book/1/shout/", `[1`, 400, "", "MALFORMED_BODY"},
			// The object only if the user may read it; a write only if the user may change it.
			{"bob", "GET", "/api/v1/book/2/shout/", "", 404, "", "OBJECT_DOES_NOT_EXIST"},
			{"bob", "GET", "/api/v1/book/1/shout/", "", 200, `{"method": "GET", "title": "GERMINAL"}`, ""},
			{"bob", "POST", "/api/v1/book/1/shout/", `{}`, 403, "", "FORBIDDEN"},
			// Throttled as the resource is: bob's second stats request.
			{"bob", "GET", "/api/v1/book/stats/", "", 200, `{"books":5,"user":"bob"}`, ""},
			{"bob", "GET", "/api/v1/book/stats/", "", 429, "", "THROTTLED"},
		} {
			r := as(tt.user, tt.method, tt.path, tt.body)
			if r.status != tt.status || (tt.want != "" && r.raw != tt.want) || (tt.code != "" && field(r.body, "code") != tt.code) {
				t.Errorf("%s %s %s: %d %s", tt.user, tt.method, tt.path, r.status, r.raw)
			}
			if tt.code != "" && (field(r.body, "success") != false || field(r.body, "error") == nil) {
				t.Errorf("%s %s: not the error shape: %s", tt.method, tt.path, r.raw)
			}
		}
		if r := as("ann", "DELETE", "/api/v1/book/stats/", ""); r.header.Get("Allow") != "GET" {
			t.Errorf("Allow: %q", r.header.Get("Allow"))
		}
		if r := as("", "GET", "/api/v1/book/stats/", ""); r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without a challenge")
		}
		if r := as("ann", "GET", "/api/v1/book/stats/", "", "Accept", "application/json;q=0"); r.status != 406 || field(r.body, "code") != "NOT_ACCEPTABLE" {
			t.Errorf("Accept: application/json;q=0: %d %s", r.status, r.raw)
		}
		if r := as("ann", "GET", "/api/v1/book/stats/?format=csv", ""); r.status != 406 || field(r.body, "code") != "NOT_ACCEPTABLE" {
			t.Errorf("format=csv: %d %s", r.status, r.raw)
		}
		// The routes did not take the resource's own: details, schema/ and set/ still answer.
		if r := as("ann", "GET", "/api/v1/book/1/", ""); r.status != 200 || field(r.body, "title") != "Germinal" {
			t.Errorf("detail: %d %s", r.status, r.raw)
		}
		// /schema/ and the OpenAPI document describe them.
		r := as("ann", "GET", "/api/v1/book/schema/", "")
		jsonEqual(t, field(r.body, "endpoints", "shout"), `{"detail": true, "methods": ["get", "post"], "summary": "The title, loud.", "url": "/api/v1/book/<key>/shout/"}`)
		jsonEqual(t, field(r.body, "endpoints", "stats"), `{"detail": false, "methods": ["get"], "summary": "How many books the user may read.", "url": "/api/v1/book/stats/"}`)
		r = as("ann", "GET", "/api/v1/openapi.json", "")
		jsonEqual(t, field(r.body, "paths", "/api/v1/book/stats/", "get", "responses", "200", "content", "application/json", "schema"),
			`{"properties": {"books": {"type": "integer"}, "user": {"type": "string"}}, "required": ["books", "user"], "type": "object"}`)
		jsonEqual(t, field(r.body, "paths", "/api/v1/book/{key}/shout/", "post", "requestBody", "content", "application/json", "schema"),
			`{"properties": {"suffix": {"type": "string"}}, "required": ["suffix"], "type": "object"}`)
		if field(r.body, "paths", "/api/v1/book/{key}/shout/", "get", "operationId") != "shout_get_book" {
			t.Errorf("operationId: %v", field(r.body, "paths", "/api/v1/book/{key}/shout/", "get"))
		}
	})
}

// doHeader sends a request with the headers and a raw body, and decodes the answer as do does.
func (c *client) doHeader(method, path, body string, h http.Header) response {
	c.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
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

type authorEndpoint struct{ *modelresource.Resource }

func (authorEndpoint) Endpoints() []resource.Endpoint {
	return []resource.Endpoint{{Name: "books", Detail: true, Handler: func(context.Context, *resource.Bundle, *resource.Object) (any, error) {
		return nil, nil
	}}}
}

// An endpoint on an object may not take the path of a relation listed under it.
func TestEndpointCollidesWithSubResource(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := fixtureResources()
		rs[1].Meta().ToMany = map[string]resource.ToMany{"books": {Resource: "book", Via: "author"}}
		rs[1] = authorEndpoint{rs[1].(*modelresource.Resource)}
		_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, rs...)
		const want = `resource "author": Endpoints: books (on an object): /author/<key>/books/ is already the list of its relation "books"`
		if err == nil || err.Error() != want {
			t.Errorf("New:\n got: %v\nwant: %s", err, want)
		}
	})
}
