package observe_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tastygo/tastygo/observe"
)

// BenchmarkHandler measures what observe.Handler adds to a request: the bare handler, then with the
// access log (JSON, discarded) and the metrics.
func BenchmarkHandler(b *testing.B) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "{}")
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", bare},
		{"log", observe.Handler(bare, observe.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})},
		{"log+metrics", observe.Handler(bare, observe.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
			Metrics: observe.NewMetrics(nil, "")})},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/v1/datapoint/?campaign_id=1&limit=20", nil)
			req.RemoteAddr = "127.0.0.1:5555"
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
