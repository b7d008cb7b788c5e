package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// wantChallenge is the WWW-Authenticate of every 401: each scheme the dashboard accepts, one header
// line each (browsers read only a line's first challenge).
var wantChallenge = []string{`ApiKey realm="tastygo"`, `Bearer realm="tastygo"`, `Basic realm="tastygo"`}

// TestAuthentication sends a read and a write with every kind of credential, good and bad, to the API
// that requires a user and to the one with --public-read, and checks the status, the error code, the
// challenge of a 401 and that a refused write left the database as it was.
func TestAuthentication(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		key := f.keys[plainName]
		keyID, _ := auth.KeyID(key)
		// The same key with its last secret character changed: the right id, the wrong secret.
		wrongSecret := key[:len(key)-1] + "a"
		if strings.HasSuffix(key, "a") {
			wrongSecret = key[:len(key)-1] + "b"
		}
		unknownKey, _, _, err := auth.NewKey(mustPepper(t, strings.Repeat("u", 32)))
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name          string
			authorization string
			status        int    // for both the read and the write, without --public-read
			message       string // a substring of the 401's message
		}{
			{"ApiKey", "ApiKey " + plainName + ":" + key, 200, ""},
			{"ApiKey scheme in lower case", "apikey " + plainName + ":" + key, 200, ""},
			{"Bearer", "Bearer " + key, 200, ""},
			{"Basic", basic(plainName, "pw-"+plainName), 200, ""},
			{"ApiKey wrong secret", "ApiKey " + plainName + ":" + wrongSecret, 401, "not valid"},
			{"Bearer wrong secret", "Bearer " + wrongSecret, 401, "not valid"},
			{"ApiKey unknown key", "ApiKey " + plainName + ":" + unknownKey, 401, "not valid"},
			{"Bearer unknown key", "Bearer " + unknownKey, 401, "not valid"},
			{"Bearer not a key", "Bearer " + keyID, 401, "not valid"},
			{"Basic wrong password", basic(plainName, "pw-"+superName), 401, "wrong password"},
			{"Basic empty password", basic(plainName, ""), 401, "wrong password"},
			{"ApiKey another user's name", "ApiKey " + superName + ":" + key, 401, "not valid"},
			{"ApiKey unknown user", "ApiKey nobody:" + key, 401, "not valid"},
			{"Basic unknown user", basic("nobody", "pw-nobody"), 401, "wrong password"},
			{"ApiKey without a colon", "ApiKey " + key, 401, "Malformed ApiKey"},
			{"ApiKey without a key", "ApiKey " + plainName + ":", 401, "Malformed ApiKey"},
			{"ApiKey alone", "ApiKey", 401, "Malformed ApiKey"},
			{"Bearer alone", "Bearer", 401, "Malformed Bearer"},
			{"Basic not base64", "Basic %%%", 401, "not base64"},
			{"Basic without a colon", "Basic " + "cGxhaW4=", 401, "Malformed Basic"},
			{"unknown scheme", "Token " + key, 401, `"token" authorization scheme`},
			{"no credentials", "", 401, "were not provided"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, api := range []struct {
					name        string
					h           http.Handler
					readStatus  int
					writeStatus int
				}{
					{"required", f.api, c.status, c.status},
					// --public-read lets a request without credentials read; bad credentials stay a 401.
					{"public-read", f.public, map[bool]int{true: 200, false: c.status}[c.authorization == ""], c.status},
				} {
					read := serve(t, api.h, "GET", "/api/v1/indicator/?limit=1", c.authorization, "")
					checkStatus(t, api.name+" GET", read, api.readStatus, c.message)
					before := f.snapshot(t, "campaign_type")
					write := serve(t, api.h, "POST", "/api/v1/campaign_type/", c.authorization, `{"name": "type `+c.name+` `+api.name+`"}`)
					want := api.writeStatus
					if want == 200 {
						want = 201
					}
					checkStatus(t, api.name+" POST", write, want, c.message)
					if after := f.snapshot(t, "campaign_type"); (after != before) != (want == 201) {
						t.Errorf("%s POST: database changed = %v, want %v", api.name, after != before, want == 201)
					}
				}
			})
		}
		// Every successful key request recorded the key's use (in the background).
		waitFor(t, "last_used_at of the used key", func() bool {
			return f.scalar(t, `SELECT count(*) FROM api_key WHERE key_id = ? AND last_used_at IS NOT NULL`, keyID) == 1
		})
		if n := f.scalar(t, `SELECT count(*) FROM api_key WHERE last_used_at IS NOT NULL`); n != 1 {
			t.Errorf("%d keys have a last use, want only the one used", n)
		}
	})
}

