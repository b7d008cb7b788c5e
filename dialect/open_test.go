package dialect_test

import (
	"database/sql"
	"database/sql/driver"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

type noDriver struct{}

func (noDriver) Open(string, func(driver.Conn) driver.Conn) (*sql.DB, error) { return nil, nil }
func (noDriver) Inspect(error) (dialect.DriverError, bool)                   { return dialect.DriverError{}, false }

// A backend has one driver, registered once (the driver packages register theirs; the test binary
// imports both through testdb), and only the known backends have one.
func TestRegisterRefusesASecondDriver(t *testing.T) {
	for _, tc := range []struct {
		name dialect.Name
		want string
	}{
		{dialect.SQLite, "dialect: Register called twice for sqlite"},
		{dialect.Postgres, "dialect: Register called twice for postgres"},
		{"mysql", `dialect: Register of unknown backend "mysql"`},
	} {
		func() {
			defer func() {
				if got, _ := recover().(string); !strings.Contains(got, tc.want) {
					t.Errorf("Register(%q): panic %q, want %q", tc.name, got, tc.want)
				}
			}()
			dialect.Register(tc.name, noDriver{})
		}()
	}
}

// A SQLite path is a file name, whatever it holds: a '#' or a '%' (a subtest named twice gets a
// temporary directory "Name#01") must not cut the name short as it would in a file: URI, where two
// such paths would open the same file.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a#01", "b%23c", "plain"} {
		path := filepath.Join(dir, name, "x.db")
		if err := os.Mkdir(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		db, _, err := dialect.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the database is not at its path: %v", name, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d entries in the directory, want the 3 directories: %v", len(entries), entries)
	}
}
