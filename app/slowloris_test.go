package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tastygo/tastygo/internal/testdb"
)

// TestSlowloris opens connections that send their headers a byte every 100 ms, as a slowloris attack
// does, against serve with a 1-second header timeout, while clients send ordinary requests: each slow
// connection is closed about a second after it opened, and every ordinary request is served, promptly.
// Headers beyond 64 KB are refused with 431 without reaching the API.
func TestSlowloris(t *testing.T) {
	const (
		slow       = 40
		readHeader = time.Second
	)
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr, key := preparedDB(t, backend)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			limits := &serverLimits{readHeader: readHeader, read: 5 * time.Second, idle: 5 * time.Second, maxHeaderBytes: 64 << 10}
			srv := startServeLimits(t, ctx, limits, "serve", "--addr", "127.0.0.1:0", "--db", addr)
			u, _ := url.Parse(srv.url)

			// The slow connections: each reports how long the server let it live.
			lived := make(chan time.Duration, slow)
			for range slow {
				go func() {
					conn, err := net.Dial("tcp", u.Host)
					if err != nil {
						lived <- -1
						return
					}
					defer conn.Close()
					start := time.Now()
					if _, err := io.WriteString(conn, "GET /api/v1/indicator/ HTTP/1.1\r\nHost: x\r\n"); err != nil {
						lived <- -1
						return
					}
					stop := time.After(10 * readHeader)
					for {
						select {
						case <-stop:
							lived <- time.Since(start) // never closed
							return
						case <-time.After(100 * time.Millisecond):
						}
						// A write to a closed connection can still succeed once; the read that follows tells.
						if _, err := conn.Write([]byte("X")); err != nil {
							lived <- time.Since(start)
							return
						}
						conn.SetReadDeadline(time.Now().Add(time.Millisecond))
						if _, err := conn.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
							lived <- time.Since(start)
							return
						}
					}
				}()
			}

			// The ordinary clients, until every slow connection has ended.
			var served, failed atomic.Int64
			var slowest atomic.Int64
			done := make(chan struct{})
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-done:
							return
						default:
						}
						start := time.Now()
						req, _ := http.NewRequest("GET", srv.url+"indicator/?limit=5", nil)
						req.Header.Set("Authorization", "Bearer "+key)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							failed.Add(1)
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							failed.Add(1)
							continue
						}
						served.Add(1)
						if d := int64(time.Since(start)); d > slowest.Load() {
							slowest.Store(d)
						}
					}
				}()
			}
			var shortest, longest time.Duration
			for i := range slow {
				d := <-lived
				if d < 0 {
					t.Fatal("a slow connection could not start")
				}
				if i == 0 || d < shortest {
					shortest = d
				}
				longest = max(longest, d)
			}
			close(done)
			wg.Wait()
			t.Logf("%s: %d slowloris connections closed after %v to %v (header timeout %v); %d requests served meanwhile, %d failed, the slowest in %v",
				backend, slow, shortest.Round(time.Millisecond), longest.Round(time.Millisecond), readHeader, served.Load(), failed.Load(),
				time.Duration(slowest.Load()).Round(time.Millisecond))
			if shortest < readHeader-100*time.Millisecond || longest > readHeader+2*time.Second {
				t.Errorf("slow connections lived %v to %v, want about %v", shortest, longest, readHeader)
			}
			if served.Load() == 0 || failed.Load() != 0 {
				t.Errorf("%d requests served, %d failed during the attack", served.Load(), failed.Load())
			}
			if time.Duration(slowest.Load()) > 3*readHeader { // a loose bound: the machine may be busy
				t.Errorf("the slowest request took %v", time.Duration(slowest.Load()))
			}

			// Headers beyond MaxHeaderBytes (plus net/http's 4 KB of slack) are a 431, a long URL included.
			for what, mutate := range map[string]func(*http.Request){
				"a 100 KB header": func(r *http.Request) { r.Header.Set("X-Big", strings.Repeat("b", 100<<10)) },
				"a 100 KB URL":    func(r *http.Request) { r.URL.RawQuery = "name=" + strings.Repeat("u", 100<<10) },
			} {
				req, _ := http.NewRequest("GET", srv.url+"indicator/", nil)
				mutate(req)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
					t.Errorf("%s: %d, want 431", what, resp.StatusCode)
				}
			}
			cancel()
			if code := <-srv.done; code != 0 {
				t.Errorf("serve exited with %d", code)
			}
		})
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
