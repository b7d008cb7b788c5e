package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// csvResources are the fixture's resources with a to-many relation from author to book, book's
// Meta changed by edit and its value wrapped by wrap (both may be nil).
func csvResources(edit func(*resource.Meta), wrap func(*modelresource.Resource) resource.Resource) []resource.Resource {
	rs := fixtureResources()
	rs[1].Meta().ToMany = map[string]resource.ToMany{"books": {Resource: "book", Via: "author"}}
	book := rs[2].(*modelresource.Resource)
	if edit != nil {
		edit(book.Meta())
	}
	if wrap != nil {
		rs[2] = wrap(book)
	}
	return rs
}

// getCSV sends a GET with an optional Accept header and returns the status, headers and body.
func getCSV(t *testing.T, h http.Handler, method, path, accept string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.String()
}

// TestCSVList checks CSV bodies byte for byte: quoting, nulls, dates, booleans, JSON, non-ASCII, and
// the filters, ordering, fields=, pages and parent of the JSON list.
func TestCSVList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		for _, u := range []struct {
			id  int
			bio string
		}{{2, "He said \"Bel-Ami\", then\nleft"}, {4, "a, b; ü ∑ 日本"}, {1, " leading space"}} {
			if _, err := db.Exec(d.Rebind(`UPDATE author SET bio = ? WHERE id = ?`), u.bio, u.id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(`UPDATE book SET extra = '{"a": "x,\"y\""}' WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		h := newClient(t, db, d, csvResources(nil, nil)...).h
		tests := []struct {
			name, path, accept string
			want               string
		}{
			{name: "every type, quoting, query fields, resource_uri last", path: "/api/v1/author/?format=csv",
				want: "id,name,born,active,rating,bio,publisher_id,mentor_id,created_at,updated_at,publisher__name,resource_uri\n" +
					"1,Émile Zola,1840-04-02,true,4.5,\" leading space\",1,,2020-01-01T00:00:00.000000Z,2020-01-01T00:00:00.000000Z,Gallimard,/api/v1/author/1/\n" +
					"2,Guy de Maupassant,1850-08-05,true,,\"He said \"\"Bel-Ami\"\", then\nleft\",1,1,2020-01-02T00:00:00.000000Z,2020-01-02T00:00:00.000000Z,Gallimard,/api/v1/author/2/\n" +
					"3,Virginia Woolf,1882-01-25,false,4.8,Modernist 100%_sure,2,,2020-01-03T00:00:00.000000Z,2020-01-03T00:00:00.000000Z,Penguin,/api/v1/author/3/\n" +
					"4,ÉLODIE Nameless,,true,3,\"a, b; ü ∑ 日本\",,,2020-01-04T00:00:00.000000Z,2020-01-04T00:00:00.000000Z,,/api/v1/author/4/\n"},
			{name: "JSON as its text", path: "/api/v1/book/?format=csv&fields=id,extra&limit=4",
				want: "id,extra,resource_uri\n1,\"{\"\"tags\"\": [\"\"mine\"\"]}\",/api/v1/book/1/\n2,\"{\"\"a\"\": \"\"x,\\\"\"y\\\"\"\"\"}\",/api/v1/book/2/\n" +
					"3,{},/api/v1/book/3/\n4,{},/api/v1/book/4/\n"},
			{name: "filters, ordering and fields=", path: "/api/v1/book/?format=csv&genre=novel&pages__isnull=false&order_by=-published&fields=title,published,id",
				want: "id,title,published,resource_uri\n4,Orlando,1928-10-11,/api/v1/book/4/\n1,Germinal,1885-03-01,/api/v1/book/1/\n"},
			{name: "a filter through a relation", path: "/api/v1/author/?format=csv&publisher__name=Penguin&fields=name",
				want: "name,resource_uri\nVirginia Woolf,/api/v1/author/3/\n"},
			{name: "nothing matches: the header alone", path: "/api/v1/book/?format=csv&title=None&fields=id",
				want: "id,resource_uri\n"},
			{name: "the page, as JSON's, without CSVExport", path: "/api/v1/book/?format=csv&fields=id",
				want: "id,resource_uri\n1,/api/v1/book/1/\n2,/api/v1/book/2/\n"},
			{name: "limit=0 is the max limit without CSVExport", path: "/api/v1/book/?format=csv&fields=id&limit=0",
				want: "id,resource_uri\n1,/api/v1/book/1/\n2,/api/v1/book/2/\n3,/api/v1/book/3/\n4,/api/v1/book/4/\n"},
			{name: "limit and offset", path: "/api/v1/book/?format=csv&fields=id&limit=1&offset=3",
				want: "id,resource_uri\n4,/api/v1/book/4/\n"},
			{name: "a sub-resource list", path: "/api/v1/author/3/books/?format=csv&fields=id,title&order_by=-id",
				want: "id,title,resource_uri\n5,A Room of One's Own,/api/v1/book/5/\n4,Orlando,/api/v1/book/4/\n"},
			{name: "Accept: text/csv", path: "/api/v1/author/?fields=id&limit=1", accept: "text/csv",
				want: "id,resource_uri\n1,/api/v1/author/1/\n"},
			{name: "Accept preferring text/csv", path: "/api/v1/author/?fields=id&limit=1", accept: "application/json;q=0.5, text/csv",
				want: "id,resource_uri\n1,/api/v1/author/1/\n"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, header, body := getCSV(t, h, "GET", tt.path, tt.accept)
				if status != 200 || body != tt.want {
					t.Fatalf("%s: %d\n got: %q\nwant: %q", tt.path, status, body, tt.want)
				}
				if ct := header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				res := strings.SplitN(strings.TrimPrefix(tt.path, "/api/v1/"), "/", 2)[0]
				if strings.Contains(tt.path, "/books/") {
					res = "book"
				}
				if cd := header.Get("Content-Disposition"); cd != `attachment; filename="`+res+`.csv"` {
					t.Errorf("Content-Disposition %q", cd)
				}
			})
		}

		// JSON stays the answer unless CSV is asked for.
		for _, c := range []struct{ path, accept string }{
			{"/api/v1/author/?limit=1", ""},
			{"/api/v1/author/?limit=1", "*/*"},
			{"/api/v1/author/?limit=1", "application/json, text/csv;q=0.9"},
			{"/api/v1/author/?limit=1&format=json", "text/csv"},
			{"/api/v1/author/1/", "text/csv"},
		} {
			status, header, _ := getCSV(t, h, "GET", c.path, c.accept)
			if status != 200 || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
				t.Errorf("%s (Accept %q): %d %s, want JSON", c.path, c.accept, status, header.Get("Content-Type"))
			}
		}

		// HEAD: the headers of the CSV answer, no body.
		status, header, body := getCSV(t, h, "HEAD", "/api/v1/author/?format=csv", "")
		if status != 200 || body != "" || header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("HEAD: %d %q %q", status, header.Get("Content-Type"), body)
		}
	})
}

// TestCSVErrors checks that every error before the body starts is answered in the one JSON shape.
func TestCSVErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		h := newClient(t, db, d, csvResources(nil, nil)...).h
		for _, c := range []struct {
			path, accept string
			status       int
			code, param  string
		}{
			{"/api/v1/author/?format=xml", "", 406, "NOT_ACCEPTABLE", "format"},
			{"/api/v1/author/?format=CSV", "", 406, "NOT_ACCEPTABLE", "format"},
			{"/api/v1/author/1/?format=csv", "", 406, "NOT_ACCEPTABLE", "format"},
			{"/api/v1/author/set/1;2/?format=csv", "", 406, "NOT_ACCEPTABLE", "format"},
			{"/api/v1/author/?format=csv&depth=1", "", 400, "INVALID_VALUE", "depth"},
			{"/api/v1/author/?depth=2", "text/csv", 400, "INVALID_VALUE", "depth"},
			{"/api/v1/author/3/books/?format=csv&depth=1", "", 400, "INVALID_VALUE", "depth"},
			{"/api/v1/author/?format=csv&nmae=x", "", 400, "INVALID_FILTER", "nmae"},
			{"/api/v1/author/?format=csv&order_by=bio", "", 400, "INVALID_ORDERING", "order_by"},
			{"/api/v1/author/?format=csv&fields=nope", "", 400, "INVALID_VALUE", "fields"},
			{"/api/v1/author/?format=csv&limit=-1", "", 400, "INVALID_VALUE", "limit"},
			{"/api/v1/author/?format=csv&born=notadate", "", 400, "INVALID_VALUE", ""},
			{"/api/v1/author/99/books/?format=csv", "", 404, "OBJECT_DOES_NOT_EXIST", ""},
		} {
			status, header, body := getCSV(t, h, "GET", c.path, c.accept)
			var e struct {
				Success *bool          `json:"success"`
				Code    string         `json:"code"`
				Error   string         `json:"error"`
				Details map[string]any `json:"details"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || status != c.status || e.Code != c.code ||
				e.Success == nil || *e.Success || e.Error == "" || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s, want %d %s", c.path, status, body, c.status, c.code)
				continue
			}
			if c.param != "" && e.Details["parameter"] != c.param {
				t.Errorf("%s: details %v, want parameter %q", c.path, e.Details, c.param)
			}
			if header.Get("Content-Disposition") != "" {
				t.Errorf("%s: an error carries Content-Disposition", c.path)
			}
		}
	})
}

