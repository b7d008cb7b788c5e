package auth_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

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

func checkAllAlice(t *testing.T, users []*resource.User, errs []error) {
	t.Helper()
	for i := range users {
		if errs[i] != nil || users[i] == nil || *users[i] != alice {
			t.Errorf("goroutine %d: %v, %v; want alice", i, users[i], errs[i])
		}
	}
}

// Run with -race: 50 requests with the same key at once, on a cold cache, then a warm one.
func TestAPIKeyConcurrent(t *testing.T) {
	store, f := newStore(t)
	cache, clk := newClockedCache(10 * auth.TouchEvery) // outlives the clock's move below
	a := auth.APIKey{Store: store, Cache: cache}
	header := apiKeyHeader("alice", f.aliceKey)
	authenticate := func(int) (*resource.User, error) {
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, header))
		if u != nil {
			u.Username = "changed by the caller" // each caller owns its copy
		}
		return u, err
	}

	// Cold: every request may miss and verify; none may fail, and the key is cached afterwards.
	users, errs := together(goroutines, authenticate)
	for i := range users {
		if errs[i] != nil || users[i] == nil || users[i].ID != alice.ID {
			t.Errorf("goroutine %d: %v, %v; want alice", i, users[i], errs[i])
		}
	}
	cold := store.calls()
	if cold.keyByID < 1 || cold.keyByID > goroutines || cold.touchKey != cold.keyByID {
		t.Errorf("cold: store calls = %+v, want 1 to %d lookups, each touched", cold, goroutines)
	}
	t.Logf("cold cache: %d of %d concurrent requests verified with bcrypt", cold.keyByID, goroutines)

	// Warm: nobody goes to the store; once TouchEvery has passed, exactly one touches the key.
	users, errs = together(goroutines, func(int) (*resource.User, error) {
		return a.Authenticate(context.Background(), request(http.MethodGet, header))
	})
	checkAllAlice(t, users, errs)
	if got := store.calls(); got != cold {
		t.Errorf("warm: store calls = %+v, want unchanged %+v", got, cold)
	}
	clk.Advance(auth.TouchEvery)
	users, errs = together(goroutines, func(int) (*resource.User, error) {
		return a.Authenticate(context.Background(), request(http.MethodGet, header))
	})
	checkAllAlice(t, users, errs)
	if got, want := store.calls(), (calls{keyByID: cold.keyByID, touchKey: cold.touchKey + 1}); got != want {
		t.Errorf("warm, TouchEvery later: store calls = %+v, want %+v", got, want)
	}
}

// Run with -race: ApiKey, Bearer and Basic requests racing with Evict and Clear on one cache.
func TestCacheConcurrentChurn(t *testing.T) {
	store, f := newStore(t)
	cache := auth.NewCache(0)
	chain := auth.Chain{auth.APIKey{Store: store, Cache: cache}, auth.Basic{Store: store, Cache: cache}}
	headers := []string{apiKeyHeader("alice", f.aliceKey), "Bearer " + f.aliceKey, basicHeader("alice", alicePassword)}
	users, errs := together(goroutines, func(i int) (*resource.User, error) {
		for j := range 5 {
			switch (i + j) % 7 {
			case 0:
				cache.Evict(aliceKeyRow)
			case 1:
				cache.Clear()
			}
			u, err := chain.Authenticate(context.Background(), request(http.MethodGet, headers[(i+j)%len(headers)]))
			if err != nil || u == nil || *u != alice {
				return u, err
			}
		}
		return &alice, nil
	})
	checkAllAlice(t, users, errs)
}
