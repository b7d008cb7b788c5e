package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tastygo/tastygo/migrations"
)

// runMigrate is `app migrate`: it applies the migrations the database lacks and lists them all.
func runMigrate(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "migrate", "migrate [--db FILE|URL]")
	if err := parse(fs, args); err != nil {
		return err
	}
	addr := databaseAddr(e, fs, *dbFlag)
	db, d, err := openDB(ctx, addr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db, d); err != nil {
		return err
	}
	status, err := migrations.Status(ctx, db, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s (%s) is up to date:\n", redact(addr), d.Name())
	width := 0
	for _, m := range status {
		width = max(width, len(m.Name))
	}
	for _, m := range status {
		state := "pending"
		if m.Applied {
			state = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "  %-*s  %s\n", width, m.Name, state)
	}
	return nil
}
