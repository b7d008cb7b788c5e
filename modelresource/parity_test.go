package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// Tastypie's remaining query behaviour (issue 14 item 3), over HTTP on both backends and in both wire
// styles: none/None/nil as NULL, an empty in, the date and time lookups, regex and iregex, sort_by.

// parityCase is one GET of a list and the keys it must answer (in order), or the error it must be.
type parityCase struct {
	query  string
	ids    []int64 // the keys of the objects, in order, when status is 200
	status int     // 200 when zero
	code   string  // the error code of a 400
	param  string  // details.parameter of the error
	msg    string  // the exact error message, when set
}

// styleClients are clients of one fixture database, one per wire style.
type styleClients map[resource.Style]*client

// newStyleClients serves rs (the fixture's resources when nil) over db in both wire styles; the
// caller has created the tables.
func newStyleClients(t *testing.T, db *sql.DB, d dialect.Dialect, rs func() []resource.Resource) styleClients {
	t.Helper()
	if rs == nil {
		rs = fixtureResources
	}
	out := styleClients{}
	for _, st := range []resource.Style{resource.TastypieStyle, resource.DRFStyle} {
		api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Style: st,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, rs()...)
		if err != nil {
			t.Fatalf("resource.New: %v", err)
		}
		out[st] = &client{t: t, h: api, db: db, d: d, api: api}
	}
	return out
}

// listIDs reads the keys of a list's objects in either style ("objects" or "results").
func listIDs(t *testing.T, r response) []int64 {
	t.Helper()
	objs, ok := field(r.body, "objects").([]any)
	if !ok {
		if objs, ok = field(r.body, "results").([]any); !ok {
			t.Fatalf("no objects in %s", r.raw)
		}
	}
	ids := make([]int64, 0, len(objs))
	for _, o := range objs {
		n, _ := field(o, "id").(json.Number)
		id, err := n.Int64()
		if err != nil {
			t.Fatalf("an object without an integer id: %v", o)
		}
		ids = append(ids, id)
	}
	return ids
}

// runParity runs each case against path+"?"+query in each style cs serves.
func runParity(t *testing.T, cs styleClients, path string, cases []parityCase) {
	t.Helper()
	for _, st := range []resource.Style{resource.TastypieStyle, resource.DRFStyle} {
		if cs[st] == nil {
			continue
		}
		for _, tc := range cases {
			t.Run(st.String()+" "+tc.query, func(t *testing.T) {
				c := *cs[st]
				c.t = t
				r := c.do(http.MethodGet, path+"?"+tc.query, nil)
				want := tc.status
				if want == 0 {
					want = http.StatusOK
				}
				if r.status != want {
					t.Fatalf("status %d, want %d\n%s", r.status, want, r.raw)
				}
				if want != http.StatusOK {
					readError(t, r, tc.code, tc.param)
					if tc.msg != "" && field(r.body, "error") != tc.msg {
						t.Errorf("error %q, want %q", field(r.body, "error"), tc.msg)
					}
					return
				}
				if got := listIDs(t, r); !slices.Equal(got, tc.ids) {
					t.Errorf("ids %v, want %v\n%s", got, tc.ids, r.raw)
				}
			})
		}
	}
}

// ids is a readable []int64.
func ids(n ...int64) []int64 { return append([]int64{}, n...) }

