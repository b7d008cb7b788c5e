package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// The errors of the account operations, wrapped by errors whose text says what was wrong.
var (
	// ErrUserExists: CreateUser was given a username that is taken.
	ErrUserExists = errors.New("sqlstore: a user with this username exists")
	// ErrNoUser: no user has the username given.
	ErrNoUser = errors.New("sqlstore: no such user")
	// ErrNoKey: no key has the id given.
	ErrNoKey = errors.New("sqlstore: no such key")
	// ErrInvalidUser: NewUser's username or e-mail address cannot be stored.
	ErrInvalidUser = errors.New("sqlstore: invalid user")
)

// accountError is an error with a message of its own that wraps one of the sentinels above.
type accountError struct {
	msg  string
	kind error
}

func (e *accountError) Error() string { return e.msg }
func (e *accountError) Unwrap() error { return e.kind }

func failure(kind error, format string, args ...any) error {
	return &accountError{msg: fmt.Sprintf(format, args...), kind: kind}
}

// validUsername is what a username may be: the ApiKey and Basic headers end a username at ':'.
var validUsername = regexp.MustCompile(`^[\p{L}\p{N}._@+-]{1,150}$`)

// NewUser describes a user for CreateUser.
type NewUser struct {
	// Username: 1 to 150 letters, digits and . _ @ + - (a colon would end it in the ApiKey header).
	Username string
	// Email: at most 254 bytes; "" for none.
	Email     string
	Superuser bool
	// Password enables HTTP Basic for the user, stored as its bcrypt hash; "" for none.
	Password string
	// Columns sets the application's own columns of the user table (a profile's), by name.
	Columns map[string]any
}

// Created is a user just created, with its first API key, to show once.
type Created struct {
	ID  int64
	Key string
}

func (s *Store) now() any { return s.d.Bind(field.DateTime, time.Now().UTC()) }

