package dialect_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

func mustDialect(t *testing.T, n dialect.Name) dialect.Dialect {
	t.Helper()
	d, err := dialect.ForName(n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBulkInsertSQL(t *testing.T) {
	for _, tc := range []struct {
		backend   dialect.Name
		columns   []string
		returning []string
		rows      int
		want      string
	}{
		{dialect.SQLite, []string{"a"}, nil, 1, `INSERT INTO "t" ("a") VALUES (?)`},
		{dialect.SQLite, []string{"a", "b"}, nil, 3, `INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?), (?, ?)`},
		{dialect.Postgres, []string{"a", "b"}, nil, 2, `INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4)`},
		{dialect.Postgres, []string{"a"}, []string{"id", "row"}, 2, `INSERT INTO "t" ("a") VALUES ($1), ($2) RETURNING "id", "row"`},
		{dialect.SQLite, []string{`we"ird`}, []string{"id"}, 1, `INSERT INTO "t" ("we""ird") VALUES (?) RETURNING "id"`},
	} {
		b := mustDialect(t, tc.backend).BulkInsert("t", tc.columns...).Returning(tc.returning...)
		if got := b.SQL(tc.rows); got != tc.want {
			t.Errorf("%s %v x %d: %s, want %s", tc.backend, tc.columns, tc.rows, got, tc.want)
		}
	}
}

func TestBulkInsertRowsPerStatement(t *testing.T) {
	for _, tc := range []struct {
		backend dialect.Name
		width   int
		maxRows int
		want    int
	}{
		{dialect.SQLite, 1, 0, 32766},
		{dialect.Postgres, 1, 0, 65535},
		{dialect.SQLite, 7, 500, 500},         // the cap, far below the limit
		{dialect.SQLite, 140, 500, 234},       // 32,766 / 140: the limit, below the cap
		{dialect.Postgres, 140, 500, 468},     // 65,535 / 140
		{dialect.Postgres, 70000, 500, 1},     // wider than the limit: one row, which the database refuses
		{dialect.SQLite, 3, -1, 32766 / 3},    // no cap
		{dialect.Postgres, 3, 1 << 30, 21845}, // a cap above the limit
	} {
		cols := make([]string, tc.width)
		for i := range cols {
			cols[i] = fmt.Sprint("c", i)
		}
		b := mustDialect(t, tc.backend).BulkInsert("t", cols...).MaxRows(tc.maxRows)
		if got := b.RowsPerStatement(); got != tc.want {
			t.Errorf("%s, %d columns, at most %d rows: %d rows a statement, want %d", tc.backend, tc.width, tc.maxRows, got, tc.want)
		}
		if got := strings.Count(b.SQL(b.RowsPerStatement()), "("); got != b.RowsPerStatement()+1 {
			t.Errorf("%s, %d columns: a full statement has %d groups", tc.backend, tc.width, got-1)
		}
	}
}

func TestBulkInsertSQLOutOfRange(t *testing.T) {
	b := mustDialect(t, dialect.SQLite).BulkInsert("t", "a").MaxRows(10)
	for _, n := range []int{0, 11} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SQL(%d) did not panic", n)
				}
			}()
			b.SQL(n)
		}()
	}
}

// statement is one statement a batch ran.
type statement struct {
	query string
	args  []any
}

func TestInsertBatch(t *testing.T) {
	ctx := context.Background()
	d := mustDialect(t, dialect.SQLite)
	var ran []statement
	record := func(_ context.Context, query string, args []any) error {
		ran = append(ran, statement{query, append([]any(nil), args...)})
		return nil
	}
	q := d.BulkInsert("t", "a", "b").MaxRows(2).Batch(record)
	for i := range 5 {
		if err := q.Add(ctx, i, -i); err != nil {
			t.Fatal(err)
		}
	}
	if len(ran) != 2 || q.Written() != 4 {
		t.Fatalf("before Flush: %d statements, %d rows written", len(ran), q.Written())
	}
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q.Flush(ctx); err != nil { // nothing waiting: nothing run
		t.Fatal(err)
	}
	want := []statement{
		{`INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)`, []any{0, 0, 1, -1}},
		{`INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)`, []any{2, -2, 3, -3}},
		{`INSERT INTO "t" ("a", "b") VALUES (?, ?)`, []any{4, -4}},
	}
	if fmt.Sprint(ran) != fmt.Sprint(want) || q.Written() != 5 {
		t.Errorf("ran %v (%d rows), want %v", ran, q.Written(), want)
	}

	// The first error sticks: a wrong row, or a statement that failed.
	q = d.BulkInsert("t", "a", "b").Batch(record)
	if err := q.Add(ctx, 1); err == nil || !strings.Contains(err.Error(), "1 values for a row of 2 columns") {
		t.Errorf("a short row: %v", err)
	}
	if err := q.Add(ctx, 1, 2); err == nil {
		t.Error("a row after an error was taken")
	}
	boom := errors.New("boom")
	ran = nil
	q = d.BulkInsert("t", "a").MaxRows(1).Batch(func(context.Context, string, []any) error { return boom })
	if err := q.Add(ctx, 1); !errors.Is(err, boom) {
		t.Errorf("a failed statement: %v", err)
	}
	if err := q.Flush(ctx); !errors.Is(err, boom) || q.Written() != 0 {
		t.Errorf("after a failed statement: %v, %d written", err, q.Written())
	}
}

// TestMaxParams: MaxParams is the backend's own limit, which BulkInsert's statements reach: a full
// statement of one column is accepted, and one more parameter is refused.
func TestMaxParams(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE one (v INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		b := d.BulkInsert("one", "v")
		if b.RowsPerStatement() != d.MaxParams() {
			t.Fatalf("%d rows a statement, want %d", b.RowsPerStatement(), d.MaxParams())
		}
		run := func(ctx context.Context, query string, args []any) error {
			_, err := db.ExecContext(ctx, query, args...)
			return err
		}
		q := b.Batch(run)
		total := 2*d.MaxParams() + 3
		for i := range total {
			q.Add(ctx, i)
		}
		if err := q.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var n, sum int64
		if err := db.QueryRowContext(ctx, `SELECT count(*), sum(v) FROM one`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n != int64(total) || sum != int64(total)*int64(total-1)/2 || q.Written() != total {
			t.Errorf("%d rows summing to %d (%d written), want %d", n, sum, q.Written(), total)
		}

		over := `INSERT INTO "one" ("v") VALUES (?)` + strings.Repeat(", (?)", d.MaxParams())
		args := make([]any, d.MaxParams()+1)
		for i := range args {
			args[i] = i
		}
		if _, err := db.ExecContext(ctx, d.Rebind(over), args...); err == nil {
			t.Errorf("a statement of %d parameters was accepted: MaxParams is not the backend's limit", len(args))
		}
	})
}
