package modelresource_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestZZProf(t *testing.T) {
	build := func(ctx context.Context, db *sql.DB, d dialect.Dialect) error { createFixture(t, db, d); return nil }
	for _, b := range testdb.Backends[:1] {
		var sa, sb time.Duration
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			t.Run("a", func(t *testing.T) {
				db, d := testdb.Open(t, b)
				createFixture(t, db, d)
				newClient(t, db, d).do("GET", "/api/v1/book/", nil)
			})
			t1 := time.Now()
			t.Run("b", func(t *testing.T) {
				db, d := testdb.OpenCopy(t, b, "lib", build)
				newClient(t, db, d).do("GET", "/api/v1/book/", nil)
			})
			t2 := time.Now()
			if i > 0 { sa += t1.Sub(t0); sb += t2.Sub(t1) }
		}
		t.Logf("%s schema %v template %v", b, sa/19, sb/19)
	}
}
