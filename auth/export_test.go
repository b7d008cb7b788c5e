package auth

import (
	"sync/atomic"
	"time"
)

// SetCacheClock makes c read the time from now instead of time.Now, so that tests can move time
// forward. Call it before c is shared between goroutines.
func SetCacheClock(c *Cache, now func() time.Time) { c.now = now }

// SetCompare makes g compare passwords with f instead of bcrypt's comparison, so that tests can count
// or hold up comparisons. Call it before g is shared between goroutines.
func SetCompare(g *Guard, f func(hash, password []byte) error) { g.compare = f }

// Compare is g's comparison (bcrypt's, unless SetCompare changed it).
func Compare(g *Guard) func(hash, password []byte) error { return g.compare }

// KeyClock returns a reading the time from now instead of time.Now.
func KeyClock(a APIKey, now func() time.Time) APIKey {
	a.now = now
	return a
}

// CountHashes returns a counting in n every HMAC it computes.
func CountHashes(a APIKey, n *atomic.Int64) APIKey {
	a.onHash = func() { n.Add(1) }
	return a
}

// DummyHash is the hash a check for a user without a password compares against.
var DummyHash = dummyHash

// SetCheckTimeout bounds g's shared checks by d instead of 10 seconds.
func SetCheckTimeout(g *Guard, d time.Duration) { g.timeout = d }

// SetKeyCacheClock makes c read the time from now instead of time.Now. Call it before c is shared
// between goroutines.
func SetKeyCacheClock(c *KeyCache, now func() time.Time) { c.now = now }
