package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestTransformUploadYearZero: a data_date of year 0 is a row's error, on both backends. Go parses
// it, SQLite stored it, and PostgreSQL, which has no year 0, failed the whole document with a 400
// that named nothing.
func TestTransformUploadYearZero(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		h, key := newAggFixture(t, db, d)
		before := datapoints(t, db, d)
		doc := uploadDoc(t, h, key, "date", "location_code,data_date,cases\nP1,0000-01-01,1\nP2,0001-01-01,4\n")
		a := serve(t, h, "GET", fmt.Sprintf("/api/v1/transform_upload/?document_id=%d", doc), key, "")
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		want := []string{`2 P1 error data_date "0000-01-01" is not a date (YYYY-MM-DD)`, "3 P2 processed"}
		if got := submissions(t, db, d, doc); !reflect.DeepEqual(got, want) {
			t.Errorf("submissions %q, want %q", got, want)
		}
		if s := docStatus(t, db, d, doc); s != "processed" {
			t.Errorf("document status %q, want processed", s)
		}
		after := datapoints(t, db, d)
		if len(after) != len(before)+1 || !contains(after, "1/5/0/0001-01-01=4") {
			t.Errorf("datapoints: %d before, after %q; want one more, 1/5/0/0001-01-01=4", len(before), after)
		}
	})
}
