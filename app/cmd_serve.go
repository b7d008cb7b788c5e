package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/migrations"
	"github.com/tastygo/tastygo/observe"
	"github.com/tastygo/tastygo/throttle"
)

// serverLimits are the HTTP server's timeouts and sizes.
type serverLimits struct {
	// readHeader is how long a client has to send its request line and headers: a connection that
	// sends them a byte at a time (slowloris) is closed then.
	readHeader time.Duration
	// read is how long a client has to send its whole request, body included: an 8 MB upload at
	// 0.6 Mbit/s or faster.
	read time.Duration
	// idle is how long a keep-alive connection may wait for its next request.
	idle time.Duration
	// maxHeaderBytes caps the request line and headers (431 beyond).
	maxHeaderBytes int
}

// defaultLimits are serve's limits. There is no write timeout for the whole answer: a CSV export of a
// million rows streams for as long as its reader keeps reading; the framework gives each write a
// deadline of its own instead (http.ResponseController), so that a reader that stops reading is cut
// off and frees its database connection.
var defaultLimits = serverLimits{readHeader: 10 * time.Second, read: 2 * time.Minute, idle: 2 * time.Minute, maxHeaderBytes: 64 << 10}

// defaultDrain is how long requests in flight (and the processing runs they carry) get to finish once
// serve is told to stop.
const defaultDrain = 30 * time.Second

// errDrainTimeout is serve's error when requests were still in flight at the end of the drain.
var errDrainTimeout = errors.New("the drain timed out: requests still in flight were cut")

// runServe is `app serve`: it migrates the database, seeds it when it has no locations, marks failed
// the processing runs a stopped process left running, and serves the API, the health checks and (with
// --metrics-addr) the metrics until the context ends (SIGINT or SIGTERM). Then it closes its listeners
// at once and lets requests in flight finish for up to --drain: it exits 0 when they all did, non-zero
// (with a log line) when the drain timed out.
func runServe(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "serve", "[serve] [--addr HOST:PORT] [--public-read] [--public-docs] [--cors-origins ORIGIN,...] [--throttle N [--throttle-redis URL]] [--metrics-addr HOST:PORT] [--drain 30s] [--log-format json|text] [--db FILE|URL]")
	addr := fs.String("addr", defaultAddr, "address to listen on")
	publicRead := fs.Bool("public-read", false, "let requests without credentials read (GET); writes always need a user's key or password")
	publicDocs := fs.Bool("public-docs", false, "serve /api/v1/openapi.json and /api/v1/docs/ (every resource) without credentials")
	corsOrigins := fs.String("cors-origins", "", "comma-separated origins (scheme://host[:port]) whose pages may call the API from a browser, "+
		"with credentials; empty: none")
	perMinute := fs.Int("throttle", 0, "requests per minute each user (or, without credentials, each client address) may make, "+
		"counted in this process; beyond it 429 THROTTLED with Retry-After. 0: no limit")
	throttleRedis := fs.String("throttle-redis", e.getenv(throttleRedisEnv), "redis:// URL of a Redis that every instance shares: --throttle then counts "+
		"each user's requests across all of them (default $"+throttleRedisEnv+"); empty: counted in this process")
	metricsAddr := fs.String("metrics-addr", "", "address of a second listener serving Prometheus metrics at /metrics; empty: no metrics")
	drain := fs.Duration("drain", defaultDrain, "how long requests in flight get to finish after SIGTERM or SIGINT")
	logFormat := fs.String("log-format", "json", "json (one JSON object per line) or text (key=value)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *perMinute < 0 {
		fmt.Fprintln(fs.Output(), "--throttle must be 0 (no limit) or a number of requests per minute")
		return errUsage
	}
	if *drain <= 0 {
		fmt.Fprintln(fs.Output(), "--drain must be a positive duration, such as 30s")
		return errUsage
	}
	logger, err := newLogger(e.stderr, *logFormat)
	if err != nil {
		fmt.Fprintln(fs.Output(), err)
		return errUsage
	}
	dbAddr := databaseAddr(e, fs, *dbFlag)
	db, d, err := openDB(ctx, dbAddr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db, d); err != nil {
		return err
	}
	seeded, err := seedIfEmpty(ctx, db, d, e, logger)
	if err != nil {
		return err
	}
	pepper, err := keyPepper(ctx, db, d, e.getenv(pepperEnv))
	if err != nil {
		return err
	}
	adminKey, err := demoAdmin(ctx, db, d, pepper, seeded, logger)
	if err != nil {
		return err
	}
	origins, err := splitOrigins(*corsOrigins)
	if err != nil {
		fmt.Fprintln(fs.Output(), err)
		return errUsage
	}
	replicas, closeReplicas, err := openReplicas(ctx, e.getenv(replicasEnv), db, d, logger)
	if err != nil {
		return err
	}
	defer closeReplicas()
	acc := access{publicRead: *publicRead, publicDocs: *publicDocs, corsOrigins: origins, cache: auth.NewCache(auth.DefaultCacheTTL), pepper: pepper,
		replicas: replicas}
	if *perMinute > 0 {
		acc.throttle = &throttle.PerUser{Limit: *perMinute, Window: time.Minute}
	}
	if *throttleRedis != "" {
		if *perMinute == 0 {
			fmt.Fprintln(fs.Output(), "--throttle-redis needs --throttle N: the limit it shares")
			return errUsage
		}
		opts, err := redis.ParseURL(*throttleRedis)
		if err != nil {
			fmt.Fprintf(fs.Output(), "--throttle-redis: %v\n", err)
			return errUsage
		}
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		// The instances of one database count together, and apart from other databases' on the same
		// Redis: the prefix is the database's key pepper's fingerprint (public, and the same everywhere).
		fp := pepper.Fingerprint()
		acc.throttle = &throttle.Shared{Redis: rdb, Limit: *perMinute, Window: time.Minute, Logger: logger,
			Prefix: throttle.DefaultSharedPrefix + fp[:min(16, len(fp))] + ":"}
	}
	var metrics *observe.Metrics
	if *metricsAddr != "" {
		metrics = observe.NewMetrics(db, string(d.Name()))
		if replicas != nil {
			metrics.WatchReplicas(replicas)
		}
		acc.observer = metrics
	}
	api, err := newHandler(db, d, logger, acc)
	if err != nil {
		return err
	}
	if err := sweepAbandoned(ctx, api); err != nil {
		return err
	}
	limits := defaultLimits
	if e.limits != nil {
		limits = *e.limits
	}
	ready := newReadiness(db, d, logger)
	ready.replicas = replicas
	srv := newServer(operations{api: api, ready: ready}, limits, logger, metrics)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	url := apiURL(ln.Addr().String())
	attrs := []any{"url", url, "backend", d.Name(), "database", redact(dbAddr), "public_read", *publicRead, "throttle_per_minute", *perMinute}
	var metricsSrv *http.Server
	if metrics != nil {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		metricsSrv = newMetricsServer(metrics, limits, logger)
		go func() { served <- metricsSrv.Serve(mln) }()
		attrs = append(attrs, "metrics", "http://"+mln.Addr().String()+"/metrics")
	}
	logger.Info("listening", attrs...)
	if adminKey != "" {
		showKey(e.stdout, demoAdminName, adminKey, url, "", true)
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv.Server, metricsSrv, srv.inFlight, *drain, logger)
}

