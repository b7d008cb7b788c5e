package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// maxSourceDocBytes caps a source document's content: a larger one is a 413 naming the limit.
const maxSourceDocBytes = 8 << 20

// uploadResources are the upload pipeline's resources (DASHBOARD.md): source_doc, where a CSV is
// uploaded, and transform_upload, which turns it into datapoints.
func uploadResources(d dialect.Dialect) []resource.Resource {
	docs := sourceDocs{modelresource.New(resource.Meta{
		ResourceName:          "source_doc",
		Table:                 "source_doc",
		Description:           "An uploaded CSV: JSON with the CSV text as content, or a form (multipart/form-data with the file as the part content; doc_title defaults to the file's name). Campaign documents: location_code,campaign,<indicator short_name>...; date documents: location_code,data_date,<indicator short_name>.... GET transform_upload/?document_id=N turns it into datapoints.",
		RequiredFieldsForPost: []string{"doc_title", "file_type", "content"},
		FieldOptions: map[string]resource.FieldOptions{
			"file_type": {Choices: []string{"campaign", "date"}, HelpText: "campaign or date."},
			"status":    {HelpText: "uploaded, then processing, processed or failed; set by the server."},
		},
		Filtering:     filterEverything,
		Ordering:      orderEverything,
		ListMethods:   []string{"get", "post"},
		DetailMethods: []string{"get"},
		FormBodies:    true, // curl -F content=@file.csv: only POST writes, and it writes a new row
		Authorization: ownDocuments(d, "source_doc", "id"),
	})}
	transform := transformUpload{d: d, Resource: nonmodel.New(resource.Meta{
		ResourceName: "transform_upload",
		Table:        "source_submission",
		Description:  "GET ?document_id=N parses the document into submissions (one a row; a bad row is an error submission), turns them into datapoints and, for a campaign document, recomputes the campaigns' aggregates; then lists the document's submissions.",
		Filtering:    filterEverything,
		Ordering:     orderEverything,
		Limit:        100,
		// The pipeline itself refuses others' documents (runPipeline); this keeps their submissions out of
		// a confined user's lists.
		Authorization: ownDocuments(d, "source_submission", "document_id"),
	}, nonmodel.Options{Params: transformParams{}})}
	return []resource.Resource{docs, transform}
}

// ownDocuments confines a user with a top-level location to the documents they uploaded, and to
// those documents' submissions: a document may hold rows of every region. column (of table) holds a
// source_doc id.
func ownDocuments(d dialect.Dialect, table, column string) resource.Authorization {
	cond := d.Quote(table) + "." + d.Quote(column) + " IN (SELECT id FROM source_doc WHERE created_by_id = ?)"
	return auth.Rules{ReadListFunc: func(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
		if _, confined := confinedTo(b.User); !confined {
			return nil, nil
		}
		return sq.Expr(cond, b.User.ID), nil
	}}
}

// sourceDocs is the source_doc resource: the server sets status and created_by_id, and caps content.
type sourceDocs struct{ *modelresource.Resource }

// Hydrate checks the content's size and, on POST, sets the status to uploaded and the creator to the
// authenticated user, whatever the body says; an uploaded file's name is the title when none is given.
func (r sourceDocs) Hydrate(ctx context.Context, b *resource.Bundle, next resource.HydrateFunc) error {
	if c, ok := b.Data["content"].(string); ok && len(c) > maxSourceDocBytes {
		return apierror.New(apierror.BodyTooLarge, "The document's content is %d bytes; the limit is %d.", len(c), maxSourceDocBytes).
			With("field", "content").With("max_bytes", maxSourceDocBytes)
	}
	if up, ok := b.Uploads["content"]; ok && up.Filename != "" && b.Data["doc_title"] == nil {
		b.Data["doc_title"] = up.Filename
	}
	if b.Method == http.MethodPost && b.Data != nil {
		b.Data["status"] = "uploaded"
		if b.User != nil && b.User.ID != 0 {
			b.Data["created_by_id"] = json.Number(strconv.FormatInt(b.User.ID, 10)) // as the body decoder gives numbers
		} else {
			b.Data["created_by_id"] = nil
		}
	}
	return next(ctx, b)
}

// transformParams are transform_upload's parameters.
type transformParams struct {
	DocumentID int64 `schema:"document_id,required" help:"The source_doc to process; its submissions are listed."`
}

