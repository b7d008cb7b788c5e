package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestSQLStoreTablesAreTheDashboards checks that the tables auth/sqlstore defines are the dashboard's
// app_user and api_key, column for column (the dashboard's profile column aside), so that the one
// store serves both.
func TestSQLStoreTablesAreTheDashboards(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		up(t, db, d)
		if err := sqlstore.EnsureTables(ctx, db, d, sqlstore.Options{UserTable: "ss_user", KeyTable: "ss_key"}); err != nil {
			t.Fatal(err)
		}
		describe := func(table, users string) []string {
			tbl, err := d.DescribeTable(ctx, db, table)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range tbl.Columns {
				if c.Name == "top_level_location_id" {
					continue
				}
				ref := c.References
				if ref == users {
					ref = "USERS"
				}
				out = append(out, fmt.Sprintf("%s %v null=%v unique=%v max=%d pk=%v ref=%s", c.Name, c.Type, c.Nullable, c.Unique, c.MaxLength, c.PrimaryKey, ref))
			}
			slices.Sort(out)
			return out
		}
		for _, pair := range [][2]string{{"app_user", "ss_user"}, {"api_key", "ss_key"}} {
			dash, store := describe(pair[0], "app_user"), describe(pair[1], "ss_user")
			if !slices.Equal(dash, store) {
				t.Errorf("%s differs from sqlstore's table:\n dashboard %q\n sqlstore  %q", pair[0], dash, store)
			}
		}
	})
}
