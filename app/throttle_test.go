package main

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/throttle"
)

// With a throttle (serve --throttle 2 here), each user, and each client address without credentials,
// gets 2 requests a minute over all resources together; beyond it a 429 with Retry-After, and a
// throttled write writes nothing.
func TestThrottle(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		var mu sync.Mutex
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true, cache: f.cache,
			throttle: &throttle.PerUser{Limit: 2, Window: time.Minute, Now: clock}})
		if err != nil {
			t.Fatal(err)
		}
		const throttled = `{"code": "THROTTLED", "details": {"limit": 2, "retry_after_seconds": 30, "window_seconds": 60}, ` +
			`"error": "Too many requests: the limit is 2 per minute. Retry in 30 seconds.", "success": false}`
		before := f.snapshot(t)
		for _, c := range []struct {
			name, method, url, who, body string
			status                       int
		}{
			{"admin 1", "GET", "/api/v1/indicator/?limit=1", superName, "", 200},
			{"admin 2, another resource", "GET", "/api/v1/location/?limit=1", superName, "", 200},
			{"admin 3", "GET", "/api/v1/indicator/?limit=1", superName, "", 429},
			{"admin's write", "POST", "/api/v1/indicator/", superName, `{"name": "New", "short_name": "new"}`, 429},
			{"another user", "GET", "/api/v1/indicator/?limit=1", plainName, "", 200},
			{"anonymous 1", "GET", "/api/v1/indicator/?limit=1", "", "", 200},
			{"anonymous 2", "GET", "/api/v1/indicator/?limit=1", "", "", 200},
			{"anonymous 3", "GET", "/api/v1/indicator/?limit=1", "", "", 429},
		} {
			auth := ""
			if c.who != "" {
				auth = f.as(c.who)
			}
			a := serve(t, h, c.method, c.url, auth, c.body)
			if a.status != c.status {
				t.Fatalf("%s: %d, want %d: %s", c.name, a.status, c.status, a.raw)
			}
			if c.status == http.StatusTooManyRequests && (a.raw != throttled || a.header.Get("Retry-After") != "30") {
				t.Errorf("%s: Retry-After %q, body\n got %s\nwant %s", c.name, a.header.Get("Retry-After"), a.raw, throttled)
			}
		}
		if after := f.snapshot(t); after != before {
			t.Errorf("a throttled write changed the tables:\n%s\n%s", before, after)
		}
		mu.Lock()
		now = now.Add(30 * time.Second)
		mu.Unlock()
		if a := serve(t, h, "GET", "/api/v1/indicator/?limit=1", f.as(superName), ""); a.status != 200 {
			t.Errorf("admin 30s later: %d %s", a.status, a.raw)
		}
	})
}
