package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/migrations"
	"github.com/tastygo/tastygo/throttle"
)

// The server's limits.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute     // request bodies include uploaded CSV documents
	writeTimeout      = 5 * time.Minute // list and CSV bodies are streamed
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 15 * time.Second // how long requests in flight get to finish
)

// runServe is `app serve`: it migrates the database, seeds it when it has no locations, marks failed
// the processing runs a stopped process left running, and serves the API until the context ends
// (SIGINT or SIGTERM), then lets requests in flight finish.
func runServe(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "serve", "[serve] [--addr HOST:PORT] [--public-read] [--throttle N] [--db FILE]")
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on")
	publicRead := fs.Bool("public-read", false, "let requests without credentials read (GET); writes always need a user's key or password")
	perMinute := fs.Int("throttle", 0, "requests per minute each user (or, without credentials, each client address) may make, "+
		"counted in this process; beyond it 429 THROTTLED with Retry-After. 0: no limit")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *perMinute < 0 {
		fmt.Fprintln(fs.Output(), "--throttle must be 0 (no limit) or a number of requests per minute")
		return errUsage
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
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
	acc := access{publicRead: *publicRead, cache: auth.NewCache(auth.DefaultCacheTTL), pepper: pepper}
	if *perMinute > 0 {
		acc.throttle = &throttle.PerUser{Limit: *perMinute, Window: time.Minute}
	}
	handler, err := newHandler(db, d, logger, acc)
	if err != nil {
		return err
	}
	if err := sweepAbandoned(ctx, handler); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	apiURL := "http://" + ln.Addr().String() + "/api/v1/"
	logger.Info("listening", "url", apiURL, "backend", d.Name(), "database", redact(dbAddr), "public_read", *publicRead, "throttle_per_minute", *perMinute)
	if adminKey != "" {
		showKey(e.stdout, demoAdminName, adminKey, apiURL, true)
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// seedIfEmpty fills a database without locations with the small demo data, its progress on stderr,
// and reports whether it did. A database with other data but no locations is served as it is.
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
	counts, err := seed.Run(ctx, db, d, seed.Small, e.stderr)
	if errors.Is(err, seed.ErrNotEmpty) {
		logger.Warn("not seeding", "reason", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	logger.Info("seeded", "locations", counts.Locations, "indicators", counts.Indicators,
		"campaigns", counts.Campaigns, "datapoints", counts.Datapoints, "took", time.Since(start).Round(time.Millisecond))
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
