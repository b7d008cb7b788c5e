package resource

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWriteDeadlines: a client that stops reading is cut after the timeout, one connection serves
// again after the deadline of its previous answer has passed, and http.ResponseController reaches the
// connection through the wrapper.
func TestWriteDeadlines(t *testing.T) {
	const timeout = 300 * time.Millisecond
	written := make(chan error, 1)
	srv := httptest.NewServer(WriteDeadlines(timeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flood" {
			chunk := make([]byte, 64<<10)
			var err error
			for i := 0; i < 1024 && err == nil; i++ { // 64 MiB, far more than the sockets hold
				_, err = w.Write(chunk)
			}
			written <- err
			return
		}
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the wrapper: %v", err)
		}
		fmt.Fprint(w, "ok")
	})))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	in := bufio.NewReader(conn)
	for i := range 2 {
		fmt.Fprint(conn, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(in, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
		time.Sleep(2 * timeout) // the first answer's deadline passes on the idle connection
	}

	stalled, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	fmt.Fprint(stalled, "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-written:
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("the write to a client that does not read ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write to a client that does not read is still blocked")
	}
}
