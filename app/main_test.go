package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// syncBuffer is a bytes.Buffer safe to write from a running command while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runApp runs the command line with the given environment (nothing else of the test process's) and
// returns its exit status and output.
func runApp(ctx context.Context, environ map[string]string, args ...string) (code int, stdout, stderr string) {
	return runAppInput(ctx, environ, "", args...)
}

// runAppInput is runApp with a standard input.
func runAppInput(ctx context.Context, environ map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut syncBuffer
	code = run(ctx, args, env{getenv: func(k string) string { return environ[k] }, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of the expected output ("" for none)
		stderr string
	}{
		{"help", []string{"-h"}, 0, "serve", ""},
		{"help lists every command", []string{"--help"}, 0, "seed", ""},
		{"help word", []string{"help"}, 0, "migrate", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"unknown flag", []string{"migrate", "--nope"}, 2, "", "flag provided but not defined: -nope"},
		{"unknown serve flag", []string{"--port", "80"}, 2, "", "flag provided but not defined: -port"},
		{"stray argument", []string{"migrate", "extra"}, 2, "", `unexpected argument "extra"`},
		{"bad size", []string{"seed", "--size", "huge"}, 2, "", `unknown size "huge"`},
		{"subcommand help", []string{"seed", "-h"}, 0, "", "-size"},
		{"unreachable postgres", []string{"migrate", "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, 1, "", "cannot reach the database"},
		{"serve help names --public-read", []string{"serve", "-h"}, 0, "", "-public-read"},
		{"serve help names --throttle", []string{"serve", "-h"}, 0, "", "-throttle"},
		{"negative throttle", []string{"serve", "--throttle", "-1"}, 2, "", "--throttle must be 0"},
		{"zero drain", []string{"serve", "--drain", "0s"}, 2, "", "--drain must be a positive duration"},
		{"unknown log format", []string{"serve", "--log-format", "xml"}, 2, "", `--log-format must be json or text, not "xml"`},
		{"serve help names --metrics-addr", []string{"serve", "-h"}, 0, "", "-metrics-addr"},
		{"help lists createuser", []string{"help"}, 0, "revokekey", ""},
		{"createuser without username", []string{"createuser"}, 2, "", "--username is required"},
		{"createuser superuser and top location", []string{"createuser", "--username", "x", "--superuser", "--top-location", "AF"}, 2, "", "exclude each other"},
		{"createuser stray argument", []string{"createuser", "--username", "x", "extra"}, 2, "", `unexpected argument "extra"`},
		{"createkey without username", []string{"createkey"}, 2, "", "--username is required"},
		{"revokekey without a key", []string{"revokekey"}, 2, "", "give one key"},
		{"revokekey with a key and a username", []string{"revokekey", "0123456789ab", "--username", "x"}, 2, "", "give one key"},
		{"revokekey with two keys", []string{"revokekey", "0123456789ab", "ba9876543210"}, 2, "", "give one key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // no command here may leave a ./dashboard.db behind
			code, stdout, stderr := runApp(t.Context(), nil, c.args...)
			if code != c.code {
				t.Errorf("exit status %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
			}
			if !strings.Contains(stdout, c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, stdout)
			}
			if !strings.Contains(stderr, c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, stderr)
			}
			if _, err := os.Stat(defaultDB); err == nil {
				t.Errorf("the command created %s", defaultDB)
			}
		})
	}
}

// TestMigrateAndSeed runs `app migrate` and `app seed` on each backend: SQLite through --db and
// PostgreSQL through DATABASE_URL.
func TestMigrateAndSeed(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr := testdb.Address(t, backend)
			var environ map[string]string
			var dbArgs []string
			if backend == dialect.Postgres {
				environ = map[string]string{"DATABASE_URL": addr}
			} else {
				dbArgs = []string{"--db", addr}
			}
			steps := []struct {
				name   string
				args   []string
				code   int
				stdout []string
				stderr []string
			}{
				{"migrate", []string{"migrate"}, 0, []string{"is up to date", "00001_dashboard.sql", "applied"}, nil},
				{"migrate again", []string{"migrate"}, 0, []string{"00001_dashboard.sql", "applied"}, nil},
				{"seed small", []string{"seed", "--size", "small"}, 0,
					[]string{"with the small demo data", "location:                    104", "datapoint:                  5008"},
					[]string{"seeding datapoints: 100% (5008/5008)"}},
				{"seed again", []string{"seed"}, 1, nil, []string{"already has data", "location"}},
			}
			for _, s := range steps {
				code, stdout, stderr := runApp(t.Context(), environ, append(s.args, dbArgs...)...)
				if code != s.code {
					t.Fatalf("%s: exit status %d, want %d\nstdout: %s\nstderr: %s", s.name, code, s.code, stdout, stderr)
				}
				for _, want := range s.stdout {
					if !strings.Contains(stdout, want) {
						t.Errorf("%s: stdout lacks %q:\n%s", s.name, want, stdout)
					}
				}
				for _, want := range s.stderr {
					if !strings.Contains(stderr, want) {
						t.Errorf("%s: stderr lacks %q:\n%s", s.name, want, stderr)
					}
				}
			}
			db, _, err := dialect.Open(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var locations int
			if err := db.QueryRow("SELECT count(*) FROM location").Scan(&locations); err != nil {
				t.Fatal(err)
			}
			if locations != 104 {
				t.Errorf("the database has %d locations after seeding, want 104", locations)
			}
		})
	}
}

