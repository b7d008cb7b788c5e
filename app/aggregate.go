package main

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
)

// pipelineLock is the name (dialect.LockTransaction) that the transactions writing datapoints and
// aggregates in bulk take first: transform_upload's pipeline and agg_refresh. They find, then write
// (a NULL campaign escapes datapoint's unique key, and an aggregate's rows are recomputed whole), so
// two of them at once, in two documents or two processes, could both find a row missing and both
// insert it; one after the other, they cannot.
const pipelineLock = "datapoint.pipeline"

// aggregateCampaign is DASHBOARD.md's aggregate_and_calculate for one campaign, run inside the
// caller's transaction:
//
//   - for every location under the campaign's top location (the top included) and every indicator,
//     the location's own datapoint of the campaign when it has one (the latest data_date when it has
//     several); otherwise the sum (int indicators) or the mean (pct, bool) of the datapoints of the
//     campaign at the locations below it, where a location's own value stands for its whole subtree
//     (the values under it are not counted again above it);
//   - then every indicator with calculations gets, per location, sum(numerators) / sum(denominators)
//     of those values, replacing any aggregate of its own; no row where no numerator or no denominator
//     has a value, or where the denominators sum to 0.
//
// The rows are written so that a second run with the same data changes nothing: a row keeps its id
// while its value holds, changed values are updated, and rows no longer computed are deleted.
func aggregateCampaign(ctx context.Context, db dialect.Querier, d dialect.Dialect, campaignID int64) error {
	var top int64
	err := db.QueryRowContext(ctx, d.Rebind(`SELECT top_lvl_location_id FROM campaign WHERE id = ?`), campaignID).Scan(&top)
	if errors.Is(err, sql.ErrNoRows) {
		return apierror.New(apierror.ObjectDoesNotExist, "There is no campaign %d.", campaignID).With("parameter", "campaign_id")
	}
	if err != nil {
		return err
	}
	// The subtree: each location with its parent (the top's parent is outside).
	parent := map[int64]int64{}
	rows, err := db.QueryContext(ctx, d.Rebind(`WITH RECURSIVE sub(id, parent) AS (
		SELECT id, parent_location_id FROM location WHERE id = ?
		UNION ALL
		SELECT l.id, l.parent_location_id FROM location l JOIN sub ON l.parent_location_id = sub.id
	) SELECT id, coalesce(parent, 0) FROM sub`), top)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, p int64
		if err := rows.Scan(&id, &p); err != nil {
			rows.Close()
			return err
		}
		parent[id] = p
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	format := map[int64]string{}
	if err := eachRow(ctx, db, d, `SELECT id, data_format FROM indicator`, nil, func(s scanner) error {
		var id int64
		var f string
		err := s.Scan(&id, &f)
		format[id] = f
		return err
	}); err != nil {
		return err
	}

	type key struct{ loc, ind int64 }
	type acc struct {
		sum float64
		n   int
	}
	own := map[key]float64{}
	var order []key // own values in a fixed order, so that sums are the same on every run
	if err := eachRow(ctx, db, d, `SELECT location_id, indicator_id, value FROM datapoint WHERE campaign_id = ?
		ORDER BY location_id, indicator_id, data_date, id`, []any{campaignID}, func(s scanner) error {
		var k key
		var v float64
		if err := s.Scan(&k.loc, &k.ind, &v); err != nil {
			return err
		}
		if _, in := parent[k.loc]; !in {
			return nil
		}
		if _, seen := own[k]; !seen {
			order = append(order, k)
		}
		own[k] = v // the latest data_date wins
		return nil
	}); err != nil {
		return err
	}
	below := map[key]*acc{}
	for _, k := range order {
		// A value counts for each ancestor up to (not including) the first that has its own value,
		// which stands for its whole subtree from there up.
		for a := parent[k.loc]; ; a = parent[a] {
			if _, in := parent[a]; !in {
				break
			}
			if _, has := own[key{a, k.ind}]; has {
				break
			}
			c := below[key{a, k.ind}]
			if c == nil {
				c = &acc{}
				below[key{a, k.ind}] = c
			}
			c.sum += own[k]
			c.n++
		}
	}
	value := map[key]float64{}
	for k, c := range below {
		if format[k.ind] == "int" {
			value[k] = c.sum
		} else {
			value[k] = c.sum / float64(c.n)
		}
	}
	for k, v := range own {
		value[k] = v
	}

	// Calculated indicators.
	type calc struct{ num, den []int64 }
	calcs := map[int64]*calc{}
	if err := eachRow(ctx, db, d, `SELECT indicator_id, component_id, role FROM indicator_calculation ORDER BY indicator_id, component_id`, nil, func(s scanner) error {
		var ind, comp int64
		var role string
		if err := s.Scan(&ind, &comp, &role); err != nil {
			return err
		}
		c := calcs[ind]
		if c == nil {
			c = &calc{}
			calcs[ind] = c
		}
		if role == "numerator" {
			c.num = append(c.num, comp)
		} else {
			c.den = append(c.den, comp)
		}
		return nil
	}); err != nil {
		return err
	}
	sum := func(loc int64, comps []int64) (float64, bool) {
		var s float64
		var any bool
		for _, c := range comps {
			if v, ok := value[key{loc, c}]; ok {
				s, any = s+v, true
			}
		}
		return s, any
	}
	computed := map[key]float64{}
	for ind, c := range calcs {
		for loc := range parent {
			num, okN := sum(loc, c.num)
			den, okD := sum(loc, c.den)
			if okN && okD && den != 0 {
				computed[key{loc, ind}] = num / den
			}
		}
	}
	for k := range value {
		if calcs[k.ind] != nil {
			delete(value, k)
		}
	}
	for k, v := range computed {
		value[k] = v
	}

	// Write the difference.
	existing := map[key]struct {
		id int64
		v  float64
	}{}
	if err := eachRow(ctx, db, d, `SELECT id, location_id, indicator_id, value FROM agg_datapoint WHERE campaign_id = ?`, []any{campaignID}, func(s scanner) error {
		var id int64
		var k key
		var v float64
		err := s.Scan(&id, &k.loc, &k.ind, &v)
		existing[k] = struct {
			id int64
			v  float64
		}{id, v}
		return err
	}); err != nil {
		return err
	}
	var stale []int64
	for k, e := range existing {
		if _, keep := value[k]; !keep {
			stale = append(stale, e.id)
		}
	}
	sort.Slice(stale, func(i, j int) bool { return stale[i] < stale[j] })
	keys := make([]key, 0, len(value))
	for k := range value {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].loc != keys[j].loc {
			return keys[i].loc < keys[j].loc
		}
		return keys[i].ind < keys[j].ind
	})
	var inserts [][]any // campaign, location, indicator, value
	var updates [][]any // id, value
	for _, k := range keys {
		v := value[k]
		e, ok := existing[k]
		switch {
		case ok && e.v == v:
		case ok:
			updates = append(updates, []any{e.id, v})
		default:
			inserts = append(inserts, []any{campaignID, k.loc, k.ind, v})
		}
	}
	return writeAggregates(ctx, db, d, stale, inserts, updates)
}

