package migrations

import (
	"context"
	"database/sql"
	"path"

	"github.com/pressly/goose/v3"

	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/nonmodel"
)

// runTable is the dashboard's processing_run: the framework's run table, its user_id a foreign key to
// app_user.
var runTable = nonmodel.RunTableOptions{Table: nonmodel.DefaultRunTable, UserTable: "app_user"}

// goMigration is a migration written in Go, for tables whose definition a package of the framework
// owns: the dashboard includes it instead of copying its DDL.
type goMigration struct {
	version int64
	name    string // as Status lists it; goose knows no file for a Go migration
	up      func(ctx context.Context, tx *sql.Tx, d dialect.Dialect) error
	down    func(ctx context.Context, tx *sql.Tx, d dialect.Dialect) error
}

// goMigrations are the Go migrations of both backends, beside the SQL files.
var goMigrations = []goMigration{
	// The processing runs' table (issue 5), as nonmodel defines it. Databases migrated before this was
	// a Go migration have 00004 applied from an SQL file that made the same table with parameters as
	// TEXT; 00006 brings them up to date.
	{4, "00004_processing_run.go", ensureRunTable, func(ctx context.Context, tx *sql.Tx, d dialect.Dialect) error {
		_, err := tx.ExecContext(ctx, "DROP TABLE "+d.Quote(runTable.Table))
		return err
	}},
	// processing_run.parameters becomes a JSON column, served as an object instead of a string holding
	// JSON (issue 10); every row keeps its text. On a database whose 00004 already made it JSON it
	// changes nothing.
	{6, "00006_processing_run_parameters_json.go", ensureRunTable, nil},
	// The login sessions of the browsable API (auth.Sessions, issue 13), as auth/sqlstore defines them.
	{7, "00007_app_session.go", func(ctx context.Context, tx *sql.Tx, d dialect.Dialect) error {
		return sqlstore.EnsureSessionTable(ctx, tx, d, sqlstore.Options{})
	}, func(ctx context.Context, tx *sql.Tx, d dialect.Dialect) error {
		_, err := tx.ExecContext(ctx, "DROP TABLE "+d.Quote(sqlstore.DefaultSessionTable))
		return err
	}},
}

func ensureRunTable(ctx context.Context, tx *sql.Tx, d dialect.Dialect) error {
	return nonmodel.EnsureRunTable(ctx, tx, d, runTable)
}

// goMigrationsOption registers the Go migrations for the backend of d.
func goMigrationsOption(d dialect.Dialect) goose.ProviderOption {
	var ms []*goose.Migration
	for _, m := range goMigrations {
		up := &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return m.up(ctx, tx, d) }}
		down := &goose.GoFunc{Mode: goose.TransactionEnabled}
		if m.down != nil {
			down = &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return m.down(ctx, tx, d) }}
		}
		ms = append(ms, goose.NewGoMigration(m.version, up, down))
	}
	return goose.WithGoMigrations(ms...)
}

// sourceName is a migration's name: its file's, or a Go migration's own.
func sourceName(s *goose.Source) string {
	if s.Type == goose.TypeGo {
		for _, m := range goMigrations {
			if m.version == s.Version {
				return m.name
			}
		}
	}
	return path.Base(s.Path)
}
