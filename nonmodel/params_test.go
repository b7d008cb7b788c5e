package nonmodel_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// weighParams has float parameters.
type weighParams struct {
	Ratio   float64   `schema:"ratio,required"`
	Weights []float64 `schema:"weights"`
}

// weigh is a non-model resource over the item table whose work only counts its calls.
type weigh struct {
	*nonmodel.Resource
	calls *atomic.Int64
}

func (r weigh) PreProcessData(ctx context.Context, b *resource.Bundle, next nonmodel.PreProcessDataFunc) error {
	r.calls.Add(1)
	return next(ctx, b)
}

// TestFloatParameters: NaN and infinities parse as floats but are refused as the parameter's invalid
// value, before any run (they were a 500: the run's canonical parameters are JSON, which has no NaN).
func TestFloatParameters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createTables(t, db, d)
		r := weigh{calls: &atomic.Int64{}}
		r.Resource = nonmodel.New(resource.Meta{ResourceName: "weigh", Table: "item", Ordering: []string{"id"}}, nonmodel.Options{Params: weighParams{}})
		api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, r)
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{t: t, db: db, d: d, api: api, srv: httptest.NewServer(api)}
		t.Cleanup(f.srv.Close)
		for _, c := range []struct{ query, value, param string }{
			{"?ratio=NaN", "NaN", "ratio"},
			{"?ratio=inf", "inf", "ratio"},
			{"?ratio=-Infinity", "-Infinity", "ratio"},
			{"?ratio=1&weights=2&weights=nan", "2,nan", "weights"},
		} {
			a := f.get("/api/v1/weigh/" + c.query)
			check(t, c.query+" status", a.status, 400)
			check(t, c.query+" body", a.body, errBody(`Invalid value "`+c.value+`" for parameter "`+c.param+`": expected a `+map[string]string{"ratio": "float", "weights": "list of float"}[c.param]+".",
				"INVALID_VALUE", map[string]any{"parameter": c.param}))
		}
		check(t, "runs after refused parameters", runs(t, db), []runRow{})
		check(t, "work calls", r.calls.Load(), int64(0))
		ok := f.get("/api/v1/weigh/?ratio=0.5&weights=1e308")
		check(t, "a finite ratio: status", ok.status, 200)
		check(t, "a finite ratio: runs", runs(t, db), []runRow{{Resource: "weigh", Parameters: `{"ratio":0.5,"weights":[1e+308]}`, Status: "succeeded", Ended: true}})
	})
}
