package modelresource_test

import (
	"context"
	"database/sql"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// provisionalAuth answers reads at once as provisional, and confirms them with confirmed (or
// confirmErr) once release is closed; complete authentications answer confirmed.
type provisionalAuth struct {
	provisional, confirmed *resource.User
	confirmErr             error
	release                chan struct{}
	complete, tentative    atomic.Int32
}

func (a *provisionalAuth) Authenticate(context.Context, *http.Request) (*resource.User, error) {
	a.complete.Add(1)
	return a.confirmed, a.confirmErr
}

func (a *provisionalAuth) AuthenticateProvisionally(context.Context, *http.Request) (*resource.User, resource.ConfirmFunc, error) {
	a.tentative.Add(1)
	return a.provisional, func(ctx context.Context) (*resource.User, error) {
		select {
		case <-a.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return a.confirmed, a.confirmErr
	}, nil
}

func (a *provisionalAuth) Challenge() string { return `Test realm="t"` }

// byUser is the book resource, narrowed for "reader" to the books of author 1, and writing an audit
// row (a new publisher) in a transaction when a list is read with ?audit=1.
type byUser struct {
	*modelresource.Resource
	rebind func(string) string
}

func (r byUser) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b, q, fs)
	if b.User != nil && b.User.Username == "reader" {
		q = q.Where(r.Column("author_id")+" = ?", 1)
	}
	return q, err
}

