package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/migrations"
)

// operations serves the health checks beside the API, outside its prefix, without authentication or
// throttling: /healthz answers 200 while the process serves; /readyz answers 200 when the database
// answers and every migration is applied, 503 naming what is wrong otherwise. Every other path goes to
// the API, untouched (no path cleaning, no redirects).
type operations struct {
	api   http.Handler
	ready *readiness
}

func (o operations) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		o.answer(w, r, http.StatusOK, map[string]any{"status": "alive"})
	case "/readyz":
		st := o.ready.check()
		status := http.StatusOK
		if st.Status != statusReady {
			status = http.StatusServiceUnavailable
		}
		o.answer(w, r, status, readyAnswer{readyState: st, Replicas: o.ready.replicaStates()})
	default:
		o.api.ServeHTTP(w, r)
	}
}

// answer writes a health check's JSON answer; methods other than GET and HEAD are a 405 in the API's
// error shape.
func (o operations) answer(w http.ResponseWriter, r *http.Request, status int, body any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		status = http.StatusMethodNotAllowed
		body = map[string]any{"success": false, "code": "METHOD_NOT_ALLOWED", "details": map[string]any{"allowed": []string{"GET", "HEAD"}},
			"error": fmt.Sprintf("%s is not allowed on %s. Allowed: GET, HEAD.", strings.ToValidUTF8(r.Method, "?"), r.URL.Path)}
	}
	raw, _ := json.Marshal(body)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(raw, '\n'))
	}
}

// The answers of /readyz.
const (
	statusReady       = "ready"
	statusUnavailable = "unavailable"
	checkOK           = "ok"
)

// readyState is /readyz's body: {"status": "ready", "database": "ok", "migrations": "ok"}, or
// {"status": "unavailable", ...} with the failing check's problem in its field.
type readyState struct {
	Status     string `json:"status"`
	Database   string `json:"database"`
	Migrations string `json:"migrations"`
}

// readyAnswer is /readyz's body: the checks of the primary and, when the API reads from replicas,
// each replica's state: "ok", or why it gets no reads ("unavailable", "lagging"). A replica that is
// down does not make the instance unready: its reads go to the primary.
type readyAnswer struct {
	readyState
	Replicas map[string]string `json:"replicas,omitempty"`
}

// replicaStates is each replica's state, from the replicas' last check (nil without replicas).
func (r *readiness) replicaStates() map[string]string {
	if r.replicas == nil {
		return nil
	}
	out := map[string]string{}
	for _, st := range r.replicas.Status() {
		switch {
		case st.Healthy:
			out[st.Name] = checkOK
		case strings.HasPrefix(st.Err, "lagging"):
			out[st.Name] = "lagging"
		default:
			out[st.Name] = "unavailable"
		}
	}
	return out
}

// readiness checks the database and its migrations at most once per cacheFor, however many probes
// arrive: concurrent probes wait for the check in progress and share its result, so that /readyz
// costs the database one ping and one read of the migration table per second at most.
type readiness struct {
	db       *sql.DB
	d        dialect.Dialect
	logger   *slog.Logger
	timeout  time.Duration // the deadline of both checks together
	cacheFor time.Duration
	// replicas are the API's read replicas, reported beside the primary; nil: none.
	replicas *dialect.Replicas

	mu   sync.Mutex
	last readyState
	at   time.Time
}

func newReadiness(db *sql.DB, d dialect.Dialect, logger *slog.Logger) *readiness {
	return &readiness{db: db, d: d, logger: logger, timeout: 2 * time.Second, cacheFor: time.Second}
}

// check returns the latest state, checking again when it is older than cacheFor. A change of state is
// logged, with the cause of a failure (which the answer does not show: no addresses or driver text).
func (r *readiness) check() readyState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && time.Since(r.at) < r.cacheFor {
		return r.last
	}
	st, cause := r.probe()
	if st != r.last {
		if st.Status == statusReady {
			r.logger.Info("ready", "database", st.Database, "migrations", st.Migrations)
		} else {
			r.logger.Warn("not ready", "database", st.Database, "migrations", st.Migrations, "cause", cause)
		}
	}
	r.last, r.at = st, time.Now()
	return r.last
}

// probe pings the database, then asks it which migrations are pending, both within the timeout.
func (r *readiness) probe() (readyState, string) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	st := readyState{Status: statusUnavailable, Database: checkOK, Migrations: "not checked"}
	if err := dialect.Ping(ctx, r.db); err != nil {
		st.Database = r.problem(ctx, err)
		return st, err.Error()
	}
	pending, err := migrations.Pending(ctx, r.db, r.d)
	if err != nil {
		st.Migrations = r.problem(ctx, err)
		return st, err.Error()
	}
	if len(pending) > 0 {
		names := make([]string, len(pending))
		for i, m := range pending {
			names[i] = m.Name
		}
		st.Migrations = "pending: " + strings.Join(names, ", ")
		return st, "run `app migrate`"
	}
	st.Status, st.Migrations = statusReady, checkOK
	return st, ""
}

// problem names a failed check for the answer: a timeout as such, anything else as unavailable.
func (r *readiness) problem(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return fmt.Sprintf("no answer within %s", r.timeout)
	}
	return "unavailable"
}
