package modelresource_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// fillBooks adds n books (ids from 1001) to the fixture, for exports larger than any socket buffer.
func fillBooks(t *testing.T, db *sql.DB, d dialect.Dialect, n int) {
	t.Helper()
	stmt := fmt.Sprintf(`INSERT INTO book (id, title, author_id, published, pages, genre, extra, created_at)
		SELECT 1000 + i, 'A rather long book title, number ' || i, 1 + i %% 4, '1900-01-01', i, 'novel', '{}', '2020-01-01T00:00:00.000000Z'
		FROM generate_series(1, %d) AS s(i)`, n)
	if d.Name() == dialect.SQLite {
		stmt = fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d)
			INSERT INTO book (id, title, author_id, published, pages, genre, extra, created_at)
			SELECT 1000 + i, 'A rather long book title, number ' || i, 1 + i %% 4, '1900-01-01', i, 'novel', '{}', '2020-01-01T00:00:00.000000Z' FROM s`, n)
	}
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// smallSendBuffers is a listener whose connections have small kernel send buffers, so that a client
// that does not read stalls the server's writes after little data, as over a slow network.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// exportServer serves the fixture with 50,000 more books and book's Meta.CSVExport on a real server.
func exportServer(t *testing.T, db *sql.DB, d dialect.Dialect, cfg resource.Config, writeTimeout time.Duration) (*client, *httptest.Server) {
	t.Helper()
	c := newFixtureClient(t, db, d, cfg, csvResources(func(m *resource.Meta) { m.CSVExport = true }, nil)...)
	fillBooks(t, db, d, 50000)
	srv := httptest.NewUnstartedServer(c.h)
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Config.WriteTimeout = writeTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return c, srv
}

// dialSmall connects with a 4 KiB receive buffer.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	dialer := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}
	conn, err := dialer.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestStalledExportsDoNotStarveThePool: three times the pool's size of clients ask for the whole CSV
// export and never read. Exports hold at most Config.MaxExports connections (half the pool), the
// ones beyond wait ExportWait and get a 503 SERVER_BUSY, the stalled ones are cut after the per-write
// timeout and give their connection back; meanwhile every other request answers within a second.
// (Before: every pool connection stayed held until the server's 5-minute write timeout.)
func TestStalledExportsDoNotStarveThePool(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		const perWrite = 1500 * time.Millisecond
		c, srv := exportServer(t, db, d, resource.Config{PerWriteTimeout: perWrite, ExportWait: 300 * time.Millisecond}, 0)
		pool := db.Stats().MaxOpenConnections
		maxExports := pool / 2
		stalled := make([]net.Conn, 3*pool)
		for i := range stalled {
			stalled[i] = dialSmall(t, srv.Listener.Addr().String())
			defer stalled[i].Close()
			fmt.Fprintf(stalled[i], "GET /api/v1/book/?format=csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			time.Sleep(5 * time.Millisecond) // a burst of 60 exports at once is a CPU test on 2 cores, not a pool test
		}

		// Another client, throughout: reads, a list, a write; each must answer within a second.
		hc := &http.Client{Timeout: 10 * time.Second}
		var latencies []time.Duration
		mostInUse := 0
		requests := []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/book/1/", ""},
			{http.MethodGet, "/api/v1/author/?order_by=name&limit=2", ""},
			{http.MethodPatch, "/api/v1/author/2/", `{"bio": "busy"}`},
			{http.MethodGet, "/api/v1/book/?format=csv&limit=3", ""},
		}
		for start, i := time.Now(), 0; time.Since(start) < 2*perWrite; i++ {
			mostInUse = max(mostInUse, db.Stats().InUse)
			rq := requests[i%len(requests)]
			req, _ := http.NewRequest(rq.method, srv.URL+rq.path, strings.NewReader(rq.body))
			req.Header.Set("Content-Type", "application/json")
			began := time.Now()
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", rq.method, rq.path, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			took := time.Since(began)
			latencies = append(latencies, took)
			if resp.StatusCode >= 300 || took > time.Second {
				t.Errorf("%s %s: %d in %v", rq.method, rq.path, resp.StatusCode, took)
			}
			time.Sleep(20 * time.Millisecond)
		}
		slices.Sort(latencies)
		t.Logf("%d stalled exports (pool %d, at most %d exporting): %d other requests, median %v, max %v; at most %d connections in use",
			len(stalled), pool, maxExports, len(latencies), latencies[len(latencies)/2], latencies[len(latencies)-1], mostInUse)
		if mostInUse > maxExports+1 {
			t.Errorf("%d connections in use at once; exports may hold %d", mostInUse, maxExports)
		}

		// The stalled exports are cut and their connections back in the pool.
		for deadline := time.Now().Add(5 * time.Second); db.Stats().InUse > 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d connections still in use", db.Stats().InUse)
			}
		}
		// What each stalled client got: a 503 in the error shape, or a CSV export cut short.
		var busy, cut int
		for _, conn := range stalled {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(conn)
			if err != nil {
				t.Fatalf("reading a stalled answer: %v", err)
			}
			head, body, _ := bytes.Cut(got, []byte("\r\n\r\n"))
			switch {
			case bytes.HasPrefix(head, []byte("HTTP/1.1 503 ")):
				busy++
				if !bytes.Contains(head, []byte("Retry-After: 1")) || !bytes.Contains(body, []byte(`"code": "SERVER_BUSY"`)) ||
					!bytes.Contains(body, []byte(fmt.Sprintf(`"max_exports": %d`, maxExports))) {
					t.Errorf("a refused export: %s", got)
				}
			case bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")):
				cut++
				if bytes.HasSuffix(body, []byte("0\r\n\r\n")) {
					t.Errorf("a stalled export of %d bytes ended as if whole", len(body))
				}
			default:
				t.Errorf("a stalled client got %.200q", got)
			}
		}
		t.Logf("stalled clients: %d exports cut, %d refused with 503", cut, busy)
		// (A slot freed by a cut export may go to a late request: the bound is on exports at once.)
		if cut < maxExports || busy == 0 {
			t.Errorf("%d cut, %d refused; want at least %d cut and the others refused", cut, busy, maxExports)
		}
		// And the API serves on.
		if r := c.do(http.MethodGet, "/api/v1/book/1/", nil); r.status != http.StatusOK {
			t.Errorf("after: %d", r.status)
		}
	})
}

// TestSlowReaderGetsTheWholeExport: a client that reads slowly but steadily gets the whole export of
// 50,000 rows although it takes longer than the per-write timeout and the server's WriteTimeout.
func TestSlowReaderGetsTheWholeExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		c, srv := exportServer(t, db, d, resource.Config{PerWriteTimeout: 500 * time.Millisecond}, time.Second)
		_, _, want := getCSV(t, c.h, http.MethodGet, "/api/v1/book/?format=csv", "")
		conn := dialSmall(t, srv.Listener.Addr().String())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
		fmt.Fprintf(conn, "GET /api/v1/book/?format=csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		start := time.Now()
		resp, err := http.ReadResponse(bufio.NewReader(&slowReader{r: conn, start: time.Now()}), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		took := time.Since(start)
		if err != nil || resp.StatusCode != http.StatusOK || string(got) != want {
			t.Fatalf("status %d, %d of %d bytes, %v", resp.StatusCode, len(got), len(want), err)
		}
		t.Logf("%d bytes read slowly in %v", len(got), took)
		if took < 2*time.Second {
			t.Errorf("the export took %v: not slow enough to show anything", took)
		}
	})
}

// slowReader reads at about 2 MB/s, whatever the size of the reads asked.
type slowReader struct {
	r     io.Reader
	start time.Time
	read  int
}

func (s *slowReader) Read(p []byte) (int, error) {
	const bytesPerSecond = 2 << 20
	time.Sleep(time.Until(s.start.Add(time.Duration(s.read) * time.Second / bytesPerSecond)))
	n, err := s.r.Read(p[:min(len(p), 16<<10)])
	s.read += n
	return n, err
}
