package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
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

// touchTimeout bounds the background write of a key's last use.
const touchTimeout = 10 * time.Second

// userStore is the dashboard's auth.Store: users in app_user, API keys in api_key.
type userStore struct {
	db                                 *dialect.DB
	d                                  dialect.Dialect
	keyByID, passwordByUsername, touch string
	upgrade, userByUsername            string
	// logger receives the failures of background writes; slog.Default() when nil.
	logger *slog.Logger
	// touching holds the key rows whose last use is being written (int64 → struct{}).
	touching sync.Map
	// keyStmt is keyByID prepared, once it could be: every request reads a key, and on SQLite
	// preparing the statement each time costs a third of the read.
	keyStmt atomic.Pointer[dialect.Stmt]
}

// newUserStore returns the store over db, its statements written once for the backend.
func newUserStore(db *sql.DB, d dialect.Dialect) *userStore {
	return &userStore{
		db: dialect.NewDB(db, d),
		d:  d,
		keyByID: d.Rebind(`SELECT k.id, k.key_hash, CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END, k.last_used_at,
			u.id, u.username, u.is_superuser, u.top_level_location_id
			FROM api_key AS k JOIN app_user AS u ON u.id = k.user_id WHERE k.key_id = ?`),
		passwordByUsername: d.Rebind(`SELECT u.password_hash, u.id, u.username, u.is_superuser, u.top_level_location_id
			FROM app_user AS u WHERE u.username = ? AND u.password_hash IS NOT NULL`),
		// A use recorded since TouchEvery before this one (by another process, say) is not written again.
		touch:          d.Rebind(`UPDATE api_key SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`),
		upgrade:        d.Rebind(`UPDATE api_key SET key_hash = ? WHERE id = ? AND key_hash = ?`),
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
	var lastUsed any
	var top sql.NullInt64
	var row *dialect.Row
	if st := s.preparedKeyByID(ctx); st != nil {
		row = st.QueryRowContext(ctx, id)
	} else {
		row = s.db.QueryRowContext(ctx, s.keyByID, id)
	}
	err := row.Scan(append([]any{&k.ID, &k.Hash, &revoked, &lastUsed}, scanUser(&k.User, &top)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	k.Revoked = revoked != 0
	if k.LastUsed, err = timestamp(lastUsed); err != nil {
		return nil, fmt.Errorf("api_key %d: last_used_at: %w", k.ID, err)
	}
	k.User = withProfile(k.User, top)
	return &k, nil
}

// preparedKeyByID returns keyByID prepared, preparing it the first time; nil when it cannot be
// prepared now (the database is down, say): the caller runs the text, and the next call tries again.
func (s *userStore) preparedKeyByID(ctx context.Context) *dialect.Stmt {
	if st := s.keyStmt.Load(); st != nil {
		return st
	}
	st, err := s.db.PrepareContext(ctx, s.keyByID)
	if err != nil {
		return nil
	}
	if !s.keyStmt.CompareAndSwap(nil, st) {
		st.Close()
		return s.keyStmt.Load()
	}
	return st
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
		return nil, err
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
		return nil, err
	}
	u = withProfile(u, top)
	return &u, nil
}

// timestamp reads a timestamp column: time.Time from PostgreSQL, ISO 8601 text (or time.Time) from
// SQLite, nil for NULL (the zero time).
func timestamp(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return x, nil
	case string:
		return field.ParseDateTime(x)
	case []byte:
		return field.ParseDateTime(string(x))
	}
	return time.Time{}, fmt.Errorf("a timestamp cannot be a %T", v)
}

// TouchKey implements auth.Store: it records the key's last use in the background, so that the
// request never waits for the write (nor for SQLite's lock), at most one write per key at a time. A
// failure is logged.
func (s *userStore) TouchKey(ctx context.Context, keyID int64, at time.Time) error {
	if _, busy := s.touching.LoadOrStore(keyID, struct{}{}); busy {
		return nil
	}
	go func() {
		defer s.touching.Delete(keyID)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), touchTimeout)
		defer cancel()
		if _, err := s.db.ExecContext(ctx, s.touch, s.d.Bind(field.DateTime, at), keyID, s.d.Bind(field.DateTime, at.Add(-auth.TouchEvery))); err != nil {
			s.log().WarnContext(ctx, "could not record the use of an API key", "key_row", keyID, "error", err)
		}
	}()
	return nil
}

// UpgradeKeyHash implements auth.Store.
func (s *userStore) UpgradeKeyHash(ctx context.Context, keyID int64, old, new []byte) error {
	_, err := s.db.ExecContext(ctx, s.upgrade, string(new), keyID, string(old))
	return err
}

func (s *userStore) log() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

var _ auth.Store = (*userStore)(nil)
