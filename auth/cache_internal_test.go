package auth

import (
	"strconv"
	"testing"
	"time"

	"github.com/tastygo/tastygo/resource"
)

// The cache holds at most maxCacheEntries; one more starts it over.
func TestCacheBound(t *testing.T) {
	c := NewCache(time.Hour)
	key := func(i int) [32]byte { return cacheKey("bearer\x00", "k"+strconv.Itoa(i)) }
	for i := range maxCacheEntries {
		c.put(key(i), cached{user: resource.User{ID: int64(i)}, keyID: int64(i)})
	}
	if len(c.m) != maxCacheEntries {
		t.Fatalf("cache holds %d entries, want %d", len(c.m), maxCacheEntries)
	}
	if e, ok := c.get(key(0)); !ok || e.keyID != 0 {
		t.Fatalf("the first entry is gone before the bound is passed")
	}
	c.put(key(maxCacheEntries), cached{keyID: maxCacheEntries})
	if len(c.m) != 1 {
		t.Errorf("past the bound the cache holds %d entries, want 1", len(c.m))
	}
	if _, ok := c.get(key(0)); ok {
		t.Error("an old entry survived the start over")
	}
	if e, ok := c.get(key(maxCacheEntries)); !ok || e.keyID != maxCacheEntries {
		t.Error("the entry put past the bound is missing")
	}
}

// An expired entry is dropped when it is next looked up, and get hands out a copy.
func TestCacheGet(t *testing.T) {
	now := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	c := NewCache(time.Minute)
	c.now = func() time.Time { return now }
	k := cacheKey("basic", "alice:pw")
	c.put(k, cached{user: resource.User{Username: "alice"}})
	e, ok := c.get(k)
	if !ok || e.expires != now.Add(time.Minute) {
		t.Fatalf("get = %+v, %v; want the entry, expiring in a minute", e, ok)
	}
	e.user.Username = "eve"
	if e2, _ := c.get(k); e2.user.Username != "alice" {
		t.Errorf("changing what get returned changed the cache: %q", e2.user.Username)
	}
	now = now.Add(time.Minute + 1)
	if _, ok := c.get(k); ok {
		t.Error("an expired entry was returned")
	}
	if len(c.m) != 0 {
		t.Errorf("the expired entry was kept: %d entries", len(c.m))
	}
}

func TestCacheKeyKinds(t *testing.T) {
	keys := map[[32]byte]string{}
	for _, kc := range [][2]string{
		{"basic", "alice:pw"},
		{"apikey\x00alice", "tg_x"},
		{"apikey\x00bob", "tg_x"},
		{"bearer\x00", "tg_x"},
		{"basic", "alice:pw2"},
	} {
		k := cacheKey(kc[0], kc[1])
		if prev, dup := keys[k]; dup {
			t.Errorf("cacheKey(%q, %q) collides with %s", kc[0], kc[1], prev)
		}
		keys[k] = kc[0] + "|" + kc[1]
	}
}
