package auth_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

// from returns a Basic request from a client address.
func from(addr, header string) *http.Request {
	r := request(http.MethodGet, header)
	r.RemoteAddr = addr + ":40000"
	return r
}

// checkThrottled checks a THROTTLED refusal: 429, the retry time in details, a message naming who is
// limited.
func checkThrottled(t *testing.T, what string, err error, retryAfter int64, who string) {
	t.Helper()
	e := apierror.As(err)
	if e == nil || e.Code != apierror.Throttled || apierror.Status(e.Code) != http.StatusTooManyRequests {
		t.Fatalf("%s: err = %v, want 429 THROTTLED", what, err)
	}
	if got := e.Details["retry_after_seconds"]; got != retryAfter {
		t.Errorf("%s: retry_after_seconds = %v, want %d", what, got, retryAfter)
	}
	checkAPIError(t, err, apierror.Throttled, who)
}

// Failed checks are limited per username, whoever sends them; beyond the limit the answer is 429
// before any bcrypt runs, even for the right password; attempts come back with time.
func TestGuardLimitsFailuresPerUsername(t *testing.T) {
	store, _ := newStore(t)
	clk := newFakeClock()
	guard, compares := newCountingGuard(auth.GuardConfig{FailuresPerUsername: 3, FailuresPerAddress: -1, Window: time.Minute, Now: clk.Now})
	a := auth.Basic{Store: store, Guard: guard}
	try := func(addr, user, password string) (*resource.User, error) {
		return a.Authenticate(context.Background(), from(addr, basicHeader(user, password)))
	}
	for i := range 3 {
		u, err := try("192.0.2."+string(rune('1'+i)), "alice", "guess")
		checkAuth(t, u, err, "", "wrong password")
	}
	if got := compares.n.Load(); got != 3 {
		t.Fatalf("bcrypt comparisons = %d, want 3", got)
	}
	_, err := try("192.0.2.9", "alice", "guess")
	checkThrottled(t, "fourth failure", err, 20, "for this username")
	_, err = try("192.0.2.9", "alice", alicePassword)
	checkThrottled(t, "the right password beyond the limit", err, 20, "for this username")
	if got := compares.n.Load(); got != 3 {
		t.Errorf("bcrypt ran beyond the limit: %d comparisons, want 3", got)
	}
	// Another username is not limited, known or not.
	u, err := try("192.0.2.9", "carol", carolPassword)
	checkAuth(t, u, err, "carol", "")
	u, err = try("192.0.2.9", "mallory", "guess")
	checkAuth(t, u, err, "", "wrong password")
	// One attempt comes back every Window/limit.
	clk.Advance(19 * time.Second)
	_, err = try("192.0.2.9", "alice", alicePassword)
	checkThrottled(t, "19 s later", err, 1, "for this username")
	clk.Advance(time.Second)
	u, err = try("192.0.2.9", "alice", alicePassword)
	checkAuth(t, u, err, "alice", "")
	// A success uses no attempt up: with one left, successes go on.
	for range 5 {
		u, err = try("192.0.2.9", "alice", alicePassword)
		checkAuth(t, u, err, "alice", "")
	}
}

// Failed checks are limited per client address, whatever the usernames; unknown usernames count too.
func TestGuardLimitsFailuresPerAddress(t *testing.T) {
	store, _ := newStore(t)
	clk := newFakeClock()
	guard, compares := newCountingGuard(auth.GuardConfig{FailuresPerAddress: 2, FailuresPerUsername: -1, Window: time.Hour, Now: clk.Now})
	a := auth.Basic{Store: store, Guard: guard}
	for _, user := range []string{"nobody", "alice"} {
		_, err := a.Authenticate(context.Background(), from("198.51.100.7", basicHeader(user, "guess")))
		checkAuth(t, nil, err, "", "wrong password")
	}
	_, err := a.Authenticate(context.Background(), from("198.51.100.7", basicHeader("carol", carolPassword)))
	checkThrottled(t, "third attempt from the address", err, 1800, "from your address")
	u, err := a.Authenticate(context.Background(), from("198.51.100.8", basicHeader("carol", carolPassword)))
	checkAuth(t, u, err, "carol", "")
	if got := compares.n.Load(); got != 3 {
		t.Errorf("bcrypt comparisons = %d, want 3", got)
	}
}

