package modelresource_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// A detail and a list fetched twice with If-None-Match are a 304 without a body the second time, with
// the same ETag, Cache-Control and Vary; a change makes the ETag change.
func TestConditionalGET(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := fixtureResources()
		rs[2].Meta().CacheControl = "max-age=60"
		c := newClient(t, db, d, rs...)
		for _, path := range []string{"/api/v1/book/1/", "/api/v1/book/?order_by=id", "/api/v1/book/set/1;2/"} {
			first := c.doHeader("GET", path, "", http.Header{})
			etag := first.header.Get("ETag")
			if first.status != 200 || len(etag) != 34 || etag[0] != '"' || first.header.Get("Vary") != "Accept, Authorization" ||
				first.header.Get("Cache-Control") != "max-age=60" {
				t.Fatalf("%s: %d %q %v", path, first.status, etag, first.header)
			}
			for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
				again := c.doHeader("GET", path, "", http.Header{"If-None-Match": {inm}})
				if again.status != 304 || again.raw != "" || again.header.Get("ETag") != etag ||
					again.header.Get("Cache-Control") != "max-age=60" || again.header.Get("Vary") != "Accept, Authorization" {
					t.Errorf("%s If-None-Match %s: %d %q %v", path, inm, again.status, again.raw, again.header)
				}
			}
			if r := c.doHeader("HEAD", path, "", http.Header{"If-None-Match": {etag}}); r.status != 304 {
				t.Errorf("HEAD %s: %d", path, r.status)
			}
			if r := c.doHeader("HEAD", path, "", http.Header{}); r.status != 200 || r.header.Get("ETag") != etag {
				t.Errorf("HEAD %s: %d %q", path, r.status, r.header.Get("ETag"))
			}
			if r := c.doHeader("GET", path, "", http.Header{"If-None-Match": {`"other"`}}); r.status != 200 || r.raw != first.raw {
				t.Errorf("%s with another ETag: %d", path, r.status)
			}
		}
		before := c.doHeader("GET", "/api/v1/book/1/", "", http.Header{}).header.Get("ETag")
		if r := c.do("PATCH", "/api/v1/book/1/", map[string]any{"pages": 592}); r.status != 202 || r.header.Get("ETag") != "" {
			t.Fatalf("PATCH: %d %v", r.status, r.header)
		}
		after := c.doHeader("GET", "/api/v1/book/1/", "", http.Header{"If-None-Match": {before}})
		if after.status != 200 || after.header.Get("ETag") == before {
			t.Errorf("after a change: %d %q", after.status, after.header.Get("ETag"))
		}
		// Errors carry no ETag.
		if r := c.doHeader("GET", "/api/v1/book/99/", "", http.Header{"If-None-Match": {"*"}}); r.status != 404 || r.header.Get("ETag") != "" {
			t.Errorf("404: %d %v", r.status, r.header)
		}
	})
}

// If-Match on PUT, PATCH and DELETE: the current ETag lets the write through, any other is a 412 and
// changes nothing; two clients PATCHing with the same If-Match at once: exactly one wins.
func TestIfMatch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d)
		etag := func(key string) string {
			return c.doHeader("GET", "/api/v1/book/"+key+"/", "", http.Header{}).header.Get("ETag")
		}
		patch := func(key, ifMatch, body string) response {
			return c.doHeader("PATCH", "/api/v1/book/"+key+"/", body, http.Header{"If-Match": {ifMatch}, "Content-Type": {"application/json"}})
		}
		old := etag("1")
		if r := patch("1", `"stale"`, `{"pages": 1}`); r.status != 412 || field(r.body, "code") != "PRECONDITION_FAILED" || field(r.body, "details", "etag") != old {
			t.Errorf("stale: %d %s", r.status, r.raw)
		}
		if r := patch("1", "W/"+old, `{"pages": 1}`); r.status != 412 {
			t.Errorf("weak: %d %s", r.status, r.raw)
		}
		if r := patch("1", old, `{"pages": 2}`); r.status != 202 {
			t.Errorf("current: %d %s", r.status, r.raw)
		}
		if r := patch("1", old, `{"pages": 3}`); r.status != 412 {
			t.Errorf("the ETag before the change: %d %s", r.status, r.raw)
		}
		if r := patch("1", "*", `{"pages": 4}`); r.status != 202 {
			t.Errorf("*: %d %s", r.status, r.raw)
		}
		if r := c.doHeader("PUT", "/api/v1/book/70/", `{"title": "x", "author_id": 1}`, http.Header{"If-Match": {"*"}, "Content-Type": {"application/json"}}); r.status != 412 {
			t.Errorf("PUT that would create, If-Match *: %d %s", r.status, r.raw)
		}
		if r := c.doHeader("DELETE", "/api/v1/book/2/", "", http.Header{"If-Match": {old}}); r.status != 412 {
			t.Errorf("DELETE, stale: %d %s", r.status, r.raw)
		}
		if r := c.doHeader("DELETE", "/api/v1/book/2/", "", http.Header{"If-Match": {etag("2")}}); r.status != 204 {
			t.Errorf("DELETE: %d %s", r.status, r.raw)
		}
		if n := c.count("SELECT count(*) FROM book WHERE (id = 1 AND pages = 4) OR id = 70 OR id = 2"); n != 1 {
			t.Errorf("rows not as expected: %d", n)
		}

		// Two writers with the same If-Match, many times: exactly one wins each round.
		for round := 0; round < 10; round++ {
			current := etag("3")
			results := make(chan response, 2)
			for _, pages := range []int{100 + round, 200 + round} {
				go func() {
					results <- patch("3", current, fmt.Sprintf(`{"pages": %d}`, pages))
				}()
			}
			a, b := <-results, <-results
			if a.status == 412 {
				a, b = b, a
			}
			if a.status != 202 || b.status != 412 {
				t.Fatalf("round %d: %d %s / %d %s", round, a.status, a.raw, b.status, b.raw)
			}
			if n := c.count("SELECT count(*) FROM book WHERE id = 3 AND pages = ?", field(a.body, "pages")); n != 1 {
				t.Fatalf("round %d: the row does not hold the winner's value %v", round, field(a.body, "pages"))
			}
		}
	})
}
