package auth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

func TestAPIKey(t *testing.T) {
	_, f := newStore(t)
	const (
		malformedApiKey = "Malformed ApiKey header"
		malformedBearer = "Malformed Bearer header"
		notValid        = "The API key is not valid."
		revoked         = "The API key has been revoked."
	)
	unknownID := "tg_ffffffffffff" + f.aliceKey[len("tg_")+12:]
	tests := []struct {
		name     string
		header   string
		wantUser *resource.User
		wantErr  string
		// What the store is asked.
		want calls
		// bcrypt comparisons (keys stored before peppers only).
		wantCompares int64
	}{
		{name: "ApiKey good", header: apiKeyHeader("alice", f.aliceKey), wantUser: &alice, want: calls{keyByID: 1, touchKey: 1}},
		{name: "ApiKey scheme in lower case", header: "apikey alice:" + f.aliceKey, wantUser: &alice, want: calls{keyByID: 1, touchKey: 1}},
		{name: "ApiKey scheme in upper case", header: "APIKEY alice:" + f.aliceKey, wantUser: &alice, want: calls{keyByID: 1, touchKey: 1}},
		{name: "ApiKey with extra blanks", header: "  ApiKey   alice:" + f.aliceKey + "  ", wantUser: &alice, want: calls{keyByID: 1, touchKey: 1}},
		{name: "ApiKey wrong secret", header: apiKeyHeader("alice", otherSecret(f.aliceKey)), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "ApiKey wrong username for a good key", header: apiKeyHeader("mallory", f.aliceKey), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "ApiKey username in another case", header: apiKeyHeader("Alice", f.aliceKey), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "ApiKey another user's key", header: apiKeyHeader("bob", f.aliceKey), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "ApiKey unknown key id", header: apiKeyHeader("alice", unknownID), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "ApiKey key not of our form", header: apiKeyHeader("alice", "204db7bcfafb2deb7506b89eb3b9b715b09905c8"), wantErr: notValid},
		{name: "ApiKey key truncated", header: apiKeyHeader("alice", f.aliceKey[:14]), wantErr: notValid},
		{name: "ApiKey no colon", header: "ApiKey alice" + f.aliceKey, wantErr: malformedApiKey},
		{name: "ApiKey empty username", header: apiKeyHeader("", f.aliceKey), wantErr: malformedApiKey},
		{name: "ApiKey empty key", header: apiKeyHeader("alice", ""), wantErr: malformedApiKey},
		{name: "ApiKey colon only", header: "ApiKey :", wantErr: malformedApiKey},
		{name: "ApiKey no credentials", header: "ApiKey", wantErr: malformedApiKey},
		{name: "ApiKey no credentials but blanks", header: "ApiKey    ", wantErr: malformedApiKey},
		{name: "ApiKey revoked", header: apiKeyHeader("bob", f.bobKey), wantErr: revoked, want: calls{keyByID: 1}},
		{name: "ApiKey revoked with a wrong secret", header: apiKeyHeader("bob", otherSecret(f.bobKey)), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "Bearer good", header: "Bearer " + f.aliceKey, wantUser: &alice, want: calls{keyByID: 1, touchKey: 1}},
		{name: "Bearer scheme in lower case", header: "bearer " + f.aliceKey, wantUser: &alice, want: calls{keyByID: 1, touchKey: 1}},
		{name: "Bearer wrong secret", header: "Bearer " + otherSecret(f.aliceKey), wantErr: notValid, want: calls{keyByID: 1}},
		{name: "Bearer unknown key id", header: "Bearer " + unknownID, wantErr: notValid, want: calls{keyByID: 1}},
		{name: "Bearer revoked", header: "Bearer " + f.bobKey, wantErr: revoked, want: calls{keyByID: 1}},
		{name: "Bearer empty", header: "Bearer", wantErr: malformedBearer},
		{name: "Bearer blanks", header: "Bearer    ", wantErr: malformedBearer},
		{name: "Bearer malformed key", header: "Bearer not-a-key", wantErr: notValid},
		{name: "Bearer with an ApiKey credential", header: "Bearer alice:" + f.aliceKey, wantErr: notValid},
		{name: "Bearer with two words", header: "Bearer " + f.aliceKey + " " + f.aliceKey, wantErr: notValid, want: calls{keyByID: 1}},
		// A key stored as bcrypt before peppers: checked with bcrypt once, then stored as its HMAC.
		{name: "Bearer bcrypt-stored key", header: "Bearer " + f.erinKey, wantUser: &erin, want: calls{keyByID: 1, touchKey: 1, upgradeKeyHash: 1}, wantCompares: 1},
		{name: "ApiKey bcrypt-stored key", header: apiKeyHeader("erin", f.erinKey), wantUser: &erin, want: calls{keyByID: 1, touchKey: 1, upgradeKeyHash: 1}, wantCompares: 1},
		{name: "bcrypt-stored key, wrong secret", header: "Bearer " + otherSecret(f.erinKey), wantErr: notValid, want: calls{keyByID: 1}, wantCompares: 1},
		{name: "no header", header: ""},
		{name: "Basic left to others", header: basicHeader("alice", alicePassword)},
		{name: "Digest left to others", header: `Digest username="alice", realm="tastygo"`},
		{name: "Token left to others", header: "Token " + f.aliceKey},
		{name: "key without a scheme left to others", header: f.aliceKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore(t)
			guard, compares := newCountingGuard(auth.GuardConfig{})
			clk := newFakeClock()
			a := auth.KeyClock(auth.APIKey{Store: store, Pepper: testPepper, Guard: guard}, clk.Now)
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, tt.header))
			wantName := ""
			if tt.wantUser != nil {
				wantName = tt.wantUser.Username
			}
			checkAuth(t, u, err, wantName, tt.wantErr)
			if tt.wantErr != "" {
				if got := apierror.Status(apierror.CodeOf(err)); got != http.StatusUnauthorized {
					t.Errorf("status = %d, want 401", got)
				}
			}
			if got := store.calls(); got != tt.want {
				t.Errorf("store calls = %+v, want %+v", got, tt.want)
			}
			if got := compares.n.Load(); got != tt.wantCompares {
				t.Errorf("bcrypt comparisons = %d, want %d", got, tt.wantCompares)
			}
			if tt.wantUser != nil {
				if *u != *tt.wantUser {
					t.Errorf("user = %+v, want %+v", *u, *tt.wantUser)
				}
				if tc := store.lastTouch(); tc.at != clk.Now() {
					t.Errorf("TouchKey at %v, want the clock's %v", tc.at, clk.Now())
				}
			}
		})
	}
}