// Checks in progress hold their attempt: with a limit of 2, two checks held up at once leave none
// for a third, which is refused at once.
func TestGuardCountsChecksInProgress(t *testing.T) {
	store, _ := newStore(t)
	guard := auth.NewGuard(auth.GuardConfig{FailuresPerUsername: 2, FailuresPerAddress: -1, MaxConcurrent: 4})
	started, release := make(chan struct{}, 4), make(chan struct{})
	compare := auth.Compare(guard)
	auth.SetCompare(guard, func(hash, password []byte) error {
		started <- struct{}{}
		select { // a check that should not have started does not hang the test
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return compare(hash, password)
	})
	a := auth.Basic{Store: store, Guard: guard}
	var wg sync.WaitGroup
	for _, pw := range []string{"one", "two"} { // two credentials: two checks, not one shared
		wg.Go(func() {
			_, err := a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", pw)))
			checkAuth(t, nil, err, "", "wrong password")
		})
	}
	<-started
	<-started
	_, err := a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", alicePassword)))
	if apierror.CodeOf(err) != apierror.Throttled {
		t.Errorf("third check while two are in progress: %v, want THROTTLED", err)
	}
	close(release)
	wg.Wait()
}

// No more bcrypt comparisons run at once than MaxConcurrent, however many checks arrive.
func TestGuardBoundsComparisons(t *testing.T) {
	store, _ := newStore(t)
	for _, bound := range []int{1, 2} {
		guard := auth.NewGuard(auth.GuardConfig{MaxConcurrent: bound, FailuresPerAddress: -1, FailuresPerUsername: -1})
		if got := guard.MaxConcurrent(); got != bound {
			t.Fatalf("MaxConcurrent() = %d, want %d", got, bound)
		}
		var running, most atomic.Int64
		compare := auth.Compare(guard)
		auth.SetCompare(guard, func(hash, password []byte) error {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			return compare(hash, password)
		})
		a := auth.Basic{Store: store, Guard: guard}
		_, errs := together(12, func(i int) (*resource.User, error) {
			return a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", "guess"+string(rune('a'+i)))))
		})
		for _, err := range errs {
			checkAuth(t, nil, err, "", "wrong password")
		}
		if got := most.Load(); got != int64(bound) {
			t.Errorf("bound %d: %d comparisons ran at once", bound, got)
		}
	}
	if got := auth.NewGuard(auth.GuardConfig{}).MaxConcurrent(); got < 1 {
		t.Errorf("the default bound is %d", got)
	}
}

// A check that finds no free comparison slot within the check timeout is refused with THROTTLED
// (retry in a second), and not counted as a failure.
func TestGuardBusy(t *testing.T) {
	store, _ := newStore(t)
	guard := auth.NewGuard(auth.GuardConfig{MaxConcurrent: 1, FailuresPerUsername: 1, FailuresPerAddress: -1})
	auth.SetCheckTimeout(guard, 50*time.Millisecond)
	started, release := make(chan struct{}), make(chan struct{})
	compare := auth.Compare(guard)
	auth.SetCompare(guard, func(hash, password []byte) error {
		if string(password) == "slow" {
			close(started)
			<-release
		}
		return compare(hash, password)
	})
	a := auth.Basic{Store: store, Guard: guard}
	done := make(chan error)
	go func() {
		_, err := a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("carol", "slow")))
		done <- err
	}()
	<-started
	_, err := a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", alicePassword)))
	checkThrottled(t, "no free slot", err, 1, "busy checking passwords")
	close(release)
	checkAuth(t, nil, <-done, "", "wrong password")
	// The refused check used up none of alice's single attempt.
	u, err := a.Authenticate(context.Background(), request(http.MethodGet, basicHeader("alice", alicePassword)))
	checkAuth(t, u, err, "alice", "")
}
