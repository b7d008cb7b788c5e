package main

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/dialect"
)

// The service's schema, as goose SQL files (one directory per backend) and Go migrations for the
// tables a package of the framework defines. Applied files are never edited: a change is a new
// version.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// oauth2Version is the Go migration that creates the OAuth 2 tables as package oauth2cc defines them.
const (
	oauth2Version = 2
	oauth2Name    = "00002_oauth2.go"
)

// migration is one migration and whether the database has applied it.
type migration struct {
	name      string
	applied   bool
	appliedAt time.Time
}

// migrateUp applies every migration the database lacks; on an up-to-date database it changes nothing.
func migrateUp(ctx context.Context, db *sql.DB, d dialect.Dialect) error {
	p, err := migrationProvider(ctx, db, d)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: up: %w", err)
	}
	return nil
}

// migrationStatus lists the migrations, oldest first.
func migrationStatus(ctx context.Context, db *sql.DB, d dialect.Dialect) ([]migration, error) {
	p, err := migrationProvider(ctx, db, d)
	if err != nil {
		return nil, err
	}
	states, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: status: %w", err)
	}
	out := make([]migration, 0, len(states))
	for _, s := range states {
		name := path.Base(s.Source.Path)
		if s.Source.Type == goose.TypeGo && s.Source.Version == oauth2Version {
			name = oauth2Name
		}
		out = append(out, migration{name: name, applied: s.State == goose.StateApplied, appliedAt: s.AppliedAt})
	}
	return out, nil
}

// migrationProvider is a goose provider over the backend's files and the Go migrations, using no goose
// globals. On PostgreSQL an advisory lock keyed by the current schema keeps two processes starting at
// once from migrating the same schema twice.
func migrationProvider(ctx context.Context, db *sql.DB, d dialect.Dialect) (*goose.Provider, error) {
	oauth2 := goose.NewGoMigration(oauth2Version,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			for _, stmt := range oauth2cc.Schema(d) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			return nil
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			for _, table := range []string{"oauth2_token", "oauth2_client"} {
				if _, err := tx.ExecContext(ctx, "DROP TABLE "+table); err != nil {
					return err
				}
			}
			return nil
		}})
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(slog.New(slog.DiscardHandler)),
		goose.WithGoMigrations(oauth2),
	}
	var gd goose.Dialect
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
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(d.Name()))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(gd, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// postgresLocker is an advisory-lock locker keyed by the current schema.
func postgresLocker(ctx context.Context, db *sql.DB) (lock.SessionLocker, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("migrations: read the current schema: %w", err)
	}
	if !schema.Valid {
		return nil, errors.New("migrations: no current schema: the search_path names no existing schema")
	}
	h := fnv.New64a()
	h.Write([]byte("accounting migrations " + schema.String))
	return lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 120))
}
