package modelresource_test

import (
	"database/sql"
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
			if first.status != 200 || len(etag) != 26 || etag[0] != '"' || first.header.Get("Vary") != "Accept, Authorization" ||
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
