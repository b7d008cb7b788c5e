package dialect

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
)

// Driver is what a driver package gives the dialect for its backend: how to open a database, and how
// to read the driver's errors. The packages github.com/tastygo/tastygo/dialect/sqlite (go-sqlite3, which
// needs cgo) and github.com/tastygo/tastygo/dialect/postgres (pgx) register theirs when a program
// imports them; the dialect itself links no driver.
type Driver interface {
	// Open opens the database at addr, passing each new connection through wrap when wrap is not nil.
	// It does not wait for the database: a server that is down now is reported by the first statement.
	Open(addr string, wrap func(driver.Conn) driver.Conn) (*sql.DB, error)
	// Inspect reads err when it is, or wraps, an error of the driver (a refused statement, a lost
	// connection), in the terms [DB] classifies by; ok is false for any other error.
	Inspect(err error) (e DriverError, ok bool)
}

// DriverError is a driver's error as its driver package reads it: the backend's own code and names,
// which the dialect turns into the client-facing error (CONFLICT, VALIDATION_ERROR,
// DATABASE_UNAVAILABLE, ...).
type DriverError struct {
	// SQLState is PostgreSQL's error code ("23505" for a unique violation); "" on SQLite.
	SQLState string
	// ResultCode is SQLite's extended result code (2067, SQLITE_CONSTRAINT_UNIQUE); 0 on PostgreSQL.
	ResultCode int
	// Table, Constraint and Column are what PostgreSQL names of a refused statement; "" on SQLite.
	Table, Constraint, Column string
	// Message is the driver's message; SQLite's names the table and columns of a unique violation.
	Message string
	// Unavailable reports an error of reaching the database (a connection refused or lost) that the
	// driver tells by a type of its own.
	Unavailable bool
}

// The driver packages' import paths, named in the error of opening a backend whose driver is missing.
const (
	sqlitePackage   = "github.com/tastygo/tastygo/dialect/sqlite"
	postgresPackage = "github.com/tastygo/tastygo/dialect/postgres"
)

// drivers holds the registered drivers by backend. It is written only by Register, which driver
// packages call from their init functions (as database/sql's drivers do), so it is complete before
// main starts and only read afterwards.
var drivers = struct {
	sync.RWMutex
	m map[Name]Driver
}{m: map[Name]Driver{}}

// Register makes a backend's driver available to [Open]; a driver package calls it from its init
// function, so that importing the package is what lets a program open that backend. It panics when the
// backend is unknown or already has a driver, as sql.Register does.
func Register(n Name, drv Driver) {
	if n != SQLite && n != Postgres {
		panic(fmt.Sprintf("dialect: Register of unknown backend %q", n))
	}
	if drv == nil {
		panic("dialect: Register of a nil driver for " + string(n))
	}
	drivers.Lock()
	defer drivers.Unlock()
	if _, dup := drivers.m[n]; dup {
		panic("dialect: Register called twice for " + string(n))
	}
	drivers.m[n] = drv
}

// driverFor returns the registered driver of a backend, nil when the program imports none.
func driverFor(n Name) Driver {
	drivers.RLock()
	defer drivers.RUnlock()
	return drivers.m[n]
}

// IsPostgresURL reports whether a database address names PostgreSQL (postgres:// or postgresql://).
func IsPostgresURL(addr string) bool {
	return strings.HasPrefix(addr, "postgres://") || strings.HasPrefix(addr, "postgresql://")
}

// Open opens a database by address: a postgres:// or postgresql:// URL opens PostgreSQL, anything else
// is a SQLite file path (or "file:" URI). The program must import the backend's driver package
// (dialect/sqlite, dialect/postgres), whose documentation says how it opens the database; without it
// Open fails with an error naming the import to add.
// Open does not wait for the database: a server that is down now is reported by [Ping] and by the first
// statement, and the pool reconnects when it is back. Run statements through [NewDB] to have their
// errors classified.
func Open(addr string) (*sql.DB, Dialect, error) {
	return OpenWrapped(addr, nil)
}

// OpenWrapped is Open with every new connection passed through wrap (nil wraps nothing); tests count
// the statements a request runs this way.
func OpenWrapped(addr string, wrap func(driver.Conn) driver.Conn) (*sql.DB, Dialect, error) {
	d, pkg, what := Dialect{name: SQLite}, sqlitePackage, "a SQLite file"
	if IsPostgresURL(addr) {
		d, pkg, what = Dialect{name: Postgres}, postgresPackage, "a PostgreSQL URL"
	}
	drv := driverFor(d.name)
	if drv == nil {
		return nil, Dialect{}, fmt.Errorf("dialect: the database address is %s, but this program has no %s driver: add import _ %q", what, d.name, pkg)
	}
	db, err := drv.Open(addr, wrap)
	if err != nil {
		return nil, Dialect{}, fmt.Errorf("dialect: open %s: %w", d.name, err)
	}
	return db, d, nil
}

// Ping checks that the database answers within the context's deadline.
func Ping(ctx context.Context, db *sql.DB) error {
	return db.PingContext(ctx)
}