// TestCSVExport checks Meta.CSVExport: every row beyond the max limit unless a limit is given.
func TestCSVExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		h := newClient(t, db, d, csvResources(func(m *resource.Meta) { m.CSVExport = true }, nil)...).h
		all := "id,resource_uri\n1,/api/v1/book/1/\n2,/api/v1/book/2/\n3,/api/v1/book/3/\n4,/api/v1/book/4/\n5,/api/v1/book/5/\n"
		for _, c := range []struct{ path, want string }{
			{"/api/v1/book/?format=csv&fields=id", all}, // 5 rows; MaxLimit is 4
			{"/api/v1/book/?format=csv&fields=id&offset=3", "id,resource_uri\n4,/api/v1/book/4/\n5,/api/v1/book/5/\n"},
			{"/api/v1/book/?format=csv&fields=id&limit=1&offset=1", "id,resource_uri\n2,/api/v1/book/2/\n"},
			{"/api/v1/book/?format=csv&fields=id&limit=0", "id,resource_uri\n1,/api/v1/book/1/\n2,/api/v1/book/2/\n3,/api/v1/book/3/\n4,/api/v1/book/4/\n"},
			{"/api/v1/book/?format=csv&fields=id&order_by=-pages", // NULLs first descending, as JSON
				"id,resource_uri\n3,/api/v1/book/3/\n1,/api/v1/book/1/\n2,/api/v1/book/2/\n4,/api/v1/book/4/\n5,/api/v1/book/5/\n"},
			{"/api/v1/author/1/books/?format=csv&fields=id", "id,resource_uri\n1,/api/v1/book/1/\n2,/api/v1/book/2/\n"},
		} {
			if status, _, body := getCSV(t, h, "GET", c.path, ""); status != 200 || body != c.want {
				t.Errorf("%s: %d\n got: %q\nwant: %q", c.path, status, body, c.want)
			}
		}
		// JSON keeps its pages.
		status, _, body := getCSV(t, h, "GET", "/api/v1/book/?limit=0", "")
		var page struct{ Objects []any }
		if err := json.Unmarshal([]byte(body), &page); err != nil || status != 200 || len(page.Objects) != 4 {
			t.Errorf("JSON: %d, %d objects", status, len(page.Objects))
		}
	})
}

