package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/tastygo/tastygo/client"
)

// TestCredentials: each credential option puts its Authorization header on every request.
func TestCredentials(t *testing.T) {
	var got atomic.Value
	srv, _ := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		oneNote(w)
	})
	var calls atomic.Int64
	source := tokenSourceFunc(func() (*oauth2.Token, error) {
		calls.Add(1)
		return &oauth2.Token{AccessToken: "tok", TokenType: "Bearer"}, nil
	})
	for _, c := range []struct {
		opt  client.Option
		want string
	}{
		{client.WithAPIKey("ana", "k1"), "ApiKey ana:k1"},
		{client.WithBearer("b1"), "Bearer b1"},
		{client.WithBasic("ana", "pw"), "Basic YW5hOnB3"},
		{client.WithTokenSource(source), "Bearer tok"},
	} {
		cl := client.New(srv.URL+"/api/v1/", c.opt)
		for range 2 {
			if _, err := client.For[note](cl, "note").Get(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			if h := got.Load(); h != c.want {
				t.Errorf("Authorization %q, want %q", h, c.want)
			}
		}
	}
	// The token source's token is reused until it expires.
	if calls.Load() != 1 {
		t.Errorf("the token source was asked %d times", calls.Load())
	}
	// A token source that fails fails the call, before anything is sent.
	var asked atomic.Int64
	failing := tokenSourceFunc(func() (*oauth2.Token, error) { asked.Add(1); return nil, errors.New("no token") })
	if _, err := client.For[note](client.New(srv.URL+"/api/v1/", client.WithTokenSource(failing)), "note").Get(context.Background(), 1); err == nil || asked.Load() != 1 {
		t.Fatalf("a failing token source: %v, asked %d times (its error is not retried)", err, asked.Load())
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }
