// Package sqlstore is an [auth.Store] over two SQL tables, for SQLite and PostgreSQL alike: users
// (username, e-mail, superuser flag, an optional bcrypt password hash) and their API keys (stored only
// as auth.Pepper HMACs, found by their public id, revoked by a timestamp and never deleted). It is the
// store of the common case, and the one the dashboard uses.
//
//	if err := sqlstore.EnsureTables(ctx, db, d, sqlstore.Options{}); err != nil { ... } // or TableStatements in a migration
//	store := sqlstore.New(db, d, sqlstore.Options{Logger: logger})
//	created, err := store.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "ana"}) // created.Key, shown once
//	authn := auth.Required{Authentication: auth.Chain{
//		auth.APIKey{Store: store, Pepper: pepper, Guard: guard},
//		auth.Basic{Store: store, Guard: guard},
//	}}
//
// A request reads its key's row (one indexed read, through a statement prepared once), unless an
// auth.KeyCache over [Store.WatchKeys] remembers it; a key revoked by [Store.RevokeKey], in this
// process or another, is refused from the next request on either way: the revocation moves the keys'
// epoch, which every watch sees (see KeyLease for how, on each backend), before it returns. A
// key's last use is written in the background at most once per [auth.TouchEvery], and a key stored as
// a bcrypt hash by an older version is rewritten as its HMAC once it has been verified.
//
// An application keeps its own data about users in columns of its own on the user table (the
// dashboard's top_level_location_id): [Options.Profile] names them, and turns their values into
// resource.User.Data on every user the store returns; [NewUser.Columns] sets them when a user is
// created.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// The default table names.
const (
	DefaultUserTable = "app_user"
	DefaultKeyTable  = "api_key"
)

// Options describes the tables and what the application attaches to its users.
type Options struct {
	// UserTable and KeyTable are the tables' names; DefaultUserTable and DefaultKeyTable when empty.
	UserTable, KeyTable string
	// SessionTable is the table of login sessions (auth.Sessions); DefaultSessionTable when empty.
	SessionTable string
	// Profile reads the application's own columns of the user table with every user; nil: none, and
	// User.Data stays nil.
	Profile *Profile
	// Logger receives the failures of background writes (a key's last use); slog.Default() when nil.
	Logger *slog.Logger
}

// Profile is an application's own data about its users, kept in columns of the user table.
type Profile struct {
	// Columns are the user table's columns read with every user, in this order.
	Columns []string
	// Data returns resource.User.Data from the columns' values, as database/sql scans them into an
	// *any: nil for NULL, int64, float64, bool, string, []byte or time.Time. An error fails the lookup.
	Data func(values []any) (any, error)
}

func (o Options) userTable() string {
	if o.UserTable == "" {
		return DefaultUserTable
	}
	return o.UserTable
}

func (o Options) keyTable() string {
	if o.KeyTable == "" {
		return DefaultKeyTable
	}
	return o.KeyTable
}

// touchTimeout bounds the background write of a key's last use.
const touchTimeout = 10 * time.Second

// Store is the SQL-backed auth.Store; make it with [New]. It is safe for concurrent use.
type Store struct {
	db     *dialect.DB
	raw    *sql.DB
	d      dialect.Dialect
	o      Options
	logger *slog.Logger
	// The statements, written once for the backend and the tables.
	keyByID, passwordByUsername, userByUsername, touch, upgrade, sessionByHash string
	// touching holds the key rows whose last use is being written (int64 → struct{}).
	touching sync.Map
	// keyStmt is keyByID prepared, once it could be: every request reads a key, and on SQLite
	// preparing the statement each time costs a third of the read.
	keyStmt atomic.Pointer[dialect.Stmt]
	// epochPath is the SQLite counter file's path ("" without a file), once looked up.
	epochPath atomic.Pointer[string]
}

