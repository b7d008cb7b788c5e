// Package auth authenticates requests and authorizes what they do, for any tastygo API.
//
// Authentication: [APIKey] reads Tastypie's "Authorization: ApiKey <username>:<key>" and
// "Authorization: Bearer <key>", [Basic] reads HTTP Basic against stored password hashes, [Chain] tries
// several, and [Required] turns "no credentials" into 401 (or lets anonymous requests read). Keys and
// passwords are stored only as bcrypt hashes, behind the [Store] an application implements over its own
// tables; a [Cache] remembers a verification for a short time, so that a request does not pay a full
// bcrypt (tens of milliseconds): the cache is keyed by the SHA-256 of the credential, never the
// credential itself.
//
// Authorization: [ReadOnly], [SuperuserWrites], [Rules] (one function per Tastypie method) and [All]
// (every one of several must allow).
package auth

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// KeyPrefix starts every key this package makes, so that a key is recognisable in a leak scan.
const KeyPrefix = "tg_"

// keyIDLen is the length of a key's public id, the part a Store looks the key up by.
const keyIDLen = 12

// bcryptCost is the work factor of stored hashes: bcrypt's default.
const bcryptCost = bcrypt.DefaultCost

// NewKey makes a new API key: "tg_<id>_<secret>", 12 hex characters of public id and 32 base32
// characters (160 bits) of secret. It returns the key (to show once), its id (to store and look it up
// by) and its bcrypt hash (to store).
func NewKey() (key, id string, hash []byte, err error) {
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
	hash, err = bcrypt.GenerateFromPassword([]byte(key), bcryptCost)
	return key, id, hash, err
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

// HashPassword returns the bcrypt hash of a password, to store.
func HashPassword(password string) ([]byte, error) {
	if len(password) > 72 {
		return nil, fmt.Errorf("auth: a password may be at most 72 bytes (bcrypt's limit)")
	}
	return bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
}

// matches reports whether secret matches a bcrypt hash; bcrypt compares in constant time.
func matches(hash []byte, secret string) bool {
	return len(secret) <= 72 && bcrypt.CompareHashAndPassword(hash, []byte(secret)) == nil
}
