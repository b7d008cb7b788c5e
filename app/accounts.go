package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
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

// validUsername is what a username may be: the ApiKey and Basic headers end a username at ':'.
var validUsername = regexp.MustCompile(`^[\p{L}\p{N}._@+-]{1,150}$`)

func now(d dialect.Dialect) any { return d.Bind(field.DateTime, time.Now().UTC()) }

// createUser inserts the user and a first API key in one transaction.
func createUser(ctx context.Context, db *sql.DB, d dialect.Dialect, u newUser) (createdUser, error) {
	if !validUsername.MatchString(u.Username) {
		return createdUser{}, fmt.Errorf("invalid username %q: use 1 to 150 letters, digits and . _ @ + -", u.Username)
	}
	if len(u.Email) > 254 {
		return createdUser{}, fmt.Errorf("the e-mail address is longer than 254 characters")
	}
	pepper, err := pepperOr(ctx, db, d, u.KeyPepper)
	if err != nil {
		return createdUser{}, err
	}
	var hash any // NULL: no password
	if u.Password != "" {
		h, err := auth.HashPassword(u.Password)
		if err != nil {
			return createdUser{}, err
		}
		hash = string(h)
	}
	tx, err := dialect.NewDB(db, d).BeginTx(ctx, nil)
	if err != nil {
		return createdUser{}, err
	}
	defer tx.Rollback() // a no-op after Commit
	var top any
	if u.TopLocation != "" {
		var id int64
		err := tx.QueryRowContext(ctx, d.Rebind(`SELECT id FROM location WHERE location_code = ?`), u.TopLocation).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return createdUser{}, fmt.Errorf("no location has the code %q", u.TopLocation)
		}
		if err != nil {
			return createdUser{}, err
		}
		top = id
	}
	var out createdUser
	err = tx.QueryRowContext(ctx, d.Rebind(`INSERT INTO app_user (username, email, is_superuser, top_level_location_id, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), u.Username, u.Email, u.Superuser, top, hash, now(d)).Scan(&out.ID)
	if apierror.CodeOf(err) == apierror.Conflict {
		return createdUser{}, fmt.Errorf("a user named %q already exists", u.Username)
	}
	if err != nil {
		return createdUser{}, err
	}
	if out.Key, err = issueKey(ctx, tx, d, pepper, out.ID); err != nil {
		return createdUser{}, err
	}
	return out, tx.Commit()
}

// issueKey stores a new API key of a user and returns it.
func issueKey(ctx context.Context, q dialect.Querier, d dialect.Dialect, pepper auth.Pepper, userID int64) (string, error) {
	key, id, hash, err := auth.NewKey(pepper)
	if err != nil {
		return "", err
	}
	_, err = q.ExecContext(ctx, d.Rebind(`INSERT INTO api_key (user_id, key_id, key_hash, created_at) VALUES (?, ?, ?, ?)`),
		userID, id, string(hash), now(d))
	return key, err
}

// userID returns the id of the user named username.
func userID(ctx context.Context, q dialect.Querier, d dialect.Dialect, username string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, d.Rebind(`SELECT id FROM app_user WHERE username = ?`), username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no user is named %q", username)
	}
	return id, err
}

// createKey issues one more API key to an existing user, hashed with pepper (the zero Pepper takes
// the database's own).
func createKey(ctx context.Context, db *sql.DB, d dialect.Dialect, pepper auth.Pepper, username string) (string, error) {
	pepper, err := pepperOr(ctx, db, d, pepper)
	if err != nil {
		return "", err
	}
	q := dialect.NewDB(db, d)
	id, err := userID(ctx, q, d, username)
	if err != nil {
		return "", err
	}
	return issueKey(ctx, q, d, pepper, id)
}

// revokedKey reports a revocation.
type revokedKey struct {
	KeyID, Username string
	// Already is true when the key had been revoked before; it stays as it was.
	Already bool
}

// revokeKey revokes one key, given whole or by its public id. Every server over the database refuses
// it from its next request on: keys are looked up on every request.
func revokeKey(ctx context.Context, db *sql.DB, d dialect.Dialect, keyOrID string) (revokedKey, error) {
	keyID, ok := auth.KeyID(keyOrID)
	if !ok {
		keyID = keyOrID
	}
	var out revokedKey
	var rowID int64
	var revoked int
	err := db.QueryRowContext(ctx, d.Rebind(`SELECT k.id, k.key_id, u.username, CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END
		FROM api_key AS k JOIN app_user AS u ON u.id = k.user_id WHERE k.key_id = ?`), keyID).Scan(&rowID, &out.KeyID, &out.Username, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return revokedKey{}, fmt.Errorf("no API key has the id %q (give the key, tg_<id>_<secret>, or its 12-character id)", keyID)
	}
	if err != nil {
		return revokedKey{}, err
	}
	out.Already = revoked != 0
	if !out.Already {
		if _, err := db.ExecContext(ctx, d.Rebind(`UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), now(d), rowID); err != nil {
			return revokedKey{}, err
		}
	}
	return out, nil
}

// revokeUserKeys revokes every key of a user that is not revoked yet and returns their public ids.
func revokeUserKeys(ctx context.Context, db *sql.DB, d dialect.Dialect, username string) ([]string, error) {
	tx, err := dialect.NewDB(db, d).BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() // a no-op after Commit
	uid, err := userID(ctx, tx, d, username)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, d.Rebind(`SELECT key_id FROM api_key WHERE user_id = ? AND revoked_at IS NULL ORDER BY id`), uid)
	if err != nil {
		return nil, err
	}
	var keyIDs []string
	for rows.Next() {
		var keyID string
		if err := rows.Scan(&keyID); err != nil {
			rows.Close()
			return nil, err
		}
		keyIDs = append(keyIDs, keyID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE api_key SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), now(d), uid); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return keyIDs, nil
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