// New returns the store over db. It reads nothing until it is used.
func New(db *sql.DB, d dialect.Dialect, o Options) *Store {
	u, k := d.Quote(o.userTable()), d.Quote(o.keyTable())
	cols := "u.id, u.username, u.is_superuser"
	if o.Profile != nil {
		for _, c := range o.Profile.Columns {
			cols += ", u." + d.Quote(c)
		}
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Store{
		db: dialect.NewDB(db, d), raw: db, d: d, o: o, logger: logger,
		keyByID: d.Rebind(`SELECT k.id, k.key_hash, CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END, k.last_used_at, ` + cols +
			` FROM ` + k + ` AS k JOIN ` + u + ` AS u ON u.id = k.user_id WHERE k.key_id = ?`),
		passwordByUsername: d.Rebind(`SELECT u.password_hash, ` + cols + ` FROM ` + u + ` AS u WHERE u.username = ? AND u.password_hash IS NOT NULL`),
		userByUsername:     d.Rebind(`SELECT ` + cols + ` FROM ` + u + ` AS u WHERE u.username = ?`),
		sessionByHash: d.Rebind(`SELECT s.expires_at, ` + cols + ` FROM ` + d.Quote(o.sessionTable()) + ` AS s JOIN ` + u +
			` AS u ON u.id = s.user_id WHERE s.token_hash = ?`),
		// A use recorded since TouchEvery before this one (by another process, say) is not written again.
		touch:   d.Rebind(`UPDATE ` + k + ` SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`),
		upgrade: d.Rebind(`UPDATE ` + k + ` SET key_hash = ? WHERE id = ? AND key_hash = ?`),
	}
}

// userScan collects the user columns every lookup ends with; done fills the user in.
type userScan struct {
	u       resource.User
	profile []any
}

func (s *Store) newUserScan() *userScan {
	us := &userScan{}
	if s.o.Profile != nil {
		us.profile = make([]any, len(s.o.Profile.Columns))
	}
	return us
}

func (us *userScan) dest() []any {
	out := []any{&us.u.ID, &us.u.Username, &us.u.Superuser}
	for i := range us.profile {
		out = append(out, &us.profile[i])
	}
	return out
}

func (s *Store) user(us *userScan) (resource.User, error) {
	if s.o.Profile == nil || s.o.Profile.Data == nil {
		return us.u, nil
	}
	data, err := s.o.Profile.Data(us.profile)
	if err != nil {
		return resource.User{}, fmt.Errorf("sqlstore: the profile of user %d: %w", us.u.ID, err)
	}
	us.u.Data = data
	return us.u, nil
}

// KeyByID implements auth.Store.
func (s *Store) KeyByID(ctx context.Context, id string) (*auth.StoredKey, error) {
	var k auth.StoredKey
	var revoked int
	var lastUsed any
	us := s.newUserScan()
	var row *dialect.Row
	if st := s.preparedKeyByID(ctx); st != nil {
		row = st.QueryRowContext(ctx, id)
	} else {
		row = s.db.QueryRowContext(ctx, s.keyByID, id)
	}
	err := row.Scan(append([]any{&k.ID, &k.Hash, &revoked, &lastUsed}, us.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	k.Revoked = revoked != 0
	if k.LastUsed, err = field.TimeFromDB(lastUsed); err != nil {
		return nil, fmt.Errorf("sqlstore: key %d: last_used_at: %w", k.ID, err)
	}
	if k.User, err = s.user(us); err != nil {
		return nil, err
	}
	return &k, nil
}

// preparedKeyByID returns keyByID prepared, preparing it the first time; nil when it cannot be
// prepared now (the database is down, say): the caller runs the text, and the next call tries again.
func (s *Store) preparedKeyByID(ctx context.Context) *dialect.Stmt {
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

// Close releases the prepared statement. The store may still be used; it prepares it again.
func (s *Store) Close() error {
	if st := s.keyStmt.Swap(nil); st != nil {
		return st.Close()
	}
	return nil
}

// PasswordByUsername implements auth.Store.
func (s *Store) PasswordByUsername(ctx context.Context, username string) (*auth.StoredPassword, error) {
	var p auth.StoredPassword
	us := s.newUserScan()
	err := s.db.QueryRowContext(ctx, s.passwordByUsername, username).Scan(append([]any{&p.Hash}, us.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p.User, err = s.user(us); err != nil {
		return nil, err
	}
	return &p, nil
}

// UserByUsername returns the user named username as a request of theirs carries it (with its
// profile), or nil and no error when there is none: for work done on their behalf outside a request
// (a command run as a user).
func (s *Store) UserByUsername(ctx context.Context, username string) (*resource.User, error) {
	us := s.newUserScan()
	err := s.db.QueryRowContext(ctx, s.userByUsername, username).Scan(us.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := s.user(us)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// TouchKey implements auth.Store: it records the key's last use in the background, so that the
// request never waits for the write (nor for SQLite's lock), at most one write per key at a time. A
// failure is logged.
func (s *Store) TouchKey(ctx context.Context, keyID int64, at time.Time) error {
	if _, busy := s.touching.LoadOrStore(keyID, struct{}{}); busy {
		return nil
	}
	go func() {
		defer s.touching.Delete(keyID)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), touchTimeout)
		defer cancel()
		if _, err := s.db.ExecContext(ctx, s.touch, s.d.Bind(field.DateTime, at), keyID, s.d.Bind(field.DateTime, at.Add(-auth.TouchEvery))); err != nil {
			s.logger.WarnContext(ctx, "could not record the use of an API key", "key_row", keyID, "error", err)
		}
	}()
	return nil
}

// UpgradeKeyHash implements auth.Store.
func (s *Store) UpgradeKeyHash(ctx context.Context, keyID int64, old, new []byte) error {
	_, err := s.db.ExecContext(ctx, s.upgrade, string(new), keyID, string(old))
	return err
}

// quoteAll quotes column names for a statement.
func quoteAll(d dialect.Dialect, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = d.Quote(n)
	}
	return strings.Join(q, ", ")
}

var _ auth.Store = (*Store)(nil)