// A key stored as bcrypt is verified with bcrypt once: its row then holds the HMAC, and the next
// requests compare HMACs. A wrong secret changes nothing.
func TestAPIKeyUpgradesBcryptHashes(t *testing.T) {
	store, f := newStore(t)
	guard, compares := newCountingGuard(auth.GuardConfig{})
	a := auth.APIKey{Store: store, Pepper: testPepper, Guard: guard}
	oldHash := store.key(f.erinID).Hash
	steps := []struct {
		name         string
		key          string
		wantErr      string
		wantCompares int64
		wantHash     []byte
	}{
		{"wrong secret", otherSecret(f.erinKey), "not valid", 1, oldHash},
		{"right secret upgrades", f.erinKey, "", 2, testPepper.HashKey(f.erinKey)},
		{"then without bcrypt", f.erinKey, "", 2, testPepper.HashKey(f.erinKey)},
		{"wrong secret after the upgrade", otherSecret(f.erinKey), "not valid", 2, testPepper.HashKey(f.erinKey)},
	}
	for _, s := range steps {
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+s.key))
		wantUser := ""
		if s.wantErr == "" {
			wantUser = "erin"
		}
		checkAuth(t, u, err, wantUser, s.wantErr)
		if got := compares.n.Load(); got != s.wantCompares {
			t.Errorf("%s: bcrypt comparisons = %d, want %d", s.name, got, s.wantCompares)
		}
		if got := store.key(f.erinID).Hash; !bytes.Equal(got, s.wantHash) {
			t.Errorf("%s: stored hash = %q, want %q", s.name, got, s.wantHash)
		}
	}
	if len(store.upgrades) != 1 || store.upgrades[0] != (upgrade{erinKeyRow, string(oldHash), string(testPepper.HashKey(f.erinKey))}) {
		t.Errorf("upgrades = %+v, want one of row %d from its bcrypt hash", store.upgrades, erinKeyRow)
	}
}

