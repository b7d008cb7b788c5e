package dialect_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

var errMidRows = errors.New("disk I/O error while reading the index list")

// failingIndexList passes everything to SQLite's connection, except that the rows of PRAGMA
// index_list fail after the first.
type failingIndexList struct{ driver.Conn }

func (c failingIndexList) Prepare(query string) (driver.Stmt, error) {
	st, err := c.Conn.Prepare(query)
	if err != nil || !strings.HasPrefix(query, "PRAGMA index_list") {
		return st, err
	}
	return failingStmt{st}, nil
}

type failingStmt struct{ driver.Stmt }

func (s failingStmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 database/sql calls this form on a Stmt without QueryContext, so the wrapper must pass it on
	rows, err := s.Stmt.Query(args)
	if err != nil {
		return nil, err
	}
	return &failingRows{Rows: rows}, nil
}

type failingRows struct {
	driver.Rows
	n int
}

func (r *failingRows) Next(dest []driver.Value) error {
	if r.n++; r.n > 1 {
		return errMidRows
	}
	return r.Rows.Next(dest)
}

// A table description whose catalogue read fails halfway is an error, not a description missing the
// unique indexes it did not read (which would leave conflicts on them unnamed).
func TestDescribeTableReportsAFailedRead(t *testing.T) {
	ctx := context.Background()
	db, d, err := dialect.OpenWrapped(filepath.Join(t.TempDir(), "x.db"), func(c driver.Conn) driver.Conn { return failingIndexList{c} })
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	table, err := d.DescribeTable(ctx, db, "parent")
	if !errors.Is(err, errMidRows) {
		t.Errorf("DescribeTable: %+v, %v; want the read's error", table, err)
	}
}
