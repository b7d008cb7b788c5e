package main

// refresh_master (DASHBOARD.md's upload pipeline, step 2): submissions turned into datapoints, inserted
// or updated on the unique key, in bulk.

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// dpKey is datapoint's unique key; for a campaign document without the date: a campaign's value at a
// location updates the campaign's datapoint whatever its date, a new one is dated at the campaign's start.
type dpKey struct {
	ind, loc, campaign int64
	date               string
}

// subData is a submission that resolved, with the datapoints it gives.
type subData struct {
	id   int64
	data []datum
}

// refreshMaster turns the document's to_process submissions into datapoints, a page at a time
// (datapointWriter.write), and marks them processed (or error, when a name no longer resolves). A new
// document's submissions are processed as docTransform writes them; these are the ones a document
// already had. It returns the campaigns touched, in order.
func (p *pipeline) refreshMaster(ctx context.Context) ([]int64, error) {
	w := p.newDatapointWriter()
	var after int64
	for {
		var page []subData
		var failed []struct {
			id  int64
			msg string
		}
		err := eachRow(ctx, p.db, p.d, `SELECT id, submission_json FROM source_submission
			WHERE document_id = ? AND process_status = 'to_process' AND id > ? ORDER BY id LIMIT `+strconv.Itoa(submissionsPerPage),
			[]any{p.docID, after}, func(s scanner) error {
				var id int64
				var js string
				if err := s.Scan(&id, &js); err != nil {
					return err
				}
				after = id
				values := map[string]string{}
				if err := json.Unmarshal([]byte(js), &values); err != nil {
					failed = append(failed, struct {
						id  int64
						msg string
					}{id, "submission_json is not an object of strings"})
					return nil
				}
				data, problems := p.resolveRow(values, nil)
				if len(problems) > 0 {
					failed = append(failed, struct {
						id  int64
						msg string
					}{id, strings.Join(problems, "; ")})
					return nil
				}
				page = append(page, subData{id, data})
				return nil
			})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 && len(failed) == 0 {
			break
		}
		for _, f := range failed {
			if _, err := p.db.ExecContext(ctx, p.d.Rebind(`UPDATE source_submission SET process_status = 'error', error = ? WHERE id = ?`), f.msg, f.id); err != nil {
				return nil, err
			}
		}
		if err := w.write(ctx, [][]subData{page}); err != nil {
			return nil, err
		}
		if len(page) > 0 {
			ids := make([]int64, len(page))
			for i, s := range page {
				ids[i] = s.id
			}
			query, args, err := p.d.Builder().Update("source_submission").Set("process_status", "processed").Set("error", nil).
				Where(sq.Eq{"id": ids}).ToSql()
			if err != nil {
				return nil, err
			}
			if _, err := p.db.ExecContext(ctx, query, args...); err != nil {
				return nil, err
			}
		}
	}
	return w.touchedCampaigns(), nil
}

// datapointWriter turns pages of submissions into datapoints, and remembers the campaigns touched.
type datapointWriter struct {
	p       *pipeline
	ins     *dialect.InsertBatch
	touched map[int64]bool
}

func (p *pipeline) newDatapointWriter() *datapointWriter {
	ins := p.d.BulkInsert("datapoint", "indicator_id", "location_id", "campaign_id", "data_date", "value",
		"source_submission_id", "created_at").MaxRows(500)
	return &datapointWriter{p: p, touched: map[int64]bool{}, ins: ins.Batch(execRun(p.db))}
}

// touchedCampaigns returns the campaigns of the datapoints written, in order.
func (w *datapointWriter) touchedCampaigns() []int64 { return keys(w.touched) }

// pagesPerLookUp is how many pages of a date document write looks up at once on PostgreSQL, where the
// look-up reads each (indicator, location) pair's history (lookUp): in BenchmarkTransformUpload's
// update run, about 45 ms for a page's 300 pairs, about as much for ten pages'.
const pagesPerLookUp = 10

// lookUpWindow is how many pages docTransform gives write at once. It is one where the look-up reads
// only the keys' rows, whose number grows with the pages (and, for the IN lists' cross product on
// SQLite, faster than they do).
func (w *datapointWriter) lookUpWindow() int {
	if !w.p.campaignDoc && w.p.d.Name() == dialect.Postgres {
		return pagesPerLookUp
	}
	return 1
}

