package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

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
			"file_type":     {Choices: []string{"campaign", "date"}, HelpText: "campaign or date."},
			"status":        {HelpText: "uploaded, then processing, processed or failed; set by the server.", ServerSet: true},
			"created_by_id": {HelpText: "The user who uploaded the document; set by the server.", ServerSet: true},
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
		// A document that does not exist; a run already under way.
		ListErrorStatuses: []int{http.StatusNotFound, http.StatusConflict},
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

// PreProcessData runs the pipeline (runPipeline) with the locations and campaigns the user may read:
// the location and campaign resources' own list authorizations decide, as on location/, campaign/ and
// agg_refresh.
func (r transformUpload) PreProcessData(ctx context.Context, b *resource.Bundle, next nonmodel.PreProcessDataFunc) error {
	p, _ := nonmodel.Params[*transformParams](ctx)
	var scope readScope
	var err error
	if scope.locations, err = readableRows(ctx, b, "location"); err != nil {
		return err
	}
	if scope.campaigns, err = readableRows(ctx, b, "campaign"); err != nil {
		return err
	}
	if err := runPipeline(ctx, r.List(), r.d, p.DocumentID, b.User, scope); err != nil {
		return err
	}
	return next(ctx, b)
}

// readScope is what a run's user may read of the rows a document names: a condition on location and
// one on campaign (nil: every row).
type readScope struct {
	locations, campaigns sq.Sqlizer
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
// for them). A row naming a location or a campaign the user may not read (scope) is an error
// submission, with the message a missing one gets, so that it tells nothing; such a location or
// campaign is never written, nor such a campaign aggregated.
func runPipeline(ctx context.Context, res *modelresource.Resource, d dialect.Dialect, docID int64, user *resource.User, scope readScope) error {
	var fileType, content string
	var createdBy sql.NullInt64
	err := res.DB(ctx).QueryRowContext(ctx, d.Rebind(`SELECT file_type, content, created_by_id FROM source_doc WHERE id = ?`), docID).
		Scan(&fileType, &content, &createdBy)
	_, confined := confinedTo(user)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && confined && createdBy.Int64 != user.ID) {
		return apierror.New(apierror.ObjectDoesNotExist, "There is no source_doc %d.", docID).With("parameter", "document_id")
	}
	if err != nil {
		return err
	}
	err = res.Atomic(ctx, func(ctx context.Context) error {
		p := &pipeline{db: res.DB(ctx), d: d, docID: docID, campaignDoc: fileType == "campaign", scope: scope, confined: confined}
		if err := d.LockTransaction(ctx, p.db, pipelineLock); err != nil {
			return err
		}
		if err := p.loadLookups(ctx); err != nil {
			return err
		}
		var n int64
		if err := p.db.QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM source_submission WHERE document_id = ?`), docID).Scan(&n); err != nil {
			return err
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
		return err
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
	db          dialect.Querier
	d           dialect.Dialect
	docID       int64
	campaignDoc bool
	locations   map[string]int64         // location_code → id, of the locations the user may read
	indicators  map[string]int64         // short_name → id
	campaigns   map[string][]campaignRef // name → the campaigns of that name the user may read
	// scope keeps the locations and campaigns the user may read; confined says that the user is
	// confined to a region (the messages then say "in your region").
	scope    readScope
	confined bool
}

type campaignRef struct {
	id    int64
	start string // start_date, the data_date of the campaign's datapoints
}

// loadLookups reads the names a document may use: the locations and (for a campaign document) the
// campaigns the user may read (scope), and every indicator.
func (p *pipeline) loadLookups(ctx context.Context) error {
	p.locations, p.indicators, p.campaigns = map[string]int64{}, map[string]int64{}, map[string][]campaignRef{}
	query, args, err := sq.Select("location_code", "id").From("location").Where(p.scope.locations).ToSql()
	if err != nil {
		return err
	}
	if err := eachRow(ctx, p.db, p.d, query, args, func(s scanner) error {
		var code string
		var id int64
		err := s.Scan(&code, &id)
		p.locations[code] = id
		return err
	}); err != nil {
		return err
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
	query, args, err = sq.Select("name", "id", "start_date").From("campaign").Where(p.scope.campaigns).OrderBy("id").ToSql()
	if err != nil {
		return err
	}
	return eachRow(ctx, p.db, p.d, query, args, func(s scanner) error {
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