// transformUpload runs the upload pipeline for a document, then lists its submissions.
type transformUpload struct {
	*nonmodel.Resource
	d dialect.Dialect
}

// PreProcessData runs the pipeline (runPipeline).
func (r transformUpload) PreProcessData(ctx context.Context, b *resource.Bundle, next nonmodel.PreProcessDataFunc) error {
	p, _ := nonmodel.Params[*transformParams](ctx)
	if err := runPipeline(ctx, r.List(), r.d, p.DocumentID, b.User); err != nil {
		return err
	}
	return next(ctx, b)
}

// ApplyFilters lists the submissions of the document the run was for.
func (r transformUpload) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b, q, fs)
	if err != nil {
		return q, err
	}
	if p, ok := nonmodel.Params[*transformParams](ctx); ok {
		q = q.Where(sq.Eq{r.List().Column("document_id"): p.DocumentID})
	}
	return q, nil
}

// runPipeline is DASHBOARD.md's upload pipeline for one document, in one transaction:
// doc_transform (only when the document has no submissions yet: its content never changes, so a
// second run has nothing to parse), refresh_master (the document's to_process submissions), then
// aggregate_and_calculate for every campaign a campaign document touched. The document ends
// processed; when the run fails, the transaction is rolled back and the document marked failed.
// Running it twice leaves the same rows.
//
// A user with a top-level location may run only the documents they uploaded (another's is not there
// for them), and a row of a location outside their region is an error submission.
func runPipeline(ctx context.Context, res *modelresource.Resource, d dialect.Dialect, docID int64, user *resource.User) error {
	var fileType, content string
	var createdBy sql.NullInt64
	err := res.DB(ctx).QueryRowContext(ctx, d.Rebind(`SELECT file_type, content, created_by_id FROM source_doc WHERE id = ?`), docID).
		Scan(&fileType, &content, &createdBy)
	top, confined := confinedTo(user)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && confined && createdBy.Int64 != user.ID) {
		return apierror.New(apierror.ObjectDoesNotExist, "There is no source_doc %d.", docID).With("parameter", "document_id")
	}
	if err != nil {
		return d.Classify(err)
	}
	err = res.Atomic(ctx, func(ctx context.Context) error {
		p := &pipeline{db: res.DB(ctx), d: d, docID: docID, campaignDoc: fileType == "campaign"}
		if err := d.LockTransaction(ctx, p.db, pipelineLock); err != nil {
			return err
		}
		if confined {
			p.region = &top
		}
		if err := p.loadLookups(ctx); err != nil {
			return err
		}
		var n int64
		if err := p.db.QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM source_submission WHERE document_id = ?`), docID).Scan(&n); err != nil {
			return d.Classify(err)
		}
		var touched []int64
		var err error
		if n == 0 {
			touched, err = p.docTransform(ctx, content)
		} else {
			touched, err = p.refreshMaster(ctx)
		}
		if err != nil {
			return err
		}
		for _, c := range touched {
			if err := aggregateCampaign(ctx, p.db, d, c); err != nil {
				return err
			}
		}
		_, err = p.db.ExecContext(ctx, d.Rebind(`UPDATE source_doc SET status = 'processed' WHERE id = ?`), docID)
		return d.Classify(err)
	})
	if err != nil {
		if _, ferr := res.DB(ctx).ExecContext(ctx, d.Rebind(`UPDATE source_doc SET status = 'failed' WHERE id = ?`), docID); ferr != nil {
			return errors.Join(err, ferr)
		}
		if e := apierror.As(err); e != nil && e.Code == apierror.BadRequest {
			return e.With("document_id", docID)
		}
		return err
	}
	return nil
}

// pipeline is one run's state: the database (in the run's transaction) and the lookups by name.
type pipeline struct {
	db          modelresource.Querier
	d           dialect.Dialect
	docID       int64
	campaignDoc bool
	locations   map[string]int64 // location_code → id
	indicators  map[string]int64 // short_name → id
	campaigns   map[string][]campaignRef
	// region, for a user confined to a top-level location, is that location; inRegion holds it and the
	// locations under it.
	region   *int64
	inRegion map[int64]bool
}

type campaignRef struct {
	id    int64
	start string // start_date, the data_date of the campaign's datapoints
}

func (p *pipeline) loadLookups(ctx context.Context) error {
	p.locations, p.indicators, p.campaigns = map[string]int64{}, map[string]int64{}, map[string][]campaignRef{}
	if err := eachRow(ctx, p.db, p.d, `SELECT location_code, id FROM location`, nil, func(s scanner) error {
		var code string
		var id int64
		err := s.Scan(&code, &id)
		p.locations[code] = id
		return err
	}); err != nil {
		return err
	}
	if p.region != nil {
		p.inRegion = map[int64]bool{}
		if err := eachRow(ctx, p.db, p.d, tree.UnderSQL(), []any{*p.region}, func(s scanner) error {
			var id int64
			err := s.Scan(&id)
			p.inRegion[id] = true
			return err
		}); err != nil {
			return err
		}
	}
	if err := eachRow(ctx, p.db, p.d, `SELECT short_name, id FROM indicator`, nil, func(s scanner) error {
		var name string
		var id int64
		err := s.Scan(&name, &id)
		p.indicators[name] = id
		return err
	}); err != nil {
		return err
	}
	if !p.campaignDoc {
		return nil
	}
	return eachRow(ctx, p.db, p.d, `SELECT name, id, start_date FROM campaign ORDER BY id`, nil, func(s scanner) error {
		var name string
		var c campaignRef
		var start any
		if err := s.Scan(&name, &c.id, &start); err != nil {
			return err
		}
		c.start = dateText(start)
		p.campaigns[name] = append(p.campaigns[name], c)
		return nil
	})
}

// dateText is a scanned date as YYYY-MM-DD, whichever form the driver gave it in.
func dateText(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.Format(field.DateLayout)
	case []byte:
		return dateText(string(x))
	case string:
		if len(x) > 10 {
			return x[:10]
		}
		return x
	}
	return fmt.Sprint(v)
}

// docError is a problem with the whole document: the run fails with a 400.
func docError(format string, args ...any) error {
	return apierror.New(apierror.BadRequest, format, args...)
}

// The columns every document has besides its indicators.
const (
	colLocation = "location_code"
	colCampaign = "campaign"
	colDate     = "data_date"
)

// submissionsPerStatement is how many submissions one INSERT writes (8 values each).
const submissionsPerStatement = 500

// docTransform parses the CSV into source_submission rows, one a record, streaming: a bad record is an
// error submission with a readable error; an empty document, one that is not CSV text and one without
// the required columns fail the run.
//
// It also does refresh_master's work for the new submissions, with what parsing them resolved: a
// record that resolves is written as a processed submission (its id read back with RETURNING), and
// each page of submissionsPerPage of them is turned into datapoints as refreshMaster would turn them
// (same pages, same order, same rows), instead of writing them to_process, reading them back, parsing
// their JSON again and marking them processed. It returns the campaigns touched, in order.
func (p *pipeline) docTransform(ctx context.Context, content string) ([]int64, error) {
	if strings.TrimSpace(content) == "" {
		return nil, docError("The document is empty.")
	}
	if !utf8.ValidString(content) || strings.ContainsRune(content, 0) {
		return nil, docError("The document is not a CSV file: it is not UTF-8 text.")
	}
	content = strings.TrimPrefix(content, "\ufeff")
	r := csv.NewReader(strings.NewReader(content))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	rec, err := r.Read()
	if err != nil {
		return nil, docError("The document is not a CSV file: %v.", err)
	}
	header := make([]string, len(rec))
	index := map[string]int{}
	for i, h := range rec {
		header[i] = strings.TrimSpace(h)
		if _, dup := index[header[i]]; dup && header[i] != "" {
			return nil, docError("The document's header names the column %q twice.", header[i])
		}
		index[header[i]] = i
	}
	second, kind := colDate, "date"
	if p.campaignDoc {
		second, kind = colCampaign, "campaign"
	}
	for _, c := range []string{colLocation, second} {
		if _, ok := index[c]; !ok {
			return nil, apierror.New(apierror.BadRequest, "The document has no %q column (a %s document's columns are %s, %s, then indicator short names).",
				c, kind, colLocation, second).With("column", c)
		}
	}
	b := newBulkInsert(p.db, p.d, "source_submission", []string{"document_id", "row_number", "location_code", "campaign_name",
		"data_date", "submission_json", "process_status", "error"}, submissionsPerStatement)
	// The pages of processed submissions not yet turned into datapoints (a look-up window of them; the
	// last one being filled), in order, and the place of each by row_number, which the INSERT returns
	// with the id.
	w := p.newDatapointWriter()
	window := w.lookUpWindow()
	var pages [][]subData
	var page []subData
	pending := map[int][2]int{}
	b.returning = "id, row_number"
	b.each = func(s scanner) error {
		var id int64
		var row int
		if err := s.Scan(&id, &row); err != nil {
			return err
		}
		if at, ok := pending[row]; ok && at[0] < len(pages) {
			pages[at[0]][at[1]].id = id
		} else if ok {
			page[at[1]].id = id
		}
		return nil
	}
	endPage := func(last bool) error {
		if len(page) > 0 {
			pages, page = append(pages, page), nil
		}
		if len(pages) < window && !last {
			return nil
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		for _, pg := range pages {
			for _, s := range pg {
				if s.id == 0 {
					return errors.New("upload: the INSERT of source_submission did not return every row's id")
				}
			}
		}
		err := w.write(ctx, pages)
		pages = nil
		clear(pending)
		return err
	}
	values := map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, docError("The document is not a CSV file: %v.", err)
		}
		line, _ := r.FieldPos(0)
		clear(values)
		for i, v := range rec {
			if i < len(header) {
				values[header[i]] = v
			}
		}
		var problems []string
		if len(rec) != len(header) {
			problems = append(problems, fmt.Sprintf("the row has %d fields, the header %d", len(rec), len(header)))
		}
		loc := strings.TrimSpace(values[colLocation])
		var campaign, date any
		data, problems := p.resolveRow(values, problems)
		if p.campaignDoc {
			if c := strings.TrimSpace(values[colCampaign]); c != "" {
				campaign = c
			}
		} else if t, ok := docDate(values[colDate]); ok {
			date = p.d.Bind(field.Date, t)
		}
		js, err := json.Marshal(values)
		if err != nil {
			return nil, err
		}
		status, msg := "processed", any(nil)
		if len(problems) > 0 {
			status, msg = "error", strings.Join(problems, "; ")
		} else {
			pending[line] = [2]int{len(pages), len(page)}
			page = append(page, subData{data: data})
		}
		if err := b.add(ctx, p.docID, line, loc, campaign, date, string(js), status, msg); err != nil {
			return nil, err
		}
		if len(page) == submissionsPerPage {
			if err := endPage(false); err != nil {
				return nil, err
			}
		}
	}
	if err := endPage(true); err != nil {
		return nil, err
	}
	return w.touchedCampaigns(), nil
}

// datum is one value a submission gives: the datapoint of its key.
type datum struct {
	ind, loc, campaign int64 // campaign 0: a date document's
	date               string
	value              float64
}

// resolveRow turns a record (column → cell) into its datapoints, appending to problems what is wrong
// with it: an unknown location, campaign or indicator, a date or a value that does not parse.
func (p *pipeline) resolveRow(values map[string]string, problems []string) ([]datum, []string) {
	var base datum
	code := strings.TrimSpace(values[colLocation])
	if code == "" {
		problems = append(problems, "no location_code")
	} else if id, ok := p.locations[code]; ok && p.inRegion != nil && !p.inRegion[id] {
		problems = append(problems, fmt.Sprintf("the location %q is outside your region", code))
	} else if ok {
		base.loc = id
	} else {
		problems = append(problems, fmt.Sprintf("unknown location code %q", code))
	}
	if p.campaignDoc {
		name := strings.TrimSpace(values[colCampaign])
		switch cs := p.campaigns[name]; {
		case name == "":
			problems = append(problems, "no campaign")
		case len(cs) == 0:
			problems = append(problems, fmt.Sprintf("unknown campaign %q", name))
		case len(cs) > 1:
			problems = append(problems, fmt.Sprintf("the campaign name %q is ambiguous (%d campaigns)", name, len(cs)))
		default:
			base.campaign, base.date = cs[0].id, cs[0].start
		}
	} else {
		s := strings.TrimSpace(values[colDate])
		if t, ok := docDate(s); !ok {
			problems = append(problems, fmt.Sprintf("data_date %q is not a date (YYYY-MM-DD)", s))
		} else {
			base.date = t.Format(field.DateLayout)
		}
	}
	names := make([]string, 0, len(values))
	for k := range values {
		if k != colLocation && k != colCampaign && k != colDate && k != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []datum
	for _, name := range names {
		cell := strings.TrimSpace(values[name])
		if cell == "" {
			continue // no value
		}
		ind, known := p.indicators[name]
		if !known {
			problems = append(problems, fmt.Sprintf("unknown indicator %q", name))
			continue
		}
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			problems = append(problems, fmt.Sprintf("the value %q of indicator %q is not a number", cell, name))
			continue
		}
		dt := base
		dt.ind, dt.value = ind, v
		out = append(out, dt)
	}
	return out, problems
}

// docDate parses a data_date cell, YYYY-MM-DD of a year from 1 to 9999: year 0 parses in Go, but
// PostgreSQL has none, and one such row failed a whole document there while SQLite took it.
func docDate(cell string) (time.Time, bool) {
	t, err := time.Parse(field.DateLayout, strings.TrimSpace(cell))
	return t, err == nil && t.Year() >= 1
}

// submissionsPerPage is how many submissions make a page: the unit in which submissions are turned
// into datapoints (datapointWriter.write), and refresh_master reads them.
const submissionsPerPage = 1000

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
				return nil, p.d.Classify(err)
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
				return nil, p.d.Classify(err)
			}
		}
	}
	return w.touchedCampaigns(), nil
}

// datapointWriter turns pages of submissions into datapoints, and remembers the campaigns touched.
type datapointWriter struct {
	p       *pipeline
	ins     *bulkInsert
	touched map[int64]bool
}

func (p *pipeline) newDatapointWriter() *datapointWriter {
	return &datapointWriter{p: p, touched: map[int64]bool{}, ins: newBulkInsert(p.db, p.d, "datapoint", []string{"indicator_id",
		"location_id", "campaign_id", "data_date", "value", "source_submission_id", "created_at"}, 500)}
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
			if err := w.ins.add(ctx, k.ind, k.loc, campaign, wv.date, wv.value, wv.sid, now); err != nil {
				return err
			}
			inserted[k] = true
		}
		if err := w.ins.flush(ctx); err != nil {
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
		return nil, p.d.Classify(err)
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
		return nil, p.d.Classify(err)
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
			return p.d.Classify(err)
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

// bulkInsert writes rows in multi-row INSERTs of up to per rows. With returning set, each INSERT
// returns those columns of its rows, passed to each.
type bulkInsert struct {
	db        modelresource.Querier
	d         dialect.Dialect
	head      string
	row       string
	cols      int
	per       int
	n         int
	args      []any
	full      string
	returning string
	each      func(scanner) error
}

func newBulkInsert(db modelresource.Querier, d dialect.Dialect, table string, cols []string, per int) *bulkInsert {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = d.Quote(c)
	}
	return &bulkInsert{db: db, d: d, cols: len(cols), per: per,
		head: "INSERT INTO " + d.Quote(table) + " (" + strings.Join(quoted, ", ") + ") VALUES ",
		row:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"}
}

func (b *bulkInsert) statement(n int) string {
	var s strings.Builder
	s.WriteString(b.head)
	for i := range n {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(b.row)
	}
	if b.returning != "" {
		s.WriteString(" RETURNING " + b.returning)
	}
	return b.d.Rebind(s.String())
}

func (b *bulkInsert) add(ctx context.Context, values ...any) error {
	b.args = append(b.args, values...)
	b.n++
	if b.n == b.per {
		return b.flush(ctx)
	}
	return nil
}

func (b *bulkInsert) flush(ctx context.Context) error {
	if b.n == 0 {
		return nil
	}
	query := ""
	if b.n == b.per {
		if b.full == "" {
			b.full = b.statement(b.per)
		}
		query = b.full
	} else {
		query = b.statement(b.n)
	}
	if b.returning != "" {
		rows, err := b.db.QueryContext(ctx, query, b.args...)
		if err != nil {
			return b.d.Classify(err)
		}
		for rows.Next() {
			if err := b.each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := closeRows(rows); err != nil {
			return b.d.Classify(err)
		}
	} else if _, err := b.db.ExecContext(ctx, query, b.args...); err != nil {
		return b.d.Classify(err)
	}
	b.n, b.args = 0, b.args[:0]
	return nil
}
