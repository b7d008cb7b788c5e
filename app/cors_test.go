package main

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// TestServeCORSOrigins: serve --cors-origins lets the pages of those origins call the API with
// credentials; a preflight needs no key; without the flag there is no cross-origin access.
func TestServeCORSOrigins(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		origins, err := splitOrigins("https://a.example, http://localhost:5173")
		if err != nil {
			t.Fatal(err)
		}
		h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: f.cache, corsOrigins: origins})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			h      http.Handler
			method string
			header map[string]string
			status int
			want   map[string]string
		}{
			{"preflight from the dev server", h, "OPTIONS", map[string]string{"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PATCH",
				"Access-Control-Request-Headers": "authorization,content-type"}, 204,
				map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173", "Access-Control-Allow-Methods": "PATCH",
					"Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "600"}},
			{"preflight from elsewhere", h, "OPTIONS", map[string]string{"Origin": "https://b.example", "Access-Control-Request-Method": "GET"}, 204,
				map[string]string{}},
			{"a read with a key", h, "GET", map[string]string{"Origin": "https://a.example", "Authorization": f.as(superName)}, 200,
				map[string]string{"Access-Control-Allow-Origin": "https://a.example", "Access-Control-Allow-Credentials": "true",
					"Access-Control-Expose-Headers": "Location, Retry-After, X-Request-Id, Www-Authenticate, Content-Disposition"}},
			{"no flag: a preflight is an unauthenticated OPTIONS", f.api, "OPTIONS", map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}, 401,
				map[string]string{}},
		} {
			req := httptest.NewRequest(tc.method, "/api/v1/indicator/", nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, req)
			got := map[string]string{}
			for k := range rec.Header() {
				if strings.HasPrefix(k, "Access-Control-") {
					got[k] = rec.Header().Get(k)
				}
			}
			if rec.Code != tc.status || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %d %v, want %d %v", tc.name, rec.Code, got, tc.status, tc.want)
			}
		}
	})
}

// TestSplitOrigins: --cors-origins takes origins only.
func TestSplitOrigins(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want []string
		err  string
	}{
		{"", nil, ""},
		{"https://a.example,http://localhost:5173", []string{"https://a.example", "http://localhost:5173"}, ""},
		{" https://a.example , ", []string{"https://a.example"}, ""},
		{"https://a.example/", nil, `--cors-origins: "https://a.example/" is not an origin such as https://a.example or http://localhost:5173`},
		{"a.example", nil, `--cors-origins: "a.example" is not an origin such as https://a.example or http://localhost:5173`},
		{"ftp://a.example", nil, `--cors-origins: "ftp://a.example" is not an origin such as https://a.example or http://localhost:5173`},
	} {
		got, err := splitOrigins(tc.flag)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if msg != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v %q, want %v %q", tc.flag, got, msg, tc.want, tc.err)
		}
	}
}
