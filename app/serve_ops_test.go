package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// opsUser is the superuser of preparedDB.
const opsUser = "ops"

// preparedDB returns the address of a fresh database of the backend, migrated, with the small demo
// data and the superuser opsUser, and that user's API key: serve starts on it without seeding.
func preparedDB(t *testing.T, backend dialect.Name) (addr, key string) {
	t.Helper()
	addr = testdb.Address(t, backend)
	db, d, err := dialect.Open(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, d, seed.Small, nil); err != nil {
		t.Fatal(err)
	}
	created, err := createUser(ctx, db, d, newUser{Username: opsUser, Superuser: true})
	if err != nil {
		t.Fatal(err)
	}
	return addr, created.Key
}

// get sends a GET with an Authorization header ("" for none) and an X-Request-Id, and returns the status
// and body.
func get(t *testing.T, url, authorization, requestID string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var metricsURLRe = regexp.MustCompile(`"metrics":"(http://[^"]+)"`)

// TestServeOperations starts `app serve --metrics-addr` and checks what an operator sees: the health
// checks answer without credentials, every request leaves one JSON access-log line, and the metrics
// count the requests by resource, method and status, the processing run, and the database pool.
func TestServeOperations(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr, key := preparedDB(t, backend)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			srv := startServe(t, ctx, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--db", addr)
			m := metricsURLRe.FindStringSubmatch(srv.stderr.String())
			if m == nil {
				t.Fatalf("no metrics address logged:\n%s", srv.stderr.String())
			}
			root := strings.TrimSuffix(srv.url, "/api/v1/")
			bearer := "Bearer " + key
			for _, c := range []struct {
				url, auth, rid string
				status         int
			}{
				{srv.url + "indicator/?limit=2&short_name__startswith=", bearer, "ops-1", 200},
				{srv.url + "indicator/", "", "ops-2", 401},
				{srv.url + "agg_refresh/?campaign_id=1&limit=1", bearer, "ops-3", 200},
				{root + "/healthz", "", "ops-4", 200},
				{root + "/readyz", "", "ops-5", 200},
			} {
				if status, body := get(t, c.url, c.auth, c.rid); status != c.status {
					t.Errorf("GET %s: %d, want %d: %.300s", c.url, status, c.status, body)
				}
			}

			// One access-log line per request, with what the API knew.
			lines := map[string]map[string]any{}
			for _, raw := range strings.Split(srv.stderr.String(), "\n") {
				var line map[string]any
				if json.Unmarshal([]byte(raw), &line) == nil && line["msg"] == "request" {
					if rid, _ := line["request_id"].(string); rid != "" {
						lines[rid] = line
					}
				}
			}
			for rid, want := range map[string]map[string]any{
				"ops-1": {"user": opsUser, "resource": "indicator", "kind": "list", "method": "GET", "path": "/api/v1/indicator/",
					"query": "limit,short_name__startswith", "status": 200.0, "rows": 2.0},
				"ops-2": {"resource": "indicator", "method": "GET", "path": "/api/v1/indicator/", "status": 401.0, "code": "NOT_AUTHENTICATED"},
				"ops-3": {"user": opsUser, "resource": "agg_refresh", "kind": "list", "status": 200.0, "rows": 1.0},
			} {
				line := lines[rid]
				for k, v := range want {
					if line[k] != v {
						t.Errorf("access line %s: %s = %v, want %v: %v", rid, k, line[k], v, line)
					}
				}
			}
			if lines["ops-2"]["user"] != nil {
				t.Errorf("an anonymous request has a user: %v", lines["ops-2"])
			}
			if strings.Contains(srv.stderr.String(), key) {
				t.Error("the log shows the API key")
			}

			status, body := get(t, m[1], "", "scrape")
			if status != 200 {
				t.Fatalf("GET %s: %d", m[1], status)
			}
			for _, want := range []string{
				`tastygo_http_requests_total{method="GET",resource="indicator",status="200"} 1`,
				`tastygo_http_requests_total{method="GET",resource="indicator",status="401"} 1`,
				`tastygo_http_requests_total{method="GET",resource="agg_refresh",status="200"} 1`,
				`tastygo_http_requests_total{method="GET",resource="",status="200"} 2`,
				`tastygo_http_request_duration_seconds_count{method="GET",resource="indicator"} 2`,
				`tastygo_processing_runs_total{outcome="succeeded",resource="agg_refresh"} 1`,
				`go_sql_max_open_connections{db_name="` + string(backend) + `"}`,
				`go_sql_in_use_connections{db_name="` + string(backend) + `"}`,
				"process_resident_memory_bytes",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the metrics lack %q", want)
				}
			}
			cancel()
			if code := <-srv.done; code != 0 {
				t.Errorf("serve exited with %d:\n%s", code, srv.stderr.String())
			}
		})
	}
}
