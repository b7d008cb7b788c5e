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
