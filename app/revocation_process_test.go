package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// revokedBody is the answer to a request with a revoked key, whole: the error shape.
const revokedBody = `{"code": "NOT_AUTHENTICATED", "details": {}, "error": "The API key has been revoked.", "success": false}`

// runAppProcess runs the app with args as a process of its own (the test binary again, as
// startServeProcess does) and returns its standard output; an exit status other than 0 fails the test.
func runAppProcess(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TASTYGO_SERVE_ARGS="+strings.Join(args, "\n"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("app %s: %v\n%s%s", args[0], err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestRevocationAcrossProcesses runs two `app serve` processes over one database, lets each remember
// a user's keys (several requests each), revokes them with `app revokekey` run as a third process, and
// checks that the very next request to each server is a 401 NOT_AUTHENTICATED in the error shape, by
// key and by username, while another user's key keeps working. On PostgreSQL the first server's
// connections (its heartbeat's among them) are killed before the second revocation: it still never
// accepts the revoked key.
func TestRevocationAcrossProcesses(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			ctx := context.Background()
			addr, key := preparedDB(t, backend)
			db, d, err := dialect.Open(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			second, err := createKey(ctx, db, d, auth.Pepper{}, opsUser)
			if err != nil {
				t.Fatal(err)
			}
			other, err := createUser(ctx, db, d, newUser{Username: "keys-other"})
			if err != nil {
				t.Fatal(err)
			}
			firstAddr, appName := addr, "keys_first_"+strconv.FormatInt(time.Now().UnixNano(), 36)
			if backend == dialect.Postgres {
				firstAddr += "&application_name=" + appName
			}
			servers := []*process{
				startServeProcess(t, "serve", "--addr", "127.0.0.1:0", "--db", firstAddr),
				startServeProcess(t, "serve", "--addr", "127.0.0.1:0", "--db", addr),
			}
			const list = "indicator/?limit=1"
			expect := func(what, k string, status int) {
				t.Helper()
				for i, p := range servers {
					got, body := get(t, p.url+list, "Bearer "+k, "")
					if got != status {
						t.Fatalf("%s, server %d: status %d, want %d: %s", what, i+1, got, status, body)
					}
					if status != 401 {
						continue
					}
					if body != revokedBody {
						t.Errorf("%s, server %d: %s, want %s", what, i+1, body, revokedBody)
					}
				}
			}
			for range 3 {
				expect("before", key, 200)
				expect("before, the second key", second, 200)
				expect("before, another user", other.Key, 200)
			}
			keyID, _ := auth.KeyID(key)
			if out := runAppProcess(t, "revokekey", key, "--db", addr); out != "revoked key "+keyID+` of "`+opsUser+`"`+"\n" {
				t.Errorf("revokekey printed %q", out)
			}
			expect("revoked by key, next request", key, 401)
			expect("the user's second key", second, 200)

			if backend == dialect.Postgres {
				var killed int
				if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, appName).Scan(&killed); err != nil {
					t.Fatal(err)
				}
				if killed == 0 {
					t.Fatal("no connection of the first server was found to kill")
				}
			}
			secondID, _ := auth.KeyID(second)
			if out := runAppProcess(t, "revokekey", "--username", opsUser, "--db", addr); out != "revoked 1 key(s) of \""+opsUser+"\": "+secondID+"\n" {
				t.Errorf("revokekey --username printed %q", out)
			}
			expect("revoked by username, next request", second, 401)
			expect("revoked by key, still", key, 401)
			expect("another user", other.Key, 200)
		})
	}
}
