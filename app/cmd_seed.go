package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/migrations"
)

// runSeed is `app seed`: it migrates the database, fills it with the demo data of --size, computes
// its campaigns' aggregates, and prints the row counts.
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
	counts, aggs, err := seedDemo(ctx, db, d, size, e.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seeded %s (%s) with the %s demo data in %s:\n", redact(addr), d.Name(), size,
		time.Since(start).Round(10*time.Millisecond))
	fmt.Fprint(e.stdout, counts)
	fmt.Fprintf(e.stdout, "%-22s %9d\n", "agg_datapoint:", aggs)
	return nil
}

// seedDemo fills an empty database with the demo data of size (seed.Run), then computes the
// aggregates of every campaign (agg_datapoint), as agg_refresh would, so that the views over them
// (campaign_datapoint) answer from the first start instead of after a first agg_refresh. It returns
// the seeded counts and the number of aggregate rows.
func seedDemo(ctx context.Context, db *sql.DB, d dialect.Dialect, size seed.Size, progress io.Writer) (seed.Counts, int, error) {
	counts, err := seed.Run(ctx, db, d, size, progress)
	if err != nil {
		return seed.Counts{}, 0, err
	}
	aggs, err := aggregateAll(ctx, db, d, progress)
	if err != nil {
		return counts, 0, fmt.Errorf("seeded, but computing the aggregates failed (run agg_refresh for each campaign): %w", err)
	}
	return counts, aggs, nil
}

// aggregateAll recomputes the aggregates of every campaign, each in a transaction of its own under
// the pipeline's lock (as agg_refresh does), and returns the number of agg_datapoint rows.
func aggregateAll(ctx context.Context, db *sql.DB, d dialect.Dialect, progress io.Writer) (int, error) {
	q := dialect.NewDB(db, d)
	var ids []int64
	rows, err := q.QueryContext(ctx, `SELECT id FROM campaign ORDER BY id`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, id := range ids {
		tx, err := q.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		err = d.LockTransaction(ctx, tx, pipelineLock)
		if err == nil {
			err = aggregateCampaign(ctx, tx, d, id)
		}
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("campaign %d: %w", id, err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "aggregating campaigns: %d%% (%d/%d)\n", 100*(i+1)/len(ids), i+1, len(ids))
		}
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM agg_datapoint`).Scan(&n)
	return n, err
}
