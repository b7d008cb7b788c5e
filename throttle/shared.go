package throttle

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/tastygo/tastygo/resource"
)

// Shared is PerUser's limit with counts that every instance of an application shares, kept in Redis:
// with three instances behind a load balancer, a client gets Limit requests per Window in all, not
// three times that. The bucket is the same as PerUser's (Limit at once, then one every Window/Limit),
// computed in Redis by go-redis/redis_rate's GCRA script, one round trip per request; keys expire by
// themselves once a client's bucket is full again.
//
// When Redis cannot be reached, requests are let through (a throttle that takes the API down with it
// would be worse than none), and the failure is logged at most once a minute; Failures counts them.
//
// Fields must not change once the Shared is in use. It is safe for concurrent use.
type Shared struct {
	// Redis is the client of the Redis every instance uses.
	Redis *redis.Client
	// Limit is how many requests a client may make per Window, and how many at once.
	Limit int
	// Window is the period Limit counts over.
	Window time.Duration
	// Prefix starts every key in Redis ("tastygo:throttle:" when empty): give each API its own when
	// several share one Redis and must count apart.
	Prefix string
	// ClientIP names the client of an anonymous request; the host of r.RemoteAddr when nil.
	ClientIP func(r *http.Request) string
	// Logger reports Redis failures; nil logs nothing.
	Logger *slog.Logger

	limiter  atomic.Pointer[redis_rate.Limiter]
	failures atomic.Int64
	lastLog  atomic.Int64 // unix seconds of the last failure logged
}

// DefaultSharedPrefix starts Shared's keys unless Prefix says otherwise.
const DefaultSharedPrefix = "tastygo:throttle:"

// Check lets the request through when its client has a token left in Redis, and otherwise returns
// the THROTTLED error of resource.Throttled, with the details PerUser gives.
func (s *Shared) Check(ctx context.Context, b *resource.Bundle) error {
	if s.Limit <= 0 || s.Window <= 0 || s.Redis == nil {
		return fmt.Errorf("throttle: Shared needs Redis and a positive Limit and Window (Limit %d, Window %s)", s.Limit, s.Window)
	}
	l := s.limiter.Load()
	if l == nil {
		l = redis_rate.NewLimiter(s.Redis)
		s.limiter.Store(l)
	}
	prefix := s.Prefix
	if prefix == "" {
		prefix = DefaultSharedPrefix
	}
	p := PerUser{ClientIP: s.ClientIP}
	res, err := l.Allow(ctx, prefix+p.key(b), redis_rate.Limit{Rate: s.Limit, Burst: s.Limit, Period: s.Window})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.failures.Add(1)
		now := time.Now().Unix()
		if last := s.lastLog.Load(); now-last >= 60 && s.lastLog.CompareAndSwap(last, now) && s.Logger != nil {
			s.Logger.Warn("shared throttle: Redis did not answer; requests are let through unthrottled", "err", err)
		}
		return nil
	}
	if res.Allowed > 0 {
		return nil
	}
	wait := res.RetryAfter
	return resource.Throttled(wait, fmt.Sprintf("Too many requests: the limit is %d per %s. Retry in %d seconds.",
		s.Limit, window(s.Window), resource.RetryAfterSeconds(wait))).
		With("limit", s.Limit).With("window_seconds", int64(s.Window.Seconds()))
}

// Failures counts the checks Redis failed to answer (each let its request through).
func (s *Shared) Failures() int64 { return s.failures.Load() }