// shutdown closes the listeners at once and waits up to drain for the requests in flight; then it
// stops the metrics listener, so that the drain can be watched there.
func shutdown(srv, metricsSrv *http.Server, inFlight func() int, drain time.Duration, logger *slog.Logger) error {
	logger.Info("shutting down", "drain", drain.String(), "in_flight", inFlight())
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := srv.Shutdown(ctx)
	if metricsSrv != nil {
		_ = metricsSrv.Close()
	}
	if err != nil {
		cut := inFlight()
		_ = srv.Close()
		logger.Error("drain timed out", "drain", drain.String(), "requests_cut", cut)
		return errDrainTimeout
	}
	logger.Info("stopped")
	return nil
}

// seedIfEmpty fills a database without locations with the small demo data and its campaigns'
// aggregates (seedDemo), its progress on stderr, and reports whether it did. A database with other data but no locations is served as it is.
func seedIfEmpty(ctx context.Context, db *sql.DB, d dialect.Dialect, e env, logger *slog.Logger) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, "SELECT 1 FROM location LIMIT 1").Scan(&one)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("look for locations: %w", err)
	}
	logger.Info("the database has no locations: seeding the demo data", "size", seed.Small)
	start := time.Now()
	counts, aggs, err := seedDemo(ctx, db, d, seed.Small, e.stderr)
	if errors.Is(err, seed.ErrNotEmpty) {
		logger.Warn("not seeding", "reason", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	logger.Info("seeded", "locations", counts.Locations, "indicators", counts.Indicators,
		"campaigns", counts.Campaigns, "datapoints", counts.Datapoints, "aggregates", aggs, "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// demoAdminName is the demo superuser of a fresh database.
const demoAdminName = "admin"

// demoAdmin creates the demo superuser when serve has just seeded a database that has no users yet,
// and returns its API key, for serve to print once it listens. On a database without users that was
// not seeded now, it says how to create one.
func demoAdmin(ctx context.Context, db *sql.DB, d dialect.Dialect, pepper auth.Pepper, seeded bool, logger *slog.Logger) (string, error) {
	var one int
	err := db.QueryRowContext(ctx, "SELECT 1 FROM app_user LIMIT 1").Scan(&one)
	if err == nil {
		return "", nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("look for users: %w", err)
	}
	if !seeded {
		logger.Warn("the database has no users: requests with credentials will all be refused until one is created with `app createuser --username NAME --superuser`")
		return "", nil
	}
	created, err := createUser(ctx, db, d, newUser{Username: demoAdminName, Superuser: true, KeyPepper: pepper})
	if err != nil {
		return "", fmt.Errorf("create the demo superuser: %w", err)
	}
	logger.Info("created the demo superuser; its API key follows on standard output, shown only this once", "username", demoAdminName)
	return created.Key, nil
}

// splitOrigins reads --cors-origins: origins separated by commas, each scheme://host[:port].
func splitOrigins(flag string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(flag, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("--cors-origins: %q is not an origin such as https://a.example or http://localhost:5173", o)
		}
		out = append(out, o)
	}
	return out, nil
}
