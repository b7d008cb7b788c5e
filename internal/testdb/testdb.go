// Package testdb gives each test a fresh database on every backend: a new SQLite file in the test's
// temporary directory, and a new schema in the PostgreSQL database named by TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test), dropped when the test ends; or, with OpenCopy, a copy of a
// fixture built once per test binary (a new database on the same server, so the role needs CREATEDB).
//
// An unreachable PostgreSQL fails the PostgreSQL half of every test, so that a green run means both
// backends ran, unless TASTYGO_SKIP_POSTGRES=1 is set: then those halves skip with a message.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// DefaultPostgresURL is used when TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backends lists the backends every HTTP-level test runs on.
var Backends = []dialect.Name{dialect.SQLite, dialect.Postgres}

// PostgresURL returns the PostgreSQL server tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

var (
	pgOnce sync.Once
	pgErr  error
)

// postgresReachable pings the server once per test binary.
func postgresReachable() error {
	pgOnce.Do(func() {
		db, _, err := dialect.Open(PostgresURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	return pgErr
}

// Each runs fn as a subtest on every backend, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sql.DB, d dialect.Dialect)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(string(b), func(t *testing.T) {
			db, d := Open(t, b)
			fn(t, db, d)
		})
	}
}

// Open returns a fresh empty database of the backend, closed (and, on PostgreSQL, dropped) when the
// test ends.
func Open(tb testing.TB, backend dialect.Name) (*sql.DB, dialect.Dialect) {
	tb.Helper()
	addr := Address(tb, backend)
	db, d, err := dialect.Open(addr)
	if err != nil {
		tb.Fatalf("testdb: open %s: %v", backend, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, d
}

// Address creates a fresh empty database of the backend and returns the address that opens it (a file
// path, or a postgres:// URL whose search_path is a new schema), removed when the test ends. Tests that
// start a second process or a second API on the same database use it.
func Address(tb testing.TB, backend dialect.Name) string {
	tb.Helper()
	requirePostgres(tb, backend)
	addr, cleanup, err := NewAddress(backend, tb.TempDir())
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	tb.Cleanup(func() {
		if err := cleanup(); err != nil {
			tb.Logf("testdb: %v", err)
		}
	})
	return addr
}

// NewAddress is Address for fixtures that outlive one test (a benchmark's seeded database, shared by a
// package's benchmarks and removed by its TestMain): a SQLite file in dir, or a new PostgreSQL schema;
// cleanup removes it.
func NewAddress(backend dialect.Name, dir string) (addr string, cleanup func() error, err error) {
	if backend == dialect.SQLite {
		path := filepath.Join(dir, "test-"+randomHex(4)+".db")
		return path, func() error { return nil }, nil
	}
	if err := postgresReachable(); err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s is unreachable: %w", PostgresURL(), err)
	}
	schema := "t_" + randomHex(8)
	admin, err := adminPool()
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	cleanup = func() error {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	u, err := url.Parse(PostgresURL())
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), cleanup, nil
}

// SkipPostgresVar is the environment variable that, set to 1, lets the PostgreSQL halves of tests skip
// when the server is unreachable; without it they fail, so that a green `go test` means both backends
// ran.
const SkipPostgresVar = "TASTYGO_SKIP_POSTGRES"

// requirePostgres fails the test when backend is PostgreSQL and the server is unreachable, or skips it
// when the user opted out with TASTYGO_SKIP_POSTGRES=1.
func requirePostgres(tb testing.TB, backend dialect.Name) {
	tb.Helper()
	if backend != dialect.Postgres {
		return
	}
	err := postgresReachable()
	if err == nil {
		return
	}
	if os.Getenv(SkipPostgresVar) == "1" {
		tb.Skipf("testdb: skipping the PostgreSQL half of this test (%s=1): %s is unreachable (%v)", SkipPostgresVar, PostgresURL(), err)
	}
	tb.Fatalf("testdb: PostgreSQL at %s is unreachable: %v; start it (see the README's tests section), set TEST_DATABASE_URL, or set %s=1 to skip the PostgreSQL halves", PostgresURL(), err, SkipPostgresVar)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
