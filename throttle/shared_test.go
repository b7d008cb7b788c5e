package throttle_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/internal/testredis"
	"github.com/tastygo/tastygo/resource"
	"github.com/tastygo/tastygo/throttle"
)

// TestSharedCountsAcrossInstances: two Shared throttles on one Redis, as two instances of an
// application have, allow a client Limit requests in all; another client has its own count; the
// refusal is THROTTLED with the limit, the window and a Retry-After.
func TestSharedCountsAcrossInstances(t *testing.T) {
	rdb, prefix := testredis.Client(t)
	instances := []*throttle.Shared{
		{Redis: rdb, Limit: 5, Window: time.Minute, Prefix: prefix},
		{Redis: rdb, Limit: 5, Window: time.Minute, Prefix: prefix},
	}
	ctx := context.Background()
	alice := &resource.Bundle{User: &resource.User{ID: 1}}
	bob := &resource.Bundle{User: &resource.User{ID: 2}}
	allowed := 0
	var refused *apierror.Error
	for i := range 12 {
		err := instances[i%2].Check(ctx, alice)
		switch e := apierror.As(err); {
		case err == nil:
			allowed++
		case e != nil && e.Code == apierror.Throttled:
			refused = e
		default:
			t.Fatalf("check %d: %v", i, err)
		}
	}
	if allowed != 5 {
		t.Errorf("allowed %d of 12 requests across two instances, want 5", allowed)
	}
	if refused == nil {
		t.Fatal("no request was refused")
	}
	if refused.Details["limit"] != 5 || refused.Details["window_seconds"] != int64(60) {
		t.Errorf("details of the refusal: %v", refused.Details)
	}
	if s, ok := refused.Details["retry_after_seconds"].(int64); !ok || s < 1 || s > 12 {
		t.Errorf("retry_after_seconds %v (%T), want 1..12 (one token every 12 s)", refused.Details["retry_after_seconds"], refused.Details["retry_after_seconds"])
	}
	if err := instances[0].Check(ctx, bob); err != nil {
		t.Errorf("another user was refused: %v", err)
	}
}

// TestSharedRedisDown: with Redis unreachable, requests go through and the failures are counted.
func TestSharedRedisDown(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer down.Close()
	s := &throttle.Shared{Redis: down, Limit: 1, Window: time.Minute}
	for i := range 3 {
		if err := s.Check(context.Background(), &resource.Bundle{User: &resource.User{ID: 1}}); err != nil {
			t.Fatalf("check %d with Redis down: %v", i, err)
		}
	}
	if s.Failures() != 3 {
		t.Errorf("Failures() = %d, want 3", s.Failures())
	}
}

// BenchmarkThrottleCheck compares a check of the shared throttle (one Redis round trip) with the
// in-process one, in the same run.
func BenchmarkThrottleCheck(b *testing.B) {
	rdb, prefix := testredis.Client(b)
	shared := &throttle.Shared{Redis: rdb, Limit: 1 << 30, Window: time.Hour, Prefix: prefix}
	local := &throttle.PerUser{Limit: 1 << 30, Window: time.Hour}
	bundle := &resource.Bundle{User: &resource.User{ID: 1}}
	ctx := context.Background()
	b.Run("in-process", func(b *testing.B) {
		for b.Loop() {
			if err := local.Check(ctx, bundle); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redis", func(b *testing.B) {
		for b.Loop() {
			if err := shared.Check(ctx, bundle); err != nil {
				b.Fatal(err)
			}
		}
	})
}
