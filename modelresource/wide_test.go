package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// TestArrayPostOfAWideTable: an array POST splits its multi-row INSERTs by the backend's limit of
// bound parameters (SQLite 32,766, PostgreSQL 65,535), not only by a number of rows: 500 objects of
// 140 fields (70,000 values) are written, all of them.
func TestArrayPostOfAWideTable(t *testing.T) {
	const width, objects = 140, 500
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		cols := make([]string, width)
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d INTEGER NOT NULL", i)
		}
		if _, err := db.ExecContext(context.Background(), "CREATE TABLE wide (id INTEGER PRIMARY KEY, "+strings.Join(cols, ", ")+")"); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, db, d, modelresource.New(resource.Meta{ResourceName: "wide", Table: "wide"}))
		items := make([]map[string]any, objects)
		for i := range items {
			items[i] = map[string]any{"id": i + 1}
			for j := range width {
				items[i][fmt.Sprint("c", j)] = i*width + j
			}
		}
		r := c.do("POST", "/api/v1/wide/", items)
		if r.status != 201 {
			t.Fatalf("%d %.300s", r.status, r.raw)
		}
		objs := field(r.body, "objects").([]any)
		if len(objs) != objects || fmt.Sprint(field(objs[objects-1], "c139")) != fmt.Sprint(objects*width-1) {
			t.Fatalf("%d objects; last %v", len(objs), field(objs[len(objs)-1], "c139"))
		}
		// Every value written where it belongs: each row's first value is its own, and all of them sum to
		// 0 + 1 + ... + 69,999.
		if n := c.count("SELECT count(*) FROM wide WHERE c0 = (id - 1) * 140"); n != objects {
			t.Errorf("%d rows with their own values, want %d", n, objects)
		}
		sum := make([]string, width)
		for j := range sum {
			sum[j] = fmt.Sprint("c", j)
		}
		if n, want := c.count("SELECT sum("+strings.Join(sum, " + ")+") FROM wide"), int64(objects*width*(objects*width-1)/2); n != want {
			t.Errorf("sum %d, want %d", n, want)
		}
	})
}
