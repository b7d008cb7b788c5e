package auth_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/tastygo/tastygo/auth"
)

// testEpoch is a KeyEpoch the test moves by hand.
type testEpoch struct {
	epoch atomic.Uint64
	down  atomic.Bool
}

func (e *testEpoch) KeysEpoch() (uint64, bool) { return e.epoch.Load(), !e.down.Load() }

// TestKeyCache checks what a KeyCache serves without reading the key's row, and when it reads it
// again: a key that authenticated is served from the cache (no store call) while the epoch stays;
// a moved epoch, an epoch that cannot be observed or KeyCacheMaxAge makes the next request read the
// row; a wrong secret, a wrong username, a revoked key and a key that fails are never served from it.
func TestKeyCache(t *testing.T) {
	store, f := newStore(t)
	epoch := &testEpoch{}
	clk := newFakeClock()
	cache := auth.NewKeyCache(epoch, 0)
	auth.SetKeyCacheClock(cache, clk.Now)
	a := auth.KeyClock(auth.APIKey{Store: store, Pepper: testPepper, Cache: cache}, clk.Now)
	ctx := context.Background()
	reads := func() int64 { return store.calls().keyByID }
	step := func(what, header, wantUser, wantErr string, wantReads int64) {
		t.Helper()
		before := reads()
		u, err := a.Authenticate(ctx, request(http.MethodGet, header))
		checkAuth(t, u, err, wantUser, wantErr)
		if got := reads() - before; got != wantReads {
			t.Errorf("%s: %d reads of the key's row, want %d", what, got, wantReads)
		}
	}
	good := "Bearer " + f.aliceKey
	step("first use", good, "alice", "", 1)
	step("second use", good, "alice", "", 0)
	step("ApiKey header, same key", apiKeyHeader("alice", f.aliceKey), "alice", "", 0)
	step("wrong username, remembered key", apiKeyHeader("bob", f.aliceKey), "", "The API key is not valid.", 0)
	step("wrong secret, same id", "Bearer "+otherSecret(f.aliceKey), "", "The API key is not valid.", 1)
	// A wrong secret drops what was remembered for the id: the next good request reads the row.
	step("after a wrong secret", good, "alice", "", 1)
	step("remembered again", good, "alice", "", 0)

	store.revoke(f.aliceID) // as a change outside the store: the epoch does not move
	step("revoked by hand, epoch unchanged", good, "alice", "", 0)
	epoch.epoch.Add(1)
	step("epoch moved", good, "", "The API key has been revoked.", 1)
	step("revoked, never remembered", good, "", "The API key has been revoked.", 1)
	step("bob's revoked key", "Bearer "+f.bobKey, "", "The API key has been revoked.", 1)
	step("bob's revoked key again", "Bearer "+f.bobKey, "", "The API key has been revoked.", 1)

	// erin's key (bcrypt, upgraded at its first use) is remembered after it.
	step("erin first", "Bearer "+f.erinKey, "erin", "", 1)
	step("erin remembered", "Bearer "+f.erinKey, "erin", "", 0)
	epoch.down.Store(true)
	step("epoch not observable", "Bearer "+f.erinKey, "erin", "", 1)
	step("epoch still not observable: nothing remembered is used, nothing is remembered", "Bearer "+f.erinKey, "erin", "", 1)
	epoch.down.Store(false)
	step("observable again, unmoved: what was remembered holds", "Bearer "+f.erinKey, "erin", "", 0)
	epoch.down.Store(true)
	epoch.epoch.Add(1) // moved while it could not be observed (a heartbeat that failed during a revocation)
	epoch.down.Store(false)
	step("observable again, moved", "Bearer "+f.erinKey, "erin", "", 1)
	step("remembered", "Bearer "+f.erinKey, "erin", "", 0)
	clk.Advance(auth.KeyCacheMaxAge)
	step("after KeyCacheMaxAge", "Bearer "+f.erinKey, "erin", "", 1)
	step("remembered again", "Bearer "+f.erinKey, "erin", "", 0)
	// Last uses are written at the first use of each key and when a row read again is a minute old.
	if got := store.calls().touchKey; got != 3 {
		t.Errorf("%d writes of last uses, want 3 (alice's and erin's first uses, erin's a minute later)", got)
	}
}

// TestKeyCacheWithoutEpoch: a cache without an epoch remembers nothing.
func TestKeyCacheWithoutEpoch(t *testing.T) {
	store, f := newStore(t)
	a := auth.APIKey{Store: store, Pepper: testPepper, Cache: auth.NewKeyCache(nil, 0)}
	for range 3 {
		if _, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+f.aliceKey)); err != nil {
			t.Fatal(err)
		}
	}
	if got := store.calls().keyByID; got != 3 {
		t.Errorf("%d reads of the key's row, want 3", got)
	}
}
