package auth_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
)

func TestBasic(t *testing.T) {
	const (
		wrong      = "Unknown username or wrong password."
		notBase64  = "not base64"
		malformed  = "use base64 of <username>:<password>"
		malformedB = "Malformed Basic header"
	)
	tests := []struct {
		name        string
		header      string
		wantUser    string
		wantErr     string
		wantLookups int64 // PasswordByUsername calls, and bcrypt comparisons: one per check
	}{
		{name: "good", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 1},
		{name: "scheme in lower case", header: strings.Replace(basicHeader("alice", alicePassword), "Basic", "basic", 1), wantUser: "alice", wantLookups: 1},
		{name: "password containing a colon", header: basicHeader("carol", carolPassword), wantUser: "carol", wantLookups: 1},
		{name: "password of exactly 72 bytes", header: basicHeader("dave", davePassword), wantUser: "dave", wantLookups: 1},
		// bcrypt reads only 72 bytes: a longer password that starts with the right one must not pass.
		{name: "right 72 bytes and more", header: basicHeader("dave", davePassword+"x"), wantErr: wrong, wantLookups: 1},
		{name: "wrong password", header: basicHeader("alice", alicePassword+"!"), wantErr: wrong, wantLookups: 1},
		{name: "empty password", header: basicHeader("alice", ""), wantErr: wrong, wantLookups: 1},
		{name: "part of a password with a colon", header: basicHeader("carol", "pass"), wantErr: wrong, wantLookups: 1},
		{name: "another user's password", header: basicHeader("carol", alicePassword), wantErr: wrong, wantLookups: 1},
		{name: "unknown user", header: basicHeader("mallory", alicePassword), wantErr: wrong, wantLookups: 1},
		{name: "user without a password", header: basicHeader("bob", ""), wantErr: wrong, wantLookups: 1},
		{name: "username in another case", header: basicHeader("Alice", alicePassword), wantErr: wrong, wantLookups: 1},
		{name: "not base64", header: "Basic !!!not-base64!!!", wantErr: notBase64},
		{name: "URL-safe base64", header: "Basic YWxpY2U6Pz8-Pz8_", wantErr: notBase64},
		{name: "missing colon", header: "Basic YWxpY2U=", wantErr: malformed},
		{name: "empty username", header: basicHeader("", alicePassword), wantErr: malformed},
		{name: "no credentials", header: "Basic", wantErr: malformedB},
		// Never looked up: PostgreSQL refuses such text, which made it a 400 there.
		{name: "NUL in the username", header: basicHeader("alice\x00", alicePassword), wantErr: "not valid UTF-8 text without NUL"},
		{name: "invalid UTF-8 in the username", header: basicHeader("alice\xff", alicePassword), wantErr: "not valid UTF-8 text without NUL"},
		{name: "API key left to others", header: "ApiKey alice:tg_0123456789ab_x"},
		{name: "Bearer left to others", header: "Bearer tg_0123456789ab_x"},
		{name: "no header", header: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore(t)
			guard, compares := newCountingGuard(auth.GuardConfig{})
			a := auth.Basic{Store: store, Cache: auth.NewCache(0), Guard: guard}
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, tt.header))
			checkAuth(t, u, err, tt.wantUser, tt.wantErr)
			if tt.wantErr == wrong {
				// One message for every failure, so that a client cannot tell which usernames exist.
				if msg := err.Error(); msg != wrong {
					t.Errorf("message = %q, want exactly %q", msg, wrong)
				}
			}
			if got := store.calls(); got != (calls{passwordByUsername: tt.wantLookups}) {
				t.Errorf("store calls = %+v, want PasswordByUsername %d only", got, tt.wantLookups)
			}
			if got := compares.n.Load(); got != tt.wantLookups {
				t.Errorf("bcrypt comparisons = %d, want %d", got, tt.wantLookups)
			}
		})
	}
}

// A check for a user who does not exist, or who has no password, does the same bcrypt work as a
// real one: one comparison, against a fixed hash of the stored hashes' cost. Without a Guard too.
func TestBasicSameWorkForUnknownUsers(t *testing.T) {
	store, _ := newStore(t)
	store.addPassword(auth.StoredPassword{User: erin}) // a row with an empty hash
	for _, tt := range []struct {
		name, username, password string
		wantHash                 []byte
	}{
		{"wrong password", "alice", "guess", fixtureHash[alicePassword]},
		{"unknown user", "mallory", "guess", auth.DummyHash},
		{"user without a password", "bob", "guess", auth.DummyHash},
		{"stored with an empty hash", "erin", "", auth.DummyHash},
	} {
		guard := auth.NewGuard(auth.GuardConfig{})
		var mu sync.Mutex
		var compared [][]byte
		compare := auth.Compare(guard)
		auth.SetCompare(guard, func(hash, password []byte) error {
			mu.Lock()
			compared = append(compared, bytes.Clone(hash))
			mu.Unlock()
			return compare(hash, password)
		})
		_, err := auth.Basic{Store: store, Guard: guard}.Authenticate(context.Background(), request(http.MethodGet, basicHeader(tt.username, tt.password)))
		checkAPIError(t, err, apierror.NotAuthenticated, "wrong password")
		if len(compared) != 1 || !bytes.Equal(compared[0], tt.wantHash) {
			t.Errorf("%s: compared against %q, want once against %q", tt.name, compared, tt.wantHash)
		}
	}
	if c, err := bcrypt.Cost(auth.DummyHash); err != nil || c != 10 {
		t.Errorf("the fixed hash has cost %d (%v), want bcrypt's default 10, as stored hashes", c, err)
	}
}

