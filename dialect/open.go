package dialect

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"
)

// sqliteDriverName is go-sqlite3 with tg_fold registered on every connection.
const sqliteDriverName = "tastygo_sqlite3"

var registerSQLite sync.Once

func registerSQLiteDriver() {
	registerSQLite.Do(func() {
		sql.Register(sqliteDriverName, &sqlite3.SQLiteDriver{
			ConnectHook: func(c *sqlite3.SQLiteConn) error {
				// tg_fold is deterministic and pure, so SQLite may use it in indexes and constant-fold it.
				return c.RegisterFunc("tg_fold", foldSQLite, true)
			},
		})
	})
}

// foldSQLite is tg_fold: lower-case folding of text, for non-ASCII letters too (SQLite's lower() and
// LIKE fold ASCII only). NULL and non-text values pass through as SQLite gives them.
func foldSQLite(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ToLower(x)
	case []byte:
		return strings.ToLower(string(x))
	}
	return v
}

// IsPostgresURL reports whether a database address names PostgreSQL (postgres:// or postgresql://).
func IsPostgresURL(addr string) bool {
	return strings.HasPrefix(addr, "postgres://") || strings.HasPrefix(addr, "postgresql://")
}

// Open opens a database by address: a postgres:// or postgresql:// URL opens PostgreSQL through pgx;
// anything else is a SQLite file path (or "file:" URI), opened with WAL journaling, a busy timeout,
// foreign keys enforced, case-sensitive LIKE and immediate write transactions, whose writers queue at a
// write gate (see [DefaultWriteWait]; the address's _write_wait parameter sets the wait).
// Open does not wait for the database: a server that is down now is reported by [Ping] and by the first
// query, and the pool reconnects when it is back.
func Open(addr string) (*sql.DB, Dialect, error) {
	return OpenWrapped(addr, nil)
}

// OpenWrapped is Open with every new connection passed through wrap (nil wraps nothing); tests count
// the statements a request runs this way.
func OpenWrapped(addr string, wrap func(driver.Conn) driver.Conn) (*sql.DB, Dialect, error) {
	name, dsn, d := sqliteDriverName, "", Dialect{name: SQLite}
	wait := DefaultWriteWait
	if IsPostgresURL(addr) {
		name, dsn, d = "pgx", postgresDSN(addr), Dialect{name: Postgres}
	} else {
		registerSQLiteDriver()
		var err error
		if dsn, wait, err = sqliteDSN(addr); err != nil {
			return nil, Dialect{}, err
		}
	}
	probe, err := sql.Open(name, dsn)
	if err != nil {
		return nil, Dialect{}, fmt.Errorf("dialect: open %s: %w", d.name, err)
	}
	db := probe
	switch {
	case d.name == SQLite:
		// Writers queue at the database's write gate (writegate.go).
		db = sql.OpenDB(gateConnector{drv: probe.Driver(), dsn: dsn, gate: newWriteGate(wait), wrap: wrap})
		probe.Close()
	case wrap != nil:
		db = sql.OpenDB(wrappedConnector{drv: probe.Driver(), dsn: dsn, wrap: wrap})
		probe.Close()
	}
	if d.name == Postgres {
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// WAL lets readers run beside the one writer; the pool is small since SQLite writes serialize.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	return db, d, nil
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

// postgresDSN pins the session time zone to UTC (unless the address sets one), so that date parts
// of timestamps and the text of dates mean the same on PostgreSQL as on SQLite, which stores UTC.
func postgresDSN(addr string) string {
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

// writeWaitParam is the SQLite address parameter that sets how long a writer waits for the others
// (DefaultWriteWait); the framework reads it, SQLite never sees it.
const writeWaitParam = "_write_wait"

// sqliteDSN adds the framework's connection settings to a SQLite path or file: URI, keeping any the
// caller gave, and takes out the write wait.
func sqliteDSN(addr string) (string, time.Duration, error) {
	path, rawQuery, _ := strings.Cut(addr, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		q = url.Values{}
	}
	wait := DefaultWriteWait
	if v := q.Get(writeWaitParam); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait <= 0 {
			return "", 0, fmt.Errorf("dialect: %s=%q is not a positive duration such as 60s", writeWaitParam, v)
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
		path = "file:" + path
	}
	return path + "?" + q.Encode(), wait, nil
}

// Ping checks that the database answers within the context's deadline.
func Ping(ctx context.Context, db *sql.DB) error {
	return db.PingContext(ctx)
}
