package main

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
)

// csvRecords counts the records after the header as the pipeline's reader reads them, or -1 when the
// text is not CSV.
func csvRecords(content string) int {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(content, "\ufeff")))
	r.FieldsPerRecord = -1
	n := -1
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n
		}
		if err != nil {
			return -1
		}
		n++
	}
}

// FuzzDocTransform feeds arbitrary documents, as campaign and as date documents, to the upload
// pipeline's parser (docTransform), each in a transaction rolled back after it, on SQLite over the
// small data of the processing tests (locations C, R1, R2, P1-P3, X; indicators cases, coverage...;
// campaigns one and two). Invariants: no panic; a refused document is a 400 and left no submission;
// an accepted one has one submission per record, each processed or an error with its reason, and
// datapoints only from processed ones.
func FuzzDocTransform(f *testing.F) {
	db, d := testdb.Open(f, dialect.SQLite)
	newAggFixture(f, db, d)
	ctx := context.Background()
	lookups := &pipeline{db: dialect.NewDB(db, d), d: d, campaignDoc: true}
	if err := lookups.loadLookups(ctx); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"location_code,campaign,cases,coverage\nP1,one,11,0.5\nP2,one,21,\nP3,one,abc,0.1\nZZ,one,1,1\nP1,nope,1,1\nP2,one\nR2,two,8,\n",
		"location_code,data_date,cases,coverage\r\nP1,2024-03-01,3,0.2\r\nP2,2024-03-01,4,\r\nX,2024-03-02,5,\r\nP3,03/01/2024,1,\r\n",
		"location_code,campaign,cases,bogus\nP1,one,12,\nP2,one,22,5\n", "location_code,data_date,cases\nP1,2024-03-01,9\n",
		" \n\n", `{"location_code": "P1", "cases": 3}`, "location_code,campaign,cases\nP1,\"one,1\n", "location_code,cases\nP1,1\n",
		"location_code,data_date\n", "\ufefflocation_code,data_date,cases\nP1,0000-01-01,1e308\n",
		"location_code,data_date,cases,cases\nP1,2024-01-01,1,2\n", "location_code,data_date,,\nP1,2024-01-01,1,2\n",
		"location_code,campaign,cases\nP1,one,NaN\nP1,one,-Inf\nP1,one,0x1p-2\nP1,one,1_000\n",
		"location_code,data_date,cases\nP1,2024-02-30,1\nP1,9999-12-31,1\nP1,2024-01-01,1\nP1,2024-01-01,2\n",
		"location_code,data_date,cases\n\"P1\n\",2024-01-01,1\n", "location_code\x00,data_date\n", "location_code,data_date\n\xff,1\n",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, content string, campaignDoc bool) {
		tx, err := dialect.NewDB(db, d).BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		fileType := map[bool]string{true: "campaign", false: "date"}[campaignDoc]
		res, err := tx.ExecContext(ctx, `INSERT INTO source_doc (doc_title, file_type, content, created_at) VALUES ('fuzz', ?, ?, ?)`,
			fileType, content, d.Bind(field.DateTime, d.Now()))
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := res.LastInsertId()
		p := &pipeline{db: tx, d: d, docID: doc, campaignDoc: campaignDoc,
			locations: lookups.locations, indicators: lookups.indicators, campaigns: lookups.campaigns}
		_, err = p.docTransform(ctx, content)
		count := func(q string) int {
			var n int
			if err := tx.QueryRowContext(ctx, q, doc).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err != nil {
			if e := apierror.As(err); e == nil || apierror.Status(e.Code) != 400 {
				t.Fatalf("%s document %q: %#v is not a 400", fileType, content, err)
			}
			return // the run's transaction is rolled back: what docTransform wrote goes with it
		}
		if n, want := count(`SELECT count(*) FROM source_submission WHERE document_id = ?`), csvRecords(content); n != want {
			t.Fatalf("%s document %q: %d submissions, want one per record: %d", fileType, content, n, want)
		}
		if n := count(`SELECT count(*) FROM source_submission WHERE document_id = ? AND NOT ((process_status = 'processed' AND error IS NULL) OR (process_status = 'error' AND error <> ''))`); n != 0 {
			t.Fatalf("%s document %q: %d submissions neither processed nor errors with a reason", fileType, content, n)
		}
		if n := count(`SELECT count(*) FROM datapoint AS dp JOIN source_submission AS s ON s.id = dp.source_submission_id WHERE s.document_id = ? AND s.process_status <> 'processed'`); n != 0 {
			t.Fatalf("%s document %q: %d datapoints from submissions that are errors", fileType, content, n)
		}
	})
}
