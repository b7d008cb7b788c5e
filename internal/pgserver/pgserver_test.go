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