func TestAPIKeyStoreFailures(t *testing.T) {
	_, f := newStore(t)
	tests := []struct {
		name                         string
		key                          func(fixture) string
		keyErr, touchErr, upgradeErr error
		// A failure to record a use or to upgrade a hash is logged; the request succeeds.
		wantUser string
		wantLog  string
	}{
		{name: "KeyByID fails", key: func(f fixture) string { return f.aliceKey }, keyErr: errStoreDown},
		{name: "TouchKey fails", key: func(f fixture) string { return f.aliceKey }, touchErr: errStoreDown,
			wantUser: "alice", wantLog: "could not record the use of an API key"},
		{name: "UpgradeKeyHash fails", key: func(f fixture) string { return f.erinKey }, upgradeErr: errStoreDown,
			wantUser: "erin", wantLog: "could not store the new hash of an API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := newStore(t)
			store.keyErr, store.touchErr, store.upgradeErr = tt.keyErr, tt.touchErr, tt.upgradeErr
			var log bytes.Buffer
			a := auth.APIKey{Store: store, Pepper: testPepper, Logger: slog.New(slog.NewTextHandler(&log, nil))}
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+tt.key(f)))
			if tt.wantUser == "" {
				if u != nil || !errors.Is(err, errStoreDown) || apierror.As(err) != nil {
					t.Errorf("Authenticate = %v, %v; want the store's error as is (a server error, not a 401)", u, err)
				}
				return
			}
			checkAuth(t, u, err, tt.wantUser, "")
			if !strings.Contains(log.String(), tt.wantLog) || !strings.Contains(log.String(), errStoreDown.Error()) {
				t.Errorf("log = %q, want %q with the store's error", log.String(), tt.wantLog)
			}
		})
	}
}

// Without a pepper no key can be checked: a server error (logged, 500), never a client's 401.
func TestAPIKeyWithoutPepper(t *testing.T) {
	store, f := newStore(t)
	for _, header := range []string{"Bearer " + f.aliceKey, apiKeyHeader("alice", "not-a-key")} {
		u, err := auth.APIKey{Store: store}.Authenticate(context.Background(), request(http.MethodGet, header))
		if u != nil || err == nil || apierror.As(err) != nil || !strings.Contains(err.Error(), "no Pepper") {
			t.Errorf("%s: Authenticate = %v, %v; want a server error naming the missing Pepper", header, u, err)
		}
	}
	if got := store.calls(); got != (calls{}) {
		t.Errorf("store calls = %+v, want none", got)
	}
}

// Keys are looked up on every request: revoking or upgrading a key in the store shows at the next
// request, for every APIKey over the store (two processes over one database).
func TestAPIKeyRevocationIsImmediate(t *testing.T) {
	store, f := newStore(t)
	this := auth.APIKey{Store: store, Pepper: testPepper}
	other := auth.APIKey{Store: store, Pepper: testPepper}
	for i := range 3 {
		for _, a := range []auth.APIKey{this, other} {
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+f.aliceKey))
			checkAuth(t, u, err, "alice", "")
		}
		if got := store.calls().keyByID; got != int64(2*(i+1)) {
			t.Fatalf("KeyByID calls = %d, want one per request", got)
		}
	}
	store.revoke(f.aliceID)
	for _, a := range []auth.APIKey{other, this} {
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+f.aliceKey))
		checkAuth(t, u, err, "", "revoked")
	}
}

