package oauth2cc_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/internal/testdb"
)

// BenchmarkAuthenticate measures what a bearer token costs each request: one HMAC and one indexed
// read of the token's row joined with its client's.
func BenchmarkAuthenticate(b *testing.B) {
	for _, backend := range testdb.Backends {
		b.Run(string(backend), func(b *testing.B) {
			db, d := testdb.Open(b, backend)
			ctx := context.Background()
			if err := oauth2cc.CreateTables(ctx, db, d); err != nil {
				b.Fatal(err)
			}
			srv, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: testPepper})
			if err != nil {
				b.Fatal(err)
			}
			creds, err := srv.CreateClient(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest("POST", "/o/token/", strings.NewReader("grant_type=client_credentials"))
			r.Header.Set("Content-Type", form)
			r.SetBasicAuth(creds.ClientID, creds.ClientSecret)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r)
			m := tokenRe.FindStringSubmatch(rec.Body.String())
			if m == nil {
				b.Fatalf("token: %d %s", rec.Code, rec.Body)
			}
			req := httptest.NewRequest("GET", "/api/v1/widget/", nil)
			req.Header.Set("Authorization", "Bearer "+m[1])
			b.ResetTimer()
			for b.Loop() {
				if u, err := srv.Authenticate(ctx, req); err != nil || u == nil {
					b.Fatal(u, err)
				}
			}
		})
	}
}