// waitFor waits up to 10 seconds for cond, for what is written in the background.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so after 10 s", what)
		}
	}
}

// checkStatus checks an answer's status and, for a 401, its code, challenge and message.
func checkStatus(t *testing.T, what string, a answer, status int, message string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, a.status, status, a.raw)
	}
	if status != 401 {
		return
	}
	if a.code() != "NOT_AUTHENTICATED" {
		t.Errorf("%s: code %q, want NOT_AUTHENTICATED", what, a.code())
	}
	if got := a.header.Values("WWW-Authenticate"); !slices.Equal(got, wantChallenge) {
		t.Errorf("%s: WWW-Authenticate %q, want %q", what, got, wantChallenge)
	}
	if msg, _ := a.body["error"].(string); !strings.Contains(msg, message) {
		t.Errorf("%s: message %q lacks %q", what, msg, message)
	}
}

// lastUsed reads a key's last_used_at (false when NULL).
func (f *authFixture) lastUsed(t *testing.T, keyID string) (time.Time, bool) {
	t.Helper()
	var v any
	if err := f.db.QueryRow(f.d.Rebind(`SELECT last_used_at FROM api_key WHERE key_id = ?`), keyID).Scan(&v); err != nil {
		t.Fatal(err)
	}
	at, err := field.TimeFromDB(v)
	if err != nil {
		t.Fatal(err)
	}
	return at, !at.IsZero()
}

// TestLastUsed checks that a key's first use records when it happened, that later uses within
// auth.TouchEvery do not write again, in this process or another, and that the write never holds a
// request up: with the api_key row locked by another transaction, requests still answer at once.
func TestLastUsed(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		keyID, _ := auth.KeyID(f.keys[scopedName])
		other, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{})
		if err != nil {
			t.Fatal(err)
		}
		if _, set := f.lastUsed(t, keyID); set {
			t.Fatal("a new key has a last use")
		}
		start := time.Now().Add(-time.Second)
		checkStatus(t, "first use", serve(t, f.api, "GET", "/api/v1/location/?limit=1", f.as(scopedName), ""), 200, "")
		waitFor(t, "last_used_at set after the first use", func() bool { _, set := f.lastUsed(t, keyID); return set })
		first, _ := f.lastUsed(t, keyID)
		if first.Before(start) || first.After(time.Now().Add(time.Second)) {
			t.Errorf("last_used_at is %v, not the time of the request (%v)", first, start)
		}
		for _, api := range []http.Handler{f.api, other, f.api} {
			checkStatus(t, "another use", serve(t, api, "GET", "/api/v1/location/?limit=1", f.as(scopedName), ""), 200, "")
		}
		time.Sleep(200 * time.Millisecond) // a write, were one started, would have landed
		if again, _ := f.lastUsed(t, keyID); !again.Equal(first) {
			t.Errorf("a use within a minute wrote last_used_at again: %v, then %v", first, again)
		}

		// A write that has to wait holds no request up, and lands once it can.
		if _, err := db.Exec(d.Rebind(`UPDATE api_key SET last_used_at = ? WHERE key_id = ?`), d.Bind(field.DateTime, first.Add(-time.Hour)), keyID); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		// A change by hand: the servers remembering the key are told (README, "Operating it").
		if err := newUserStore(db, d, nil).KeysChanged(ctx); err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTx(ctx, nil) // SQLite: takes the write lock (_txlock=immediate)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE api_key SET created_at = created_at WHERE key_id = ?`), keyID); err != nil {
			t.Fatal(err) // PostgreSQL: locks the row
		}
		began := time.Now()
		for range 3 {
			checkStatus(t, "use while the row is locked", serve(t, f.api, "GET", "/api/v1/location/?limit=1", f.as(scopedName), ""), 200, "")
		}
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("three requests took %v while the key's row was locked: they waited for the write", took)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "last_used_at written once the lock is gone", func() bool {
			at, _ := f.lastUsed(t, keyID)
			return at.After(first)
		})
	})
}

