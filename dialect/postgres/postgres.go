// Package postgres is tastygo's PostgreSQL driver, pgx's database/sql driver (pure Go). A program that
// opens PostgreSQL databases imports it for its registration:
//
//	import _ "github.com/tastygo/tastygo/dialect/postgres"
//
// after which [dialect.Open] opens postgres:// and postgresql:// URLs, with the session time zone pinned
// to UTC unless the URL sets one (so that date parts of timestamps and the text of dates mean the same
// as on SQLite, which stores UTC).
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/tastygo/tastygo/dialect"
)

// init registers the driver: importing the package is what lets a program open PostgreSQL, as
// importing a database/sql driver is. The registration holds no state of any API or database.
func init() { dialect.Register(dialect.Postgres, postgresDriver{}) }

// postgresDriver is the [dialect.Driver] of PostgreSQL.
type postgresDriver struct{}

// Open opens a pool of at most 20 connections, each idle one closed after 5 minutes.
func (postgresDriver) Open(addr string, wrap func(driver.Conn) driver.Conn) (*sql.DB, error) {
	dsn := dsnOf(addr)
	var db *sql.DB
	if wrap == nil {
		var err error
		if db, err = sql.Open("pgx", dsn); err != nil {
			return nil, err
		}
	} else {
		db = sql.OpenDB(wrappedConnector{drv: stdlib.GetDefaultDriver(), dsn: dsn, wrap: wrap})
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// Inspect reads pgx's errors: the server's (its SQLSTATE and the names it gives), failing to connect,
// a connection lost before a statement was sent, and a parameter pgx cannot encode for its column
// (3000000000 for an INTEGER), which it reports by message only and is read as SQLSTATE 22003
// (numeric_value_out_of_range): the client's value, not a bug.
func (postgresDriver) Inspect(err error) (dialect.DriverError, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return dialect.DriverError{SQLState: pgErr.Code, Table: pgErr.TableName, Constraint: pgErr.ConstraintName,
			Column: pgErr.ColumnName, Message: pgErr.Message}, true
	}
	if isOutOfRange(err) {
		return dialect.DriverError{SQLState: "22003", Message: err.Error()}, true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.SafeToRetry(err) {
		return dialect.DriverError{Unavailable: true, Message: err.Error()}, true
	}
	return dialect.DriverError{}, false
}

// isOutOfRange reports pgx refusing to encode a parameter because the number does not fit the column.
func isOutOfRange(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to encode args[") &&
		(strings.Contains(msg, "is greater than maximum value for") || strings.Contains(msg, "is less than minimum value for"))
}

// wrappedConnector opens connections with a driver and passes each through wrap.
type wrappedConnector struct {
	drv  driver.Driver
	dsn  string
	wrap func(driver.Conn) driver.Conn
}

func (c wrappedConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return c.wrap(conn), nil
}

func (c wrappedConnector) Driver() driver.Driver { return c.drv }

// dsnOf pins the session time zone to UTC unless the address sets one.
func dsnOf(addr string) string {
	u, err := url.Parse(addr)
	if err != nil {
		return addr
	}
	q := u.Query()
	if q.Get("timezone") == "" {
		q.Set("timezone", "UTC")
	}
	u.RawQuery = q.Encode()
	return u.String()
}
