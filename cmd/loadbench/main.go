// Command loadbench is issue 15's load benchmark: it measures the dashboard (`app serve`) beside a
// plain database/sql + net/http handler serving the same queries and envelope (internal/handwritten)
// under HTTP load with wrk, on the same large data, in one run, and prints the ratio of their
// throughputs for each endpoint.
//
// Usage (from anywhere in the repository; wrk is the Debian package of that name):
//
//	go run ./cmd/loadbench [-backend sqlite|postgres] [-duration 5s] [-pairs 2] [-threads 2] [-connections 32]
//
// It builds the app, seeds the large demo data once (`app seed --size large`; a SQLite file, or the
// database tastygo_loadbench on the PostgreSQL server of -pg, kept under -cache and reused by later
// runs), starts `app serve --public-read` and the hand-written server (this program again, with
// -serve-handwritten) on loopback ports, and for each endpoint runs wrk against the app (A) and the
// hand-written server (B) in turn, A-B-A-B (-pairs pairs, after one short warm-up of each), so that
// both see the same machine load. A ratio is the app's requests per second over the hand-written
// server's, summed over the pairs: 1.00x is parity, above is faster. The machine's load average is
// printed before and after.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tastygo/tastygo/dialect"
	_ "github.com/tastygo/tastygo/dialect/postgres"
	_ "github.com/tastygo/tastygo/dialect/sqlite"
	"github.com/tastygo/tastygo/internal/handwritten"
)

// config is the command line.
type config struct {
	backend     dialect.Name
	pgURL       string // a PostgreSQL server; loadbench uses its database pgDatabase
	cacheDir    string
	duration    time.Duration // one wrk round
	warmup      time.Duration
	pairs       int
	threads     int
	connections int
	only        string // a substring of the endpoints' names to run; empty: all

	// serveHand, when set, makes this process the hand-written server on that address over db.
	serveHand string
	db        string
}

