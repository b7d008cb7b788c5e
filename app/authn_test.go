package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// wantChallenge is the WWW-Authenticate of every 401: each scheme the dashboard accepts.
const wantChallenge = `ApiKey realm="tastygo", Bearer realm="tastygo", Basic realm="tastygo"`

// TestAuthentication sends a read and a write with every kind of credential, good and bad, to the API
// that requires a user and to the one with --public-read, and checks the status, the error code, the
// challenge of a 401 and that a refused write left the database as it was.
func TestAuthentication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		key := f.keys[plainName]
		keyID, _ := auth.KeyID(key)
		// The same key with its last secret character changed: the right id, the wrong secret.
		wrongSecret := key[:len(key)-1] + "a"
		if strings.HasSuffix(key, "a") {
			wrongSecret = key[:len(key)-1] + "b"
		}
		unknownKey, _, _, err := auth.NewKey()
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
		// Every successful key request recorded the key's use.
		if n := f.scalar(t, `SELECT count(*) FROM api_key WHERE key_id = ? AND last_used_at IS NOT NULL`, keyID); n != 1 {
			t.Errorf("last_used_at of the used key is not set")
		}
		if n := f.scalar(t, `SELECT count(*) FROM api_key WHERE last_used_at IS NOT NULL`); n != 1 {
			t.Errorf("%d keys have a last use, want only the one used", n)
		}
	})
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
	if got := a.header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("%s: WWW-Authenticate %q, want %q", what, got, wantChallenge)
	}
	if msg, _ := a.body["error"].(string); !strings.Contains(msg, message) {
		t.Errorf("%s: message %q lacks %q", what, msg, message)
	}
}

// TestLastUsed checks that a key's first use records when it happened, and that later uses within
// auth.TouchEvery do not write again.
func TestLastUsed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		lastUsed := func() (time.Time, bool) {
			var v any
			if err := db.QueryRow(d.Rebind(`SELECT last_used_at FROM api_key WHERE user_id = ?`), f.ids[scopedName]).Scan(&v); err != nil {
				t.Fatal(err)
			}
			switch x := v.(type) {
			case nil:
				return time.Time{}, false
			case time.Time:
				return x, true
			case string:
				at, err := time.Parse(time.RFC3339Nano, x)
				if err != nil {
					t.Fatal(err)
				}
				return at, true
			}
			t.Fatalf("last_used_at is a %T", v)
			return time.Time{}, false
		}
		if _, set := lastUsed(); set {
			t.Fatal("a new key has a last use")
		}
		start := time.Now().Add(-time.Second)
		checkStatus(t, "first use", serve(t, f.api, "GET", "/api/v1/location/?limit=1", f.as(scopedName), ""), 200, "")
		first, set := lastUsed()
		if !set {
			t.Fatal("last_used_at is not set after the key was used")
		}
		if first.Before(start) || first.After(time.Now().Add(time.Second)) {
			t.Errorf("last_used_at is %v, not the time of the request (%v)", first, start)
		}
		checkStatus(t, "second use", serve(t, f.api, "GET", "/api/v1/location/?limit=1", f.as(scopedName), ""), 200, "")
		if again, _ := lastUsed(); !again.Equal(first) {
			t.Errorf("a second use within a minute wrote last_used_at again: %v, then %v", first, again)
		}
	})
}

// TestRevocation revokes keys through the code the revokekey command runs, with the server's cache:
// a key that was just verified (and is cached) stops working at once, by the whole key, by its id and
// by username. A server in another process (another cache) stops accepting it within its TTL.
func TestRevocation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		ctx := context.Background()
		// Another process: its own API and cache, with a short TTL.
		const otherTTL = 2 * time.Second
		other, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(otherTTL)})
		if err != nil {
			t.Fatal(err)
		}
		newKey := func() string {
			k, err := createKey(ctx, db, d, plainName)
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
				_, err := revokeKey(ctx, db, d, f.cache, k)
				return err
			}},
			{"Bearer, revoked by id", func(k string) string { return "Bearer " + k }, func(k string) error {
				id, _ := auth.KeyID(k)
				_, err := revokeKey(ctx, db, d, f.cache, id)
				return err
			}},
			{"Bearer, revoked by username", func(k string) string { return "Bearer " + k }, func(string) error {
				_, err := revokeUserKeys(ctx, db, d, f.cache, plainName)
				return err
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := newKey()
				h := c.header(key)
				for _, api := range []http.Handler{f.api, other} {
					checkStatus(t, "before", serve(t, api, "GET", "/api/v1/indicator/?limit=1", h, ""), 200, "")
				}
				cachedAt := time.Now() // the other process trusts the key until cachedAt + otherTTL
				if err := c.revoke(key); err != nil {
					t.Fatal(err)
				}
				// The other process still trusts its cached verification (checked first: the requests
				// below each pay a bcrypt, which is slow on a loaded machine).
				checkStatus(t, "other process within its TTL", serve(t, other, "GET", "/api/v1/indicator/?limit=1", h, ""), 200, "")
				id, _ := auth.KeyID(key)
				if n := f.scalar(t, `SELECT count(*) FROM api_key WHERE key_id = ? AND revoked_at IS NOT NULL`, id); n != 1 {
					t.Fatal("revoked_at is not set")
				}
				before := f.snapshot(t)
				checkStatus(t, "read after", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", h, ""), 401, "revoked")
				checkStatus(t, "read after, public", serve(t, f.public, "GET", "/api/v1/indicator/?limit=1", h, ""), 401, "revoked")
				checkStatus(t, "write after", serve(t, f.api, "POST", "/api/v1/campaign_type/", h, `{"name": "after `+c.name+`"}`), 401, "revoked")
				if f.snapshot(t) != before {
					t.Error("a request with a revoked key changed the database")
				}
				// Once its cached verification expires, the other process asks the database again.
				time.Sleep(time.Until(cachedAt.Add(otherTTL + 100*time.Millisecond)))
				checkStatus(t, "other process after its TTL", serve(t, other, "GET", "/api/v1/indicator/?limit=1", h, ""), 401, "revoked")
			})
		}
		// The other users' keys still work.
		checkStatus(t, "another user", serve(t, f.api, "GET", "/api/v1/indicator/?limit=1", f.as(superName), ""), 200, "")
	})
}
