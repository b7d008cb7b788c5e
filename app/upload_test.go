package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// uploadDoc POSTs a source_doc and returns its id.
func uploadDoc(t *testing.T, h http.Handler, key, fileType, content string) int64 {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"doc_title": "test " + fileType, "file_type": fileType, "content": content})
	a := serve(t, h, "POST", "/api/v1/source_doc/", key, string(body))
	if a.status != http.StatusCreated {
		t.Fatalf("POST source_doc: status %d: %s", a.status, a.raw)
	}
	var id int64
	if _, err := fmt.Sscan(path.Base(strings.TrimSuffix(a.header.Get("Location"), "/")), &id); err != nil {
		t.Fatalf("POST source_doc: Location %q: %v", a.header.Get("Location"), err)
	}
	return id
}

// submissions is a document's source_submission rows as "row location status error" lines, by row.
func submissions(t *testing.T, db *sql.DB, d dialect.Dialect, doc int64) []string {
	t.Helper()
	rows, err := db.Query(d.Rebind(`SELECT row_number, location_code, process_status, coalesce(error, '') FROM source_submission WHERE document_id = ? ORDER BY row_number`), doc)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n int
		var loc, status, msg string
		if err := rows.Scan(&n, &loc, &status, &msg); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s %s %s", n, loc, status, msg)))
	}
	return out
}

