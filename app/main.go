// Command app is the dashboard backend: the tables of DASHBOARD.md served as a Tastypie-compatible
// REST API under /api/v1/, built only from tastygo's public packages.
//
// Usage:
//
//	app [serve] [--addr 127.0.0.1:8000] [--public-read] [--public-docs] [--cors-origins ORIGIN,...] [--throttle N]
//	    [--metrics-addr HOST:PORT] [--drain 30s] [--log-format json|text] [--db ./dashboard.db|postgres://...]
//	app migrate [--db ./dashboard.db|postgres://...]
//	app seed [--size small|medium|large] [--db ./dashboard.db|postgres://...]
//	app createuser --username NAME [--email EMAIL] [--superuser] [--top-location CODE] [--password-stdin] [--addr HOST:PORT]
//	app createkey --username NAME [--addr HOST:PORT]
//	app revokekey KEY_OR_KEYID | --username NAME
//	app trigger [--as USERNAME] RESOURCE [key=value...]
//
// The database is --db, a SQLite file or a postgres:// URL, or what the environment variable
// DATABASE_URL names (either kind) when --db is not given. serve migrates it and, when it has
// no locations yet, fills it with the small demo data and creates the demo superuser "admin", whose
// API key it prints once, before it listens. Every request needs an API key (or a password, with HTTP
// Basic) of a user, except reads with serve --public-read (and the OpenAPI document and docs page with
// --public-docs); pages on the --cors-origins may call it from a browser. serve --throttle N lets each user (or,
// without credentials, each client address) make N requests per minute, counted in this process.
// serve answers /healthz and /readyz beside the API, logs one line per request (JSON unless
// --log-format text), serves Prometheus metrics on --metrics-addr, and on SIGTERM or SIGINT lets the
// requests in flight finish for up to --drain.
//
// Flags, environment and wiring live here and nowhere else: the framework's packages take values.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// env is what a command gets from the process: the environment and the standard streams.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	// limits replaces serve's HTTP limits (defaultLimits) when set: tests shorten them.
	limits *serverLimits
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

var commands = []command{
	{"serve", "migrate the database, seed it when empty, and serve the API (the default)", runServe},
	{"migrate", "apply the schema migrations and list them", runMigrate},
	{"seed", "fill an empty database with deterministic demo data", runSeed},
	{"createuser", "create a user and print its first API key", runCreateUser},
	{"createkey", "print a new API key for an existing user", runCreateKey},
	{"revokekey", "revoke an API key, or every key of a user", runRevokeKey},
	{"trigger", "run a processing endpoint in-process (cron), printing the run's outcome", runTrigger},
}

// errUsage marks an error in the command line; the flag package has already printed it.
var errUsage = errors.New("usage error")

// run runs the command line and returns the exit status: 0 on success, 1 when the command failed,
// 2 for a bad command line.
func run(ctx context.Context, args []string, e env) int {
	name := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			usage(e.stdout)
			return 0
		}
		if !strings.HasPrefix(args[0], "-") {
			name, args = args[0], args[1:]
		}
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		// A package's errors start with its name ("seed: ..."), which is often the command's: say it once.
		fmt.Fprintf(e.stderr, "app %s: %s\n", name, strings.TrimPrefix(err.Error(), name+": "))
		return 1
	}
	fmt.Fprintf(e.stderr, "app: unknown command %q\n\n", name)
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: app [command] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe database is --db, a SQLite file (default ./dashboard.db) or a postgres:// URL, or")
	fmt.Fprintln(w, "DATABASE_URL (either kind) when --db is not given. Run 'app <command> -h' for its flags.")
}

// defaultDB is the SQLite file used when neither --db nor DATABASE_URL is given.
const defaultDB = "./dashboard.db"

// newFlagSet returns a subcommand's flag set, with --db.
func newFlagSet(e env, name, synopsis string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: app %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	db := fs.String("db", defaultDB, "the database: a SQLite file, or a PostgreSQL URL (postgres://user:password@host:5432/name); "+
		"when --db is not given, DATABASE_URL (either kind) is used if set")
	return fs, db
}

// parse parses a subcommand's flags; it takes no positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// databaseAddr is --db when given, else DATABASE_URL when set, else the default file.
func databaseAddr(e env, fs *flag.FlagSet, db string) string {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "db" })
	if !explicit {
		if u := e.getenv("DATABASE_URL"); u != "" {
			return u
		}
	}
	return db
}

// redact hides the password of a database URL, for logs and messages.
func redact(addr string) string {
	if !dialect.IsPostgresURL(addr) {
		return addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// openDB opens the database and checks that it answers, so that a wrong address fails here with a
// clear message rather than at the first query.
func openDB(ctx context.Context, addr string) (*sql.DB, dialect.Dialect, error) {
	db, d, err := dialect.Open(addr)
	if err != nil {
		return nil, dialect.Dialect{}, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := dialect.Ping(pingCtx, db); err != nil {
		db.Close()
		return nil, dialect.Dialect{}, fmt.Errorf("cannot reach the database %s: %w", redact(addr), err)
	}
	return db, d, nil
}
