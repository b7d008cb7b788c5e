package oauth2cc_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/dialect"
	_ "github.com/tastygo/tastygo/dialect/sqlite" // the SQLite driver: a program imports the drivers it opens
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Protect an API with OAuth 2 client credentials: a token endpoint at /o/token/, the resources
// requiring its bearer tokens, and a Go client getting tokens with golang.org/x/oauth2.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, d, err := dialect.Open(filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := oauth2cc.CreateTables(ctx, db, d); err != nil { // or Schema(d) in a migration of the application's
		log.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE job (jobnumber INTEGER PRIMARY KEY, amount REAL NOT NULL);
		INSERT INTO job VALUES (1, 12.5), (2, 1337)`); err != nil {
		log.Fatal(err)
	}

	// The server secret that client secrets and tokens are hashed with, the same in every process.
	pepper, err := auth.NewPepper([]byte("a secret of at least 32 bytes, from the environment"))
	if err != nil {
		log.Fatal(err)
	}
	srv, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: pepper, Guard: auth.NewGuard(auth.GuardConfig{})})
	if err != nil {
		log.Fatal(err)
	}
	api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d, Authentication: auth.Required{Authentication: srv}},
		modelresource.New(resource.Meta{ResourceName: "job", Table: "job"}))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/o/token/", srv)
	mux.Handle("/api/v1/", api)
	server := httptest.NewServer(mux)
	defer server.Close()

	// Register a client (an application's "createclient" command): its secret is shown once.
	creds, err := srv.CreateClient(ctx, "slurm")
	if err != nil {
		log.Fatal(err)
	}

	// The client side: golang.org/x/oauth2 gets a token, and a new one when it expires.
	cfg := clientcredentials.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, TokenURL: server.URL + "/o/token/"}
	client := cfg.Client(ctx)
	get := func(c *http.Client) {
		resp, err := c.Get(server.URL + "/api/v1/job/2/")
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(body))
	}
	get(client)
	get(http.DefaultClient) // no token

	// Revoked, the client's token fails at its next request.
	if err := srv.RevokeClient(ctx, creds.ClientID); err != nil {
		log.Fatal(err)
	}
	get(client)
	// Output:
	// 200  {"amount": 1337, "jobnumber": 2, "resource_uri": "/api/v1/job/2/"}
	// 401 Bearer realm="tastygo" {"code": "NOT_AUTHENTICATED", "details": {}, "error": "Authentication credentials were not provided.", "success": false}
	// 401 Bearer realm="tastygo" {"code": "NOT_AUTHENTICATED", "details": {}, "error": "The access token is not valid.", "success": false}
}
