package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"golang.org/x/crypto/bcrypt"
)

var pepper, _ = auth.NewPepper([]byte("0123456789abcdef0123456789abcdef"))

// team is the test application's profile: a column of its own on the user table.
type team struct{ Name string }

var options = sqlstore.Options{Profile: &sqlstore.Profile{
	Columns: []string{"team"},
	Data: func(v []any) (any, error) {
		switch x := v[0].(type) {
		case nil:
			return team{}, nil
		case string:
			return team{x}, nil
		case []byte:
			return team{string(x)}, nil
		}
		return nil, errors.New("team is not text")
	},
}}

// setup makes the store's tables with EnsureTables (twice: the second changes nothing) and the
// application's profile column, on a fresh database.
func setup(t *testing.T, db *sql.DB, d dialect.Dialect) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	for range 2 {
		if err := sqlstore.EnsureTables(ctx, db, d, options); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`ALTER TABLE app_user ADD COLUMN team VARCHAR(50)`); err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, d, options)
	t.Cleanup(func() { s.Close() })
	return s
}

// authenticate runs the API key and Basic authentication over the store with an Authorization header.
func authenticate(s *sqlstore.Store, header string) (string, any, error) {
	guard := auth.NewGuard(auth.GuardConfig{})
	authn := auth.Required{Authentication: auth.Chain{
		auth.APIKey{Store: s, Pepper: pepper, Guard: guard},
		auth.Basic{Store: s, Guard: guard},
	}}
	r := httptest.NewRequest("GET", "/api/v1/x/", nil)
	r.Header.Set("Authorization", header)
	u, err := authn.Authenticate(context.Background(), r)
	if err != nil {
		return "", nil, err
	}
	return u.Username, u.Data, nil
}

func code(err error) string {
	if e := apierror.As(err); e != nil {
		return string(e.Code) + " " + e.Message
	}
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// TestAccountsAndAuthentication creates users, issues and revokes keys, and authenticates through the
// store, on a database with only the store's tables.
func TestAccountsAndAuthentication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		s := setup(t, db, d)
		ana, err := s.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "ana", Email: "ana@example.org", Password: "a password", Columns: map[string]any{"team": "red"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "ana"}); !errors.Is(err, sqlstore.ErrUserExists) || err.Error() != `a user named "ana" already exists` {
			t.Errorf("a second ana: %v", err)
		}
		if _, err := s.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "a:b"}); !errors.Is(err, sqlstore.ErrInvalidUser) {
			t.Errorf("a username with a colon: %v", err)
		}
		bo, err := s.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "bo", Superuser: true})
		if err != nil {
			t.Fatal(err)
		}
		// Keys, Tastypie's header and Basic, each with the profile attached.
		for _, c := range []struct{ header, want string }{
			{"Bearer " + ana.Key, "ana {red}"},
			{"ApiKey ana:" + ana.Key, "ana {red}"},
			{"Bearer " + bo.Key, "bo {}"},
			{"Basic " + basic("ana", "a password"), "ana {red}"},
		} {
			name, data, err := authenticate(s, c.header)
			if got := name + " " + fmt.Sprint(data); err != nil || got != c.want {
				t.Errorf("%s: %q %v, want %q", c.header[:10], got, err, c.want)
			}
		}
		if _, _, err := authenticate(s, "Basic "+basic("ana", "wrong")); code(err) != "NOT_AUTHENTICATED Unknown username or wrong password." {
			t.Errorf("a wrong password: %s", code(err))
		}
		u, err := s.UserByUsername(ctx, "ana")
		if err != nil || u == nil || u.ID != ana.ID || u.Data != (team{"red"}) || u.Superuser {
			t.Errorf("UserByUsername(ana): %+v %v", u, err)
		}
		if u, err := s.UserByUsername(ctx, "nobody"); u != nil || err != nil {
			t.Errorf("UserByUsername(nobody): %+v %v", u, err)
		}
		// A second key; revoking one refuses it at the next request, the other still works.
		second, err := s.IssueKey(ctx, pepper, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.IssueKey(ctx, pepper, "nobody"); !errors.Is(err, sqlstore.ErrNoUser) || err.Error() != `no user is named "nobody"` {
			t.Errorf("IssueKey(nobody): %v", err)
		}
		id, _ := auth.KeyID(ana.Key)
		r, err := s.RevokeKey(ctx, id)
		if err != nil || r != (sqlstore.Revoked{KeyID: id, Username: "ana"}) {
			t.Errorf("RevokeKey: %+v %v", r, err)
		}
		if r, err := s.RevokeKey(ctx, ana.Key); err != nil || !r.Already {
			t.Errorf("RevokeKey again: %+v %v", r, err)
		}
		if _, err := s.RevokeKey(ctx, "0123456789ab"); !errors.Is(err, sqlstore.ErrNoKey) {
			t.Errorf("RevokeKey of no key: %v", err)
		}
		if _, _, err := authenticate(s, "Bearer "+ana.Key); code(err) != "NOT_AUTHENTICATED The API key has been revoked." {
			t.Errorf("the revoked key: %s", code(err))
		}
		if name, _, err := authenticate(s, "Bearer "+second); err != nil || name != "ana" {
			t.Errorf("the second key: %q %v", name, err)
		}
		secondID, _ := auth.KeyID(second)
		if ids, err := s.RevokeUserKeys(ctx, "ana"); err != nil || !slices.Equal(ids, []string{secondID}) {
			t.Errorf("RevokeUserKeys: %q %v", ids, err)
		}
		if _, _, err := authenticate(s, "Bearer "+second); code(err) != "NOT_AUTHENTICATED The API key has been revoked." {
			t.Errorf("the second key after RevokeUserKeys: %s", code(err))
		}
	})
}

