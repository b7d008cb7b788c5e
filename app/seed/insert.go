package seed

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// rowsPerStatement caps the rows of one multi-row INSERT (dialect.BulkInsert also keeps a statement
// within the backend's bound parameters; with at most 9 columns, 500 rows are far below).
const rowsPerStatement = 500

// progressFrom is the row count from which a table reports every tenth of its progress, not only its
// end.
const progressFrom = 10_000

// writer inserts a dataset inside one transaction.
type writer struct {
	tx       *sql.Tx
	d        dialect.Dialect
	progress io.Writer
}

func (w *writer) timestamp(t time.Time) any { return w.d.Bind(field.DateTime, t) }
func (w *writer) date(t time.Time) any      { return w.d.Bind(field.Date, t) }

// nullFloat is NULL for nil.
func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// nullID is NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// insertAll inserts every table of the dataset, parents first.
func (w *writer) insertAll(ctx context.Context, g *dataset) (Counts, error) {
	var c Counts
	var err error

	b := w.batch("location types", "location_type", []string{"id", "name", "admin_level"}, len(locationTypes))
	for _, t := range locationTypes {
		b.add(ctx, t.id, t.name, t.adminLevel)
	}
	if c.LocationTypes, err = b.close(ctx); err != nil {
		return c, err
	}

	b = w.batch("locations", "location", []string{"id", "name", "location_code", "location_type_id", "parent_location_id", "latitude", "longitude", "created_at"}, len(g.locations))
	for _, l := range g.locations {
		b.add(ctx, l.id, l.name, l.code, locationTypes[l.level].id, nullID(l.parent), nullFloat(l.lat), nullFloat(l.lon), w.timestamp(l.createdAt))
	}
	if c.Locations, err = b.close(ctx); err != nil {
		return c, err
	}

	b = w.batch("indicators", "indicator", []string{"id", "short_name", "name", "description", "data_format", "is_reported", "good_bound", "bad_bound", "created_at"}, len(g.indicators))
	for _, ind := range g.indicators {
		b.add(ctx, ind.id, ind.short, ind.name, ind.description, ind.format, ind.kind != kindCalculated, nullFloat(ind.good), nullFloat(ind.bad), w.timestamp(ind.createdAt))
	}
	if c.Indicators, err = b.close(ctx); err != nil {
		return c, err
	}

	b = w.batch("indicator calculations", "indicator_calculation", []string{"id", "indicator_id", "component_id", "role"}, len(g.calcs))
	for _, k := range g.calcs {
		b.add(ctx, k.id, k.indicator, k.component, k.role)
	}
	if c.IndicatorCalculations, err = b.close(ctx); err != nil {
		return c, err
	}

	b = w.batch("campaign types", "campaign_type", []string{"id", "name"}, len(campaignTypes))
	for _, t := range campaignTypes {
		b.add(ctx, t.id, t.name)
	}
	if c.CampaignTypes, err = b.close(ctx); err != nil {
		return c, err
	}

	b = w.batch("campaigns", "campaign", []string{"id", "name", "campaign_type_id", "top_lvl_location_id", "start_date", "end_date", "created_at"}, len(g.campaigns))
	for _, k := range g.campaigns {
		b.add(ctx, k.id, k.name, k.typeID, k.top, w.date(k.start), w.date(k.end), w.timestamp(k.createdAt))
	}
	if c.Campaigns, err = b.close(ctx); err != nil {
		return c, err
	}

	total := 0
	_ = g.eachDatapoint(func(*datapoint) error { total++; return nil }) // this emit never fails
	dataDates := map[int64]any{}
	for _, k := range g.campaigns {
		dataDates[k.id] = w.date(k.start)
	}
	var restore []string
	if total >= bulkFrom {
		if restore, err = w.suspendChecks(ctx, "datapoint"); err != nil {
			return c, err
		}
	}
	b = w.batch("datapoints", "datapoint", []string{"id", "indicator_id", "location_id", "campaign_id", "data_date", "value", "created_at"}, total)
	if err := g.eachDatapoint(func(dp *datapoint) error {
		return b.add(ctx, dp.id, dp.indicator, dp.location, dp.campaign, dataDates[dp.campaign], dp.value, w.timestamp(dp.createdAt))
	}); err != nil {
		return c, err
	}
	if c.Datapoints, err = b.close(ctx); err != nil {
		return c, err
	}
	if err := w.restoreChecks(ctx, "datapoint", restore); err != nil {
		return c, err
	}

	b = w.batch("custom dashboards", "custom_dashboard", []string{"id", "title", "description", "layout", "created_at", "updated_at"}, len(g.dashboards))
	for _, k := range g.dashboards {
		b.add(ctx, k.id, k.title, k.description, w.d.Bind(field.JSON, k.layout), w.timestamp(k.createdAt), w.timestamp(k.updatedAt))
	}
	if c.CustomDashboards, err = b.close(ctx); err != nil {
		return c, err
	}

	b = w.batch("custom charts", "custom_chart", []string{"id", "title", "chart_json", "dashboard_id", "created_at", "updated_at"}, len(g.charts))
	for _, k := range g.charts {
		b.add(ctx, k.id, k.title, w.d.Bind(field.JSON, k.chartJSON), nullID(k.dashboard), w.timestamp(k.createdAt), w.timestamp(k.updatedAt))
	}
	if c.CustomCharts, err = b.close(ctx); err != nil {
		return c, err
	}
	return c, nil
}

