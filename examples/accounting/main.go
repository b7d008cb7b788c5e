// Command accounting is a cluster's job-accounting service (ACCOUNTING.md): the tables users,
// accounts, user_accounts and jobs served at the server's root in Django REST framework's wire style,
// behind OAuth 2 client credentials, built only from tastygo's public packages.
//
// Usage:
//
//	accounting [serve] [--addr 127.0.0.1:8001] [--db ./accounting.db|postgres://...]
//	accounting migrate [--db ./accounting.db|postgres://...]
//	accounting seed [--size small|large] [--db ./accounting.db|postgres://...]
//	accounting createclient --name NAME [--db ...]
//	accounting revokeclient CLIENT_ID [--db ...]
//
// The database is --db, a SQLite file or a postgres:// URL, or what DATABASE_URL names (either kind)
// when --db is not given. serve migrates it and, when it has no users yet, fills it with the small
// demo data before it listens. Every endpoint but /o/token/ needs "Authorization: Bearer <token>", a
// token the token endpoint gives a client registered with createclient.
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
	_ "github.com/tastygo/tastygo/dialect/postgres" // the backends this program opens
	_ "github.com/tastygo/tastygo/dialect/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// env is what a command gets from the process: the environment and the standard streams.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	// ready, when set, receives serve's listening address once it listens (tests).
	ready chan<- string
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
	{"createclient", "register an OAuth 2 client and print its client_id and client_secret once", runCreateClient},
	{"revokeclient", "revoke an OAuth 2 client: its tokens stop working at once", runRevokeClient},
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
		fmt.Fprintf(e.stderr, "accounting %s: %s\n", name, strings.TrimPrefix(err.Error(), name+": "))
		return 1
	}
	fmt.Fprintf(e.stderr, "accounting: unknown command %q\n\n", name)
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: accounting [command] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe database is --db, a SQLite file (default ./accounting.db) or a postgres:// URL, or")
	fmt.Fprintln(w, "DATABASE_URL (either kind) when --db is not given. Run 'accounting <command> -h' for its flags.")
}

// defaultDB is the SQLite file used when neither --db nor DATABASE_URL is given.
const defaultDB = "./accounting.db"

// newFlagSet returns a subcommand's flag set, with --db.
func newFlagSet(e env, name, synopsis string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: accounting %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	db := fs.String("db", defaultDB, "the database: a SQLite file, or a PostgreSQL URL (postgres://user:password@host:5432/name); "+
		"when --db is not given, DATABASE_URL (either kind) is used if set")
	return fs, db
}

// parse parses a subcommand's flags and returns its positional arguments, of which it accepts at most
// maxArgs.
func parse(fs *flag.FlagSet, args []string, maxArgs int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	if fs.NArg() > maxArgs {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(maxArgs))
		fs.Usage()
		return nil, errUsage
	}
	return fs.Args(), nil
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

// openDB opens the database, checks that it answers and applies the migrations it lacks.
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
	if err := migrateUp(ctx, db, d); err != nil {
		db.Close()
		return nil, dialect.Dialect{}, err
	}
	return db, d, nil
}
