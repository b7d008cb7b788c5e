package modelresource_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// openWaiting opens a fresh database of the backend; on SQLite with a busy timeout of 100 ms (a second
// writer that met SQLite's lock would fail after it) and the given write wait.
func openWaiting(t *testing.T, backend dialect.Name, wait string) *client {
	t.Helper()
	addr := testdb.Address(t, backend)
	if backend == dialect.SQLite {
		addr += "?_busy_timeout=100&_write_wait=" + wait
	}
	db, d, err := dialect.Open(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	createFixture(t, db, d)
	return newClient(t, db, d)
}

// holdWrite opens a write transaction (it writes a publisher) and keeps it open for hold.
func holdWrite(t *testing.T, c *client, hold time.Duration) (done chan error) {
	t.Helper()
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(c.d.Rebind(`INSERT INTO publisher (id, name) VALUES (?, ?)`), 90, "Held"); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() {
		time.Sleep(hold)
		done <- tx.Commit()
	}()
	return done
}

// While a write transaction runs for much longer than SQLite's busy timeout (a long upload pipeline),
// concurrent writes through the API wait for it and then succeed, on every path (POST, array POST,
// PATCH, PUT, DELETE, PATCH and DELETE by filter); reads do not wait.
func TestWritersWaitForALongTransaction(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			c := openWaiting(t, backend, "20s")
			hold := 1500 * time.Millisecond
			started := time.Now()
			done := holdWrite(t, c, hold)

			// A read answers at once, beside the writer.
			if r := c.do("GET", "/api/v1/book/?order_by=id", nil); r.status != 200 || time.Since(started) > hold/2 {
				t.Errorf("a read during the write: %d after %v", r.status, time.Since(started))
			}
			writes := []struct {
				method, path string
				body         any
				status       int
			}{
				{"POST", "/api/v1/author/", map[string]any{"name": "W1"}, 201},
				{"POST", "/api/v1/author/", []any{map[string]any{"name": "W2"}, map[string]any{"name": "W3"}}, 201},
				{"PATCH", "/api/v1/book/1/", map[string]any{"pages": 600}, 202},
				{"PUT", "/api/v1/publisher/2/", map[string]any{"name": "Penguin Books"}, 200},
				{"DELETE", "/api/v1/book/5/", nil, 204},
				{"PATCH", "/api/v1/book/?author_id=2", map[string]any{"pages": 9}, 202},
				{"DELETE", "/api/v1/book/?id=4", nil, 200},
			}
			var wg sync.WaitGroup
			answers := make([]response, len(writes))
			took := make([]time.Duration, len(writes))
			for i, w := range writes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start := time.Now()
					answers[i] = c.do(w.method, w.path, w.body)
					took[i] = time.Since(start)
				}()
			}
			wg.Wait()
			if err := <-done; err != nil {
				t.Fatalf("the long transaction: %v", err)
			}
			for i, w := range writes {
				if answers[i].status != w.status {
					t.Errorf("%s %s: %d, want %d: %s", w.method, w.path, answers[i].status, w.status, answers[i].raw)
				}
			}
			if backend == dialect.SQLite {
				for i, w := range writes {
					if took[i] < hold/2 {
						t.Errorf("%s %s answered after %v, before the transaction ended", w.method, w.path, took[i])
					}
				}
			}
			got := fmt.Sprint(
				c.count("SELECT count(*) FROM author WHERE name IN ('W1', 'W2', 'W3')"),
				c.count("SELECT count(*) FROM publisher WHERE id = 90 OR name = 'Penguin Books'"),
				c.count("SELECT count(*) FROM book"),
				c.count("SELECT count(*) FROM book WHERE id = 1 AND pages = 600"),
				c.count("SELECT count(*) FROM book WHERE id = 3 AND pages = 9"),
			)
			if got != "3 2 3 1 1" {
				t.Errorf("rows %s, want 3 2 3 1 1", got)
			}
		})
	}
}

// A writer that would wait longer than the database's write wait gets 503 DATABASE_UNAVAILABLE with
// Retry-After, and writes nothing; the API writes again once the transaction ends.
func TestWriterWaitIsBounded(t *testing.T) {
	c := openWaiting(t, dialect.SQLite, "300ms")
	done := holdWrite(t, c, 1500*time.Millisecond)
	start := time.Now()
	r := c.do("POST", "/api/v1/author/", map[string]any{"name": "Late"})
	if took := time.Since(start); took < 250*time.Millisecond || took > 1200*time.Millisecond {
		t.Errorf("answered after %v, want about 300ms", took)
	}
	if r.status != http.StatusServiceUnavailable || field(r.body, "code") != "DATABASE_UNAVAILABLE" || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", r.status, r.header, r.raw)
	}
	if msg := field(r.body, "error"); msg != "The database is busy with other writes; try again shortly." {
		t.Errorf("message %q", msg)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := c.count("SELECT count(*) FROM author WHERE name = 'Late'"); n != 0 {
		t.Errorf("%d rows written by the refused write", n)
	}
	if r := c.do("POST", "/api/v1/author/", map[string]any{"name": "Later"}); r.status != 201 {
		t.Errorf("after the transaction: %d %s", r.status, r.raw)
	}
}

// A bad write wait in the address is refused when the database is opened.
func TestWriteWaitParameter(t *testing.T) {
	for _, bad := range []string{"soon", "0s", "-1s"} {
		if _, _, err := dialect.Open(t.TempDir() + "/x.db?_write_wait=" + bad); err == nil {
			t.Errorf("_write_wait=%s opened", bad)
		}
	}
}