// TestCSVAuthorization checks that a row authorization hides is not exported, and that a refusal is
// the JSON error.
func TestCSVAuthorization(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		h := newClient(t, db, d, csvResources(func(m *resource.Meta) {
			m.CSVExport = true
			m.Authorization = zolaOnly()
		}, nil)...).h
		want := "id,title,resource_uri\n1,Germinal,/api/v1/book/1/\n2,Nana,/api/v1/book/2/\n"
		for _, p := range []string{"/api/v1/book/?format=csv&fields=id,title", "/api/v1/book/?format=csv&fields=id,title&author__in=1,3"} {
			if status, _, body := getCSV(t, h, "GET", p, ""); status != 200 || body != want {
				t.Errorf("%s: %d\n got: %q\nwant: %q", p, status, body, want)
			}
		}
		if status, _, body := getCSV(t, h, "GET", "/api/v1/author/3/books/?format=csv&fields=id", ""); status != 200 || body != "id,resource_uri\n" {
			t.Errorf("sub-resource list of another author's books: %d %q", status, body)
		}
	})
}

// csvDehydrate changes a field, adds one and removes one; it refuses book 5 and, when big is set,
// makes book 1's title long enough that the body has started when book 5 comes.
type csvDehydrate struct {
	*modelresource.Resource
	big bool
}

