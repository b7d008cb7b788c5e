package modelresource_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// corsAPI is the fixture behind Basic authentication (reads public) with a CORS policy.
func corsAPI(t *testing.T, db *sql.DB, d dialect.Dialect, policy *resource.CORS) http.Handler {
	t.Helper()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, CORS: policy,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Authentication: auth.Required{Authentication: auth.Chain{auth.Basic{}}, AnonymousRead: true}},
		fixtureResources()...)
	if err != nil {
		t.Fatalf("resource.New: %v", err)
	}
	return api
}

// TestCORS: preflights are answered before authentication, with the policy's headers for an allowed
// origin and none for another; actual requests carry Access-Control-Allow-Origin and credentials for
// an allowed origin; every answer varies on Origin; an OPTIONS that is not a preflight still
// describes the resource.
func TestCORS(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		h := corsAPI(t, db, d, &resource.CORS{AllowedOrigins: []string{"https://a.example", "http://localhost:5173"},
			AllowCredentials: true, MaxAge: 10 * time.Minute})
		send := func(h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, nil)
			for k, v := range header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		corsHeaders := func(rec *httptest.ResponseRecorder) map[string]string {
			out := map[string]string{}
			for k, v := range rec.Header() {
				if k == "Vary" || strings.HasPrefix(k, "Access-Control-") {
					out[k] = join(v)
				}
			}
			return out
		}
		preflight := func(origin, method, headers string) map[string]string {
			return map[string]string{"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}
		}
		for _, tc := range []struct {
			name    string
			method  string
			path    string
			header  map[string]string
			status  int
			body    string
			headers map[string]string
		}{
			{"preflight, allowed origin, no credentials sent", "OPTIONS", "/api/v1/book/", preflight("https://a.example", "POST", "authorization,content-type"), 204, "",
				map[string]string{
					"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
					"Access-Control-Allow-Origin":      "https://a.example",
					"Access-Control-Allow-Methods":     "POST",
					"Access-Control-Allow-Headers":     "authorization,content-type",
					"Access-Control-Allow-Credentials": "true",
					"Access-Control-Max-Age":           "600",
				}},
			{"preflight of a detail DELETE from the dev server", "OPTIONS", "/api/v1/book/1/", preflight("http://localhost:5173", "DELETE", ""), 204, "",
				map[string]string{
					"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
					"Access-Control-Allow-Origin":      "http://localhost:5173",
					"Access-Control-Allow-Methods":     "DELETE",
					"Access-Control-Allow-Credentials": "true",
					"Access-Control-Max-Age":           "600",
				}},
			{"preflight, disallowed origin", "OPTIONS", "/api/v1/book/", preflight("https://evil.example", "POST", "authorization"), 204, "",
				map[string]string{"Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}},
			{"preflight, header not allowed", "OPTIONS", "/api/v1/book/", preflight("https://a.example", "POST", "x-secret"), 204, "",
				map[string]string{"Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}},
			{"actual read, allowed origin", "GET", "/api/v1/publisher/1/", map[string]string{"Origin": "https://a.example"}, 200,
				`{"country": "FR", "id": 1, "name": "Gallimard", "resource_uri": "/api/v1/publisher/1/"}`,
				map[string]string{
					"Vary":                             "Origin, Accept, Authorization",
					"Access-Control-Allow-Origin":      "https://a.example",
					"Access-Control-Allow-Credentials": "true",
					"Access-Control-Expose-Headers":    "Location, Retry-After, X-Request-Id, Www-Authenticate, Content-Disposition",
				}},
			{"actual write refused, allowed origin: the page can read the 401", "DELETE", "/api/v1/publisher/1/", map[string]string{"Origin": "https://a.example"}, 401,
				`{"code": "NOT_AUTHENTICATED", "details": {}, "error": "Authentication credentials were not provided.", "success": false}`,
				map[string]string{
					"Vary":                             "Origin",
					"Access-Control-Allow-Origin":      "https://a.example",
					"Access-Control-Allow-Credentials": "true",
					"Access-Control-Expose-Headers":    "Location, Retry-After, X-Request-Id, Www-Authenticate, Content-Disposition",
				}},
			{"actual read, disallowed origin", "GET", "/api/v1/publisher/1/", map[string]string{"Origin": "https://evil.example"}, 200,
				`{"country": "FR", "id": 1, "name": "Gallimard", "resource_uri": "/api/v1/publisher/1/"}`,
				map[string]string{"Vary": "Origin, Accept, Authorization"}},
			{"same origin (no Origin)", "GET", "/api/v1/publisher/1/", nil, 200,
				`{"country": "FR", "id": 1, "name": "Gallimard", "resource_uri": "/api/v1/publisher/1/"}`,
				map[string]string{"Vary": "Origin, Accept, Authorization"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec := send(h, tc.method, tc.path, tc.header)
				if rec.Code != tc.status || rec.Body.String() != tc.body {
					t.Errorf("%d %q, want %d %q", rec.Code, rec.Body, tc.status, tc.body)
				}
				if got := corsHeaders(rec); !reflect.DeepEqual(got, tc.headers) {
					t.Errorf("headers\n got %v\nwant %v", got, tc.headers)
				}
			})
		}

		// An OPTIONS that is not a preflight (no Access-Control-Request-Method) is the resource's own:
		// its schema, as without CORS.
		plain := send(corsAPI(t, db, d, nil), "OPTIONS", "/api/v1/publisher/", nil)
		rec := send(h, "OPTIONS", "/api/v1/publisher/", map[string]string{"Origin": "https://a.example"})
		if rec.Code != 200 || plain.Code != 200 || rec.Body.String() != plain.Body.String() || rec.Header().Get("Allow") != plain.Header().Get("Allow") ||
			rec.Header().Get("Access-Control-Allow-Origin") != "https://a.example" {
			t.Errorf("schema OPTIONS: %d %v %.200s; without CORS %d %.200s", rec.Code, rec.Header(), rec.Body, plain.Code, plain.Body)
		}
		// Without a policy, a preflight is an OPTIONS like any other.
		if rec := send(corsAPI(t, db, d, nil), "OPTIONS", "/api/v1/book/", preflight("https://a.example", "POST", "")); rec.Code != 200 || len(corsHeaders(rec)) != 0 {
			t.Errorf("no policy: %d %v", rec.Code, corsHeaders(rec))
		}
	})
}

// TestCORSConfig: a policy that cannot work is refused by resource.New.
func TestCORSConfig(t *testing.T) {
	db, d := testdb.Open(t, dialect.SQLite)
	createFixture(t, db, d)
	for _, tc := range []struct {
		policy resource.CORS
		err    string
	}{
		{resource.CORS{AllowedOrigins: []string{"*"}, AllowCredentials: true}, `resource: Config.CORS: the origin "*" cannot go with AllowCredentials: name the origins`},
		{resource.CORS{AllowedOrigins: []string{"https://a.example/"}}, `resource: Config.CORS: origin "https://a.example/" is not scheme://host[:port]`},
		{resource.CORS{AllowedOrigins: []string{"a.example"}}, `resource: Config.CORS: origin "a.example" is not scheme://host[:port]`},
		{resource.CORS{AllowedOrigins: []string{"https://a.example"}, MaxAge: -time.Second}, `resource: Config.CORS: MaxAge -1s is negative`},
	} {
		_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, CORS: &tc.policy}, fixtureResources()...)
		if err == nil || err.Error() != tc.err {
			t.Errorf("%+v: %v, want %s", tc.policy, err, tc.err)
		}
	}
}

func join(v []string) string { return strings.Join(v, ", ") }
