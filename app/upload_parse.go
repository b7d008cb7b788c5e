package main

// doc_transform (DASHBOARD.md's upload pipeline, step 1): the document's CSV parsed into
// source_submission rows, and each row resolved into the datapoints it gives.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
)

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
	// The pages of processed submissions not yet turned into datapoints (a look-up window of them; the
	// last one being filled), in order, and the place of each by row_number, which the INSERT returns
	// with the id.
	w := p.newDatapointWriter()
	window := w.lookUpWindow()
	var pages [][]subData
	var page []subData
	pending := map[int][2]int{}
	idOf := func(s scanner) error {
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
	b := p.d.BulkInsert("source_submission", "document_id", "row_number", "location_code", "campaign_name",
		"data_date", "submission_json", "process_status", "error").
		Returning("id", "row_number").MaxRows(submissionsPerStatement).Batch(queryRun(p.db, idOf))
	endPage := func(last bool) error {
		if len(page) > 0 {
			pages, page = append(pages, page), nil
		}
		if len(pages) < window && !last {
			return nil
		}
		if err := b.Flush(ctx); err != nil {
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
		if err := b.Add(ctx, p.docID, line, loc, campaign, date, string(js), status, msg); err != nil {
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
	} else if id, ok := p.locations[code]; ok {
		base.loc = id
	} else if p.confined {
		// Missing, or not the user's to read: the same words, so that they tell nothing.
		problems = append(problems, fmt.Sprintf("there is no location with the code %q in your region", code))
	} else {
		problems = append(problems, fmt.Sprintf("unknown location code %q", code))
	}
	if p.campaignDoc {
		name := strings.TrimSpace(values[colCampaign])
		switch cs := p.campaigns[name]; {
		case name == "":
			problems = append(problems, "no campaign")
		case len(cs) == 0 && p.confined: // as for a location
			problems = append(problems, fmt.Sprintf("there is no campaign named %q in your region", name))
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