// aggChunk bounds the rows of one statement writing agg_datapoint.
const aggChunk = 250

// writeAggregates deletes, inserts and updates agg_datapoint rows a chunk a statement: a DELETE ... IN,
// a multi-row INSERT, and an UPDATE ... CASE for the changed values.
func writeAggregates(ctx context.Context, db dialect.Querier, d dialect.Dialect, stale []int64, inserts, updates [][]any) error {
	exec := func(query string, args []any) error {
		if _, err := db.ExecContext(ctx, d.Rebind(query), args...); err != nil {
			return err
		}
		return nil
	}
	for start := 0; start < len(stale); start += aggChunk {
		chunk := stale[start:min(start+aggChunk, len(stale))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := exec(`DELETE FROM agg_datapoint WHERE id IN (`+placeholders(len(chunk), 1)+`)`, args); err != nil {
			return err
		}
	}
	ins := d.BulkInsert("agg_datapoint", "campaign_id", "location_id", "indicator_id", "value").MaxRows(aggChunk).
		Batch(execRun(db))
	for _, row := range inserts {
		if err := ins.Add(ctx, row...); err != nil {
			return err
		}
	}
	if err := ins.Flush(ctx); err != nil {
		return err
	}
	for start := 0; start < len(updates); start += aggChunk {
		chunk := updates[start:min(start+aggChunk, len(updates))]
		var cases strings.Builder
		var args, ids []any
		for _, row := range chunk {
			cases.WriteString(" WHEN ? THEN CAST(? AS DOUBLE PRECISION)")
			args = append(args, row[0], row[1])
			ids = append(ids, row[0])
		}
		query := `UPDATE agg_datapoint SET value = CASE id` + cases.String() + ` END WHERE id IN (` + placeholders(len(chunk), 1) + `)`
		if err := exec(query, append(args, ids...)); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns n groups of width question marks: "?, ?" for (2, 1), "(?, ?), (?, ?)" for (2, 2).
func placeholders(n, width int) string {
	group := strings.TrimSuffix(strings.Repeat("?, ", width), ", ")
	if width > 1 {
		group = "(" + group + ")"
	}
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}

type scanner interface{ Scan(dest ...any) error }

func eachRow(ctx context.Context, db dialect.Querier, d dialect.Dialect, query string, args []any, fn func(scanner) error) error {
	rows, err := db.QueryContext(ctx, d.Rebind(query), args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := fn(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return closeRows(rows)
}

func closeRows(rows *dialect.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
