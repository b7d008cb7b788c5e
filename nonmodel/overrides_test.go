package nonmodel_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// PreProcessData is a step like the others: resource.New refuses a method of that name that cannot
// override it.

type preNoNext struct{ *nonmodel.Resource }

func (preNoNext) PreProcessData(ctx context.Context, b *resource.Bundle) error { return nil }

type prePointer struct{ *nonmodel.Resource }

func (*prePointer) PreProcessData(ctx context.Context, b *resource.Bundle, next nonmodel.PreProcessDataFunc) error {
	return next(ctx, b)
}

var _ nonmodel.PreProcessDataOverrider = &prePointer{}

// preCreate overrides a step a non-model resource does not offer.
type preCreate struct{ *nonmodel.Resource }

func (preCreate) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	return next(ctx, b)
}

func TestNewRefusesWrongPreProcessData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		res := func() *nonmodel.Resource {
			return nonmodel.New(resource.Meta{ResourceName: "recount", Table: "item"}, nonmodel.Options{Params: recountParams{}})
		}
		tests := []struct {
			name string
			r    resource.Resource
			want string
		}{
			{"no next", preNoNext{res()},
				`resource "recount": nonmodel_test.preNoNext.PreProcessData cannot override PreProcessData: it has no next parameter (a nonmodel.PreProcessDataFunc, last), through which the override receives the default; an override of PreProcessData is func(context.Context, *resource.Bundle, nonmodel.PreProcessDataFunc) error (see nonmodel.PreProcessDataOverrider)`},
			{"pointer receiver, registered by value", prePointer{res()},
				`resource "recount": (*nonmodel_test.prePointer).PreProcessData cannot override PreProcessData: it has a pointer receiver, but the resource is registered as a nonmodel_test.prePointer value, whose methods do not include it; register a pointer (&nonmodel_test.prePointer{...}) or give PreProcessData a value receiver`},
			{"a write step", preCreate{res()},
				`resource "recount": nonmodel_test.preCreate.ObjCreate cannot override ObjCreate: this resource does not offer the step (its implementation has no ObjCreate, so nothing would ever call the override)`},
			{"pointer receiver, registered by pointer", &prePointer{res()}, ""},
		}
		for _, tt := range tests {
			_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, tt.r)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("%s:\n got: %s\nwant: %s", tt.name, got, tt.want)
			}
		}
	})
}

// A CSV export of a non-model resource runs the work once, then streams every row of its list, beyond
// the page size.
func TestCSVExportRunsOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		for i := range 4 {
			if _, err := db.Exec(d.Rebind("INSERT INTO item (grp, label) VALUES (1, ?)"), fmt.Sprint("old ", i)); err != nil {
				t.Fatal(err)
			}
		}
		r := &recount{calls: &atomic.Int64{}, d: d}
		r.Resource = nonmodel.New(resource.Meta{
			ResourceName: "recount", Table: "item",
			Filtering: map[string]resource.Lookups{"grp": resource.All},
			Ordering:  []string{"id"},
			CSVExport: true, MaxLimit: 2,
		}, nonmodel.Options{Params: recountParams{}})
		api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: slog.New(slog.DiscardHandler)}, r)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/recount/?group=1&grp=1&format=csv&fields=label&order_by=id", nil))
		want := "label,resource_uri\nold 0,/api/v1/recount/1/\nold 1,/api/v1/recount/2/\nold 2,/api/v1/recount/3/\nold 3,/api/v1/recount/4/\nrun,/api/v1/recount/5/\n"
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("%d %q", rec.Code, rec.Body.String())
		}
		if n := r.calls.Load(); n != 1 {
			t.Errorf("the work ran %d times", n)
		}
		if got := runs(t, db); len(got) != 1 || got[0].Status != "succeeded" {
			t.Errorf("runs: %+v", got)
		}
	})
}