// TestDatabaseAddress checks which database a command opens: --db, else DATABASE_URL, else
// ./dashboard.db.
func TestDatabaseAddress(t *testing.T) {
	cases := []struct {
		name      string
		env       string // DATABASE_URL, relative to the working directory
		db        string // --db, "" for none
		wantFile  string
		wantNoEnv bool
	}{
		{"default", "", "", "dashboard.db", false},
		{"DATABASE_URL", "from_env.db", "", "from_env.db", false},
		{"--db wins over DATABASE_URL", "from_env.db", "from_flag.db", "from_flag.db", true},
		{"--db alone", "", "from_flag.db", "from_flag.db", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			environ := map[string]string{}
			if c.env != "" {
				environ["DATABASE_URL"] = c.env
			}
			args := []string{"migrate"}
			if c.db != "" {
				args = append(args, "--db", c.db)
			}
			if code, stdout, stderr := runApp(t.Context(), environ, args...); code != 0 {
				t.Fatalf("exit status %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, c.wantFile)); err != nil {
				t.Errorf("%s was not created: %v", c.wantFile, err)
			}
			if c.wantNoEnv {
				if _, err := os.Stat(filepath.Join(dir, c.env)); err == nil {
					t.Errorf("%s was created although --db was given", c.env)
				}
			}
		})
	}
}

var listeningRe = regexp.MustCompile(`"msg":"listening","url":"(http://[^"]+)"`)

// serving is an app started by startServe.
type serving struct {
	url            string      // the API's root, as it logged it
	stdout, stderr *syncBuffer // what it printed, and its log
	done           chan int    // its exit code, once it stops
}

// startServe runs the app with args until ctx is cancelled and waits until it logs that it is
// listening (a minute at most).
func startServe(t *testing.T, ctx context.Context, args ...string) serving {
	t.Helper()
	return startServeLimits(t, ctx, nil, args...)
}

// startServeLimits is startServe with the server's limits replaced (nil: serve's own).
func startServeLimits(t *testing.T, ctx context.Context, limits *serverLimits, args ...string) serving {
	t.Helper()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr, limits: limits})
	}()
	deadline := time.After(60 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(stderr.String()); m != nil {
			return serving{url: m[1], stdout: &stdout, stderr: &stderr, done: done}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before listening:\n%s", code, stderr.String())
		case <-deadline:
			t.Fatalf("serve did not listen within a minute:\n%s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestServe starts `app serve` on a fresh SQLite file and a free port, checks that it seeded the
// database and answers HTTP, then cancels its context (as SIGINT does) and expects a clean exit.
func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serve.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srv := startServe(t, ctx, "--addr", "127.0.0.1:0", "--db", path)
	url, stdout, stderr, done := srv.url, srv.stdout, srv.stderr, srv.done
	deadline := time.After(60 * time.Second)
	for _, want := range []string{"seeding the demo data", "seeding datapoints: 100% (5008/5008)", `"msg":"seeded"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr.String())
		}
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	// The fresh database got the demo superuser, whose key is printed once with a curl line to paste.
	var key string
	for key == "" {
		select {
		case <-deadline:
			t.Fatalf("serve printed no key:\n%s", stdout.String())
		case <-time.After(20 * time.Millisecond):
		}
		key = keyRe.FindString(stdout.String())
	}
	for _, want := range []string{`API key of "admin"`, "curl -H 'Authorization: Bearer " + key + "' '" + url + "indicator/?limit=2'"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, c := range []struct {
		authorization string
		status        int
	}{{"", http.StatusUnauthorized}, {"Bearer " + key, http.StatusOK}, {"ApiKey admin:" + key, http.StatusOK}} {
		req, _ := http.NewRequest("GET", url+"indicator/?limit=2", nil)
		if c.authorization != "" {
			req.Header.Set("Authorization", c.authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("GET with %q: %d, want %d", c.authorization, resp.StatusCode, c.status)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d after the signal:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of the signal")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("the log lacks the stop:\n%s", stderr.String())
	}

	// A second start finds the data and does not seed again, nor make another key; with --public-read
	// it lets anonymous requests read, not write.
	ctx2, cancel2 := context.WithCancel(t.Context())
	srv2 := startServe(t, ctx2, "serve", "--addr", "127.0.0.1:0", "--db", path, "--public-read")
	url2, stdout2, stderr2, done2 := srv2.url, srv2.stdout, srv2.stderr, srv2.done
	for _, c := range []struct {
		method string
		status int
	}{{"GET", http.StatusOK}, {"POST", http.StatusUnauthorized}} {
		req, _ := http.NewRequest(c.method, url2+"campaign_type/", strings.NewReader(`{"name": "anonymous"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s with --public-read and no credentials: %d, want %d", c.method, resp.StatusCode, c.status)
		}
	}
	cancel2()
	if code := <-done2; code != 0 {
		t.Errorf("the second serve exited with %d:\n%s", code, stderr2.String())
	}
	if strings.Contains(stderr2.String(), "seeding") {
		t.Errorf("the second start seeded again:\n%s", stderr2.String())
	}
	if keyRe.MatchString(stdout2.String()) {
		t.Errorf("the second start printed a key:\n%s", stdout2.String())
	}
}
