package dialect_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/pgserver"
)

// downOps are the ways a statement runs through the executor; each reports the error it answers.
var downOps = []struct {
	name string
	run  func(ctx context.Context, db *dialect.DB) error
}{
	{"ExecContext", func(ctx context.Context, db *dialect.DB) error {
		_, err := db.ExecContext(ctx, "UPDATE thing SET n = n + 1")
		return err
	}},
	{"QueryContext", func(ctx context.Context, db *dialect.DB) error {
		rows, err := db.QueryContext(ctx, "SELECT n FROM thing")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}},
	{"QueryRowContext", func(ctx context.Context, db *dialect.DB) error {
		var n int
		return db.QueryRowContext(ctx, "SELECT n FROM thing").Scan(&n)
	}},
	{"BeginTx", func(ctx context.Context, db *dialect.DB) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "UPDATE thing SET n = n + 1")
		return err
	}},
	{"PrepareContext", func(ctx context.Context, db *dialect.DB) error {
		st, err := db.PrepareContext(ctx, "SELECT n FROM thing")
		if err != nil {
			return err
		}
		defer st.Close()
		var n int
		return st.QueryRowContext(ctx).Scan(&n)
	}},
	{"Conn", func(ctx context.Context, db *dialect.DB) error {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		var n int
		return conn.QueryRowContext(ctx, "SELECT n FROM thing").Scan(&n)
	}},
}

// wantUnavailable fails the test unless err is DATABASE_UNAVAILABLE.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if code := apierror.CodeOf(err); code != apierror.DatabaseUnavailable {
		t.Errorf("%s: %v (%s), want DATABASE_UNAVAILABLE", what, err, code)
	}
}

// A statement run through the executor while the database is down answers DATABASE_UNAVAILABLE
// (503), whichever way it runs: a PostgreSQL server stopped under an open pool (and an open
// transaction), a SQLite file that cannot be opened.
func TestStatementsWhileTheDatabaseIsDown(t *testing.T) {
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		srv := pgserver.Start(t)
		raw, d, err := dialect.Open(srv.URL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		db := dialect.NewDB(raw, d)
		if _, err := db.ExecContext(ctx, "CREATE TABLE thing (n INTEGER)"); err != nil {
			t.Fatal(err)
		}
		for _, op := range downOps { // each works while the server is up
			if err := op.run(ctx, db); err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatalf("%s with the server up: %v", op.name, err)
			}
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		for _, op := range downOps {
			wantUnavailable(t, op.name, op.run(ctx, db))
		}
		wantUnavailable(t, "Commit of a transaction begun before", tx.Commit())
	})
	t.Run("sqlite", func(t *testing.T) {
		raw, d, err := dialect.Open(filepath.Join(t.TempDir(), "no such directory", "x.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		db := dialect.NewDB(raw, d)
		for _, op := range downOps {
			wantUnavailable(t, op.name, op.run(ctx, db))
		}
	})
}
