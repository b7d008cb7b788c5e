package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// runCLI runs a command line on the database addr and returns its status and output.
func runCLI(t *testing.T, addr string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{getenv: func(k string) string {
		if k == pepperEnv {
			return testPepper
		}
		return ""
	}, stdout: &stdout, stderr: &stderr}
	line := append([]string{args[0], "--db", addr}, args[1:]...)
	code := run(context.Background(), line, e)
	return code, stdout.String(), stderr.String()
}

// createclient prints the two lines of ACCOUNTING.md, and the credentials get a token; seed writes the
// small demo data, and refuses a database that has some; migrate lists the migrations; revokeclient
// revokes.
func TestCLI(t *testing.T) {
	for _, b := range testdb.Backends {
		t.Run(string(b), func(t *testing.T) {
			addr := testdb.Address(t, b)
			code, out, errOut := runCLI(t, addr, "seed", "--size", "small")
			if code != 0 || !strings.Contains(out, "with the small demo data") {
				t.Fatalf("seed: %d %s %s", code, out, errOut)
			}
			want := fmt.Sprintf(`(?m)^users: +%d\naccounts: +%d\nuser_accounts: +\d+\njobs: +%d\n`, sizeSmall.users, sizeSmall.accounts, sizeSmall.jobs)
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("seed's counts:\n%s", out)
			}
			if code, _, errOut := runCLI(t, addr, "seed"); code != 1 || !strings.Contains(errOut, "seed fills an empty one") {
				t.Errorf("seed again: %d %s", code, errOut)
			}
			if code, _, errOut := runCLI(t, addr, "seed", "--size", "huge"); code != 2 || !strings.Contains(errOut, "small or large") {
				t.Errorf("seed --size huge: %d %s", code, errOut)
			}
			code, out, errOut = runCLI(t, addr, "migrate")
			if code != 0 || !regexp.MustCompile(`00001_accounting.sql +applied `).MatchString(out) || !strings.Contains(out, "00002_oauth2.go") {
				t.Errorf("migrate: %d %s %s", code, out, errOut)
			}

			code, out, errOut = runCLI(t, addr, "createclient", "--name", "slurm")
			m := regexp.MustCompile(`^client_id: (\S+)\nclient_secret: (\S+)\n$`).FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("createclient: %d %q %s", code, out, errOut)
			}
			if n := countRows(t, addr, "SELECT count(*) FROM oauth2_client WHERE secret_hash LIKE '%"+m[2]+"%'"); n != 0 {
				t.Error("the client secret is stored as it is")
			}
			if code, _, errOut := runCLI(t, addr, "createclient"); code != 2 || !strings.Contains(errOut, "--name is required") {
				t.Errorf("createclient without --name: %d %s", code, errOut)
			}

			// The credentials work against a served database, and stop once revoked.
			db, d, err := dialect.Open(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s := newTestService(t, db, d, false)
			s.token = s.getToken(t, credentials(m[1], m[2]))
			if a := s.get(t, "/accounts/1/"); a.status != 200 {
				t.Fatalf("GET /accounts/1/ with createclient's credentials: %d %s", a.status, a.raw)
			}
			if code, out, errOut := runCLI(t, addr, "revokeclient", m[1]); code != 0 || out != "revoked client "+m[1]+"\n" {
				t.Errorf("revokeclient: %d %s %s", code, out, errOut)
			}
			if a := s.get(t, "/accounts/1/"); a.status != 401 {
				t.Errorf("GET /accounts/1/ after revokeclient: %d %s", a.status, a.raw)
			}
			if code, _, errOut := runCLI(t, addr, "revokeclient", "nope"); code != 1 || !strings.Contains(errOut, "no client has") {
				t.Errorf("revokeclient of an unknown client: %d %s", code, errOut)
			}
		})
	}
}

// serve creates, migrates and seeds a new database, then serves the API and the token endpoint.
func TestServe(t *testing.T) {
	for _, b := range testdb.Backends {
		t.Run(string(b), func(t *testing.T) {
			addr := testdb.Address(t, b)
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan string, 1)
			done := make(chan int, 1)
			var stderr bytes.Buffer
			e := env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: &stderr, ready: ready}
			go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", addr}, e) }()
			var listen string
			select {
			case listen = <-ready:
			case code := <-done:
				t.Fatalf("serve exited %d: %s", code, stderr.String())
			case <-time.After(60 * time.Second):
				t.Fatal("serve did not start")
			}
			resp, err := http.Get("http://" + listen + "/jobs/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("GET /jobs/ without a token: %d", resp.StatusCode)
			}
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
			if n := countRows(t, addr, "SELECT count(*) FROM jobs"); n != int64(sizeSmall.jobs) {
				t.Errorf("serve seeded %d jobs, want %d", n, sizeSmall.jobs)
			}
		})
	}
}

// countRows opens the database at addr and counts.
func countRows(t *testing.T, addr, query string) int64 {
	t.Helper()
	db, _, err := dialect.Open(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
