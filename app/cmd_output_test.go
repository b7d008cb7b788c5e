package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCommandOutput checks what the commands print, whole: each case runs its setup commands on a fresh
// SQLite file, then its command, and compares the exit status and both streams, with the key, the times
// and the file's path replaced by placeholders.
func TestCommandOutput(t *testing.T) {
	migrated := "DB (sqlite) is up to date:\n" +
		"  00001_dashboard.sql                      applied TIME\n" +
		"  00002_datapoint_page_index.sql           applied TIME\n" +
		"  00003_api_keys.sql                       applied TIME\n" +
		"  00004_processing_run.go                  applied TIME\n" +
		"  00005_app_secret.sql                     applied TIME\n" +
		"  00006_processing_run_parameters_json.go  applied TIME\n  00007_app_session.go                     applied TIME\n  00008_api_key_watch.sql                  applied TIME\n"
	dbHelp := "  -db string\n" +
		"    \tthe database: a SQLite file, or a PostgreSQL URL (postgres://user:password@host:5432/name); " +
		"when --db is not given, DATABASE_URL (either kind) is used if set (default \"./dashboard.db\")\n"
	key := func(user, try, url string) string {
		return "API key of \"" + user + "\" (shown only this once; only its hash is stored):\n\n    KEY\n\n" +
			"Try it (" + try + "):\n    curl -H 'Authorization: Bearer KEY' '" + url + "indicator/?limit=2'\n" +
			"Tastypie's header works too: -H 'Authorization: ApiKey " + user + ":KEY'\n"
	}
	cases := []struct {
		name           string
		setup          [][]string // run first, each with --db
		args           []string   // --db is added
		code           int
		stdout, stderr string
	}{
		{name: "trigger -h prints its usage once", args: []string{"trigger", "-h"}, stderr: "Usage: app trigger [--db FILE|URL] [--as USERNAME] RESOURCE [key=value...]\n\nFlags:\n" +
			"  -as string\n    \trun as this user of app_user: their top-level location and permissions apply, and the run records them (default: a superuser named \"app trigger\", recorded without a user)\n" +
			dbHelp},
		{name: "migrate -h says --db takes a PostgreSQL URL", args: []string{"migrate", "-h"}, stderr: "Usage: app migrate [--db FILE|URL]\n\nFlags:\n" + dbHelp},
		{name: "migrate aligns its columns", args: []string{"migrate"}, stdout: migrated},
		{name: "seed on a seeded database names the command once", setup: [][]string{{"seed"}}, args: []string{"seed"}, code: 1,
			stderr: "app seed: the database already has data (tables with rows: location_type, location, indicator, indicator_calculation, " +
				"campaign_type, campaign, datapoint, custom_dashboard, custom_chart); seed into an empty database\n"},
		{name: "createuser prints the curl line for serve's default address, saying so", args: []string{"createuser", "--username", "ana"},
			stdout: "created user \"ana\" (id 1)\n" + key("ana", "with app serve listening on 127.0.0.1:8000, its default; give --addr for another address", "http://127.0.0.1:8000/api/v1/")},
		{name: "createuser --addr", args: []string{"createuser", "--username", "ana", "--addr", "10.1.2.3:9000"},
			stdout: "created user \"ana\" (id 1)\n" + key("ana", "with app serve listening on 10.1.2.3:9000, as --addr says", "http://10.1.2.3:9000/api/v1/")},
		{name: "createkey --addr", setup: [][]string{{"createuser", "--username", "bo"}}, args: []string{"createkey", "--username", "bo", "--addr", "[::1]:8080"},
			stdout: key("bo", "with app serve listening on [::1]:8080, as --addr says", "http://[::1]:8080/api/v1/")},
		{name: "createkey for nobody", args: []string{"createkey", "--username", "nobody"}, code: 1, stderr: "app createkey: no user is named \"nobody\"\n"},
	}
	keyRe := regexp.MustCompile(`tg_[0-9a-f]{12}_[a-z2-7]{32}`)
	timeRe := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "cli.db")
			clean := func(s string) string {
				return timeRe.ReplaceAllString(keyRe.ReplaceAllString(strings.ReplaceAll(s, db, "DB"), "KEY"), "TIME")
			}
			for _, s := range c.setup {
				if code, stdout, stderr := runApp(t.Context(), nil, append(s, "--db", db)...); code != 0 {
					t.Fatalf("setup %v: exit status %d\nstdout: %s\nstderr: %s", s, code, stdout, stderr)
				}
			}
			code, stdout, stderr := runApp(t.Context(), nil, append(c.args, "--db", db)...)
			if code != c.code {
				t.Errorf("exit status %d, want %d", code, c.code)
			}
			if got := clean(stdout); got != c.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, c.stdout)
			}
			if got := clean(stderr); got != c.stderr {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, c.stderr)
			}
		})
	}
}
