package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/migrations"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// triggerUser is who `app trigger` runs as without --as: a superuser without a user row
// (processing_run.username says "app trigger", user_id stays NULL).
var triggerUser = &resource.User{Username: "app trigger", Superuser: true}

// runTrigger is `app trigger [--as USERNAME] RESOURCE key=value...`: it runs a processing endpoint
// in-process, through the same steps as GET /api/v1/RESOURCE/?key=value... (as the user named by --as,
// whose top-level location and permissions apply as on their own request, and whom the run records),
// prints the run's outcome, and fails (exit 1) when the run failed or could not start or the user does
// not exist.
func runTrigger(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "trigger", "trigger [--db FILE|URL] [--as USERNAME] RESOURCE [key=value...]")
	as := fs.String("as", "", "run as this user of app_user: their top-level location and permissions apply, and the run records them (default: a superuser named \"app trigger\", recorded without a user)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the error and the usage, once
	}
	asGiven := false
	fs.Visit(func(f *flag.Flag) { asGiven = asGiven || f.Name == "as" })
	if asGiven && *as == "" {
		fmt.Fprintln(fs.Output(), "--as needs a username")
		fs.Usage()
		return errUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(fs.Output(), "a resource to trigger is required")
		fs.Usage()
		return errUsage
	}
	name, q := fs.Arg(0), url.Values{}
	for _, kv := range fs.Args()[1:] {
		if strings.HasPrefix(kv, "-") {
			fmt.Fprintf(fs.Output(), "flag %q comes after RESOURCE; give flags first\n", kv)
			fs.Usage()
			return errUsage
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			fmt.Fprintf(fs.Output(), "parameter %q is not key=value\n", kv)
			fs.Usage()
			return errUsage
		}
		q.Add(k, v)
	}
	db, d, err := openDB(ctx, databaseAddr(e, fs, *dbFlag))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db, d); err != nil {
		return err
	}
	user, shownAs := triggerUser, ""
	if asGiven {
		u, err := newUserStore(db, d, nil).UserByUsername(ctx, *as)
		if err != nil {
			return err
		}
		if u == nil {
			return fmt.Errorf("--as: no user is named %q (see app createuser)", *as)
		}
		user, shownAs = u, " as "+u.Username
	}
	// Standard error carries the run's problems (warnings and errors), not what building the API says.
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pepper, err := keyPepper(ctx, db, d, e.getenv(pepperEnv))
	if err != nil {
		return err
	}
	h, err := newHandler(db, d, logger, access{pepper: pepper})
	if err != nil {
		return err
	}
	if d.Name() == dialect.Postgres {
		if err := sweepAbandoned(ctx, h); err != nil {
			return err
		}
	}
	run, list, err := nonmodel.Trigger(resource.WithUser(ctx, user), h.(*resource.API), name, q)
	if run != nil {
		fmt.Fprintf(e.stdout, "run %d of %s %s%s: %s", run.ID, run.Resource, run.Parameters, shownAs, run.Status)
		if run.Shared {
			fmt.Fprint(e.stdout, " (an overlapping run's outcome)")
		} else if !run.EndedAt.IsZero() {
			fmt.Fprintf(e.stdout, " in %s", run.EndedAt.Sub(run.StartedAt).Round(1e6))
		}
		if run.Error != "" {
			fmt.Fprintf(e.stdout, ": %s", run.Error)
		}
		fmt.Fprintln(e.stdout)
	}
	if err != nil {
		if ae := apierror.As(err); ae != nil {
			return fmt.Errorf("%s (%s)", ae.Message, ae.Code)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "%d rows\n", list.Meta.TotalCount)
	return nil
}
