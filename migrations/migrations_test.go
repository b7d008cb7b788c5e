package migrations_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// col is the expected description of one column. Primary keys are listed with pk set and are
// expected to be integers, not null and unique.
type col struct {
	name     string
	typ      field.Type
	nullable bool
	unique   bool
	ref      string
	maxLen   int
	pk       bool
}

func pk() col { return col{name: "id", typ: field.Integer, unique: true, pk: true} }

// text returns a NOT NULL VARCHAR(n) column (n = 0: unbounded TEXT).
func text(name string, n int) col { return col{name: name, typ: field.String, maxLen: n} }

func fk(name, table string, nullable bool) col {
	return col{name: name, typ: field.Integer, ref: table, nullable: nullable}
}

func typed(name string, t field.Type, nullable bool) col {
	return col{name: name, typ: t, nullable: nullable}
}

func (c col) uniq() col { c.unique = true; return c }
func (c col) null() col { c.nullable = true; return c }

// schema is DASHBOARD.md's tables, column by column in declaration order.
var schema = []struct {
	table   string
	columns []col
}{
	{"location_type", []col{pk(), text("name", 255).uniq(), typed("admin_level", field.Integer, false)}},
	{"location", []col{
		pk(), text("name", 255), text("location_code", 255).uniq(),
		fk("location_type_id", "location_type", false), fk("parent_location_id", "location", true),
		typed("latitude", field.Float, true), typed("longitude", field.Float, true),
		typed("created_at", field.DateTime, false),
	}},
	{"indicator", []col{
		pk(), text("short_name", 255).uniq(), text("name", 255), text("description", 0),
		text("data_format", 0), typed("is_reported", field.Boolean, false),
		typed("good_bound", field.Float, true), typed("bad_bound", field.Float, true),
		typed("created_at", field.DateTime, false),
	}},
	{"indicator_calculation", []col{
		pk(), fk("indicator_id", "indicator", false), fk("component_id", "indicator", false), text("role", 0),
	}},
	{"campaign_type", []col{pk(), text("name", 255).uniq()}},
	{"campaign", []col{
		pk(), text("name", 255), fk("campaign_type_id", "campaign_type", false),
		fk("top_lvl_location_id", "location", false),
		typed("start_date", field.Date, false), typed("end_date", field.Date, false),
		typed("created_at", field.DateTime, false),
	}},
	{"datapoint", []col{
		pk(), fk("indicator_id", "indicator", false), fk("location_id", "location", false),
		fk("campaign_id", "campaign", true), typed("data_date", field.Date, false),
		typed("value", field.Float, false), fk("source_submission_id", "source_submission", true),
		typed("created_at", field.DateTime, false),
	}},
	{"agg_datapoint", []col{
		pk(), fk("campaign_id", "campaign", false), fk("location_id", "location", false),
		fk("indicator_id", "indicator", false), typed("value", field.Float, false),
	}},
	{"source_doc", []col{
		pk(), text("doc_title", 255), text("file_type", 0), text("content", 0), text("status", 0),
		fk("created_by_id", "app_user", true), typed("created_at", field.DateTime, false),
	}},
	{"source_submission", []col{
		pk(), fk("document_id", "source_doc", false), typed("row_number", field.Integer, false),
		text("location_code", 0), text("campaign_name", 0).null(), typed("data_date", field.Date, true),
		text("submission_json", 0), text("process_status", 0), text("error", 0).null(),
	}},
	{"app_user", []col{
		pk(), text("username", 150).uniq(), text("email", 254), typed("is_superuser", field.Boolean, false),
		fk("top_level_location_id", "location", true), typed("created_at", field.DateTime, false),
		text("password_hash", 0).null(),
	}},
	{"api_key", []col{
		pk(), fk("user_id", "app_user", false), text("key_id", 12).uniq(), text("key_hash", 0),
		typed("created_at", field.DateTime, false), typed("last_used_at", field.DateTime, true),
		typed("revoked_at", field.DateTime, true),
	}},
	{"processing_run", []col{
		pk(), text("resource", 255), typed("parameters", field.JSON, false), fk("user_id", "app_user", true), text("username", 150).null(),
		typed("started_at", field.DateTime, false), typed("ended_at", field.DateTime, true),
		text("status", 0), text("error", 0).null(),
	}},
	{"custom_dashboard", []col{
		pk(), text("title", 255), text("description", 0), typed("layout", field.JSON, false),
		fk("owner_id", "app_user", true),
		typed("created_at", field.DateTime, true), typed("updated_at", field.DateTime, true),
	}},
	{"custom_chart", []col{
		pk(), text("title", 255), typed("chart_json", field.JSON, false),
		fk("dashboard_id", "custom_dashboard", true),
		typed("created_at", field.DateTime, true), typed("updated_at", field.DateTime, true),
	}},
}

func up(t *testing.T, db *sql.DB, d dialect.Dialect) {
	t.Helper()
	if err := migrations.Up(context.Background(), db, d); err != nil {
		t.Fatalf("Up: %v", err)
	}
}

func TestUpIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		before, err := migrations.Status(ctx, db, d)
		if err != nil {
			t.Fatalf("Status on an empty database: %v", err)
		}
		if len(before) == 0 {
			t.Fatal("Status lists no migrations")
		}
		for _, m := range before {
			if m.Applied {
				t.Errorf("%s is applied on an empty database", m.Name)
			}
		}
		up(t, db, d)
		first, err := migrations.Status(ctx, db, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range first {
			if !m.Applied || m.AppliedAt.IsZero() {
				t.Errorf("%s is not applied after Up: %+v", m.Name, m)
			}
		}
		up(t, db, d)
		second, err := migrations.Status(ctx, db, d)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(first, second, func(a, b migrations.Migration) bool {
			return a.Version == b.Version && a.Name == b.Name && a.Applied == b.Applied && a.AppliedAt.Equal(b.AppliedAt)
		}) {
			t.Errorf("the second Up changed the applied migrations:\n first  %+v\n second %+v", first, second)
		}
	})
}

func TestSchemaMatchesSpec(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		up(t, db, d)
		for _, tc := range schema {
			t.Run(tc.table, func(t *testing.T) {
				got, err := d.DescribeTable(context.Background(), db, tc.table)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, c := range got.Columns {
					names = append(names, c.Name)
				}
				var want []string
				for _, c := range tc.columns {
					want = append(want, c.name)
				}
				if !slices.Equal(names, want) {
					t.Fatalf("columns = %v, want %v", names, want)
				}
				for i, w := range tc.columns {
					c := got.Columns[i]
					if c.Type != w.typ || c.Nullable != w.nullable || c.Unique != w.unique ||
						c.References != w.ref || c.MaxLength != w.maxLen || c.PrimaryKey != w.pk {
						t.Errorf("%s: got type=%v nullable=%v unique=%v references=%q max=%d pk=%v, want type=%v nullable=%v unique=%v references=%q max=%d pk=%v",
							w.name, c.Type, c.Nullable, c.Unique, c.References, c.MaxLength, c.PrimaryKey,
							w.typ, w.nullable, w.unique, w.ref, w.maxLen, w.pk)
					}
					if w.pk && !c.HasDefault {
						t.Errorf("%s: the primary key is not generated by the database", w.name)
					}
					if (w.name == "created_at" || w.name == "updated_at") && c.HasDefault {
						t.Errorf("%s has a database default %q; the framework sets it", w.name, c.Default)
					}
				}
			})
		}
	})
}

