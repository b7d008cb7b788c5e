package auth_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tastygo/tastygo/auth"
)

var keyForm = regexp.MustCompile(`^tg_([0-9a-f]{12})_[a-z2-7]{32}$`)

func TestNewKey(t *testing.T) {
	t.Parallel()
	key1, id1, hash1, err := auth.NewKey(testPepper)
	if err != nil {
		t.Fatal(err)
	}
	key2, id2, hash2, err := auth.NewKey(testPepper)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct{ key, id string }{{key1, id1}, {key2, id2}} {
		m := keyForm.FindStringSubmatch(k.key)
		if m == nil {
			t.Fatalf("key %q does not have the form tg_<12 hex>_<32 base32 lower>", k.key)
		}
		if m[1] != k.id {
			t.Errorf("id = %q, want the key's id part %q", k.id, m[1])
		}
		if got, ok := auth.KeyID(k.key); !ok || got != k.id {
			t.Errorf("KeyID(%q) = %q, %v; want %q, true", k.key, got, ok, k.id)
		}
		if !strings.HasPrefix(k.key, auth.KeyPrefix) {
			t.Errorf("key %q does not start with KeyPrefix %q", k.key, auth.KeyPrefix)
		}
	}
	if key1 == key2 || id1 == id2 {
		t.Errorf("two keys share a key or an id: %q (%s), %q (%s)", key1, id1, key2, id2)
	}
	// The hash is the HMAC-SHA-256 of the whole key under the pepper.
	mac := hmac.New(sha256.New, []byte(pepperSecret))
	mac.Write([]byte(key1))
	if want := "hmac-sha256$" + hex.EncodeToString(mac.Sum(nil)); string(hash1) != want {
		t.Errorf("hash = %q, want %q", hash1, want)
	}
	if !bytes.Equal(hash1, testPepper.HashKey(key1)) || !bytes.Equal(hash2, testPepper.HashKey(key2)) || bytes.Equal(hash1, hash2) {
		t.Error("NewKey's hashes are not HashKey's, or two keys share one")
	}
	if strings.Contains(string(hash1), key1[len(key1)-32:]) {
		t.Error("the hash contains the secret")
	}
	if _, _, _, err := auth.NewKey(auth.Pepper{}); err == nil || !strings.Contains(err.Error(), "no Pepper") {
		t.Errorf("NewKey without a pepper: %v, want an error", err)
	}
}

func TestPepper(t *testing.T) {
	secret := []byte(strings.Repeat("s", auth.MinPepperBytes))
	p, err := auth.NewPepper(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		secret string
	}{
		{"empty", ""},
		{"one byte short", strings.Repeat("s", auth.MinPepperBytes-1)},
	} {
		if q, err := auth.NewPepper([]byte(tt.secret)); err == nil || !q.IsZero() || !strings.Contains(err.Error(), "at least 32 bytes") {
			t.Errorf("%s: NewPepper = %v, %v; want an error naming the 32-byte minimum", tt.name, q, err)
		}
	}
	const key = "tg_0123456789ab_abcdefghijklmnopqrstuvwxyz234567"
	before := p.HashKey(key)
	secret[0] = 'x' // the pepper keeps its own copy
	if !bytes.Equal(p.HashKey(key), before) {
		t.Error("changing the secret given to NewPepper changed the pepper")
	}
	other, _ := auth.NewPepper(secret)
	fingerprint := p.Fingerprint()
	checks := []struct {
		name string
		ok   bool
	}{
		{"a pepper is not zero", !p.IsZero() && auth.Pepper{}.IsZero()},
		{"the same key hashes the same", bytes.Equal(p.HashKey(key), p.HashKey(key))},
		{"another pepper hashes it otherwise", !bytes.Equal(p.HashKey(key), other.HashKey(key))},
		{"another key hashes otherwise", !bytes.Equal(p.HashKey(key), p.HashKey(key+"x"))},
		{"the fingerprint is stable", fingerprint == p.Fingerprint() && len(fingerprint) == 64},
		{"fingerprints tell peppers apart", p.Fingerprint() != other.Fingerprint()},
		{"the fingerprint does not show the secret", !strings.Contains(p.Fingerprint(), hex.EncodeToString(secret[:8]))},
		{"the fingerprint is not a key's hash", !strings.Contains(string(p.HashKey("")), p.Fingerprint())},
	}
	for _, c := range checks {
		if !c.ok {
			t.Error(c.name + ": no")
		}
	}
}