// TestRevocation revokes keys through the code the revokekey command runs: a key revoked by whole
// key, by id or by username fails at the very next request, in this API and in another one over the
// same database (another process), with nothing to wait for.
func TestRevocation(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		ctx := context.Background()
		other, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(0)})
		if err != nil {
			t.Fatal(err)
		}
		newKey := func() string {
			k, err := createKey(ctx, db, d, auth.Pepper{}, plainName)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		cases := []struct {
			name   string
			header func(key string) string
			revoke func(key string) error
		}{
			{"ApiKey, revoked by key", func(k string) string { return "ApiKey " + plainName + ":" + k }, func(k string) error {
				_, err := revokeKey(ctx, db, d, k)
				return err
			}},
			{"Bearer, revoked by id", func(k string) string { return "Bearer " + k }, func(k string) error {
				id, _ := auth.KeyID(k)
				_, err := revokeKey(ctx, db, d, id)
				return err
			}},
			{"Bearer, revoked by username", func(k string) string { return "Bearer " + k }, func(string) error {
				_, err := revokeUserKeys(ctx, db, d, plainName)
				return err
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := newKey()
				h := c.header(key)
				for range 3 {
					for _, api := range []http.Handler{f.api, other} {
						checkStatus(t, "before", serve(t, api, "GET", "/api/v1/indicator/?limit=1", h, ""), 200, "")
					}
				}
				if err := c.revoke(key); err != nil {
					t.Fatal(err)
				}
				id, _ := auth.KeyID(key)
				if n := f.scalar(t, `SELECT count(*) FROM api_key WHERE key_id = ? AND revoked_at IS NOT NULL`, id); n != 1 {
					t.Fatal("revoked_at is not set")
				}
				before := f.snapshot(t)
				checkStatus(t, "the other API, next request", serve(t, other, "GET", "/api/v1/indicator/?limit=1", h, ""), 401, "revoked")
				checkStatus(t, "read after", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", h, ""), 401, "revoked")
				checkStatus(t, "read after, public", serve(t, f.public, "GET", "/api/v1/indicator/?limit=1", h, ""), 401, "revoked")
				checkStatus(t, "write after", serve(t, f.api, "POST", "/api/v1/campaign_type/", h, `{"name": "after `+c.name+`"}`), 401, "revoked")
				checkStatus(t, "write after, the other API", serve(t, other, "POST", "/api/v1/campaign_type/", h, `{"name": "after `+c.name+`"}`), 401, "revoked")
				if f.snapshot(t) != before {
					t.Error("a request with a revoked key changed the database")
				}
			})
		}
		// The other users' keys still work.
		checkStatus(t, "another user", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", f.as(superName), ""), 200, "")
	})
}

// bcryptKey stores a new key of a user as versions before peppers did: a bcrypt hash of the whole key.
func (f *authFixture) bcryptKey(t *testing.T, username string, cost int) string {
	t.Helper()
	key, id, _, err := auth.NewKey(mustPepper(t, strings.Repeat("x", 32))) // only the key is used
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(key), cost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(f.d.Rebind(`INSERT INTO api_key (user_id, key_id, key_hash, created_at) VALUES (?, ?, ?, ?)`),
		f.ids[username], id, string(hash), now(f.d)); err != nil {
		t.Fatal(err)
	}
	return key
}

