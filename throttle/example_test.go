package throttle_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/tastygo/tastygo/resource"
	"github.com/tastygo/tastygo/throttle"
)

// Tastypie's CacheThrottle(throttle_at=150, timeframe=3600) is PerUser{Limit: 150, Window: time.Hour};
// set it as resource.Config.Throttle for every resource, or as one resource's Meta.Throttle. Here a
// tiny limit shows what a client beyond it is told.
func ExamplePerUser() {
	p := &throttle.PerUser{Limit: 2, Window: time.Minute}
	_ = resource.Config{Throttle: p} // every resource, counted together per client

	r := httptest.NewRequest("GET", "/api/v1/note/", nil)
	b := &resource.Bundle{Request: r, User: &resource.User{ID: 7}}
	for range 3 {
		fmt.Println(p.Check(context.Background(), b))
	}
	// Output:
	// <nil>
	// <nil>
	// Too many requests: the limit is 2 per minute. Retry in 30 seconds.
}
