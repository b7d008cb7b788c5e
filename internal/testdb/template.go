package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// A fixture that many tests start from (a migrated and seeded database, say) is built once per test
// binary and backend, as a template, and every test gets its own copy: on PostgreSQL a database made
// with CREATE DATABASE … TEMPLATE (a file copy, much cheaper than running the migrations and the
// seeding again), on SQLite a copy of the template's file. Each test still owns its database, so tests
// stay independent; the copies are dropped when their test ends and the templates when the binary
// ends (Main). Databases left behind by a killed run are dropped by the next run once they are older
// than staleAfter.

// dbPrefix starts the name of every PostgreSQL database the package creates, followed by the Unix time
// of its creation (for the sweep of leftovers) and random hex.
const dbPrefix = "tastygo_t_"

// staleAfter is the age after which a database of dbPrefix is a leftover of a killed run: far longer
// than any test binary runs.
const staleAfter = 3 * time.Hour

// BuildFunc fills a template database: migrations, rows, users.
type BuildFunc func(ctx context.Context, db *sql.DB, d dialect.Dialect) error

type templateKey struct {
	name    string
	backend dialect.Name
}

// template is a built fixture: the SQLite file or the PostgreSQL database name copies are made from.
type template struct {
	once sync.Once
	addr string // SQLite: the file; PostgreSQL: the database name
	err  error
}

