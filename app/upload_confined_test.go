package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// The campaign document of the tests below, as a user confined to R2 (the aggregation fixture's region
// of P3) writes it: at P3, one row for each of the region's campaign (two), the country's campaign
// (one, not the user's to read), a campaign that does not exist, and a name two campaigns share, one
// in the region and one over the country; then rows of the region's campaign at a location outside
// the region (P1, under R1) and at one that does not exist.
const confinedCampaignDoc = "location_code,campaign,cases\nP3,two,1\nP3,one,2\nP3,nope,3\nP3,twin,4\nP1,two,5\nZZ,two,6\n"

// confinedUpload is the aggregation fixture with the campaigns and users of the confined upload
// tests, and the rows as they were before any run.
type confinedUpload struct {
	db         *sql.DB
	d          dialect.Dialect
	keys       map[string]string // username → API key header
	datapoints []string          // every datapoint, without ids
	outside    []string          // the agg_datapoint rows of the campaigns outside R2, ids included
}

// newConfinedUpload adds to the aggregation fixture (campaigns one over the country, two over R2) the
// campaigns twin over the country (3) and twin over R2 (4), the user r2user confined to R2 and the
// plain user plain, and notes the rows as they are.
func newConfinedUpload(t *testing.T, db *sql.DB, d dialect.Dialect) *confinedUpload {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Exec(d.Rebind(`INSERT INTO campaign (id, name, campaign_type_id, top_lvl_location_id, start_date, end_date, created_at) VALUES
		(3, 'twin', 1, 1, '2024-03-01', '2024-03-31', ?), (4, 'twin', 1, 3, '2024-04-01', '2024-04-30', ?)`), now(d), now(d)); err != nil {
		t.Fatal(err)
	}
	u := &confinedUpload{db: db, d: d, keys: map[string]string{}}
	for _, nu := range []newUser{{Username: "r2user", TopLocation: "R2"}, {Username: "plain"}} {
		created, err := createUser(ctx, db, d, nu)
		if err != nil {
			t.Fatal(err)
		}
		u.keys[nu.Username] = "ApiKey " + nu.Username + ":" + created.Key
	}
	u.datapoints, u.outside = withoutIDs(datapoints(t, db, d)), u.outsideAggs(t)
	if len(u.outside) == 0 {
		t.Fatal("the fixture has no agg_datapoint row of a campaign outside R2: the test needs one")
	}
	return u
}

// outsideAggs is the agg_datapoint rows of the campaigns outside R2 (one and the country's twin).
func (u *confinedUpload) outsideAggs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range aggRows(t, u.db) {
		if c := strings.SplitN(r, "/", 2)[0]; c == "1" || c == "3" {
			out = append(out, r)
		}
	}
	return out
}

