package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tastygo/tastygo/resource"
)

// DefaultCacheTTL is how long a verified credential is trusted without asking the Store again.
const DefaultCacheTTL = 30 * time.Second

// TouchEvery is how often, at most, a key's last-used time is written while it is in use.
const TouchEvery = time.Minute

// maxCacheEntries bounds the cache; past it, the cache starts over.
const maxCacheEntries = 100_000

// Cache remembers verified credentials for TTL, keyed by the SHA-256 of the credential. A key revoked
// through Evict stops working at once in this process; in other processes sharing the database it
// stops within TTL. The zero value is not usable: call NewCache.
type Cache struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[[32]byte]*cached
	// flight lets concurrent misses of one credential share a single verification.
	flight singleflight.Group
}

type cached struct {
	user    resource.User
	keyID   int64 // 0 for a password
	expires time.Time
	touched time.Time
}

// NewCache returns a cache trusting a verification for ttl (DefaultCacheTTL when zero; a negative
// ttl disables caching).
func NewCache(ttl time.Duration) *Cache {
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{ttl: ttl, now: time.Now, m: map[[32]byte]*cached{}}
}

func cacheKey(kind, credential string) [32]byte {
	return sha256.Sum256([]byte(kind + "\x00" + credential))
}

func (c *Cache) get(k [32]byte) (*cached, bool) {
	if c == nil || c.ttl < 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().After(e.expires) {
		delete(c.m, k)
		return nil, false
	}
	cp := *e
	return &cp, true
}

func (c *Cache) put(k [32]byte, e cached) {
	if c == nil || c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCacheEntries {
		c.m = map[[32]byte]*cached{}
	}
	e.expires = c.now().Add(c.ttl)
	c.m[k] = &e
}

// clock is the cache's time (time.Now for a nil cache): verification, touches and expiry all read it.
func (c *Cache) clock() time.Time {
	if c == nil {
		return time.Now()
	}
	return c.now()
}

// touchDue records a key's last-used write; it reports whether one is due.
func (c *Cache) touchDue(k [32]byte) bool {
	if c == nil || c.ttl < 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return true
	}
	if now := c.now(); now.Sub(e.touched) >= TouchEvery {
		e.touched = now
		return true
	}
	return false
}

// once runs verify for a credential, shared by every caller that asks for the same one meanwhile;
// without a cache each caller verifies on its own.
func (c *Cache) once(k [32]byte, verify func() (any, error)) (any, error) {
	if c == nil || c.ttl < 0 {
		return verify()
	}
	v, err, _ := c.flight.Do(string(k[:]), verify)
	return v, err
}

// Evict forgets every cached verification of a key, for example right after revoking it.
func (c *Cache) Evict(keyID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.keyID == keyID {
			delete(c.m, k)
		}
	}
}

// Clear forgets every cached verification, for example after a password change.
func (c *Cache) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = map[[32]byte]*cached{}
}
