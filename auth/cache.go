package auth

import (
	"bytes"
	"sync"
	"time"
)

// DefaultCacheTTL is how long a successful password login is remembered.
const DefaultCacheTTL = 5 * time.Minute

// TouchEvery is how often, at most, a key's last-used time is written while it is in use.
const TouchEvery = time.Minute

// maxCacheEntries bounds the cache; past it, the cache starts over.
const maxCacheEntries = 100_000

// Cache remembers successful password logins (Basic) for a TTL, so that a client sending the same
// credential again does not pay bcrypt again. An entry is the SHA-256 of the credential (never the
// credential itself), the user's id and the password hash that was checked; a remembered login counts
// only while the user's row, read again on every request, still has that id and that hash, so a
// changed password or a deleted user takes effect at the next request. API keys are never cached:
// checking one costs less than this cache would save. The zero value is not usable: call NewCache.
type Cache struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[[32]byte]remembered
}

type remembered struct {
	userID  int64
	hash    []byte
	expires time.Time
}

// NewCache returns a cache remembering a login for ttl (DefaultCacheTTL when zero; a negative ttl
// disables it).
func NewCache(ttl time.Duration) *Cache {
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{ttl: ttl, now: time.Now, m: map[[32]byte]remembered{}}
}

// recalls reports whether the login with credential digest k was remembered for the stored password
// p; when p no longer matches (another hash, another user, no password), the login is forgotten.
func (c *Cache) recalls(k [32]byte, p *StoredPassword) bool {
	if c == nil || c.ttl < 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return false
	}
	if c.now().After(e.expires) || p == nil || p.User.ID != e.userID || !bytes.Equal(p.Hash, e.hash) {
		delete(c.m, k)
		return false
	}
	return true
}

// has reports whether a login with credential digest k is remembered, unexpired.
func (c *Cache) has(k [32]byte) bool {
	if c == nil || c.ttl < 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return ok && !c.now().After(e.expires)
}

// remember records a successful login.
func (c *Cache) remember(k [32]byte, p *StoredPassword) {
	if c == nil || c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCacheEntries {
		c.m = map[[32]byte]remembered{}
	}
	c.m[k] = remembered{userID: p.User.ID, hash: bytes.Clone(p.Hash), expires: c.now().Add(c.ttl)}
}
