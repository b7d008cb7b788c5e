package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/tastygo/tastygo/observe"
	"github.com/tastygo/tastygo/resource"
)

// server is serve's HTTP server, which counts the requests in flight for its shutdown's log lines.
type server struct {
	*http.Server
	mu     sync.Mutex
	active map[net.Conn]bool // connections serving a request
}

// newServer returns the server of h with the limits, every request logged (one access-log line) and,
// when metrics is not nil, counted.
func newServer(h http.Handler, limits serverLimits, logger *slog.Logger, metrics *observe.Metrics) *server {
	s := &server{active: map[net.Conn]bool{}}
	s.Server = &http.Server{
		// No WriteTimeout: each write gets a deadline of its own, so that a long export streams to a reader
		// that keeps reading. WriteDeadlines arms one for every answer, health checks included, since Go
		// resets a connection's write deadline between requests only when WriteTimeout is set.
		Handler:           resource.WriteDeadlines(resource.DefaultPerWriteTimeout, observe.Handler(h, observe.Options{Logger: logger, Metrics: metrics})),
		ReadHeaderTimeout: limits.readHeader,
		ReadTimeout:       limits.read,
		IdleTimeout:       limits.idle,
		MaxHeaderBytes:    limits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ConnState: func(c net.Conn, st http.ConnState) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if st == http.StateActive {
				s.active[c] = true
			} else {
				delete(s.active, c)
			}
		},
	}
	return s
}

// inFlight is the number of connections serving a request (HTTP/1 serves one request at a time on a
// connection).
func (s *server) inFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// newMetricsServer serves the metrics at /metrics, and nothing else.
func newMetricsServer(metrics *observe.Metrics, limits serverLimits, logger *slog.Logger) *http.Server {
	h := metrics.Handler()
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				http.Error(w, "metrics are served at /metrics", http.StatusNotFound)
				return
			}
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: limits.readHeader,
		ReadTimeout:       limits.readHeader,
		WriteTimeout:      limits.idle,
		IdleTimeout:       limits.idle,
		MaxHeaderBytes:    limits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Bounds of what a log line quotes, whoever logs it: any text attribute beyond maxLogText (a stack
// trace beyond maxLogStack) is cut, so that no request can make a log line of its size.
const (
	maxLogText  = 2000
	maxLogStack = 32 << 10
)

// newLogger returns serve's logger on w: JSON lines (json) or key=value lines (text).
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{ReplaceAttr: boundAttr}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be json or text, not %q", format)
}

// boundAttr cuts long text attributes, errors included.
func boundAttr(_ []string, a slog.Attr) slog.Attr {
	limit := maxLogText
	if a.Key == "stack" {
		limit = maxLogStack
	}
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		if len(v.String()) > limit {
			a.Value = slog.StringValue(resource.LogText(v.String(), limit))
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok && len(err.Error()) > limit {
			a.Value = slog.StringValue(resource.LogText(err.Error(), limit))
		}
	}
	return a
}
