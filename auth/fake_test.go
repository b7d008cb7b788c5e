package auth_test

import (
	"bytes"
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

	upgrades []upgrade

	// Errors to return instead of an answer.
	keyErr, passwordErr, touchErr, upgradeErr error
	// keyHook, when set, runs in KeyByID before it answers (tests hold a lookup up with it).
	keyHook func(ctx context.Context)

	keyByID, passwordByUsername, touchKey, upgradeKeyHash atomic.Int64
}

type upgrade struct {
	keyID    int64
	old, new string
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

func (s *fakeStore) KeyByID(ctx context.Context, id string) (*auth.StoredKey, error) {
	s.keyByID.Add(1)
	if s.keyHook != nil {
		s.keyHook(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyErr != nil {
		return nil, s.keyErr
	}
	k, ok := s.keys[id]
	if !ok {
		return nil, nil
	}
	k.Hash = bytes.Clone(k.Hash)
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

// TouchKey records the touch, and sets the key's LastUsed as a database would.
func (s *fakeStore) TouchKey(_ context.Context, keyID int64, at time.Time) error {
	s.touchKey.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.touchErr != nil {
		return s.touchErr
	}
	s.touches = append(s.touches, touch{keyID, at})
	for id, k := range s.keys {
		if k.ID == keyID && !k.LastUsed.After(at.Add(-auth.TouchEvery)) {
			k.LastUsed = at
			s.keys[id] = k
		}
	}
	return nil
}

// UpgradeKeyHash replaces the key's hash when it still is old.
func (s *fakeStore) UpgradeKeyHash(_ context.Context, keyID int64, old, new []byte) error {
	s.upgradeKeyHash.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.upgradeErr != nil {
		return s.upgradeErr
	}
	s.upgrades = append(s.upgrades, upgrade{keyID, string(old), string(new)})
	for id, k := range s.keys {
		if k.ID == keyID && bytes.Equal(k.Hash, old) {
			k.Hash = bytes.Clone(new)
			s.keys[id] = k
		}
	}
	return nil
}

// key returns the key with a public id as the store holds it.
func (s *fakeStore) key(id string) auth.StoredKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[id]
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
type calls struct{ keyByID, passwordByUsername, touchKey, upgradeKeyHash int64 }

func (s *fakeStore) calls() calls {
	return calls{s.keyByID.Load(), s.passwordByUsername.Load(), s.touchKey.Load(), s.upgradeKeyHash.Load()}
}

var _ auth.Store = (*fakeStore)(nil)

var errStoreDown = errors.New("store: connection refused")

// The users of the fixture.
var (
	alice = resource.User{ID: 1, Username: "alice", Data: "top-location:1"}
	bob   = resource.User{ID: 2, Username: "bob"}
	carol = resource.User{ID: 3, Username: "carol"} // has a password with a colon in it
	dave  = resource.User{ID: 4, Username: "dave"}  // has a password of exactly 72 bytes
	erin  = resource.User{ID: 5, Username: "erin"}  // has a key stored as bcrypt, before peppers
)

const (
	alicePassword = "correct horse battery staple"
	carolPassword = "pass:word"
	aliceKeyRow   = 11 // StoredKey.ID of alice's key
	bobKeyRow     = 12 // StoredKey.ID of bob's key, revoked
	erinKeyRow    = 13 // StoredKey.ID of erin's key, a bcrypt hash
)

var davePassword = strings.Repeat("d", 72)

// testPepper is the pepper of the fixture's keys.
var testPepper = mustPepper(pepperSecret)

const pepperSecret = "0123456789abcdef0123456789abcdef-test-pepper"

func mustPepper(secret string) auth.Pepper {
	p, err := auth.NewPepper([]byte(secret))
	if err != nil {
		panic(err)
	}
	return p
}

// fixture holds keys made by auth.NewKey: alice's and bob's stored as their HMAC under testPepper,
// erin's as the bcrypt hash older versions stored. Passwords and erin's key are hashed at
// bcrypt.MinCost, which bcrypt reads from the hash itself, so that the many verifications of these
// tests stay cheap; they are made once.
type fixture struct {
	aliceKey, aliceID string
	bobKey, bobID     string
	erinKey, erinID   string
}

var (
	fixtureOnce sync.Once
	fixtureVal  fixture
	fixtureErr  error
	fixtureHash = map[string][]byte{} // credential -> its stored hash
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
		var aliceHash, bobHash []byte
		if f.aliceKey, f.aliceID, aliceHash, fixtureErr = auth.NewKey(testPepper); fixtureErr != nil {
			return
		}
		if f.bobKey, f.bobID, bobHash, fixtureErr = auth.NewKey(testPepper); fixtureErr != nil {
			return
		}
		if f.erinKey, f.erinID, _, fixtureErr = auth.NewKey(testPepper); fixtureErr != nil {
			return
		}
		fixtureHash[f.aliceKey], fixtureHash[f.bobKey] = aliceHash, bobHash
		for _, s := range []string{f.erinKey, alicePassword, carolPassword, davePassword} {
			fixtureHash[s] = minCostHash(s)
		}
		fixtureVal = f
	})
	return fixtureVal, fixtureErr
}

// newStore returns a fresh store holding alice's key, bob's revoked key, erin's bcrypt key, and the
// passwords of alice, carol and dave (bob has none).
func newStore(t testing.TB) (*fakeStore, fixture) {
	t.Helper()
	f, err := loadFixture()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	s := newFakeStore()
	s.addKey(f.aliceID, auth.StoredKey{ID: aliceKeyRow, User: alice, Hash: fixtureHash[f.aliceKey]})
	s.addKey(f.bobID, auth.StoredKey{ID: bobKeyRow, User: bob, Hash: fixtureHash[f.bobKey], Revoked: true})
	s.addKey(f.erinID, auth.StoredKey{ID: erinKeyRow, User: erin, Hash: fixtureHash[f.erinKey]})
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

// newFakeClock starts far from the real time, so that a time taken from time.Now instead of the
// clock shows.
func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)} }

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

// comparisons counts a Guard's bcrypt comparisons.
type comparisons struct{ n atomic.Int64 }

// newCountingGuard returns a Guard with cfg whose bcrypt comparisons are counted.
func newCountingGuard(cfg auth.GuardConfig) (*auth.Guard, *comparisons) {
	g := auth.NewGuard(cfg)
	c := &comparisons{}
	compare := auth.Compare(g)
	auth.SetCompare(g, func(hash, password []byte) error {
		c.n.Add(1)
		return compare(hash, password)
	})
	return g, c
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
