package seed_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// allTables is every table of the schema; the ones seed leaves empty must stay empty.
var allTables = []string{
	"location_type", "location", "indicator", "indicator_calculation", "campaign_type", "campaign",
	"datapoint", "agg_datapoint", "source_doc", "source_submission", "app_user", "custom_dashboard",
	"custom_chart",
}

// smallCounts is what seeding small gives. It is a golden value: a change to how the data is drawn
// changes it, and everyone's tests and benchmarks see other data, so change it deliberately.
var smallCounts = seed.Counts{
	LocationTypes: 5, Locations: 104, Indicators: 20, IndicatorCalculations: 4, CampaignTypes: 4,
	Campaigns: 4, Datapoints: 5008, CustomDashboards: 3, CustomCharts: 5,
}

func seeded(t *testing.T, db *sql.DB, d dialect.Dialect, size seed.Size) (seed.Counts, string) {
	t.Helper()
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		t.Fatalf("migrations.Up: %v", err)
	}
	var progress bytes.Buffer
	counts, err := seed.Run(ctx, db, d, size, &progress)
	if err != nil {
		t.Fatalf("seed.Run(%s): %v", size, err)
	}
	return counts, progress.String()
}

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRunSmall(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		counts, progress := seeded(t, db, d, seed.Small)
		if counts != smallCounts {
			t.Errorf("counts = %+v, want %+v", counts, smallCounts)
		}
		want := map[string]int{}
		for _, tc := range counts.Tables() {
			want[tc.Table] = tc.Rows
		}
		for _, table := range allTables {
			if got := count(t, db, table); got != want[table] {
				t.Errorf("%s has %d rows, Run says %d", table, got, want[table])
			}
		}
		for _, line := range []string{"seeding locations: 100% (104/104)\n", "seeding datapoints: 100% (5008/5008)\n"} {
			if !strings.Contains(progress, line) {
				t.Errorf("progress lacks %q:\n%s", line, progress)
			}
		}
	})
}

func TestRunIsDeterministic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		seeded(t, db, d, seed.Small)
		other, _ := testdb.Open(t, d.Name())
		seeded(t, other, d, seed.Small)
		a, b := checksums(t, db, d), checksums(t, other, d)
		for _, table := range allTables {
			if a[table] != b[table] {
				t.Errorf("%s differs between two seeded databases", table)
			}
		}
	})
}

func TestSameRowsOnBothBackends(t *testing.T) {
	sums := map[dialect.Name]map[string]string{}
	for _, backend := range testdb.Backends {
		db, d := testdb.Open(t, backend)
		seeded(t, db, d, seed.Small)
		sums[backend] = checksums(t, db, d)
	}
	for _, table := range allTables {
		if sums[dialect.SQLite][table] != sums[dialect.Postgres][table] {
			t.Errorf("%s differs between SQLite and PostgreSQL", table)
		}
	}
}