var (
	mainActive  bool
	templatesMu sync.Mutex
	templates   = map[templateKey]*template{}
	templateDir string
	drops       sync.WaitGroup // copies being dropped in the background

	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

// Main runs a package's tests (call it from TestMain: `func TestMain(m *testing.M) { testdb.Main(m) }`)
// and then removes the templates Copy built, after dropping the leftovers of killed runs. It exits
// with the tests' status. A package whose TestMain does more uses Run instead.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main for a TestMain that has more to do: it returns the tests' exit status instead of exiting.
func Run(m *testing.M) int {
	mainActive = true
	code := m.Run()
	if err := removeTemplates(); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// OpenCopy opens a fresh copy of the fixture called name, built by build once per test binary and
// backend; the copy is closed and removed when the test ends. The package's TestMain must call Main
// (or Run), which removes the templates.
func OpenCopy(tb testing.TB, backend dialect.Name, name string, build BuildFunc) (*sql.DB, dialect.Dialect) {
	tb.Helper()
	db, d, err := dialect.Open(CopyAddress(tb, backend, name, build))
	if err != nil {
		tb.Fatalf("testdb: open %s: %v", backend, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, d
}

// EachCopy is Each with every backend's database a fresh copy of the fixture (see OpenCopy).
func EachCopy(t *testing.T, name string, build BuildFunc, fn func(t *testing.T, db *sql.DB, d dialect.Dialect)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(string(b), func(t *testing.T) {
			db, d := OpenCopy(t, b, name, build)
			fn(t, db, d)
		})
	}
}

// CopyAddress is OpenCopy's address: a fresh copy of the fixture, removed when the test ends, for tests
// that open it more than once.
func CopyAddress(tb testing.TB, backend dialect.Name, name string, build BuildFunc) string {
	tb.Helper()
	if !mainActive {
		tb.Fatal("testdb: copies of a template need the package's TestMain to call testdb.Main (or Run), which removes the templates")
	}
	requirePostgres(tb, backend)
	templatesMu.Lock()
	tpl, ok := templates[templateKey{name, backend}]
	if !ok {
		tpl = &template{}
		templates[templateKey{name, backend}] = tpl
	}
	templatesMu.Unlock()
	tpl.once.Do(func() { tpl.addr, tpl.err = buildTemplate(backend, build) })
	if tpl.err != nil {
		tb.Fatalf("testdb: building the %s template %q: %v", backend, name, tpl.err)
	}
	if backend == dialect.SQLite {
		path := filepath.Join(tb.TempDir(), "copy-"+randomHex(4)+".db")
		if err := copyFile(tpl.addr, path); err != nil {
			tb.Fatalf("testdb: copy the template %q: %v", name, err)
		}
		return path
	}
	admin, err := adminPool()
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	copyName := newDatabaseName()
	if _, err := admin.ExecContext(context.Background(), `CREATE DATABASE "`+copyName+`" TEMPLATE "`+tpl.addr+`"`); err != nil {
		tb.Fatalf("testdb: copy the template %q: %v", name, err)
	}
	tb.Cleanup(func() {
		// The test's pools are closed (cleanups run last first); FORCE ends any connection a stopped
		// server or process left. Dropping in the background lets the next test start; Run waits.
		drops.Add(1)
		go func() {
			defer drops.Done()
			if _, err := admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+copyName+`" WITH (FORCE)`); err != nil {
				fmt.Fprintf(os.Stderr, "testdb: drop database %s: %v\n", copyName, err)
			}
		}()
	})
	return databaseURL(copyName)
}

// buildTemplate makes an empty database, fills it with build and closes it, returning its file or name.
func buildTemplate(backend dialect.Name, build BuildFunc) (string, error) {
	ctx := context.Background()
	var addr, ref string
	if backend == dialect.SQLite {
		templatesMu.Lock()
		if templateDir == "" {
			dir, err := os.MkdirTemp("", "tastygo-templates-")
			if err != nil {
				templatesMu.Unlock()
				return "", err
			}
			templateDir = dir
		}
		templatesMu.Unlock()
		addr = filepath.Join(templateDir, "template-"+randomHex(4)+".db")
		ref = addr
	} else {
		admin, err := adminPool()
		if err != nil {
			return "", err
		}
		sweepLeftovers(ctx, admin)
		ref = newDatabaseName()
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+ref+`"`); err != nil {
			return "", fmt.Errorf("create database: %w", err)
		}
		addr = databaseURL(ref)
	}
	db, d, err := dialect.Open(addr)
	if err != nil {
		return ref, err
	}
	err = build(ctx, db, d)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return ref, err
}

// removeTemplates waits for the copies being dropped, then drops the templates and their directory.
func removeTemplates() error {
	drops.Wait()
	var errs []error
	for key, tpl := range templates {
		if tpl.addr == "" || key.backend != dialect.Postgres {
			continue
		}
		if _, err := adminDB.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+tpl.addr+`" WITH (FORCE)`); err != nil {
			errs = append(errs, fmt.Errorf("drop template %s: %w", tpl.addr, err))
		}
	}
	if templateDir != "" {
		if err := os.RemoveAll(templateDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// adminPool is the pool of connections to TEST_DATABASE_URL, shared by the test binary, that creates
// and drops the schemas and databases (it lives as long as the process: a TestMain may still remove
// fixtures after Run).
func adminPool() (*sql.DB, error) {
	adminOnce.Do(func() {
		if adminErr = postgresReachable(); adminErr != nil {
			return
		}
		adminDB, _, adminErr = dialect.Open(PostgresURL())
	})
	return adminDB, adminErr
}

// newDatabaseName returns a new database name: dbPrefix, the Unix time, random hex.
func newDatabaseName() string {
	return dbPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + randomHex(6)
}

var leftoverName = regexp.MustCompile(`^` + dbPrefix + `([0-9]+)_[0-9a-f]+$`)

// sweepLeftovers drops the databases of killed runs: those of dbPrefix older than staleAfter.
func sweepLeftovers(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'tastygo\_t\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		m := leftoverName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if created, err := strconv.ParseInt(m[1], 10, 64); err == nil && time.Since(time.Unix(created, 0)) > staleAfter {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
	}
}

// databaseURL is TEST_DATABASE_URL with another database.
func databaseURL(name string) string {
	u, err := url.Parse(PostgresURL())
	if err != nil {
		return PostgresURL()
	}
	u.Path = "/" + name
	return u.String()
}

// copyFile copies a closed SQLite database (and its -wal file, if the close left one).
func copyFile(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(from + suffix)
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			src.Close()
			return err
		}
		_, err = io.Copy(dst, src)
		src.Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
