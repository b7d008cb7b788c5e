package dialect

import (
	"context"
	"database/sql"
)

// Database errors are classified once, here, where statements run: every statement of the framework
// and of the applications built on it runs through a [DB], a [Tx], a [Conn] or a [Stmt], whose
// methods, and the [Rows] and [Row] they return, answer classified errors. A unique or foreign-key
// violation is a CONFLICT carrying a [Violation], an unreachable or overloaded database
// DATABASE_UNAVAILABLE, a value the column refuses INVALID_VALUE or VALIDATION_ERROR; anything else
// (a bug, sql.ErrNoRows) comes back unchanged, to be answered as INTERNAL_ERROR and logged (or as a
// 404 by the code that expected the row). The SQL text and the driver's message never reach a client.

// Querier runs statements: a [DB], a [Tx] or a [Conn]. Its errors come classified.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *Row
}

// classifier classifies the errors of one database, with its driver's help.
type classifier struct {
	drv Driver // nil when the program registered none (then only the driver-independent classes)
}

// DB is a database pool whose statements answer classified errors. Get one from [NewDB].
type DB struct {
	db *sql.DB
	c  *classifier
	// replicas, when not nil, serve [DB.Reader]; subject names the user of a context (WithReplicas).
	replicas *Replicas
	subject  func(context.Context) string
}

// NewDB returns the executor of db, a database of dialect d (as [Open] returned them).
func NewDB(db *sql.DB, d Dialect) *DB {
	return &DB{db: db, c: &classifier{drv: driverFor(d.name)}}
}

// SQL returns the pool itself, for what is not a request's statement: pool statistics, migrations,
// describing tables when an API is built. Statements run on it answer unclassified errors.
func (db *DB) SQL() *sql.DB { return db.db }

// ExecContext runs a statement that returns no rows.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.db.ExecContext(ctx, query, args...)
	return res, db.c.classify(err)
}

// QueryContext runs a query.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*Rows, error) {
	return db.c.rows(db.db.QueryContext(ctx, query, args...))
}

// QueryRowContext runs a query that returns at most one row; its error comes with [Row.Scan].
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: db.db.QueryRowContext(ctx, query, args...), c: db.c}
}

// BeginTx starts a transaction.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, db.c.classify(err)
	}
	t := &Tx{tx: tx, c: db.c}
	if db.replicas != nil {
		t.ctx, t.db = ctx, db
	}
	return t, nil
}

// PrepareContext prepares a statement, to run many times.
func (db *DB) PrepareContext(ctx context.Context, query string) (*Stmt, error) {
	st, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, db.c.classify(err)
	}
	return &Stmt{st: st, c: db.c}, nil
}

// Conn takes a connection of the pool for the caller alone (a session lock, say), until Close.
func (db *DB) Conn(ctx context.Context) (*Conn, error) {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, db.c.classify(err)
	}
	return &Conn{conn: conn, c: db.c}, nil
}

// Tx is a transaction whose statements answer classified errors.
type Tx struct {
	tx *sql.Tx
	c  *classifier
	// ctx and db are set when db has replicas: a commit raises the fence of ctx's subject.
	ctx context.Context
	db  *DB
}

// ExecContext runs a statement that returns no rows.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, query, args...)
	return res, tx.c.classify(err)
}

// QueryContext runs a query.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*Rows, error) {
	return tx.c.rows(tx.tx.QueryContext(ctx, query, args...))
}

// QueryRowContext runs a query that returns at most one row; its error comes with [Row.Scan].
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: tx.tx.QueryRowContext(ctx, query, args...), c: tx.c}
}

// Commit commits the transaction.
// With read replicas, a commit also records the primary's position as the fence of the user the
// transaction ran for (see [DB.WithReplicas]).
func (tx *Tx) Commit() error {
	err := tx.c.classify(tx.tx.Commit())
	if err == nil && tx.db != nil {
		tx.db.fenceAfterWrite(tx.ctx)
	}
	return err
}

// Rollback aborts the transaction.
func (tx *Tx) Rollback() error { return tx.c.classify(tx.tx.Rollback()) }

// Conn is a connection taken from the pool by [DB.Conn]; its statements answer classified errors.
type Conn struct {
	conn *sql.Conn
	c    *classifier
}

// ExecContext runs a statement that returns no rows.
func (c *Conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := c.conn.ExecContext(ctx, query, args...)
	return res, c.c.classify(err)
}

// QueryContext runs a query.
func (c *Conn) QueryContext(ctx context.Context, query string, args ...any) (*Rows, error) {
	return c.c.rows(c.conn.QueryContext(ctx, query, args...))
}

