package auth

import (
	"crypto/hmac"
	"sync"
	"time"
)

// KeyEpoch tells a KeyCache whether the keys it remembers may still be used: it is a counter that
// every change to keys or their users made through the application's store increases (a revocation,
// in this process or another), read without a database round trip. The sources of package
// auth/sqlstore are one over a shared-memory file beside a SQLite database and one over a lease
// renewed by a heartbeat on PostgreSQL.
type KeyEpoch interface {
	// KeysEpoch returns the current generation of the stored keys, and false when a change could go
	// unseen now (a heartbeat that failed, say): then nothing remembered is used and every key is read
	// from the store.
	KeysEpoch() (epoch uint64, ok bool)
}

// DefaultKeyCacheSize is the number of keys a KeyCache remembers at most when NewKeyCache is given 0.
const DefaultKeyCacheSize = 10_000

// KeyCacheMaxAge is how long a KeyCache uses what it read about a key, whatever the epoch says, before
// it reads the key's row again: the bound for changes made outside the store (an UPDATE in psql, say),
// which no epoch sees. It is also how often a busy key's last use is written (TouchEvery).
const KeyCacheMaxAge = TouchEvery

// KeyCache remembers the keys that authenticated (by the key's public id: the HMAC of the key, its row
// and its user) for as long as its KeyEpoch does not change and at most KeyCacheMaxAge, so that a
// request with a key seen before costs one HMAC and a map lookup instead of a read of the key's row.
// A key that fails is never remembered; a request whose key's HMAC differs from the remembered one
// reads the row. The zero value is not usable: call NewKeyCache.
type KeyCache struct {
	epoch KeyEpoch
	size  int
	now   func() time.Time
	mu    sync.RWMutex
	m     map[string]cachedKey
}

type cachedKey struct {
	mac   []byte
	key   StoredKey
	epoch uint64
	read  time.Time // when the row was read
}

// NewKeyCache returns a cache invalidated by epoch, remembering at most size keys
// (DefaultKeyCacheSize when 0). A nil epoch makes a cache that remembers nothing.
func NewKeyCache(epoch KeyEpoch, size int) *KeyCache {
	if size <= 0 {
		size = DefaultKeyCacheSize
	}
	return &KeyCache{epoch: epoch, size: size, now: time.Now, m: map[string]cachedKey{}}
}

// current returns the epoch to tag a row read now with, and whether remembered rows may be used; it
// is read before the row, so that a change committed after it makes the remembered row stale.
func (c *KeyCache) current() (uint64, bool) {
	if c == nil || c.epoch == nil {
		return 0, false
	}
	return c.epoch.KeysEpoch()
}

// recall returns the row remembered for the key with public id id and HMAC mac, when the epoch has
// not moved since it was read and it is younger than KeyCacheMaxAge.
func (c *KeyCache) recall(id string, mac []byte) (*StoredKey, bool) {
	epoch, ok := c.current()
	if !ok {
		return nil, false
	}
	c.mu.RLock()
	e, found := c.m[id]
	c.mu.RUnlock()
	if !found || e.epoch != epoch || c.now().Sub(e.read) >= KeyCacheMaxAge || !hmac.Equal(e.mac, mac) {
		return nil, false
	}
	k := e.key
	return &k, true
}

// remember records the row of a key that authenticated, read at epoch.
func (c *KeyCache) remember(id string, mac []byte, k *StoredKey, epoch uint64, read time.Time) {
	if c == nil || c.epoch == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		c.m = make(map[string]cachedKey, c.size)
	}
	c.m[id] = cachedKey{mac: mac, key: *k, epoch: epoch, read: read}
}

// forget drops the key with public id id.
func (c *KeyCache) forget(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// Len returns the number of keys remembered.
func (c *KeyCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// clock is the cache's time (time.Now), or the zero time without a cache.
func (c *KeyCache) clock() time.Time {
	if c == nil {
		return time.Time{}
	}
	return c.now()
}