func mustPepper(t *testing.T, secret string) auth.Pepper {
	t.Helper()
	p, err := auth.NewPepper([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// keyHash reads the stored hash of a key.
func (f *authFixture) keyHash(t *testing.T, key string) string {
	t.Helper()
	id, _ := auth.KeyID(key)
	var h string
	if err := f.db.QueryRow(f.d.Rebind(`SELECT key_hash FROM api_key WHERE key_id = ?`), id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestBcryptKeysKeepWorking stores keys as deployed databases hold them (bcrypt hashes, before
// peppers): a right key is accepted and its row rewritten as the HMAC under the database's pepper,
// which later requests compare; a wrong secret is refused and rewrites nothing.
func TestBcryptKeysKeepWorking(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		pepper, err := keyPepper(context.Background(), db, d, "")
		if err != nil {
			t.Fatal(err)
		}
		key := f.bcryptKey(t, plainName, bcrypt.MinCost)
		old := f.keyHash(t, key)
		wrong := key[:len(key)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(key, "a")]
		checkStatus(t, "wrong secret", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", "Bearer "+wrong, ""), 401, "not valid")
		if got := f.keyHash(t, key); got != old {
			t.Fatalf("a wrong secret rewrote the hash: %q", got)
		}
		checkStatus(t, "first use", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", "ApiKey "+plainName+":"+key, ""), 200, "")
		if got, want := f.keyHash(t, key), string(pepper.HashKey(key)); got != want {
			t.Fatalf("after its first use the key is stored as %q, want its HMAC %q", got, want)
		}
		for _, api := range []http.Handler{f.api, f.public} {
			checkStatus(t, "later use", serve(t, api, "GET", "/api/v1/indicator/?limit=1", "Bearer "+key, ""), 200, "")
		}
		checkStatus(t, "wrong secret after the upgrade", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", "Bearer "+wrong, ""), 401, "not valid")
	})
}

// TestNoOneFailsForAnother sends 20 requests at once with one credential whose check is shared (a
// bcrypt-stored key, then a password); the first request's client goes away during the check. Every
// other request succeeds.
func TestNoOneFailsForAnother(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		key := f.bcryptKey(t, plainName, bcrypt.DefaultCost) // tens of milliseconds: time to join
		for _, c := range []struct{ name, authorization string }{
			{"bcrypt-stored key", "Bearer " + key},
			{"password", basic(plainName, "pw-"+plainName)},
		} {
			t.Run(c.name, func(t *testing.T) {
				api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{})
				if err != nil {
					t.Fatal(err)
				}
				send := func(ctx context.Context) int {
					req := httptest.NewRequest("GET", "/api/v1/indicator/?limit=1", nil).WithContext(ctx)
					req.Header.Set("Authorization", c.authorization)
					rec := httptest.NewRecorder()
					api.ServeHTTP(rec, req)
					return rec.Code
				}
				ctx, cancel := context.WithCancel(context.Background())
				firstDone := make(chan int)
				go func() { firstDone <- send(ctx) }()
				time.Sleep(10 * time.Millisecond) // the first request is in its check
				const others = 19
				codes := make([]int, others)
				var wg sync.WaitGroup
				for i := range others {
					wg.Go(func() { codes[i] = send(context.Background()) })
				}
				time.Sleep(10 * time.Millisecond)
				cancel()
				<-firstDone
				wg.Wait()
				for i, code := range codes {
					if code != 200 {
						t.Errorf("request %d: %d, want 200", i+2, code)
					}
				}
			})
		}
	})
}

// TestFailedLoginsThrottled: failed HTTP Basic logins for one username are limited (10 per 10
// minutes); beyond, 429 THROTTLED with Retry-After in the error shape, for the right password too,
// while API keys and other users go on.
func TestFailedLoginsThrottled(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		// A cheap hash, so that ten failures cost milliseconds.
		cheap, _ := bcrypt.GenerateFromPassword([]byte("pw-"+plainName), bcrypt.MinCost)
		if _, err := db.Exec(d.Rebind(`UPDATE app_user SET password_hash = ? WHERE username = ?`), string(cheap), plainName); err != nil {
			t.Fatal(err)
		}
		for i := range auth.DefaultFailuresPerUsername {
			checkStatus(t, fmt.Sprintf("failure %d", i+1), serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", basic(plainName, "guess"), ""), 401, "wrong password")
		}
		const throttled = `{"code": "THROTTLED", "details": {"retry_after_seconds": 60, "window_seconds": 600}, ` +
			`"error": "Too many failed logins for this username: retry in 60 seconds.", "success": false}`
		for _, pw := range []string{"guess", "pw-" + plainName} {
			a := serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", basic(plainName, pw), "")
			if a.status != 429 || a.raw != throttled || a.header.Get("Retry-After") != "60" {
				t.Errorf("password %q beyond the limit: %d, Retry-After %q\n got %s\nwant %s", pw, a.status, a.header.Get("Retry-After"), a.raw, throttled)
			}
		}
		checkStatus(t, "the user's key", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", f.as(plainName), ""), 200, "")
		checkStatus(t, "another user's password", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", basic(superName, "pw-"+superName), ""), 200, "")
	})
}

// TestPasswordChangeTakesEffect: a remembered Basic login stops working at the next request once the
// password changes or is removed.
func TestPasswordChangeTakesEffect(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		old := basic(plainName, "pw-"+plainName)
		for range 2 {
			checkStatus(t, "remembered", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", old, ""), 200, "")
		}
		newHash, err := auth.HashPassword("a new one")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(d.Rebind(`UPDATE app_user SET password_hash = ? WHERE username = ?`), string(newHash), plainName); err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "the old password after the change", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", old, ""), 401, "wrong password")
		checkStatus(t, "the new one", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", basic(plainName, "a new one"), ""), 200, "")
		checkStatus(t, "remembered", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", basic(plainName, "a new one"), ""), 200, "")
		if _, err := db.Exec(d.Rebind(`UPDATE app_user SET password_hash = NULL WHERE username = ?`), plainName); err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "after the password is removed", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", basic(plainName, "a new one"), ""), 401, "wrong password")
	})
}