// check asserts what a confined user's run of confinedCampaignDoc leaves: the rows naming a campaign
// outside the region and a missing one are error submissions with the same message, and so are those
// of a location outside the region and a missing one; the region's campaigns (twin resolving to R2's)
// get their datapoints and aggregates, and nothing of the campaigns outside the region is written or
// recomputed.
func (u *confinedUpload) check(t *testing.T, doc int64) {
	t.Helper()
	want := []string{
		"2 P3 processed",
		`3 P3 error there is no campaign named "one" in your region`,
		`4 P3 error there is no campaign named "nope" in your region`,
		"5 P3 processed",
		`6 P1 error there is no location with the code "P1" in your region`,
		`7 ZZ error there is no location with the code "ZZ" in your region`,
	}
	if got := submissions(t, u.db, u.d, doc); !slices.Equal(got, want) {
		t.Errorf("submissions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantDPs := append(slices.Clone(u.datapoints), "1/6/2/2024-02-01=1", "1/6/4/2024-04-01=4")
	slices.Sort(wantDPs)
	gotDPs := withoutIDs(datapoints(t, u.db, u.d))
	slices.Sort(gotDPs)
	if !slices.Equal(gotDPs, wantDPs) {
		t.Errorf("datapoints:\n%s\nwant:\n%s", strings.Join(gotDPs, "\n"), strings.Join(wantDPs, "\n"))
	}
	if got := u.outsideAggs(t); !slices.Equal(got, u.outside) {
		t.Errorf("agg_datapoint of the campaigns outside the region:\n%s\nwant (as before the run):\n%s", strings.Join(got, "\n"), strings.Join(u.outside, "\n"))
	}
	var inside []string
	for _, r := range withoutIDs(aggRows(t, u.db)) {
		if c := strings.SplitN(r, "/", 2)[0]; c == "2" || c == "4" {
			inside = append(inside, r)
		}
	}
	// R2 sums P3's value; P1's datapoint of campaign two (7, untouched) lies outside its tree.
	if wantIn := []string{"2/3/1=1", "2/6/1=1", "4/3/1=4", "4/6/1=4"}; !slices.Equal(inside, wantIn) {
		t.Errorf("agg_datapoint of the region's campaigns: %q, want %q", inside, wantIn)
	}
	if st := docStatus(t, u.db, u.d, doc); st != "processed" {
		t.Errorf("document status %s", st)
	}
}

// insertDoc writes confinedCampaignDoc as a user's document, as the API would, and returns its id. With
// toProcess, it also gives the document its rows as to_process submissions, as refresh_master finds
// them (a document with submissions is not parsed again).
func (u *confinedUpload) insertDoc(t *testing.T, username string, toProcess bool) int64 {
	t.Helper()
	var user, doc int64
	if err := u.db.QueryRow(u.d.Rebind(`SELECT id FROM app_user WHERE username = ?`), username).Scan(&user); err != nil {
		t.Fatal(err)
	}
	if err := u.db.QueryRow(u.d.Rebind(`INSERT INTO source_doc (doc_title, file_type, content, status, created_by_id, created_at)
		VALUES ('d', 'campaign', ?, 'uploaded', ?, ?) RETURNING id`), confinedCampaignDoc, user, now(u.d)).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if !toProcess {
		return doc
	}
	for i, line := range strings.Split(strings.TrimSpace(confinedCampaignDoc), "\n")[1:] {
		f := strings.Split(line, ",")
		js := fmt.Sprintf(`{"location_code":%q,"campaign":%q,"cases":%q}`, f[0], f[1], f[2])
		if _, err := u.db.Exec(u.d.Rebind(`INSERT INTO source_submission (document_id, row_number, location_code, campaign_name, submission_json, process_status)
			VALUES (?, ?, ?, ?, ?, 'to_process')`), doc, i+2, f[0], f[1], js); err != nil {
			t.Fatal(err)
		}
	}
	return doc
}

// TestUploadConfinedCampaigns (issue 9, finding 10): in the campaign document of a user confined to a
// region, a row naming a campaign the user may not read (the campaign resource's own list authorization
// decides) is an error submission whose message is the one a missing campaign gets, so that it tells
// nothing; that campaign gets no datapoint and its aggregates are not recomputed. A location outside
// the region reads as a missing one the same way. The same whether the
// rows are parsed (doc_transform) or found to_process (refresh_master), over HTTP. Superusers and
// users without a region write every campaign, as before.
func TestUploadConfinedCampaigns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, adminKey := newAggFixture(t, db, d)
		u := newConfinedUpload(t, db, d)
		u.keys[superName] = adminKey
		confined := []struct {
			name string
			doc  func() int64
		}{
			{"parsed by doc_transform", func() int64 { return uploadDoc(t, h, u.keys["r2user"], "campaign", confinedCampaignDoc) }},
			{"to_process, by refresh_master", func() int64 { return u.insertDoc(t, "r2user", true) }},
		}
		for _, c := range confined {
			t.Run(c.name, func(t *testing.T) {
				doc := c.doc()
				a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d&order_by=row_number", doc), u.keys["r2user"], "")
				var listed []string
				for _, o := range a.objects() {
					listed = append(listed, strings.TrimSpace(fmt.Sprintf("%v %v %v %v", o["row_number"], o["campaign_name"], o["process_status"], nullText(o["error"]))))
				}
				want := []string{
					"2 two processed",
					`3 one error there is no campaign named "one" in your region`,
					`4 nope error there is no campaign named "nope" in your region`,
					"5 twin processed",
					`6 two error there is no location with the code "P1" in your region`,
					`7 two error there is no location with the code "ZZ" in your region`,
				}
				if a.status != http.StatusOK || !slices.Equal(listed, want) || fmt.Sprint(a.body["meta"].(map[string]any)["total_count"]) != "6" {
					t.Errorf("transform_upload: %d\n%s\nwant:\n%s\n%s", a.status, strings.Join(listed, "\n"), strings.Join(want, "\n"), a.raw)
				}
				u.check(t, doc)
			})
		}
		// Users without a region: every campaign and location is theirs, the missing ones unknown, twin
		// ambiguous.
		for _, user := range []string{"plain", superName} {
			t.Run(user, func(t *testing.T) {
				doc := uploadDoc(t, h, u.keys[user], "campaign", confinedCampaignDoc)
				if a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), u.keys[user], ""); a.status != http.StatusOK {
					t.Fatalf("transform_upload: %d %s", a.status, a.raw)
				}
				want := []string{
					"2 P3 processed",
					"3 P3 processed",
					`4 P3 error unknown campaign "nope"`,
					`5 P3 error the campaign name "twin" is ambiguous (2 campaigns)`,
					"6 P1 processed",
					`7 ZZ error unknown location code "ZZ"`,
				}
				if got := submissions(t, db, d, doc); !slices.Equal(got, want) {
					t.Errorf("submissions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				dps := datapoints(t, db, d)
				for _, w := range []string{"1/6/1/2024-01-15=2", "1/4/2/2024-01-15=5"} {
					if !contains(dps, w) {
						t.Errorf("no datapoint %s in\n%s", w, strings.Join(dps, "\n"))
					}
				}
			})
		}
	})
}

// nullText is a JSON value as text, "" for null.
func nullText(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// TestTriggerAsConfinedUpload: `app trigger --as` a confined user runs transform_upload through the
// same steps as their GET: the rows of campaigns and locations outside the region are error
// submissions, and those campaigns are neither written nor recomputed.
func TestTriggerAsConfinedUpload(t *testing.T) {
	eachAggAddress(t, func(t *testing.T, addr string, db *sql.DB, d dialect.Dialect) {
		u := newConfinedUpload(t, db, d)
		doc := u.insertDoc(t, "r2user", false)
		code, out, errOut := runApp(context.Background(), nil, "trigger", "--db", addr, "--as", "r2user", "transform_upload", fmt.Sprintf("document_id=%d", doc))
		if pattern := fmt.Sprintf(`^run 1 of transform_upload \{"document_id":%d\} as r2user: succeeded in \S+\n6 rows\n$`, doc); code != 0 || !regexp.MustCompile(pattern).MatchString(out) || errOut != "" {
			t.Errorf("code %d\nstdout %q\nwant   %s\nstderr %q", code, out, pattern, errOut)
		}
		u.check(t, doc)
	})
}
