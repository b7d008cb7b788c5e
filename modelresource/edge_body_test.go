package modelresource_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// allocated runs fn and returns how many bytes the process allocated meanwhile: an upper bound of the
// heap fn's requests needed at their peak.
func allocated(fn func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHugeBodiesStayBounded: a 10 MB body of empty objects (which once took the process from 35 MB to
// 1.13 GB) is refused with a 413 after 10,000 objects, allocating little, alone or four at once; a
// bulk PATCH of as many objects is refused by the values cap before anything is decoded; 100,000
// levels of nesting are a 400 at once; and nothing is written.
func TestHugeBodiesStayBounded(t *testing.T) {
	const tenMB = 10 << 20
	emptyObjects := "[" + strings.Repeat("{},", tenMB/3-1) + "{}]"
	bulk := `{"objects": [` + strings.Repeat("{},", tenMB/3-6) + "{}]}" // just under 10 MB
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	const bound = 100 << 20
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{})
		before := c.snapshot()
		post := func(method, body string) response {
			req := httptest.NewRequest(method, "/api/v1/publisher/", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return c.serve(req)
		}
		var r response
		n := allocated(func() { r = post(http.MethodPost, emptyObjects) })
		wantError(t, r, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", `{"max_objects": 10000}`)
		t.Logf("a 10 MB POST of empty objects allocated %.1f MB", float64(n)/(1<<20))
		if n > bound {
			t.Errorf("a 10 MB POST of empty objects allocated %d MB", n>>20)
		}

		var wg sync.WaitGroup
		answers := make([]response, 4)
		n = allocated(func() {
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = post(http.MethodPost, emptyObjects)
				}()
			}
			wg.Wait()
		})
		for _, r := range answers {
			wantError(t, r, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", `{"max_objects": 10000}`)
		}
		t.Logf("four at once allocated %.1f MB", float64(n)/(1<<20))
		if n > bound {
			t.Errorf("four 10 MB POSTs at once allocated %d MB", n>>20)
		}

		n = allocated(func() { r = post(http.MethodPatch, bulk) })
		wantError(t, r, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", `{"max_values": 500000}`)
		t.Logf("a 10 MB bulk PATCH of empty objects allocated %.1f MB", float64(n)/(1<<20))
		if n > bound {
			t.Errorf("a 10 MB bulk PATCH allocated %d MB", n>>20)
		}

		start := time.Now()
		r = post(http.MethodPost, deep)
		wantError(t, r, http.StatusBadRequest, "MALFORMED_BODY", `{"max_depth": 100}`)
		if took := time.Since(start); took > time.Second {
			t.Errorf("100,000 levels took %v", took)
		}
		if after := c.snapshot(); after != before {
			t.Fatalf("the database changed")
		}
	})
}

// TestObjectsPerWriteCap: Config.MaxBodyObjects (and Meta.MaxBodyObjects over it) caps an array POST
// and a bulk PATCH's objects and deleted_objects together; a write within the cap is done.
func TestObjectsPerWriteCap(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		rs := fixtureResources()
		rs[0].Meta().MaxBodyObjects = 4 // publisher
		c := newFixtureClient(t, db, d, resource.Config{MaxBodyObjects: 2}, rs...)
		before := c.snapshot()
		for _, tc := range []struct{ method, path, body, details string }{
			{http.MethodPost, "/api/v1/author/", `[{"name": "a"}, {"name": "b"}, {"name": "c"}]`, `{"max_objects": 2}`},
			{http.MethodPatch, "/api/v1/author/", `{"objects": [{"name": "a"}, {"name": "b"}], "deleted_objects": ["/api/v1/author/4/"]}`, `{"max_objects": 2}`},
			{http.MethodPost, "/api/v1/publisher/", `[{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}, {"name": "e"}]`, `{"max_objects": 4}`},
		} {
			wantError(t, c.send(tc.method, tc.path, tc.body, nil), http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", tc.details)
		}
		if after := c.snapshot(); after != before {
			t.Fatalf("the database changed")
		}
		if r := c.send(http.MethodPost, "/api/v1/author/", `[{"name": "a"}, {"name": "b"}]`, nil); r.status != http.StatusCreated {
			t.Errorf("2 authors: %d %s", r.status, r.raw)
		}
		if r := c.send(http.MethodPost, "/api/v1/publisher/", `[{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]`, nil); r.status != http.StatusCreated {
			t.Errorf("4 publishers: %d %s", r.status, r.raw)
		}
		c.counts(6, 6, 5)
	})
}

// TestBodyReadErrorShowsNoAddress: a body the server cannot finish reading (here its ReadTimeout
// fires) is a 400 that names the problem and nothing of the server.
func TestBodyReadErrorShowsNoAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c := newFixtureClient(t, db, d, resource.Config{})
		srv := httptest.NewUnstartedServer(c.h)
		srv.Config.ReadTimeout = 300 * time.Millisecond
		srv.Start()
		defer srv.Close()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "POST /api/v1/author/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\": ")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body),
			`"error": "The request body could not be read: the connection failed or the body ended early."`) ||
			strings.Contains(string(body), "127.0.0.1") || strings.Contains(string(body), "tcp") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		c.counts(2, 4, 5)
	})
}
