package auth_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth"
)

// cacheStep is one request in a scripted run against an APIKey with a cache on a fake clock.
type cacheStep struct {
	name    string
	advance time.Duration // move the clock first
	before  func(s *fakeStore, c *auth.Cache, f fixture)
	header  func(f fixture) string // default: ApiKey for alice
	wantErr string                 // "" when alice must be authenticated
	want    calls                  // the store's counters after the step
}

func runCacheSteps(t *testing.T, ttl time.Duration, steps []cacheStep) {
	t.Helper()
	store, f := newStore(t)
	cache, clk := newClockedCache(ttl)
	a := auth.APIKey{Store: store, Cache: cache}
	for _, s := range steps {
		clk.Advance(s.advance)
		if s.before != nil {
			s.before(store, cache, f)
		}
		header := apiKeyHeader("alice", f.aliceKey)
		if s.header != nil {
			header = s.header(f)
		}
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, header))
		wantUser := ""
		if s.wantErr == "" {
			wantUser = "alice"
		}
		t.Run(s.name, func(t *testing.T) { checkAuth(t, u, err, wantUser, s.wantErr) })
		if got := store.calls(); got != s.want {
			t.Errorf("%s: store calls = %+v, want %+v", s.name, got, s.want)
		}
	}
}

func TestCacheSkipsTheStore(t *testing.T) {
	bearer := func(f fixture) string { return "Bearer " + f.aliceKey }
	runCacheSteps(t, 0, []cacheStep{
		{name: "first ApiKey request verifies", want: calls{keyByID: 1, touchKey: 1}},
		{name: "second is cached", want: calls{keyByID: 1, touchKey: 1}},
		{name: "third is cached", advance: time.Second, want: calls{keyByID: 1, touchKey: 1}},
		{name: "Bearer is verified on its own", header: bearer, want: calls{keyByID: 2, touchKey: 2}},
		{name: "then cached", header: bearer, want: calls{keyByID: 2, touchKey: 2}},
		{name: "a wrong secret is not served from the cache",
			header:  func(f fixture) string { return apiKeyHeader("alice", otherSecret(f.aliceKey)) },
			wantErr: "not valid", want: calls{keyByID: 3, touchKey: 2}},
		// The cache is keyed by username too: a good key does not serve another username.
		{name: "a cached key with another username is refused",
			header:  func(f fixture) string { return apiKeyHeader("mallory", f.aliceKey) },
			wantErr: "not valid", want: calls{keyByID: 4, touchKey: 2}},
		{name: "the good one still cached", want: calls{keyByID: 4, touchKey: 2}},
	})
}

func TestCacheTTL(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Duration // the TTL in force
	}{
		{"zero means the default", 0, auth.DefaultCacheTTL},
		{"five seconds", 5 * time.Second, 5 * time.Second},
		{"an hour", time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The request at the TTL touches the key when TouchEvery has passed since the verification.
			touchesWhileCached := int64(0)
			if tt.want >= auth.TouchEvery {
				touchesWhileCached = 1
			}
			runCacheSteps(t, tt.ttl, []cacheStep{
				{name: "verify", want: calls{keyByID: 1, touchKey: 1}},
				{name: "at the TTL still cached", advance: tt.want, want: calls{keyByID: 1, touchKey: 1 + touchesWhileCached}},
				{name: "just past the TTL verified again", advance: 1, want: calls{keyByID: 2, touchKey: 2 + touchesWhileCached}},
				{name: "cached again", want: calls{keyByID: 2, touchKey: 2 + touchesWhileCached}},
			})
		})
	}
}

func TestCacheEvict(t *testing.T) {
	runCacheSteps(t, time.Hour, []cacheStep{
		{name: "verify", want: calls{keyByID: 1, touchKey: 1}},
		{name: "cached", want: calls{keyByID: 1, touchKey: 1}},
		{name: "evicting another key changes nothing",
			before: func(_ *fakeStore, c *auth.Cache, _ fixture) { c.Evict(bobKeyRow); c.Evict(0) },
			want:   calls{keyByID: 1, touchKey: 1}},
		{name: "after Evict the store is asked",
			before: func(_ *fakeStore, c *auth.Cache, _ fixture) { c.Evict(aliceKeyRow) },
			want:   calls{keyByID: 2, touchKey: 2}},
		{name: "cached again", want: calls{keyByID: 2, touchKey: 2}},
		// Revoked in the store but not evicted: trusted until the TTL (an hour here).
		{name: "revoked without Evict is still cached",
			before: func(s *fakeStore, _ *auth.Cache, f fixture) { s.revoke(f.aliceID) },
			want:   calls{keyByID: 2, touchKey: 2}},
		{name: "revoked and evicted fails at once",
			before:  func(_ *fakeStore, c *auth.Cache, _ fixture) { c.Evict(aliceKeyRow) },
			wantErr: "revoked", want: calls{keyByID: 3, touchKey: 2}},
		{name: "and keeps failing", wantErr: "revoked", want: calls{keyByID: 4, touchKey: 2}},
	})
}

