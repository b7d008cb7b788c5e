package dialect_test

import (
	"database/sql"
	"database/sql/driver"
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
