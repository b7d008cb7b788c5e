package dialect

import (
	"context"
	"database/sql"
)

// BeginRead begins a read-only transaction, for a request's reads to share one connection and one
// snapshot: on SQLite a deferred BEGIN that takes no write lock (whatever the pool's _txlock), on
// PostgreSQL BEGIN READ ONLY. End it with Commit (or Rollback: a read's two ends are the same).
func (db *DB) BeginRead(ctx context.Context) (*Tx, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	tx.db = db.db
	return tx, nil
}

// readTxKey is the context key of the read transaction a request's reads run in.
type readTxKey struct{}

// WithReadTx returns ctx carrying tx, a transaction from [DB.BeginRead], so that code reading on the
// same database for that request (an authentication's key look-up, say) can run its statements in
// it: on the read's connection, with no connection or transaction of its own.
func WithReadTx(ctx context.Context, tx *Tx) context.Context {
	return context.WithValue(ctx, readTxKey{}, tx)
}

// ReadTxFor returns the read transaction ctx carries when it was begun on db; nil otherwise (none, or
// one on another database, whose statements must not run there).
func ReadTxFor(ctx context.Context, db *sql.DB) *Tx {
	if tx, ok := ctx.Value(readTxKey{}).(*Tx); ok && tx.db == db {
		return tx
	}
	return nil
}