// write turns pages of submissions (in id order) into datapoints, page after page: the page's values
// by key (of a page's submissions of one key, the later wins); new datapoints inserted in bulk,
// changed ones updated in bulk (find-then-write, since the unique key treats a NULL campaign as
// distinct). The datapoints of the pages' keys are looked up in one statement for all the pages
// given, and kept up to date here with the values written; a page with a key an earlier one
// inserted (whose id is not known here) looks up its own and the later pages' keys again. So every
// page sees the datapoints as a look-up of its own keys would, and the pages given at once (a look-up
// window) only save statements.
func (w *datapointWriter) write(ctx context.Context, pages [][]subData) error {
	p := w.p
	var existing map[dpKey]existingDatapoint
	var inserted map[dpKey]bool
	now := p.d.Bind(field.DateTime, p.d.Now())
	for j, page := range pages {
		want, order := w.pageValues(page)
		if len(order) == 0 {
			continue
		}
		stale := existing == nil
		for _, k := range order {
			stale = stale || inserted[k]
		}
		if stale {
			var err error
			if existing, err = w.lookUp(ctx, pages[j:]); err != nil {
				return err
			}
			inserted = map[dpKey]bool{}
		}
		var changed []dpUpdate
		for _, k := range order {
			wv := want[k]
			if e, ok := existing[k]; ok {
				if e.value != wv.value {
					changed = append(changed, dpUpdate{e.id, wv.value, wv.sid})
					e.value = wv.value
					existing[k] = e
				}
				continue
			}
			var campaign any
			if k.campaign != 0 {
				campaign = k.campaign
			}
			if err := w.ins.Add(ctx, k.ind, k.loc, campaign, wv.date, wv.value, wv.sid, now); err != nil {
				return err
			}
			inserted[k] = true
		}
		if err := w.ins.Flush(ctx); err != nil {
			return err
		}
		if err := p.updateDatapoints(ctx, changed); err != nil {
			return err
		}
	}
	return nil
}

// pageValues returns a page's values by datapoint key, the later submission winning, and its keys in
// the order they first appear; it notes the campaigns touched.
func (w *datapointWriter) pageValues(page []subData) (map[dpKey]wanted, []dpKey) {
	want := map[dpKey]wanted{}
	var order []dpKey
	for _, s := range page {
		for _, dt := range s.data {
			k := w.p.key(dt)
			if _, seen := want[k]; !seen {
				order = append(order, k)
			}
			want[k] = wanted{dt.value, s.id, dt.date}
			if w.p.campaignDoc {
				w.touched[dt.campaign] = true
			}
		}
	}
	return want, order
}

// key is a datum's datapoint key.
func (p *pipeline) key(dt datum) dpKey {
	if p.campaignDoc {
		return dpKey{dt.ind, dt.loc, dt.campaign, ""} // a campaign's value, whatever its date
	}
	return dpKey{dt.ind, dt.loc, dt.campaign, dt.date}
}

// existingDatapoint is the datapoint a key has: of several (a campaign's at several dates, or rows
// the unique key let through with a NULL campaign), the one of the latest date, then the highest id,
// the one aggregate_and_calculate reads.
type existingDatapoint struct {
	id    int64
	value float64
	date  string
}

