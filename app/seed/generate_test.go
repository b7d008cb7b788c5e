package seed

import (
	"context"
	"database/sql"
	"io"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// TestPlansMeetTheSpec draws every size without a database and checks its counts against
// DASHBOARD.md's table.
func TestPlansMeetTheSpec(t *testing.T) {
	cases := []struct {
		size                              Size
		locations, indicators, campaigns  int
		datapoints                        int
		locationSlack, datapointTolerance float64
	}{
		{Small, 100, 20, 4, 5_000, 0.1, 0.05},
		{Medium, 2_000, 50, 12, 200_000, 0.1, 0.05},
		{Large, 10_000, 50, 24, 1_000_000, 0.1, 0.05},
	}
	for _, c := range cases {
		t.Run(string(c.size), func(t *testing.T) {
			g := generate(plans[c.size])
			near := func(what string, got, want int, tolerance float64) {
				if math.Abs(float64(got-want)) > tolerance*float64(want) {
					t.Errorf("%s: %d, want about %d", what, got, want)
				}
			}
			near("locations", len(g.locations), c.locations, c.locationSlack)
			if len(g.indicators) != c.indicators || len(g.campaigns) != c.campaigns {
				t.Errorf("%d indicators and %d campaigns, want %d and %d", len(g.indicators), len(g.campaigns), c.indicators, c.campaigns)
			}
			n := 0
			var last int64
			if err := g.eachDatapoint(func(dp *datapoint) error {
				n++
				if dp.id != last+1 {
					t.Fatalf("datapoint ids jump from %d to %d", last, dp.id)
				}
				last = dp.id
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			near("datapoints", n, c.datapoints, c.datapointTolerance)
			// Calculated indicators have both their components in the size.
			for _, calc := range g.calcs {
				if calc.component < 1 || calc.component > int64(len(g.indicators)) {
					t.Errorf("calculation %d points at indicator %d", calc.id, calc.component)
				}
			}
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := generate(plans[Medium]), generate(plans[Medium])
	if !slices.EqualFunc(a.locations, b.locations, func(x, y location) bool {
		return x.id == y.id && x.name == y.name && x.code == y.code && x.parent == y.parent &&
			(x.lat == nil) == (y.lat == nil) && (x.lat == nil || *x.lat == *y.lat) && x.population == y.population
	}) {
		t.Error("two draws of the medium tree differ")
	}
	var sumA, sumB float64
	a.eachDatapoint(func(dp *datapoint) error { sumA += dp.value + float64(dp.location*dp.indicator); return nil })
	b.eachDatapoint(func(dp *datapoint) error { sumB += dp.value + float64(dp.location*dp.indicator); return nil })
	if sumA != sumB {
		t.Errorf("two draws of the medium datapoints differ: %v and %v", sumA, sumB)
	}
}

// schemaOf returns the definitions of datapoint's indexes and foreign keys, as the catalogue shows
// them.
func schemaOf(t *testing.T, db *sql.DB, d dialect.Dialect) []string {
	t.Helper()
	q := `SELECT coalesce(sql, name) FROM sqlite_master WHERE tbl_name = 'datapoint' ORDER BY name`
	if d.Name() == dialect.Postgres {
		q = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'datapoint'
		     UNION ALL
		     SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'datapoint'::regclass
		     ORDER BY 1`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestSuspendChecks proves the bulk-load path (which small data does not take) leaves the schema as
// it found it, and that the restored foreign keys check the loaded rows.
func TestSuspendChecks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		if err := migrations.Up(ctx, db, d); err != nil {
			t.Fatal(err)
		}
		before := schemaOf(t, db, d)
		if len(before) < 5 {
			t.Fatalf("datapoint's schema: %q", before)
		}
		load := func(rows [][]any) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			w := &writer{tx: tx, d: d, progress: io.Discard}
			restore, err := w.suspendChecks(ctx, "datapoint")
			if err != nil {
				t.Fatal(err)
			}
			if len(restore) == 0 {
				t.Fatal("nothing suspended")
			}
			b := w.batch("datapoints", "datapoint", []string{"indicator_id", "location_id", "campaign_id", "data_date", "value", "created_at"}, len(rows))
			for _, r := range rows {
				b.add(ctx, r...)
			}
			if _, err := b.close(ctx); err != nil {
				return err
			}
			if err := w.restoreChecks(ctx, "datapoint", restore); err != nil {
				return err
			}
			return tx.Commit()
		}
		now := d.Bind(field.DateTime, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		day := d.Bind(field.Date, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		nextDay := d.Bind(field.Date, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
		mustExec := func(q string, args ...any) {
			if _, err := db.ExecContext(ctx, d.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		mustExec(`INSERT INTO location_type (id, name, admin_level) VALUES (1, 'Country', 0)`)
		mustExec(`INSERT INTO location (id, name, location_code, location_type_id, created_at) VALUES (1, 'A', 'A', 1, ?)`, now)
		mustExec(`INSERT INTO indicator (id, short_name, name, data_format, created_at) VALUES (1, 'i', 'I', 'int', ?)`, now)

		// A row pointing at no indicator: on PostgreSQL the restored foreign key refuses it; SQLite
		// keeps checking foreign keys row by row throughout.
		if err := load([][]any{{99, 1, nil, day, 1.0, now}}); err == nil {
			t.Error("a datapoint of a missing indicator was loaded")
		}
		if got := schemaOf(t, db, d); !slices.Equal(got, before) {
			t.Errorf("after a failed load the schema is\n%q\nwant\n%q", got, before)
		}
		if err := load([][]any{{1, 1, nil, day, 1.0, now}, {1, 1, nil, nextDay, 2.0, now}}); err != nil {
			t.Fatalf("a good load: %v", err)
		}
		if got := schemaOf(t, db, d); !slices.Equal(got, before) {
			t.Errorf("after a load the schema is\n%q\nwant\n%q", got, before)
		}
	})
}