// Evict reaches every cached form of a key: ApiKey and Bearer.
func TestCacheEvictEveryForm(t *testing.T) {
	bearer := func(f fixture) string { return "Bearer " + f.aliceKey }
	runCacheSteps(t, time.Hour, []cacheStep{
		{name: "ApiKey", want: calls{keyByID: 1, touchKey: 1}},
		{name: "Bearer", header: bearer, want: calls{keyByID: 2, touchKey: 2}},
		{name: "revoke and evict, ApiKey fails",
			before:  func(s *fakeStore, c *auth.Cache, f fixture) { s.revoke(f.aliceID); c.Evict(aliceKeyRow) },
			wantErr: "revoked", want: calls{keyByID: 3, touchKey: 2}},
		{name: "Bearer fails", header: bearer, wantErr: "revoked", want: calls{keyByID: 4, touchKey: 2}},
	})
}

func TestCacheClear(t *testing.T) {
	runCacheSteps(t, time.Hour, []cacheStep{
		{name: "verify", want: calls{keyByID: 1, touchKey: 1}},
		{name: "cached", want: calls{keyByID: 1, touchKey: 1}},
		{name: "after Clear the store is asked",
			before: func(_ *fakeStore, c *auth.Cache, _ fixture) { c.Clear() },
			want:   calls{keyByID: 2, touchKey: 2}},
		{name: "cached again", want: calls{keyByID: 2, touchKey: 2}},
		{name: "Clear then revoked fails",
			before:  func(s *fakeStore, c *auth.Cache, f fixture) { s.revoke(f.aliceID); c.Clear() },
			wantErr: "revoked", want: calls{keyByID: 3, touchKey: 2}},
	})
}

// TouchKey is written on the first verification, then at most once per TouchEvery while the key stays
// cached, at the cache's time.
func TestCacheTouch(t *testing.T) {
	store, f := newStore(t)
	cache, clk := newClockedCache(10 * time.Minute)
	start := clk.Now()
	a := auth.APIKey{Store: store, Cache: cache}
	steps := []struct {
		at          time.Duration // since start
		wantTouches int64
		wantAt      time.Duration // of the last touch
	}{
		{0, 1, 0},
		{time.Second, 1, 0},
		{30 * time.Second, 1, 0},
		{auth.TouchEvery - 1, 1, 0},
		{auth.TouchEvery, 2, auth.TouchEvery},
		{auth.TouchEvery + time.Second, 2, auth.TouchEvery},
		{2*auth.TouchEvery - 1, 2, auth.TouchEvery},
		{2 * auth.TouchEvery, 3, 2 * auth.TouchEvery},
		{5 * auth.TouchEvery, 4, 5 * auth.TouchEvery}, // a quiet spell earns one touch, not three
		{5*auth.TouchEvery + 1, 4, 5 * auth.TouchEvery},
	}
	for _, s := range steps {
		clk.Advance(start.Add(s.at).Sub(clk.Now()))
		for range 3 {
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, apiKeyHeader("alice", f.aliceKey)))
			checkAuth(t, u, err, "alice", "")
		}
		got := store.calls()
		if got.keyByID != 1 || got.touchKey != s.wantTouches {
			t.Errorf("at +%v: store calls = %+v, want KeyByID 1, TouchKey %d", s.at, got, s.wantTouches)
		}
		last := store.lastTouch()
		if want := start.Add(s.wantAt); last.keyID != aliceKeyRow || !last.at.Equal(want) {
			t.Errorf("at +%v: last touch = key %d at %v, want key %d at %v", s.at, last.keyID, last.at, aliceKeyRow, want)
		}
	}
}

// Without caching, every request verifies and touches.
func TestNoCache(t *testing.T) {
	disabled, _ := newClockedCache(-1)
	for _, tt := range []struct {
		name  string
		cache *auth.Cache
	}{
		{"nil cache", nil},
		{"negative TTL", disabled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store, f := newStore(t)
			a := auth.APIKey{Store: store, Cache: tt.cache}
			b := auth.Basic{Store: store, Cache: tt.cache}
			for i := int64(1); i <= 3; i++ {
				u, err := a.Authenticate(context.Background(), request(http.MethodGet, apiKeyHeader("alice", f.aliceKey)))
				checkAuth(t, u, err, "alice", "")
				u, err = b.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", alicePassword)))
				checkAuth(t, u, err, "alice", "")
				if got, want := store.calls(), (calls{keyByID: i, touchKey: i, passwordByUsername: i}); got != want {
					t.Errorf("after %d requests: store calls = %+v, want %+v", i, got, want)
				}
			}
			// Evict and Clear are harmless.
			tt.cache.Evict(aliceKeyRow)
			tt.cache.Clear()
			store.revoke(f.aliceID)
			_, err := a.Authenticate(context.Background(), request(http.MethodGet, apiKeyHeader("alice", f.aliceKey)))
			checkAuth(t, nil, err, "", "revoked")
		})
	}
}
