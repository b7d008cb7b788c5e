package auth_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

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

// newChain is the chain an application builds: keys, then passwords, sharing one Guard.
func newChain(store auth.Store) auth.Chain {
	g := auth.NewGuard(auth.GuardConfig{})
	return auth.Chain{
		auth.APIKey{Store: store, Pepper: testPepper, Guard: g},
		auth.Basic{Store: store, Cache: auth.NewCache(0), Guard: g},
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
			c := newChain(store)
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
			a := auth.Required{
				Authentication: newChain(store),
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
