package auth

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/tastygo/tastygo/resource"
	"github.com/tastygo/tastygo/throttle"
)

// The limits of a Guard made with a zero GuardConfig.
const (
	// DefaultFailuresPerAddress is how many failed password checks a client address may make per
	// DefaultFailureWindow (and at once).
	DefaultFailuresPerAddress = 30
	// DefaultFailuresPerUsername is how many failed password checks one username may have per
	// DefaultFailureWindow (and at once), whoever sends them.
	DefaultFailuresPerUsername = 10
	// DefaultFailureWindow is the period the failure limits count over.
	DefaultFailureWindow = 10 * time.Minute
	// DefaultMaxClients is how many client addresses, and how many usernames, a Guard remembers.
	DefaultMaxClients = 10_000
)

// checkTimeout bounds a check that concurrent requests share: the wait for a bcrypt slot, the
// Store's read and bcrypt itself. It runs apart from any one request, which may go away meanwhile.
const checkTimeout = 10 * time.Second

// GuardConfig sets a Guard's limits; the zero value takes the defaults.
type GuardConfig struct {
	// FailuresPerAddress is how many failed checks a client address may make per Window, and how
	// many may be in progress at once: DefaultFailuresPerAddress when 0; negative for no limit.
	FailuresPerAddress int
	// FailuresPerUsername is the same for a username, known or not: DefaultFailuresPerUsername when
	// 0; negative for no limit.
	FailuresPerUsername int
	// Window is the period the limits count over: a client regains one attempt every
	// Window/limit. DefaultFailureWindow when 0.
	Window time.Duration
	// MaxConcurrent is how many bcrypt comparisons run at once; the others wait (up to 10 seconds,
	// then 429 THROTTLED). Half the CPUs Go may use (at least 1) when 0.
	MaxConcurrent int
	// MaxClients is how many addresses, and how many usernames, are remembered; beyond, the least
	// recently seen is forgotten. DefaultMaxClients when 0.
	MaxClients int
	// ClientIP names a request's client address; throttle.RemoteIP (the connection's address) when
	// nil. Read a proxy's header only when a proxy you trust sets it.
	ClientIP func(r *http.Request) string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Guard protects password checks (bcrypt): it limits failed checks per client address and per
// username, answering 429 THROTTLED with Retry-After before any bcrypt runs once a limit is reached;
// it bounds how many bcrypt comparisons run at once; and it lets concurrent requests with the same
// credential share one check, run apart from any one request's cancellation. Give the same Guard to
// the Basic and APIKey of one API. A nil *Guard does none of this. Make one with NewGuard.
type Guard struct {
	window   time.Duration
	clientIP func(r *http.Request) string
	now      func() time.Time
	timeout  time.Duration // of a shared check: checkTimeout
	slots    *semaphore.Weighted
	slotN    int
	flight   singleflight.Group
	// compare is bcrypt's comparison (tests count calls through it).
	compare func(hash, password []byte) error

	mu           sync.Mutex
	addrs, users failureBuckets
}

// NewGuard returns a Guard with cfg's limits.
func NewGuard(cfg GuardConfig) *Guard {
	g := &Guard{
		window:   cfg.Window,
		clientIP: cfg.ClientIP,
		now:      cfg.Now,
		timeout:  checkTimeout,
		slotN:    cfg.MaxConcurrent,
		compare:  bcrypt.CompareHashAndPassword,
	}
	if g.window <= 0 {
		g.window = DefaultFailureWindow
	}
	if g.clientIP == nil {
		g.clientIP = throttle.RemoteIP
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.slotN <= 0 {
		g.slotN = max(1, runtime.GOMAXPROCS(0)/2)
	}
	g.slots = semaphore.NewWeighted(int64(g.slotN))
	maxClients := orDefault(cfg.MaxClients, DefaultMaxClients)
	g.addrs = newFailureBuckets(orDefault(cfg.FailuresPerAddress, DefaultFailuresPerAddress), g.window, maxClients)
	g.users = newFailureBuckets(orDefault(cfg.FailuresPerUsername, DefaultFailuresPerUsername), g.window, maxClients)
	return g
}

// orDefault is v, or def when v is 0.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// MaxConcurrent reports how many bcrypt comparisons the Guard runs at once.
func (g *Guard) MaxConcurrent() int { return g.slotN }

// Attempt is one credential check a Guard let start: until it is settled, it holds one attempt of its
// address's and its username's allowances. A nil *Attempt (a nil Guard's) settles nothing.
type Attempt struct {
	g       *Guard
	entries []*failureEntry
}

// Admit lets a check for username (none for "") from r's client start, or refuses it with THROTTLED
// (with details.retry_after_seconds) when the address or the username has no attempt left. Every
// admitted Attempt must be settled. Basic and APIKey use it for bcrypt checks; other authentications
// (such as auth/oauth2cc's token endpoint) use it to limit their failures the same way.
func (g *Guard) Admit(r *http.Request, username string) (*Attempt, error) {
	if g == nil {
		return nil, nil
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	a := &Attempt{g: g}
	var wait time.Duration
	var refused string
	check := func(b *failureBuckets, key, who string) {
		if b.limit <= 0 {
			return
		}
		e := b.entry(key, now)
		a.entries = append(a.entries, e)
		if w := b.wait(e, now); w > wait {
			wait, refused = w, who
		}
	}
	check(&g.addrs, g.clientIP(r), "from your address")
	if username != "" {
		check(&g.users, username, "for this username")
	}
	if wait > 0 {
		secs := resource.RetryAfterSeconds(wait)
		return nil, resource.Throttled(wait, fmt.Sprintf("Too many failed logins %s: retry in %d seconds.", refused, secs)).
			With("window_seconds", int64(g.window.Seconds()))
	}
	for _, e := range a.entries {
		e.inflight++
	}
	return a, nil
}

// Settle ends an attempt; a failed one uses up its attempt of each allowance.
func (a *Attempt) Settle(failed bool) {
	if a == nil {
		return
	}
	now := a.g.now()
	a.g.mu.Lock()
	defer a.g.mu.Unlock()
	for _, e := range a.entries {
		e.inflight--
		if failed {
			e.limiter.AllowN(now, 1)
		}
	}
}

// errBusy answers a check that found no free bcrypt slot within checkTimeout.
func errBusy() error {
	return resource.Throttled(time.Second, "The server is busy checking passwords: retry in 1 second.")
}

// matches reports whether secret matches a bcrypt hash, once a bcrypt slot is free. It always does a
// full comparison, also for a secret longer than bcrypt's 72 bytes, which never matches.
func (g *Guard) matches(ctx context.Context, hash []byte, secret string) (bool, error) {
	compare := bcrypt.CompareHashAndPassword
	if g != nil {
		if err := g.slots.Acquire(ctx, 1); err != nil {
			return false, errBusy()
		}
		defer g.slots.Release(1)
		compare = g.compare
	}
	return compare(hash, []byte(secret)) == nil && len(secret) <= 72, nil
}

// shared runs check once for every concurrent caller with the same key. The check runs on a context
// of its own, detached from the callers' cancellation and bounded by checkTimeout, so that a caller
// that goes away (it stops waiting and gets its context's error) never fails the others. A nil Guard
// runs check for each caller, on the caller's context.
func (g *Guard) shared(ctx context.Context, key string, check func(ctx context.Context) (any, error)) (any, error) {
	if g == nil {
		return check(ctx)
	}
	run := func() (v any, err error) {
		defer func() {
			if p := recover(); p != nil {
				v, err = nil, fmt.Errorf("auth: panic in a credential check: %v\n%s", p, debug.Stack())
			}
		}()
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
		defer cancel()
		return check(c)
	}
	select {
	case res := <-g.flight.DoChan(key, run):
		return res.Val, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// failureBuckets are the failure allowances of one kind of client (addresses or usernames): a token
// bucket each (golang.org/x/time/rate), least recently seen last.
type failureBuckets struct {
	limit  int // per window; <= 0: no limit
	window time.Duration
	max    int
	m      map[string]*list.Element // of *failureEntry
	lru    list.List                // front: most recently seen
}

type failureEntry struct {
	key      string
	limiter  *rate.Limiter
	inflight int // checks admitted and not settled yet
	seen     time.Time
}

func newFailureBuckets(limit int, window time.Duration, maxKeys int) failureBuckets {
	return failureBuckets{limit: limit, window: window, max: maxKeys, m: map[string]*list.Element{}}
}

// entry returns key's bucket, made full when key is new. It first forgets clients idle for a whole
// window (their buckets are full again, so forgetting them changes nothing), then, to make room, the
// least recently seen.
func (b *failureBuckets) entry(key string, now time.Time) *failureEntry {
	for el := b.lru.Back(); el != nil; el = b.lru.Back() {
		e := el.Value.(*failureEntry)
		if e.inflight > 0 || now.Sub(e.seen) < b.window {
			break
		}
		b.lru.Remove(el)
		delete(b.m, e.key)
	}
	if el, ok := b.m[key]; ok {
		e := el.Value.(*failureEntry)
		e.seen = now
		b.lru.MoveToFront(el)
		return e
	}
	for len(b.m) >= b.max {
		el := b.lru.Back()
		b.lru.Remove(el)
		delete(b.m, el.Value.(*failureEntry).key)
	}
	e := &failureEntry{key: key, seen: now,
		limiter: rate.NewLimiter(rate.Limit(float64(b.limit)/b.window.Seconds()), b.limit)}
	b.m[key] = b.lru.PushFront(e)
	return e
}

// wait is how long until e may start one more check: 0 when it has an attempt left beyond those in
// progress.
func (b *failureBuckets) wait(e *failureEntry, now time.Time) time.Duration {
	left := e.limiter.TokensAt(now) - float64(e.inflight)
	if left >= 1 {
		return 0
	}
	return time.Duration((1 - left) / float64(e.limiter.Limit()) * float64(time.Second))
}
