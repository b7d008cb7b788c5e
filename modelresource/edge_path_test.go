package modelresource_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// allMethods are the methods every path rule is checked with.
var allMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, "PROPFIND"}

// withTags adds a resource with a text key to the fixture: tag (code, label), rows "a", "a;b" and "c".
func withTags(t *testing.T, db *sql.DB) []resource.Resource {
	t.Helper()
	for _, stmt := range []string{
		`CREATE TABLE tag (code VARCHAR(20) PRIMARY KEY, label VARCHAR(20) NOT NULL)`,
		`INSERT INTO tag (code, label) VALUES ('a', 'A'), ('a;b', 'A;B'), ('c', 'C')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	return append(csvResources(nil, nil), modelresource.New(resource.Meta{ResourceName: "tag", Table: "tag"}))
}

// TestNonCanonicalPathsAre404: a path with "//", a "." or ".." segment (plain or percent-encoded), an
// encoded '/' or an encoded character that needs no encoding is a 404 in the error shape for every
// method, never a redirect (gorilla/mux's cleaning answered 301 to another resource's object), and
// nothing is written.
func TestNonCanonicalPathsAre404(t *testing.T) {
	paths := []string{
		"/api/v1/author/..%2Fbook%2F1/",
		"/api/v1/author/..%2fbook%2f1/",
		"/api/v1/author/%2E%2E/book/1/",
		"/api/v1/author/%2e%2e%2fbook%2f1/",
		"/api/v1/author/../book/1/",
		"/api/v1/author/1/../../book/1/",
		"/api/v1/./book/1/",
		"/api/v1/book/./1/",
		"/api/v1/book/1/.",
		"/api/v1/book/1/..",
		"//api/v1/book/1/",
		"/api/v1//book/1/",
		"/api/v1/book//1/",
		"/api/v1/book/1//",
		"/api/v1/book//",
		"/api/v1/book/1%2F",
		"/api/v1/book/%31/",
		"/api/v1/b%6Fok/1/",
		"/api/v1/book/set/1%3B2%2F/",
		"/api/v1/tag/a%2F/",
		"/api/v1/tag/%61/",
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{}, withTags(t, db)...)
		before := c.snapshot()
		for _, p := range paths {
			for _, m := range allMethods {
				t.Run(m+" "+p, func(t *testing.T) {
					r := c.sendRaw(m, p, `{"title": "x", "author_id": 1}`)
					if r.status != http.StatusNotFound || r.header.Get("Location") != "" {
						t.Fatalf("status %d, Location %q; want 404 and none; body %s", r.status, r.header.Get("Location"), r.raw)
					}
					if m != http.MethodHead {
						wantError(t, r, http.StatusNotFound, "RESOURCE_NOT_FOUND", "")
						if msg, _ := field(r.body, "error").(string); !strings.Contains(msg, "not canonical") {
							t.Errorf("message %q", msg)
						}
					}
				})
			}
		}
		if after := c.snapshot(); after != before {
			t.Fatalf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

// sendRaw sends a request whose target is used exactly as written (httptest.NewRequest parses it as a
// server does), with a JSON body.
func (c *client) sendRaw(method, target, body string) response {
	c.t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(fmt.Sprintf(
		"%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, target, len(body), body))))
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	return c.serve(req)
}

// serve runs a request through the API and decodes the answer.
func (c *client) serve(req *http.Request) response {
	c.t.Helper()
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	resp := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		dec := json.NewDecoder(rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&resp.body); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %v\n%s", req.Method, req.RequestURI, err, resp.raw)
		}
	}
	return resp
}

// TestNonCanonicalPathsOverHTTP: the same through a real server and raw request lines, for the attack
// of the finding: no 301, and the other resource's object is still there.
func TestNonCanonicalPathsOverHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{})
		srv := httptest.NewServer(c.h)
		defer srv.Close()
		for _, target := range []string{"/api/v1/author/..%2Fbook%2F1/", "/api/v1//book/1/", "/api/v1/author/%2e%2e/book/1/"} {
			status := rawStatus(t, srv.Listener.Addr().String(), "DELETE "+target)
			if status != "HTTP/1.1 404 Not Found" {
				t.Errorf("DELETE %s: %q", target, status)
			}
		}
		if n := c.count("SELECT count(*) FROM book WHERE id = 1"); n != 1 {
			t.Errorf("book 1 was deleted")
		}
	})
}

// rawStatus sends a request line (and no body) and returns the status line of the answer.
func rawStatus(t *testing.T, addr, line string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", line)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(status)
}

// TestOnlyCanonicalKeys: "+1", "01", " 1", "1.0" and "1 " do not address book 1 with any method (PUT
// does not create them either), in a detail, a set/, a relation's list or a bulk PATCH's
// deleted_objects; text keys are matched as sent, a "%3B" in one included.
func TestOnlyCanonicalKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{}, withTags(t, db)...)
		before := c.snapshot()
		for _, key := range []string{"+1", "01", "%201", "1%20", "1.0", "-0", "1e0", "0x1"} {
			for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
				t.Run(m+" "+key, func(t *testing.T) {
					r := c.sendRaw(m, "/api/v1/book/"+key+"/", `{"title": "x", "author_id": 1}`)
					wantError(t, r, http.StatusNotFound, "OBJECT_DOES_NOT_EXIST", "")
					if field(r.body, "details", "resource") != "book" {
						t.Errorf("details %v", field(r.body, "details"))
					}
				})
			}
			t.Run("relation list "+key, func(t *testing.T) {
				wantError(t, c.sendRaw(http.MethodGet, "/api/v1/author/"+key+"/books/", ""), http.StatusNotFound, "OBJECT_DOES_NOT_EXIST", "")
			})
			t.Run("deleted_objects "+key, func(t *testing.T) {
				r := c.sendRaw(http.MethodPatch, "/api/v1/book/", `{"deleted_objects": ["/api/v1/book/`+key+`/"]}`)
				wantError(t, r, http.StatusNotFound, "OBJECT_DOES_NOT_EXIST", "")
			})
		}
		for _, uri := range []string{"/api/v1/book/%31/", "/api/v1/book/..%2Fauthor%2F1/", "/api/v1/book/%2E%2E/"} {
			r := c.sendRaw(http.MethodPatch, "/api/v1/book/", `{"deleted_objects": ["`+uri+`"]}`)
			wantError(t, r, http.StatusBadRequest, "MALFORMED_BODY", `{"deleted_index": 0}`)
		}
		if after := c.snapshot(); after != before {
			t.Fatalf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		r := c.sendRaw(http.MethodGet, "/api/v1/book/set/+1;01;1;1.0/?fields=id", "")
		jsonEqual(t, r.body, `{"objects": [{"id": 1, "resource_uri": "/api/v1/book/1/"}], "not_found": ["+1", "01", "1.0"]}`)
		r = c.sendRaw(http.MethodGet, "/api/v1/tag/a%3Bb/", "")
		jsonEqual(t, r.body, `{"code": "a;b", "label": "A;B", "resource_uri": "/api/v1/tag/a%3Bb/"}`)
		r = c.sendRaw(http.MethodGet, "/api/v1/tag/set/a%3Bb;c;%20a/", "")
		jsonEqual(t, r.body, `{"objects": [{"code": "a;b", "label": "A;B", "resource_uri": "/api/v1/tag/a%3Bb/"},
			{"code": "c", "label": "C", "resource_uri": "/api/v1/tag/c/"}], "not_found": [" a"]}`)
		if r := c.sendRaw(http.MethodDelete, "/api/v1/tag/a%3Bb/", ""); r.status != http.StatusNoContent {
			t.Errorf("DELETE tag a;b: %d %s", r.status, r.raw)
		}
		if r := c.sendRaw(http.MethodDelete, "/api/v1/book/1", ""); r.status != http.StatusNoContent {
			t.Errorf("DELETE book 1: %d %s", r.status, r.raw)
		}
	})
}

// TestSetIsCapped: set/ takes at most 1,000 keys, as id__in does: 1,001 is a 400 naming set, and
// 32,767 (beyond SQLite's bound-parameter limit, a 500 before) too.
func TestSetIsCapped(t *testing.T) {
	keys := func(n int) string {
		ks := make([]string, n)
		for i := range ks {
			ks[i] = fmt.Sprint(i + 1)
		}
		return strings.Join(ks, ";")
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{})
		r := c.sendRaw(http.MethodGet, "/api/v1/book/set/"+keys(1000)+"/?fields=id", "")
		if r.status != http.StatusOK || len(field(r.body, "objects").([]any)) != 5 || len(field(r.body, "not_found").([]any)) != 995 {
			t.Fatalf("1,000 keys: %d %.300s", r.status, r.raw)
		}
		for _, n := range []int{1001, 32767, 70000} {
			r := c.sendRaw(http.MethodGet, "/api/v1/book/set/"+keys(n)+"/", "")
			wantError(t, r, http.StatusBadRequest, "INVALID_VALUE", `{"parameter": "set"}`)
			if want := fmt.Sprintf("Invalid value for set/: give at most 1000 keys, not %d.", n); field(r.body, "error") != want {
				t.Errorf("message %v, want %s", field(r.body, "error"), want)
			}
		}
		ks := strings.Split(keys(1001), ";")
		_, err := c.api.Set(resource.WithUser(context.Background(), nil), "book", ks, nil)
		if e := apierror.As(err); e == nil || e.Code != "INVALID_VALUE" || e.Details["parameter"] != "set" {
			t.Errorf("engine Set of 1,001 keys: %v", err)
		}
	})
}