// datapoints is every datapoint as "indicator/location/campaign/date=value #id" lines.
func datapoints(t *testing.T, db *sql.DB, d dialect.Dialect) []string {
	t.Helper()
	q := `SELECT id, indicator_id, location_id, coalesce(campaign_id, 0), data_date || '', value FROM datapoint ORDER BY indicator_id, location_id, campaign_id, data_date`
	if d.Name() == dialect.Postgres {
		q = strings.Replace(q, "data_date || ''", "data_date::text", 1)
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, i, l, c int64
		var date string
		var v float64
		if err := rows.Scan(&id, &i, &l, &c, &date, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d/%d/%d/%s=%g #%d", i, l, c, date, v, id))
	}
	return out
}

func docStatus(t *testing.T, db *sql.DB, d dialect.Dialect, doc int64) string {
	t.Helper()
	var s string
	if err := db.QueryRow(d.Rebind(`SELECT status FROM source_doc WHERE id = ?`), doc).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func contains(rows []string, want string) bool {
	for _, r := range rows {
		if idSuffix.ReplaceAllString(r, "") == want {
			return true
		}
	}
	return false
}

func TestSourceDocPost(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		a := serve(t, h, "POST", "/api/v1/source_doc/", key,
			`{"doc_title": "t", "file_type": "date", "content": "location_code,data_date\n", "status": "processed", "created_by_id": 999}`)
		if a.status != http.StatusCreated {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		var status string
		var by, admin int64
		if err := db.QueryRow(`SELECT status, created_by_id FROM source_doc`).Scan(&status, &by); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT id FROM app_user WHERE username = 'admin'`).Scan(&admin); err != nil {
			t.Fatal(err)
		}
		if status != "uploaded" || by != admin {
			t.Errorf("status %q created_by_id %d; want uploaded, %d", status, by, admin)
		}
		big, _ := json.Marshal(map[string]any{"doc_title": "big", "file_type": "date", "content": strings.Repeat("x", maxSourceDocBytes+1)})
		a = serve(t, h, "POST", "/api/v1/source_doc/", key, string(big))
		if a.status != http.StatusRequestEntityTooLarge || a.code() != "BODY_TOO_LARGE" || !strings.Contains(a.raw, "limit") {
			t.Errorf("too large: status %d: %.300s", a.status, a.raw)
		}
		a = serve(t, h, "POST", "/api/v1/source_doc/", key, `{"doc_title": "t", "file_type": "pdf", "content": "a"}`)
		if a.status != http.StatusBadRequest {
			t.Errorf("bad file_type: status %d: %s", a.status, a.raw)
		}
	})
}

// multipartDoc is a multipart/form-data body of text fields and, unless filename is "", the file
// part content; it returns the body and its Content-Type.
func multipartDoc(t *testing.T, fields map[string]string, filename, content string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := w.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		f, err := w.CreateFormFile("content", filename)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(content))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

// TestSourceDocUpload: source_doc takes the CSV as a multipart file upload (or a urlencoded form),
// with the same size limit and checks as JSON, and the pipeline runs on it.
func TestSourceDocUpload(t *testing.T) {
	const csvText = "location_code,data_date,cases\r\nP1,2024-03-01,3\r\n"
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		f := &authFixture{db: db, d: d}
		docs := func() int64 { return f.scalar(t, `SELECT count(*) FROM source_doc`) }

		body, ct := multipartDoc(t, map[string]string{"file_type": "date"}, "march.csv", csvText)
		a := serveBody(t, h, "POST", "/api/v1/source_doc/", key, ct, body)
		if a.status != http.StatusCreated {
			t.Fatalf("multipart upload: status %d: %s", a.status, a.raw)
		}
		for k, want := range map[string]any{"doc_title": "march.csv", "file_type": "date", "content": csvText, "status": "uploaded"} {
			if got := a.body[k]; got != want {
				t.Errorf("%s = %#v, want %#v", k, got, want)
			}
		}
		var doc int64
		fmt.Sscan(path.Base(strings.TrimSuffix(a.header.Get("Location"), "/")), &doc)
		if a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, ""); a.status != 200 {
			t.Fatalf("transform_upload: status %d: %s", a.status, a.raw)
		}
		if got := submissions(t, db, d, doc); !reflect.DeepEqual(got, []string{"2 P1 processed"}) {
			t.Errorf("submissions %q", got)
		}
		if !contains(datapoints(t, db, d), "1/4/0/2024-03-01=3") {
			t.Errorf("no datapoint 1/4/0/2024-03-01=3 in %q", datapoints(t, db, d))
		}

		// A title given wins over the file's name; a urlencoded form works too.
		body, ct = multipartDoc(t, map[string]string{"file_type": "date", "doc_title": "March"}, "march.csv", csvText)
		if a := serveBody(t, h, "POST", "/api/v1/source_doc/", key, ct, body); a.status != 201 || a.body["doc_title"] != "March" {
			t.Errorf("titled upload: status %d: %.300s", a.status, a.raw)
		}
		form := url.Values{"doc_title": {"form"}, "file_type": {"campaign"}, "content": {"location_code,campaign,cases\nP1,one,1\n"}}.Encode()
		if a := serveBody(t, h, "POST", "/api/v1/source_doc/", key, "application/x-www-form-urlencoded", form); a.status != 201 || a.body["content"] != "location_code,campaign,cases\nP1,one,1\n" {
			t.Errorf("urlencoded upload: status %d: %.300s", a.status, a.raw)
		}
		if n := docs(); n != 3 {
			t.Fatalf("%d documents, want 3", n)
		}

		// Refused uploads write nothing.
		big, bigType := multipartDoc(t, map[string]string{"file_type": "date"}, "big.csv", strings.Repeat("x", maxSourceDocBytes+1))
		noFile, noFileType := multipartDoc(t, map[string]string{"file_type": "date", "doc_title": "t"}, "", "")
		binary, binaryType := multipartDoc(t, map[string]string{"file_type": "date"}, "photo.jpg", "\xff\xd8\xff\xe0")
		for _, c := range []struct {
			name, body, contentType string
			status                  int
			code, details           string
		}{
			{"a file over the limit", big, bigType, 413, "BODY_TOO_LARGE", `{"field": "content", "max_bytes": 8388608}`},
			{"no file", noFile, noFileType, 400, "VALIDATION_ERROR", `{"fields": {"content": "This field is required."}}`},
			{"a file that is not text", binary, binaryType, 400, "MALFORMED_BODY", `{"field": "content"}`},
			{"a bad file_type", strings.Replace(body, "date", "pdf", 1), ct, 400, "VALIDATION_ERROR", `{"fields": {"file_type": "must be one of campaign, date"}}`},
		} {
			a := serveBody(t, h, "POST", "/api/v1/source_doc/", key, c.contentType, c.body)
			var want any
			if err := json.Unmarshal([]byte(c.details), &want); err != nil {
				t.Fatal(err)
			}
			details, _ := json.Marshal(a.body["details"])
			var got any
			json.Unmarshal(details, &got)
			if a.status != c.status || a.code() != c.code || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: status %d: %.300s; want %d %s %s", c.name, a.status, a.raw, c.status, c.code, c.details)
			}
		}
		if n := docs(); n != 3 {
			t.Errorf("%d documents after the refused uploads, want 3", n)
		}
	})
}

func TestTransformUploadCampaign(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		doc := uploadDoc(t, h, key, "campaign", "location_code,campaign,cases,coverage\n"+
			"P1,one,11,0.5\n"+ // updates P1's cases (10) and coverage (0.25)
			"P2,one,21,\n"+ // an empty cell: no value
			"P3,one,abc,0.1\n"+ // not a number
			"ZZ,one,1,1\n"+ // unknown location
			"P1,nope,1,1\n"+ // unknown campaign
			"P2,one\n"+ // a missing column
			"R2,two,8,\n") // campaign two: a new datapoint dated at its start
		a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d&order_by=row_number", doc), key, "")
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		if n := len(a.objects()); n != 7 {
			t.Errorf("%d submissions listed, want 7: %s", n, a.raw)
		}
		want := []string{
			"2 P1 processed",
			"3 P2 processed",
			`4 P3 error the value "abc" of indicator "cases" is not a number`,
			`5 ZZ error unknown location code "ZZ"`,
			`6 P1 error unknown campaign "nope"`,
			"7 P2 error the row has 2 fields, the header 4",
			"8 R2 processed",
		}
		if got := submissions(t, db, d, doc); !reflect.DeepEqual(got, want) {
			t.Errorf("submissions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if s := docStatus(t, db, d, doc); s != "processed" {
			t.Errorf("document status %q", s)
		}
		dps := datapoints(t, db, d)
		for _, w := range []string{"1/4/1/2024-01-15=11", "2/4/1/2024-01-15=0.5", "1/5/1/2024-01-15=21", "1/3/2/2024-02-01=8", "1/6/1/2024-01-15=5"} {
			if !contains(dps, w) {
				t.Errorf("no datapoint %s in\n%s", w, strings.Join(dps, "\n"))
			}
		}
		aggs := withoutIDs(aggRows(t, db))
		// Campaign 1: P1 and P2 changed; R1's own cases (100) still win; coverage R1 mean(.5, .75),
		// C mean(.5, .75, .5). Campaign 2: recomputed from R2's new own value (P1's value of campaign 2 is
		// outside its tree), the stale row replaced.
		for _, w := range []string{"1/4/1=11", "1/5/1=21", "1/2/1=100", "1/1/1=105", "1/2/2=0.625", "1/4/2=0.5", "2/3/1=8"} {
			if !contains(aggs, w) {
				t.Errorf("no agg_datapoint %s in\n%s", w, strings.Join(aggs, "\n"))
			}
		}
		// Run twice: the same rows, ids included.
		before := [][]string{submissions(t, db, d, doc), datapoints(t, db, d), aggRows(t, db)}
		a = serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, "")
		if a.status != 200 {
			t.Fatalf("second run: status %d: %s", a.status, a.raw)
		}
		if after := [][]string{submissions(t, db, d, doc), datapoints(t, db, d), aggRows(t, db)}; !reflect.DeepEqual(after, before) {
			t.Errorf("the second run changed rows:\n%v\nwant\n%v", after, before)
		}
		// An unknown indicator column: the rows with a value in it are errors, the others land.
		doc2 := uploadDoc(t, h, key, "campaign", "location_code,campaign,cases,bogus\nP1,one,12,\nP2,one,22,5\n")
		a = serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc2), key, "")
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		want = []string{"2 P1 processed", `3 P2 error unknown indicator "bogus"`}
		if got := submissions(t, db, d, doc2); !reflect.DeepEqual(got, want) {
			t.Errorf("submissions: %q, want %q", got, want)
		}
		dps = datapoints(t, db, d)
		if !contains(dps, "1/4/1/2024-01-15=12") || !contains(dps, "1/5/1/2024-01-15=21") {
			t.Errorf("datapoints after the second document:\n%s", strings.Join(dps, "\n"))
		}
	})
}

func TestTransformUploadDate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		aggBefore := aggRows(t, db)
		doc := uploadDoc(t, h, key, "date", "location_code,data_date,cases,coverage\r\n"+
			"P1,2024-03-01,3,0.2\r\n"+
			"P2,2024-03-01,4,\r\n"+
			"X,2024-03-02,5,\r\n"+
			"P3,03/01/2024,1,\r\n")
		a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, "")
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		want := []string{"2 P1 processed", "3 P2 processed", "4 X processed", `5 P3 error data_date "03/01/2024" is not a date (YYYY-MM-DD)`}
		if got := submissions(t, db, d, doc); !reflect.DeepEqual(got, want) {
			t.Errorf("submissions: %q, want %q", got, want)
		}
		dated := func() []string {
			var out []string
			for _, r := range datapoints(t, db, d) {
				if strings.Contains(r, "/0/2024-03") {
					out = append(out, idSuffix.ReplaceAllString(r, ""))
				}
			}
			return out
		}
		wantDP := []string{"1/4/0/2024-03-01=3", "1/5/0/2024-03-01=4", "1/7/0/2024-03-02=5", "2/4/0/2024-03-01=0.2"}
		if got := dated(); !reflect.DeepEqual(got, wantDP) {
			t.Errorf("datapoints %q, want %q", got, wantDP)
		}
		before := datapoints(t, db, d)
		serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, "")
		if after := datapoints(t, db, d); !reflect.DeepEqual(after, before) {
			t.Errorf("the second run changed datapoints")
		}
		// Another document with a key already there (campaign_id NULL): updated, not duplicated.
		doc2 := uploadDoc(t, h, key, "date", "location_code,data_date,cases\nP1,2024-03-01,9\n")
		if a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc2), key, ""); a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		wantDP[0] = "1/4/0/2024-03-01=9"
		if got := dated(); !reflect.DeepEqual(got, wantDP) {
			t.Errorf("datapoints %q, want %q", got, wantDP)
		}
		if got := aggRows(t, db); !reflect.DeepEqual(got, aggBefore) {
			t.Errorf("a date document changed agg_datapoint")
		}
	})
}

func TestTransformUploadBadDocuments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		for _, c := range []struct {
			name, fileType, content, message string
		}{
			{"empty", "date", " \n\n", "The document is empty."},
			{"not CSV", "campaign", `{"location_code": "P1", "cases": 3}`, "not a CSV file"},
			{"broken quote", "campaign", "location_code,campaign,cases\nP1,\"one,1\n", "not a CSV file"},
			{"no campaign column", "campaign", "location_code,cases\nP1,1\n", `no "campaign" column`},
			{"no data_date column", "date", "location_code,campaign,cases\nP1,one,1\n", `no "data_date" column`},
		} {
			t.Run(c.name, func(t *testing.T) {
				doc := uploadDoc(t, h, key, c.fileType, c.content)
				a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, "")
				if msg, _ := a.body["error"].(string); a.status != http.StatusBadRequest || !strings.Contains(msg, c.message) {
					t.Errorf("status %d: %s; want 400 with %q", a.status, a.raw, c.message)
				}
				if s := docStatus(t, db, d, doc); s != "failed" {
					t.Errorf("document status %q, want failed", s)
				}
				if got := submissions(t, db, d, doc); len(got) != 0 {
					t.Errorf("submissions left: %q", got)
				}
			})
		}
		a := serve(t, h, "GET", "/api/v1/transform_upload/?document_id=999", key, "")
		if a.status != http.StatusNotFound {
			t.Errorf("unknown document: status %d: %s", a.status, a.raw)
		}
	})
}

// TestUploadConfinedToRegion: a user with a top-level location sees and runs only the documents they
// uploaded, and their rows of locations outside the region become error submissions; a superuser
// sees every document.
func TestUploadConfinedToRegion(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		var ind int64
		var short string
		if err := db.QueryRow(`SELECT id, short_name FROM indicator ORDER BY id LIMIT 1`).Scan(&ind, &short); err != nil {
			t.Fatal(err)
		}
		in, out := f.locationID(t, scopedTop+"-P01"), f.locationID(t, "AF-R02-P01")
		content := "location_code,data_date," + short + "\n" + scopedTop + "-P01,2031-01-01,7\nAF-R02-P01,2031-01-01,8\nZZ-NONE,2031-01-01,9\n"
		mine := uploadDoc(t, f.api, f.as(scopedName), "date", content)
		theirs := uploadDoc(t, f.api, f.as(superName), "date", content)

		// Lists: the confined user sees their document only, the superuser both.
		for _, c := range []struct {
			user string
			want []int64
		}{{scopedName, []int64{mine}}, {superName, []int64{mine, theirs}}} {
			a := serve(t, f.api, "GET", "/api/v1/source_doc/?order_by=id", f.as(c.user), "")
			var got []int64
			for _, o := range a.objects() {
				n, _ := o["id"].(json.Number).Int64()
				got = append(got, n)
			}
			if a.status != 200 || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: source_doc ids %v (status %d), want %v", c.user, got, a.status, c.want)
			}
		}
		if a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/source_doc/%d/", theirs), f.as(scopedName), ""); a.status != 404 {
			t.Errorf("another's document: status %d, want 404", a.status)
		}

		// Running another's document: 404, nothing parsed, the document untouched.
		a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", theirs), f.as(scopedName), "")
		if a.status != 404 || a.code() != "OBJECT_DOES_NOT_EXIST" || !strings.Contains(a.raw, fmt.Sprintf("There is no source_doc %d.", theirs)) {
			t.Errorf("transform of another's document: status %d: %s", a.status, a.raw)
		}
		if got := submissions(t, db, d, theirs); len(got) != 0 || docStatus(t, db, d, theirs) != "uploaded" {
			t.Errorf("another's document was processed: %q, %s", got, docStatus(t, db, d, theirs))
		}

		// Running their own: the row outside the region is an error submission, worded as for a location
		// that does not exist, and the other lands.
		a = serve(t, f.api, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", mine), f.as(scopedName), "")
		if a.status != 200 {
			t.Fatalf("transform: status %d: %s", a.status, a.raw)
		}
		want := []string{
			"2 " + scopedTop + "-P01 processed",
			`3 AF-R02-P01 error there is no location with the code "AF-R02-P01" in your region`,
			`4 ZZ-NONE error there is no location with the code "ZZ-NONE" in your region`,
		}
		if got := submissions(t, db, d, mine); !reflect.DeepEqual(got, want) {
			t.Errorf("submissions %q, want %q", got, want)
		}
		count := func(loc int64) int64 {
			return f.scalar(t, `SELECT count(*) FROM datapoint WHERE indicator_id = ? AND location_id = ? AND data_date = '2031-01-01'`, ind, loc)
		}
		if count(in) != 1 || count(out) != 0 {
			t.Errorf("datapoints in the region %d, outside %d; want 1, 0", count(in), count(out))
		}

		// The superuser's run of their own document writes both rows.
		if a := serve(t, f.api, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", theirs), f.as(superName), ""); a.status != 200 {
			t.Fatalf("superuser transform: status %d: %s", a.status, a.raw)
		}
		if count(in) != 1 || count(out) != 1 {
			t.Errorf("after the superuser's run: in the region %d, outside %d; want 1, 1", count(in), count(out))
		}
	})
}

// TestTransformUploadToProcess: submissions a document already has that are still to_process (as the
// pipeline wrote them before it processed a new document's rows as it parsed them) are turned into
// datapoints by refresh_master and marked processed, or error when they no longer resolve; the
// document's other submissions are left alone, and a second run changes nothing.
func TestTransformUploadToProcess(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		doc := uploadDoc(t, h, key, "campaign", "location_code,campaign,cases\nP1,one,1\n") // not parsed: it has submissions
		ids := map[int]int64{}
		for _, s := range []struct {
			row             int
			loc, js, status string
		}{
			{2, "P1", `{"location_code":"P1","campaign":"one","cases":"11","coverage":"0.5"}`, "to_process"},
			{3, "ZZ", `{"location_code":"ZZ","campaign":"one","cases":"1"}`, "to_process"},
			{4, "P2", `{"location_code":"P2","campaign":"one","cases":"99"}`, "processed"},
			{5, "P2", `not json`, "to_process"},
			{6, "R2", `{"location_code":"R2","campaign":"two","cases":"8"}`, "to_process"},
		} {
			var id int64
			if err := db.QueryRow(d.Rebind(`INSERT INTO source_submission (document_id, row_number, location_code, campaign_name, submission_json, process_status)
				VALUES (?, ?, ?, 'one', ?, ?) RETURNING id`), doc, s.row, s.loc, s.js, s.status).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids[s.row] = id
		}
		a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, "")
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		want := []string{
			"2 P1 processed",
			`3 ZZ error unknown location code "ZZ"`,
			"4 P2 processed",
			"5 P2 error submission_json is not an object of strings",
			"6 R2 processed",
		}
		if got := submissions(t, db, d, doc); !reflect.DeepEqual(got, want) {
			t.Errorf("submissions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		dps := datapoints(t, db, d)
		for _, w := range []string{"1/4/1/2024-01-15=11", "2/4/1/2024-01-15=0.5", "1/5/1/2024-01-15=20", "1/3/2/2024-02-01=8"} {
			if !contains(dps, w) {
				t.Errorf("no datapoint %s in\n%s", w, strings.Join(dps, "\n"))
			}
		}
		var sid int64
		if err := db.QueryRow(`SELECT source_submission_id FROM datapoint WHERE indicator_id = 1 AND location_id = 4 AND campaign_id = 1`).Scan(&sid); err != nil || sid != ids[2] {
			t.Errorf("P1's cases: source_submission_id %d (%v), want %d", sid, err, ids[2])
		}
		aggs := withoutIDs(aggRows(t, db))
		for _, w := range []string{"1/4/1=11", "1/2/2=0.625", "2/3/1=8"} {
			if !contains(aggs, w) {
				t.Errorf("no agg_datapoint %s in\n%s", w, strings.Join(aggs, "\n"))
			}
		}
		before := [][]string{submissions(t, db, d, doc), datapoints(t, db, d), aggRows(t, db)}
		if a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, ""); a.status != 200 {
			t.Fatalf("second run: status %d: %s", a.status, a.raw)
		}
		if after := [][]string{submissions(t, db, d, doc), datapoints(t, db, d), aggRows(t, db)}; !reflect.DeepEqual(after, before) {
			t.Errorf("the second run changed rows:\n%v\nwant\n%v", after, before)
		}
	})
}

// TestTransformUploadConcurrentDocuments runs two documents with the same date keys at once: their
// pipelines take turns (pipelineLock), so every key ends with one datapoint, holding the value of the
// document that ran last.
func TestTransformUploadConcurrentDocuments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		doc := func(value int) string {
			var b strings.Builder
			b.WriteString("location_code,data_date,cases\n")
			day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range 1500 {
				for _, loc := range []string{"P1", "P2", "P3"} {
					fmt.Fprintf(&b, "%s,%s,%d\n", loc, day.AddDate(0, 0, i).Format("2006-01-02"), value)
				}
			}
			return b.String()
		}
		docs := []int64{uploadDoc(t, h, key, "date", doc(1)), uploadDoc(t, h, key, "date", doc(2))}
		var wg sync.WaitGroup
		answers := make([]answer, len(docs))
		for i, id := range docs {
			wg.Go(func() {
				answers[i] = serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d&limit=1", id), key, "")
			})
		}
		wg.Wait()
		for i, a := range answers {
			if a.status != 200 {
				t.Fatalf("document %d: status %d: %.300s", docs[i], a.status, a.raw)
			}
		}
		f := &authFixture{db: db, d: d}
		if n := f.scalar(t, `SELECT count(*) FROM datapoint WHERE campaign_id IS NULL AND data_date >= '2030-01-01'`); n != 4500 {
			t.Errorf("%d datapoints, want 4500 (one a key)", n)
		}
		if n := f.scalar(t, `SELECT count(DISTINCT value) FROM datapoint WHERE campaign_id IS NULL AND data_date >= '2030-01-01'`); n != 1 {
			t.Errorf("%d distinct values, want 1 (the document that ran last)", n)
		}
	})
}