// leadingIndexColumns returns, for a table, the first column of each of its indexes (unique
// constraints and the primary key included).
func leadingIndexColumns(t *testing.T, db *sql.DB, d dialect.Dialect, table string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	out := map[string]bool{}
	var query string
	if d.Name() == dialect.Postgres {
		query = `
SELECT a.attname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
WHERE n.nspname = current_schema() AND c.relname = $1`
	} else {
		query = `
SELECT ii.name
FROM pragma_index_list(?) il, pragma_index_info(il.name) ii
WHERE ii.seqno = 0`
	}
	rows, err := db.QueryContext(ctx, query, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIndexes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		up(t, db, d)
		for _, tc := range schema {
			leading := leadingIndexColumns(t, db, d, tc.table)
			for _, c := range tc.columns {
				if c.ref != "" && !leading[c.name] {
					t.Errorf("%s.%s is a foreign key that leads no index", tc.table, c.name)
				}
			}
		}
		// The composite index the campaign views scan.
		var n int
		var q string
		if d.Name() == dialect.Postgres {
			q = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'datapoint'
			     AND indexdef LIKE '%(campaign_id, indicator_id, location_id)'`
		} else {
			q = `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'datapoint'
			     AND sql LIKE '%(campaign_id, indicator_id, location_id)'`
		}
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("datapoint has %d indexes on (campaign_id, indicator_id, location_id), want 1", n)
		}
	})
}

func TestConstraints(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		up(t, db, d)
		ctx := context.Background()
		now := d.Bind(field.DateTime, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
		date := func(s string) any {
			v, err := field.ParseDate(s)
			if err != nil {
				t.Fatal(err)
			}
			return d.Bind(field.Date, v)
		}
		classifying := dialect.NewDB(db, d)
		exec := func(query string, args ...any) error {
			_, err := classifying.ExecContext(ctx, d.Rebind(query), args...)
			return err
		}
		// Rows the cases below refer to.
		fixtures := []struct {
			query string
			args  []any
		}{
			{`INSERT INTO location_type (id, name, admin_level) VALUES (1, 'country', 0)`, nil},
			{`INSERT INTO location (id, name, location_code, location_type_id, created_at) VALUES (1, 'Afghanistan', 'AF', 1, ?)`, []any{now}},
			{`INSERT INTO indicator (id, short_name, name, data_format, created_at) VALUES (1, 'polio_cases', 'Polio cases', 'int', ?)`, []any{now}},
			{`INSERT INTO campaign_type (id, name) VALUES (1, 'NID')`, nil},
			{`INSERT INTO app_user (id, username, email, created_at) VALUES (1, 'admin', '', ?)`, []any{now}},
			{`INSERT INTO api_key (user_id, key_id, key_hash, created_at) VALUES (1, '0123456789ab', 'h', ?)`, []any{now}},
		}
		for _, f := range fixtures {
			if err := exec(f.query, f.args...); err != nil {
				t.Fatalf("%s: %v", f.query, err)
			}
		}
		cases := []struct {
			name  string
			query string
			args  []any
			code  apierror.Code // the class a dialect.DB gives the database's refusal
		}{
			{"duplicate location_type name", `INSERT INTO location_type (name, admin_level) VALUES ('country', 1)`, nil, apierror.Conflict},
			{"duplicate location_code", `INSERT INTO location (name, location_code, location_type_id, created_at) VALUES ('Other', 'AF', 1, ?)`, []any{now}, apierror.Conflict},
			{"duplicate indicator short_name", `INSERT INTO indicator (short_name, name, data_format, created_at) VALUES ('polio_cases', 'x', 'int', ?)`, []any{now}, apierror.Conflict},
			{"unknown location_type", `INSERT INTO location (name, location_code, location_type_id, created_at) VALUES ('X', 'X', 99, ?)`, []any{now}, apierror.Conflict},
			{"unknown parent location", `INSERT INTO location (name, location_code, location_type_id, parent_location_id, created_at) VALUES ('X', 'X', 1, 99, ?)`, []any{now}, apierror.Conflict},
			{"delete a referenced location_type", `DELETE FROM location_type WHERE id = 1`, nil, apierror.Conflict},
			{"bad data_format", `INSERT INTO indicator (short_name, name, data_format, created_at) VALUES ('x', 'x', 'percent', ?)`, []any{now}, apierror.ValidationError},
			{"bad admin_level", `INSERT INTO location_type (name, admin_level) VALUES ('galaxy', 9)`, nil, apierror.ValidationError},
			{"end before start", `INSERT INTO campaign (name, campaign_type_id, top_lvl_location_id, start_date, end_date, created_at) VALUES ('c', 1, 1, ?, ?, ?)`, []any{date("2024-02-01"), date("2024-01-01"), now}, apierror.ValidationError},
			{"bad role", `INSERT INTO indicator_calculation (indicator_id, component_id, role) VALUES (1, 1, 'divisor')`, nil, apierror.ValidationError},
			{"bad file_type", `INSERT INTO source_doc (doc_title, file_type, content, created_at) VALUES ('d', 'xlsx', '', ?)`, []any{now}, apierror.ValidationError},
			{"bad status", `INSERT INTO source_doc (doc_title, file_type, content, status, created_at) VALUES ('d', 'date', '', 'lost', ?)`, []any{now}, apierror.ValidationError},
			{"null campaign_type name", `INSERT INTO campaign_type (name) VALUES (NULL)`, nil, apierror.ValidationError},
			{"missing created_at", `INSERT INTO location (name, location_code, location_type_id) VALUES ('Y', 'Y', 1)`, nil, apierror.ValidationError},
			{"duplicate key_id", `INSERT INTO api_key (user_id, key_id, key_hash, created_at) VALUES (1, '0123456789ab', 'h2', ?)`, []any{now}, apierror.Conflict},
			{"key of an unknown user", `INSERT INTO api_key (user_id, key_id, key_hash, created_at) VALUES (99, 'ba9876543210', 'h', ?)`, []any{now}, apierror.Conflict},
			{"key without a hash", `INSERT INTO api_key (user_id, key_id, key_hash, created_at) VALUES (1, 'ba9876543210', NULL, ?)`, []any{now}, apierror.ValidationError},
			{"delete a user who has keys", `DELETE FROM app_user WHERE id = 1`, nil, apierror.Conflict},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := exec(tc.query, tc.args...)
				if err == nil {
					t.Fatal("the database accepted it")
				}
				e := apierror.As(err)
				if e == nil || e.Code != tc.code {
					t.Fatalf("error %v classified as %v, want %s", err, e, tc.code)
				}
			})
		}
		// The happy path still works, and the defaults are as the spec says.
		if err := exec(`INSERT INTO campaign (name, campaign_type_id, top_lvl_location_id, start_date, end_date, created_at) VALUES ('c', 1, 1, ?, ?, ?)`,
			date("2024-01-01"), date("2024-01-01"), now); err != nil {
			t.Fatalf("a one-day campaign: %v", err)
		}
		var desc string
		var reported bool
		if err := db.QueryRowContext(ctx, `SELECT description, is_reported FROM indicator WHERE id = 1`).Scan(&desc, &reported); err != nil {
			t.Fatal(err)
		}
		if desc != "" || !reported {
			t.Errorf("indicator defaults: description=%q is_reported=%v, want \"\" and true", desc, reported)
		}
	})
}
