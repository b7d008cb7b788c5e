package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// The accounts: creating users with their first API key, issuing more keys, revoking them, and the
// pepper keys are hashed with. The commands (createuser, createkey, revokekey) and the demo admin of a
// fresh database all go through here; a key is returned once to be shown, and only its HMAC under the
// pepper is stored.

// newUser describes a user to create.
type newUser struct {
	Username  string
	Email     string
	Superuser bool
	// TopLocation is the location_code of the user's top-level location; "" for none.
	TopLocation string
	// Password enables HTTP Basic for the user; "" for none.
	Password string
	// KeyPepper hashes the first API key; the zero Pepper takes the database's own (keyPepper
	// without API_KEY_PEPPER).
	KeyPepper auth.Pepper
}

// createdUser is a user just created, with its first API key.
type createdUser struct {
	ID  int64
	Key string
}

func now(d dialect.Dialect) any { return d.Bind(field.DateTime, time.Now().UTC()) }

// createUser creates the user with a first API key (sqlstore's CreateUser), its top location looked up
// by code.
func createUser(ctx context.Context, db *sql.DB, d dialect.Dialect, u newUser) (createdUser, error) {
	pepper, err := pepperOr(ctx, db, d, u.KeyPepper)
	if err != nil {
		return createdUser{}, err
	}
	nu := sqlstore.NewUser{Username: u.Username, Email: u.Email, Superuser: u.Superuser, Password: u.Password}
	if u.TopLocation != "" {
		var id int64
		err := dialect.NewDB(db, d).QueryRowContext(ctx, d.Rebind(`SELECT id FROM location WHERE location_code = ?`), u.TopLocation).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return createdUser{}, fmt.Errorf("no location has the code %q", u.TopLocation)
		}
		if err != nil {
			return createdUser{}, err
		}
		nu.Columns = map[string]any{"top_level_location_id": id}
	}
	created, err := newUserStore(db, d, nil).CreateUser(ctx, pepper, nu)
	return createdUser{ID: created.ID, Key: created.Key}, err
}

// createKey issues one more API key to an existing user, hashed with pepper (the zero Pepper takes
// the database's own).
func createKey(ctx context.Context, db *sql.DB, d dialect.Dialect, pepper auth.Pepper, username string) (string, error) {
	pepper, err := pepperOr(ctx, db, d, pepper)
	if err != nil {
		return "", err
	}
	return newUserStore(db, d, nil).IssueKey(ctx, pepper, username)
}

// revokeKey revokes one key, given whole or by its public id. Every server over the database refuses
// it from its next request on: keys are looked up on every request.
func revokeKey(ctx context.Context, db *sql.DB, d dialect.Dialect, keyOrID string) (sqlstore.Revoked, error) {
	return newUserStore(db, d, nil).RevokeKey(ctx, keyOrID)
}

// revokeUserKeys revokes every key of a user that is not revoked yet and returns their public ids.
func revokeUserKeys(ctx context.Context, db *sql.DB, d dialect.Dialect, username string) ([]string, error) {
	return newUserStore(db, d, nil).RevokeUserKeys(ctx, username)
}

// pepperEnv names the environment variable that gives the pepper API keys are hashed with.
const pepperEnv = "API_KEY_PEPPER"

// The rows of app_secret (migration 00005).
const (
	secretPepper      = "key_pepper"             // the generated pepper, without API_KEY_PEPPER
	secretFingerprint = "key_pepper_fingerprint" // auth.Pepper.Fingerprint of the pepper in use
)

// keyPepper returns the pepper API keys are hashed with: fromEnv (API_KEY_PEPPER) when given, else
// the database's own, generated once by whichever process needs it first so that every instance
// shares it. The database keeps the fingerprint of the first pepper used, and refuses any other: keys
// hashed with one pepper cannot be checked with another, so a process given the wrong one fails here
// rather than answering every key with 401.
func keyPepper(ctx context.Context, db *sql.DB, d dialect.Dialect, fromEnv string) (auth.Pepper, error) {
	secret := fromEnv
	if secret == "" {
		stored, err := readSecret(ctx, db, d, secretPepper)
		if err != nil {
			return auth.Pepper{}, err
		}
		if stored == "" {
			fp, err := readSecret(ctx, db, d, secretFingerprint)
			if err != nil {
				return auth.Pepper{}, err
			}
			if fp != "" {
				return auth.Pepper{}, fmt.Errorf("this database's API keys are hashed with the pepper %s gives: set it", pepperEnv)
			}
			random := make([]byte, auth.MinPepperBytes)
			if _, err := rand.Read(random); err != nil {
				return auth.Pepper{}, err
			}
			if stored, err = keepSecret(ctx, db, d, secretPepper, hex.EncodeToString(random)); err != nil {
				return auth.Pepper{}, err
			}
		}
		secret = stored
	}
	p, err := auth.NewPepper([]byte(secret))
	if err != nil {
		return auth.Pepper{}, fmt.Errorf("%s: %w (make one with `openssl rand -hex 32`)", pepperEnv, err)
	}
	fp, err := keepSecret(ctx, db, d, secretFingerprint, p.Fingerprint())
	if err != nil {
		return auth.Pepper{}, err
	}
	if fp != p.Fingerprint() {
		if fromEnv == "" {
			return auth.Pepper{}, fmt.Errorf("this database's API keys are hashed with the pepper %s gives: set it", pepperEnv)
		}
		return auth.Pepper{}, fmt.Errorf("%s is not the pepper this database's API keys are hashed with (the fingerprints differ): "+
			"with it every key would be refused; give the one the keys were made with", pepperEnv)
	}
	return p, nil
}

// pepperOr is p, or the database's pepper when p is the zero Pepper.
func pepperOr(ctx context.Context, db *sql.DB, d dialect.Dialect, p auth.Pepper) (auth.Pepper, error) {
	if !p.IsZero() {
		return p, nil
	}
	return keyPepper(ctx, db, d, "")
}

// readSecret returns a row of app_secret, or "" when there is none.
func readSecret(ctx context.Context, db *sql.DB, d dialect.Dialect, name string) (string, error) {
	var v string
	err := db.QueryRowContext(ctx, d.Rebind(`SELECT value FROM app_secret WHERE name = ?`), name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// keepSecret stores value under name unless a value is there already, and returns the one stored:
// of processes racing to store one, all get the first's.
func keepSecret(ctx context.Context, db *sql.DB, d dialect.Dialect, name, value string) (string, error) {
	if _, err := db.ExecContext(ctx, d.Rebind(`INSERT INTO app_secret (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`),
		name, value, now(d)); err != nil {
		return "", err
	}
	return readSecret(ctx, db, d, name)
}
