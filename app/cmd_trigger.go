package main

import (
	"context"
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

// triggerUser is who `app trigger` runs as: a superuser without a user row (processing_run.username
// says "app trigger", user_id stays NULL).
var triggerUser = &resource.User{Username: "app trigger", Superuser: true}

// runTrigger is `app trigger RESOURCE key=value...`: it runs a processing endpoint in-process, through
// the same steps as GET /api/v1/RESOURCE/?key=value..., prints the run's outcome, and fails (exit 1)
// when the run failed or could not start.
func runTrigger(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "trigger", "trigger [--db FILE] RESOURCE [key=value...]")
	if err := fs.Parse(args); err != nil {
		return parse(fs, args)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(fs.Output(), "a resource to trigger is required")
		fs.Usage()
		return errUsage
	}
	name, q := fs.Arg(0), url.Values{}
	for _, kv := range fs.Args()[1:] {
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
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	h, err := newHandler(db, d, logger, access{})
	if err != nil {
		return err
	}
	if d.Name() == dialect.Postgres {
		if err := sweepAbandoned(ctx, h); err != nil {
			return err
		}
	}
	run, list, err := nonmodel.Trigger(resource.WithUser(ctx, triggerUser), h.(*resource.API), name, q)
	if run != nil {
		fmt.Fprintf(e.stdout, "run %d of %s %s: %s", run.ID, run.Resource, run.Parameters, run.Status)
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
