package modelresource_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

type panicky struct{ *modelresource.Resource }

func (panicky) Dehydrate(ctx context.Context, b *resource.Bundle, obj *resource.Object, next resource.DehydrateFunc) error {
	if title, _ := obj.Get("title"); title == "Nana" {
		panic("dehydrate exploded")
	}
	return next(ctx, b, obj)
}

// A panic in a step is a 500 whose body and log carry the same request id, and the server goes on.
func TestPanicIsA500WithRequestID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		var logs bytes.Buffer
		rs := withBooks(panicky{modelresource.New(bookMeta())})
		api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}, rs...)
		if err != nil {
			t.Fatal(err)
		}
		c := &client{t: t, h: api, db: db, d: d, api: api}
		r := c.do("GET", "/api/v1/book/2/", nil)
		rid := r.header.Get("X-Request-Id")
		if r.status != 500 || field(r.body, "code") != "INTERNAL_ERROR" || field(r.body, "details", "request_id") != rid || rid == "" {
			t.Fatalf("got %d %s (request id %q)", r.status, r.raw, rid)
		}
		if strings.Contains(r.raw, "exploded") || strings.Contains(r.raw, "goroutine") {
			t.Errorf("the body leaks the panic: %s", r.raw)
		}
		if !strings.Contains(logs.String(), rid) || !strings.Contains(logs.String(), "dehydrate exploded") || !strings.Contains(logs.String(), "stack") {
			t.Errorf("the log lacks the request id, the panic or the stack: %s", logs.String())
		}
		if r := c.do("GET", "/api/v1/book/1/", nil); r.status != 200 {
			t.Errorf("after the panic: %d %s", r.status, r.raw)
		}
	})
}

// proxy forwards TCP connections to a target and can be stopped and started again on the same port:
// the database "goes away" and "comes back" without touching the server.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func (p *proxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// PostgreSQL going away is a 503 DATABASE_UNAVAILABLE with Retry-After; when it is back, the same
// server answers again without a restart.
func TestPostgresUnavailableIs503AndRecovers(t *testing.T) {
	addr := testdb.Address(t, dialect.Postgres)
	direct, d, err := dialect.Open(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	createFixture(t, direct, d)

	u, _ := url.Parse(addr)
	p := &proxy{t: t, addr: "127.0.0.1:0", target: u.Host}
	p.start()
	defer p.stop()
	u.Host = p.addr
	db, _, err := dialect.Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newClient(t, db, d)

	if r := c.do("GET", "/api/v1/book/", nil); r.status != 200 {
		t.Fatalf("before: %d %s", r.status, r.raw)
	}
	p.stop()
	for i := 0; i < 3; i++ { // the dead pooled connection, then refused new ones
		r := c.do("GET", "/api/v1/book/", nil)
		if r.status != 503 || field(r.body, "code") != "DATABASE_UNAVAILABLE" || r.header.Get("Retry-After") == "" {
			t.Fatalf("while down (try %d): %d %s", i, r.status, r.raw)
		}
	}
	if r := c.do("POST", "/api/v1/publisher/", map[string]any{"name": "Down"}); r.status != 503 {
		t.Fatalf("write while down: %d %s", r.status, r.raw)
	}
	p.start()
	if r := c.do("GET", "/api/v1/book/", nil); r.status != 200 {
		t.Fatalf("after: %d %s", r.status, r.raw)
	}
	if n := c.count("SELECT count(*) FROM publisher WHERE name = 'Down'"); n != 0 {
		t.Errorf("the write made while down landed")
	}
}

// A SQLite database locked by another writer past the busy timeout is a 503 too, and the next write
// after the lock is released succeeds.
func TestSQLiteLockedIs503AndRecovers(t *testing.T) {
	path := testdb.Address(t, dialect.SQLite)
	db, d, err := dialect.Open(path + "?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	createFixture(t, db, d)
	c := newClient(t, db, d)

	other, _, err := dialect.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(context.Background(), nil) // immediate: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("UPDATE publisher SET country = 'XX' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	r := c.do("POST", "/api/v1/publisher/", map[string]any{"name": "Locked"})
	if r.status != 503 || field(r.body, "code") != "DATABASE_UNAVAILABLE" {
		t.Fatalf("while locked: %d %s", r.status, r.raw)
	}
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		t.Fatal(err)
	}
	if r := c.do("POST", "/api/v1/publisher/", map[string]any{"name": "Unlocked"}); r.status != 201 {
		t.Fatalf("after: %d %s", r.status, r.raw)
	}
	if n := c.count("SELECT count(*) FROM publisher WHERE name IN ('Locked', 'Unlocked')"); n != 1 {
		t.Errorf("%d rows, want only the write made after the lock", n)
	}
}
