package auth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

func TestAPIKey(t *testing.T) {
	_, f := newStore(t)
	const (
		malformedApiKey = "Malformed ApiKey header"
		malformedBearer = "Malformed Bearer header"
		notValid        = "The API key is not valid."
		revoked         = "The API key has been revoked."
	)
	unknownID := "tg_ffffffffffff" + f.aliceKey[len("tg_")+12:]
	tests := []struct {
		name     string
		header   string
		wantUser string
		wantErr  string
		// What the store is asked: KeyByID and TouchKey calls.
		wantLookups, wantTouches int64
	}{
		{name: "ApiKey good", header: apiKeyHeader("alice", f.aliceKey), wantUser: "alice", wantLookups: 1, wantTouches: 1},
		{name: "ApiKey scheme in lower case", header: "apikey alice:" + f.aliceKey, wantUser: "alice", wantLookups: 1, wantTouches: 1},
		{name: "ApiKey scheme in upper case", header: "APIKEY alice:" + f.aliceKey, wantUser: "alice", wantLookups: 1, wantTouches: 1},
		{name: "ApiKey with extra blanks", header: "  ApiKey   alice:" + f.aliceKey + "  ", wantUser: "alice", wantLookups: 1, wantTouches: 1},
		{name: "ApiKey wrong secret", header: apiKeyHeader("alice", otherSecret(f.aliceKey)), wantErr: notValid, wantLookups: 1},
		{name: "ApiKey wrong username for a good key", header: apiKeyHeader("mallory", f.aliceKey), wantErr: notValid, wantLookups: 1},
		{name: "ApiKey username in another case", header: apiKeyHeader("Alice", f.aliceKey), wantErr: notValid, wantLookups: 1},
		{name: "ApiKey another user's key", header: apiKeyHeader("bob", f.aliceKey), wantErr: notValid, wantLookups: 1},
		{name: "ApiKey unknown key id", header: apiKeyHeader("alice", unknownID), wantErr: notValid, wantLookups: 1},
		{name: "ApiKey key not of our form", header: apiKeyHeader("alice", "204db7bcfafb2deb7506b89eb3b9b715b09905c8"), wantErr: notValid},
		{name: "ApiKey key truncated", header: apiKeyHeader("alice", f.aliceKey[:14]), wantErr: notValid},
		{name: "ApiKey no colon", header: "ApiKey alice" + f.aliceKey, wantErr: malformedApiKey},
		{name: "ApiKey empty username", header: apiKeyHeader("", f.aliceKey), wantErr: malformedApiKey},
		{name: "ApiKey empty key", header: apiKeyHeader("alice", ""), wantErr: malformedApiKey},
		{name: "ApiKey colon only", header: "ApiKey :", wantErr: malformedApiKey},
		{name: "ApiKey no credentials", header: "ApiKey", wantErr: malformedApiKey},
		{name: "ApiKey no credentials but blanks", header: "ApiKey    ", wantErr: malformedApiKey},
		{name: "ApiKey revoked", header: apiKeyHeader("bob", f.bobKey), wantErr: revoked, wantLookups: 1},
		{name: "ApiKey revoked with a wrong secret", header: apiKeyHeader("bob", otherSecret(f.bobKey)), wantErr: notValid, wantLookups: 1},
		{name: "Bearer good", header: "Bearer " + f.aliceKey, wantUser: "alice", wantLookups: 1, wantTouches: 1},
		{name: "Bearer scheme in lower case", header: "bearer " + f.aliceKey, wantUser: "alice", wantLookups: 1, wantTouches: 1},
		{name: "Bearer wrong secret", header: "Bearer " + otherSecret(f.aliceKey), wantErr: notValid, wantLookups: 1},
		{name: "Bearer unknown key id", header: "Bearer " + unknownID, wantErr: notValid, wantLookups: 1},
		{name: "Bearer revoked", header: "Bearer " + f.bobKey, wantErr: revoked, wantLookups: 1},
		{name: "Bearer empty", header: "Bearer", wantErr: malformedBearer},
		{name: "Bearer blanks", header: "Bearer    ", wantErr: malformedBearer},
		{name: "Bearer malformed key", header: "Bearer not-a-key", wantErr: notValid},
		{name: "Bearer with an ApiKey credential", header: "Bearer alice:" + f.aliceKey, wantErr: notValid},
		{name: "Bearer with two words", header: "Bearer " + f.aliceKey + " " + f.aliceKey, wantErr: notValid, wantLookups: 1},
		{name: "no header", header: ""},
		{name: "Basic left to others", header: basicHeader("alice", alicePassword)},
		{name: "Digest left to others", header: `Digest username="alice", realm="tastygo"`},
		{name: "Token left to others", header: "Token " + f.aliceKey},
		{name: "key without a scheme left to others", header: f.aliceKey},
	}
	for _, cached := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			if cached {
				name += " (cache)"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				store, _ := newStore(t)
				a := auth.APIKey{Store: store}
				if cached {
					a.Cache = auth.NewCache(0)
				}
				u, err := a.Authenticate(context.Background(), request(http.MethodGet, tt.header))
				checkAuth(t, u, err, tt.wantUser, tt.wantErr)
				if tt.wantErr != "" {
					if got := apierror.Status(apierror.CodeOf(err)); got != http.StatusUnauthorized {
						t.Errorf("status = %d, want 401", got)
					}
				}
				got := store.calls()
				if got.keyByID != tt.wantLookups || got.touchKey != tt.wantTouches || got.passwordByUsername != 0 {
					t.Errorf("store calls = %+v, want KeyByID %d, TouchKey %d, PasswordByUsername 0",
						got, tt.wantLookups, tt.wantTouches)
				}
				if tt.wantUser != "" {
					if *u != alice {
						t.Errorf("user = %+v, want %+v", *u, alice)
					}
					if tc := store.lastTouch(); tc.keyID != aliceKeyRow {
						t.Errorf("TouchKey(%d), want the key's row %d", tc.keyID, aliceKeyRow)
					}
				}
			})
		}
	}
}

