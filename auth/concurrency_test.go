package auth_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

const goroutines = 50

// together runs f in n goroutines released at the same moment and returns their results.
func together(n int, f func(i int) (*resource.User, error)) ([]*resource.User, []error) {
	users, errs := make([]*resource.User, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			users[i], errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return users, errs
}

// Run with -race: 50 requests with the same key at once each read the key, and each caller owns the
// user it gets.
func TestAPIKeyConcurrent(t *testing.T) {
	store, f := newStore(t)
	a := auth.APIKey{Store: store, Pepper: testPepper}
	header := apiKeyHeader("alice", f.aliceKey)
	users, errs := together(goroutines, func(int) (*resource.User, error) {
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, header))
		if u != nil {
			u.Username = "changed by the caller"
		}
		return u, err
	})
	for i := range users {
		if errs[i] != nil || users[i] == nil || users[i].ID != alice.ID {
			t.Errorf("goroutine %d: %v, %v; want alice", i, users[i], errs[i])
		}
	}
	if got := store.calls().keyByID; got != goroutines {
		t.Errorf("KeyByID calls = %d, want %d: one per request", got, goroutines)
	}
	// The burst recorded the key's use; the requests that follow within TouchEvery do not write.
	touched := store.calls().touchKey
	for range 5 {
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, header))
		checkAuth(t, u, err, "alice", "")
	}
	if got := store.calls().touchKey; got != touched || touched < 1 {
		t.Errorf("TouchKey calls = %d after the burst, %d after five more requests; want at least 1, then no more", touched, got)
	}
}

// sharedCheck is a check concurrent requests share, held up until released.
type sharedCheck struct {
	name   string
	header func(fixture) string
	user   string
	// makeAuth builds the authentication over a store and a guard.
	makeAuth func(*fakeStore, *auth.Guard) resource.Authentication
}

var sharedChecks = []sharedCheck{
	{"Basic", func(fixture) string { return basicHeader("alice", alicePassword) }, "alice",
		func(s *fakeStore, g *auth.Guard) resource.Authentication { return auth.Basic{Store: s, Guard: g} }},
	{"bcrypt-stored key", func(f fixture) string { return "Bearer " + f.erinKey }, "erin",
		func(s *fakeStore, g *auth.Guard) resource.Authentication {
			return auth.APIKey{Store: s, Pepper: testPepper, Guard: g}
		}},
}

// Concurrent requests with one credential share one bcrypt check. The first request's client goes
// away while the check waits for a bcrypt slot (another check holds the only one): it gets its
// context's error, and every other request still succeeds, because the check runs on a context of
// its own.
func TestSharedCheckSurvivesACancelledCaller(t *testing.T) {
	for _, c := range sharedChecks {
		t.Run(c.name, func(t *testing.T) {
			store, f := newStore(t)
			guard := auth.NewGuard(auth.GuardConfig{MaxConcurrent: 1})
			blocking, release := make(chan struct{}), make(chan struct{})
			var shared atomic.Int64
			compare := auth.Compare(guard)
			auth.SetCompare(guard, func(hash, password []byte) error {
				if string(password) == "blocker" {
					close(blocking)
					select {
					case <-release:
					case <-time.After(10 * time.Second):
					}
				} else {
					shared.Add(1)
				}
				return compare(hash, password)
			})
			a := c.makeAuth(store, guard)
			blocker := make(chan error)
			go func() {
				_, err := auth.Basic{Store: store, Guard: guard}.Authenticate(context.Background(), request(http.MethodGet, basicHeader("carol", "blocker")))
				blocker <- err
			}()
			<-blocking
			first, cancel := context.WithCancel(context.Background())
			firstDone := make(chan error)
			go func() {
				_, err := a.Authenticate(first, request(http.MethodGet, c.header(f)))
				firstDone <- err
			}()
			time.Sleep(20 * time.Millisecond) // the first request waits for the slot in its check
			const others = 20
			var wg sync.WaitGroup
			users, errs := make([]*resource.User, others), make([]error, others)
			for i := range others {
				wg.Go(func() { users[i], errs[i] = a.Authenticate(context.Background(), request(http.MethodGet, c.header(f))) })
			}
			time.Sleep(20 * time.Millisecond) // the others join the check
			cancel()
			if err := <-firstDone; !errors.Is(err, context.Canceled) {
				t.Errorf("the cancelled request: %v, want context.Canceled", err)
			}
			close(release)
			checkAuth(t, nil, <-blocker, "", "wrong password")
			wg.Wait()
			for i := range others {
				checkAuth(t, users[i], errs[i], c.user, "")
			}
			if n := shared.Load(); n != 1 {
				t.Errorf("%d comparisons for the shared credential, want 1", n)
			}
		})
	}
}

// Run with -race: keys, passwords and bcrypt-stored keys at once through one chain.
func TestChainConcurrent(t *testing.T) {
	store, f := newStore(t)
	chain := newChain(store)
	headers := []string{apiKeyHeader("alice", f.aliceKey), "Bearer " + f.aliceKey, basicHeader("alice", alicePassword), "Bearer " + f.erinKey}
	users, errs := together(goroutines, func(i int) (*resource.User, error) {
		for j := range 5 {
			h := headers[(i+j)%len(headers)]
			u, err := chain.Authenticate(context.Background(), request(http.MethodGet, h))
			if err != nil || u == nil || (u.ID != alice.ID && u.ID != erin.ID) {
				return u, err
			}
		}
		return &alice, nil
	})
	for i := range users {
		if errs[i] != nil || users[i] == nil {
			t.Errorf("goroutine %d: %v, %v", i, users[i], errs[i])
		}
	}
}