// TestNullAndEmptyIn: none, None and nil mean NULL for exact, iexact and in (Tastypie's
// filter_value_to_python), any other lookup given one is a 400 naming the parameter, and an empty in
// matches nothing; in both styles, on both backends, for reads and for a DELETE by filter.
func TestNullAndEmptyIn(t *testing.T) {
	nullMsg := func(param, v string) string {
		return "Invalid value for the '" + param + "' filter: \"" + v + "\" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL)."
	}
	authors := []parityCase{
		{query: "born=none", ids: ids(4)},
		{query: "born=None", ids: ids(4)},
		{query: "born=nil", ids: ids(4)},
		{query: "born__exact=none", ids: ids(4)},
		{query: "rating=None", ids: ids(2)},
		{query: "publisher=none", ids: ids(4)},
		{query: "publisher_id=nil", ids: ids(4)},
		{query: "mentor=none", ids: ids(1, 3, 4)},
		{query: "mentor__name=none", ids: ids(1, 3, 4)}, // no mentor: NULL through the outer join, as Django
		{query: "name=none", ids: ids()},                // a string field too: NULL, not the text
		{query: "name__iexact=None", ids: ids()},
		{query: "bio=nil", ids: ids()},
		{query: "active=none", ids: ids()},
		{query: "name=NONE", ids: ids()}, // only none, None and nil mean NULL
		{query: "rating__in=4.5,none", ids: ids(1, 2)},
		{query: "rating__in=none&rating__in=3", ids: ids(2, 4)},
		{query: "rating__in=nil", ids: ids(2)},
		{query: "born__in=1840-04-02,None", ids: ids(1, 4)},
		{query: "publisher__in=2,none&active=true", ids: ids(4)},
		{query: "id__in=", ids: ids()},
		{query: "id__in=&id__in=", ids: ids()},
		{query: "name__in=", ids: ids()},
		{query: "born__in=&active=true", ids: ids()},
		{query: "rating__gt=none", status: 400, code: "INVALID_VALUE", param: "rating__gt", msg: nullMsg("rating__gt", "none")},
		{query: "name__contains=None", status: 400, code: "INVALID_VALUE", param: "name__contains", msg: nullMsg("name__contains", "None")},
		{query: "id__range=1,nil", status: 400, code: "INVALID_VALUE", param: "id__range", msg: nullMsg("id__range", "nil")},
		{query: "born__isnull=none", status: 400, code: "INVALID_VALUE", param: "born__isnull", msg: nullMsg("born__isnull", "none")},
		{query: "id=NONE", status: 400, code: "INVALID_VALUE", param: "id"},
		{query: "id__in=1,,none", status: 400, code: "INVALID_VALUE", param: "id__in"},
	}
	books := []parityCase{
		{query: "pages=none", ids: ids(3)},
		{query: "pages__in=333,nil", ids: ids(3, 4)},
		{query: "author__born=none", ids: ids()},
		{query: "author__publisher=none", ids: ids()},
		{query: "author__rating=none", ids: ids(3)},
		{query: "author__in=", ids: ids()},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		cs := newStyleClients(t, db, d, nil)
		runParity(t, cs, "/api/v1/author/", authors)
		runParity(t, cs, "/api/v1/book/", books)
		// A DELETE by an empty in deletes nothing; by none, the rows whose column is NULL.
		c := cs[resource.TastypieStyle]
		if r := c.do(http.MethodDelete, "/api/v1/book/?id__in=", nil); r.status != http.StatusOK || r.raw != `{"deleted": 0}` {
			t.Errorf("DELETE ?id__in=: %d %s", r.status, r.raw)
		}
		if n := c.count(`SELECT count(*) FROM book`); n != fixtureBooks {
			t.Errorf("%d books after deleting none, want %d", n, fixtureBooks)
		}
		if r := c.do(http.MethodDelete, "/api/v1/book/?pages=none", nil); r.status != http.StatusOK || r.raw != `{"deleted": 1}` {
			t.Errorf("DELETE ?pages=none: %d %s", r.status, r.raw)
		}
		if n := c.count(`SELECT count(*) FROM book WHERE pages IS NULL OR id = 3`); n != 0 {
			t.Errorf("book 3 (pages NULL) is still there")
		}
		if n := c.count(`SELECT count(*) FROM book`); n != fixtureBooks-1 {
			t.Errorf("%d books, want %d", n, fixtureBooks-1)
		}
	})
}

// TestSortBy: in Tastypie's style, sort_by is the deprecated alias of order_by (its last value, when
// no order_by is given; errors name it); in Django REST framework's it is no parameter of the style,
// so an unknown filter.
func TestSortBy(t *testing.T) {
	tastypie := []parityCase{
		{query: "sort_by=-id", ids: ids(4, 3, 2, 1)},
		{query: "sort_by=rating", ids: ids(4, 1, 3, 2)},
		{query: "sort_by=id&sort_by=-id", ids: ids(4, 3, 2, 1)},
		{query: "sort_by=-id&order_by=id", ids: ids(1, 2, 3, 4)},
		{query: "sort_by=-rating&active=true", ids: ids(2, 1, 4)},
		{query: "sort_by=nope", status: 400, code: "INVALID_ORDERING", param: "sort_by"},
		{query: "sort_by=bio", status: 400, code: "INVALID_ORDERING", param: "sort_by"},
		{query: "sort_by=id&order_by=bio", status: 400, code: "INVALID_ORDERING", param: "order_by"},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		cs := newStyleClients(t, db, d, nil)
		runParity(t, styleClients{resource.TastypieStyle: cs[resource.TastypieStyle]}, "/api/v1/author/", tastypie)
		c := cs[resource.TastypieStyle]
		r := c.do(http.MethodGet, "/api/v1/author/?sort_by=-id&limit=1", nil)
		if next := field(r.body, "meta", "next"); next != "/api/v1/author/?sort_by=-id&limit=1&offset=1" {
			t.Errorf("next %v keeps sort_by?", next)
		}
		r = cs[resource.DRFStyle].do(http.MethodGet, "/api/v1/author/?sort_by=-id", nil)
		if r.status != http.StatusBadRequest {
			t.Fatalf("DRF style sort_by: %d %s", r.status, r.raw)
		}
		readError(t, r, "INVALID_FILTER", "sort_by")
	})
}
