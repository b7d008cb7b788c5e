package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

// fakeStore is an in-memory auth.Store that counts its calls. It hands out copies, as a database
// would, so that nothing a caller does to a result changes what it holds.
type fakeStore struct {
	mu        sync.Mutex
	keys      map[string]auth.StoredKey      // by public id (auth.KeyID)
	passwords map[string]auth.StoredPassword // by username
	touches   []touch

	// Errors to return instead of an answer.
	keyErr, passwordErr, touchErr error

	keyByID, passwordByUsername, touchKey atomic.Int64
}

type touch struct {
	keyID int64
	at    time.Time
}

func newFakeStore() *fakeStore {
	return &fakeStore{keys: map[string]auth.StoredKey{}, passwords: map[string]auth.StoredPassword{}}
}

func (s *fakeStore) addKey(publicID string, k auth.StoredKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[publicID] = k
}

func (s *fakeStore) addPassword(p auth.StoredPassword) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passwords[p.User.Username] = p
}

// revoke marks a key revoked, as "app revokekey" does in the database.
func (s *fakeStore) revoke(publicID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[publicID]
	k.Revoked = true
	s.keys[publicID] = k
}

func (s *fakeStore) KeyByID(_ context.Context, id string) (*auth.StoredKey, error) {
	s.keyByID.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyErr != nil {
		return nil, s.keyErr
	}
	k, ok := s.keys[id]
	if !ok {
		return nil, nil
	}
	return &k, nil
}

func (s *fakeStore) PasswordByUsername(_ context.Context, username string) (*auth.StoredPassword, error) {
	s.passwordByUsername.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.passwordErr != nil {
		return nil, s.passwordErr
	}
	p, ok := s.passwords[username]
	if !ok {
		return nil, nil
	}
	return &p, nil
}

func (s *fakeStore) TouchKey(_ context.Context, keyID int64, at time.Time) error {
	s.touchKey.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.touchErr != nil {
		return s.touchErr
	}
	s.touches = append(s.touches, touch{keyID, at})
	return nil
}

func (s *fakeStore) lastTouch() touch {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.touches) == 0 {
		return touch{}
	}
	return s.touches[len(s.touches)-1]
}

// calls is a snapshot of the store's counters.
type calls struct{ keyByID, passwordByUsername, touchKey int64 }

func (s *fakeStore) calls() calls {
	return calls{s.keyByID.Load(), s.passwordByUsername.Load(), s.touchKey.Load()}
}

var _ auth.Store = (*fakeStore)(nil)

var errStoreDown = errors.New("store: connection refused")

// The users of the fixture.
var (
	alice = resource.User{ID: 1, Username: "alice", Data: "top-location:1"}
	bob   = resource.User{ID: 2, Username: "bob"}
	carol = resource.User{ID: 3, Username: "carol"} // has a password with a colon in it
	dave  = resource.User{ID: 4, Username: "dave"}  // has a password of exactly 72 bytes
)

const (
	alicePassword = "correct horse battery staple"
	carolPassword = "pass:word"
	aliceKeyRow   = 11 // StoredKey.ID of alice's key
	bobKeyRow     = 12 // StoredKey.ID of bob's key, revoked
)

var davePassword = strings.Repeat("d", 72)

// fixture holds keys made by auth.NewKey. NewKey hashes at bcrypt's default cost, tens of milliseconds
// and far more under -race, so the keys are made once; the store holds them hashed at bcrypt.MinCost,
// which bcrypt reads from the hash itself, so that the many verifications of these tests stay cheap.
// key_test.go checks NewKey's own hash.
type fixture struct {
	aliceKey, aliceID string
	bobKey, bobID     string
}

var (
	fixtureOnce sync.Once
	fixtureVal  fixture
	fixtureErr  error
	fixtureHash = map[string][]byte{} // credential -> MinCost hash
)

func minCostHash(secret string) []byte {
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return h
}

func loadFixture() (fixture, error) {
	fixtureOnce.Do(func() {
		var f fixture
		if f.aliceKey, f.aliceID, _, fixtureErr = auth.NewKey(); fixtureErr != nil {
			return
		}
		if f.bobKey, f.bobID, _, fixtureErr = auth.NewKey(); fixtureErr != nil {
			return
		}
		for _, s := range []string{f.aliceKey, f.bobKey, alicePassword, carolPassword, davePassword} {
			fixtureHash[s] = minCostHash(s)
		}
		fixtureVal = f
	})
	return fixtureVal, fixtureErr
}

// newStore returns a fresh store holding alice's key, bob's revoked key, and the passwords of alice,
// carol and dave (bob has none).
func newStore(t testing.TB) (*fakeStore, fixture) {
	t.Helper()
	f, err := loadFixture()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	s := newFakeStore()
	s.addKey(f.aliceID, auth.StoredKey{ID: aliceKeyRow, User: alice, Hash: fixtureHash[f.aliceKey]})
	s.addKey(f.bobID, auth.StoredKey{ID: bobKeyRow, User: bob, Hash: fixtureHash[f.bobKey], Revoked: true})
	s.addPassword(auth.StoredPassword{User: alice, Hash: fixtureHash[alicePassword]})
	s.addPassword(auth.StoredPassword{User: carol, Hash: fixtureHash[carolPassword]})
	s.addPassword(auth.StoredPassword{User: dave, Hash: fixtureHash[davePassword]})
	return s, f
}

// otherSecret returns key with the same public id and a different secret.
func otherSecret(key string) string {
	last := key[len(key)-1]
	repl := byte('a')
	if last == 'a' {
		repl = 'b'
	}
	return key[:len(key)-1] + string(repl)
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClockedCache returns a cache reading a fake clock. The clock starts far from the real time, so
// that a time taken from time.Now instead of the cache's clock shows.
func newClockedCache(ttl time.Duration) (*auth.Cache, *fakeClock) {
	clk := &fakeClock{t: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)}
	c := auth.NewCache(ttl)
	auth.SetClock(c, clk.Now)
	return c, clk
}

func request(method, authorization string) *http.Request {
	r := httptest.NewRequest(method, "/api/v1/location/", nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

func apiKeyHeader(username, key string) string { return "ApiKey " + username + ":" + key }

func basicHeader(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}

// checkAuth compares the outcome of an Authenticate with the user expected (by username, "" for none)
// and the error expected: "" for none, else a fragment of a NOT_AUTHENTICATED message.
func checkAuth(t *testing.T, u *resource.User, err error, wantUser, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if u != nil {
			t.Errorf("user = %+v, want none", *u)
		}
		checkAPIError(t, err, apierror.NotAuthenticated, wantErr)
		return
	}
	if err != nil {
		t.Fatalf("err = %v, want none", err)
	}
	switch {
	case wantUser == "" && u != nil:
		t.Errorf("user = %+v, want anonymous", *u)
	case wantUser != "" && u == nil:
		t.Errorf("user = nil, want %q", wantUser)
	case wantUser != "" && u.Username != wantUser:
		t.Errorf("user = %q, want %q", u.Username, wantUser)
	}
}

// checkAPIError checks that err is an *apierror.Error with a code and a message containing a fragment
// (case-insensitively).
func checkAPIError(t *testing.T, err error, code apierror.Code, fragment string) {
	t.Helper()
	var e *apierror.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *apierror.Error %s", err, err, code)
	}
	if e.Code != code {
		t.Errorf("code = %s, want %s (message %q)", e.Code, code, e.Message)
	}
	if !strings.Contains(strings.ToLower(e.Message), strings.ToLower(fragment)) {
		t.Errorf("message = %q, want it to mention %q", e.Message, fragment)
	}
}
