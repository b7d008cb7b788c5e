// Package observe lets operators see what a tastygo application does: one structured access-log line
// per request (log/slog) and Prometheus metrics (requests by resource, method and status, latency,
// throttled requests, processing runs by outcome, the database pool), for any http.Handler that
// serves a [resource.API].
//
//	metrics := observe.NewMetrics(db, "dashboard")
//	api, _ := resource.New(ctx, resource.Config{..., Observer: metrics}, resources...)
//	handler := observe.Handler(api, observe.Options{Logger: logger, Metrics: metrics})
//	go http.ListenAndServe("127.0.0.1:9100", metrics.Handler()) // GET /metrics
//
// Handler reads what the API learned about each request from the [resource.RequestInfo] it places in
// the request's context: the framework itself depends on no logging or metrics library.
package observe

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/tastygo/tastygo/resource"
)

// Options is what Handler records.
type Options struct {
	// Logger receives one line per request, at level Info with the message "request" (see
	// accessAttrs for its fields); nil: no access log.
	Logger *slog.Logger
	// Metrics counts every request; nil: no metrics.
	Metrics *Metrics
}

// Handler returns next wrapped so that every request it serves is logged and counted once it is
// answered, with what the API recorded about it (resource, user, rows, error code) when next is or
// contains a resource.API. A request next answers outside the API (a health check) is recorded with no
// resource.
func Handler(next http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, info := resource.WithRequestInfo(r)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			p := recover()
			aborted := p != nil
			elapsed := time.Since(start)
			if o.Metrics != nil {
				o.Metrics.observe(info, r.Method, rec.status, elapsed)
			}
			if o.Logger != nil {
				o.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", accessAttrs(r, info, rec, elapsed, aborted)...)
			}
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK // net/http answers 200 to a handler that wrote nothing
		}
	})
}

// recorder remembers the status and the size of an answer. It unwraps to the server's writer, so that
// http.ResponseController (per-write deadlines, flushes) reaches it.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher for code that asserts it rather than use a ResponseController.
func (w *recorder) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap returns the server's writer, for http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
