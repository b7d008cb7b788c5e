package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Resource values are descriptions: the API built from them holds its own state, so one set of values
// serves two APIs under different prefixes, each answering with its own URIs.
func TestSameResourcesInTwoAPIs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := fixtureResources()
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		one, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: quiet, Prefix: "/one/"}, rs...)
		if err != nil {
			t.Fatalf("first API: %v", err)
		}
		two, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: quiet, Prefix: "/two/"}, rs...)
		if err != nil {
			t.Fatalf("second API: %v", err)
		}
		for i, api := range []*resource.API{one, two, one} {
			p := api.Prefix()
			c := &client{t: t, h: api, db: db, d: d, api: api}
			r := c.do("GET", p+"author/?order_by=id&limit=1&name__startswith=Guy", nil)
			if r.status != 200 {
				t.Fatalf("%s list: %d %s", p, r.status, r.raw)
			}
			jsonEqual(t, field(r.body, "objects", 0, "resource_uri"), `"`+p+`author/2/"`)
			jsonEqual(t, field(r.body, "objects", 0, "publisher_id"), `1`)
			jsonEqual(t, field(r.body, "objects", 0, "publisher__name"), `"Gallimard"`)
			r = c.do("GET", p+"book/3/?depth=1", nil)
			if r.status != 200 {
				t.Fatalf("%s detail: %d %s", p, r.status, r.raw)
			}
			jsonEqual(t, field(r.body, "author", "resource_uri"), `"`+p+`author/2/"`)
			jsonEqual(t, field(r.body, "author", "mentor_id"), `1`)
			r = c.do("GET", p+"book/schema/", nil)
			if r.status != 200 {
				t.Fatalf("%s schema: %d %s", p, r.status, r.raw)
			}
			jsonEqual(t, field(r.body, "fields", "author_id", "related_resource"), `"author"`)
			jsonEqual(t, field(r.body, "fields", "genre", "choices"), `["novel", "poetry", "essay"]`)
			r = c.do("POST", p+"publisher/", map[string]any{"name": fmt.Sprint("Seuil ", i)})
			if r.status != 201 || !strings.HasPrefix(r.header.Get("Location"), p+"publisher/") {
				t.Fatalf("%s POST: %d %q %s", p, r.status, r.header.Get("Location"), r.raw)
			}
		}
	})
}

// noNextGet has an ObjGet without next: New refuses it.
type noNextGet struct{ *modelresource.Resource }

func (noNextGet) ObjGet(context.Context, *resource.Bundle) (*resource.Object, error) { return nil, nil }

// New can be called again with the same values after it failed (a refused override, a wrong Meta
// fixed in place), and twice with the same values: a failed New leaves nothing behind on them.
func TestNewRetriedWithSameValues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		cfg := resource.Config{DB: db, Dialect: d, Logger: quiet}
		rs := fixtureResources()
		book := rs[2].(*modelresource.Resource)
		_, err := resource.New(context.Background(), cfg, rs[0], rs[1], noNextGet{book})
		if err == nil || !strings.Contains(err.Error(), "ObjGet") {
			t.Fatalf("New with a refused override: %v", err)
		}
		author := rs[1].Meta()
		ordering := author.Ordering
		author.Ordering = []string{"id", "nosuch"}
		_, err = resource.New(context.Background(), cfg, rs...)
		if err == nil || !strings.Contains(err.Error(), `Meta.Ordering: "nosuch"`) {
			t.Fatalf("New with a wrong Meta: %v", err)
		}
		author.Ordering = ordering
		first, err := resource.New(context.Background(), cfg, rs...)
		if err != nil {
			t.Fatalf("New after the fixes: %v", err)
		}
		again, err := resource.New(context.Background(), cfg, rs...)
		if err != nil {
			t.Fatalf("New again: %v", err)
		}
		for _, api := range []*resource.API{first, again} {
			c := &client{t: t, h: api, db: db, d: d, api: api}
			r := c.do("GET", "/api/v1/author/?publisher__name=Penguin&order_by=name", nil)
			if r.status != 200 {
				t.Fatalf("list: %d %s", r.status, r.raw)
			}
			jsonEqual(t, field(r.body, "meta", "total_count"), `1`)
			jsonEqual(t, field(r.body, "objects", 0, "resource_uri"), `"/api/v1/author/3/"`)
			r = c.do("GET", "/api/v1/book/4/", nil)
			jsonEqual(t, field(r.body, "author_id"), `3`)
			l, err := api.List(context.Background(), "book", nil)
			if err != nil || len(l.Objects) != 2 || l.Meta.TotalCount != 5 {
				t.Fatalf("List: %v %+v", err, l)
			}
		}
	})
}

// auditedPublishers records every new publisher's name in a second row, written through r.DB(ctx) in
// the transaction of r.Atomic: the row goes to the database of the API serving the request.
type auditedPublishers struct{ *modelresource.Resource }

func (r auditedPublishers) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	var obj *resource.Object
	err := r.Atomic(ctx, func(ctx context.Context) error {
		q := "INSERT INTO publisher (name) VALUES ('audit of ' || ?)"
		if _, err := r.DB(ctx).ExecContext(ctx, b.Resource.API.Dialect().Rebind(q), b.Data["name"]); err != nil {
			return err
		}
		var err error
		obj, err = next(ctx, b)
		return err
	})
	return obj, err
}

// One value registered in two APIs over two databases: an override's r.DB(ctx) and r.Atomic use the
// database of the API serving the request, and a unique violation through r.DB(ctx) names its field
// in either.
func TestSameOverrideInTwoDatabases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		db2, _ := testdb.Open(t, d.Name())
		createFixture(t, db, d)
		createFixture(t, db2, d)
		rs := fixtureResources()
		rs[0] = auditedPublishers{rs[0].(*modelresource.Resource)}
		one, two := newClient(t, db, d, rs...), newClient(t, db2, d, rs...)
		if r := two.do("POST", "/api/v1/publisher/", map[string]any{"name": "Seuil"}); r.status != 201 {
			t.Fatalf("POST to the second API: %d %s", r.status, r.raw)
		}
		if r := one.do("POST", "/api/v1/publisher/", map[string]any{"name": "Minuit"}); r.status != 201 {
			t.Fatalf("POST to the first API: %d %s", r.status, r.raw)
		}
		for _, c := range []struct {
			db   *client
			want string
		}{{one, "Minuit"}, {two, "Seuil"}} {
			if n := c.db.count(`SELECT count(*) FROM publisher WHERE name IN (?, ?)`, c.want, "audit of "+c.want); n != 2 {
				t.Errorf("%s: %d rows of its own, want 2", c.want, n)
			}
			if n := c.db.count(`SELECT count(*) FROM publisher`); n != 4 {
				t.Errorf("%s: %d publishers, want 4", c.want, n)
			}
		}
		r := two.do("POST", "/api/v1/publisher/", map[string]any{"name": "Seuil"})
		if r.status != 409 || field(r.body, "details", "fields", "name") == nil {
			t.Errorf("a duplicate through r.DB(ctx): %d %s", r.status, r.raw)
		}
	})
}
