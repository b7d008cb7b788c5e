package dialect_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// Statements run through a dialect.DB answer classified errors.
func TestClassify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, raw *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		db := dialect.NewDB(raw, d)
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
				if got := apierror.CodeOf(err); got != tt.want {
					t.Errorf("%v classified as %s, want %s", err, got, tt.want)
				}
				// The same statement as a query with RETURNING: the error comes from the query, a
				// scan or the rows' end, classified wherever it does.
				rows, err := db.QueryContext(ctx, tt.stmt+" RETURNING id")
				if err == nil {
					for rows.Next() {
						var id int
						if err = rows.Scan(&id); err != nil {
							break
						}
					}
					if err == nil {
						err = rows.Err()
					}
					rows.Close()
				}
				if got := apierror.CodeOf(err); got != tt.want {
					t.Errorf("as a query: %v classified as %s, want %s", err, got, tt.want)
				}
			})
		}
		// A bug (bad SQL) stays unclassified: it is answered as an internal error and logged.
		_, err := db.ExecContext(ctx, `SELEKT 1`)
		if e := apierror.As(err); e != nil {
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

// A unique or foreign-key violation carries what the database said (dialect.Violation), and the table
// description turns it into columns on both backends; the client message names nothing of the
// database (no constraint or index name).
func TestViolationNamesColumns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, raw *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		db := dialect.NewDB(raw, d)
		for _, stmt := range []string{
			`CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(10) NOT NULL, code VARCHAR(10) NOT NULL, n INTEGER NULL,
				CONSTRAINT parent_name_code_long_constraint_name UNIQUE (name, code))`,
			`CREATE UNIQUE INDEX parent_lower_code_idx ON parent (lower(code), n)`,
			`CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, other INTEGER NULL,
				CONSTRAINT child_parent_fk_named_oddly FOREIGN KEY (parent_id) REFERENCES parent(id))`,
			`INSERT INTO parent (id, name, code, n) VALUES (1, 'a', 'x', 1)`,
		} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		parent, err := d.DescribeTable(ctx, raw, "parent")
		if err != nil {
			t.Fatal(err)
		}
		child, err := d.DescribeTable(ctx, raw, "child")
		if err != nil {
			t.Fatal(err)
		}
		if len(child.ForeignKeys) != 1 || strings.Join(child.ForeignKeys[0].Columns, ",") != "parent_id" || child.ForeignKeys[0].References != "parent" {
			t.Errorf("child's foreign keys %+v", child.ForeignKeys)
		}
		if c, _ := child.Column("parent_id"); c.References != "parent" {
			t.Errorf("parent_id references %q", c.References)
		}
		for _, c := range parent.Columns {
			if c.Unique != (c.Name == "id") {
				t.Errorf("%s: unique %v (only the key is unique alone)", c.Name, c.Unique)
			}
		}
		tests := []struct {
			name, stmt string
			table      *dialect.Table
			kind       dialect.ViolationKind
			cols       string // "" when no column can be told
		}{
			{"two-column unique constraint", `INSERT INTO parent (id, name, code, n) VALUES (2, 'a', 'x', 2)`, parent, dialect.UniqueViolation, "name,code"},
			{"primary key", `INSERT INTO parent (id, name, code) VALUES (1, 'b', 'y')`, parent, dialect.UniqueViolation, "id"},
			{"unique index on an expression", `INSERT INTO parent (id, name, code, n) VALUES (3, 'c', 'X', 1)`, parent, dialect.UniqueViolation, ""},
			{"foreign key", `INSERT INTO child (id, parent_id) VALUES (1, 99)`, child, dialect.ForeignKeyViolation, "parent_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, classified := db.ExecContext(ctx, tt.stmt)
				e := apierror.As(classified)
				if e == nil || e.Code != apierror.Conflict {
					t.Fatalf("classified as %v", classified)
				}
				if strings.Contains(e.Message, "constraint_name") || strings.Contains(e.Message, "_idx") || strings.Contains(e.Message, "oddly") || len(e.Details) > 0 {
					t.Errorf("the answer shows the database's names: %q %v", e.Message, e.Details)
				}
				v, ok := dialect.ViolationOf(classified)
				if !ok || v.Kind != tt.kind {
					t.Fatalf("violation %+v", v)
				}
				cols := v.Columns
				if v.Constraint != "" {
					switch tt.kind {
					case dialect.UniqueViolation:
						cols, _ = tt.table.UniqueNamed(v.Constraint)
					case dialect.ForeignKeyViolation:
						cols, _ = tt.table.ForeignKeyNamed(v.Constraint)
					}
				}
				want := tt.cols
				if d.Name() == dialect.SQLite && tt.kind == dialect.ForeignKeyViolation {
					want = "" // SQLite does not say which foreign key failed
				}
				if got := strings.Join(cols, ","); got != want {
					t.Errorf("columns %q, want %q (violation %+v)", got, want, v)
				}
			})
		}
	})
}