// A key's use is written when the LastUsed the store returns is TouchEvery old or more, at the
// APIKey's time, so at most once per TouchEvery however many requests use it.
func TestAPIKeyTouchEvery(t *testing.T) {
	store, f := newStore(t)
	clk := newFakeClock()
	start := clk.Now()
	a := auth.KeyClock(auth.APIKey{Store: store, Pepper: testPepper}, clk.Now)
	steps := []struct {
		at          time.Duration // since start
		wantTouches int64
		wantAt      time.Duration // of the last touch
	}{
		{0, 1, 0},
		{time.Second, 1, 0},
		{30 * time.Second, 1, 0},
		{auth.TouchEvery - 1, 1, 0},
		{auth.TouchEvery, 2, auth.TouchEvery},
		{auth.TouchEvery + time.Second, 2, auth.TouchEvery},
		{2*auth.TouchEvery - 1, 2, auth.TouchEvery},
		{2 * auth.TouchEvery, 3, 2 * auth.TouchEvery},
		{5 * auth.TouchEvery, 4, 5 * auth.TouchEvery}, // a quiet spell earns one touch, not three
		{5*auth.TouchEvery + 1, 4, 5 * auth.TouchEvery},
	}
	for i, s := range steps {
		clk.Advance(start.Add(s.at).Sub(clk.Now()))
		for range 3 {
			u, err := a.Authenticate(context.Background(), request(http.MethodGet, apiKeyHeader("alice", f.aliceKey)))
			checkAuth(t, u, err, "alice", "")
		}
		got := store.calls()
		if got.keyByID != int64(3*(i+1)) || got.touchKey != s.wantTouches {
			t.Errorf("at +%v: store calls = %+v, want KeyByID %d, TouchKey %d", s.at, got, 3*(i+1), s.wantTouches)
		}
		last := store.lastTouch()
		if want := start.Add(s.wantAt); last.keyID != aliceKeyRow || !last.at.Equal(want) {
			t.Errorf("at +%v: last touch = key %d at %v, want key %d at %v", s.at, last.keyID, last.at, aliceKeyRow, want)
		}
	}
}

// The user APIKey returns is the caller's: changing it changes nothing in the store.
func TestAPIKeyReturnsACopy(t *testing.T) {
	store, f := newStore(t)
	a := auth.APIKey{Store: store, Pepper: testPepper}
	for i := range 3 {
		u, err := a.Authenticate(context.Background(), request(http.MethodGet, apiKeyHeader("alice", f.aliceKey)))
		if err != nil {
			t.Fatal(err)
		}
		if *u != alice {
			t.Fatalf("request %d: user = %+v, want %+v", i, *u, alice)
		}
		u.Username, u.Superuser, u.ID, u.Data = "eve", true, 666, "everywhere"
	}
}

// A wrong secret for a real key id and an unknown key id cost the same work: one HMAC and one
// lookup each (so timing does not tell which key ids exist). A key not of our form costs the HMAC
// too, without a lookup.
func TestAPIKeySameWorkForUnknownIDs(t *testing.T) {
	_, f := newStore(t)
	for _, tt := range []struct {
		name        string
		key         string
		wantLookups int64
	}{
		{"wrong secret for a real id", otherSecret(f.aliceKey), 1},
		{"unknown id", "tg_ffffffffffff" + f.aliceKey[len("tg_")+12:], 1},
		{"revoked key, wrong secret", otherSecret(f.bobKey), 1},
		{"not a key", "204db7bcfafb2deb7506b89eb3b9b715b09905c8", 0},
	} {
		store, _ := newStore(t)
		var hashes atomic.Int64
		a := auth.CountHashes(auth.APIKey{Store: store, Pepper: testPepper}, &hashes)
		_, err := a.Authenticate(context.Background(), request(http.MethodGet, "Bearer "+tt.key))
		checkAPIError(t, err, apierror.NotAuthenticated, "not valid")
		if got := hashes.Load(); got != 1 {
			t.Errorf("%s: %d HMACs, want 1", tt.name, got)
		}
		if got := store.calls().keyByID; got != tt.wantLookups {
			t.Errorf("%s: %d lookups, want %d", tt.name, got, tt.wantLookups)
		}
	}
}

// BenchmarkAPIKey times the three answers a key id can get; wrong_secret and unknown_id must cost
// about the same.
func BenchmarkAPIKey(b *testing.B) {
	store, f := newStore(b)
	a := auth.APIKey{Store: store, Pepper: testPepper}
	cached := auth.APIKey{Store: store, Pepper: testPepper, Cache: auth.NewKeyCache(&testEpoch{}, 0)}
	r := request(http.MethodGet, "Bearer "+f.aliceKey)
	if _, err := cached.Authenticate(context.Background(), r); err != nil {
		b.Fatal(err)
	}
	b.Run("good_remembered", func(b *testing.B) {
		for b.Loop() {
			cached.Authenticate(context.Background(), r)
		}
	})
	for _, c := range []struct{ name, key string }{
		{"good", f.aliceKey},
		{"wrong_secret", otherSecret(f.aliceKey)},
		{"unknown_id", "tg_ffffffffffff" + f.aliceKey[len("tg_")+12:]},
	} {
		r := request(http.MethodGet, "Bearer "+c.key)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				a.Authenticate(context.Background(), r)
			}
		})
	}
}
