// Package testredis gives tests a Redis client: TEST_REDIS_URL, or redis://127.0.0.1:6379/0 when it
// is not set, with a key prefix of the test's own so that tests sharing the server count apart. An
// unreachable Redis fails the test, so that a green run means the test ran, unless
// TASTYGO_SKIP_REDIS=1 is set: then it skips the test with a message.
package testredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is used when TEST_REDIS_URL is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL is TEST_REDIS_URL, or DefaultURL.
func URL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Client returns a client of the test Redis, closed when the test ends, and a key prefix unique to
// the test whose keys are deleted when it ends.
func Client(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		tb.Fatalf("testredis: TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		if os.Getenv("TASTYGO_SKIP_REDIS") == "1" {
			tb.Skipf("testredis: skipping (TASTYGO_SKIP_REDIS=1): Redis at %s does not answer: %v", URL(), err)
		}
		tb.Fatalf("testredis: Redis at %s does not answer: %v (start it, e.g. `redis-server --daemonize yes`, or set TASTYGO_SKIP_REDIS=1 to skip the tests that need it)", URL(), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "tastygo-test:" + hex.EncodeToString(b) + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, prefix
}
