package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/migrations"
)

// runSeed is `app seed`: it migrates the database, fills it with the demo data of --size, and
// prints the row counts.
func runSeed(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "seed", "seed [--size small|medium|large] [--db FILE|URL]")
	size := seed.Small
	fs.TextVar(&size, "size", seed.Small, "how much demo data: small, medium or large")
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
	start := time.Now()
	counts, err := seed.Run(ctx, db, d, size, e.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seeded %s (%s) with the %s demo data in %s:\n", redact(addr), d.Name(), size,
		time.Since(start).Round(10*time.Millisecond))
	fmt.Fprint(e.stdout, counts)
	return nil
}