func TestKeyID(t *testing.T) {
	const secret = "abcdefghijklmnopqrstuvwxyz234567"
	tests := []struct {
		name   string
		key    string
		wantID string // "" when the key must be refused
	}{
		{"well formed", "tg_0123456789ab_" + secret, "0123456789ab"},
		{"shortest secret", "tg_0123456789ab_x", "0123456789ab"},
		{"empty", "", ""},
		{"prefix only", "tg_", ""},
		{"prefix missing", "0123456789ab_" + secret, ""},
		{"other prefix", "tk_0123456789ab_" + secret, ""},
		{"prefix in upper case", "TG_0123456789ab_" + secret, ""},
		{"prefix without underscore", "tg0123456789ab_" + secret, ""},
		{"id only", "tg_0123456789ab", ""},
		{"no secret", "tg_0123456789ab_", ""},
		{"short id", "tg_0123456789a_" + secret, ""},
		{"long id", "tg_0123456789abc_" + secret, ""},
		{"non-hex id", "tg_0123456789zz_" + secret, ""},
		{"underscore inside the id", "tg_01234_6789ab_" + secret, ""},
		{"missing underscore after the id", "tg_0123456789ab" + secret, ""},
		{"other separator after the id", "tg_0123456789ab-" + secret, ""},
		{"Tastypie-style bare key", "204db7bcfafb2deb7506b89eb3b9b715b09905c8", ""},
		{"non-ASCII in the id", "tg_0123456789aé_" + secret, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := auth.KeyID(tt.key)
			if wantOK := tt.wantID != ""; ok != wantOK || id != tt.wantID {
				t.Errorf("KeyID(%q) = %q, %v; want %q, %v", tt.key, id, ok, tt.wantID, wantOK)
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		password string
		wantErr  bool
	}{
		{"empty", "", false},
		{"72 ASCII bytes", strings.Repeat("p", 72), false},
		{"72 bytes in 36 two-byte runes", strings.Repeat("é", 36), false},
		{"73 bytes", strings.Repeat("p", 73), true},
		{"74 bytes in 37 two-byte runes", strings.Repeat("é", 37), true},
		{"far too long", strings.Repeat("p", 1000), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hash, err := auth.HashPassword(tt.password)
			if tt.wantErr {
				if err == nil || hash != nil {
					t.Fatalf("HashPassword(%d bytes) = %q, %v; want an error", len(tt.password), hash, err)
				}
				if !strings.Contains(err.Error(), "72") {
					t.Errorf("error %q does not name the 72-byte limit", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("HashPassword(%d bytes): %v", len(tt.password), err)
			}
			if bcrypt.CompareHashAndPassword(hash, []byte(tt.password)) != nil {
				t.Error("the hash does not verify its password")
			}
			if c, _ := bcrypt.Cost(hash); c != bcrypt.DefaultCost {
				t.Errorf("cost = %d, want %d", c, bcrypt.DefaultCost)
			}
		})
	}
	t.Run("refuses another password", func(t *testing.T) {
		t.Parallel()
		hash, err := auth.HashPassword("hunter2")
		if err != nil {
			t.Fatal(err)
		}
		if bcrypt.CompareHashAndPassword(hash, []byte("hunter3")) == nil {
			t.Error("the hash of hunter2 verifies hunter3")
		}
	})
}