// TestKeyUse checks the key's last use (written in the background, at most once per TouchEvery) and
// the rewriting of a key stored as a bcrypt hash as its HMAC at its first use.
func TestKeyUse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		s := setup(t, db, d)
		c, err := s.CreateUser(ctx, pepper, sqlstore.NewUser{Username: "cy"})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := auth.KeyID(c.Key)
		lastUsed := func() (v any) {
			t.Helper()
			if err := db.QueryRow(d.Rebind(`SELECT last_used_at FROM api_key WHERE key_id = ?`), id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if _, _, err := authenticate(s, "Bearer "+c.Key); err != nil {
			t.Fatal(err)
		}
		var first any
		for deadline := time.Now().Add(30 * time.Second); first == nil; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("last_used_at was not written within 30s")
			}
			first = lastUsed()
		}
		if _, _, err := authenticate(s, "Bearer "+c.Key); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // a write, if one were wrongly started, has had time
		if again := lastUsed(); !equalTime(again, first) {
			t.Errorf("last_used_at changed within a minute: %v, then %v", first, again)
		}
		// A key stored by an older version as a bcrypt hash works, and is rewritten as its HMAC.
		h, err := bcrypt.GenerateFromPassword([]byte(c.Key), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(d.Rebind(`UPDATE api_key SET key_hash = ? WHERE key_id = ?`), string(h), id); err != nil {
			t.Fatal(err)
		}
		if name, _, err := authenticate(s, "Bearer "+c.Key); err != nil || name != "cy" {
			t.Fatalf("the bcrypt key: %q %v", name, err)
		}
		var stored string
		if err := db.QueryRow(d.Rebind(`SELECT key_hash FROM api_key WHERE key_id = ?`), id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != string(pepper.HashKey(c.Key)) {
			t.Errorf("the bcrypt hash was not rewritten as the HMAC: %q", stored)
		}
	})
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func equalTime(a, b any) bool {
	ta, oka := a.(time.Time)
	tb, okb := b.(time.Time)
	if oka && okb {
		return ta.Equal(tb)
	}
	return a == b
}