// batch inserts the rows of one table with multi-row INSERT statements and bound parameters
// (dialect.BulkInsert), and reports its progress. The first error sticks: later adds do nothing and
// close returns it, so that callers may check once.
type batch struct {
	w        *writer
	label    string
	table    string
	ins      *dialect.BulkInsert
	q        *dialect.InsertBatch
	full     *sql.Stmt // the statement of a full chunk (always the same), prepared on first use
	done     int
	total    int
	reported int // the last tenth reported
}

func (w *writer) batch(label, table string, cols []string, total int) *batch {
	b := &batch{w: w, label: label, table: table, total: total,
		ins: w.d.BulkInsert(table, cols...).MaxRows(rowsPerStatement)}
	b.q = b.ins.Batch(b.run)
	return b
}

// add queues one row, its values in column order, and sends a full chunk.
func (b *batch) add(ctx context.Context, values ...any) error { return b.q.Add(ctx, values...) }

// run sends one statement: a full chunk's through the statement prepared once.
func (b *batch) run(ctx context.Context, query string, args []any) error {
	var err error
	if len(args) == b.ins.RowsPerStatement()*b.ins.Width() {
		if b.full == nil {
			b.full, err = b.w.tx.PrepareContext(ctx, query)
		}
		if err == nil {
			_, err = b.full.ExecContext(ctx, args...)
		}
	} else {
		_, err = b.w.tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return fmt.Errorf("seed: insert into %s: %w", b.table, err)
	}
	b.done += len(args) / b.ins.Width()
	if b.total >= progressFrom && b.done < b.total {
		if tenth := b.done * 10 / b.total; tenth > b.reported {
			b.reported = tenth
			b.report()
		}
	}
	return nil
}

func (b *batch) report() {
	pct := 100
	if b.total > 0 {
		pct = b.done * 100 / b.total
	}
	fmt.Fprintf(b.w.progress, "seeding %s: %d%% (%d/%d)\n", b.label, pct, b.done, b.total)
}

// close sends the last rows and returns how many rows the table got.
func (b *batch) close(ctx context.Context) (int, error) {
	err := b.q.Flush(ctx)
	if b.full != nil {
		b.full.Close()
	}
	if err != nil {
		return b.done, err
	}
	b.report()
	return b.done, nil
}

// bulkFrom is the row count from which a table's secondary indexes (and, on PostgreSQL, its foreign
// keys) are dropped for the load and restored after it: building an index once is faster than
// keeping it up to date row by row, and one validating query is faster than a check per row.
const bulkFrom = 50_000

// suspendChecks drops the table's non-unique indexes and, on PostgreSQL, its foreign keys, and returns
// the statements that restore them. Both are read from the database's catalogue and restored from
// their own definitions, inside the transaction: a load that fails leaves the schema as it was, and
// the restored foreign keys validate every loaded row.
func (w *writer) suspendChecks(ctx context.Context, table string) ([]string, error) {
	var catalogue string
	if w.d.Name() == dialect.Postgres {
		catalogue = `
SELECT 'DROP INDEX ' || quote_ident(c.relname), pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = to_regclass($1) AND NOT i.indisunique AND NOT i.indisprimary
UNION ALL
SELECT 'ALTER TABLE ' || quote_ident($1) || ' DROP CONSTRAINT ' || quote_ident(conname),
       'ALTER TABLE ' || quote_ident($1) || ' ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = to_regclass($1) AND contype = 'f'`
	} else {
		catalogue = `
SELECT 'DROP INDEX "' || replace(name, '"', '""') || '"', sql
FROM sqlite_master
WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'`
	}
	rows, err := w.tx.QueryContext(ctx, catalogue, table)
	if err != nil {
		return nil, fmt.Errorf("seed: read the indexes of %s: %w", table, err)
	}
	var drop, restore []string
	for rows.Next() {
		var d, r string
		if err := rows.Scan(&d, &r); err != nil {
			rows.Close()
			return nil, err
		}
		drop, restore = append(drop, d), append(restore, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, q := range drop {
		if _, err := w.tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("seed: %s: %w", q, err)
		}
	}
	return restore, nil
}

// restoreChecks runs the statements suspendChecks returned.
func (w *writer) restoreChecks(ctx context.Context, table string, restore []string) error {
	for _, q := range restore {
		if _, err := w.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed: restore an index or foreign key of %s: %w", table, err)
		}
	}
	return nil
}
