package resource

import (
	"errors"
	"net/http"
	"time"
)

// DefaultPerWriteTimeout bounds each write of a response unless Config.PerWriteTimeout says otherwise.
const DefaultPerWriteTimeout = 30 * time.Second

// deadlineWriter gives every write of a response its own deadline (http.ResponseController's
// SetWriteDeadline, just before the write): a client that accepts no bytes for the timeout is cut
// off, while one that keeps reading is never cut, however long the whole answer takes (a CSV export of
// millions of rows). The deadline replaces http.Server.WriteTimeout's for the API's answers.
type deadlineWriter struct {
	http.ResponseWriter
	rc          *http.ResponseController
	timeout     time.Duration
	unsupported bool // the ResponseWriter has no deadlines (a test's recorder)
}

// Write writes p with a deadline of the timeout from now.
func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(p)
}

// FlushError flushes with a deadline of the timeout from now.
func (w *deadlineWriter) FlushError() error {
	w.arm()
	return w.rc.Flush()
}

// Unwrap returns the ResponseWriter it wraps, for http.ResponseController.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// arm sets the write deadline; a ResponseWriter without deadlines (a test's recorder) is written without.
func (w *deadlineWriter) arm() {
	if !w.unsupported && errors.Is(w.rc.SetWriteDeadline(time.Now().Add(w.timeout)), http.ErrNotSupported) {
		w.unsupported = true
	}
}

// WriteDeadlines serves next with a write deadline of timeout armed when the request starts, before
// every write of its answer, and once more when next returns (for what the server writes after the
// handler). The API serves its own routes through it (Config.PerWriteTimeout).
//
// A deadline set on a connection stays there after the answer: Go resets it for the next request on a
// kept-alive connection only when http.Server.WriteTimeout is set. A server without WriteTimeout that
// serves other handlers besides the API (health checks, a site) should therefore wrap its whole
// handler in WriteDeadlines, so that every answer arms its own deadline:
//
//	srv := &http.Server{Handler: resource.WriteDeadlines(30*time.Second, mux), ...}
func WriteDeadlines(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout}
		dw.arm()
		defer dw.arm()
		next.ServeHTTP(dw, r)
	})
}