func TestBasicStoreFailure(t *testing.T) {
	store, _ := newStore(t)
	store.passwordErr = errStoreDown
	for _, g := range []*auth.Guard{nil, auth.NewGuard(auth.GuardConfig{})} {
		u, err := auth.Basic{Store: store, Cache: auth.NewCache(0), Guard: g}.Authenticate(context.Background(),
			request(http.MethodGet, basicHeader("alice", alicePassword)))
		if u != nil || !errors.Is(err, errStoreDown) || apierror.As(err) != nil {
			t.Errorf("guard %v: Authenticate = %v, %v; want no user and the store's error as is", g != nil, u, err)
		}
	}
}

// A remembered login skips bcrypt, not the user's row: a changed password, a deleted user or another
// password take effect at the next request.
func TestBasicRemembers(t *testing.T) {
	store, _ := newStore(t)
	guard, compares := newCountingGuard(auth.GuardConfig{})
	cache := auth.NewCache(0)
	clk := newFakeClock()
	auth.SetCacheClock(cache, clk.Now)
	a := auth.Basic{Store: store, Cache: cache, Guard: guard}
	newHash := minCostHash("a new password")
	steps := []struct {
		name         string
		before       func()
		header       string
		wantUser     string
		wantLookups  int64 // PasswordByUsername calls so far
		wantCompares int64 // bcrypt comparisons so far
	}{
		{name: "first request checks", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 1, wantCompares: 1},
		{name: "second is remembered", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 2, wantCompares: 1},
		{name: "a wrong password is checked", header: basicHeader("alice", "guess"), wantLookups: 3, wantCompares: 2},
		{name: "still remembered", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 4, wantCompares: 2},
		{name: "past the TTL it checks again", before: func() { clk.Advance(auth.DefaultCacheTTL + 1) },
			header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 5, wantCompares: 3},
		{name: "remembered again", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 6, wantCompares: 3},
		{name: "after a password change the old one fails",
			before: func() { store.addPassword(auth.StoredPassword{User: alice, Hash: newHash}) },
			header: basicHeader("alice", alicePassword), wantLookups: 8, wantCompares: 4},
		{name: "the new one works", header: basicHeader("alice", "a new password"), wantUser: "alice", wantLookups: 9, wantCompares: 5},
		{name: "and is remembered", header: basicHeader("alice", "a new password"), wantUser: "alice", wantLookups: 10, wantCompares: 5},
		{name: "once the user is gone it fails",
			before: func() { store.mu.Lock(); delete(store.passwords, "alice"); store.mu.Unlock() },
			header: basicHeader("alice", "a new password"), wantLookups: 12, wantCompares: 6},
		{name: "another user checks", header: basicHeader("carol", carolPassword), wantUser: "carol", wantLookups: 13, wantCompares: 7},
		{name: "and is remembered", header: basicHeader("carol", carolPassword), wantUser: "carol", wantLookups: 14, wantCompares: 7},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, s.header))
		wantErr := ""
		if s.wantUser == "" {
			wantErr = "wrong password"
		}
		checkAuth(t, u, err, s.wantUser, wantErr)
		if got := store.calls(); got != (calls{passwordByUsername: s.wantLookups}) {
			t.Errorf("%s: store calls = %+v, want PasswordByUsername %d only", s.name, got, s.wantLookups)
		}
		if got := compares.n.Load(); got != s.wantCompares {
			t.Errorf("%s: bcrypt comparisons = %d, want %d", s.name, got, s.wantCompares)
		}
	}
}

// A disabled cache (negative TTL) and no cache remember nothing: every request checks.
func TestBasicWithoutCache(t *testing.T) {
	for _, cache := range []*auth.Cache{nil, auth.NewCache(-1)} {
		store, _ := newStore(t)
		guard, compares := newCountingGuard(auth.GuardConfig{})
		a := auth.Basic{Store: store, Cache: cache, Guard: guard}
		for range 3 {
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", alicePassword)))
			checkAuth(t, u, err, "alice", "")
		}
		if got := compares.n.Load(); got != 3 {
			t.Errorf("cache %v: bcrypt comparisons = %d, want 3", cache != nil, got)
		}
	}
}
