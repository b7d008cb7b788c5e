package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// The test users of the HTTP tests, on the small demo data: a superuser, a user confined to the
// region AF-R01, and a plain user with neither.
const (
	superName  = "admin"
	scopedName = "region1"
	plainName  = "plain"
	scopedTop  = "AF-R01"
)

// authFixture is a migrated database with the small demo data, the three test users (each with an
// API key and the password "pw-<name>"), and the API over it twice: credentials required, and with
// --public-read. Both share one cache, as serve's resources do.
type authFixture struct {
	db     *sql.DB
	d      dialect.Dialect
	cache  *auth.Cache
	api    http.Handler
	public http.Handler
	keys   map[string]string // username → API key
	ids    map[string]int64  // username → app_user id
}

func newAuthFixture(t *testing.T, db *sql.DB, d dialect.Dialect) *authFixture {
	t.Helper()
	users, err := seedAuthFixture(context.Background(), db, d)
	if err != nil {
		t.Fatal(err)
	}
	return authFixtureOn(t, db, d, users)
}

// fixtureUsers are the keys and ids of the test users a fixture database holds.
type fixtureUsers struct {
	keys map[string]string // username → API key
	ids  map[string]int64  // username → app_user id
}

// seedAuthFixture fills an empty database with the fixture's data: the migrations, the small demo
// data and the three test users.
func seedAuthFixture(ctx context.Context, db *sql.DB, d dialect.Dialect) (fixtureUsers, error) {
	users := fixtureUsers{keys: map[string]string{}, ids: map[string]int64{}}
	if err := migrations.Up(ctx, db, d); err != nil {
		return users, err
	}
	if _, err := seed.Run(ctx, db, d, seed.Small, nil); err != nil {
		return users, err
	}
	for _, u := range []newUser{
		{Username: superName, Superuser: true},
		{Username: scopedName, TopLocation: scopedTop},
		{Username: plainName},
	} {
		u.Password = "pw-" + u.Username
		created, err := createUser(ctx, db, d, u)
		if err != nil {
			return users, fmt.Errorf("create %s: %w", u.Username, err)
		}
		users.keys[u.Username], users.ids[u.Username] = created.Key, created.ID
	}
	return users, nil
}

// authFixtureOn is the fixture over a database seedAuthFixture filled (or a copy of one).
func authFixtureOn(t *testing.T, db *sql.DB, d dialect.Dialect, users fixtureUsers) *authFixture {
	t.Helper()
	f := &authFixture{db: db, d: d, cache: auth.NewCache(auth.DefaultCacheTTL), keys: map[string]string{}, ids: map[string]int64{}}
	for name, key := range users.keys {
		f.keys[name], f.ids[name] = key, users.ids[name]
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	if f.api, err = newHandler(db, d, logger, access{cache: f.cache}); err != nil {
		t.Fatal(err)
	}
	if f.public, err = newHandler(db, d, logger, access{publicRead: true, cache: f.cache}); err != nil {
		t.Fatal(err)
	}
	return f
}

// templateUsers holds, per backend, the users of the fixture's template database (built once per
// test binary by testdb).
var (
	templateUsersMu sync.Mutex
	templateUsers   = map[dialect.Name]fixtureUsers{}
)

// eachAuthFixture runs fn on every backend with a fixture of its own: a copy of a database that
// seedAuthFixture filled once per test binary, which is what newAuthFixture would make, only faster.
func eachAuthFixture(t *testing.T, fn func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture)) {
	t.Helper()
	for _, b := range testdb.Backends {
		t.Run(string(b), func(t *testing.T) {
			db, d := testdb.OpenCopy(t, b, "auth-fixture", func(ctx context.Context, db *sql.DB, d dialect.Dialect) error {
				users, err := seedAuthFixture(ctx, db, d)
				templateUsersMu.Lock()
				templateUsers[d.Name()] = users
				templateUsersMu.Unlock()
				return err
			})
			templateUsersMu.Lock()
			users := templateUsers[b]
			templateUsersMu.Unlock()
			fn(t, db, d, authFixtureOn(t, db, d, users))
		})
	}
}

// answer is an HTTP response, its JSON body decoded.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// code is the error code of an error body ("" for none).
func (a answer) code() string {
	c, _ := a.body["code"].(string)
	return c
}

// objects is the "objects" of a list or set/ body.
func (a answer) objects() []map[string]any {
	list, _ := a.body["objects"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, o := range list {
		m, _ := o.(map[string]any)
		out = append(out, m)
	}
	return out
}

// serve sends a request to h with an Authorization header ("" for none) and a JSON body ("" for none).
func serve(t *testing.T, h http.Handler, method, url, authorization, body string) answer {
	t.Helper()
	return serveBody(t, h, method, url, authorization, "application/json", body)
}

// serveBody is serve with a body of the given Content-Type.
func serveBody(t *testing.T, h http.Handler, method, url, authorization, contentType, body string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, url, r)
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		dec := json.NewDecoder(rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&a.body); err != nil {
			t.Fatalf("%s %s: the body is not a JSON object: %v\n%s", method, url, err, a.raw)
		}
	}
	return a
}

// as returns the ApiKey header of a test user.
func (f *authFixture) as(username string) string {
	return "ApiKey " + username + ":" + f.keys[username]
}

func basic(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}

// locationID returns the id of the location with a code.
func (f *authFixture) locationID(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	if err := f.db.QueryRow(f.d.Rebind(`SELECT id FROM location WHERE location_code = ?`), code).Scan(&id); err != nil {
		t.Fatalf("location %s: %v", code, err)
	}
	return id
}

// scalar runs a query of one integer.
func (f *authFixture) scalar(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.db.QueryRow(f.d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// ids runs a query of one integer column.
func (f *authFixture) idList(t *testing.T, query string, args ...any) []int64 {
	t.Helper()
	rows, err := f.db.Query(f.d.Rebind(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []int64
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

// snapshotTables are the tables the writes of the tests may touch.
var snapshotTables = []string{"location", "campaign", "datapoint", "indicator", "campaign_type", "api_key"}

// snapshot digests every row of the tables (snapshotTables when none are named), so that a refused
// write can be shown to have changed nothing.
func (f *authFixture) snapshot(t *testing.T, tables ...string) string {
	t.Helper()
	if len(tables) == 0 {
		tables = snapshotTables
	}
	var b strings.Builder
	for _, table := range tables {
		h := fnv.New64a()
		rows, err := f.db.Query(`SELECT * FROM ` + table + ` ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			if table == "api_key" {
				vals[5] = nil // last_used_at moves with every authenticated request
			}
			fmt.Fprintf(h, "%v\n", vals)
			n++
		}
		rows.Close()
		fmt.Fprintf(&b, "%s: %d rows, %x\n", table, n, h.Sum64())
	}
	return b.String()
}
