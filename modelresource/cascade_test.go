package modelresource_test

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// cascadingAuthors deletes an author's books, and forgets it as a mentor, before deleting the author
// (its ObjDelete override); it records the keys it was called for and refuses to delete Maupassant
// (author 2).
type cascadingAuthors struct {
	*modelresource.Resource
	mu    *sync.Mutex
	calls *[]string
}

func (r cascadingAuthors) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error {
	r.mu.Lock()
	*r.calls = append(*r.calls, b.Key)
	r.mu.Unlock()
	if b.Key == "2" {
		return apierror.New(apierror.Forbidden, "Maupassant stays")
	}
	return r.Atomic(ctx, func(ctx context.Context) error {
		for _, stmt := range []string{"DELETE FROM book WHERE author_id = ", "UPDATE author SET mentor_id = NULL WHERE mentor_id = "} {
			if _, err := r.DB(ctx).ExecContext(ctx, stmt+b.Key); err != nil {
				return err
			}
		}
		return next(ctx, b)
	})
}

// When a resource overrides ObjDelete (and not ObjDeleteList), DELETE by filter and bulk PATCH's
// deleted_objects delete each object through the override, in one transaction, as DELETE of one object
// does: here an author's books go with the author instead of a 409. A refusal of one rolls all back.
func TestDeleteByFilterGoesThroughObjDelete(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		wantCalls                string
		authors, books           int64
	}{
		{"DELETE of one", "DELETE", "/api/v1/author/3/", "", 204, "3", 3, 3},
		{"DELETE by filter", "DELETE", "/api/v1/author/?name__startswith=Virginia", "", 200, "3", 3, 3},
		{"DELETE by filter of several", "DELETE", "/api/v1/author/?id__in=1,3,4", "", 200, "1,3,4", 1, 1},
		{"DELETE by filter matching nothing", "DELETE", "/api/v1/author/?name=nobody", "", 200, "", 4, 5},
		{"bulk PATCH's deleted_objects", "PATCH", "/api/v1/author/", `{"deleted_objects": ["/api/v1/author/3/", "/api/v1/author/1/"]}`, 202, "1,3", 2, 1},
		{"a refused one rolls DELETE by filter back", "DELETE", "/api/v1/author/?id__in=1,2,3", "", 403, "1,2", 4, 5},
		{"a refused one rolls bulk PATCH back", "PATCH", "/api/v1/author/", `{"deleted_objects": ["/api/v1/author/3/", "/api/v1/author/2/"]}`, 403, "2,3", 4, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				rs := fixtureResources()
				var calls []string
				rs[1] = cascadingAuthors{Resource: rs[1].(*modelresource.Resource), mu: &sync.Mutex{}, calls: &calls}
				c := newFixtureClient(t, db, d, resource.Config{}, rs...)
				var body any
				if tt.body != "" {
					body = tt.body
				}
				r := c.do(tt.method, tt.path, body)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
				}
				if tt.status == 200 {
					if got := normalizeText(field(r.body, "deleted")); got != strconv.Itoa(len(calls)) {
						t.Errorf("deleted %v, want %d", got, len(calls))
					}
				}
				sort.Strings(calls)
				if got := strings.Join(calls, ","); got != tt.wantCalls {
					t.Errorf("ObjDelete called for %q, want %q", got, tt.wantCalls)
				}
				if n := c.count("SELECT count(*) FROM author"); n != tt.authors {
					t.Errorf("%d authors, want %d", n, tt.authors)
				}
				if n := c.count("SELECT count(*) FROM book"); n != tt.books {
					t.Errorf("%d books, want %d", n, tt.books)
				}
			})
		})
	}
}

// Without an ObjDelete override, DELETE by filter stays one statement (and a row still referred to is a
// conflict, not a cascade).
func TestDeleteByFilterWithoutOverrideIsOneStatement(t *testing.T) {
	testdb.Each(t, func(t *testing.T, _ *sql.DB, backend dialect.Dialect) {
		db, d, counter := testdb.OpenCounting(t, backend.Name())
		c := newFixtureClient(t, db, d, resource.Config{})
		counter.Reset()
		r := c.do("DELETE", "/api/v1/book/?id__in=1,2,3,4", nil)
		if r.status != 200 || normalizeText(field(r.body, "deleted")) != "4" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if n := counter.N(); n != 1 {
			t.Errorf("%d statements, want 1", n)
		}
		if r := c.do("DELETE", "/api/v1/author/?id=3", nil); r.status != 409 {
			t.Errorf("an author with books: %d %s", r.status, r.raw)
		}
	})
}
