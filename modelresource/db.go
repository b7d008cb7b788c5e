package modelresource

import (
	"context"
	"net/http"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

// Statements run on the API's dialect.DB, or on the transaction a context carries: their errors come
// classified (dialect's exec.go), so no code here classifies a database error itself.

// txKey is the context key of the transaction a write runs in (a *dialect.Tx).
type txKey struct{}

// DB returns what a step's own statements should run on: the transaction the context carries (inside
// [Resource.Atomic] or a write), or the database. Overrides use it to write in the same transaction
// as the default step they wrap. Its errors come classified (a database that cannot be reached is
// DATABASE_UNAVAILABLE, a broken constraint a CONFLICT), and a unique violation on the resource's
// table names its fields, as the default steps' do. (A foreign-key violation is left unnamed: whether
// the statement wrote the reference or deleted the row referred to, only the statement knows.)
//
// ctx is a request's, of an API serving r: a step's, an authorization's, an engine call's, or one
// derived from them. r may be registered in several APIs; ctx says which one's database to use.
// Called outside such a request, it panics: that is a programming error.
func (r *Resource) DB(ctx context.Context) dialect.Querier {
	m, err := r.boundIn(ctx)
	if err != nil {
		panic(err.Error())
	}
	return m.db(ctx)
}

// db is what DB returns for the model.
func (r *model) db(ctx context.Context) dialect.Querier {
	return dialect.MapErrors(r.querier(ctx), r.uniqueConflict)
}

// uniqueConflict names the fields of a unique violation on the resource's table.
func (r *model) uniqueConflict(ctx context.Context, err error) error {
	if v, ok := dialect.ViolationOf(err); ok && v.Kind == dialect.UniqueViolation {
		return r.writeConflict(ctx, err, nil)
	}
	return err
}

// Atomic runs fn in one transaction, committed when fn returns nil and rolled back otherwise; the
// context fn receives carries it, and every default step called with that context joins it. Inside
// an outer transaction it joins that one. ctx is a request's, as for [Resource.DB].
func (r *Resource) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	m, err := r.boundIn(ctx)
	if err != nil {
		return err
	}
	return m.atomic(ctx, fn)
}

func (r *model) querier(ctx context.Context) dialect.Querier {
	if tx, ok := ctx.Value(txKey{}).(*dialect.Tx); ok {
		return tx
	}
	return r.env.DB
}

// reader is what a statement that only reads runs on: the transaction the context carries; outside
// one, for a request that writes nothing (GET, HEAD), a read replica when the API has them
// (dialect.DB.Reader); else the database. A write's own reads (a PUT finding its object, a DELETE by
// filter) stay on the primary, so no write decides on a replica's older view.
func (r *model) reader(ctx context.Context) dialect.Querier {
	if tx, ok := ctx.Value(txKey{}).(*dialect.Tx); ok {
		return tx
	}
	if b := resource.BundleFromContext(ctx); b == nil || (b.Method != http.MethodGet && b.Method != http.MethodHead) {
		return r.env.DB
	}
	return r.env.DB.Reader(ctx)
}

// atomic runs fn in one transaction; inside an outer one it simply joins it.
func (r *model) atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*dialect.Tx); ok {
		return fn(ctx)
	}
	// A transaction writes: it starts only once the request's credentials are confirmed (a read served
	// on provisional credentials reaches here only through an override that writes).
	if err := resource.ConfirmAuthentication(ctx); err != nil {
		return err
	}
	tx, err := r.env.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