func (o csvDehydrate) Dehydrate(ctx context.Context, b *resource.Bundle, obj *resource.Object, next resource.DehydrateFunc) error {
	if err := next(ctx, b, obj); err != nil {
		return err
	}
	id, _ := obj.Get("id")
	if id == int64(5) {
		return apierror.New(apierror.Forbidden, "book 5 is not for export")
	}
	title, _ := obj.Get("title")
	if o.big && id == int64(1) {
		title = strings.Repeat("x", 100<<10)
	}
	obj.Set("title", strings.ToUpper(title.(string)))
	obj.Set("computed", "not in the header")
	obj.Delete("pages")
	return nil
}

// TestCSVDehydrate checks that Dehydrate runs per object with the shape's columns, and that an error
// answers JSON before the body starts and cuts the connection after.
func TestCSVDehydrate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		edit := func(m *resource.Meta) { m.CSVExport = true }
		h := newClient(t, db, d, csvResources(edit, func(r *modelresource.Resource) resource.Resource { return csvDehydrate{Resource: r} })...).h
		want := "id,title,pages,resource_uri\n1,GERMINAL,,/api/v1/book/1/\n3,BEL-AMI,,/api/v1/book/3/\n"
		if status, _, body := getCSV(t, h, "GET", "/api/v1/book/?format=csv&fields=id,title,pages&id__in=1,3", ""); status != 200 || body != want {
			t.Errorf("%d\n got: %q\nwant: %q", status, body, want)
		}
		// Book 5 fails while the body is still buffered: the JSON error.
		status, header, body := getCSV(t, h, "GET", "/api/v1/book/?format=csv", "")
		if status != 403 || !strings.Contains(body, `"FORBIDDEN"`) || header.Get("Content-Disposition") != "" {
			t.Errorf("an error before the body: %d %v %s", status, header, body)
		}

		// Book 5 fails after 64 KiB of the body were sent: the connection is cut, the client sees an
		// incomplete transfer.
		big := newClient(t, db, d, csvResources(edit, func(r *modelresource.Resource) resource.Resource { return csvDehydrate{Resource: r, big: true} })...)
		srv := httptest.NewServer(big.h)
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/api/v1/book/?format=csv")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(string(got), "id,title,") {
			t.Errorf("an error after the body started: %d, %d bytes, %v; want a cut transfer", resp.StatusCode, len(got), err)
		}
	})
}

// listOverride returns its own page: the first object of the default's.
type listOverride struct{ *modelresource.Resource }

func (listOverride) ObjGetList(ctx context.Context, b *resource.Bundle, next resource.ObjGetListFunc) (*resource.Page, error) {
	page, err := next(ctx, b)
	if err == nil && len(page.Objects) > 1 {
		page.Objects = page.Objects[:1]
	}
	return page, err
}

func TestCSVOverriddenList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		edit := func(m *resource.Meta) { m.CSVExport = true }
		h := newClient(t, db, d, csvResources(edit, func(r *modelresource.Resource) resource.Resource { return listOverride{r} })...).h
		// A page: the one the override returns.
		if status, _, body := getCSV(t, h, "GET", "/api/v1/book/?format=csv&fields=id&order_by=-id&limit=3", ""); status != 200 || body != "id,resource_uri\n5,/api/v1/book/5/\n" {
			t.Errorf("a page: %d %q", status, body)
		}
		// An export: every page the override returns, as a client following next reads them (it wrote
		// only the first page before ObjStreamList was a step).
		want := "id,resource_uri\n5,/api/v1/book/5/\n4,/api/v1/book/4/\n3,/api/v1/book/3/\n2,/api/v1/book/2/\n1,/api/v1/book/1/\n"
		if status, _, body := getCSV(t, h, "GET", "/api/v1/book/?format=csv&fields=id&order_by=-id", ""); status != 200 || body != want {
			t.Errorf("an export: %d %q", status, body)
		}
	})
}