func TestAPIKeyStoreFailures(t *testing.T) {
	_, f := newStore(t)
	tests := []struct {
		name              string
		keyErr, touchErr  error
		wantLookupsTwice  int64 // KeyByID calls after two requests
		wantTouchesTwice  int64
		wantErrIsStoreErr bool
	}{
		{name: "KeyByID fails", keyErr: errStoreDown, wantLookupsTwice: 2, wantTouchesTwice: 0, wantErrIsStoreErr: true},
		// A key whose use could not be recorded is not cached: the next request verifies again.
		{name: "TouchKey fails", touchErr: errStoreDown, wantLookupsTwice: 2, wantTouchesTwice: 2, wantErrIsStoreErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := newStore(t)
			store.keyErr, store.touchErr = tt.keyErr, tt.touchErr
			a := auth.APIKey{Store: store, Cache: auth.NewCache(0)}
			for range 2 {
				u, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+f.aliceKey))
				if u != nil {
					t.Errorf("user = %+v, want none", *u)
				}
				if !errors.Is(err, errStoreDown) {
					t.Fatalf("err = %v, want the store's error (a server error, not a 401)", err)
				}
				if apierror.As(err) != nil {
					t.Errorf("a store failure became a client error: %v", err)
				}
			}
			if got := store.calls(); got.keyByID != tt.wantLookupsTwice || got.touchKey != tt.wantTouchesTwice {
				t.Errorf("store calls = %+v, want KeyByID %d, TouchKey %d", got, tt.wantLookupsTwice, tt.wantTouchesTwice)
			}
		})
	}
}

