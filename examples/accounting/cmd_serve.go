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

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/observe"
	"github.com/tastygo/tastygo/resource"
)

// defaultAddr is where serve listens unless --addr says otherwise.
const defaultAddr = "127.0.0.1:8001"

// drain is how long requests in flight get to finish once serve is told to stop.
const drain = 30 * time.Second

// runServe is `accounting serve`: it migrates the database, seeds the small demo data when it has no
// users, and serves the API and the token endpoint until the context ends (SIGINT or SIGTERM); then it
// lets the requests in flight finish for up to 30 seconds.
func runServe(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "serve", "[serve] [--addr HOST:PORT] [--db FILE|URL]")
	addr := fs.String("addr", defaultAddr, "address to listen on")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	dbAddr := databaseAddr(e, fs, *dbFlag)
	db, d, err := openDB(ctx, dbAddr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedIfEmpty(ctx, db, d, logger); err != nil {
		return err
	}
	h, err := newService(ctx, db, d, e.getenv(pepperEnv), logger)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           resource.WriteDeadlines(resource.DefaultPerWriteTimeout, observe.Handler(h, observe.Options{Logger: logger})),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "url", "http://"+ln.Addr().String()+"/", "backend", d.Name(), "database", redact(dbAddr))
	if e.ready != nil {
		e.ready <- ln.Addr().String()
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	return srv.Shutdown(sctx)
}

// newService is the service on db: the OAuth 2 token endpoint and the API behind its bearer tokens.
func newService(ctx context.Context, db *sql.DB, d dialect.Dialect, pepperFromEnv string, logger *slog.Logger) (http.Handler, error) {
	pepper, err := servicePepper(ctx, db, d, pepperFromEnv)
	if err != nil {
		return nil, err
	}
	tokens, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: pepper, Logger: logger,
		Guard: auth.NewGuard(auth.GuardConfig{})})
	if err != nil {
		return nil, err
	}
	api, err := newAPI(ctx, db, d, auth.Required{Authentication: tokens})
	if err != nil {
		return nil, err
	}
	return newHandler(api, tokens), nil
}

// seedIfEmpty fills a database without users with the small demo data.
func seedIfEmpty(ctx context.Context, db *sql.DB, d dialect.Dialect, logger *slog.Logger) error {
	var one int
	err := db.QueryRowContext(ctx, "SELECT 1 FROM users LIMIT 1").Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look for users: %w", err)
	}
	start := time.Now()
	c, err := seedData(ctx, db, d, sizeSmall)
	if err != nil {
		return err
	}
	logger.Info("the database had no users: seeded the small demo data", "users", c.users, "accounts", c.accounts,
		"jobs", c.jobs, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
