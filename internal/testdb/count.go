package testdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// Counter counts the statements run through a database opened by OpenCounting.
type Counter struct{ n atomic.Int64 }

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// N returns the number of statements run since the last Reset.
func (c *Counter) N() int64 { return c.n.Load() }

// OpenCounting is Open with every query and statement counted, for tests that bound the queries a
// request may run.
func OpenCounting(tb testing.TB, backend dialect.Name) (*sql.DB, dialect.Dialect, *Counter) {
	tb.Helper()
	c := &Counter{}
	db, d, err := dialect.OpenWrapped(Address(tb, backend), func(conn driver.Conn) driver.Conn {
		return &countingConn{Conn: conn, c: c}
	})
	if err != nil {
		tb.Fatalf("testdb: open %s: %v", backend, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, d, c
}

// countingConn passes everything to the driver's connection and counts queries and statements.
type countingConn struct {
	driver.Conn
	c *Counter
}

func (cc *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cc.c.n.Add(1)
	return cc.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (cc *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cc.c.n.Add(1)
	return cc.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (cc *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return cc.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (cc *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return cc.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (cc *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if checker, ok := cc.Conn.(driver.NamedValueChecker); ok {
		return checker.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (cc *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cc.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cc *countingConn) IsValid() bool {
	if v, ok := cc.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

var (
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
)
