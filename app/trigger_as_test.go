package main

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// TestTriggerAs runs `app trigger --as USERNAME` on the aggregation fixture: the run is the user's
// (processing_run records their id and name), and their authorization applies as on their own GET: a
// user confined to the region R1 gets the campaign's aggregates of R1 only, and may not process a
// document someone else uploaded. An unknown user is exit 1 with a message and no run; a misplaced
// or empty --as is a bad command line (exit 2).
func TestTriggerAs(t *testing.T) {
	eachAggAddress(t, func(t *testing.T, addr string, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		region, err := createUser(ctx, db, d, newUser{Username: "r1user", TopLocation: "R1"})
		if err != nil {
			t.Fatal(err)
		}
		scalar := func(q string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := db.QueryRow(d.Rebind(q), args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		adminID := scalar(`SELECT id FROM app_user WHERE username = 'admin'`)
		doc := scalar(d.Rebind(`INSERT INTO source_doc (doc_title, file_type, content, status, created_by_id, created_at) VALUES ('d', 'campaign', ?, 'uploaded', ?, ?) RETURNING id`),
			"location_code,campaign,cases\nP1,one,11\n", adminID, now(d))

		cases := []struct {
			name   string
			args   []string
			code   int
			stdout string // a regular expression
			stderr string // exact, or a substring for exit 2
		}{
			{"superuser", []string{"--as", "admin", "agg_refresh", "campaign_id=1"}, 0,
				`^run 1 of agg_refresh \{"campaign_id":1\} as admin: succeeded in \S+\n32 rows\n$`, ""},
			// R1 (2) and its provinces P1 (4) and P2 (5), of the 6 locations of the campaign's tree.
			{"confined to R1", []string{"--as", "r1user", "agg_refresh", "campaign_id=1"}, 0,
				`^run 2 of agg_refresh \{"campaign_id":1\} as r1user: succeeded in \S+\n%d rows\n$`, ""},
			{"another's document", []string{"--as", "r1user", "transform_upload", fmt.Sprintf("document_id=%d", doc)}, 1,
				fmt.Sprintf(`^run 3 of transform_upload \{"document_id":%d\} as r1user: failed in \S+: There is no source_doc %d\.\n$`, doc, doc),
				fmt.Sprintf("app trigger: There is no source_doc %d. (OBJECT_DOES_NOT_EXIST)\n", doc)},
			{"the uploader", []string{"--as", "admin", "transform_upload", fmt.Sprintf("document_id=%d", doc)}, 0,
				fmt.Sprintf(`^run 4 of transform_upload \{"document_id":%d\} as admin: succeeded in \S+\n1 rows\n$`, doc), ""},
			{"unknown user", []string{"--as", "nobody", "agg_refresh", "campaign_id=1"}, 1,
				`^$`, "app trigger: --as: no user is named \"nobody\" (see app createuser)\n"},
			{"empty --as", []string{"--as=", "agg_refresh", "campaign_id=1"}, 2, `^$`, "--as needs a username"},
			{"--as after the resource", []string{"agg_refresh", "--as", "admin", "campaign_id=1"}, 2, `^$`, `flag "--as" comes after RESOURCE; give flags first`},
		}
		for _, c := range cases {
			if strings.Contains(c.stdout, "%d rows") { // the aggregates the first run wrote, of R1's locations
				c.stdout = fmt.Sprintf(c.stdout, scalar(`SELECT count(*) FROM agg_datapoint WHERE campaign_id = 1 AND location_id IN (2, 4, 5)`))
			}
			code, out, errOut := runApp(ctx, nil, append([]string{"trigger", "--db", addr}, c.args...)...)
			okErr := errOut == c.stderr
			if c.code == 2 {
				okErr = strings.Contains(errOut, c.stderr)
			}
			if code != c.code || !regexp.MustCompile(c.stdout).MatchString(out) || !okErr {
				t.Errorf("%s: code %d (want %d)\nstdout %q\nwant   %s\nstderr %q\nwant   %q", c.name, code, c.code, out, c.stdout, errOut, c.stderr)
			}
		}

		rows, err := db.Query(`SELECT id, resource, user_id, username, status FROM processing_run ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id int64
			var res, username, status string
			var userID sql.NullInt64
			if err := rows.Scan(&id, &res, &userID, &username, &status); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d %s %d %s %s", id, res, userID.Int64, username, status))
		}
		want := []string{
			fmt.Sprintf("1 agg_refresh %d admin succeeded", adminID),
			fmt.Sprintf("2 agg_refresh %d r1user succeeded", region.ID),
			fmt.Sprintf("3 transform_upload %d r1user failed", region.ID),
			fmt.Sprintf("4 transform_upload %d admin succeeded", adminID),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("processing_run:\n got %q\nwant %q", got, want)
		}
		if n := scalar(`SELECT count(*) FROM datapoint WHERE location_id = 4 AND indicator_id = 1 AND campaign_id = 1 AND value = 11`); n != 1 {
			t.Errorf("the uploader's run wrote %d datapoints of the document", n)
		}
	})
}
