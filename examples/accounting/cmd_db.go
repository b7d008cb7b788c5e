package main

import (
	"context"
	"fmt"
	"time"
)

// runMigrate is `accounting migrate`: it applies the migrations the database lacks and lists them all.
func runMigrate(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "migrate", "migrate [--db FILE|URL]")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	addr := databaseAddr(e, fs, *dbFlag)
	db, d, err := openDB(ctx, addr)
	if err != nil {
		return err
	}
	defer db.Close()
	status, err := migrationStatus(ctx, db, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s (%s) is up to date:\n", redact(addr), d.Name())
	width := 0
	for _, m := range status {
		width = max(width, len(m.name))
	}
	for _, m := range status {
		state := "pending"
		if m.applied {
			state = "applied " + m.appliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "  %-*s  %s\n", width, m.name, state)
	}
	return nil
}

// runSeed is `accounting seed`: it migrates the database, fills it with the demo data of --size and
// prints the row counts.
func runSeed(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "seed", "seed [--size small|large] [--db FILE|URL]")
	size := sizeSmall
	fs.TextVar(&size, "size", sizeSmall, "how much demo data: small, or large (200 users, 60 accounts, 200,000 jobs)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	addr := databaseAddr(e, fs, *dbFlag)
	db, d, err := openDB(ctx, addr)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	c, err := seedData(ctx, db, d, size)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seeded %s (%s) with the %s demo data in %s:\n", redact(addr), d.Name(), size,
		time.Since(start).Round(10*time.Millisecond))
	fmt.Fprint(e.stdout, c)
	return nil
}

// String is the counts, a table per line.
func (c seedCounts) String() string {
	return fmt.Sprintf("%-15s %7d\n%-15s %7d\n%-15s %7d\n%-15s %7d\n",
		"users:", c.users, "accounts:", c.accounts, "user_accounts:", c.memberships, "jobs:", c.jobs)
}