// The user APIKey returns is the caller's: changing it changes neither the cache nor the store.
func TestAPIKeyReturnsACopy(t *testing.T) {
	for _, cache := range []*auth.Cache{nil, auth.NewCache(0)} {
		store, f := newStore(t)
		a := auth.APIKey{Store: store, Cache: cache}
		for i := range 3 {
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, apiKeyHeader("alice", f.aliceKey)))
			if err != nil {
				t.Fatal(err)
			}
			if *u != alice {
				t.Fatalf("request %d (cache %v): user = %+v, want %+v", i, cache != nil, *u, alice)
			}
			u.Username, u.Superuser, u.ID, u.Data = "eve", true, 666, "everywhere"
		}
		want := int64(3)
		if cache != nil {
			want = 1
		}
		if got := store.calls().keyByID; got != want {
			t.Errorf("cache %v: KeyByID calls = %d, want %d", cache != nil, got, want)
		}
	}
}

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
		wantLookups int64 // PasswordByUsername calls
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
		{name: "API key left to others", header: "ApiKey alice:tg_0123456789ab_x"},
		{name: "Bearer left to others", header: "Bearer tg_0123456789ab_x"},
		{name: "no header", header: ""},
	}
	for _, cached := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			if cached {
				name += " (cache)"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				store, _ := newStore(t)
				a := auth.Basic{Store: store}
				if cached {
					a.Cache = auth.NewCache(0)
				}
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
			})
		}
	}
}

func TestBasicStoreFailure(t *testing.T) {
	store, _ := newStore(t)
	store.passwordErr = errStoreDown
	u, err := auth.Basic{Store: store, Cache: auth.NewCache(0)}.Authenticate(context.Background(),
		request(http.MethodGet, basicHeader("alice", alicePassword)))
	if u != nil || !errors.Is(err, errStoreDown) || apierror.As(err) != nil {
		t.Errorf("Authenticate = %v, %v; want no user and the store's error as is", u, err)
	}
}

func TestBasicCache(t *testing.T) {
	store, _ := newStore(t)
	cache, clk := newClockedCache(0)
	a := auth.Basic{Store: store, Cache: cache}
	steps := []struct {
		name        string
		header      string
		advance     bool // move the clock past the TTL first
		clear       bool // Clear the cache first
		wantUser    string
		wantLookups int64 // PasswordByUsername calls so far
	}{
		{name: "first request verifies", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 1},
		{name: "second comes from the cache", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 1},
		{name: "a wrong password is not served from the cache", header: basicHeader("alice", "guess"), wantLookups: 2},
		{name: "still cached", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 2},
		{name: "after Clear the store is asked", header: basicHeader("alice", alicePassword), clear: true, wantUser: "alice", wantLookups: 3},
		{name: "cached again", header: basicHeader("alice", alicePassword), wantUser: "alice", wantLookups: 3},
		{name: "past the TTL the store is asked", header: basicHeader("alice", alicePassword), advance: true, wantUser: "alice", wantLookups: 4},
		{name: "other user verifies", header: basicHeader("carol", carolPassword), wantUser: "carol", wantLookups: 5},
		{name: "other user cached", header: basicHeader("carol", carolPassword), wantUser: "carol", wantLookups: 5},
	}
	for _, s := range steps {
		if s.advance {
			clk.Advance(auth.DefaultCacheTTL + 1)
		}
		if s.clear {
			cache.Clear()
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
	}
}

// stubAuthn answers with a fixed user and error and counts its calls.
type stubAuthn struct {
	user  *resource.User
	err   error
	calls *int
}

func (s stubAuthn) Authenticate(context.Context, *http.Request) (*resource.User, error) {
	*s.calls++
	return s.user, s.err
}

type challengingStub struct {
	stubAuthn
	challenge string
}

func (s challengingStub) Challenge() string { return s.challenge }

func TestChainStubs(t *testing.T) {
	errA := apierror.New(apierror.NotAuthenticated, "A refuses.")
	errB := apierror.New(apierror.NotAuthenticated, "B refuses.")
	ann, zed := &resource.User{ID: 1, Username: "ann"}, &resource.User{ID: 2, Username: "zed"}
	type member struct {
		user *resource.User
		err  error
	}
	tests := []struct {
		name      string
		members   []member
		header    string
		wantUser  *resource.User
		wantErr   error // compared by identity
		wantCalls []int
	}{
		{name: "empty chain, no credentials", header: "", wantCalls: []int{}},
		{name: "first recognises", members: []member{{user: ann}, {user: zed}}, header: "X a", wantUser: ann, wantCalls: []int{1, 0}},
		{name: "second recognises", members: []member{{}, {user: zed}, {user: ann}}, header: "X a", wantUser: zed, wantCalls: []int{1, 1, 0}},
		{name: "an error stops the chain", members: []member{{err: errA}, {user: zed}}, header: "X a", wantErr: errA, wantCalls: []int{1, 0}},
		{name: "an error after a pass", members: []member{{}, {err: errB}, {user: zed}}, header: "X a", wantErr: errB, wantCalls: []int{1, 1, 0}},
		{name: "first error wins", members: []member{{err: errA}, {err: errB}}, header: "X a", wantErr: errA, wantCalls: []int{1, 0}},
		{name: "nobody recognises, no credentials", members: []member{{}, {}}, header: "", wantCalls: []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counts := make([]int, len(tt.members))
			var c auth.Chain
			for i, m := range tt.members {
				c = append(c, stubAuthn{user: m.user, err: m.err, calls: &counts[i]})
			}
			u, err := c.Authenticate(context.Background(), request(http.MethodGet, tt.header))
			if u != tt.wantUser || err != tt.wantErr {
				t.Errorf("Authenticate = %v, %v; want %v, %v", u, err, tt.wantUser, tt.wantErr)
			}
			for i, want := range tt.wantCalls {
				if counts[i] != want {
					t.Errorf("member %d called %d times, want %d", i, counts[i], want)
				}
			}
		})
	}
}

