package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestServeProcess is not a test of its own: TestGracefulShutdown runs the test binary again with
// TASTYGO_SERVE_ARGS set, and then this runs the app's main with those arguments, as a process that
// can be sent signals.
func TestServeProcess(t *testing.T) {
	args := os.Getenv("TASTYGO_SERVE_ARGS")
	if args == "" {
		t.Skip("run by TestGracefulShutdown as a process of its own")
	}
	os.Args = append([]string{"app"}, strings.Split(args, "\n")...)
	main()
}

// process is `app serve` running as a process of its own.
type process struct {
	cmd            *exec.Cmd
	url            string
	stdout, stderr *syncBuffer
	exited         chan int // its exit status
}

// startServeProcess starts the app with args as a process and waits until it listens.
func startServeProcess(t testing.TB, args ...string) *process {
	t.Helper()
	return startServeProcessEnv(t, nil, args...)
}

// startServeProcessEnv is startServeProcess with more environment variables ("NAME=value").
func startServeProcessEnv(t testing.TB, env []string, args ...string) *process {
	t.Helper()
	p := &process{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan int, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestServeProcess$", "-test.count=1")
	p.cmd.Env = append(append(os.Environ(), env...), "TASTYGO_SERVE_ARGS="+strings.Join(args, "\n"))
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		var exit *exec.ExitError
		switch {
		case err == nil:
			p.exited <- 0
		case errors.As(err, &exit):
			p.exited <- exit.ExitCode()
		default:
			p.exited <- -1
		}
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	deadline := time.After(60 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(p.stderr.String()); m != nil {
			p.url = m[1]
			return p
		}
		select {
		case code := <-p.exited:
			t.Fatalf("serve exited with %d before listening:\n%s", code, p.stderr.String())
		case <-deadline:
			t.Fatalf("serve did not listen within a minute:\n%s", p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitExit returns the process's exit status, failing the test when it does not exit within limit.
func (p *process) waitExit(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case code := <-p.exited:
		return code
	case <-time.After(limit):
		t.Fatalf("serve did not exit within %v:\n%s", limit, p.stderr.String())
		return -1
	}
}

// shutdownOutcome is one request of the load: when it started, and its status or error.
type shutdownOutcome struct {
	what   string
	start  time.Time
	status int
	err    error
	want   int
}

// trickle is a request body sent a piece at a time, over about d.
type trickle struct {
	body   string
	pieces int
	d      time.Duration
	sent   int
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.sent >= len(r.body) {
		return 0, io.EOF
	}
	if r.sent > 0 {
		time.Sleep(r.d / time.Duration(r.pieces))
	}
	n := min(len(p), max(1, len(r.body)/r.pieces), len(r.body)-r.sent)
	copy(p, r.body[r.sent:r.sent+n])
	r.sent += n
	return n, nil
}

// TestGracefulShutdown runs `app serve` as a process under concurrent load (reads, writes, processing
// runs, and a write whose body arrives slowly across the signal), sends it SIGTERM, and counts the
// requests that started before the signal: none failed, every acknowledged write is in the database,
// and the process exits 0. With a drain shorter than a request in flight, it exits non-zero and logs
// that the drain timed out.
func TestGracefulShutdown(t *testing.T) {
	// Requests that start this close to the signal may meet the closed listener or a keep-alive
	// connection closed as idle before they reached the server; they are counted apart.
	const boundary = 20 * time.Millisecond
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr, key := preparedDB(t, backend)
			p := startServeProcess(t, "serve", "--addr", "127.0.0.1:0", "--db", addr, "--drain", "20s")
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			defer client.CloseIdleConnections()
			send := func(what, method, url string, body io.Reader, want int) shutdownOutcome {
				o := shutdownOutcome{what: what, start: time.Now(), want: want}
				req, _ := http.NewRequest(method, url, body)
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					o.err = err
					return o
				}
				_, o.err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				o.status = resp.StatusCode
				return o
			}

			var mu sync.Mutex
			var results []shutdownOutcome
			var signalled time.Time
			record := func(o shutdownOutcome) (stop bool) {
				mu.Lock()
				defer mu.Unlock()
				results = append(results, o)
				return !signalled.IsZero() && o.start.After(signalled) && o.err != nil
			}
			var wg sync.WaitGroup
			for w := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						var o shutdownOutcome
						switch {
						case i%3 == 0, i%3 == 2 && w >= 4: // the small data has 4 campaigns: one worker runs each

							o = send("list", "GET", p.url+"datapoint/?limit=50", nil, 200)
						case i%3 == 1:
							o = send("write", "POST", p.url+"campaign_type/", strings.NewReader(fmt.Sprintf(`{"name": "drain-%d-%d"}`, w, i)), 201)
						default:
							o = send("run", "GET", p.url+fmt.Sprintf("agg_refresh/?campaign_id=%d&limit=1", w+1), nil, 200)
						}
						if record(o) || time.Since(o.start) > time.Minute {
							return
						}
					}
				}()
			}
			// A write whose body takes 1.5 s to arrive, well under way at the signal.
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(500 * time.Millisecond)
				record(send("slow write", "POST", p.url+"campaign_type/", &trickle{body: `{"name": "drain-slow"}`, pieces: 15, d: 1500 * time.Millisecond}, 201))
			}()

			time.Sleep(1500 * time.Millisecond)
			mu.Lock()
			signalled = time.Now()
			mu.Unlock()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			code := p.waitExit(t, 30*time.Second)
			wg.Wait()

			before, failedBefore, inBoundary, failedInBoundary, after, acknowledged := 0, 0, 0, 0, 0, 0
			for _, o := range results {
				ok := o.err == nil && o.status == o.want
				switch {
				case o.start.Before(signalled.Add(-boundary)):
					before++
					if !ok {
						failedBefore++
						t.Errorf("a %s that started %v before the signal failed: status %d, %v", o.what, signalled.Sub(o.start), o.status, o.err)
					}
				case o.start.Before(signalled):
					inBoundary++
					if !ok {
						failedInBoundary++
						t.Logf("a %s that started %v before the signal failed: status %d, %v", o.what, signalled.Sub(o.start), o.status, o.err)
					}
				default:
					after++
				}
				if ok && o.what == "write" {
					acknowledged++
				}
			}
			t.Logf("%s: %d requests started before the signal, %d failed; %d in the last %v before it, %d failed; %d after it",
				backend, before, failedBefore, inBoundary, boundary, failedInBoundary, after)
			if code != 0 {
				t.Errorf("serve exited with %d after SIGTERM:\n%s", code, p.stderr.String())
			}
			for _, want := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
				if !strings.Contains(p.stderr.String(), want) {
					t.Errorf("the log lacks %s", want)
				}
			}

			// Every acknowledged write is in the database: the workers' and the slow one.
			db, _, err := dialect.Open(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow("SELECT count(*) FROM campaign_type WHERE name LIKE 'drain-%'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			slowOK := 0
			for _, o := range results {
				if o.what == "slow write" && o.err == nil && o.status == 201 {
					slowOK = 1
				}
			}
			if slowOK != 1 || n < acknowledged+slowOK {
				t.Errorf("the slow write: %v; %d drain rows for %d acknowledged writes", slowOK == 1, n, acknowledged+slowOK)
			}

			// A drain shorter than the request in flight: cut, logged, non-zero.
			p = startServeProcess(t, "serve", "--addr", "127.0.0.1:0", "--db", addr, "--drain", "300ms")
			cut := make(chan shutdownOutcome, 1)
			go func() {
				cut <- send("cut write", "POST", p.url+"campaign_type/", &trickle{body: `{"name": "cut-by-the-drain"}`, pieces: 30, d: 3 * time.Second}, 201)
			}()
			time.Sleep(500 * time.Millisecond)
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := p.waitExit(t, 10*time.Second); code == 0 {
				t.Errorf("serve exited 0 although the drain timed out:\n%s", p.stderr.String())
			}
			for _, want := range []string{`"msg":"drain timed out","drain":"300ms","requests_cut":1`, "the drain timed out: requests still in flight were cut"} {
				if !strings.Contains(p.stderr.String(), want) {
					t.Errorf("the log lacks %q:\n%s", want, p.stderr.String())
				}
			}
			if o := <-cut; o.err == nil {
				t.Errorf("the write cut by the drain was answered %d", o.status)
			}
			if err := db.QueryRow("SELECT count(*) FROM campaign_type WHERE name = 'cut-by-the-drain'").Scan(&n); err != nil || n != 0 {
				t.Errorf("the cut write left %d rows (%v)", n, err)
			}
		})
	}
}
