package sqlstore_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestWatchKeys runs a server's key check (auth.APIKey with a KeyCache over WatchKeys) on one pool and
// changes keys and users through a store on another pool of the same database, as another process
// would: each change made through the store reaches the server's very next request; a change by hand
// in SQL does once KeysChanged is called. On PostgreSQL a server whose heartbeat hangs (its watcher
// row locked) or whose connections are killed never accepts a revoked key: the revocation waits for
// its lease to end, and it reads every key until a heartbeat succeeds again.
func TestWatchKeys(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			ctx := context.Background()
			addr := testdb.Address(t, backend)
			appName := "watch_" + strings.ReplaceAll(t.Name(), "/", "_")
			open := func(addr string) (*sql.DB, dialect.Dialect) {
				db, d, err := dialect.Open(addr)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db, d
			}
			serverAddr := addr
			if backend == dialect.Postgres {
				serverAddr += "&application_name=" + appName
			}
			db1, d := open(serverAddr)
			db2, _ := open(addr)
			s1 := setup(t, db1, d)
			s2 := sqlstore.New(db2, d, options)
			watch, err := s1.WatchKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer watch.Close()
			if _, ok := watch.KeysEpoch(); !ok {
				t.Fatal("a new watch cannot be used")
			}
			cache := auth.NewKeyCache(watch, 0)
			server := auth.APIKey{Store: s1, Pepper: pepper, Cache: cache}
			check := func(what, key, want string) {
				t.Helper()
				r := requestWith("Bearer " + key)
				u, err := server.Authenticate(ctx, r)
				got := code(err)
				if err == nil {
					got = u.Username + " " + u.Data.(team).Name
				}
				if got != want {
					t.Errorf("%s: %s, want %s", what, got, want)
				}
			}
			ana, err := s2.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "ana", Columns: map[string]any{"team": "red"}})
			if err != nil {
				t.Fatal(err)
			}
			check("first use", ana.Key, "ana red")
			check("remembered", ana.Key, "ana red")
			if cache.Len() != 1 {
				t.Errorf("the cache holds %d keys, want 1", cache.Len())
			}

			// A change by hand is not seen until KeysChanged (or auth.KeyCacheMaxAge).
			if _, err := db2.Exec(`UPDATE app_user SET team = 'blue' WHERE username = 'ana'`); err != nil {
				t.Fatal(err)
			}
			check("changed by hand", ana.Key, "ana red")
			if err := s2.KeysChanged(ctx); err != nil {
				t.Fatal(err)
			}
			check("after KeysChanged", ana.Key, "ana blue")
			if err := s2.ChangeUser(ctx, "ana", sqlstore.UserChange{Columns: map[string]any{"team": "green"}}); err != nil {
				t.Fatal(err)
			}
			check("after ChangeUser", ana.Key, "ana green")
			if err := s2.ChangeUser(ctx, "nobody", sqlstore.UserChange{Columns: map[string]any{"team": "green"}}); err == nil || err.Error() != `no user is named "nobody"` {
				t.Errorf("ChangeUser(nobody): %v", err)
			}

			second, err := s2.IssueKey(ctx, pepper, "ana")
			if err != nil {
				t.Fatal(err)
			}
			check("second key", second, "ana green")
			if _, err := s2.RevokeKey(ctx, ana.Key); err != nil {
				t.Fatal(err)
			}
			check("revoked by key, next request", ana.Key, "NOT_AUTHENTICATED The API key has been revoked.")
			check("the other key", second, "ana green")
			if _, err := s2.RevokeUserKeys(ctx, "ana"); err != nil {
				t.Fatal(err)
			}
			check("revoked by username, next request", second, "NOT_AUTHENTICATED The API key has been revoked.")

			if backend != dialect.Postgres {
				return
			}
			bo, err := s2.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "bo"})
			if err != nil {
				t.Fatal(err)
			}
			check("bo remembered", bo.Key, "bo ")
			check("bo remembered", bo.Key, "bo ")

			// A heartbeat that hangs: the watcher's row is locked by another transaction.
			tx, err := db2.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `SELECT id FROM api_key_watcher WHERE id = $1 FOR UPDATE`, watch.ID()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * sqlstore.KeyHeartbeat) // a heartbeat is now waiting for the lock
			third, err := s2.IssueKey(ctx, pepper, "bo")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := s2.RevokeKey(ctx, bo.Key); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			if took > sqlstore.KeyLease+time.Second {
				t.Errorf("the revocation waited %v for a server whose lease is %v", took, sqlstore.KeyLease)
			}
			if _, ok := watch.KeysEpoch(); ok {
				t.Error("the watch whose heartbeat hangs still has a lease after the revocation returned")
			}
			check("revoked while the heartbeat hangs, next request", bo.Key, "NOT_AUTHENTICATED The API key has been revoked.")
			check("bo's other key, read while the heartbeat hangs", third, "bo ")
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "a lease again after the lock is gone", func() bool { _, ok := watch.KeysEpoch(); return ok })

			// The server's connections killed (the heartbeat's among them).
			check("bo's other key remembered", third, "bo ")
			var killed int
			if err := db2.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, appName).Scan(&killed); err != nil {
				t.Fatal(err)
			}
			if killed == 0 {
				t.Fatal("no connection of the server's pool was found to kill")
			}
			if _, err := s2.RevokeKey(ctx, third); err != nil {
				t.Fatal(err)
			}
			check("revoked after the server's connections were killed, next request", third, "NOT_AUTHENTICATED The API key has been revoked.")
		})
	}
}

func requestWith(authorization string) *http.Request {
	r := httptest.NewRequest("GET", "/api/v1/x/", nil)
	r.Header.Set("Authorization", authorization)
	return r
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so after 10 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkKeysEpoch measures what a request pays to learn whether what it remembers holds: on
// SQLite an atomic load from the mapped counter file (and, once a second, a stat of it); on
// PostgreSQL two atomic loads and the clock.
func BenchmarkKeysEpoch(b *testing.B) {
	for _, backend := range testdb.Backends {
		b.Run(string(backend), func(b *testing.B) {
			db, d := testdb.Open(b, backend)
			ctx := context.Background()
			if err := sqlstore.EnsureTables(ctx, db, d, sqlstore.Options{}); err != nil {
				b.Fatal(err)
			}
			w, err := sqlstore.New(db, d, sqlstore.Options{}).WatchKeys(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			for b.Loop() {
				if _, ok := w.KeysEpoch(); !ok {
					b.Fatal("no epoch")
				}
			}
		})
	}
}
