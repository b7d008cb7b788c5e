package migrations_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// TestPending checks that Pending names every migration of an empty database, none once Up has run,
// and the newest again once its version is removed from goose's table, as a database restored from
// an older backup would be.
func TestPending(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		all, err := migrations.Status(ctx, db, d)
		if err != nil {
			t.Fatal(err)
		}
		names := func(ms []migrations.Migration) []string {
			out := []string{}
			for _, m := range ms {
				out = append(out, m.Name)
			}
			return out
		}
		pending, err := migrations.Pending(ctx, db, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := names(pending), names(all); len(want) < 4 || !reflect.DeepEqual(got, want) {
			t.Errorf("pending on an empty database: %q, want %q", got, want)
		}
		if err := migrations.Up(ctx, db, d); err != nil {
			t.Fatal(err)
		}
		if pending, err = migrations.Pending(ctx, db, d); err != nil || len(pending) != 0 {
			t.Errorf("pending after Up: %q, %v", names(pending), err)
		}
		newest := all[len(all)-1]
		if _, err := db.Exec(d.Rebind("DELETE FROM goose_db_version WHERE version_id = ?"), newest.Version); err != nil {
			t.Fatal(err)
		}
		if pending, err = migrations.Pending(ctx, db, d); err != nil || !reflect.DeepEqual(names(pending), []string{newest.Name}) {
			t.Errorf("pending with the newest version removed: %q, %v; want %q", names(pending), err, newest.Name)
		}
	})
}
