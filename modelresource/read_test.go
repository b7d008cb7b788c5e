package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// The read path over HTTP, on both backends: the listing, lists (envelope, paging, every filter lookup,
// ordering, fields/depth/format), detail, set/, schema/, OPTIONS, HEAD and the method checks, each
// case asserting the exact status, the error code and shape, and the exact body or the exact objects.
// Reads change nothing, so each table runs on one fixture database per backend.

// readCase is one request and what its answer must be.
type readCase struct {
	name   string // the subtest name; the path when empty
	method string // GET when empty
	path   string
	status int    // 200 when zero
	code   string // the error code, required for error answers
	param  string // details.parameter of an error, when set
	body   string // the exact body, when set
	meta   string // the exact meta of a list, when set
	ids    []int64
	allow  string // the exact Allow header, when set
	// contains lists substrings the error message must hold.
	contains []string
	check    func(t *testing.T, c *client, r response)
}

// none is an empty id list: the answer must hold no objects (nil ids are not checked).
var none = []int64{}

// qe escapes a query value.
var qe = url.QueryEscape

// runReads runs the cases against a fixture database per backend, serving rs (the fixture's resources
// when rs is nil).
func runReads(t *testing.T, rs func() []resource.Resource, cases []readCase) {
	t.Helper()
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		var res []resource.Resource
		if rs != nil {
			res = rs()
		}
		c := newClient(t, db, d, res...)
		for _, tc := range cases {
			name := tc.name
			if name == "" {
				name = tc.path
			}
			t.Run(name, func(t *testing.T) {
				cc := *c
				cc.t = t
				method := tc.method
				if method == "" {
					method = http.MethodGet
				}
				tc.assert(t, &cc, cc.do(method, tc.path, nil))
			})
		}
	})
}

func (tc readCase) assert(t *testing.T, c *client, r response) {
	t.Helper()
	want := tc.status
	if want == 0 {
		want = http.StatusOK
	}
	if r.status != want {
		t.Fatalf("status %d, want %d\n%s", r.status, want, r.raw)
	}
	if r.status >= 400 && tc.method != http.MethodHead {
		if tc.code == "" {
			t.Fatalf("the case names no error code; got %s", r.raw)
		}
		readError(t, r, tc.code, tc.param)
		msg, _ := field(r.body, "error").(string)
		for _, s := range tc.contains {
			if !strings.Contains(msg, s) {
				t.Errorf("error %q does not mention %q", msg, s)
			}
		}
	} else if tc.code != "" {
		t.Errorf("want error %s, got %d %s", tc.code, r.status, r.raw)
	}
	if tc.body != "" {
		jsonEqual(t, r.body, tc.body)
	}
	if tc.meta != "" {
		jsonEqual(t, field(r.body, "meta"), tc.meta)
	}
	if tc.ids != nil {
		if got := readIDs(t, r.body); !slices.Equal(got, tc.ids) {
			t.Errorf("ids %v, want %v\n%s", got, tc.ids, r.raw)
		}
	}
	if tc.allow != "" {
		if got := r.header.Get("Allow"); got != tc.allow {
			t.Errorf("Allow %q, want %q", got, tc.allow)
		}
	}
	if tc.check != nil {
		tc.check(t, c, r)
	}
}

