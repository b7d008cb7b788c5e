package modelresource

import (
	"context"
	"database/sql"

	"github.com/tastygo/tastygo/resource"
)

// Querier runs statements: the transaction a context carries, or the database.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type txKey struct{}

// DB returns what a step's own statements should run on: the transaction the context carries (inside
// [Resource.Atomic] or a write), or the database. Overrides use it to write in the same transaction
// as the default step they wrap.
func (r *Resource) DB(ctx context.Context) Querier { return r.querier(ctx) }

// Atomic runs fn in one transaction, committed when fn returns nil and rolled back otherwise; the
// context fn receives carries it, and every default step called with that context joins it. Inside
// an outer transaction it joins that one.
func (r *Resource) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	return r.atomic(ctx, fn)
}

func (r *Resource) querier(ctx context.Context) Querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return r.env.DB
}

// atomic runs fn in one transaction; inside an outer one it simply joins it.
func (r *Resource) atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	// A transaction writes: it starts only once the request's credentials are confirmed (a read served
	// on provisional credentials reaches here only through an override that writes).
	if err := resource.ConfirmAuthentication(ctx); err != nil {
		return err
	}
	tx, err := r.env.DB.BeginTx(ctx, nil)
	if err != nil {
		return r.d.Classify(err)
	}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return r.d.Classify(tx.Commit())
}