// lookUp reads the datapoints of the pages' keys, in one statement.
//
// It is the keys' indicators × locations × campaigns (or dates, with a NULL campaign), except for a
// date document on PostgreSQL. There, without statistics that show how many datapoints have a NULL
// campaign (a database never analyzed, or one whose date datapoints are all new, as in a first
// upload, whose own rows are the ones found), the planner reads "campaign_id IS NULL" through an
// index that begins with campaign_id, that is every date datapoint of the pages' indicators, at every
// look-up: 20-70 ms a page at 300,000 datapoints, growing with the table, quadratic over a run. Any
// query that names campaign_id lets it choose those indexes (its estimates for them and for the
// unique key are both one row), so on PostgreSQL each (indicator, location) pair of the pages is read
// through the unique key (indicator_id, location_id, campaign_id, data_date) over the pair's dates in
// the pages, in a LATERAL sub-query with no condition on campaign_id; rows of a campaign are dropped
// here. That reads all the pair's entries of the key (its history) rather than only the pages' keys,
// whatever the statistics: 10-45 ms for a page's pairs in BenchmarkTransformUpload, about as much
// for ten pages' (pagesPerLookUp).
func (w *datapointWriter) lookUp(ctx context.Context, pages [][]subData) (map[dpKey]existingDatapoint, error) {
	p := w.p
	seen := map[dpKey]bool{}
	var order []dpKey
	locs, inds, campaigns, dates := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[string]bool{}
	for _, page := range pages {
		for _, s := range page {
			for _, dt := range s.data {
				if k := p.key(dt); !seen[k] {
					seen[k] = true
					order = append(order, k)
				}
				locs[dt.loc], inds[dt.ind] = true, true
				if p.campaignDoc {
					campaigns[dt.campaign] = true
				} else {
					dates[dt.date] = true
				}
			}
		}
	}
	var query string
	var args []any
	if !p.campaignDoc && p.d.Name() == dialect.Postgres {
		type pair struct{ ind, loc int64 }
		span := map[pair][2]string{}
		var pairs []pair
		for _, k := range order {
			pr := pair{k.ind, k.loc}
			s, seen := span[pr]
			switch {
			case !seen:
				pairs = append(pairs, pr)
				s = [2]string{k.date, k.date}
			case k.date < s[0]:
				s[0] = k.date
			case k.date > s[1]:
				s[1] = k.date
			}
			span[pr] = s
		}
		var pInd, pLoc []int64
		var lo, hi []string
		for _, pr := range pairs {
			pInd, pLoc = append(pInd, pr.ind), append(pLoc, pr.loc)
			lo, hi = append(lo, span[pr][0]), append(hi, span[pr][1])
		}
		query = `SELECT d.id, d.indicator_id, d.location_id, coalesce(d.campaign_id, 0), d.data_date, d.value
			FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS TEXT[]), CAST($4 AS TEXT[])) AS k (ind, loc, lo, hi)
			CROSS JOIN LATERAL (SELECT * FROM datapoint d WHERE d.indicator_id = k.ind AND d.location_id = k.loc
				AND d.data_date BETWEEN CAST(k.lo AS DATE) AND CAST(k.hi AS DATE) OFFSET 0) d`
		args = []any{pInd, pLoc, lo, hi}
	} else {
		q := p.d.Builder().Select("id", "indicator_id", "location_id", "coalesce(campaign_id, 0)", "data_date", "value").From("datapoint").
			Where(sq.Eq{"location_id": keys(locs), "indicator_id": keys(inds)})
		if p.campaignDoc {
			q = q.Where(sq.Eq{"campaign_id": keys(campaigns)})
		} else {
			q = q.Where(sq.Eq{"campaign_id": nil, "data_date": keys(dates)})
		}
		var err error
		if query, args, err = q.ToSql(); err != nil {
			return nil, err
		}
	}
	rows, err := p.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	existing := map[dpKey]existingDatapoint{}
	for rows.Next() {
		var k dpKey
		var e existingDatapoint
		var date any
		if err := rows.Scan(&e.id, &k.ind, &k.loc, &k.campaign, &date, &e.value); err != nil {
			rows.Close()
			return nil, err
		}
		if !p.campaignDoc && k.campaign != 0 {
			continue
		}
		e.date = dateText(date)
		if !p.campaignDoc {
			k.date = e.date
		}
		if o, ok := existing[k]; ok && (e.date < o.date || e.date == o.date && e.id < o.id) {
			continue
		}
		existing[k] = e
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return existing, nil
}

// wanted is the value a page of submissions gives a datapoint key, with the submission and the date a
// new datapoint gets.
type wanted struct {
	value float64
	sid   int64
	date  string
}

type dpUpdate struct {
	id    int64
	value float64
	sid   int64
}

// datapointsPerUpdate bounds the rows of one UPDATE of datapoint.
const datapointsPerUpdate = 200

// updateDatapoints sets new values (and their submissions) on existing datapoints, datapointsPerUpdate
// a statement: an UPDATE ... FROM a VALUES list. The redundant id IN (SELECT id FROM v) makes SQLite
// find the rows by key whatever its statistics (without it, it may scan datapoint); on SQLite this
// is 2-3 times faster than the UPDATE ... CASE id WHEN ... it replaces, on PostgreSQL as fast (there
// the cost is the rows' index entries and foreign key checks).
func (p *pipeline) updateDatapoints(ctx context.Context, changed []dpUpdate) error {
	for start := 0; start < len(changed); start += datapointsPerUpdate {
		part := changed[start:min(start+datapointsPerUpdate, len(changed))]
		args := make([]any, 0, 3*len(part))
		for _, u := range part {
			args = append(args, u.id, u.value, u.sid)
		}
		query := `WITH v (id, value, sid) AS (VALUES ` +
			strings.TrimSuffix(strings.Repeat(`(CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION), CAST(? AS BIGINT)), `, len(part)), ", ") +
			`) UPDATE datapoint SET value = v.value, source_submission_id = v.sid FROM v
			WHERE datapoint.id = v.id AND datapoint.id IN (SELECT id FROM v)`
		if _, err := p.db.ExecContext(ctx, p.d.Rebind(query), args...); err != nil {
			return err
		}
	}
	return nil
}

// keys returns a set's members in order.
func keys[K int64 | string](set map[K]bool) []K {
	out := make([]K, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// execRun runs a dialect.InsertBatch's statements on db.
func execRun(db dialect.Querier) dialect.RunFunc {
	return func(ctx context.Context, query string, args []any) error {
		_, err := db.ExecContext(ctx, query, args...)
		return err
	}
}

// queryRun runs a dialect.InsertBatch's statements on db, passing each row they return to each.
func queryRun(db dialect.Querier, each func(scanner) error) dialect.RunFunc {
	return func(ctx context.Context, query string, args []any) error {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		return closeRows(rows)
	}
}