// QueryRowContext runs a query that returns at most one row; its error comes with [Row.Scan].
func (c *Conn) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: c.conn.QueryRowContext(ctx, query, args...), c: c.c}
}

// Raw runs f with the driver's connection, as sql.Conn.Raw does (f returning driver.ErrBadConn
// discards the connection instead of giving it back to the pool).
func (c *Conn) Raw(f func(driverConn any) error) error { return c.conn.Raw(f) }

// Close gives the connection back to the pool.
func (c *Conn) Close() error { return c.conn.Close() }

// Stmt is a prepared statement whose runs answer classified errors.
type Stmt struct {
	st *sql.Stmt
	c  *classifier
}

// ExecContext runs the statement, returning no rows.
func (s *Stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	res, err := s.st.ExecContext(ctx, args...)
	return res, s.c.classify(err)
}

// QueryRowContext runs the statement for at most one row; its error comes with [Row.Scan].
func (s *Stmt) QueryRowContext(ctx context.Context, args ...any) *Row {
	return &Row{row: s.st.QueryRowContext(ctx, args...), c: s.c}
}

// Close closes the statement.
func (s *Stmt) Close() error { return s.st.Close() }

// Rows are the rows of a query; Scan, Err and Close answer classified errors (a statement that fails
// after its first row, such as an INSERT ... RETURNING breaking a constraint, reports it through Err).
type Rows struct {
	rows *sql.Rows
	c    *classifier
	// then, when not nil, is applied to every classified error (see [MapErrors]).
	then func(error) error
}

func (c *classifier) rows(rows *sql.Rows, err error) (*Rows, error) {
	if err != nil {
		return nil, c.classify(err)
	}
	return &Rows{rows: rows, c: c}, nil
}

func (r *Rows) fail(err error) error {
	if err == nil {
		return nil
	}
	err = r.c.classify(err)
	if r.then != nil {
		err = r.then(err)
	}
	return err
}

// Next prepares the next row for Scan, and reports whether there is one; after false, Err tells
// whether the rows ended or failed.
func (r *Rows) Next() bool { return r.rows.Next() }

// Scan copies the current row's columns into dest, as sql.Rows.Scan does.
func (r *Rows) Scan(dest ...any) error { return r.fail(r.rows.Scan(dest...)) }

// Err returns the error that ended the rows, if any.
func (r *Rows) Err() error { return r.fail(r.rows.Err()) }

// Close ends the rows early; it is safe to call more than once.
func (r *Rows) Close() error { return r.fail(r.rows.Close()) }

// Columns returns the columns' names.
func (r *Rows) Columns() ([]string, error) {
	cols, err := r.rows.Columns()
	return cols, r.fail(err)
}

// Row is the result of a query for one row.
type Row struct {
	row  *sql.Row
	c    *classifier
	then func(error) error
}

// Scan copies the row's columns into dest; without a row it returns sql.ErrNoRows, unchanged.
func (r *Row) Scan(dest ...any) error {
	err := r.c.classify(r.row.Scan(dest...))
	if err != nil && r.then != nil {
		err = r.then(err)
	}
	return err
}

// Err returns the error of running the query, if any, without scanning.
func (r *Row) Err() error {
	err := r.c.classify(r.row.Err())
	if err != nil && r.then != nil {
		err = r.then(err)
	}
	return err
}

// MapErrors returns a Querier that runs its statements on q and passes each error they answer, already
// classified (that of a statement, of its rows and of its scans), through fn. A resource names the
// fields of a conflict on its table this way (modelresource's Resource.DB).
func MapErrors(q Querier, fn func(ctx context.Context, err error) error) Querier {
	return mapped{q: q, fn: fn}
}

type mapped struct {
	q  Querier
	fn func(ctx context.Context, err error) error
}

func (m mapped) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := m.q.ExecContext(ctx, query, args...)
	if err != nil {
		err = m.fn(ctx, err)
	}
	return res, err
}

func (m mapped) QueryContext(ctx context.Context, query string, args ...any) (*Rows, error) {
	rows, err := m.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, m.fn(ctx, err)
	}
	rows.then = m.then(ctx, rows.then)
	return rows, nil
}

func (m mapped) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	row := m.q.QueryRowContext(ctx, query, args...)
	row.then = m.then(ctx, row.then)
	return row
}

// then is fn after inner (a Querier mapped twice applies both, the inner first).
func (m mapped) then(ctx context.Context, inner func(error) error) func(error) error {
	return func(err error) error {
		if inner != nil {
			err = inner(err)
		}
		return m.fn(ctx, err)
	}
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
	_ Querier = (*Conn)(nil)
	_ Querier = mapped{}
)
