package resource

import (
	"context"
	"math"
	"time"

	"github.com/tastygo/tastygo/apierror"
)

// Throttle limits how often clients may call a resource, as Tastypie's throttle_check does. The HTTP
// handler asks it once per request, after authentication (so b.User is known, nil for an anonymous
// request) and before authorization and the request's work; b.Request is the HTTP request.
//
// Check returns nil to let the request through. To refuse it, it returns an error, normally one made
// by [Throttled], which is answered 429 THROTTLED with a Retry-After header. Any other error is
// answered as errors are (a throttle whose shared store is down may prefer to let requests through).
//
// What is checked: list, detail, set/ and schema/ requests of every method, and a relation's list
// (/<name>/<key>/<relation>/, with the related resource's throttle). What is not: OPTIONS, which
// Tastypie answers in method_check before authentication and throttling; the API root listing, which
// Tastypie's Api.top_level does not throttle either; and the in-process calls of [API.List],
// [API.Create] and the others, which are the application's own work, not a client's. A Throttle must
// be safe for concurrent use.
type Throttle interface {
	Check(ctx context.Context, b *Bundle) error
}

// Throttled returns the THROTTLED error a [Throttle] refuses a request with: message is for people
// and should name the limit; retryAfter is how long until the client may try again, rounded up to
// whole seconds, at least 1. It is sent as the Retry-After header and as details.retry_after_seconds;
// add more details with With (the throttle package adds limit and window_seconds).
func Throttled(retryAfter time.Duration, message string) *apierror.Error {
	return apierror.New(apierror.Throttled, "%s", message).With("retry_after_seconds", RetryAfterSeconds(retryAfter))
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1: the value of a Retry-After header.
func RetryAfterSeconds(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}

// retryAfterHeader is the Retry-After of a THROTTLED error: its details.retry_after_seconds, or 1.
func retryAfterHeader(e *apierror.Error) int64 {
	switch v := e.Details["retry_after_seconds"].(type) {
	case int64:
		if v >= 1 {
			return v
		}
	case int:
		if v >= 1 {
			return int64(v)
		}
	}
	return 1
}

// checkThrottle runs the resource's throttle, if it has one.
func (r *Bound) checkThrottle(ctx context.Context, b *Bundle) error {
	if r.throttle == nil {
		return nil
	}
	return r.throttle.Check(withBundle(ctx, b), b)
}
