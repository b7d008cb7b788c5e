package modelresource_test

import (
	"database/sql"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// A NUL character in text is refused by validation on both backends: PostgreSQL rejects it in text
// columns while SQLite would store it, so without the check the two backends answered differently.
func TestWriteRefusesNUL(t *testing.T) {
	type give struct {
		method, path, body string
	}
	type want struct {
		status  int
		code    string
		message string
		details string
		// unchanged is a COUNT query that must answer count after the refused write.
		unchanged string
		count     int64
	}
	tests := []struct {
		name string
		give give
		want want
	}{
		{
			name: "POST detail",
			give: give{http.MethodPost, "/api/v1/publisher/", `{"name": "a\u0000b"}`},
			want: want{
				status: 400, code: "VALIDATION_ERROR",
				message:   "Invalid data for publisher: 'name' may not contain a NUL character.",
				details:   `{"fields": {"name": "may not contain a NUL character"}}`,
				unchanged: "SELECT COUNT(*) FROM publisher", count: fixturePublishers,
			},
		},
		{
			name: "POST detail, NUL alone",
			give: give{http.MethodPost, "/api/v1/publisher/", `{"name": "\u0000"}`},
			want: want{
				status: 400, code: "VALIDATION_ERROR",
				message:   "Invalid data for publisher: 'name' may not contain a NUL character.",
				details:   `{"fields": {"name": "may not contain a NUL character"}}`,
				unchanged: "SELECT COUNT(*) FROM publisher", count: fixturePublishers,
			},
		},
		{
			name: "POST list, second item",
			give: give{http.MethodPost, "/api/v1/publisher/", `[{"name": "Fine"}, {"name": "a\u0000b"}]`},
			want: want{
				status: 400, code: "VALIDATION_ERROR",
				message:   "Item 1: Invalid data for publisher: 'name' may not contain a NUL character.",
				details:   `{"fields": {"name": "may not contain a NUL character"}, "index": 1}`,
				unchanged: "SELECT COUNT(*) FROM publisher", count: fixturePublishers,
			},
		},
		{
			name: "PATCH of a TEXT column",
			give: give{http.MethodPatch, "/api/v1/author/1/", `{"bio": "Natural\u0000ist"}`},
			want: want{
				status: 400, code: "VALIDATION_ERROR",
				message:   "Invalid data for author: 'bio' may not contain a NUL character.",
				details:   `{"fields": {"bio": "may not contain a NUL character"}}`,
				unchanged: "SELECT COUNT(*) FROM author WHERE id = 1 AND bio = 'Naturalist'", count: 1,
			},
		},
		{
			name: "PUT",
			give: give{http.MethodPut, "/api/v1/publisher/2/", `{"name": "Peng\u0000uin", "country": "GB"}`},
			want: want{
				status: 400, code: "VALIDATION_ERROR",
				message:   "Invalid data for publisher: 'name' may not contain a NUL character.",
				details:   `{"fields": {"name": "may not contain a NUL character"}}`,
				unchanged: "SELECT COUNT(*) FROM publisher WHERE id = 2 AND name = 'Penguin'", count: 1,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				c := newClient(t, db, d)
				r := c.do(tc.give.method, tc.give.path, tc.give.body)
				if r.status != tc.want.status {
					t.Fatalf("status %d, want %d; body %s", r.status, tc.want.status, r.raw)
				}
				if got := field(r.body, "code"); got != tc.want.code {
					t.Errorf("code %v, want %s", got, tc.want.code)
				}
				if got := field(r.body, "error"); got != tc.want.message {
					t.Errorf("error %q, want %q", got, tc.want.message)
				}
				jsonEqual(t, field(r.body, "details"), tc.want.details)
				if n := c.count(tc.want.unchanged); n != tc.want.count {
					t.Errorf("%s = %d, want %d: the refused write changed the database", tc.want.unchanged, n, tc.want.count)
				}
				if n := c.count("SELECT COUNT(*) FROM publisher WHERE name LIKE 'Fine%'"); n != 0 {
					t.Errorf("%d publisher(s) of a refused list were written", n)
				}
			})
		})
	}
}
