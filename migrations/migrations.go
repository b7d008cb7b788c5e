// Package migrations holds the dashboard's schema (the tables of DASHBOARD.md) for SQLite and
// PostgreSQL as embedded goose SQL files, one directory per backend, and applies them.
//
// [Up] is idempotent and meant to run on every start: goose records each applied version in its
// goose_db_version table and applies only what is missing, each file in its own transaction. On
// PostgreSQL an advisory lock, keyed by the current schema, keeps two processes starting at once from
// migrating the same schema twice.
//
// A new migration is a new pair of files, sqlite/NNNNN_name.sql and postgres/NNNNN_name.sql, with the
// same version number; applied files are never edited. A table whose definition a package of the
// framework owns (nonmodel's run table) is made by a Go migration calling that package
// (gomigrations.go), for both backends.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tastygo/tastygo/dialect"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Migration is one migration file and whether the database has applied it.
type Migration struct {
	Version   int64
	Name      string    // the file name, e.g. "00001_dashboard.sql"
	Applied   bool      // whether the database has applied it
	AppliedAt time.Time // when it was applied; zero when pending
}

// Up applies every migration the database has not applied yet. On an up-to-date database it changes
// nothing, so it is safe to call on every start.
func Up(ctx context.Context, db *sql.DB, d dialect.Dialect) error {
	p, err := newProvider(ctx, db, d)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: up: %w", err)
	}
	return nil
}

// Status lists every migration of the backend, oldest first, each with whether the database has
// applied it.
func Status(ctx context.Context, db *sql.DB, d dialect.Dialect) ([]Migration, error) {
	p, err := newProvider(ctx, db, d)
	if err != nil {
		return nil, err
	}
	states, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: status: %w", err)
	}
	out := make([]Migration, 0, len(states))
	for _, s := range states {
		out = append(out, Migration{
			Version:   s.Source.Version,
			Name:      sourceName(s.Source),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// newProvider builds a goose provider over the backend's embedded directory. It uses no goose package
// globals: no global dialect, registry, base FS or logger.
func newProvider(ctx context.Context, db *sql.DB, d dialect.Dialect) (*goose.Provider, error) {
	var gd goose.Dialect
	dir := string(d.Name())
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(slog.New(slog.DiscardHandler)),
		goMigrationsOption(d),
	}
	switch d.Name() {
	case dialect.SQLite:
		gd = goose.DialectSQLite3
	case dialect.Postgres:
		gd = goose.DialectPostgres
		locker, err := postgresLocker(ctx, db)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return nil, fmt.Errorf("migrations: no migrations for backend %q", d.Name())
	}
	sub, err := fs.Sub(files, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(gd, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// postgresLocker returns an advisory-lock locker whose key is derived from the current schema, so that
// processes migrating one schema wait for each other while different schemas (tests run one per test)
// migrate side by side.
func postgresLocker(ctx context.Context, db *sql.DB) (lock.SessionLocker, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("migrations: read the current schema: %w", err)
	}
	if !schema.Valid {
		return nil, errors.New("migrations: no current schema: the search_path names no existing schema")
	}
	h := fnv.New64a()
	h.Write([]byte("tastygo migrations " + schema.String))
	// Lock for at most 2 minutes, checking every second.
	return lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 120))
}