func TestForeignKeysValid(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		seeded(t, db, d, seed.Small)
		ctx := context.Background()
		for _, table := range allTables {
			desc, err := d.DescribeTable(ctx, db, table)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range desc.Columns {
				if c.References == "" {
					continue
				}
				var orphans int
				q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s IS NOT NULL AND %[2]s NOT IN (SELECT id FROM %s)`,
					d.Quote(table), d.Quote(c.Name), d.Quote(c.References))
				if err := db.QueryRowContext(ctx, q).Scan(&orphans); err != nil {
					t.Fatal(err)
				}
				if orphans > 0 {
					t.Errorf("%s.%s: %d rows point at no %s", table, c.Name, orphans, c.References)
				}
			}
		}
	})
}

func TestRefusesNonEmptyDatabase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		seeded(t, db, d, seed.Small)
		_, err := seed.Run(context.Background(), db, d, seed.Small, nil)
		if !errors.Is(err, seed.ErrNotEmpty) || !strings.Contains(err.Error(), "location") {
			t.Fatalf("second Run: err = %v, want ErrNotEmpty naming location", err)
		}
		if got := count(t, db, "location"); got != smallCounts.Locations {
			t.Errorf("location has %d rows after the refused Run, want %d", got, smallCounts.Locations)
		}
	})
}

func TestRunNeedsSchema(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		_, err := seed.Run(context.Background(), db, d, seed.Small, nil)
		if err == nil || !strings.Contains(err.Error(), "migrated") {
			t.Fatalf("Run on an empty schema: err = %v, want one that says to migrate", err)
		}
	})
}

func TestLaterInsertsGetFreshIDs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		seeded(t, db, d, seed.Small)
		now := d.Bind(field.DateTime, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
		var id int64
		err := db.QueryRow(d.Rebind(`INSERT INTO location (name, location_code, location_type_id, created_at) VALUES ('New', 'NEW', 1, ?) RETURNING id`), now).Scan(&id)
		if err != nil {
			t.Fatalf("insert after seeding: %v", err)
		}
		if id != int64(smallCounts.Locations)+1 {
			t.Errorf("new location id = %d, want %d", id, smallCounts.Locations+1)
		}
	})
}

// TestSmallData checks that the small data holds the edge cases the API is meant to meet.
func TestSmallData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		seeded(t, db, d, seed.Small)
		checks := []struct {
			name  string
			query string
			ok    func(n int) bool
		}{
			{"one root, the country AF", `SELECT count(*) FROM location WHERE parent_location_id IS NULL AND location_code = 'AF' AND location_type_id = 1`, eq(1)},
			{"no other root", `SELECT count(*) FROM location WHERE parent_location_id IS NULL`, eq(1)},
			{"a location type per admin level", `SELECT count(DISTINCT admin_level) FROM location_type`, eq(5)},
			{"every level is used", `SELECT count(DISTINCT location_type_id) FROM location`, eq(5)},
			{"children one level below parents", `SELECT count(*) FROM location c JOIN location p ON p.id = c.parent_location_id
				JOIN location_type ct ON ct.id = c.location_type_id JOIN location_type pt ON pt.id = p.location_type_id
				WHERE ct.admin_level <> pt.admin_level + 1`, eq(0)},
			{"codes extend their parent's", `SELECT count(*) FROM location c JOIN location p ON p.id = c.parent_location_id
				WHERE c.location_code NOT LIKE p.location_code || '-%'`, eq(0)},
			{"some locations without coordinates", `SELECT count(*) FROM location WHERE latitude IS NULL AND longitude IS NULL`, gt(0)},
			{"polio indicators", `SELECT count(*) FROM indicator WHERE lower(name) LIKE '%polio%'`, gt(1)},
			{"every data format", `SELECT count(DISTINCT data_format) FROM indicator`, eq(3)},
			{"some null bounds", `SELECT count(*) FROM indicator WHERE good_bound IS NULL`, gt(0)},
			{"some empty descriptions", `SELECT count(*) FROM indicator WHERE description = ''`, gt(0)},
			{"calculated indicators not reported", `SELECT count(*) FROM indicator WHERE NOT is_reported`, eq(2)},
			{"numerator and denominator per calculated indicator", `SELECT count(*) FROM (SELECT indicator_id FROM indicator_calculation GROUP BY indicator_id HAVING count(DISTINCT role) = 2) x`, eq(2)},
			{"a campaign over one region", `SELECT count(*) FROM campaign c JOIN location l ON l.id = c.top_lvl_location_id WHERE l.location_type_id = 2`, eq(1)},
			{"a one-day campaign", `SELECT count(*) FROM campaign WHERE end_date = start_date`, eq(1)},
			{"a campaign type without campaigns", `SELECT count(*) FROM campaign_type t WHERE NOT EXISTS (SELECT 1 FROM campaign c WHERE c.campaign_type_id = t.id)`, gt(0)},
			{"datapoints dated at their campaign's start", `SELECT count(*) FROM datapoint p JOIN campaign c ON c.id = p.campaign_id WHERE p.data_date <> c.start_date`, eq(0)},
			{"datapoints only on leaves", `SELECT count(*) FROM datapoint p WHERE EXISTS (SELECT 1 FROM location c WHERE c.parent_location_id = p.location_id)`, eq(0)},
			{"some values are 0", `SELECT count(*) FROM datapoint WHERE value = 0`, gt(100)},
			{"no datapoints for calculated indicators", `SELECT count(*) FROM datapoint p JOIN indicator i ON i.id = p.indicator_id WHERE NOT i.is_reported`, eq(0)},
			{"pct values within 0..1", `SELECT count(*) FROM datapoint p JOIN indicator i ON i.id = p.indicator_id WHERE i.data_format = 'pct' AND (p.value < 0 OR p.value > 1)`, eq(0)},
			{"a chart outside any dashboard", `SELECT count(*) FROM custom_chart WHERE dashboard_id IS NULL`, eq(1)},
		}
		for _, c := range checks {
			t.Run(c.name, func(t *testing.T) {
				var n int
				if err := db.QueryRow(c.query).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
					t.Fatal(err)
				}
				if !c.ok(n) {
					t.Errorf("got %d", n)
				}
			})
		}
		// Some (indicator, location, campaign) combinations are missing.
		var combos, points int
		if err := db.QueryRow(`SELECT count(*) FROM (SELECT DISTINCT location_id, campaign_id FROM datapoint) x`).Scan(&combos); err != nil {
			t.Fatal(err)
		}
		points = count(t, db, "datapoint")
		if points >= combos*18 {
			t.Errorf("%d datapoints over %d location-campaigns of 18 indicators: nothing is missing", points, combos)
		}
		// Dates and timestamps are stored in the framework's forms.
		var created, start string
		q := `SELECT created_at || '', start_date || '' FROM campaign WHERE id = 1` // || '' keeps the driver from parsing
		if d.Name() == dialect.Postgres {
			q = `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), start_date::text FROM campaign WHERE id = 1`
		}
		if err := db.QueryRow(q).Scan(&created, &start); err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse(field.DateTimeLayout, created); err != nil || len(created) != len(field.DateTimeLayout) {
			t.Errorf("campaign.created_at stored as %q, want the form %s", created, field.DateTimeLayout)
		}
		if _, err := time.Parse(field.DateLayout, start); err != nil {
			t.Errorf("campaign.start_date stored as %q, want the form %s", start, field.DateLayout)
		}
	})
}

var codeRe = regexp.MustCompile(`^AF(-R\d\d(-P\d\d(-D\d\d(-S\d\d)?)?)?)?$`)

func TestLocationCodes(t *testing.T) {
	db, d := testdb.Open(t, dialect.SQLite)
	seeded(t, db, d, seed.Small)
	rows, err := db.Query(`SELECT location_code, name FROM location ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			t.Fatal(err)
		}
		if !codeRe.MatchString(code) || name == "" {
			t.Errorf("location %q %q is not coded or named readably", code, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in      string
		want    seed.Size
		wantErr bool
	}{
		{"small", seed.Small, false},
		{"medium", seed.Medium, false},
		{"large", seed.Large, false},
		{"", "", true},
		{"Small", "", true},
		{"huge", "", true},
	}
	for _, c := range cases {
		got, err := seed.ParseSize(c.in)
		if got != c.want || (err != nil) != c.wantErr {
			t.Errorf("ParseSize(%q) = %q, %v; want %q, error %v", c.in, got, err, c.want, c.wantErr)
		}
		var s seed.Size
		if err := s.UnmarshalText([]byte(c.in)); (err != nil) != c.wantErr || s != c.want {
			t.Errorf("UnmarshalText(%q) = %q, %v", c.in, s, err)
		}
	}
	if got := seed.Medium.String(); got != "medium" {
		t.Errorf("Medium.String() = %q", got)
	}
}

func TestCountsString(t *testing.T) {
	s := smallCounts.String()
	for _, want := range []string{"location:", "104", "datapoint:", "5008"} {
		if !strings.Contains(s, want) {
			t.Errorf("Counts.String() lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "\n"); n != len(smallCounts.Tables()) {
		t.Errorf("Counts.String() has %d lines, want %d", n, len(smallCounts.Tables()))
	}
}

func eq(want int) func(int) bool { return func(n int) bool { return n == want } }
func gt(than int) func(int) bool { return func(n int) bool { return n > than } }

// checksums hashes every table's rows, read in id order and written in one canonical text form per
// logical type (so that SQLite's and PostgreSQL's rows compare equal when they hold the same values).
func checksums(t *testing.T, db *sql.DB, d dialect.Dialect) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, table := range allTables {
		desc, err := d.DescribeTable(ctx, db, table)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range desc.Columns {
			cols = append(cols, d.Quote(c.Name))
		}
		rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+d.Quote(table)+" ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, c := range desc.Columns {
				s, err := canonical(c.Type, vals[i])
				if err != nil {
					t.Fatalf("%s.%s: %v", table, c.Name, err)
				}
				fmt.Fprintf(h, "%s|", s)
			}
			h.Write([]byte("\n"))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out[table] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

func canonical(typ field.Type, v any) (string, error) {
	if v == nil {
		return "NULL", nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch typ {
	case field.Integer:
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10), nil
		}
	case field.Float:
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case int64:
			return strconv.FormatFloat(float64(x), 'g', -1, 64), nil
		}
	case field.Boolean:
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), nil
		case int64:
			return strconv.FormatBool(x != 0), nil
		}
	case field.Date, field.DateTime:
		ts, ok := v.(time.Time)
		if s, isText := v.(string); isText {
			var err error
			if ts, err = field.ParseDateTime(s); err != nil {
				return "", err
			}
			ok = true
		}
		if ok {
			if typ == field.Date {
				return ts.Format(field.DateLayout), nil
			}
			return ts.UTC().Format(field.DateTimeLayout), nil
		}
	case field.JSON:
		if s, ok := v.(string); ok {
			var x any
			if err := json.Unmarshal([]byte(s), &x); err != nil {
				return "", err
			}
			b, err := json.Marshal(x)
			return string(b), err
		}
	default:
		if s, ok := v.(string); ok {
			return strconv.Quote(s), nil
		}
	}
	return "", fmt.Errorf("unexpected %T %v for a %s column", v, v, typ)
}
