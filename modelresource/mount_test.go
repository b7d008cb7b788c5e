package modelresource_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// An API mounts inside an existing server under any prefix, and every URI it writes carries the prefix.
func TestMountUnderPrefix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Prefix: "/dash/api/v2/"}, fixtureResources()...)
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/dash/api/v2/", api)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("the site")) })
		c := &client{t: t, h: mux, db: db, d: d, api: api}

		r := c.do("GET", "/dash/api/v2/", nil)
		jsonEqual(t, field(r.body, "book"), `{"list_endpoint": "/dash/api/v2/book/", "schema": "/dash/api/v2/book/schema/"}`)
		r = c.do("GET", "/dash/api/v2/book/?order_by=id&limit=1", nil)
		jsonEqual(t, field(r.body, "meta", "next"), `"/dash/api/v2/book/?order_by=id&limit=1&offset=1"`)
		jsonEqual(t, field(r.body, "objects", 0, "resource_uri"), `"/dash/api/v2/book/1/"`)
		r = c.do("POST", "/dash/api/v2/publisher/", map[string]any{"name": "Mounted"})
		if r.status != 201 || r.header.Get("Location") != "/dash/api/v2/publisher/3/" {
			t.Errorf("POST: %d %q", r.status, r.header.Get("Location"))
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/about", nil))
		if rec.Body.String() != "the site" {
			t.Errorf("the rest of the server: %q", rec.Body.String())
		}
		r = c.do("GET", "/dash/api/v2/nothing/", nil)
		if r.status != 404 || field(r.body, "code") != "RESOURCE_NOT_FOUND" || !strings.Contains(r.raw, "nothing") {
			t.Errorf("unknown resource: %d %s", r.status, r.raw)
		}
	})
}

// Two APIs live side by side in one process without sharing anything.
func TestTwoAPIsSideBySide(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		a := newClient(t, db, d)
		b := newClient(t, db, d, fixtureResources()[0])
		if r := a.do("GET", "/api/v1/book/", nil); r.status != 200 {
			t.Errorf("first API: %d", r.status)
		}
		if r := b.do("GET", "/api/v1/book/", nil); r.status != 404 {
			t.Errorf("second API serves a resource it was not given: %d", r.status)
		}
	})
}
