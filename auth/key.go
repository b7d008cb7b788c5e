package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// KeyPrefix starts every key this package makes, so that a key is recognisable in a leak scan.
const KeyPrefix = "tg_"

// keyIDLen is the length of a key's public id, the part a Store looks the key up by.
const keyIDLen = 12

// bcryptCost is the work factor of stored password hashes: bcrypt's default.
const bcryptCost = bcrypt.DefaultCost

// MinPepperBytes is the shortest pepper NewPepper accepts: 256 bits, HMAC-SHA-256's block of security.
const MinPepperBytes = 32

// keyHashPrefix starts a key hash made with a Pepper; bcrypt hashes (of keys stored before peppers)
// start with "$2".
const keyHashPrefix = "hmac-sha256$"

// Pepper is the server secret API keys are hashed with: a stored key hash is the HMAC-SHA-256 of the
// key under the pepper. A key is 160 random bits, so a fast hash is as safe for it as a slow one is for
// a password (nobody can try 2^160 candidates), and it costs a microsecond instead of bcrypt's tens of
// milliseconds; the pepper, kept out of the key table, makes a leaked table useless even for checking
// a guess. The zero Pepper is not usable: make one with NewPepper.
type Pepper struct{ secret []byte }

// NewPepper returns the pepper of a secret of at least MinPepperBytes bytes (the text of
// `openssl rand -hex 32`, say). Every process that issues or checks keys must use the same secret.
func NewPepper(secret []byte) (Pepper, error) {
	if len(secret) < MinPepperBytes {
		return Pepper{}, fmt.Errorf("auth: a pepper must be at least %d bytes long (this one has %d)", MinPepperBytes, len(secret))
	}
	return Pepper{secret: bytes.Clone(secret)}, nil
}

// IsZero reports whether p is the zero Pepper, which hashes nothing.
func (p Pepper) IsZero() bool { return len(p.secret) == 0 }

// HashKey returns the hash of a key to store: "hmac-sha256$" and 64 hex digits.
func (p Pepper) HashKey(key string) []byte {
	mac := hmac.New(sha256.New, p.secret)
	mac.Write([]byte(key))
	out := make([]byte, len(keyHashPrefix), len(keyHashPrefix)+2*sha256.Size)
	copy(out, keyHashPrefix)
	return hex.AppendEncode(out, mac.Sum(nil))
}

// Fingerprint names the pepper without revealing it (an HMAC of a fixed text), so that an
// application can check that every process uses the same one.
func (p Pepper) Fingerprint() string {
	mac := hmac.New(sha256.New, p.secret)
	mac.Write([]byte("tastygo key pepper fingerprint"))
	return hex.EncodeToString(mac.Sum(nil))
}

// errNoPepper is what APIKey answers when it has no pepper: a server error, never the client's.
var errNoPepper = errors.New("auth: APIKey has no Pepper (make one with auth.NewPepper)")

// NewKey makes a new API key: "tg_<id>_<secret>", 12 hex characters of public id and 32 base32
// characters (160 bits) of secret. It returns the key (to show once), its id (to store and look it up
// by) and its hash under the pepper (to store).
func NewKey(p Pepper) (key, id string, hash []byte, err error) {
	if p.IsZero() {
		return "", "", nil, errNoPepper
	}
	idBytes := make([]byte, keyIDLen/2)
	secret := make([]byte, 20)
	if _, err := rand.Read(idBytes); err != nil {
		return "", "", nil, err
	}
	if _, err := rand.Read(secret); err != nil {
		return "", "", nil, err
	}
	id = hex.EncodeToString(idBytes)
	key = KeyPrefix + id + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret))
	return key, id, p.HashKey(key), nil
}

// KeyID returns the public id of a key made by NewKey, or false when key does not have that form.
func KeyID(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok || len(rest) < keyIDLen+2 || rest[keyIDLen] != '_' {
		return "", false
	}
	id := rest[:keyIDLen]
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

// isBcrypt reports whether a stored hash is a bcrypt hash (a key stored before peppers, or a password).
func isBcrypt(hash []byte) bool { return bytes.HasPrefix(hash, []byte("$2")) }

// HashPassword returns the bcrypt hash of a password, to store.
func HashPassword(password string) ([]byte, error) {
	if len(password) > 72 {
		return nil, fmt.Errorf("auth: a password may be at most 72 bytes (bcrypt's limit)")
	}
	return bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
}

// dummyHash is a bcrypt hash, at the cost of stored ones, of a secret nobody knows: a password check
// for a user who does not exist, or has no password, compares against it, so that it takes as long as
// a real one.
var dummyHash = []byte("$2a$10$QK7VbVBsoROTB/rkIKk2QeHTZFqxrwPlG2rQ1bD.7BQqD.HlqALxK")
