package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tastygo/tastygo/client"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// The client test suite: every call of the client's contract against the dashboard, over each
// transport and backend, asserting objects, counts and error codes against the database; and the
// transcripts of every transport and backend must be identical.

// csIndicator is an indicator as a user of the client declares it.
type csIndicator struct {
	ID          int64     `json:"id,omitzero"`
	ShortName   string    `json:"short_name"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	DataFormat  string    `json:"data_format"`
	IsReported  bool      `json:"is_reported"`
	GoodBound   *float64  `json:"good_bound"`
	BadBound    *float64  `json:"bad_bound"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	ResourceURI string    `json:"resource_uri,omitempty"`
}

// csLocation is a location.
type csLocation struct {
	ID               int64    `json:"id,omitzero"`
	Name             string   `json:"name"`
	LocationCode     string   `json:"location_code"`
	LocationTypeID   int64    `json:"location_type_id"`
	ParentLocationID *int64   `json:"parent_location_id"`
	Latitude         *float64 `json:"latitude"`
}

// csDatapoint is a datapoint.
type csDatapoint struct {
	ID          int64       `json:"id"`
	IndicatorID int64       `json:"indicator_id"`
	LocationID  int64       `json:"location_id"`
	CampaignID  *int64      `json:"campaign_id"`
	DataDate    client.Date `json:"data_date"`
	Value       float64     `json:"value"`
}

// csTransport makes clients of one API for the suite: dial returns a client acting as a test user.
type csTransport struct {
	name string
	dial func(username string, opts ...client.Option) *client.Client
	// sent counts the requests that reached the API (HTTP only; nil in-process).
	sent *atomic.Int64
}

// csHTTP serves the fixture's API over HTTP.
func csHTTP(t *testing.T, f *authFixture) csTransport {
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		f.api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return csTransport{name: "http", sent: &sent, dial: func(username string, opts ...client.Option) *client.Client {
		return client.New(srv.URL+"/api/v1/", append([]client.Option{client.WithAPIKey(username, f.keys[username])}, opts...)...)
	}}
}

// csDirect passes calls into the fixture's API in-process, as the test users.
func csDirect(t *testing.T, f *authFixture) csTransport {
	api := f.api.(*resource.API)
	return csTransport{name: "direct", dial: func(username string, opts ...client.Option) *client.Client {
		u, err := newUserStore(f.db, f.d, nil).UserByUsername(context.Background(), username)
		if err != nil || u == nil {
			t.Fatalf("user %s: %v", username, err)
		}
		return client.NewDirect(api, u, opts...)
	}}
}

// csRecorder keeps the transcript of a run of the suite: every call's result (objects without their
// timestamps) or error (status, code, message, details).
type csRecorder struct {
	t     *testing.T
	lines []string
}

func (r *csRecorder) add(step string, v any, err error) {
	r.t.Helper()
	if err != nil {
		var e *client.Error
		if !errors.As(err, &e) {
			r.t.Fatalf("%s: %v is not a *client.Error", step, err)
		}
		v = map[string]any{"status": e.Status, "code": e.Code, "message": e.Message, "details": e.Details}
	}
	raw, jerr := json.Marshal(v)
	if jerr != nil {
		r.t.Fatalf("%s: %v", step, jerr)
	}
	var generic any
	json.Unmarshal(raw, &generic)
	raw, _ = json.Marshal(csStrip(generic))
	r.lines = append(r.lines, step+": "+string(raw))
}

// csStrip removes the timestamps the server sets, which differ between runs.
func csStrip(v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "created_at")
		delete(x, "updated_at")
		for k := range x {
			x[k] = csStrip(x[k])
		}
	case []any:
		for i := range x {
			x[i] = csStrip(x[i])
		}
	}
	return v
}

// csWant checks that err is an *Error matching the sentinel with status and code.
func csWant(t *testing.T, step string, err error, sentinel error, status int, code string) {
	t.Helper()
	var e *client.Error
	if !errors.Is(err, sentinel) || !errors.As(err, &e) || e.Status != status || e.Code != code {
		t.Fatalf("%s: got %v; want %d %s matching %v", step, err, status, code, sentinel)
	}
}