func (r byUser) ObjGetList(ctx context.Context, b *resource.Bundle, next resource.ObjGetListFunc) (*resource.Page, error) {
	if b.Query.Get("audit") == "1" {
		err := r.Atomic(ctx, func(ctx context.Context) error {
			_, err := r.DB(ctx).ExecContext(ctx, r.rebind("INSERT INTO publisher (name) VALUES (?)"), "audit")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return next(ctx, b)
}

// A read authenticated provisionally is answered only once its credentials are confirmed; credentials
// that fail get their 401 (never the read's own answer, a 404 included); a confirmed user who differs
// is served the read again; writes and transactions wait for a complete authentication.
func TestProvisionalAuthentication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		reader, admin := &resource.User{ID: 2, Username: "reader"}, &resource.User{ID: 1, Username: "admin", Superuser: true}
		revoked := apierror.New(apierror.NotAuthenticated, "The API key has been revoked.")
		setup := func(provisional, confirmed *resource.User, confirmErr error) (*provisionalAuth, *client) {
			a := &provisionalAuth{provisional: provisional, confirmed: confirmed, confirmErr: confirmErr, release: make(chan struct{})}
			rs := fixtureResources()
			rs[2] = byUser{rs[2].(*modelresource.Resource), d.Rebind}
			rs[2].Meta().ExtraParams = []string{"audit"}
			rs[1].Meta().ToMany = map[string]resource.ToMany{"books": {Resource: "book", Via: "author"}}
			for _, r := range rs {
				r.Meta().Authentication = a
				r.Meta().Limit, r.Meta().MaxLimit = 20, 20
			}
			c := newClient(t, db, d, rs...)
			return a, c
		}
		books := func(r response) int { return len(field(r.body, "objects").([]any)) }
		all := int(newClientCount(t, db, d, "SELECT count(*) FROM book"))
		ofAuthor1 := int(newClientCount(t, db, d, "SELECT count(*) FROM book WHERE author_id = 1"))
		if ofAuthor1 == all || ofAuthor1 == 0 {
			t.Fatalf("the fixture should have books of author 1 and others: %d of %d", ofAuthor1, all)
		}

		t.Run("the answer waits for the confirmation", func(t *testing.T) {
			a, c := setup(admin, admin, nil)
			done := make(chan response, 1)
			go func() { done <- c.do("GET", "/api/v1/book/", nil) }()
			select {
			case r := <-done:
				t.Fatalf("answered %d before the credentials were confirmed", r.status)
			case <-time.After(100 * time.Millisecond):
			}
			close(a.release)
			r := <-done
			if r.status != 200 || books(r) != all {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if a.tentative.Load() != 1 || a.complete.Load() != 0 {
				t.Errorf("provisional %d, complete %d authentications; want 1 and 0", a.tentative.Load(), a.complete.Load())
			}
		})

		t.Run("failed credentials replace any answer with their 401", func(t *testing.T) {
			a, c := setup(admin, nil, revoked)
			close(a.release)
			for _, req := range []struct{ method, path string }{
				{"GET", "/api/v1/book/"},
				{"GET", "/api/v1/book/999999/"}, // a 404 for the provisional user
				{"HEAD", "/api/v1/book/1/"},
				{"GET", "/api/v1/book/set/1;2/"},
				{"GET", "/api/v1/book/schema/"},
				{"OPTIONS", "/api/v1/book/"},
				{"GET", "/api/v1/book/?format=csv"},
				{"GET", "/api/v1/author/1/books/"},
			} {
				r := c.do(req.method, req.path, nil)
				if r.status != 401 || r.header.Get("WWW-Authenticate") != `Test realm="t"` {
					t.Errorf("%s %s: %d %q %s", req.method, req.path, r.status, r.header.Get("WWW-Authenticate"), r.raw)
					continue
				}
				if req.method != "HEAD" {
					jsonEqual(t, r.body, `{"success": false, "code": "NOT_AUTHENTICATED", "error": "The API key has been revoked.", "details": {}}`)
				}
			}
		})

		t.Run("a user who changed is served again", func(t *testing.T) {
			a, c := setup(admin, reader, nil)
			close(a.release)
			r := c.do("GET", "/api/v1/book/", nil)
			if r.status != 200 || books(r) != ofAuthor1 {
				t.Fatalf("%d, %d books (want the confirmed reader's %d): %s", r.status, books(r), ofAuthor1, r.raw)
			}
			if a.tentative.Load() != 1 || a.complete.Load() != 1 {
				t.Errorf("provisional %d, complete %d authentications; want 1 and 1", a.tentative.Load(), a.complete.Load())
			}
		})

		t.Run("writes authenticate completely", func(t *testing.T) {
			a, c := setup(admin, admin, nil)
			for _, req := range []struct{ method, path, body string }{
				{"POST", "/api/v1/publisher/", `{"name": "p"}`},
				{"PATCH", "/api/v1/publisher/1/", `{"name": "q"}`},
				{"DELETE", "/api/v1/book/?title=nothing-has-this-title", ""},
			} {
				var body any
				if req.body != "" {
					body = req.body
				}
				if r := c.do(req.method, req.path, body); r.status >= 300 {
					t.Errorf("%s %s: %d %s", req.method, req.path, r.status, r.raw)
				}
			}
			if a.tentative.Load() != 0 || a.complete.Load() != 3 {
				t.Errorf("provisional %d, complete %d authentications; want 0 and 3", a.tentative.Load(), a.complete.Load())
			}
		})

		t.Run("a transaction in a read waits for the confirmation", func(t *testing.T) {
			before := newClientCount(t, db, d, "SELECT count(*) FROM publisher WHERE name = 'audit'")
			a, c := setup(admin, nil, revoked)
			close(a.release)
			if r := c.do("GET", "/api/v1/book/?audit=1", nil); r.status != 401 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if n := newClientCount(t, db, d, "SELECT count(*) FROM publisher WHERE name = 'audit'"); n != before {
				t.Errorf("a read whose credentials failed wrote %d audit rows", n-before)
			}
			a, c = setup(admin, admin, nil)
			close(a.release)
			if r := c.do("GET", "/api/v1/book/?audit=1", nil); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if n := newClientCount(t, db, d, "SELECT count(*) FROM publisher WHERE name = 'audit'"); n != before+1 {
				t.Errorf("a confirmed read wrote %d audit rows, want 1", n-before)
			}
		})
	})
}

// newClientCount reads a number from the database.
func newClientCount(t *testing.T, db *sql.DB, d dialect.Dialect, query string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(context.Background(), d.Rebind(query)).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
