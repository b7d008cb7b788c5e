package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tastygo/tastygo/dialect"
)

// Pending returns the migrations of the backend that the database has not applied, oldest first; none
// on an up-to-date database. Unlike [Status] it takes no migration lock and reads the version table
// once, so that a readiness check may call it while another process migrates. A database whose
// applied versions have a gap (a migration older than the newest applied one is missing) is an error.
func Pending(ctx context.Context, db *sql.DB, d dialect.Dialect) ([]Migration, error) {
	p, err := newProvider(ctx, db, d)
	if err != nil {
		return nil, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if !pending {
		return nil, nil
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var out []Migration
	for _, s := range p.ListSources() {
		if s.Version > current {
			out = append(out, Migration{Version: s.Version, Name: sourceName(s)})
		}
	}
	return out, nil
}
