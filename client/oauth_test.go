package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/client"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

type job struct {
	Jobnumber int64   `json:"jobnumber,omitzero"`
	Amount    float64 `json:"amount"`
}

// TestTokenSourceAgainstOAuth2CC: WithTokenSource with golang.org/x/oauth2's client credentials
// against a tastygo API protected by auth/oauth2cc, on both backends.
func TestTokenSourceAgainstOAuth2CC(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			ctx := context.Background()
			db, d := testdb.Open(t, backend)
			if err := oauth2cc.CreateTables(ctx, db, d); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`CREATE TABLE job (jobnumber INTEGER PRIMARY KEY, amount REAL NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO job VALUES (1, 12.5), (2, 1337)`); err != nil {
				t.Fatal(err)
			}
			pepper, err := auth.NewPepper([]byte("a secret of at least 32 bytes, for the client's tests"))
			if err != nil {
				t.Fatal(err)
			}
			srv, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: pepper, Guard: auth.NewGuard(auth.GuardConfig{})})
			if err != nil {
				t.Fatal(err)
			}
			api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d, Authentication: auth.Required{Authentication: srv}},
				modelresource.New(resource.Meta{ResourceName: "job", Table: "job", Ordering: []string{resource.EveryField}}))
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/o/token/", srv)
			mux.Handle("/api/v1/", api)
			server := httptest.NewServer(mux)
			defer server.Close()
			creds, err := srv.CreateClient(ctx, "slurm")
			if err != nil {
				t.Fatal(err)
			}
			cfg := clientcredentials.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, TokenURL: server.URL + "/o/token/"}
			c := client.New(server.URL+"/api/v1/", client.WithTokenSource(cfg.TokenSource(ctx)))
			jobs, err := client.For[job](c, "job").OrderBy("-jobnumber").All(ctx)
			if err != nil || len(jobs) != 2 || jobs[0] != (job{2, 1337}) {
				t.Fatalf("jobs: %+v, %v", jobs, err)
			}
			_, err = client.For[job](client.New(server.URL+"/api/v1/"), "job").All(ctx)
			if !errors.Is(err, client.ErrUnauthorized) {
				t.Fatalf("without a token: %v", err)
			}
		})
	}
}
