package nonmodel_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// A non-model resource value is a description: after a New that failed, the same value serves two
// APIs under different prefixes, each running the work (the override included) and recording its runs.
func TestNonModelInTwoAPIs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		f := newAPI(t, db, d) // the recount value, bound once already
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		wrong := modelresource.New(resource.Meta{ResourceName: "item", Table: "item", Ordering: []string{"nosuch"}})
		_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: quiet, Prefix: "/two/"}, f.res, wrong)
		if err == nil || !strings.Contains(err.Error(), `Meta.Ordering: "nosuch"`) {
			t.Fatalf("New with a wrong resource beside it: %v", err)
		}
		two, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: quiet, Prefix: "/two/"}, f.res)
		if err != nil {
			t.Fatalf("New again with the same value: %v", err)
		}
		srv := httptest.NewServer(two)
		t.Cleanup(srv.Close)
		g := &fixture{t: t, db: db, d: d, api: two, srv: srv, res: f.res}

		a := f.get("/api/v1/recount/?group=1")
		if a.status != 200 || a.body["objects"].([]any)[0].(map[string]any)["resource_uri"] != "/api/v1/recount/1/" {
			t.Fatalf("first API: %d %v", a.status, a.body)
		}
		a = g.get("/two/recount/?group=1&order_by=id")
		objs, _ := a.body["objects"].([]any)
		if a.status != 200 || len(objs) != 2 || objs[1].(map[string]any)["resource_uri"] != "/two/recount/2/" {
			t.Fatalf("second API: %d %v", a.status, a.body)
		}
		if a = g.get("/two/recount/?group=1&order_by=nosuch"); a.status != 400 {
			t.Fatalf("second API, bad order_by: %d %v", a.status, a.body)
		}
		if n := f.res.calls.Load(); n != 2 {
			t.Errorf("PreProcessData ran %d times, want 2 (once per API)", n)
		}
		if got := runs(t, db); len(got) != 2 || got[0].Status != "succeeded" || got[1].Status != "succeeded" {
			t.Errorf("runs: %+v", got)
		}
		if a = g.get("/two/recount/schema/"); a.status != 200 || a.body["params"] == nil {
			t.Fatalf("second API schema: %d %v", a.status, a.body)
		}
	})
}
