// Package sqlite is tastygo's SQLite driver, go-sqlite3 (which needs cgo and a C compiler). A program
// that opens SQLite databases imports it for its registration:
//
//	import _ "github.com/tastygo/tastygo/dialect/sqlite"
//
// after which [dialect.Open] opens any address that is not a postgres:// URL as a SQLite file path (or
// "file:" URI), with WAL journaling, a busy timeout, foreign keys enforced, case-sensitive LIKE and
// immediate write transactions, whose writers queue at a write gate (see [DefaultWriteWait]; the
// address's _write_wait parameter sets the wait), and with the tg_fold function that
// [dialect.Dialect.Fold] calls and the regexp function that REGEXP calls ([dialect.Dialect.Regexp],
// Go's regexp package) registered on every connection.
package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/tastygo/tastygo/dialect"
)

// driverName is go-sqlite3 with tg_fold registered on every connection.
const driverName = "tastygo_sqlite3"

// init registers the drivers: importing the package is what lets a program open SQLite, as importing
// a database/sql driver is. The registrations hold no state of any API or database.
func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			// tg_fold is deterministic and pure, so SQLite may use it in indexes and constant-fold it.
			if err := c.RegisterFunc("tg_fold", fold, true); err != nil {
				return err
			}
			// regexp is what X REGEXP Y calls (dialect.Dialect.Regexp); each connection keeps the
			// last pattern compiled, so a statement compiles its pattern once, not once per row.
			return c.RegisterFunc("regexp", new(regexpCache).match, true)
		},
	})
	dialect.Register(dialect.SQLite, sqliteDriver{})
}

// fold is tg_fold: lower-case folding of text, for non-ASCII letters too (SQLite's lower() and LIKE
// fold ASCII only). NULL and non-text values pass through as SQLite gives them.
// go-sqlite3 hands a function a NULL argument as a nil []byte, which stays NULL (it was folded into ”
// before, so that iexact= matched NULL on SQLite but not on PostgreSQL).
func fold(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ToLower(x)
	case []byte:
		if x == nil {
			return nil
		}
		return strings.ToLower(string(x))
	}
	return v
}

// regexpCache is one connection's regexp function: Go's regexp package, with the last pattern it
// compiled kept.
type regexpCache struct {
	mu      sync.Mutex
	pattern string
	re      *regexp.Regexp
}

// match is regexp(pattern, value): whether value (as text) matches pattern; NULL for a NULL value. A
// pattern that does not compile is an error of the statement (the framework checks patterns before,
// with dialect.CheckRegexp); so is one over dialect.MaxRegexpBytes (plus the flags RegexpArg adds).
func (c *regexpCache) match(pattern string, v any) (any, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case []byte:
		if x == nil { // NULL, as go-sqlite3 passes it
			return nil, nil
		}
		s = string(x)
	default:
		s = fmt.Sprint(x)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.re == nil || c.pattern != pattern {
		if len(pattern) > dialect.MaxRegexpBytes+len("(?is)") {
			return nil, fmt.Errorf("regexp: the pattern is over %d bytes", dialect.MaxRegexpBytes)
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, err
		}
		c.pattern, c.re = pattern, re
	}
	return c.re.MatchString(s), nil
}

// sqliteDriver is the [dialect.Driver] of SQLite.
type sqliteDriver struct{}

// Open opens the file with the framework's settings; its writers queue at the database's write gate
// (writegate.go).
func (sqliteDriver) Open(addr string, wrap func(driver.Conn) driver.Conn) (*sql.DB, error) {
	dsn, wait, err := dsnOf(addr)
	if err != nil {
		return nil, err
	}
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(gateConnector{drv: probe.Driver(), dsn: dsn, gate: newWriteGate(wait), wrap: wrap})
	probe.Close()
	// WAL lets readers run beside the one writer; the pool is small since SQLite writes serialize.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return db, nil
}

// Inspect reads go-sqlite3's error: its extended result code and message.
func (sqliteDriver) Inspect(err error) (dialect.DriverError, bool) {
	var e sqlite3.Error
	if !errors.As(err, &e) {
		return dialect.DriverError{}, false
	}
	code := int(e.ExtendedCode)
	if code == 0 {
		code = int(e.Code)
	}
	return dialect.DriverError{ResultCode: code, Message: e.Error()}, true
}

// writeWaitParam is the address parameter that sets how long a writer waits for the others
// (DefaultWriteWait); the framework reads it, SQLite never sees it.
const writeWaitParam = "_write_wait"

// dsnOf adds the framework's connection settings to a SQLite path or file: URI, keeping any the
// caller gave, and takes out the write wait.
func dsnOf(addr string) (string, time.Duration, error) {
	path, rawQuery, _ := strings.Cut(addr, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		q = url.Values{}
	}
	wait := DefaultWriteWait
	if v := q.Get(writeWaitParam); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait <= 0 {
			return "", 0, fmt.Errorf("%s=%q is not a positive duration such as 60s", writeWaitParam, v)
		}
		q.Del(writeWaitParam)
	}
	defaults := map[string]string{
		"_journal_mode": "WAL",
		"_busy_timeout": "10000",
		"_foreign_keys": "on",
		"_cslike":       "1",
		"_txlock":       "immediate",
		"_synchronous":  "NORMAL",
	}
	for k, v := range defaults {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	if !strings.HasPrefix(path, "file:") {
		// A plain path becomes a file: URI, in which '%' escapes and '#' starts a fragment: escape
		// both so that the name is the file's whole name.
		path = "file:" + strings.NewReplacer("%", "%25", "#", "%23").Replace(path)
	}
	return path + "?" + q.Encode(), wait, nil
}
