package sqlite

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/tastygo/tastygo/dialect"
)

// SQLite has one writer at a time. Left to itself, a second writer retries inside SQLite until the busy
// timeout and then fails with "database is locked": a long write transaction (an upload pipeline) made
// every write beside it fail. Instead, writers of one database opened by [dialect.Open] queue in Go, at a write
// gate each write takes: a transaction (every SQLite transaction is opened IMMEDIATE, a write) holds it
// from BEGIN to COMMIT or ROLLBACK, a statement outside a transaction that may write holds it while it
// runs. Reads outside a transaction never wait (WAL lets them run beside the writer). A writer waits at
// most the database's write wait (DefaultWriteWait, or the address's _write_wait parameter), and no
// longer than its context allows; beyond it the answer is DATABASE_UNAVAILABLE, which the API serves as
// 503 with Retry-After. The gate is per process: another process writing the same file still meets
// SQLite's busy timeout (_busy_timeout, 10 s).

// DefaultWriteWait is how long a SQLite writer waits for the one before it, unless the database address
// says otherwise with _write_wait (a Go duration: "dashboard.db?_write_wait=2m").
const DefaultWriteWait = 60 * time.Second

// writeGate lets one writer of a database at a time through, the others waiting in the order they came.
type writeGate struct {
	slot chan struct{}
	wait time.Duration
}

func newWriteGate(wait time.Duration) *writeGate {
	return &writeGate{slot: make(chan struct{}, 1), wait: wait}
}

// acquire waits for the gate until ctx ends or the write wait passes.
func (g *writeGate) acquire(ctx context.Context) error {
	select {
	case g.slot <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return dialect.ErrWriteWait
	}
}

func (g *writeGate) release() { <-g.slot }

// gateConnector opens SQLite connections that take the gate to write.
type gateConnector struct {
	drv  driver.Driver
	dsn  string
	gate *writeGate
	wrap func(driver.Conn) driver.Conn
}

func (c gateConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	var out driver.Conn = &gatedConn{inner: conn, gate: c.gate}
	if c.wrap != nil {
		out = c.wrap(out)
	}
	return out, nil
}

func (c gateConnector) Driver() driver.Driver { return c.drv }

// gatedConn is a SQLite connection whose writes take the gate. database/sql uses a connection from one
// goroutine at a time, so its fields need no lock; the once of a transaction guards the release.
type gatedConn struct {
	inner driver.Conn
	gate  *writeGate
	tx    *gatedTx // the open transaction, holding the gate
}

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &gatedStmt{Stmt: s, conn: c}, nil
}

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx waits for the gate, then begins (IMMEDIATE: the transaction is the writer at once).
func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.gate.acquire(ctx); err != nil {
		return nil, err
	}
	tx, err := c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		c.gate.release()
		return nil, err
	}
	c.tx = &gatedTx{Tx: tx, conn: c}
	return c.tx, nil
}

// QueryContext runs a query: inside the transaction, or a SELECT, at once; any other statement is
// prepared first (driver.ErrSkip), so that gatedStmt can ask SQLite whether it writes.
func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.tx == nil && !isSelect(query) {
		return nil, driver.ErrSkip
	}
	return c.inner.(driver.QueryerContext).QueryContext(ctx, query, args)
}

// ExecContext runs a statement; outside a transaction it holds the gate while it runs.
func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	exec := c.inner.(driver.ExecerContext)
	if c.tx != nil {
		return exec.ExecContext(ctx, query, args)
	}
	if err := c.gate.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.gate.release()
	return exec.ExecContext(ctx, query, args)
}

func (c *gatedConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Close closes the connection, releasing the gate if a transaction never ended.
func (c *gatedConn) Close() error {
	if c.tx != nil {
		c.tx.end()
	}
	return c.inner.Close()
}

// isSelect reports a statement that starts with SELECT: a read, run without asking SQLite.
func isSelect(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "select")
}

// gatedTx releases the gate when the transaction ends.
type gatedTx struct {
	driver.Tx
	conn *gatedConn
	once sync.Once
}

func (t *gatedTx) Commit() error {
	defer t.end()
	return t.Tx.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.end()
	return t.Tx.Rollback()
}

func (t *gatedTx) end() {
	t.once.Do(func() {
		t.conn.tx = nil
		t.conn.gate.release()
	})
}

// gatedStmt is a prepared statement; outside a transaction, one that may write (SQLite's
// sqlite3_stmt_readonly says) holds the gate while it runs, and for a query until its rows are closed.
type gatedStmt struct {
	driver.Stmt
	conn *gatedConn
}

// writes reports whether running the statement must take the gate.
func (s *gatedStmt) writes() bool {
	if s.conn.tx != nil {
		return false
	}
	if ls, ok := s.Stmt.(*sqlite3.SQLiteStmt); ok {
		return !ls.Readonly()
	}
	return true
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	exec := s.Stmt.(driver.StmtExecContext)
	if !s.writes() {
		return exec.ExecContext(ctx, args)
	}
	if err := s.conn.gate.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.conn.gate.release()
	return exec.ExecContext(ctx, args)
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	query := s.Stmt.(driver.StmtQueryContext)
	if !s.writes() {
		return query.QueryContext(ctx, args)
	}
	if err := s.conn.gate.acquire(ctx); err != nil {
		return nil, err
	}
	rows, err := query.QueryContext(ctx, args)
	if err != nil {
		s.conn.gate.release()
		return nil, err
	}
	return &gatedRows{Rows: rows, release: sync.OnceFunc(s.conn.gate.release)}, nil
}

// gatedRows releases the gate when the rows of a writing query are closed.
type gatedRows struct {
	driver.Rows
	release func()
}

func (r *gatedRows) Close() error {
	defer r.release()
	return r.Rows.Close()
}

var (
	_ driver.ConnBeginTx        = (*gatedConn)(nil)
	_ driver.ConnPrepareContext = (*gatedConn)(nil)
	_ driver.QueryerContext     = (*gatedConn)(nil)
	_ driver.ExecerContext      = (*gatedConn)(nil)
	_ driver.Pinger             = (*gatedConn)(nil)
	_ driver.StmtExecContext    = (*gatedStmt)(nil)
	_ driver.StmtQueryContext   = (*gatedStmt)(nil)
)
