package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/pgserver"
	"github.com/tastygo/tastygo/internal/testredis"
	"github.com/tastygo/tastygo/migrations"
)

// TestInstancesOnReplicas runs three `app serve` processes on a PostgreSQL primary with a streaming
// replica made by pg_basebackup -R (a server of the test's own: the shared one is not reconfigured),
// as DATABASE_URL and DATABASE_REPLICA_URLS: a write through one instance is read back at once through
// another (read-your-writes across instances); reads land on the replica (its own statistics count
// them); the replica stopped under load costs no request an error, and reads return to it once it is
// back; /readyz names the replica's state.
func TestInstancesOnReplicas(t *testing.T) {
	primary := pgserver.Start(t)
	addr := primary.URL("postgres")
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
	other, err := createUser(ctx, db, d, newUser{Username: "other", Superuser: true})
	if err != nil {
		t.Fatal(err)
	}
	replica := primary.StartReplica(t)
	rdb, _, err := dialect.Open(replica.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()

	env := []string{replicasEnv + "=" + replica.URL("postgres")}
	var instances []*process
	for i := range 3 {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--db", addr}
		if i == 0 {
			args = append(args, "--metrics-addr", "127.0.0.1:0")
		}
		instances = append(instances, startServeProcessEnv(t, env, args...))
	}
	m := regexp.MustCompile(`"metrics":"(http://[^"]+)"`).FindStringSubmatch(instances[0].stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", instances[0].stderr.String())
	}
	metricsURL := m[1]
	client := &http.Client{Timeout: 30 * time.Second}
	sendAs := func(authorization, method, url, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", authorization)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	send := func(method, url, body string) (int, string) {
		t.Helper()
		return sendAs("ApiKey "+opsUser+":"+created.Key, method, url, body)
	}
	readyz := func(p *process) map[string]any {
		t.Helper()
		status, body := send("GET", strings.TrimSuffix(p.url, "/api/v1/")+"/readyz", "")
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil || status != 200 {
			t.Fatalf("/readyz: %d %s", status, body)
		}
		return m
	}
	for i, p := range instances {
		waitUntil(t, fmt.Sprintf("instance %d to read from the replica", i), func() bool {
			r, _ := readyz(p)["replicas"].(map[string]any)
			return r["replica1"] == "ok"
		})
	}

	// The replica's own count of transactions: each read it serves is one.
	served := func() int64 {
		var n int64
		if err := rdb.QueryRow(`SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database WHERE datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	snapshot := func() { _, _ = rdb.Exec(`SELECT pg_stat_clear_snapshot()`) }

	t.Run("read-your-writes across instances", func(t *testing.T) {
		// With the replica's replay paused, only the primary has the writes: the writer must be sent
		// there by every instance, while another user keeps reading the replica. (Paused for less than
		// the instances' MaxLag, so the replica stays in use.)
		if _, err := rdb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
			t.Fatal(err)
		}
		defer rdb.Exec(`SELECT pg_wal_replay_resume()`)
		for i := range 12 {
			name := fmt.Sprintf("ryw-%d", i)
			status, body := send("POST", instances[i%3].url+"campaign_type/", fmt.Sprintf(`{"name": %q}`, name))
			if status != 201 {
				t.Fatalf("POST through instance %d: %d %s", i%3, status, body)
			}
			var made struct{ ID int64 }
			if err := json.Unmarshal([]byte(body), &made); err != nil || made.ID == 0 {
				t.Fatalf("POST answer: %s", body)
			}
			status, body = send("GET", fmt.Sprintf("%scampaign_type/%d/", instances[(i+1)%3].url, made.ID), "")
			if status != 200 || !strings.Contains(body, name) {
				t.Fatalf("write %d read back through another instance: %d %s", i, status, body)
			}
			status, body = send("GET", instances[(i+2)%3].url+"campaign_type/?name="+name, "")
			if status != 200 || !strings.Contains(body, `"total_count": 1`) {
				t.Fatalf("write %d listed through a third instance: %d %s", i, status, body)
			}
			status, body = sendAs("ApiKey other:"+other.Key, "GET", instances[i%3].url+"campaign_type/?name="+name, "")
			if status != 200 || !strings.Contains(body, `"total_count": 0`) {
				t.Fatalf("write %d listed by another user, on the paused replica: %d %s", i, status, body)
			}
		}
	})

	t.Run("reads land on the replica", func(t *testing.T) {
		snapshot()
		before := served()
		const reads = 60
		for i := range reads {
			if status, body := send("GET", instances[i%3].url+"indicator/?limit=5", ""); status != 200 {
				t.Fatalf("read %d: %d %s", i, status, body)
			}
		}
		// The statistics reach the view within about a second of the transactions.
		waitUntil(t, "the replica to count the reads", func() bool {
			snapshot()
			return served()-before >= reads
		})
		resp, err := http.Get(metricsURL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{`tastygo_replica_healthy{replica="replica1"} 1`, `tastygo_replica_lag_seconds{replica="replica1"}`,
			`tastygo_db_reads_total{role="primary"}`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("the metrics have no %s", want)
			}
		}
		if m := regexp.MustCompile(`tastygo_db_reads_total\{role="replica1"\} (\d+)`).FindStringSubmatch(string(b)); m == nil || m[1] == "0" {
			t.Errorf("reads counted on the replica by instance 0: %v", m)
		}
	})

	t.Run("a processing run triggered through every instance runs once at a time", func(t *testing.T) {
		for round := range 4 {
			var wg sync.WaitGroup
			answers := make([]string, 3)
			for i := range instances {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, body := send("GET", instances[i].url+"agg_refresh/?campaign_id=1&limit=1", "")
					answers[i] = fmt.Sprint(status)
					if status == 409 && !strings.Contains(body, `"code": "RUN_IN_PROGRESS"`) || status != 200 && status != 409 {
						answers[i] += " " + body
					}
				}()
			}
			wg.Wait()
			for i, a := range answers {
				if a != "200" && a != "409" {
					t.Errorf("round %d, instance %d: %s", round, i, a)
				}
			}
		}
		var overlaps int
		if err := db.QueryRow(`SELECT count(*) FROM processing_run a JOIN processing_run b
			ON a.id < b.id AND a.resource = b.resource AND CAST(a.parameters AS TEXT) = CAST(b.parameters AS TEXT)
			WHERE a.resource = 'agg_refresh' AND b.started_at < a.ended_at`).Scan(&overlaps); err != nil {
			t.Fatal(err)
		}
		var runs int
		if err := db.QueryRow(`SELECT count(*) FROM processing_run WHERE resource = 'agg_refresh' AND status = 'succeeded'`).Scan(&runs); err != nil {
			t.Fatal(err)
		}
		if overlaps != 0 || runs < 4 {
			t.Errorf("agg_refresh: %d succeeded runs, %d overlapping pairs; want at least 4 and none", runs, overlaps)
		}
	})

	t.Run("replica stopped under load", func(t *testing.T) {
		var mu sync.Mutex
		failures := map[string]int{}
		total := 0
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					url := instances[(w+i)%3].url + "datapoint/?limit=20"
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "ApiKey "+opsUser+":"+created.Key)
					resp, err := client.Do(req)
					mu.Lock()
					total++
					switch {
					case err != nil:
						failures[err.Error()]++
					default:
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							failures[fmt.Sprintf("%d %s", resp.StatusCode, b)]++
						}
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Second)
		if err := replica.Stop(); err != nil {
			t.Error(err)
		}
		time.Sleep(2 * time.Second)
		for i, p := range instances {
			if r, _ := readyz(p)["replicas"].(map[string]any); r["replica1"] != "unavailable" {
				t.Errorf("instance %d /readyz with the replica stopped: %v", i, r)
			}
		}
		if err := replica.Start(); err != nil {
			t.Error(err)
		}
		time.Sleep(time.Second)
		close(stop)
		wg.Wait()
		if len(failures) > 0 {
			t.Errorf("%d of %d reads failed while the replica stopped and started: %v", sumOf(failures), total, failures)
		}
		for i, p := range instances {
			waitUntil(t, fmt.Sprintf("instance %d to read from the replica again", i), func() bool {
				r, _ := readyz(p)["replicas"].(map[string]any)
				return r["replica1"] == "ok"
			})
		}
		snapshot()
		before := served()
		for i := range 30 {
			if status, body := send("GET", instances[i%3].url+"indicator/?limit=5", ""); status != 200 {
				t.Fatalf("read %d: %d %s", i, status, body)
			}
		}
		waitUntil(t, "the replica to serve reads again", func() bool {
			snapshot()
			return served()-before >= 30
		})
	})
}

func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// waitUntil polls cond every 50ms for up to 30s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSharedThrottleAcrossInstances runs three `app serve` processes on one database with
// --throttle 6 --throttle-redis: a user's requests spread over the three are allowed 6 in all, not 18;
// the rest are 429 THROTTLED with Retry-After; another user still gets through.
func TestSharedThrottleAcrossInstances(t *testing.T) {
	testredis.Client(t) // fails (or skips, with TASTYGO_SKIP_REDIS=1) when Redis does not answer
	addr, key := preparedDB(t, dialect.SQLite)
	ctx := context.Background()
	db, d, err := dialect.Open(addr)
	if err != nil {
		t.Fatal(err)
	}
	other, err := createUser(ctx, db, d, newUser{Username: "other", Superuser: true})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The counts are kept under the database's own prefix (its pepper's fingerprint): a new database
	// each run, so runs never share counts.
	var instances []*process
	for range 3 {
		instances = append(instances, startServeProcessEnv(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", addr,
			"--throttle", "6", "--throttle-redis", testredis.URL()))
	}
	get := func(url, authorization string) (int, http.Header, string) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", authorization)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	allowed, refused := 0, 0
	for i := range 15 {
		status, h, body := get(instances[i%3].url+"campaign_type/", "ApiKey "+opsUser+":"+key)
		switch status {
		case 200:
			allowed++
		case 429:
			refused++
			if h.Get("Retry-After") == "" || !strings.Contains(body, `"code": "THROTTLED"`) || !strings.Contains(body, `"limit": 6`) {
				t.Errorf("a refusal: %v %s", h, body)
			}
		default:
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	if allowed != 6 || refused != 9 {
		t.Errorf("across three instances: %d allowed, %d refused; want 6 and 9", allowed, refused)
	}
	if status, _, body := get(instances[0].url+"campaign_type/", "ApiKey other:"+other.Key); status != 200 {
		t.Errorf("another user: %d %s", status, body)
	}
}

// BenchmarkInstancesOnReplicas measures read throughput (16 clients, GET of a datapoint page of 20,
// newest first, for 5 s each) of one `app serve` on a PostgreSQL primary, then of three instances on
// the primary and a pg_basebackup replica (reads on the replica), on the same machine:
//
//	go test ./app -run '^$' -bench InstancesOnReplicas -benchtime 1x
func BenchmarkInstancesOnReplicas(b *testing.B) {
	primary := pgserver.Start(b)
	addr := primary.URL("postgres")
	db, d, err := dialect.Open(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		b.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, d, seed.Medium, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	created, err := createUser(ctx, db, d, newUser{Username: opsUser, Superuser: true})
	if err != nil {
		b.Fatal(err)
	}
	replica := primary.StartReplica(b)
	const clients, span = 16, 5 * time.Second
	measure := func(urls []string) float64 {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		defer client.CloseIdleConnections()
		var mu sync.Mutex
		var n int
		var failed error
		deadline := time.Now().Add(span)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Now().Before(deadline); i++ {
					req, _ := http.NewRequest("GET", urls[(c+i)%len(urls)]+"datapoint/?limit=20&order_by=-id", nil)
					req.Header.Set("Authorization", "ApiKey "+opsUser+":"+created.Key)
					resp, err := client.Do(req)
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							err = fmt.Errorf("status %d", resp.StatusCode)
						}
					}
					mu.Lock()
					if err != nil {
						failed = err
					} else {
						n++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if failed != nil {
			b.Fatal(failed)
		}
		return float64(n) / span.Seconds()
	}
	for b.Loop() {
		one := startServeProcessEnv(b, nil, "serve", "--addr", "127.0.0.1:0", "--db", addr)
		measure([]string{one.url}) // warm-up
		single := measure([]string{one.url})
		_ = one.cmd.Process.Kill()
		env := []string{replicasEnv + "=" + replica.URL("postgres")}
		var urls []string
		for range 3 {
			urls = append(urls, startServeProcessEnv(b, env, "serve", "--addr", "127.0.0.1:0", "--db", addr).url)
		}
		measure(urls)
		three := measure(urls)
		b.ReportMetric(single, "one-instance-req/s")
		b.ReportMetric(three, "three-instances-req/s")
		b.ReportMetric(three/single, "ratio")
	}
}