// CreateUser inserts the user and a first API key hashed with pepper, in one transaction.
func (s *Store) CreateUser(ctx context.Context, pepper auth.Pepper, u NewUser) (Created, error) {
	if !validUsername.MatchString(u.Username) {
		return Created{}, failure(ErrInvalidUser, "invalid username %q: use 1 to 150 letters, digits and . _ @ + -", u.Username)
	}
	if len(u.Email) > 254 {
		return Created{}, failure(ErrInvalidUser, "the e-mail address is longer than 254 characters")
	}
	var hash any // NULL: no password
	if u.Password != "" {
		h, err := auth.HashPassword(u.Password)
		if err != nil {
			return Created{}, err
		}
		hash = string(h)
	}
	cols := []string{"username", "email", "is_superuser", "password_hash", "created_at"}
	args := []any{u.Username, u.Email, u.Superuser, hash, s.now()}
	extra := make([]string, 0, len(u.Columns))
	for c := range u.Columns {
		extra = append(extra, c)
	}
	sort.Strings(extra)
	for _, c := range extra {
		cols, args = append(cols, c), append(args, u.Columns[c])
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Created{}, err
	}
	defer tx.Rollback() // a no-op after Commit
	var out Created
	err = tx.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO `+s.d.Quote(s.o.userTable())+` (`+quoteAll(s.d, cols)+`) VALUES (?`+
		strings.Repeat(", ?", len(cols)-1)+`) RETURNING id`), args...).Scan(&out.ID)
	if apierror.CodeOf(err) == apierror.Conflict {
		return Created{}, failure(ErrUserExists, "a user named %q already exists", u.Username)
	}
	if err != nil {
		return Created{}, err
	}
	if out.Key, err = s.issue(ctx, tx, pepper, out.ID); err != nil {
		return Created{}, err
	}
	return out, tx.Commit()
}

// issue stores a new API key of a user and returns it.
func (s *Store) issue(ctx context.Context, q dialect.Querier, pepper auth.Pepper, userID int64) (string, error) {
	key, id, hash, err := auth.NewKey(pepper)
	if err != nil {
		return "", err
	}
	_, err = q.ExecContext(ctx, s.d.Rebind(`INSERT INTO `+s.d.Quote(s.o.keyTable())+` (user_id, key_id, key_hash, created_at) VALUES (?, ?, ?, ?)`),
		userID, id, string(hash), s.now())
	return key, err
}

// userID returns the id of the user named username.
func (s *Store) userID(ctx context.Context, q dialect.Querier, username string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, s.d.Rebind(`SELECT id FROM `+s.d.Quote(s.o.userTable())+` WHERE username = ?`), username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, failure(ErrNoUser, "no user is named %q", username)
	}
	return id, err
}

// IssueKey issues one more API key, hashed with pepper, to the user named username, and returns it to
// show once.
func (s *Store) IssueKey(ctx context.Context, pepper auth.Pepper, username string) (string, error) {
	id, err := s.userID(ctx, s.db, username)
	if err != nil {
		return "", err
	}
	return s.issue(ctx, s.db, pepper, id)
}

// Revoked reports a revocation.
type Revoked struct {
	KeyID, Username string
	// Already is true when the key had been revoked before; it stays as it was.
	Already bool
}

// RevokeKey revokes one key, given whole or by its public id. Every server over the database refuses
// it from its next request on: when it returns, every server that remembers keys (auth.KeyCache over
// [Store.WatchKeys]) has dropped what it remembered, or stopped using it (see [KeyLease]); an error
// wrapping [ErrUnconfirmed] means the key is revoked but a server did not say so in time.
func (s *Store) RevokeKey(ctx context.Context, keyOrID string) (Revoked, error) {
	keyID, ok := auth.KeyID(keyOrID)
	if !ok {
		keyID = keyOrID
	}
	k, u := s.d.Quote(s.o.keyTable()), s.d.Quote(s.o.userTable())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Revoked{}, err
	}
	defer tx.Rollback() // a no-op after Commit
	var out Revoked
	var rowID int64
	var revoked int
	err = tx.QueryRowContext(ctx, s.d.Rebind(`SELECT k.id, k.key_id, u.username, CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END
		FROM `+k+` AS k JOIN `+u+` AS u ON u.id = k.user_id WHERE k.key_id = ?`), keyID).Scan(&rowID, &out.KeyID, &out.Username, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Revoked{}, failure(ErrNoKey, "no API key has the id %q (give the key, tg_<id>_<secret>, or its 12-character id)", keyID)
	}
	if err != nil {
		return Revoked{}, err
	}
	out.Already = revoked != 0
	if out.Already {
		return out, nil
	}
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE `+k+` SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), s.now(), rowID); err != nil {
		return Revoked{}, err
	}
	epoch, err := s.keysChanging(ctx, tx)
	if err != nil {
		return Revoked{}, err
	}
	if err := tx.Commit(); err != nil {
		return Revoked{}, err
	}
	return out, s.keysChanged(ctx, epoch)
}

// RevokeUserKeys revokes every key of the user named username that is not revoked yet, and returns
// their public ids; like RevokeKey, it returns once every server has stopped using what it remembered.
func (s *Store) RevokeUserKeys(ctx context.Context, username string) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() // a no-op after Commit
	uid, err := s.userID(ctx, tx, username)
	if err != nil {
		return nil, err
	}
	k := s.d.Quote(s.o.keyTable())
	rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT key_id FROM `+k+` WHERE user_id = ? AND revoked_at IS NULL ORDER BY id`), uid)
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
	if len(keyIDs) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE `+k+` SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), s.now(), uid); err != nil {
		return nil, err
	}
	epoch, err := s.keysChanging(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return keyIDs, s.keysChanged(ctx, epoch)
}

// UserChange is what ChangeUser changes about a user; nil and empty fields are left as they are.
type UserChange struct {
	Superuser *bool
	// Columns sets the application's own columns of the user table (a profile's), by name.
	Columns map[string]any
}

// ChangeUser changes a user's superuser flag or the application's columns, and, like RevokeKey,
// returns once every server that remembers keys has dropped what it remembered, so that the user's
// next request, in any process, carries the change.
func (s *Store) ChangeUser(ctx context.Context, username string, c UserChange) error {
	var sets []string
	var args []any
	if c.Superuser != nil {
		sets, args = append(sets, "is_superuser = ?"), append(args, *c.Superuser)
	}
	names := make([]string, 0, len(c.Columns))
	for n := range c.Columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sets, args = append(sets, s.d.Quote(n)+" = ?"), append(args, c.Columns[n])
	}
	if len(sets) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	res, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE `+s.d.Quote(s.o.userTable())+` SET `+strings.Join(sets, ", ")+` WHERE username = ?`), append(args, username)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return failure(ErrNoUser, "no user is named %q", username)
	}
	epoch, err := s.keysChanging(ctx, tx)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.keysChanged(ctx, epoch)
}

// KeysChanged tells every server that keys or users changed outside the store (an UPDATE or DELETE
// run by hand on the user or key table, say), and returns once each has dropped what it remembered,
// as RevokeKey does. Without it such a change reaches a server that remembers the key within
// auth.KeyCacheMaxAge.
func (s *Store) KeysChanged(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	epoch, err := s.keysChanging(ctx, tx)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.keysChanged(ctx, epoch)
}