// csIDs queries a list of ids.
func csIDs(t *testing.T, f *authFixture, query string, args ...any) []int64 {
	t.Helper()
	rows, err := f.db.Query(f.d.Rebind(query), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func csCount(t *testing.T, f *authFixture, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.db.QueryRow(f.d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func csIDsOf[T any](list []T, id func(T) int64) []int64 {
	out := make([]int64, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

func indID(i csIndicator) int64 { return i.ID }
func locID(l csLocation) int64  { return l.ID }

func csSame(t *testing.T, step string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %v; want %v", step, got, want)
	}
}

// runClientSuite runs every contract call through tr as the superuser (and the plain user for what is
// refused to them) and returns the transcript.
func runClientSuite(t *testing.T, f *authFixture, tr csTransport) []string {
	ctx := context.Background()
	rec := &csRecorder{t: t}
	c := tr.dial(superName)
	inds := client.For[csIndicator](c, "indicator")

	// Lazy, immutable queries: nothing is sent until a query runs, and refining one leaves it as it was.
	before := int64(-1)
	if tr.sent != nil {
		before = tr.sent.Load()
	}
	q := inds.Filter("name__icontains", "CHILDREN").OrderBy("-id")
	_ = q.Limit(1).Filter("id", 1)
	if tr.sent != nil && tr.sent.Load() != before {
		t.Fatalf("building queries sent %d requests", tr.sent.Load()-before)
	}
	polio := csIDs(t, f, `SELECT id FROM indicator WHERE LOWER(name) LIKE '%children%' ORDER BY id DESC`)
	if len(polio) < 3 {
		t.Fatalf("the demo data has %d indicators about children", len(polio))
	}

	list, err := q.Limit(2).All(ctx)
	csSame(t, "All with Limit", csIDsOf(list, indID), polio[:2])
	rec.add("all-limit", list, err)
	all, err := q.All(ctx)
	csSame(t, "All", csIDsOf(all, indID), polio)
	rec.add("all", all, err)
	n, err := q.Count(ctx)
	csSame(t, "Count", n, int64(len(polio)))
	rec.add("count", n, err)
	n, err = q.Offset(1).Limit(1).Count(ctx)
	csSame(t, "Count with Offset and Limit", n, int64(1))
	rec.add("count with offset and limit", n, err)
	off, err := q.Offset(1).Limit(2).All(ctx)
	csSame(t, "Offset", csIDsOf(off, indID), polio[1:3])
	rec.add("offset", off, err)

	// Iter follows next a page at a time (pages of 7 here).
	paged := client.For[csLocation](tr.dial(superName, client.WithPageSize(7)), "location")
	var iterated []int64
	for loc, err := range paged.OrderBy("id").Iter(ctx) {
		if err != nil {
			t.Fatalf("Iter: %v", err)
		}
		iterated = append(iterated, loc.ID)
	}
	csSame(t, "Iter", iterated, csIDs(t, f, `SELECT id FROM location ORDER BY id`))
	rec.add("iter", iterated, nil)
	some, err := paged.OrderBy("-id").Limit(10).All(ctx)
	csSame(t, "All with a Limit over pages", csIDsOf(some, locID), csIDs(t, f, `SELECT id FROM location ORDER BY id DESC LIMIT 10`))
	rec.add("all with a limit over pages", some, err)
	var stopped int
	for range paged.Iter(ctx) {
		if stopped++; stopped == 3 {
			break
		}
	}

	first, err := q.First(ctx)
	if err != nil || first.ID != polio[0] {
		t.Fatalf("First: %+v, %v", first, err)
	}
	rec.add("first", first, err)
	_, err = inds.Filter("short_name", "no_such_indicator").First(ctx)
	csWant(t, "First of nothing", err, client.ErrNotFound, 404, "OBJECT_DOES_NOT_EXIST")
	rec.add("first-none", nil, err)
	yes, err := q.Exists(ctx)
	no, err2 := inds.Filter("short_name", "no_such_indicator").Exists(ctx)
	if err != nil || err2 != nil || !yes || no {
		t.Fatalf("Exists: %v %v, %v %v", yes, err, no, err2)
	}

	// Get, fields= and errors.
	one, err := inds.Get(ctx, polio[0])
	var short string
	f.db.QueryRow(f.d.Rebind(`SELECT short_name FROM indicator WHERE id = ?`), polio[0]).Scan(&short)
	if err != nil || one.ShortName != short || one.CreatedAt.IsZero() || one.ResourceURI != fmt.Sprintf("/api/v1/indicator/%d/", polio[0]) {
		t.Fatalf("Get: %+v, %v", one, err)
	}
	rec.add("get", one, err)
	_, err = inds.Get(ctx, 999999)
	csWant(t, "Get of nothing", err, client.ErrNotFound, 404, "OBJECT_DOES_NOT_EXIST")
	rec.add("get-none", nil, err)
	only, err := inds.Only("id", "short_name").Filter("id", polio[0]).First(ctx)
	if err != nil || only.ShortName != short || only.Name != "" || !only.CreatedAt.IsZero() {
		t.Fatalf("Only: %+v, %v", only, err)
	}
	rec.add("only", only, err)
	_, err = inds.Filter("nmae", "x").All(ctx)
	csWant(t, "an unknown filter", err, client.ErrInvalid, 400, "INVALID_FILTER")
	rec.add("bad-filter", nil, err)
	_, err = inds.OrderBy("nope").All(ctx)
	csWant(t, "an unknown ordering", err, client.ErrInvalid, 400, "INVALID_ORDERING")
	rec.add("bad-order", nil, err)
	_, err = client.For[csIndicator](c, "no_such_resource").All(ctx)
	csWant(t, "an unknown resource", err, client.ErrNotFound, 404, "RESOURCE_NOT_FOUND")
	rec.add("bad-resource", nil, err)
	found, missing, err := inds.GetMany(ctx, polio[1], polio[0], 999999)
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	csSame(t, "GetMany", csIDsOf(found, indID), []int64{polio[1], polio[0]})
	csSame(t, "GetMany's missing keys", missing, []string{"999999"})
	rec.add("get-many", map[string]any{"found": found, "missing": missing}, err)

	// Depth and Param.
	afID := f.locationID(t, "AF")
	deep, err := client.For[map[string]any](c, "location").Depth(1).Filter("location_code", "AF").First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lt, ok := (*deep)["location_type"].(map[string]any); !ok || lt["admin_level"] != float64(0) {
		t.Fatalf("Depth(1): %v", *deep)
	}
	rec.add("depth", deep, err)
	deepOne, err := client.For[map[string]any](c, "location").Depth(1).Only("id", "location_type").Get(ctx, afID)
	if err != nil {
		t.Fatalf("Get with Depth(1) and Only: %v", err)
	}
	if lt, ok := (*deepOne)["location_type"].(map[string]any); !ok || lt["admin_level"] != float64(0) || (*deepOne)["name"] != nil {
		t.Fatalf("Get with Depth(1) and Only: %v", *deepOne)
	}
	rec.add("depth-get", deepOne, err)
	regions := csIDs(t, f, `SELECT id FROM location WHERE parent_location_id = ? ORDER BY id`, afID)
	byParam, err := client.For[csLocation](c, "location").Param("location_id", afID).Param("location_depth", 1).OrderBy("id").All(ctx)
	csSame(t, "location parameters", csIDsOf(byParam, locID), regions)
	rec.add("param", byParam, err)
	_, err = client.For[map[string]any](c, "campaign_datapoint").All(ctx)
	csWant(t, "required parameters missing", err, client.ErrInvalid, 400, "MISSING_PARAMETER")
	rec.add("param-missing", nil, err)
	camp := csIDs(t, f, `SELECT id FROM campaign ORDER BY id`)[0]
	cdp, err := client.For[map[string]any](c, "campaign_datapoint").Param("campaign__in", camp).Param("indicator__in", polio[:2]).
		OrderBy("id").Limit(5).All(ctx)
	if err != nil {
		t.Fatalf("campaign_datapoint: %v", err)
	}
	rec.add("param-required", cdp, err)

	// Related: an object's to-many relation.
	children, err := client.For[csLocation](c, "location").Related(afID, "children").OrderBy("id").All(ctx)
	csSame(t, "Related", len(children), len(regions))
	rec.add("related", children, err)
	dps, err := client.RelatedOf[csDatapoint](client.For[csLocation](c, "location"), regions[0], "datapoints").OrderBy("id").Limit(5).All(ctx)
	csSame(t, "RelatedOf", csIDsOf(dps, func(d csDatapoint) int64 { return d.ID }),
		csIDs(t, f, `SELECT id FROM datapoint WHERE location_id = ? ORDER BY id LIMIT 5`, regions[0]))
	rec.add("related-of", dps, err)
	_, err = client.For[csLocation](c, "location").Related(999999, "children").All(ctx)
	csWant(t, "Related of nothing", err, client.ErrNotFound, 404, "OBJECT_DOES_NOT_EXIST")
	rec.add("related-none", nil, err)
	_, err = client.For[csLocation](c, "location").Related(afID, "nope").All(ctx)
	csWant(t, "Related of no relation", err, client.ErrNotFound, 404, "RESOURCE_NOT_FOUND")
	rec.add("related-unknown", nil, err)
	_, err = client.For[csLocation](c, "location").Related(afID, "children").Filter("name", "x").Delete(ctx)
	csWant(t, "Delete of a relation's list", err, client.ErrInvalid, 0, client.CodeNotOffered)

	// Writes.
	made, err := inds.Create(ctx, &csIndicator{ShortName: "x_made", Name: "X", DataFormat: "int", IsReported: true})
	if err != nil || made.ID == 0 || made.Name != "X" || csCount(t, f, `SELECT COUNT(*) FROM indicator WHERE short_name = 'x_made'`) != 1 {
		t.Fatalf("Create: %+v, %v", made, err)
	}
	rec.add("create", made, err)
	_, err = inds.Create(ctx, &csIndicator{ShortName: "x_made", Name: "again", DataFormat: "int"})
	csWant(t, "a duplicate", err, client.ErrConflict, 409, "CONFLICT")
	rec.add("create-conflict", nil, err)
	_, err = inds.Create(ctx, &csIndicator{ShortName: "x_bad", Name: "bad", DataFormat: "words"})
	csWant(t, "an invalid choice", err, client.ErrInvalid, 400, "VALIDATION_ERROR")
	rec.add("create-invalid", nil, err)
	patched, err := inds.Patch(ctx, made.ID, map[string]any{"name": "Y"})
	if err != nil || patched.Name != "Y" || patched.ShortName != "x_made" {
		t.Fatalf("Patch: %+v, %v", patched, err)
	}
	rec.add("patch", patched, err)
	bound := 0.5
	put, err := inds.Update(ctx, made.ID, &csIndicator{ShortName: "x_made", Name: "Z", DataFormat: "pct", GoodBound: &bound})
	if err != nil || put.Name != "Z" || put.DataFormat != "pct" || put.GoodBound == nil || *put.GoodBound != 0.5 || put.IsReported {
		t.Fatalf("Update: %+v, %v", put, err)
	}
	rec.add("update", put, err)
	_, err = inds.Patch(ctx, 999999, map[string]any{"name": "nobody"})
	csWant(t, "Patch of nothing", err, client.ErrNotFound, 404, "OBJECT_DOES_NOT_EXIST")

	many, err := inds.CreateMany(ctx, []csIndicator{
		{ShortName: "tmp_a", Name: "A", DataFormat: "int", IsReported: true},
		{ShortName: "tmp_b", Name: "B", DataFormat: "int", IsReported: true},
		{ShortName: "tmp_c", Name: "C", DataFormat: "bool", IsReported: true},
	})
	if err != nil || len(many) != 3 || csCount(t, f, `SELECT COUNT(*) FROM indicator WHERE short_name LIKE 'tmp_%'`) != 3 {
		t.Fatalf("CreateMany: %+v, %v", many, err)
	}
	rec.add("create-many", many, err)
	_, err = inds.CreateMany(ctx, []csIndicator{{ShortName: "tmp_d", Name: "D", DataFormat: "int"}, {ShortName: "tmp_a", Name: "dup", DataFormat: "int"}})
	csWant(t, "CreateMany with a duplicate", err, client.ErrConflict, 409, "CONFLICT")
	csSame(t, "CreateMany is all or nothing", csCount(t, f, `SELECT COUNT(*) FROM indicator WHERE short_name = 'tmp_d'`), int64(0))
	rec.add("create-many-conflict", nil, err)

	tmp := inds.Filter("short_name__startswith", "tmp_")
	n, err = tmp.Update(ctx, map[string]any{"is_reported": false})
	if err != nil || n != 3 || csCount(t, f, `SELECT COUNT(*) FROM indicator WHERE short_name LIKE 'tmp_%' AND is_reported = ?`, false) != 3 {
		t.Fatalf("filtered Update: %d, %v", n, err)
	}
	rec.add("update-where", n, err)

	many[0].Name = "A2"
	written, err := inds.BulkPatch(ctx, []csIndicator{many[0], {ShortName: "tmp_e", Name: "E", DataFormat: "pct"}}, []any{many[1].ID})
	if err != nil || len(written) != 2 || written[0].Name != "A2" || written[1].ID == 0 {
		t.Fatalf("BulkPatch: %+v, %v", written, err)
	}
	csSame(t, "BulkPatch's state", csIDs(t, f, `SELECT id FROM indicator WHERE short_name LIKE 'tmp_%' ORDER BY id`),
		[]int64{many[0].ID, many[2].ID, written[1].ID})
	rec.add("bulk-patch", written, err)

	// A filtered Update or Delete without a filter (or with paging) is refused before anything is sent.
	if tr.sent != nil {
		before = tr.sent.Load()
	}
	count := csCount(t, f, `SELECT COUNT(*) FROM indicator`)
	_, err = inds.OrderBy("id").Delete(ctx)
	csWant(t, "Delete without a filter", err, client.ErrInvalid, 0, client.CodeNoFilter)
	rec.add("delete-unfiltered", nil, err)
	_, err = inds.Query.Update(ctx, map[string]any{"name": "all"})
	csWant(t, "Update without a filter", err, client.ErrInvalid, 0, client.CodeNoFilter)
	_, err = tmp.Limit(1).Delete(ctx)
	csWant(t, "Delete with a Limit", err, client.ErrInvalid, 0, client.CodeNoFilter)
	if tr.sent != nil && tr.sent.Load() != before {
		t.Fatalf("refused calls sent %d requests", tr.sent.Load()-before)
	}
	csSame(t, "refused calls change nothing", csCount(t, f, `SELECT COUNT(*) FROM indicator`), count)

	// Deletes: one by a user who may not, one by key, the rest by filter.
	plain := client.For[csIndicator](tr.dial(plainName), "indicator")
	err = plain.Delete(ctx, made.ID)
	csWant(t, "Delete by a plain user", err, client.ErrForbidden, 403, "FORBIDDEN")
	rec.add("delete-forbidden", nil, err)
	err = inds.Delete(ctx, made.ID)
	if err != nil || csCount(t, f, `SELECT COUNT(*) FROM indicator WHERE id = ?`, made.ID) != 0 {
		t.Fatalf("Delete: %v", err)
	}
	rec.add("delete", nil, err)
	err = inds.Delete(ctx, made.ID)
	csWant(t, "Delete of nothing", err, client.ErrNotFound, 404, "OBJECT_DOES_NOT_EXIST")
	rec.add("delete-none", nil, err)
	n, err = tmp.Delete(ctx)
	if err != nil || n != 3 || csCount(t, f, `SELECT COUNT(*) FROM indicator WHERE short_name LIKE 'tmp_%'`) != 0 {
		t.Fatalf("filtered Delete: %d, %v", n, err)
	}
	rec.add("delete-where", n, err)

	// A processing resource.
	rows, err := client.Run(ctx, c, "agg_refresh", map[string]any{"campaign_id": camp})
	if err != nil || int64(len(rows)) != min(csCount(t, f, `SELECT COUNT(*) FROM agg_datapoint WHERE campaign_id = ?`, camp), 1000) || len(rows) == 0 {
		t.Fatalf("Run: %d rows, %v", len(rows), err)
	}
	rec.add("run", len(rows), err)
	_, err = client.Run(ctx, c, "agg_refresh", nil)
	csWant(t, "Run without its parameter", err, client.ErrInvalid, 400, "MISSING_PARAMETER")
	rec.add("run-missing", nil, err)
	return rec.lines
}

// TestClientSuite runs the suite over every transport and backend; on each backend, every transport's
// transcript must equal the first's. (Across backends the keys of new objects differ: a PostgreSQL
// sequence keeps the values that failed inserts took.)
func TestClientSuite(t *testing.T) {
	for _, backend := range testdb.Backends {
		var first []string
		var firstName string
		for _, transport := range []string{"http", "direct"} {
			t.Run(string(backend)+"/"+transport, func(t *testing.T) {
				db, d := testdb.Open(t, backend)
				f := newAuthFixture(t, db, d)
				var tr csTransport
				switch transport {
				case "http":
					tr = csHTTP(t, f)
				case "direct":
					tr = csDirect(t, f)
				}
				lines := runClientSuite(t, f, tr)
				if first == nil {
					first, firstName = lines, t.Name()
					return
				}
				for i := range max(len(lines), len(first)) {
					var got, want string
					if i < len(lines) {
						got = lines[i]
					}
					if i < len(first) {
						want = first[i]
					}
					if got != want {
						t.Fatalf("the transcript differs from %s's at line %d:\n got %s\nwant %s", firstName, i, got, want)
					}
				}
			})
		}
	}
}

// TestClientCredentials: the dashboard over HTTP with each kind of credentials it takes, none, and a
// stale key replaced by the re-authentication hook.
func TestClientCredentials(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		srv := httptest.NewServer(f.api)
		defer srv.Close()
		ctx := context.Background()
		base := srv.URL + "/api/v1/"
		_, err := client.For[csIndicator](client.New(base), "indicator").Count(ctx)
		csWant(t, "no credentials", err, client.ErrUnauthorized, 401, "NOT_AUTHENTICATED")
		_, err = client.For[csIndicator](client.New(base, client.WithAPIKey(plainName, "wrong")), "indicator").Count(ctx)
		csWant(t, "a wrong key", err, client.ErrUnauthorized, 401, "NOT_AUTHENTICATED")
		n, err := client.For[csIndicator](client.New(base, client.WithBasic(plainName, "pw-"+plainName)), "indicator").Count(ctx)
		if err != nil || n != csCount(t, f, `SELECT COUNT(*) FROM indicator`) {
			t.Fatalf("Basic: %d, %v", n, err)
		}
		hooks := 0
		c := client.New(base, client.WithAPIKey(plainName, "stale"), client.WithReauth(func(ctx context.Context) (client.Option, error) {
			hooks++
			return client.WithAPIKey(plainName, f.keys[plainName]), nil
		}))
		for range 2 {
			if n, err := client.For[csIndicator](c, "indicator").Count(ctx); err != nil || n == 0 || hooks != 1 {
				t.Fatalf("re-authenticated: %d, %v, %d hooks", n, err, hooks)
			}
		}
	})
}
