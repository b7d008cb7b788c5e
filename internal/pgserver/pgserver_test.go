package pgserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	_ "github.com/tastygo/tastygo/dialect/postgres"
	"github.com/tastygo/tastygo/internal/pgserver"
)

// TestStopAndStart starts a server, stops it, starts it again, and checks that it answers before the
// stop, refuses while stopped and keeps what was written.
func TestStopAndStart(t *testing.T) {
	s := pgserver.Start(t)
	db, _, err := dialect.Open(s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE TABLE kept (n integer); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err == nil {
		t.Fatal("the stopped server answered a ping")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT n FROM kept").Scan(&n); err != nil || n != 7 {
		t.Fatalf("after the restart: n=%d, err=%v\n%s", n, err, s.Log())
	}
}

// TestReplica makes a streaming replica of a server and checks that it is a hot standby (it answers
// reads and refuses writes), that it receives what the primary writes, and that after being stopped
// while the primary kept writing it catches up by itself once started again.
func TestReplica(t *testing.T) {
	primary := pgserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pdb, _, err := dialect.Open(primary.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	if _, err := pdb.ExecContext(ctx, "CREATE TABLE kept (n integer); INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	replica := primary.StartReplica(t)
	rdb, _, err := dialect.Open(replica.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()

	var inRecovery bool
	if err := rdb.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
		t.Fatalf("the replica: pg_is_in_recovery() = %v, err=%v", inRecovery, err)
	}
	if _, err := rdb.ExecContext(ctx, "INSERT INTO kept VALUES (99)"); err == nil {
		t.Fatal("the replica accepted a write")
	}
	waitForCount := func(want int) {
		t.Helper()
		var n int
		for {
			if err := rdb.QueryRowContext(ctx, "SELECT count(*) FROM kept").Scan(&n); err == nil && n == want {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("the replica has %d rows, want %d\n%s", n, want, replica.Log())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	if _, err := pdb.ExecContext(ctx, "INSERT INTO kept VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	waitForCount(2)

	if err := replica.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pdb.ExecContext(ctx, "INSERT INTO kept SELECT generate_series(3, 100)"); err != nil {
		t.Fatal(err)
	}
	if err := replica.Start(); err != nil {
		t.Fatal(err)
	}
	waitForCount(100)
}