// pgDatabase is the database loadbench seeds on the PostgreSQL server.
const pgDatabase = "tastygo_loadbench"

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backend := fs.String("backend", "sqlite", "sqlite or postgres")
	defaultPG := getenv("TEST_DATABASE_URL")
	if defaultPG == "" {
		defaultPG = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	fs.StringVar(&c.pgURL, "pg", defaultPG, "a PostgreSQL server (URL of any database on it; default TEST_DATABASE_URL): loadbench creates and seeds the database "+pgDatabase+" there")
	cache := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "tastygo-loadbench")
	}
	fs.StringVar(&c.cacheDir, "cache", cache, "where the app binary, the SQLite data and the seeding markers are kept between runs")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each wrk round lasts")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "a warm-up round of each server per endpoint, not counted")
	fs.IntVar(&c.pairs, "pairs", 2, "A-B pairs of rounds per endpoint")
	fs.IntVar(&c.threads, "threads", 2, "wrk threads")
	fs.IntVar(&c.connections, "connections", 32, "wrk connections")
	fs.StringVar(&c.only, "only", "", "run only the endpoints whose name contains this")
	fs.StringVar(&c.serveHand, "serve-handwritten", "", "internal: serve the hand-written handler on this address (with -db)")
	fs.StringVar(&c.db, "db", "", "internal: the database the hand-written handler serves")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch dialect.Name(*backend) {
	case dialect.SQLite, dialect.Postgres:
		c.backend = dialect.Name(*backend)
	default:
		return c, fmt.Errorf("-backend %q: want sqlite or postgres", *backend)
	}
	if c.serveHand != "" {
		if c.db == "" {
			return c, errors.New("-serve-handwritten needs -db")
		}
		return c, nil
	}
	if c.pairs < 1 || c.threads < 1 || c.connections < c.threads || c.duration < time.Second {
		return c, fmt.Errorf("need -pairs ≥ 1, -threads ≥ 1, -connections ≥ -threads, -duration ≥ 1s")
	}
	if c.cacheDir == "" {
		return c, errors.New("no cache directory: give -cache")
	}
	return c, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(2)
	}
	if c.serveHand != "" {
		err = serveHandwritten(ctx, c.serveHand, c.db)
	} else {
		err = run(ctx, c, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// serveHandwritten serves handwritten.Handler over the database until ctx ends.
func serveHandwritten(ctx context.Context, addr, dbAddr string) error {
	db, d, err := dialect.Open(dbAddr)
	if err != nil {
		return err
	}
	defer db.Close()
	srv := &http.Server{Addr: addr, Handler: handwritten.Handler(db, d), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// run builds and seeds what is missing, starts both servers, measures and prints the table.
func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (Debian: apt-get install wrk)")
	}
	if err := os.MkdirAll(c.cacheDir, 0o755); err != nil {
		return err
	}
	appBin := filepath.Join(c.cacheDir, "app")
	fmt.Fprintln(stderr, "building the app...")
	if out, err := goCommand(ctx, "build", "-o", appBin, "github.com/tastygo/tastygo/app").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	dbAddr, err := seeded(ctx, c, appBin, stderr)
	if err != nil {
		return err
	}
	db, _, err := dialect.Open(dbAddr)
	if err != nil {
		return err
	}
	ind, camp, err := handwritten.BusiestPair(ctx, db)
	db.Close()
	if err != nil {
		return err
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	appAddr, handAddr := freeAddr(), freeAddr()
	app := exec.CommandContext(ctx, appBin, "serve", "--db", dbAddr, "--addr", appAddr, "--public-read")
	hand := exec.CommandContext(ctx, self, "-backend", string(c.backend), "-serve-handwritten", handAddr, "-db", dbAddr)
	for _, cmd := range []*exec.Cmd{app, hand} {
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 10 * time.Second
		// app serve writes one access-log line per request to its standard error: discarded
		// (os/exec's nil is /dev/null), as the hand-written server logs nothing.
		if err := cmd.Start(); err != nil {
			return err
		}
		defer func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}()
	}
	for _, base := range []string{"http://" + appAddr, "http://" + handAddr} {
		if err := waitUp(ctx, base+"/api/v1/indicator/?limit=1", 60*time.Second); err != nil {
			return err
		}
	}

	before := loadAverage()
	start := time.Now()
	var results []result
	for _, e := range handwritten.Endpoints(ind, camp) {
		if c.only != "" && !strings.Contains(e.Name, c.only) {
			continue
		}
		r := result{endpoint: e}
		for _, base := range []string{"http://" + appAddr, "http://" + handAddr} {
			if _, err := runWrk(ctx, c, c.warmup, base+e.Path); err != nil {
				return err
			}
		}
		for range c.pairs {
			a, err := runWrk(ctx, c, c.duration, "http://"+appAddr+e.Path)
			if err != nil {
				return fmt.Errorf("%s, app: %w", e.Name, err)
			}
			b, err := runWrk(ctx, c, c.duration, "http://"+handAddr+e.Path)
			if err != nil {
				return fmt.Errorf("%s, hand-written: %w", e.Name, err)
			}
			r.app = append(r.app, a)
			r.hand = append(r.hand, b)
			fmt.Fprintf(stderr, "%-20s app %8.0f req/s   hand-written %8.0f req/s\n", e.Name, a, b)
		}
		results = append(results, r)
	}
	after := loadAverage()
	fmt.Fprintf(stdout, "loadbench %s, %s, wrk -t%d -c%d, rounds of %s, A-B-A-B x%d (%s in all)\n",
		c.backend, time.Now().UTC().Format("2006-01-02 15:04 UTC"), c.threads, c.connections, c.duration, c.pairs, time.Since(start).Round(time.Second))
	fmt.Fprintf(stdout, "load average before: %s; after: %s\n", before, after)
	fmt.Fprintf(stdout, "indicator %d, campaign %d (the pair with the most datapoints)\n\n", ind, camp)
	printTable(stdout, results)
	return nil
}

// result is one endpoint's rounds, in requests per second.
type result struct {
	endpoint  handwritten.Endpoint
	app, hand []float64
}

// ratio is the app's throughput over the hand-written server's, summed over the rounds.
func (r result) ratio() float64 {
	var a, h float64
	for i := range r.app {
		a += r.app[i]
		h += r.hand[i]
	}
	if h == 0 {
		return 0
	}
	return a / h
}

// pairRange is the smallest and largest ratio of one pair of rounds.
func (r result) pairRange() (lo, hi float64) {
	var rs []float64
	for i := range r.app {
		if r.hand[i] > 0 {
			rs = append(rs, r.app[i]/r.hand[i])
		}
	}
	if len(rs) == 0 {
		return 0, 0
	}
	return slices.Min(rs), slices.Max(rs)
}

func printTable(w io.Writer, results []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\tapp req/s\thand-written req/s\tratio\tpairs\t")
	for _, r := range results {
		lo, hi := r.pairRange()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2fx\t%.2f–%.2fx\t\n", r.endpoint.Name, rounds(r.app), rounds(r.hand), r.ratio(), lo, hi)
	}
	tw.Flush()
}

func rounds(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(s, " / ")
}

var (
	wrkRate   = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkBad    = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses:\s+(\d+)`)
	wrkErrors = regexp.MustCompile(`(?m)^\s*Socket errors:.*`)
)

// parseWrk reads wrk's requests per second, failing on non-2xx answers and socket errors.
func parseWrk(out string) (float64, error) {
	if m := wrkBad.FindStringSubmatch(out); m != nil {
		return 0, fmt.Errorf("wrk: %s answers that were not 2xx/3xx", m[1])
	}
	if m := wrkErrors.FindString(out); m != "" {
		return 0, fmt.Errorf("wrk: %s", strings.TrimSpace(m))
	}
	m := wrkRate.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk: no Requests/sec in its output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

func runWrk(ctx context.Context, c config, d time.Duration, target string) (float64, error) {
	cmd := exec.CommandContext(ctx, "wrk", "-t"+strconv.Itoa(c.threads), "-c"+strconv.Itoa(c.connections),
		"-d"+strconv.Itoa(int(d.Round(time.Second)/time.Second))+"s", target)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

// seeded returns the address of the large data on the backend, seeding it first when no earlier run
// finished seeding it (a marker file under the cache records a finished seed).
func seeded(ctx context.Context, c config, appBin string, stderr io.Writer) (string, error) {
	var addr, marker string
	switch c.backend {
	case dialect.SQLite:
		addr = filepath.Join(c.cacheDir, "large.db")
		marker = addr + ".seeded"
	case dialect.Postgres:
		u, err := url.Parse(c.pgURL)
		if err != nil {
			return "", fmt.Errorf("-pg: %w", err)
		}
		u.Path = "/" + pgDatabase
		addr = u.String()
		sum := sha256.Sum256([]byte(addr))
		marker = filepath.Join(c.cacheDir, "postgres-"+hex.EncodeToString(sum[:6])+".seeded")
	}
	if _, err := os.Stat(marker); err == nil {
		if c.backend == dialect.SQLite {
			return addr, nil
		}
		if exists, err := pgDatabaseExists(ctx, c.pgURL); err != nil || exists {
			return addr, err
		}
	}
	// Start afresh: a seed that did not finish leaves a database that cannot be seeded again.
	os.Remove(marker)
	switch c.backend {
	case dialect.SQLite:
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(addr + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
		}
	case dialect.Postgres:
		if err := pgRecreate(ctx, c.pgURL); err != nil {
			return "", err
		}
	}
	fmt.Fprintln(stderr, "seeding the large data (once; kept for later runs)...")
	seed := exec.CommandContext(ctx, appBin, "seed", "--size", "large", "--db", addr)
	seed.Stdout, seed.Stderr = stderr, io.Discard
	if err := seed.Run(); err != nil {
		return "", fmt.Errorf("app seed: %w", err)
	}
	if c.backend == dialect.Postgres {
		db, _, err := dialect.Open(addr)
		if err != nil {
			return "", err
		}
		_, err = db.ExecContext(ctx, "ANALYZE") // as autovacuum would, and as the go test benchmarks do
		db.Close()
		if err != nil {
			return "", err
		}
	}
	return addr, os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
}

func pgDatabaseExists(ctx context.Context, server string) (bool, error) {
	db, _, err := dialect.Open(server)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, pgDatabase).Scan(&n)
	return n > 0, err
}

func pgRecreate(ctx context.Context, server string) error {
	db, _, err := dialect.Open(server)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pgDatabase); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE `+pgDatabase)
	return err
}

// goCommand runs the go tool in the module's root, wherever loadbench was started from.
func goCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if mod := strings.TrimSpace(string(out)); mod != "" && mod != os.DevNull {
			cmd.Dir = filepath.Dir(mod)
		}
	}
	return cmd
}

// freeAddr returns a loopback address with a port free now.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitUp polls the URL until it answers 200.
func waitUp(ctx context.Context, target string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(target)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not come up in %s: %v", target, limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(bytes.TrimSpace(b)))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
