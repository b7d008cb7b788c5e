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
// user confined to the region R2 recomputes R2's campaign, one confined to R1 may not recompute the
// country's campaign (its 404, and no run), nor process a document someone else uploaded. An unknown user is exit 1 with a message and no run; a misplaced
// or empty --as is a bad command line (exit 2).
func TestTriggerAs(t *testing.T) {
	eachAggAddress(t, func(t *testing.T, addr string, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		region, err := createUser(ctx, db, d, newUser{Username: "r1user", TopLocation: "R1"})
		if err != nil {
			t.Fatal(err)
		}
		region2, err := createUser(ctx, db, d, newUser{Username: "r2user", TopLocation: "R2"})
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

		if _, err := db.Exec(d.Rebind(`INSERT INTO datapoint (indicator_id, location_id, campaign_id, data_date, value, created_at) VALUES (1, 6, 2, '2024-02-15', 9, ?)`), now(d)); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			args   []string
			code   int
			stdout string // a regular expression
			stderr string // exact, or a substring for exit 2
		}{
			{"superuser", []string{"--as", "admin", "agg_refresh", "campaign_id=1"}, 0,
				`^run 1 of agg_refresh \{"campaign_id":1\} as admin: succeeded in \S+\n32 rows\n$`, ""},
			// Campaign 2's tree is R2 (3) and P3 (6): P3's 9 cases (below) counted at both.
			{"confined to R2, its campaign", []string{"--as", "r2user", "agg_refresh", "campaign_id=2"}, 0,
				`^run 2 of agg_refresh \{"campaign_id":2\} as r2user: succeeded in \S+\n2 rows\n$`, ""},
			{"confined to R1, the country's campaign", []string{"--as", "r1user", "agg_refresh", "campaign_id=1"}, 1,
				`^$`, "app trigger: No campaign with key \"1\". (OBJECT_DOES_NOT_EXIST)\n"},
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
			fmt.Sprintf("2 agg_refresh %d r2user succeeded", region2.ID),
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
