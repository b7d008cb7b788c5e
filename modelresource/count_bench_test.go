package modelresource_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// BenchmarkTotalCount serves the first page of a 1,000,000-row table, and of a filter matching half
// of it, counted each way Meta.TotalCount offers (BENCHMARKS.md).
func BenchmarkTotalCount(b *testing.B) {
	const rows = 1000000
	for _, backend := range testdb.Backends {
		b.Run(string(backend), func(b *testing.B) {
			db, d := testdb.Open(b, backend)
			ctx := context.Background()
			createReadings(b, db, d, rows)
			for _, mode := range []resource.CountMode{resource.CountExact, resource.CountEstimate, resource.CountNone} {
				api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
					modelresource.New(resource.Meta{ResourceName: "reading", Table: "reading", TotalCount: mode,
						Filtering: map[string]resource.Lookups{"id": resource.All}}))
				if err != nil {
					b.Fatal(err)
				}
				for _, path := range []struct{ name, url string }{
					{"all", "/api/v1/reading/?limit=20"},
					{"half", "/api/v1/reading/?limit=20&id__gt=500000"},
				} {
					b.Run(string(mode)+"/"+path.name, func(b *testing.B) {
						for b.Loop() {
							rec := httptest.NewRecorder()
							api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path.url, nil))
							if rec.Code != http.StatusOK {
								b.Fatalf("status %d: %s", rec.Code, rec.Body)
							}
						}
					})
				}
			}
		})
	}
}