func TestChain(t *testing.T) {
	_, f := newStore(t)
	tests := []struct {
		name     string
		header   string
		wantUser string
		wantErr  string
		want     calls
	}{
		{name: "ApiKey", header: apiKeyHeader("alice", f.aliceKey), wantUser: "alice", want: calls{keyByID: 1, touchKey: 1}},
		{name: "Bearer", header: "Bearer " + f.aliceKey, wantUser: "alice", want: calls{keyByID: 1, touchKey: 1}},
		{name: "Basic", header: basicHeader("carol", carolPassword), wantUser: "carol", want: calls{passwordByUsername: 1}},
		{name: "bad key stops the chain", header: "Bearer " + otherSecret(f.aliceKey), wantErr: "API key is not valid", want: calls{keyByID: 1}},
		{name: "revoked key", header: apiKeyHeader("bob", f.bobKey), wantErr: "revoked", want: calls{keyByID: 1}},
		{name: "bad password", header: basicHeader("alice", "nope"), wantErr: "wrong password", want: calls{passwordByUsername: 1}},
		{name: "malformed Basic", header: "Basic %%%", wantErr: "not base64"},
		{name: "no credentials", header: ""},
		{name: "blank header", header: "   "},
		{name: "Digest", header: `Digest username="alice", realm="tastygo"`, wantErr: `"digest" authorization scheme`},
		{name: "Token", header: "Token " + f.aliceKey, wantErr: `"token" authorization scheme`},
		{name: "bare key", header: f.aliceKey, wantErr: "authorization scheme is not accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := newStore(t)
			cache := auth.NewCache(0)
			c := auth.Chain{auth.APIKey{Store: store, Cache: cache}, auth.Basic{Store: store, Cache: cache}}
			u, err := c.Authenticate(context.Background(), request(http.MethodPost, tt.header))
			checkAuth(t, u, err, tt.wantUser, tt.wantErr)
			if got := store.calls(); got != tt.want {
				t.Errorf("store calls = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	n := 0
	plain := stubAuthn{calls: &n}
	custom := challengingStub{stubAuthn: plain, challenge: `Custom realm="x"`}
	const (
		apiKey = `ApiKey realm="tastygo", Bearer realm="tastygo"`
		basic  = `Basic realm="tastygo"`
	)
	tests := []struct {
		name string
		c    resource.Challenger
		want string
	}{
		{"APIKey", auth.APIKey{}, apiKey},
		{"Basic", auth.Basic{}, basic},
		{"empty chain", auth.Chain{}, ""},
		{"chain joins in order", auth.Chain{auth.APIKey{}, auth.Basic{}}, apiKey + ", " + basic},
		{"chain in the other order", auth.Chain{auth.Basic{}, auth.APIKey{}}, basic + ", " + apiKey},
		{"chain skips members without a challenge", auth.Chain{plain, auth.Basic{}, plain, custom}, basic + ", " + `Custom realm="x"`},
		{"chain of a chain", auth.Chain{auth.Chain{auth.Basic{}}, custom}, basic + `, Custom realm="x"`},
		{"Required of a chain", auth.Required{Authentication: auth.Chain{auth.APIKey{}, auth.Basic{}}}, apiKey + ", " + basic},
		{"Required of APIKey", auth.Required{Authentication: auth.APIKey{}, AnonymousRead: true}, apiKey},
		{"Required of an authentication without a challenge", auth.Required{Authentication: resource.Anonymous{}}, ""},
	}
	for _, tt := range tests {
		if got := tt.c.Challenge(); got != tt.want {
			t.Errorf("%s: Challenge() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRequired(t *testing.T) {
	_, f := newStore(t)
	const notProvided = "Authentication credentials were not provided."
	reads := []string{http.MethodGet, http.MethodHead, http.MethodOptions}
	writes := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	type tc struct {
		name          string
		method        string
		header        string
		anonymousRead bool
		wantUser      string
		wantErr       string
	}
	var tests []tc
	for _, m := range append(append([]string{}, reads...), writes...) {
		isRead := m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
		anonErr := notProvided
		if isRead {
			anonErr = ""
		}
		tests = append(tests,
			tc{name: m + " without credentials", method: m, wantErr: notProvided},
			tc{name: m + " without credentials, anonymous read", method: m, anonymousRead: true, wantErr: anonErr},
			tc{name: m + " with a key", method: m, header: "Bearer " + f.aliceKey, wantUser: "alice"},
			tc{name: m + " with a key, anonymous read", method: m, header: apiKeyHeader("alice", f.aliceKey), anonymousRead: true, wantUser: "alice"},
			tc{name: m + " with a password", method: m, header: basicHeader("alice", alicePassword), wantUser: "alice"},
			// Bad credentials are refused, never downgraded to anonymous.
			tc{name: m + " with a bad key, anonymous read", method: m, header: "Bearer " + otherSecret(f.aliceKey), anonymousRead: true, wantErr: "not valid"},
			tc{name: m + " with a revoked key, anonymous read", method: m, header: "Bearer " + f.bobKey, anonymousRead: true, wantErr: "revoked"},
			tc{name: m + " with an unknown scheme, anonymous read", method: m, header: "Digest x", anonymousRead: true, wantErr: "digest"},
		)
	}
	tests = append(tests,
		tc{name: "TRACE without credentials, anonymous read", method: http.MethodTrace, anonymousRead: true, wantErr: notProvided},
		tc{name: "lower-case get is not GET", method: "get", anonymousRead: true, wantErr: notProvided},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore(t)
			cache := auth.NewCache(0)
			a := auth.Required{
				Authentication: auth.Chain{auth.APIKey{Store: store, Cache: cache}, auth.Basic{Store: store, Cache: cache}},
				AnonymousRead:  tt.anonymousRead,
			}
			u, err := a.Authenticate(context.Background(), request(tt.method, tt.header))
			checkAuth(t, u, err, tt.wantUser, tt.wantErr)
			if err != nil {
				if got := apierror.Status(apierror.CodeOf(err)); got != http.StatusUnauthorized {
					t.Errorf("status = %d, want 401", got)
				}
			}
		})
	}
}

// Required passes on what it wraps, errors of any kind included.
func TestRequiredPassesThrough(t *testing.T) {
	n := 0
	eve := &resource.User{Username: "eve"}
	for _, tt := range []struct {
		name     string
		inner    stubAuthn
		wantUser *resource.User
		wantErr  error
	}{
		{"user", stubAuthn{user: eve, calls: &n}, eve, nil},
		{"store error", stubAuthn{err: errStoreDown, calls: &n}, nil, errStoreDown},
	} {
		for _, anon := range []bool{false, true} {
			u, err := auth.Required{Authentication: tt.inner, AnonymousRead: anon}.Authenticate(context.Background(), request(http.MethodDelete, ""))
			if u != tt.wantUser || err != tt.wantErr {
				t.Errorf("%s, anonymous read %v: Authenticate = %v, %v; want %v, %v", tt.name, anon, u, err, tt.wantUser, tt.wantErr)
			}
		}
	}
}
