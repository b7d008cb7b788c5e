package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// A Go program gets tokens with golang.org/x/oauth2/clientcredentials, unchanged, and calls the API
// with them; once its client is revoked, its token stops at the next request.
func TestClientCredentials(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		ctx := context.Background()
		server := httptest.NewServer(s.h)
		defer server.Close()
		creds, err := s.tokens.CreateClient(ctx, "slurm")
		if err != nil {
			t.Fatal(err)
		}
		for _, style := range []struct {
			name  string
			style oauth2.AuthStyle
		}{{"header", oauth2.AuthStyleInHeader}, {"params", oauth2.AuthStyleInParams}} {
			cfg := clientcredentials.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, TokenURL: server.URL + "/o/token/"}
			cfg.AuthStyle = style.style
			tok, err := cfg.Token(ctx)
			if err != nil {
				t.Fatalf("%s: %v", style.name, err)
			}
			if tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.Expiry.IsZero() {
				t.Fatalf("%s: token %+v", style.name, tok)
			}
		}
		cfg := clientcredentials.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, TokenURL: server.URL + "/o/token/"}
		client := cfg.Client(ctx)
		get := func(c *http.Client, path string) (int, string) {
			resp, err := c.Get(server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		if code, body := get(client, "/jobs/2/"); code != 200 || !strings.Contains(body, `"jobnumber": 2`) {
			t.Fatalf("GET /jobs/2/ with the client's token: %d %s", code, body)
		}
		if code, body := get(client, "/"); code != 200 || !strings.Contains(body, server.URL+"/jobs/") {
			t.Fatalf("GET / with the client's token: %d %s", code, body)
		}
		if err := s.tokens.RevokeClient(ctx, creds.ClientID); err != nil {
			t.Fatal(err)
		}
		if code, body := get(client, "/jobs/2/"); code != 401 || !strings.Contains(body, `"NOT_AUTHENTICATED"`) {
			t.Fatalf("GET /jobs/2/ with a revoked client's token: %d %s", code, body)
		}
		if _, err := cfg.Token(ctx); err == nil {
			t.Fatal("a revoked client got a token")
		}
	})
}

// The token endpoint's errors are RFC 6749's.
func TestTokenErrors(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		creds, err := s.tokens.CreateClient(context.Background(), "slurm")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, form string
			user, pass string
			status     int
			want       string
		}{
			{"a wrong secret", "grant_type=client_credentials", creds.ClientID, "wrong", 401, `"invalid_client"`},
			{"no credentials", "grant_type=client_credentials", "", "", 401, `"invalid_client"`},
			{"another grant", "grant_type=password&username=a&password=b", creds.ClientID, creds.ClientSecret, 400, `"unsupported_grant_type"`},
			{"credentials in the body", "grant_type=client_credentials&client_id=" + url.QueryEscape(creds.ClientID) +
				"&client_secret=" + url.QueryEscape(creds.ClientSecret), "", "", 200, `"token_type":"Bearer"`},
		} {
			r := httptest.NewRequest("POST", "/o/token/", bytes.NewBufferString(tc.form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.user != "" {
				r.SetBasicAuth(tc.user, tc.pass)
			}
			w := httptest.NewRecorder()
			s.h.ServeHTTP(w, r)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("%s: %d %s, want %d with %s", tc.name, w.Code, w.Body, tc.status, tc.want)
			}
		}
	})
}
