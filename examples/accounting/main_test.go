package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testPepper is the pepper the tests' services hash secrets and tokens with.
const testPepper = "0123456789abcdef0123456789abcdef-accounting-tests"

// service is the accounting service on a fresh, migrated database seeded with the small demo data,
// and a client's access token.
type service struct {
	db     *sql.DB
	d      dialect.Dialect
	h      http.Handler
	tokens *oauth2cc.Server
	token  string
}

// eachService runs fn on every backend with a fresh service.
func eachService(t *testing.T, fn func(t *testing.T, s *service)) {
	t.Helper()
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		fn(t, newTestService(t, db, d, true))
	})
}

// newTestService migrates db, seeds it when seed is set, builds the service and gets a token for a new
// client through the token endpoint.
func newTestService(t testing.TB, db *sql.DB, d dialect.Dialect, seed bool) *service {
	t.Helper()
	ctx := context.Background()
	if err := migrateUp(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	if seed {
		if _, err := seedData(ctx, db, d, sizeSmall); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	h, err := newService(ctx, db, d, testPepper, logger)
	if err != nil {
		t.Fatal(err)
	}
	pepper, err := servicePepper(ctx, db, d, testPepper)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: pepper})
	if err != nil {
		t.Fatal(err)
	}
	s := &service{db: db, d: d, h: h, tokens: tokens}
	creds, err := tokens.CreateClient(ctx, "tests")
	if err != nil {
		t.Fatal(err)
	}
	s.token = s.getToken(t, creds)
	return s
}

// getToken asks the token endpoint for a token of the client, with HTTP Basic.
func (s *service) getToken(t testing.TB, creds oauth2cc.Credentials) string {
	t.Helper()
	r := httptest.NewRequest("POST", "/o/token/", strings.NewReader("grant_type=client_credentials"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(creds.ClientID, creds.ClientSecret)
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &tok) != nil || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token endpoint: %d %s", w.Code, w.Body)
	}
	return tok.AccessToken
}

// answer is a response: its status, headers, raw body and the body decoded (numbers as json.Number).
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// code is the error code of an error answer.
func (a answer) code() string { s, _ := a.body["code"].(string); return s }

// results are the objects of a list answer.
func (a answer) results() []map[string]any {
	var out []map[string]any
	list, _ := a.body["results"].([]any)
	for _, o := range list {
		out = append(out, o.(map[string]any))
	}
	return out
}

// request is one request to the service.
type request struct {
	method, path string
	body         string
	contentType  string // application/json when a body is given without one
	noToken      bool
}

// do sends the request with the service's token and decodes the answer.
func (s *service) do(t testing.TB, rq request) answer {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.path, body)
	if rq.body != "" {
		ct := rq.contentType
		if ct == "" {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
	}
	if !rq.noToken {
		r.Header.Set("Authorization", "Bearer "+s.token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	a := answer{status: w.Code, header: w.Header(), raw: w.Body.String()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && w.Body.Len() > 0 {
		dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&a.body); err != nil {
			t.Fatalf("%s %s: %d, body is not a JSON object: %v: %s", rq.method, rq.path, w.Code, err, w.Body)
		}
	}
	return a
}

// get is do of a GET.
func (s *service) get(t testing.TB, path string) answer {
	t.Helper()
	return s.do(t, request{method: "GET", path: path})
}

// scalar runs a query returning one value (placeholders written ?).
func (s *service) scalar(t testing.TB, query string, args ...any) string {
	t.Helper()
	var v sql.NullString
	if err := s.db.QueryRow(s.d.Rebind(query), args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v.String
}

// count runs a count(*) query.
func (s *service) count(t testing.TB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s.scalar(t, query, args...), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// keys are the sorted keys of an object, comma-separated.
func keys(o map[string]any) string {
	var ks []string
	for k := range o {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}

// jsonInt is n as the decoded body holds it.
func jsonInt(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// param is details.parameter of an error answer.
func param(a answer) string {
	d, _ := a.body["details"].(map[string]any)
	p, _ := d["parameter"].(string)
	return p
}

// column runs a query returning one column and joins its values with commas.
func (s *service) column(t testing.TB, query string, args ...any) string {
	t.Helper()
	rows, err := s.db.Query(s.d.Rebind(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, ",")
}

// values joins the values of one field of the objects with commas.
func values(objs []map[string]any, name string) string {
	var out []string
	for _, o := range objs {
		out = append(out, fmt.Sprint(o[name]))
	}
	return strings.Join(out, ",")
}

// fieldDateTime is the field type timestamps are bound as.
const fieldDateTime = field.DateTime

// mustTime parses an RFC 3339 instant.
func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonNumber is a number of a decoded body.
type jsonNumber = json.Number

// sameNumber reports whether two decimal texts are the same number ("1337" and "1337.0").
func sameNumber(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

// credentials are a client's credentials.
func credentials(id, secret string) oauth2cc.Credentials {
	return oauth2cc.Credentials{ClientID: id, ClientSecret: secret}
}
