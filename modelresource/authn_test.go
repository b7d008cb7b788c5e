package modelresource_test

import (
	"database/sql"
	"testing"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// With authentication required, nothing about a resource is shown to an anonymous request: not its
// objects, its schema, its OPTIONS metadata, its sub-resource lists, nor its schema inlined in the
// listing; every 401 carries the challenge.
func TestAnonymousSeesNothingWhenAuthenticationIsRequired(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := expandResources(nil)
		for _, r := range rs {
			r.Meta().Authentication = auth.Required{Authentication: auth.Chain{auth.Basic{}}}
		}
		c := newClient(t, db, d, rs...)
		for _, req := range []struct{ method, path string }{
			{"GET", "/api/v1/book/"},
			{"GET", "/api/v1/book/1/"},
			{"GET", "/api/v1/book/schema/"},
			{"OPTIONS", "/api/v1/book/"},
			{"OPTIONS", "/api/v1/book/1/"},
			{"GET", "/api/v1/author/1/books/"},
		} {
			r := c.do(req.method, req.path, nil)
			if r.status != 401 || field(r.body, "code") != "NOT_AUTHENTICATED" || r.header.Get("WWW-Authenticate") != `Basic realm="tastygo"` {
				t.Errorf("%s %s: %d %q %s", req.method, req.path, r.status, r.header.Get("WWW-Authenticate"), r.raw)
			}
		}
		r := c.do("GET", "/api/v1/?fullschema=true", nil)
		jsonEqual(t, field(r.body, "book"), `{"list_endpoint": "/api/v1/book/", "schema": "/api/v1/book/schema/"}`)
	})
}

var _ resource.Authentication = auth.Required{}
