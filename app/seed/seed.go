// Package seed fills an empty dashboard database with deterministic demo data, at the sizes of
// DASHBOARD.md: the same size gives the same rows, ids included, on SQLite and on PostgreSQL.
//
// The data is made to exercise the API, not only its happy path: a location tree of one country,
// regions, provinces, districts (a few of them without sub-districts) and sub-districts, some without
// coordinates; indicators of every data format, some with null bounds or an empty description, some
// calculated from others; campaigns over the whole country or one region, one of them a single day;
// datapoints for the leaves of the tree, with combinations missing and values that are zero; a few
// custom dashboards and charts. agg_datapoint, source_doc, source_submission and app_user are left
// empty: the upload pipeline and the aggregation fill them.
//
// Every random choice comes from math/rand/v2's PCG generator with fixed seeds, one stream per kind of
// row, so that a change to how one table is drawn does not shift the others; timestamps derive from a
// fixed base date, never from the clock.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tastygo/tastygo/dialect"
)

// Size is how much demo data to make: [Small], [Medium] or [Large].
type Size string

// The sizes of DASHBOARD.md.
const (
	Small  Size = "small"  // about 100 locations, 20 indicators, 4 campaigns, 5,000 datapoints
	Medium Size = "medium" // about 2,000 locations, 50 indicators, 12 campaigns, 200,000 datapoints
	Large  Size = "large"  // about 10,000 locations, 50 indicators, 24 campaigns, 1,000,000 datapoints
)

// Sizes lists the sizes, smallest first.
var Sizes = []Size{Small, Medium, Large}

// ParseSize reads a size name.
func ParseSize(s string) (Size, error) {
	for _, z := range Sizes {
		if s == string(z) {
			return z, nil
		}
	}
	return "", fmt.Errorf("seed: unknown size %q (want small, medium or large)", s)
}

// String returns the size's name.
func (s Size) String() string { return string(s) }

// MarshalText returns the size's name; with [Size.UnmarshalText] it lets a Size be a flag
// (flag.TextVar).
func (s Size) MarshalText() ([]byte, error) { return []byte(s), nil }

// UnmarshalText reads a size name, as [ParseSize] does.
func (s *Size) UnmarshalText(b []byte) error {
	z, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*s = z
	return nil
}

// Counts is how many rows Run inserted into each table.
type Counts struct {
	LocationTypes         int
	Locations             int
	Indicators            int
	IndicatorCalculations int
	CampaignTypes         int
	Campaigns             int
	Datapoints            int
	CustomDashboards      int
	CustomCharts          int
}

// TableCount is one table's row count.
type TableCount struct {
	Table string
	Rows  int
}

// Tables returns the counts by table name, in insertion order.
func (c Counts) Tables() []TableCount {
	return []TableCount{
		{"location_type", c.LocationTypes},
		{"location", c.Locations},
		{"indicator", c.Indicators},
		{"indicator_calculation", c.IndicatorCalculations},
		{"campaign_type", c.CampaignTypes},
		{"campaign", c.Campaigns},
		{"datapoint", c.Datapoints},
		{"custom_dashboard", c.CustomDashboards},
		{"custom_chart", c.CustomCharts},
	}
}

// String returns one "table: rows" line per table.
func (c Counts) String() string {
	var b strings.Builder
	for _, t := range c.Tables() {
		fmt.Fprintf(&b, "%-22s %9d\n", t.Table+":", t.Rows)
	}
	return b.String()
}

// ErrNotEmpty is wrapped by Run's error when a table it would fill already has rows.
var ErrNotEmpty = errors.New("seed: the database already has data")

// seededTables are the tables Run fills, parents first.
var seededTables = []string{
	"location_type", "location", "indicator", "indicator_calculation", "campaign_type", "campaign",
	"datapoint", "custom_dashboard", "custom_chart",
}

// Run fills an empty, migrated database with the demo data of the size, in one transaction, and
// returns how many rows it inserted. It refuses (with an error wrapping [ErrNotEmpty] that names the
// tables) a database where any table it fills already has rows. Progress lines such as
// "seeding datapoints: 40% (400000/1000000)" go to progress; nil keeps it silent.
func Run(ctx context.Context, db *sql.DB, d dialect.Dialect, size Size, progress io.Writer) (Counts, error) {
	p, ok := plans[size]
	if !ok {
		return Counts{}, fmt.Errorf("seed: unknown size %q (want small, medium or large)", size)
	}
	if progress == nil {
		progress = io.Discard
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Counts{}, fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := checkEmpty(ctx, tx); err != nil {
		return Counts{}, err
	}
	w := &writer{tx: tx, d: d, progress: progress}
	data := generate(p)
	counts, err := w.insertAll(ctx, data)
	if err != nil {
		return Counts{}, err
	}
	if d.Name() == dialect.Postgres {
		// Rows were inserted with explicit ids; move each identity past them, so that rows created
		// later through the API get fresh ids.
		for _, t := range seededTables {
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), max(id)) FROM %s HAVING max(id) IS NOT NULL`, t, d.Quote(t))
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return Counts{}, fmt.Errorf("seed: reset the id sequence of %s: %w", t, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return Counts{}, fmt.Errorf("seed: commit: %w", err)
	}
	return counts, nil
}

// checkEmpty fails when any table Run fills has rows, naming them.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	var full []string
	for _, t := range seededTables {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM "`+t+`" LIMIT 1`).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("seed: read %s (has the database been migrated?): %w", t, err)
		default:
			full = append(full, t)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w (tables with rows: %s); seed into an empty database", ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}
