// Package auth authenticates requests and authorizes what they do, for any tastygo API.
//
// Authentication: [APIKey] reads Tastypie's "Authorization: ApiKey <username>:<key>" and
// "Authorization: Bearer <key>", [Basic] reads HTTP Basic against stored password hashes, [Chain] tries
// several, and [Required] turns "no credentials" into 401 (or lets anonymous requests read). Both read
// the application's tables through the [Store] it implements.
//
// API keys are random secrets of 160 bits made by [NewKey], stored as their HMAC-SHA-256 under a
// server secret, the [Pepper]: checking one is a microsecond, so every request looks its key up by the
// key's public id (an indexed read) and compares the hashes in constant time. A [KeyCache] may
// remember the rows of keys that authenticated, so that a key seen before costs one HMAC and a map
// lookup; it uses them only while its [KeyEpoch] says no key or user changed since they were read (a
// revocation through the application's store moves the epoch in every process before it returns:
// auth/sqlstore's Store.WatchKeys), and never longer than [KeyCacheMaxAge]. So a key revoked through
// the store fails at the very next request, in every process. A key stored by an older version as a
// bcrypt hash is checked with bcrypt once, then its row is rewritten with the HMAC.
//
// Passwords stay bcrypt hashes (a person's password has too little entropy for a fast hash). A
// [Guard] makes their checks cost an attacker what they cost the server: a check for a user who does
// not exist or has no password does the same bcrypt work as a real one; failed checks are limited per
// client address and per username (429 THROTTLED before any bcrypt runs); and a bound on bcrypt
// comparisons at once keeps floods of bad passwords from taking every CPU. A [Cache] remembers
// successful logins by the SHA-256 of the credential (never the credential itself) together with the
// stored hash, and re-reads the user's row on every request, so a changed password or a deleted user
// takes effect at the next request.
//
// Authorization: [ReadOnly], [SuperuserWrites], [Rules] (one function per Tastypie method) and [All]
// (every one of several must allow).
package auth

import (
	"context"
	"time"

	"github.com/tastygo/tastygo/resource"
)

// StoredKey is an API key as its Store holds it.
type StoredKey struct {
	// ID identifies the key row, for TouchKey and UpgradeKeyHash.
	ID int64
	// User is the key's owner.
	User resource.User
	// Hash is the key's hash: Pepper.HashKey's, or a bcrypt hash of the whole key stored before peppers.
	Hash []byte
	// Revoked keys never authenticate.
	Revoked bool
	// LastUsed is the key's last recorded use; zero when it was never used.
	LastUsed time.Time
}

// StoredPassword is a user's password hash as its Store holds it.
type StoredPassword struct {
	User resource.User
	Hash []byte
}

// Store is where an application keeps its users and keys. Package auth/sqlstore is one over two SQL
// tables, which the dashboard uses; an application with users elsewhere implements its own. Its methods are called on every authenticated request, so each should
// be one indexed read or write.
type Store interface {
	// KeyByID returns the key with a public id (see KeyID), or nil and no error when there is none.
	KeyByID(ctx context.Context, id string) (*StoredKey, error)
	// PasswordByUsername returns a user's password hash, or nil and no error when the user does not
	// exist or has no password.
	PasswordByUsername(ctx context.Context, username string) (*StoredPassword, error)
	// TouchKey records that a key was used at a time, unless a use since at.Add(-TouchEvery) is
	// recorded already. APIKey calls it when the LastUsed it read is older than TouchEvery, and the
	// request waits for it (the dashboard's store writes in the background); an error is logged and
	// never fails the request.
	TouchKey(ctx context.Context, keyID int64, at time.Time) error
	// UpgradeKeyHash replaces a key's stored hash old with new, unless the row no longer holds old.
	// APIKey calls it once a key with a bcrypt hash has been verified; an error is logged and never
	// fails the request.
	UpgradeKeyHash(ctx context.Context, keyID int64, old, new []byte) error
}
