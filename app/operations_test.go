package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/migrations"
	"github.com/tastygo/tastygo/throttle"
)

// TestHealthAndReadiness serves the health checks beside an API that requires credentials and
// throttles each client to one request a minute: they answer without credentials, are never
// throttled, and are outside the API (a path that is not exactly theirs goes to the API). /readyz turns
// 503 while the database does not answer within its deadline and while a migration is pending, naming
// which, and logs each change of state once.
func TestHealthAndReadiness(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		logged := &syncBuffer{}
		logger := slog.New(slog.NewJSONHandler(logged, nil))
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: f.cache,
			throttle: &throttle.PerUser{Limit: 1, Window: time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		ready := newReadiness(db, d, logger)
		ready.timeout, ready.cacheFor = 300*time.Millisecond, 0
		h := operations{api: api, ready: ready}
		all, err := migrations.Status(context.Background(), db, d)
		if err != nil {
			t.Fatal(err)
		}
		newest := all[len(all)-1]

		type step struct {
			name, method, path string
			status             int
			body               string // the exact body; "" for none
			before             func()
		}
		ok := `{"status":"ready","database":"ok","migrations":"ok"}` + "\n"
		var held *sql.Conn
		steps := []step{
			{"alive", "GET", "/healthz", 200, `{"status":"alive"}` + "\n", nil},
			{"alive again, not throttled", "GET", "/healthz", 200, `{"status":"alive"}` + "\n", nil},
			{"HEAD", "HEAD", "/healthz", 200, "", nil},
			{"ready", "GET", "/readyz", 200, ok, nil},
			{"ready again", "GET", "/readyz", 200, ok, nil},
			{"POST", "POST", "/readyz", 405, `{"code":"METHOD_NOT_ALLOWED","details":{"allowed":["GET","HEAD"]},` +
				`"error":"POST is not allowed on /readyz. Allowed: GET, HEAD.","success":false}` + "\n", nil},
			{"the API still wants credentials", "GET", "/api/v1/indicator/", 401, "", nil},
			{"a path that is not exactly theirs", "GET", "/healthz/", 404, "", nil},
			{"the pool is exhausted", "GET", "/readyz", 503,
				`{"status":"unavailable","database":"no answer within 300ms","migrations":"not checked"}` + "\n", func() {
					db.SetMaxOpenConns(1)
					if held, err = db.Conn(context.Background()); err != nil {
						t.Fatal(err)
					}
				}},
			{"the pool is back", "GET", "/readyz", 200, ok, func() {
				held.Close()
				db.SetMaxOpenConns(0)
			}},
			{"a migration is pending", "GET", "/readyz", 503,
				`{"status":"unavailable","database":"ok","migrations":"pending: ` + newest.Name + `"}` + "\n", func() {
					if _, err := db.Exec(d.Rebind("DELETE FROM goose_db_version WHERE version_id = ?"), newest.Version); err != nil {
						t.Fatal(err)
					}
				}},
		}
		for _, s := range steps {
			if s.before != nil {
				s.before()
			}
			a := serve(t, h, s.method, s.path, "", "")
			if a.status != s.status {
				t.Errorf("%s: %s %s: %d, want %d: %s", s.name, s.method, s.path, a.status, s.status, a.raw)
			}
			if s.body != "" && a.raw != s.body {
				t.Errorf("%s: body\n got %s\nwant %s", s.name, a.raw, s.body)
			}
			if s.status != 200 && s.body == "" && a.code() == "" {
				t.Errorf("%s: not the API's error shape: %s", s.name, a.raw)
			}
			if got := a.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q", s.name, got)
			}
			if strings.HasSuffix(s.path, "z") && a.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", s.name, a.header.Get("Cache-Control"))
			}
		}
		var changes []string
		for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
			for _, msg := range []string{`"msg":"ready"`, `"msg":"not ready"`} {
				if strings.Contains(line, msg) {
					changes = append(changes, msg)
				}
			}
		}
		want := []string{`"msg":"ready"`, `"msg":"not ready"`, `"msg":"ready"`, `"msg":"not ready"`}
		if !reflect.DeepEqual(changes, want) {
			t.Errorf("logged changes %q, want %q:\n%s", changes, want, logged.String())
		}
	})
}

// TestSecurityHeaders checks the dashboard's answers: X-Content-Type-Options on every one, and
// Cache-Control: no-store on those to requests with credentials, errors included.
func TestSecurityHeaders(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		for _, c := range []struct {
			name         string
			h            http.Handler
			method, url  string
			auth, body   string
			status       int
			cacheControl string
		}{
			{"a list", f.api, "GET", "/api/v1/indicator/?limit=1", f.as(superName), "", 200, "no-store"},
			{"CSV", f.api, "GET", "/api/v1/datapoint/?format=csv&limit=2", f.as(superName), "", 200, "no-store"},
			{"a password", f.api, "GET", "/api/v1/campaign/", basic(plainName, "pw-"+plainName), "", 200, "no-store"},
			{"a write", f.api, "POST", "/api/v1/campaign_type/", f.as(superName), `{"name": "headers"}`, 201, "no-store"},
			{"a missing object", f.api, "GET", "/api/v1/indicator/999999/", f.as(superName), "", 404, "no-store"},
			{"wrong credentials", f.api, "GET", "/api/v1/indicator/", "ApiKey admin:wrong", "", 401, "no-store"},
			{"no credentials", f.api, "GET", "/api/v1/indicator/", "", "", 401, ""},
			{"an unknown path", f.api, "GET", "/api/v1/no/such/path/at/all/", f.as(superName), "", 404, "no-store"},
			{"outside the API", f.api, "GET", "/favicon.ico", "", "", 404, ""},
			{"a public read", f.public, "GET", "/api/v1/indicator/?limit=1", "", "", 200, ""},
		} {
			req := httptest.NewRequest(c.method, c.url, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, req)
			if w.Code != c.status || w.Header().Get("Cache-Control") != c.cacheControl || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: %d, Cache-Control %q, X-Content-Type-Options %q; want %d, %q, nosniff\n%.300s", c.name, w.Code,
					w.Header().Get("Cache-Control"), w.Header().Get("X-Content-Type-Options"), c.status, c.cacheControl, w.Body)
			}
		}
	})
}
