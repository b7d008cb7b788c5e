package main

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// Profile is what the dashboard attaches to an authenticated user, as resource.User.Data.
type Profile struct {
	// TopLevelLocationID confines the user to that location and what lies under it; nil confines
	// nobody.
	TopLevelLocationID *int64
}

// userStore is the dashboard's auth.Store: users in app_user, API keys in api_key.
type userStore struct {
	db                                 *sql.DB
	d                                  dialect.Dialect
	keyByID, passwordByUsername, touch string
	userByUsername                     string
}

// newUserStore returns the store over db, its statements written once for the backend.
func newUserStore(db *sql.DB, d dialect.Dialect) *userStore {
	return &userStore{
		db: db,
		d:  d,
		keyByID: d.Rebind(`SELECT k.id, k.key_hash, CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END,
			u.id, u.username, u.is_superuser, u.top_level_location_id
			FROM api_key AS k JOIN app_user AS u ON u.id = k.user_id WHERE k.key_id = ?`),
		passwordByUsername: d.Rebind(`SELECT u.password_hash, u.id, u.username, u.is_superuser, u.top_level_location_id
			FROM app_user AS u WHERE u.username = ? AND u.password_hash IS NOT NULL`),
		touch:          d.Rebind(`UPDATE api_key SET last_used_at = ? WHERE id = ?`),
		userByUsername: d.Rebind(`SELECT u.id, u.username, u.is_superuser, u.top_level_location_id FROM app_user AS u WHERE u.username = ?`),
	}
}

// scanUser reads the user columns every lookup ends with.
func scanUser(u *resource.User, top *sql.NullInt64) []any {
	return []any{&u.ID, &u.Username, &u.Superuser, top}
}

// withProfile attaches the user's Profile.
func withProfile(u resource.User, top sql.NullInt64) resource.User {
	p := Profile{}
	if top.Valid {
		id := top.Int64
		p.TopLevelLocationID = &id
	}
	u.Data = p
	return u
}

// KeyByID implements auth.Store.
func (s *userStore) KeyByID(ctx context.Context, id string) (*auth.StoredKey, error) {
	var k auth.StoredKey
	var revoked int
	var top sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.keyByID, id).Scan(append([]any{&k.ID, &k.Hash, &revoked}, scanUser(&k.User, &top)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.d.Classify(err)
	}
	k.Revoked = revoked != 0
	k.User = withProfile(k.User, top)
	return &k, nil
}

// PasswordByUsername implements auth.Store.
func (s *userStore) PasswordByUsername(ctx context.Context, username string) (*auth.StoredPassword, error) {
	var p auth.StoredPassword
	var top sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.passwordByUsername, username).Scan(append([]any{&p.Hash}, scanUser(&p.User, &top)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.d.Classify(err)
	}
	p.User = withProfile(p.User, top)
	return &p, nil
}

// UserByUsername returns the user named username as a request of theirs carries it (with its
// Profile), or nil and no error when there is none: for work done on their behalf outside a request
// (app trigger --as).
func (s *userStore) UserByUsername(ctx context.Context, username string) (*resource.User, error) {
	var u resource.User
	var top sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.userByUsername, username).Scan(scanUser(&u, &top)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.d.Classify(err)
	}
	u = withProfile(u, top)
	return &u, nil
}

// TouchKey implements auth.Store: it records the key's last use.
func (s *userStore) TouchKey(ctx context.Context, keyID int64, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.touch, s.d.Bind(field.DateTime, at), keyID); err != nil {
		return s.d.Classify(err)
	}
	return nil
}

var _ auth.Store = (*userStore)(nil)
