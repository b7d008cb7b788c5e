package dialect_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

func TestClassify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		for _, stmt := range []string{
			`CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(10) NOT NULL UNIQUE, n INTEGER CHECK (n > 0))`,
			`CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id))`,
			`INSERT INTO parent (id, name, n) VALUES (1, 'a', 1)`,
		} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			stmt string
			want apierror.Code
		}{
			{"unique", `INSERT INTO parent (id, name, n) VALUES (2, 'a', 1)`, apierror.Conflict},
			{"primary key", `INSERT INTO parent (id, name, n) VALUES (1, 'b', 1)`, apierror.Conflict},
			{"foreign key", `INSERT INTO child (id, parent_id) VALUES (1, 99)`, apierror.Conflict},
			{"not null", `INSERT INTO parent (id, name, n) VALUES (3, NULL, 1)`, apierror.ValidationError},
			{"check", `INSERT INTO parent (id, name, n) VALUES (4, 'c', 0)`, apierror.ValidationError},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.ExecContext(ctx, tt.stmt)
				if got := apierror.CodeOf(d.Classify(err)); got != tt.want {
					t.Errorf("%v classified as %s, want %s", err, got, tt.want)
				}
			})
		}
		// A bug (bad SQL) stays unclassified: it is answered as an internal error and logged.
		_, err := db.ExecContext(ctx, `SELEKT 1`)
		if e := apierror.As(d.Classify(err)); e != nil {
			t.Errorf("a syntax error was classified as %s", e.Code)
		}
	})
}

// Date parts and date text of timestamps must mean UTC on PostgreSQL as on SQLite, whatever the
// server's or the environment's zone.
func TestPostgresSessionIsUTC(t *testing.T) {
	t.Setenv("PGTZ", "America/New_York")
	db, _ := testdb.Open(t, dialect.Postgres)
	var tz string
	if err := db.QueryRow("SHOW timezone").Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "UTC" {
		t.Errorf("session time zone %q, want UTC", tz)
	}
}

func TestEscapeLike(t *testing.T) {
	tests := []struct{ give, want string }{
		{"plain", "plain"},
		{"100%", `100\%`},
		{"a_b", `a\_b`},
		{`back\slash`, `back\\slash`},
		{`%_\`, `\%\_\\`},
	}
	for _, tt := range tests {
		if got := dialect.EscapeLike(tt.give); got != tt.want {
			t.Errorf("EscapeLike(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
