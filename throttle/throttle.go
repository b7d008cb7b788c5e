// Package throttle limits how often each client may call an API: [PerUser] is a [resource.Throttle]
// that gives every authenticated user, and every client address of an anonymous request, a token
// bucket of its own (golang.org/x/time/rate).
//
// The counts live in the process's memory, so each instance of an application counts on its own: with
// three instances behind a load balancer a client may make up to three times the limit. Tastypie's
// CacheThrottle on a local-memory cache does the same; a limit shared by every instance needs a shared
// store (a Throttle of your own over Redis or the database) or a limit in the proxy in front.
package throttle

import (
	"container/list"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tastygo/tastygo/resource"
)

// DefaultMaxKeys is how many clients a PerUser remembers at most unless MaxKeys says otherwise.
const DefaultMaxKeys = 10000

// PerUser allows each client Limit requests per Window, as a token bucket: a client may make Limit
// requests at once, then one more every Window/Limit (with Tastypie's CacheThrottle(throttle_at=150,
// timeframe=3600), Limit 150 and Window time.Hour: 150 at once, then one every 24 seconds). A request
// beyond it is answered 429 THROTTLED with Retry-After, the wait for the next token.
//
// A client is the authenticated user (by User.ID) or, for an anonymous request, the address the
// request came from (the host of http.Request.RemoteAddr; set ClientIP to read a proxy's header
// instead, only when a proxy you trust sets it). One PerUser given to several resources (as
// resource.Config.Throttle is) counts a client's requests to all of them together; give a resource a
// PerUser of its own in its Meta.Throttle to count it apart.
//
// Memory is bounded: a client idle for a whole Window has a full bucket again, so it is forgotten; and
// beyond MaxKeys clients the least recently seen is forgotten, which gives it a full bucket early.
//
// The zero value has no limit set and is not usable; set Limit and Window. Fields must not change
// once the PerUser is in use. It is safe for concurrent use; its counts are per process (see the
// package documentation).
type PerUser struct {
	// Limit is how many requests a client may make per Window, and how many at once.
	Limit int
	// Window is the period Limit counts over.
	Window time.Duration
	// MaxKeys is how many clients are remembered at most; DefaultMaxKeys when zero.
	MaxKeys int
	// ClientIP names the client of an anonymous request; the host of r.RemoteAddr when nil.
	ClientIP func(r *http.Request) string
	// Now is the clock; time.Now when nil (tests set a fake one).
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *entry
	lru  list.List                // front: most recently seen
}

type entry struct {
	key     string
	limiter *rate.Limiter
	seen    time.Time
}

// Check lets the request through when its client has a token left, and otherwise returns the
// THROTTLED error of resource.Throttled with details limit, window_seconds and retry_after_seconds.
func (p *PerUser) Check(ctx context.Context, b *resource.Bundle) error {
	if p.Limit <= 0 || p.Window <= 0 {
		return fmt.Errorf("throttle: PerUser needs a positive Limit and Window (Limit %d, Window %s)", p.Limit, p.Window)
	}
	ok, wait := p.take(p.key(b), p.now())
	if ok {
		return nil
	}
	return resource.Throttled(wait, fmt.Sprintf("Too many requests: the limit is %d per %s. Retry in %d seconds.",
		p.Limit, window(p.Window), resource.RetryAfterSeconds(wait))).
		With("limit", p.Limit).With("window_seconds", int64(p.Window.Seconds()))
}

// Len reports how many clients the PerUser remembers.
func (p *PerUser) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.keys)
}

func (p *PerUser) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// key names the client: the user, or the address of an anonymous request.
func (p *PerUser) key(b *resource.Bundle) string {
	if b.User != nil {
		return "user:" + strconv.FormatInt(b.User.ID, 10)
	}
	if b.Request == nil {
		return "ip:"
	}
	if p.ClientIP != nil {
		return "ip:" + p.ClientIP(b.Request)
	}
	return "ip:" + RemoteIP(b.Request)
}

// RemoteIP is the host of r.RemoteAddr, the address the connection came from (the whole RemoteAddr
// when it has no port).
func RemoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// take spends one of the key's tokens at now; when none is left it reports how long until one is.
func (p *PerUser) take(key string, now time.Time) (bool, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.keys == nil {
		p.keys = map[string]*list.Element{}
	}
	p.evictIdle(now)
	var e *entry
	if el, ok := p.keys[key]; ok {
		e = el.Value.(*entry)
		p.lru.MoveToFront(el)
	} else {
		p.evictOver(p.maxKeys() - 1)
		e = &entry{key: key, limiter: rate.NewLimiter(rate.Limit(float64(p.Limit)/p.Window.Seconds()), p.Limit)}
		p.keys[key] = p.lru.PushFront(e)
	}
	e.seen = now
	if e.limiter.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - e.limiter.TokensAt(now)
	return false, time.Duration(missing / float64(e.limiter.Limit()) * float64(time.Second))
}

// evictIdle forgets clients idle for a Window or more: their buckets are full again, so forgetting
// them changes nothing. The idle ones are at the back of the list, so this costs little per request.
func (p *PerUser) evictIdle(now time.Time) {
	for el := p.lru.Back(); el != nil; el = p.lru.Back() {
		e := el.Value.(*entry)
		if now.Sub(e.seen) < p.Window {
			return
		}
		p.lru.Remove(el)
		delete(p.keys, e.key)
	}
}

// evictOver forgets the least recently seen clients until at most n are left.
func (p *PerUser) evictOver(n int) {
	for len(p.keys) > n {
		el := p.lru.Back()
		p.lru.Remove(el)
		delete(p.keys, el.Value.(*entry).key)
	}
}

func (p *PerUser) maxKeys() int {
	if p.MaxKeys > 0 {
		return p.MaxKeys
	}
	return DefaultMaxKeys
}

// window writes a window for people: "hour", "minute", "30 seconds", "1h30m0s".
func window(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d == time.Minute:
		return "minute"
	case d == time.Second:
		return "second"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " hours"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " seconds"
	}
	return d.String()
}