// readError checks the one error shape: exactly success=false, error (a message), code and details
// (an object), with the code, and details.parameter when param is set.
func readError(t *testing.T, r response, code, param string) {
	t.Helper()
	m, ok := r.body.(map[string]any)
	if !ok {
		t.Fatalf("error body is not an object: %s", r.raw)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"code", "details", "error", "success"}; !slices.Equal(keys, want) {
		t.Errorf("error keys %v, want %v", keys, want)
	}
	if m["success"] != false {
		t.Errorf("success = %v, want false", m["success"])
	}
	if msg, ok := m["error"].(string); !ok || msg == "" {
		t.Errorf("error = %#v, want a message", m["error"])
	}
	if m["code"] != code {
		t.Errorf("code = %v, want %s\n%s", m["code"], code, r.raw)
	}
	if _, ok := m["details"].(map[string]any); !ok {
		t.Errorf("details = %#v, want an object", m["details"])
	}
	if param != "" {
		if got := field(m, "details", "parameter"); got != param {
			t.Errorf("details.parameter = %v, want %q", got, param)
		}
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

// readIDs returns the ids of a list's or set's objects, in order.
func readIDs(t *testing.T, body any) []int64 {
	t.Helper()
	objs, ok := field(body, "objects").([]any)
	if !ok {
		t.Fatalf("no objects in %v", body)
	}
	ids := make([]int64, 0, len(objs))
	for _, o := range objs {
		n, ok := field(o, "id").(json.Number)
		if !ok {
			t.Fatalf("an object without an id: %v", o)
		}
		id, err := n.Int64()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// pagesOf follows next from the first page and returns every id, and checks that no page overlaps.
func pagesOf(t *testing.T, c *client, r response) []int64 {
	t.Helper()
	var all []int64
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("next never ends")
		}
		all = append(all, readIDs(t, r.body)...)
		next, ok := field(r.body, "meta", "next").(string)
		if !ok {
			break
		}
		r = c.do(http.MethodGet, next, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, r.status, r.raw)
		}
	}
	seen := map[int64]bool{}
	for _, id := range all {
		if seen[id] {
			t.Errorf("id %d is on two pages: %v", id, all)
		}
		seen[id] = true
	}
	return all
}

// jsonAt compares a part of a body with JSON text.
func jsonAt(want string, path ...any) func(t *testing.T, c *client, r response) {
	return func(t *testing.T, c *client, r response) {
		t.Helper()
		jsonEqual(t, field(r.body, path...), want)
	}
}

// The fixture's objects as the API shows them.
const (
	author1 = `{"active": true, "bio": "Naturalist", "born": "1840-04-02", "created_at": "2020-01-01T00:00:00.000000Z",
		"id": 1, "mentor_id": null, "name": "Émile Zola", "publisher__name": "Gallimard", "publisher_id": 1, "rating": 4.5,
		"resource_uri": "/api/v1/author/1/", "updated_at": "2020-01-01T00:00:00.000000Z"}`
	author2 = `{"active": true, "bio": "", "born": "1850-08-05", "created_at": "2020-01-02T00:00:00.000000Z",
		"id": 2, "mentor_id": 1, "name": "Guy de Maupassant", "publisher__name": "Gallimard", "publisher_id": 1, "rating": null,
		"resource_uri": "/api/v1/author/2/", "updated_at": "2020-01-02T00:00:00.000000Z"}`
	author4 = `{"active": true, "bio": "", "born": null, "created_at": "2020-01-04T00:00:00.000000Z",
		"id": 4, "mentor_id": null, "name": "ÉLODIE Nameless", "publisher__name": null, "publisher_id": null, "rating": 3,
		"resource_uri": "/api/v1/author/4/", "updated_at": "2020-01-04T00:00:00.000000Z"}`
	book1 = `{"author_id": 1, "created_at": "2020-02-01T00:00:00.000000Z", "extra": {"tags": ["mine"]}, "genre": "novel",
		"id": 1, "pages": 591, "published": "1885-03-01", "resource_uri": "/api/v1/book/1/", "title": "Germinal"}`
	book2 = `{"author_id": 1, "created_at": "2020-02-02T00:00:00.000000Z", "extra": {}, "genre": "novel",
		"id": 2, "pages": 470, "published": "1880-01-01", "resource_uri": "/api/v1/book/2/", "title": "Nana"}`
	book3 = `{"author_id": 2, "created_at": "2020-02-03T00:00:00.000000Z", "extra": {}, "genre": "novel",
		"id": 3, "pages": null, "published": "1885-05-01", "resource_uri": "/api/v1/book/3/", "title": "Bel-Ami"}`
)

func TestReadListing(t *testing.T) {
	listing := `{"author": {"list_endpoint": "/api/v1/author/", "schema": "/api/v1/author/schema/"},
		"book": {"list_endpoint": "/api/v1/book/", "schema": "/api/v1/book/schema/"},
		"publisher": {"list_endpoint": "/api/v1/publisher/", "schema": "/api/v1/publisher/schema/"}}`
	runReads(t, nil, []readCase{
		{path: "/api/v1/", body: listing, check: func(t *testing.T, c *client, r response) {
			// Tastypie's wire form: sorted keys, ", " and ": " separators.
			want := `{"author": {"list_endpoint": "/api/v1/author/", "schema": "/api/v1/author/schema/"}, ` +
				`"book": {"list_endpoint": "/api/v1/book/", "schema": "/api/v1/book/schema/"}, ` +
				`"publisher": {"list_endpoint": "/api/v1/publisher/", "schema": "/api/v1/publisher/schema/"}}`
			if r.raw != want {
				t.Errorf("raw\n got: %s\nwant: %s", r.raw, want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		}},
		{name: "fullschema", path: "/api/v1/?fullschema=true", check: func(t *testing.T, c *client, r response) {
			schema := c.do(http.MethodGet, "/api/v1/book/schema/", nil)
			if !reflect.DeepEqual(normalize(field(r.body, "book", "schema")), normalize(schema.body)) {
				t.Errorf("fullschema's book schema differs from /book/schema/:\n%s", r.raw)
			}
			if got := field(r.body, "author", "list_endpoint"); got != "/api/v1/author/" {
				t.Errorf("list_endpoint %v", got)
			}
		}},
		{path: "/api/v1/nope/", status: 404, code: "RESOURCE_NOT_FOUND",
			body: `{"success": false, "code": "RESOURCE_NOT_FOUND", "details": {"resource": "nope"},
				"error": "There is no resource named \"nope\". Resources: author, book, publisher."}`},
		{path: "/api/v1/nope/1/", status: 404, code: "RESOURCE_NOT_FOUND", contains: []string{"nope"}},
		{path: "/api/v1/nope/schema/", status: 404, code: "RESOURCE_NOT_FOUND", contains: []string{"nope"}},
		{path: "/api/v2/", status: 404, code: "RESOURCE_NOT_FOUND"},
		{method: "POST", path: "/api/v1/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET",
			body: `{"success": false, "code": "METHOD_NOT_ALLOWED", "details": {"allowed": ["GET"]},
				"error": "POST is not allowed on the API root. Allowed: GET."}`},
		{method: "DELETE", path: "/api/v1/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET"},
	})
}

func TestReadListEnvelope(t *testing.T) {
	badLimit := func(v, msg string) readCase {
		return readCase{path: "/api/v1/book/?limit=" + v, status: 400, code: "INVALID_VALUE", param: "limit",
			body: `{"success": false, "code": "INVALID_VALUE", "details": {"parameter": "limit"}, "error": "` + msg + `"}`}
	}
	badOffset := func(v, msg string) readCase {
		return readCase{path: "/api/v1/book/?offset=" + v, status: 400, code: "INVALID_VALUE", param: "offset",
			body: `{"success": false, "code": "INVALID_VALUE", "details": {"parameter": "offset"}, "error": "` + msg + `"}`}
	}
	runReads(t, nil, []readCase{
		// book: Meta.Limit 2, Meta.MaxLimit 4, five rows.
		{name: "default limit from Meta", path: "/api/v1/book/",
			body: `{"meta": {"limit": 2, "next": "/api/v1/book/?limit=2&offset=2", "offset": 0, "previous": null, "total_count": 5},
				"objects": [` + book1 + `, ` + book2 + `]}`,
			check: func(t *testing.T, c *client, r response) {
				if !strings.HasPrefix(r.raw, `{"meta": {"limit": 2, "next": "/api/v1/book/?limit=2&offset=2", "offset": 0, "previous": null, "total_count": 5}, "objects": [{"author_id": 1, `) {
					t.Errorf("wire form: %s", r.raw)
				}
			}},
		{path: "/api/v1/book/?offset=2", ids: []int64{3, 4},
			meta: `{"limit": 2, "next": "/api/v1/book/?limit=2&offset=4", "offset": 2, "previous": "/api/v1/book/?limit=2&offset=0", "total_count": 5}`},
		{path: "/api/v1/book/?offset=4", ids: []int64{5},
			meta: `{"limit": 2, "next": null, "offset": 4, "previous": "/api/v1/book/?limit=2&offset=2", "total_count": 5}`},
		{name: "no previous when offset-limit < 0", path: "/api/v1/book/?offset=1", ids: []int64{2, 3},
			meta: `{"limit": 2, "next": "/api/v1/book/?limit=2&offset=3", "offset": 1, "previous": null, "total_count": 5}`},
		{name: "limit=0 is the max", path: "/api/v1/book/?limit=0", ids: []int64{1, 2, 3, 4},
			meta: `{"limit": 4, "next": "/api/v1/book/?limit=4&offset=4", "offset": 0, "previous": null, "total_count": 5}`},
		{name: "limit over max is capped", path: "/api/v1/book/?limit=100", ids: []int64{1, 2, 3, 4},
			meta: `{"limit": 4, "next": "/api/v1/book/?limit=4&offset=4", "offset": 0, "previous": null, "total_count": 5}`},
		{path: "/api/v1/book/?limit=3&offset=3", ids: []int64{4, 5},
			meta: `{"limit": 3, "next": null, "offset": 3, "previous": "/api/v1/book/?limit=3&offset=0", "total_count": 5}`},
		{name: "offset past the end", path: "/api/v1/book/?offset=10", ids: none,
			body: `{"meta": {"limit": 2, "next": null, "offset": 10, "previous": "/api/v1/book/?limit=2&offset=8", "total_count": 5}, "objects": []}`},
		{name: "huge offset has no next", path: "/api/v1/book/?offset=9223372036854775807", ids: none,
			meta: `{"limit": 2, "next": null, "offset": 9223372036854775807, "previous": "/api/v1/book/?limit=2&offset=9223372036854775805", "total_count": 5}`},
		{name: "nothing matches", path: "/api/v1/book/?pages__gt=1000",
			body: `{"meta": {"limit": 2, "next": null, "offset": 0, "previous": null, "total_count": 0}, "objects": []}`},
		{name: "next and previous keep every other parameter",
			path: "/api/v1/book/?genre=novel&order_by=-pages&fields=id&offset=1&_=42", ids: []int64{1, 2},
			meta: `{"limit": 2, "next": "/api/v1/book/?_=42&fields=id&genre=novel&order_by=-pages&limit=2&offset=3",
				"offset": 1, "previous": null, "total_count": 4}`},
		{name: "repeated and non-ASCII parameters kept",
			path: "/api/v1/book/?author__name__icontains=" + qe("é") + "&order_by=title&order_by=-id&fields=id&limit=1&offset=1",
			ids:  []int64{2},
			meta: `{"limit": 1, "next": null, "offset": 1, "total_count": 2,
				"previous": "/api/v1/book/?author__name__icontains=%C3%A9&fields=id&order_by=title&order_by=-id&limit=1&offset=0"}`},
		{name: "next links walk every row once", path: "/api/v1/book/?fields=id", check: func(t *testing.T, c *client, r response) {
			if got := pagesOf(t, c, r); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
				t.Errorf("pages %v", got)
			}
		}},
		// author: no Meta.Limit, so 20 and 1000.
		{name: "default limit 20", path: "/api/v1/author/?fields=id", ids: []int64{1, 2, 3, 4},
			meta: `{"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 4}`},
		{name: "default max 1000", path: "/api/v1/author/?fields=id&limit=0", ids: []int64{1, 2, 3, 4},
			meta: `{"limit": 1000, "next": null, "offset": 0, "previous": null, "total_count": 4}`},
		{path: "/api/v1/author/?fields=id&limit=5000", ids: []int64{1, 2, 3, 4},
			meta: `{"limit": 1000, "next": null, "offset": 0, "previous": null, "total_count": 4}`},
		{path: "/api/v1/author/?limit=1&offset=3&fields=id", ids: []int64{4},
			meta: `{"limit": 1, "next": null, "offset": 3, "previous": "/api/v1/author/?fields=id&limit=1&offset=2", "total_count": 4}`},
		{name: "cache buster accepted", path: "/api/v1/author/?_=1700000000&fields=id", ids: []int64{1, 2, 3, 4}},
		// Tastypie's messages.
		badLimit("abc", "Invalid limit 'abc' provided. Please provide a positive integer."),
		badLimit("1.5", "Invalid limit '1.5' provided. Please provide a positive integer."),
		badLimit("-1", "Invalid limit '-1' provided. Please provide a positive integer >= 0."),
		badOffset("abc", "Invalid offset 'abc' provided. Please provide an integer."),
		badOffset("-1", "Invalid offset '-1' provided. Please provide a positive integer >= 0."),
	})
}

func TestReadFilters(t *testing.T) {
	a := func(query string, ids ...int64) readCase {
		return readCase{path: "/api/v1/author/?fields=id&" + query, ids: append([]int64{}, ids...)}
	}
	// book lists at most 4 (limit=0); total_count is checked separately where more match.
	b := func(query string, ids ...int64) readCase {
		return readCase{path: "/api/v1/book/?fields=id&limit=0&" + query, ids: append([]int64{}, ids...)}
	}
	runReads(t, nil, []readCase{
		// exact, on every type
		a("name="+qe("Virginia Woolf"), 3),
		a("name__exact="+qe("Guy de Maupassant"), 2),
		a("name=" + qe("virginia woolf")), // exact is case-sensitive
		a("id=2", 2),
		a("rating=4.5", 1),
		a("rating=3", 4),
		a("born=1850-08-05", 2),
		a("bio=", 2, 4),
		a("bio="+qe("Modernist 100%_sure"), 3),
		a("created_at=2020-01-02T00:00:00Z", 2),
		a("created_at="+qe("2020-01-02T01:00:00+01:00"), 2), // the same instant in another zone
		a("created_at="+qe("2020-01-02 00:00:00"), 2),
		// iexact, icontains, istartswith, iendswith: case-insensitive for non-ASCII letters too
		a("name__iexact="+qe("émile zola"), 1),
		a("name__iexact="+qe("ÉMILE ZOLA"), 1),
		a("name__icontains="+qe("émile"), 1),
		a("name__icontains="+qe("É"), 1, 4),
		a("name__icontains="+qe("élodie"), 4),
		a("name__icontains=WOOLF", 3),
		a("name__istartswith="+qe("élodie"), 4),
		a("name__iendswith=ZOLA", 1),
		// contains, startswith, endswith: case-sensitive, for non-ASCII letters too
		a("name__contains=zola"),
		a("name__contains=Zola", 1),
		a("name__contains=" + qe("é")),
		a("name__contains="+qe("É"), 1, 4),
		a("name__contains="+qe("ÉLODIE"), 4),
		a("name__startswith=Guy", 2),
		a("name__startswith=guy"),
		a("name__endswith=Woolf", 3),
		a("name__endswith=WOOLF"),
		// in: comma-separated, repeated, or both
		a("id__in=1,3", 1, 3),
		a("id__in=1&id__in=4", 1, 4),
		a("id__in=1,3&id__in=4", 1, 3, 4),
		a("id__in=99"),
		a("name__in="+qe("Virginia Woolf,Guy de Maupassant"), 2, 3),
		a("name__in="+qe("Virginia Woolf")+"&name__in="+qe("Émile Zola"), 1, 3),
		a("rating__in=3,4.8", 3, 4),
		a("born__in=1840-04-02,1882-01-25", 1, 3),
		// range
		a("id__range=2,3", 2, 3),
		a("rating__range=3,4.5", 1, 4),
		a("born__range=1845-01-01,1900-12-31", 2, 3),
		// gt, gte, lt, lte on integers, floats, dates and timestamps
		a("id__gt=2", 3, 4),
		a("id__gte=2", 2, 3, 4),
		a("id__lt=2", 1),
		a("id__lte=2", 1, 2),
		a("rating__gt=4.5", 3),
		a("rating__gte=4.5", 1, 3),
		a("rating__lt=4.5", 4),
		a("rating__lte=4.5", 1, 4),
		a("born__gt=1850-08-05", 3),
		a("born__gte=1850-08-05", 2, 3),
		a("born__lt=1850-08-05", 1),
		a("born__lte=1850-08-05", 1, 2),
		a("created_at__gte=2020-01-03", 3, 4),
		a("created_at__lt=2020-01-02T00:00:00.000001Z", 1, 2),
		// isnull
		a("born__isnull=true", 4),
		a("born__isnull=false", 1, 2, 3),
		a("rating__isnull=true", 2),
		a("rating__isnull=0", 1, 3, 4),
		// year, month, day of dates and timestamps
		a("born__year=1850", 2),
		a("born__month=1", 3),
		a("born__day=2", 1),
		a("born__month=4&born__day=2", 1),
		a("born__year=1999"),
		a("created_at__year=2020", 1, 2, 3, 4),
		a("created_at__day=3", 3),
		// booleans
		a("active=true", 1, 2, 4),
		a("active=false", 3),
		a("active=1", 1, 2, 4),
		a("active=0", 3),
		a("active=True", 1, 2, 4),
		a("active__in=0", 3),
		// relations: a relation alone compares its key; a path filters on the related resource
		a("publisher=1", 1, 2),
		a("publisher=2", 3),
		a("publisher__in=1,2", 1, 2, 3),
		a("publisher__isnull=true", 4),
		a("publisher_id=1", 1, 2),
		a("publisher__name=Penguin", 3),
		a("publisher__country__iexact=fr", 1, 2),
		a("mentor="+"1", 2),
		a("mentor__name="+qe("Émile Zola"), 2),
		a("mentor__isnull=false", 2),
		// several filters are ANDed
		a("active=true&publisher=1", 1, 2),
		a("name__icontains=a&rating__isnull=false", 1, 3, 4),
		// book: through author, and two hops through author__publisher
		b("author__name__icontains=zola", 1, 2),
		b("author__name__icontains="+qe("ÉMILE"), 1, 2),
		b("author__name="+qe("Virginia Woolf"), 4, 5),
		b("author__active=false", 4, 5),
		b("author=1", 1, 2),
		b("author__in=2,3", 3, 4, 5),
		b("author__publisher__name=Penguin", 4, 5),
		b("author__publisher__name__istartswith=gal", 1, 2, 3),
		b("author__publisher=2", 4, 5),
		b("author__publisher__country=GB", 4, 5),
		b("author__publisher__isnull=true"),
		b("author__mentor__name="+qe("Émile Zola"), 3),
		// book: its own fields
		b("title=Nana", 2),
		b("title__iexact=nana", 2),
		b("title__icontains=ROOM", 5),
		b("title__contains=-A", 3),
		b("title__contains="+qe("'"), 5),
		b("title__startswith=Bel", 3),
		b("title__endswith=Own", 5),
		b("title__gt=N", 2, 4),
		b("title__gte=Nana", 2, 4),
		b("title__lt=B", 5),
		b("title__range=B,H", 1, 3),
		b("pages__gt=400", 1, 2),
		b("pages__gte=470", 1, 2),
		b("pages__lt=333", 5),
		b("pages__lte=333", 4, 5),
		b("pages__range=300,500", 2, 4),
		b("pages__in=172,591", 1, 5),
		b("pages__isnull=true", 3),
		b("published__year=1885", 1, 3),
		b("published__month=10", 4, 5),
		b("published__day=1", 1, 2, 3),
		b("published__gte=1900-01-01", 4, 5),
		b("published__lt=1885-03-01", 2),
		b("published__range=1885-01-01,1885-12-31", 1, 3),
		b("genre=essay", 5),
		b("genre__in=essay,poetry", 5),
		b("created_at__month=2&created_at__day=5", 5),
		{path: "/api/v1/book/?fields=id&limit=0&extra__isnull=false", ids: []int64{1, 2, 3, 4},
			meta: `{"limit": 4, "next": "/api/v1/book/?extra__isnull=false&fields=id&limit=4&offset=4", "offset": 0, "previous": null, "total_count": 5}`},
		{path: "/api/v1/book/?fields=id&genre=novel", ids: []int64{1, 2},
			meta: `{"limit": 2, "next": "/api/v1/book/?fields=id&genre=novel&limit=2&offset=2", "offset": 0, "previous": null, "total_count": 4}`},
		// publisher
		{path: "/api/v1/publisher/?name=Gallimard&fields=id", ids: []int64{1}},
		{path: "/api/v1/publisher/?country__isnull=false&fields=id", ids: []int64{1, 2}},
	})
}

func TestReadFilterErrors(t *testing.T) {
	authorFilters := `["active", "bio", "born", "created_at", "id", "mentor", "mentor_id", "name", "publisher", "publisher_id", "rating", "updated_at"]`
	bad := func(query, code, param string, contains ...string) readCase {
		return readCase{path: "/api/v1/author/?" + query, status: 400, code: code, param: param, contains: contains}
	}
	runReads(t, nil, []readCase{
		// a parameter that is not a filter: a typo never widens a read
		{name: "typo", path: "/api/v1/author/?nmae=Zola", status: 400, code: "INVALID_FILTER", param: "nmae",
			body: `{"success": false, "code": "INVALID_FILTER", "details": {"parameter": "nmae", "allowed": ` + authorFilters + `},
				"error": "The 'nmae' field does not allow filtering. Allowed: active, bio, born, created_at, id, mentor, mentor_id, name, publisher, publisher_id, rating, updated_at."}`},
		{name: "typo beside a good filter", path: "/api/v1/author/?name=x&actve=true", status: 400, code: "INVALID_FILTER", param: "actve"},
		{name: "typo on set/", path: "/api/v1/author/set/1;2/?nmae=x", status: 400, code: "INVALID_FILTER", param: "nmae"},
		{name: "typo with a lookup", path: "/api/v1/book/?titel__icontains=x", status: 400, code: "INVALID_FILTER", param: "titel__icontains",
			contains: []string{"'titel'"}},
		// a lookup the resource does not allow (bio allows only exact)
		{name: "disallowed lookup", path: "/api/v1/author/?bio__contains=x", status: 400, code: "INVALID_FILTER", param: "bio__contains",
			body: `{"success": false, "code": "INVALID_FILTER", "details": {"parameter": "bio__contains", "allowed": ["exact"]},
				"error": "'contains' is not an allowed filter on the 'bio' field. Allowed: exact."}`},
		bad("bio__isnull=true", "INVALID_FILTER", "bio__isnull", "'isnull'", "'bio'"),
		// a lookup that makes no sense for the type
		bad("name__year=1", "INVALID_FILTER", "name__year", "'year'"),
		bad("active__gt=1", "INVALID_FILTER", "active__gt", "'gt'"),
		bad("rating__icontains=4", "INVALID_FILTER", "rating__icontains", "'icontains'"),
		{path: "/api/v1/book/?extra=x", status: 400, code: "INVALID_FILTER", param: "extra", contains: []string{"'exact'", "'extra'"}},
		// a relation hop on a plain field
		{name: "hop on a plain field", path: "/api/v1/author/?id__name=x", status: 400, code: "INVALID_FILTER", param: "id__name",
			body: `{"success": false, "code": "INVALID_FILTER", "details": {"parameter": "id__name"},
				"error": "The 'id' field does not support relations."}`},
		bad("bio__name__icontains=x", "INVALID_FILTER", "bio__name__icontains", "The 'bio' field does not support relations."),
		{path: "/api/v1/book/?author__name__first=x", status: 400, code: "INVALID_FILTER", param: "author__name__first",
			contains: []string{"The 'name' field does not support relations."}},
		// unknown fields behind a relation
		bad("publisher__nmae=x", "INVALID_FILTER", "publisher__nmae", "'nmae'"),
		{path: "/api/v1/book/?author__publisher__nmae=x", status: 400, code: "INVALID_FILTER", param: "author__publisher__nmae",
			contains: []string{"'nmae'"}},
		{path: "/api/v1/book/?author__bio__contains=x", status: 400, code: "INVALID_FILTER", param: "author__bio__contains",
			contains: []string{"'contains'", "bio'"}},
		bad("nope__name=x", "INVALID_FILTER", "nope__name", "'nope'"),
		// values that do not parse
		bad("id=abc", "INVALID_VALUE", "id", "abc"),
		bad("id__gt=1.5", "INVALID_VALUE", "id__gt", "1.5"),
		bad("rating=high", "INVALID_VALUE", "rating", "high"),
		bad("born__gt=notadate", "INVALID_VALUE", "born__gt", "notadate"),
		bad("created_at__gte=foo-baz-bar", "INVALID_VALUE", "created_at__gte", "foo-baz-bar"),
		bad("born__isnull=maybe", "INVALID_VALUE", "born__isnull", "maybe"),
		bad("active=yes", "INVALID_VALUE", "active", "yes"),
		bad("born__year=abc", "INVALID_VALUE", "born__year", "abc"),
		bad("id__in=1,,3", "INVALID_VALUE", "id__in"),
		bad("id__in=1&id__in=x", "INVALID_VALUE", "id__in", "x"),
		bad("id__range=3", "INVALID_VALUE", "id__range"),
		bad("id__range=1,2,3", "INVALID_VALUE", "id__range"),
		bad("publisher=Gallimard", "INVALID_VALUE", "publisher", "Gallimard"),
		bad("name=%FF", "INVALID_VALUE", "name"),
		{path: "/api/v1/book/?author__born__lt=yesterday", status: 400, code: "INVALID_VALUE", param: "author__born__lt"},
	})
}

func TestReadOrdering(t *testing.T) {
	a := func(query string, ids ...int64) readCase {
		return readCase{path: "/api/v1/author/?fields=id&" + query, ids: ids}
	}
	b := func(query string, ids ...int64) readCase {
		return readCase{path: "/api/v1/book/?fields=id&limit=0&" + query, ids: ids}
	}
	badOrder := func(path, value, msg string) readCase {
		return readCase{path: path, status: 400, code: "INVALID_ORDERING", param: "order_by",
			body: `{"success": false, "code": "INVALID_ORDERING", "details": {"parameter": "order_by", "value": "` + value + `"},
				"error": "` + msg + `"}`}
	}
	runReads(t, nil, []readCase{
		// a nullable column: NULLs last ascending, first descending (author 2 has no rating)
		{path: "/api/v1/author/?fields=id,rating&order_by=rating",
			check: jsonAt(`[{"id": 4, "rating": 3, "resource_uri": "/api/v1/author/4/"}, {"id": 1, "rating": 4.5, "resource_uri": "/api/v1/author/1/"},
				{"id": 3, "rating": 4.8, "resource_uri": "/api/v1/author/3/"}, {"id": 2, "rating": null, "resource_uri": "/api/v1/author/2/"}]`, "objects")},
		a("order_by=-rating", 2, 3, 1, 4),
		a("order_by=born", 1, 2, 3, 4),
		a("order_by=-born", 4, 3, 2, 1),
		a("order_by=id", 1, 2, 3, 4),
		a("order_by=-id", 4, 3, 2, 1),
		a("order_by=-name&name__in="+qe("Guy de Maupassant,Virginia Woolf"), 3, 2),
		// a relation alone orders by its key, NULLs likewise; the key breaks ties (1 and 2 share publisher 1)
		a("order_by=publisher", 1, 2, 3, 4),
		a("order_by=-publisher", 4, 3, 1, 2),
		// a relation path, allowed since Meta.Ordering lists "publisher"
		a("order_by=publisher__name", 1, 2, 3, 4),
		a("order_by=-publisher__name", 4, 3, 1, 2),
		a("order_by=-publisher__name&order_by=-id", 4, 3, 2, 1),
		// repeated order_by: the first decides, the next breaks its ties
		b("order_by=genre&order_by=-pages", 5, 3, 1, 2),
		b("order_by=-genre&order_by=title", 3, 1, 2, 4),
		b("order_by=pages", 5, 4, 2, 1),
		b("order_by=-pages", 3, 1, 2, 4),
		b("order_by=title", 5, 3, 1, 2),
		b("order_by=-published", 5, 4, 3, 1),
		b("order_by=-author", 4, 5, 3, 1),
		b("order_by=-author&author__in=1,2", 3, 1, 2),
		{name: "order_by with filters keeps paging", path: "/api/v1/book/?fields=id&order_by=-pages&pages__isnull=false",
			ids:  []int64{1, 2},
			meta: `{"limit": 2, "next": "/api/v1/book/?fields=id&order_by=-pages&pages__isnull=false&limit=2&offset=2", "offset": 0, "previous": null, "total_count": 4}`},
		{name: "pk tie-breaker: pages never overlap", path: "/api/v1/book/?fields=id&order_by=genre", check: func(t *testing.T, c *client, r response) {
			if got := pagesOf(t, c, r); !slices.Equal(got, []int64{5, 1, 2, 3, 4}) {
				t.Errorf("pages %v, want [5 1 2 3 4]", got)
			}
		}},
		{name: "pk tie-breaker descending: pages never overlap", path: "/api/v1/book/?fields=id&order_by=-genre&limit=1", check: func(t *testing.T, c *client, r response) {
			if got := pagesOf(t, c, r); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
				t.Errorf("pages %v, want [1 2 3 4 5]", got)
			}
		}},
		// refused
		badOrder("/api/v1/author/?order_by=bio", "bio", "The 'bio' field does not allow ordering. Allowed: born, id, name, publisher, rating."),
		badOrder("/api/v1/author/?order_by=-bio", "-bio", "The 'bio' field does not allow ordering. Allowed: born, id, name, publisher, rating."),
		badOrder("/api/v1/author/?order_by=nope", "nope", "No matching 'nope' field for ordering on. Allowed: born, id, name, publisher, rating."),
		{path: "/api/v1/author/?order_by=id&order_by=nope", status: 400, code: "INVALID_ORDERING", param: "order_by", contains: []string{"'nope'"}},
		{path: "/api/v1/author/?order_by=mentor__name", status: 400, code: "INVALID_ORDERING", param: "order_by", contains: []string{"mentor__name"}},
		{path: "/api/v1/author/?order_by=publisher__nmae", status: 400, code: "INVALID_ORDERING", param: "order_by", contains: []string{"'nmae'"}},
		{path: "/api/v1/author/?order_by=name__id", status: 400, code: "INVALID_ORDERING", param: "order_by", contains: []string{"name__id"}},
		{path: "/api/v1/author/?order_by=", status: 400, code: "INVALID_ORDERING", param: "order_by"},
		{path: "/api/v1/author/?order_by=-", status: 400, code: "INVALID_ORDERING", param: "order_by"},
		{path: "/api/v1/author/?order_by=created_at", status: 400, code: "INVALID_ORDERING", param: "order_by", contains: []string{"'created_at'"}},
	})
}

func TestReadFieldsDepthFormat(t *testing.T) {
	idName := `[{"id": 1, "name": "Émile Zola", "resource_uri": "/api/v1/author/1/"}, {"id": 2, "name": "Guy de Maupassant", "resource_uri": "/api/v1/author/2/"},
		{"id": 3, "name": "Virginia Woolf", "resource_uri": "/api/v1/author/3/"}, {"id": 4, "name": "ÉLODIE Nameless", "resource_uri": "/api/v1/author/4/"}]`
	runReads(t, nil, []readCase{
		{path: "/api/v1/author/?fields=id,name", check: jsonAt(idName, "objects")},
		{path: "/api/v1/author/?fields=id&fields=name", check: jsonAt(idName, "objects")},
		{path: "/api/v1/author/?fields=name,id,resource_uri", check: jsonAt(idName, "objects")},
		{path: "/api/v1/author/?fields=publisher__name&limit=2", check: jsonAt(`[
			{"id": 1, "publisher__name": "Gallimard", "resource_uri": "/api/v1/author/1/"}, {"id": 2, "publisher__name": "Gallimard", "resource_uri": "/api/v1/author/2/"}]`, "objects")},
		{path: "/api/v1/author/?fields=resource_uri&limit=1", check: jsonAt(`[{"id": 1, "resource_uri": "/api/v1/author/1/"}]`, "objects")},
		{path: "/api/v1/author/1/?fields=name", body: `{"id": 1, "name": "Émile Zola", "resource_uri": "/api/v1/author/1/"}`},
		{path: "/api/v1/author/set/2;1/?fields=name",
			body: `{"objects": [{"id": 2, "name": "Guy de Maupassant", "resource_uri": "/api/v1/author/2/"}, {"id": 1, "name": "Émile Zola", "resource_uri": "/api/v1/author/1/"}]}`},
		{path: "/api/v1/author/?fields=nope", status: 400, code: "INVALID_VALUE", param: "fields", contains: []string{`"nope"`}},
		{path: "/api/v1/author/?fields=id,nope", status: 400, code: "INVALID_VALUE", param: "fields", contains: []string{`"nope"`}},
		{path: "/api/v1/author/1/?fields=nope", status: 400, code: "INVALID_VALUE", param: "fields"},
		{path: "/api/v1/author/set/1/?fields=nope", status: 400, code: "INVALID_VALUE", param: "fields"},
		// depth: 0 is the default; expansion itself is tested in expand_test.go
		{path: "/api/v1/author/?depth=0&fields=id", ids: []int64{1, 2, 3, 4}},
		{path: "/api/v1/author/1/?depth=0", body: author1},
		{path: "/api/v1/author/?depth=-1", status: 400, code: "INVALID_VALUE", param: "depth"},
		{path: "/api/v1/author/?depth=deep", status: 400, code: "INVALID_VALUE", param: "depth"},
		// format
		{path: "/api/v1/author/?format=json&fields=id", ids: []int64{1, 2, 3, 4}},
		{path: "/api/v1/author/?format=xml", status: 406, code: "NOT_ACCEPTABLE", param: "format"},
		{path: "/api/v1/author/1/?format=xml", status: 406, code: "NOT_ACCEPTABLE", param: "format"},
		{path: "/api/v1/author/set/1/?format=yaml", status: 406, code: "NOT_ACCEPTABLE", param: "format"},
	})
}

func TestReadDetail(t *testing.T) {
	notFound := func(path, key string) readCase {
		return readCase{path: path, status: 404, code: "OBJECT_DOES_NOT_EXIST",
			body: `{"success": false, "code": "OBJECT_DOES_NOT_EXIST", "details": {"resource": "author", "key": "` + key + `"},
				"error": "No author with key \"` + key + `\"."}`}
	}
	runReads(t, nil, []readCase{
		{path: "/api/v1/author/1/", body: author1},
		{path: "/api/v1/author/1", body: author1},
		{path: "/api/v1/author/2/", body: author2},
		{path: "/api/v1/author/4", body: author4},
		{path: "/api/v1/book/1/", body: book1},
		{path: "/api/v1/book/3/", body: book3},
		{path: "/api/v1/publisher/2/", body: `{"country": "GB", "id": 2, "name": "Penguin", "resource_uri": "/api/v1/publisher/2/"}`},
		{name: "wire form", path: "/api/v1/publisher/1/", check: func(t *testing.T, c *client, r response) {
			if want := `{"country": "FR", "id": 1, "name": "Gallimard", "resource_uri": "/api/v1/publisher/1/"}`; r.raw != want {
				t.Errorf("raw\n got: %s\nwant: %s", r.raw, want)
			}
		}},
		notFound("/api/v1/author/99/", "99"),
		notFound("/api/v1/author/99", "99"),
		notFound("/api/v1/author/abc/", "abc"),
		notFound("/api/v1/author/abc", "abc"),
		notFound("/api/v1/author/1.5/", "1.5"),
		notFound("/api/v1/author/99999999999999999999/", "99999999999999999999"),
	})
}

func TestReadSet(t *testing.T) {
	runReads(t, nil, []readCase{
		{name: "in the order of the keys", path: "/api/v1/author/set/3;1/?fields=id,name",
			body: `{"objects": [{"id": 3, "name": "Virginia Woolf", "resource_uri": "/api/v1/author/3/"},
				{"id": 1, "name": "Émile Zola", "resource_uri": "/api/v1/author/1/"}]}`},
		{name: "without the trailing slash", path: "/api/v1/author/set/2;1", ids: []int64{2, 1}},
		{name: "full objects", path: "/api/v1/author/set/2/", body: `{"objects": [` + author2 + `]}`},
		{name: "not found", path: "/api/v1/author/set/3;99;1/?fields=id",
			body: `{"objects": [{"id": 3, "resource_uri": "/api/v1/author/3/"}, {"id": 1, "resource_uri": "/api/v1/author/1/"}], "not_found": ["99"]}`},
		{name: "a key that cannot be one", path: "/api/v1/author/set/abc;1/?fields=id",
			body: `{"objects": [{"id": 1, "resource_uri": "/api/v1/author/1/"}], "not_found": ["abc"]}`},
		{name: "none found", path: "/api/v1/author/set/99;98/", body: `{"objects": [], "not_found": ["99", "98"]}`},
		{name: "filters apply", path: "/api/v1/author/set/3;1;2/?active=true&fields=id",
			body: `{"objects": [{"id": 1, "resource_uri": "/api/v1/author/1/"}, {"id": 2, "resource_uri": "/api/v1/author/2/"}], "not_found": ["3"]}`},
		{name: "filters through relations apply", path: "/api/v1/book/set/5;1;4/?author__publisher__name=Penguin&fields=id",
			body: `{"objects": [{"id": 5, "resource_uri": "/api/v1/book/5/"}, {"id": 4, "resource_uri": "/api/v1/book/4/"}], "not_found": ["1"]}`},
		{name: "not paginated", path: "/api/v1/book/set/5;4;3;2;1/?fields=id", ids: []int64{5, 4, 3, 2, 1}},
		{name: "empty key list", path: "/api/v1/author/set/;/", status: 400, code: "INVALID_VALUE", param: "set"},
		{name: "bad filter value", path: "/api/v1/author/set/1/?id__gt=x", status: 400, code: "INVALID_VALUE", param: "id__gt"},
		{name: "unknown resource", path: "/api/v1/nope/set/1/", status: 404, code: "RESOURCE_NOT_FOUND"},
		{method: "PUT", path: "/api/v1/author/set/1;2/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, OPTIONS"},
	})
}

func TestReadSchema(t *testing.T) {
	schemaKeys := func(keys ...string) func(t *testing.T, c *client, r response) {
		return func(t *testing.T, c *client, r response) {
			t.Helper()
			m, _ := r.body.(map[string]any)
			got := make([]string, 0, len(m))
			for k := range m {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, keys) {
				t.Errorf("keys %v\nwant %v", got, keys)
			}
		}
	}
	all := []string{"allowed_detail_http_methods", "allowed_list_http_methods", "default_format", "default_limit", "fields", "filtering",
		"max_depth", "max_limit", "ordering", "query_fields", "relations", "required_GET_params", "required_fields_for_post", "total_count"}
	authorFieldNames := []string{"active", "bio", "born", "created_at", "id", "mentor_id", "name", "publisher__name", "publisher_id", "rating", "resource_uri", "updated_at"}
	stringLookups := `["exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "in", "range", "gt", "gte", "lt", "lte", "isnull", "regex", "iregex"]`
	runReads(t, nil, []readCase{
		{name: "author keys", path: "/api/v1/author/schema/", check: schemaKeys(all...)},
		{name: "author field names", path: "/api/v1/author/schema/", check: func(t *testing.T, c *client, r response) {
			m, _ := field(r.body, "fields").(map[string]any)
			got := make([]string, 0, len(m))
			for k := range m {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, authorFieldNames) {
				t.Errorf("fields %v\nwant %v", got, authorFieldNames)
			}
		}},
		{name: "author methods and limits", path: "/api/v1/author/schema/", check: func(t *testing.T, c *client, r response) {
			for k, want := range map[string]string{
				"allowed_list_http_methods":   `["get", "post", "patch", "delete"]`,
				"allowed_detail_http_methods": `["get", "put", "patch", "delete"]`,
				"default_format":              `"application/json"`,
				"default_limit":               `20`,
				"max_limit":                   `1000`,
				"total_count":                 `"exact"`,
				"ordering":                    `["born", "id", "name", "publisher", "rating"]`,
				"query_fields":                `["publisher__name"]`,
				"required_fields_for_post":    `["name"]`,
				"required_GET_params":         `[]`,
				"relations": `{"mentor": {"related_schema": "/api/v1/author/schema/", "related_type": "to_one", "resource": "author"},
					"publisher": {"related_schema": "/api/v1/publisher/schema/", "related_type": "to_one", "resource": "publisher"}}`,
			} {
				t.Run(k, func(t *testing.T) { jsonEqual(t, field(r.body, k), want) })
			}
		}},
		{name: "author filtering", path: "/api/v1/author/schema/", check: func(t *testing.T, c *client, r response) {
			for k, want := range map[string]string{
				"bio":       `["exact"]`,
				"name":      stringLookups,
				"id":        `["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"]`,
				"active":    `["exact", "in", "isnull"]`,
				"born":      `["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull", "year", "month", "day", "week_day", "week", "quarter", "iso_year"]`,
				"publisher": `2`,
				"mentor":    `2`,
			} {
				t.Run(k, func(t *testing.T) { jsonEqual(t, field(r.body, "filtering", k), want) })
			}
		}},
		{name: "author fields", path: "/api/v1/author/schema/", check: func(t *testing.T, c *client, r response) {
			for k, want := range map[string]string{
				"id": `{"blank": true, "default": "No default provided.", "help_text": "Integer data. Ex: 2673", "nullable": false,
					"primary_key": true, "readonly": true, "type": "integer", "unique": true, "verbose_name": "id"}`,
				"name": `{"blank": false, "default": "No default provided.", "help_text": "Unicode string data. Ex: \"Hello World\"", "max_length": 100,
					"nullable": false, "primary_key": false, "readonly": false, "type": "string", "unique": true, "verbose_name": "name"}`,
				"active": `{"blank": true, "default": true, "help_text": "Boolean data. Ex: True", "nullable": false,
					"primary_key": false, "readonly": false, "type": "boolean", "unique": false, "verbose_name": "active"}`,
				"rating": `{"blank": true, "default": "No default provided.", "help_text": "Floating point numeric data. Ex: 26.73", "nullable": true,
					"primary_key": false, "readonly": false, "type": "float", "unique": false, "verbose_name": "rating"}`,
				"born": `{"blank": true, "default": "No default provided.", "help_text": "A date as a string. Ex: \"2010-11-10\"", "nullable": true,
					"primary_key": false, "readonly": false, "type": "date", "unique": false, "verbose_name": "born"}`,
				"created_at": `{"blank": true, "default": "No default provided.", "help_text": "A date & time as a string. Ex: \"2010-11-10T03:07:43.000000Z\"",
					"nullable": false, "primary_key": false, "readonly": true, "type": "datetime", "unique": false, "verbose_name": "created at"}`,
				"publisher_id": `{"blank": true, "default": "No default provided.", "help_text": "Integer data. Ex: 2673", "nullable": true,
					"primary_key": false, "readonly": false, "related_resource": "publisher", "related_schema": "/api/v1/publisher/schema/",
					"type": "integer", "unique": false, "verbose_name": "publisher id"}`,
				"publisher__name": `{"blank": true, "default": "No default provided.", "help_text": "Read-only, from publisher.", "nullable": true,
					"primary_key": false, "readonly": true, "type": "string", "unique": false, "verbose_name": "publisher name"}`,
				"resource_uri": `{"blank": false, "default": "No default provided.", "help_text": "Unicode string data. Ex: \"Hello World\"",
					"nullable": false, "primary_key": false, "readonly": true, "type": "string", "unique": false, "verbose_name": "resource uri"}`,
			} {
				t.Run(k, func(t *testing.T) { jsonEqual(t, field(r.body, "fields", k), want) })
			}
		}},
		{name: "book", path: "/api/v1/book/schema/", check: func(t *testing.T, c *client, r response) {
			for k, want := range map[string]string{
				"default_limit": `2`,
				"max_limit":     `4`,
				"ordering":      `["author", "author_id", "created_at", "extra", "genre", "id", "pages", "published", "title"]`,
				"query_fields":  `[]`,
				"relations":     `{"author": {"related_schema": "/api/v1/author/schema/", "related_type": "to_one", "resource": "author"}}`,
				"filtering": `{"author": 2, "author_id": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"],
					"created_at": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull", "year", "month", "day", "hour", "minute", "second", "week_day", "week", "quarter", "iso_year", "date", "time"],
					"extra": ["isnull"], "genre": ` + stringLookups + `, "id": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"],
					"pages": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"],
					"published": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull", "year", "month", "day", "week_day", "week", "quarter", "iso_year"], "title": ` + stringLookups + `}`,
				"fields.genre": `{"blank": true, "choices": ["novel", "poetry", "essay"], "default": "novel", "help_text": "Unicode string data. Ex: \"Hello World\"",
					"max_length": 20, "nullable": false, "primary_key": false, "readonly": false, "type": "string", "unique": false, "verbose_name": "genre"}`,
				"fields.pages": `{"blank": true, "default": "No default provided.", "help_text": "Integer data. Ex: 2673", "nullable": true,
					"primary_key": false, "readonly": false, "type": "integer", "unique": false, "verbose_name": "pages",
					"min_value": -2147483647, "max_value": 2147483647}`,
				"fields.author_id": `{"blank": false, "default": "No default provided.", "help_text": "Integer data. Ex: 2673", "nullable": false,
					"primary_key": false, "readonly": false, "related_resource": "author", "related_schema": "/api/v1/author/schema/",
					"type": "integer", "unique": false, "verbose_name": "author id"}`,
			} {
				path := []any{}
				for _, p := range strings.Split(k, ".") {
					path = append(path, p)
				}
				t.Run(k, func(t *testing.T) { jsonEqual(t, field(r.body, path...), want) })
			}
		}},
		{name: "without the trailing slash", path: "/api/v1/publisher/schema", check: schemaKeys(all...)},
		{method: "POST", path: "/api/v1/author/schema/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, OPTIONS"},
		{method: "DELETE", path: "/api/v1/author/schema/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, OPTIONS"},
	})
}

func TestReadOptions(t *testing.T) {
	authorActions := `{
		"active": {"label": "Active", "read_only": false, "required": false, "type": "boolean"},
		"bio": {"label": "Bio", "read_only": false, "required": false, "type": "string"},
		"born": {"label": "Born", "read_only": false, "required": false, "type": "date"},
		"created_at": {"label": "Created at", "read_only": true, "required": false, "type": "datetime"},
		"id": {"label": "Id", "read_only": true, "required": false, "type": "integer"},
		"mentor_id": {"label": "Mentor id", "read_only": false, "required": false, "type": "integer"},
		"name": {"label": "Name", "max_length": 100, "read_only": false, "required": true, "type": "string"},
		"publisher__name": {"label": "Publisher name", "read_only": true, "required": false, "type": "string"},
		"publisher_id": {"label": "Publisher id", "read_only": false, "required": false, "type": "integer"},
		"rating": {"label": "Rating", "read_only": false, "required": false, "type": "float"},
		"updated_at": {"label": "Updated at", "read_only": true, "required": false, "type": "datetime"}}`
	drf := func(actions string) string {
		return `{"name": "Author", "description": "", "renders": ["application/json"], "parses": ["application/json"], "actions": ` + actions + `}`
	}
	runReads(t, nil, []readCase{
		{method: "OPTIONS", path: "/api/v1/author/", allow: "GET, POST, PATCH, DELETE, OPTIONS", body: drf(`{"POST": ` + authorActions + `}`)},
		{method: "OPTIONS", path: "/api/v1/author", allow: "GET, POST, PATCH, DELETE, OPTIONS", body: drf(`{"POST": ` + authorActions + `}`)},
		{method: "OPTIONS", path: "/api/v1/author/1/", allow: "GET, PUT, PATCH, DELETE, OPTIONS", body: drf(`{"PUT": ` + authorActions + `}`)},
		{name: "book choices and required", method: "OPTIONS", path: "/api/v1/book/", allow: "GET, POST, PATCH, DELETE, OPTIONS", check: func(t *testing.T, c *client, r response) {
			jsonEqual(t, field(r.body, "actions", "POST", "genre"), `{"label": "Genre", "max_length": 20, "read_only": false, "required": false, "type": "choice",
				"choices": [{"display_name": "novel", "value": "novel"}, {"display_name": "poetry", "value": "poetry"}, {"display_name": "essay", "value": "essay"}]}`)
			jsonEqual(t, field(r.body, "actions", "POST", "author_id"), `{"label": "Author id", "read_only": false, "required": true, "type": "integer"}`)
			jsonEqual(t, field(r.body, "actions", "POST", "title"), `{"label": "Title", "max_length": 200, "read_only": false, "required": true, "type": "string"}`)
			jsonEqual(t, field(r.body, "actions", "POST", "extra"), `{"label": "Extra", "read_only": false, "required": false, "type": "json"}`)
			if got := field(r.body, "name"); got != "Book" {
				t.Errorf("name %v", got)
			}
		}},
		{method: "OPTIONS", path: "/api/v1/author/schema/", allow: "GET, OPTIONS",
			body: `{"name": "Author", "description": "", "renders": ["application/json"], "parses": ["application/json"]}`},
		{method: "OPTIONS", path: "/api/v1/nope/", status: 404, code: "RESOURCE_NOT_FOUND"},
	})
}

func TestReadMethods(t *testing.T) {
	runReads(t, nil, []readCase{
		{name: "HEAD on a list", method: "HEAD", path: "/api/v1/author/", check: func(t *testing.T, c *client, r response) {
			if r.raw != "" {
				t.Errorf("HEAD has a body: %s", r.raw)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		}},
		{name: "HEAD on a list checks filters", method: "HEAD", path: "/api/v1/author/?nmae=x", status: 400, check: func(t *testing.T, c *client, r response) {
			if r.raw != "" {
				t.Errorf("HEAD has a body: %s", r.raw)
			}
		}},
		{name: "HEAD on a detail", method: "HEAD", path: "/api/v1/author/1/", check: func(t *testing.T, c *client, r response) {
			if r.raw != "" {
				t.Errorf("HEAD has a body: %s", r.raw)
			}
		}},
		{name: "HEAD on a missing detail", method: "HEAD", path: "/api/v1/author/99/", status: 404},
		{name: "PUT on a list", method: "PUT", path: "/api/v1/author/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, POST, PATCH, DELETE, OPTIONS",
			body: `{"success": false, "code": "METHOD_NOT_ALLOWED", "details": {"allowed": ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]},
				"error": "PUT is not allowed on the list of \"author\". Allowed: GET, POST, PATCH, DELETE, OPTIONS."}`},
		{name: "PUT on a list without the slash", method: "PUT", path: "/api/v1/book", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, POST, PATCH, DELETE, OPTIONS"},
		{name: "POST on a detail", method: "POST", path: "/api/v1/author/1/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, PUT, PATCH, DELETE, OPTIONS"},
		{name: "TRACE on a list", method: "TRACE", path: "/api/v1/author/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, POST, PATCH, DELETE, OPTIONS"},
	})
}

// Resources built for single tests: an author whose bio allows every lookup (for LIKE escaping) and a
// read-only publisher that allows no filtering and no ordering.
func likeResources() []resource.Resource {
	return []resource.Resource{
		modelresource.New(resource.Meta{
			ResourceName: "author", Table: "author",
			Filtering:    map[string]resource.Lookups{resource.EveryField: resource.All},
			Ordering:     []string{"id"},
			FieldOptions: map[string]resource.FieldOptions{"born": {VerboseName: "état civil"}},
		}),
		modelresource.New(resource.Meta{
			ResourceName: "publisher", Table: "publisher",
			ListMethods: []string{"get"}, DetailMethods: []string{"get"},
		}),
	}
}

func TestReadLikeEscaping(t *testing.T) {
	a := func(query string, ids ...int64) readCase {
		return readCase{path: "/api/v1/author/?fields=id&" + query, ids: append([]int64{}, ids...)}
	}
	runReads(t, likeResources, []readCase{
		// % and _ match themselves only: unescaped, "%" and "_" would match every (non-empty) bio
		a("bio__contains="+qe("100%_"), 3),
		a("bio__contains=" + qe("100%x")),
		a("bio__contains="+qe("%"), 3),
		a("bio__contains="+qe("_"), 3),
		a("bio__contains="+qe("%_"), 3),
		a("bio__contains=" + qe("t%s")),
		a("bio__contains=" + qe(`\`)),
		a("bio__contains=" + qe(`\%`)),
		a("bio__startswith=" + qe("%")),
		a("bio__startswith="+qe("Modernist 100%"), 3),
		a("bio__endswith=" + qe("_")),
		a("bio__endswith="+qe("%_sure"), 3),
		a("bio__icontains="+qe("100%_SURE"), 3),
		a("bio__icontains="+qe("%"), 3),
		a("bio__istartswith=" + qe("_")),
		a("bio__iendswith="+qe("_SURE"), 3),
		a("name__contains=" + qe("%")),
		a("name__icontains=" + qe("_")),
		a("bio__contains=Natural", 1),
		// All does not reach through relations
		{path: "/api/v1/author/?publisher__name=Penguin", status: 400, code: "INVALID_FILTER", param: "publisher__name",
			body: `{"success": false, "code": "INVALID_FILTER", "details": {"parameter": "publisher__name"},
				"error": "Lookups are not allowed more than one level deep on the 'publisher' field."}`},
		a("publisher=2", 3),
		// a resource that allows no filtering and no ordering says so in Tastypie's words
		{path: "/api/v1/publisher/?name=Penguin", status: 400, code: "INVALID_FILTER", param: "name",
			body: `{"success": false, "code": "INVALID_FILTER", "details": {"parameter": "name", "allowed": []},
				"error": "The 'name' field does not allow filtering."}`},
		{path: "/api/v1/publisher/?order_by=name", status: 400, code: "INVALID_ORDERING", param: "order_by",
			body: `{"success": false, "code": "INVALID_ORDERING", "details": {"parameter": "order_by", "value": "name"},
				"error": "The 'name' field does not allow ordering."}`},
		{path: "/api/v1/publisher/?order_by=nope", status: 400, code: "INVALID_ORDERING", param: "order_by",
			body: `{"success": false, "code": "INVALID_ORDERING", "details": {"parameter": "order_by", "value": "nope"},
				"error": "No matching 'nope' field for ordering on."}`},
		{path: "/api/v1/publisher/schema/", check: func(t *testing.T, c *client, r response) {
			m, _ := r.body.(map[string]any)
			for _, k := range []string{"filtering", "ordering"} {
				if _, ok := m[k]; ok {
					t.Errorf("schema has %q although nothing allows it (Tastypie leaves it out)", k)
				}
			}
			jsonEqual(t, m["allowed_list_http_methods"], `["get"]`)
			jsonEqual(t, m["allowed_detail_http_methods"], `["get"]`)
		}},
		// read-only resource: OPTIONS offers no actions, writes are 405
		{method: "OPTIONS", path: "/api/v1/publisher/", allow: "GET, OPTIONS",
			body: `{"name": "Publisher", "description": "", "renders": ["application/json"], "parses": ["application/json"]}`},
		{method: "OPTIONS", path: "/api/v1/publisher/1/", allow: "GET, OPTIONS",
			body: `{"name": "Publisher", "description": "", "renders": ["application/json"], "parses": ["application/json"]}`},
		{method: "POST", path: "/api/v1/publisher/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, OPTIONS"},
		{method: "DELETE", path: "/api/v1/publisher/1/", status: 405, code: "METHOD_NOT_ALLOWED", allow: "GET, OPTIONS"},
		// a verbose name is the OPTIONS label with its first letter capitalized, as DRF's capfirst
		{method: "OPTIONS", path: "/api/v1/author/", check: func(t *testing.T, c *client, r response) {
			jsonEqual(t, field(r.body, "actions", "POST", "born"), `{"label": "État civil", "read_only": false, "required": false, "type": "date"}`)
		}},
	})
}

func TestReadGETParamsRequired(t *testing.T) {
	rs := func() []resource.Resource {
		return []resource.Resource{
			modelresource.New(resource.Meta{
				ResourceName: "author", Table: "author",
				Filtering:         map[string]resource.Lookups{resource.EveryField: resource.All},
				GETParamsRequired: []string{"publisher", "token"},
				ExtraParams:       []string{"token"},
			}),
			modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher"}),
		}
	}
	runReads(t, rs, []readCase{
		{name: "both missing", path: "/api/v1/author/", status: 400, code: "MISSING_PARAMETER", param: "publisher",
			contains: []string{"publisher", "token"}, check: jsonAt(`["publisher", "token"]`, "details", "missing")},
		{name: "token missing", path: "/api/v1/author/?publisher=1", status: 400, code: "MISSING_PARAMETER", param: "token",
			contains: []string{"token"}, check: jsonAt(`["token"]`, "details", "missing")},
		{name: "publisher missing", path: "/api/v1/author/?token=x&id=1", status: 400, code: "MISSING_PARAMETER", param: "publisher",
			check: jsonAt(`["publisher"]`, "details", "missing")},
		{name: "on set/", path: "/api/v1/author/set/1;2/", status: 400, code: "MISSING_PARAMETER", param: "publisher"},
		{name: "present: the filter applies, the extra parameter is no filter", path: "/api/v1/author/?publisher=1&token=x&fields=id",
			ids: []int64{1, 2}, meta: `{"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 2}`},
		{name: "present but empty", path: "/api/v1/author/?publisher=2&token=&fields=id", ids: []int64{3}},
		{name: "on set/ when present", path: "/api/v1/author/set/3;1/?publisher=2&token=x&fields=id", ids: []int64{3}},
		{name: "in the schema", path: "/api/v1/author/schema/", check: jsonAt(`["publisher", "token"]`, "required_GET_params")},
	})
}

// TestReadBadMeta: a wrong name anywhere in a Meta, or a missing table, stops resource.New with an
// error that names it.
func TestReadBadMeta(t *testing.T) {
	cases := []struct {
		name string
		meta resource.Meta
		want []string
	}{
		{"table", resource.Meta{Table: "authors"}, []string{`"authors"`}},
		{"no table", resource.Meta{}, []string{"Meta.Table"}},
		{"Fields", resource.Meta{Fields: []string{"id", "nmae"}}, []string{"Meta.Fields", `"nmae"`}},
		{"Excludes", resource.Meta{Excludes: []string{"boi"}}, []string{"Excludes", `"boi"`}},
		{"ReadOnly", resource.Meta{ReadOnly: []string{"ratng"}}, []string{"Meta.ReadOnly", `"ratng"`}},
		{"FieldOptions", resource.Meta{FieldOptions: map[string]resource.FieldOptions{"gnere": {}}}, []string{"Meta.FieldOptions", `"gnere"`}},
		{"RequiredFieldsForPost", resource.Meta{RequiredFieldsForPost: []string{"nmae"}}, []string{"Meta.RequiredFieldsForPost", `"nmae"`}},
		{"Filtering field", resource.Meta{Filtering: map[string]resource.Lookups{"nmae": resource.All}}, []string{"Meta.Filtering", `"nmae"`}},
		{"Filtering field left out by Fields", resource.Meta{Fields: []string{"id", "name"}, Filtering: map[string]resource.Lookups{"bio": resource.All}},
			[]string{"Meta.Filtering", `"bio"`}},
		{"Filtering lookup", resource.Meta{Filtering: map[string]resource.Lookups{"active": {"icontains"}}}, []string{"Meta.Filtering", `"active"`, "icontains"}},
		{"Ordering field", resource.Meta{Ordering: []string{"id", "nmae"}}, []string{"Meta.Ordering", "nmae"}},
		{"Ordering path", resource.Meta{Ordering: []string{"publisher", "publisher__nmae"}}, []string{"Meta.Ordering", "nmae"}},
		{"QueryFields field", resource.Meta{QueryFields: []string{"publisher__nmae"}}, []string{"Meta.QueryFields", `"nmae"`}},
		{"QueryFields relation", resource.Meta{QueryFields: []string{"pub__name"}}, []string{"Meta.QueryFields", `"pub"`}},
		{"QueryFields not a path", resource.Meta{QueryFields: []string{"name"}}, []string{"Meta.QueryFields", `"name"`}},
		{"Relations column", resource.Meta{Relations: map[string]resource.Relation{"boss": {Column: "boss_id", To: "author"}}}, []string{"Meta.Relations", `"boss_id"`}},
		{"Relations target", resource.Meta{Relations: map[string]resource.Relation{"boss": {Column: "mentor_id", To: "nobody"}}}, []string{`"boss"`, `"nobody"`}},
		{"Relations name clashes with a column", resource.Meta{Relations: map[string]resource.Relation{"name": {Column: "mentor_id", To: "author"}}}, []string{"Meta.Relations", `"name"`}},
		{"GETParamsRequired", resource.Meta{GETParamsRequired: []string{"tokn"}}, []string{"Meta.GETParamsRequired", `"tokn"`}},
		{"GETParamsRequired lookup", resource.Meta{Filtering: map[string]resource.Lookups{"bio": {"exact"}}, GETParamsRequired: []string{"bio__contains"}},
			[]string{"Meta.GETParamsRequired", `"bio__contains"`}},
		{"ListMethods", resource.Meta{ListMethods: []string{"get", "fetch"}}, []string{"Meta.ListMethods", `"fetch"`}},
		{"DetailMethods", resource.Meta{DetailMethods: []string{"gte"}}, []string{"Meta.DetailMethods", `"gte"`}},
		{"ResourceName", resource.Meta{ResourceName: "Author"}, []string{`"Author"`}},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := tc.meta
				if m.ResourceName == "" {
					m.ResourceName = "author"
				}
				if m.Table == "" && tc.name != "no table" {
					m.Table = "author"
				}
				_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
					modelresource.New(m), modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher"}))
				if err == nil {
					t.Fatal("resource.New accepted the Meta")
				}
				for _, s := range tc.want {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %s", err, s)
					}
				}
			})
		}
		t.Run("good Meta", func(t *testing.T) {
			// The same names, spelled right, are accepted.
			_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
				modelresource.New(resource.Meta{
					ResourceName: "author", Table: "author",
					Fields:            []string{"id", "name", "bio", "rating", "publisher_id", "mentor_id"},
					ReadOnly:          []string{"rating"},
					FieldOptions:      map[string]resource.FieldOptions{"bio": {HelpText: "A short biography."}},
					Filtering:         map[string]resource.Lookups{"name": {"exact", "icontains"}, "publisher": resource.AllWithRelations},
					Ordering:          []string{"id", "name", "publisher", "publisher__name"},
					QueryFields:       []string{"publisher__name", "boss__name"},
					Relations:         map[string]resource.Relation{"boss": {Column: "mentor_id", To: "author"}},
					GETParamsRequired: []string{"publisher", "name__icontains", "token"},
					ExtraParams:       []string{"token"},
				}),
				modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher"}))
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}
