package oauth2cc

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseTokenRequest sends any method, content type, Authorization header and body through the
// token endpoint's parsing: it never panics, every refusal is one of the answers the endpoint
// documents, and a request it accepts asks for the client credentials grant with both credentials,
// from exactly one place.
func FuzzParseTokenRequest(f *testing.F) {
	const good = "grant_type=client_credentials"
	basicOf := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	}
	for _, s := range []struct{ method, ctype, authz, body string }{
		{"POST", "application/x-www-form-urlencoded", basicOf("abc", "tgcs_x"), good},
		{"POST", "application/x-www-form-urlencoded; charset=utf-8", "", good + "&client_id=a&client_secret=b"},
		{"POST", "application/x-www-form-urlencoded", basicOf("a", "b"), good + "&client_id=a"},
		{"POST", "application/x-www-form-urlencoded", "", good + "&" + good},
		{"POST", "application/x-www-form-urlencoded", "", "grant_type=password"},
		{"POST", "application/x-www-form-urlencoded", "Basic %%%", good},
		{"POST", "application/x-www-form-urlencoded", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:%zz")), good},
		{"POST", "application/x-www-form-urlencoded", "Bearer x", good},
		{"POST", "application/x-www-form-urlencoded", "", "grant_type=%zz;a=b"},
		{"POST", "text/plain", "", good},
		{"POST", "", "", ""},
		{"GET", "", "", ""},
		{"POST", "application/x-www-form-urlencoded", "", strings.Repeat("a=b&", 1100)},
	} {
		f.Add(s.method, s.ctype, s.authz, s.body)
	}
	allowed := map[[2]any]bool{
		{http.StatusMethodNotAllowed, ErrInvalidRequest}: true,
		{http.StatusBadRequest, ErrInvalidRequest}:       true,
		{http.StatusBadRequest, ErrUnsupportedGrantType}: true,
		{http.StatusUnauthorized, ErrInvalidClient}:      true,
	}
	f.Fuzz(func(t *testing.T, method, ctype, authz, body string) {
		r := httptest.NewRequest(http.MethodPost, "/o/token/", strings.NewReader(body))
		r.Method = method
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", authz)
		tr, oe := parseTokenRequest(r)
		if oe != nil {
			if !allowed[[2]any{oe.status, oe.code}] || oe.description == "" {
				t.Fatalf("refusal %d %s %q", oe.status, oe.code, oe.description)
			}
			return
		}
		if method != http.MethodPost || len(body) > MaxTokenRequestBytes || tr.grantType != GrantType || tr.clientID == "" || tr.clientSecret == "" {
			t.Fatalf("accepted %q with %d bytes: %+v", method, len(body), tr)
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("accepted a body url.ParseQuery refuses: %v", err)
		}
		inBody := form.Get("client_id") != "" || form.Get("client_secret") != ""
		if strings.TrimSpace(authz) != "" && inBody {
			t.Fatalf("accepted credentials in the header and in the body")
		}
		if inBody && (tr.clientID != form.Get("client_id") || tr.clientSecret != form.Get("client_secret")) {
			t.Fatalf("body credentials %+v, want %v", tr, form)
		}
	})
}

// FuzzBasicCredentials: any client_id and client_secret, encoded as RFC 6749 §2.3.1 says (and as
// golang.org/x/oauth2 does), read back unchanged.
func FuzzBasicCredentials(f *testing.F) {
	f.Add("abc", "tgcs_x")
	f.Add("a:b", "c d+e%")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, id, secret string) {
		header := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
		gotID, gotSecret, oe := basicCredentials(header)
		if oe != nil || gotID != id || gotSecret != secret {
			t.Fatalf("basicCredentials = %q, %q, %v; want %q, %q", gotID, gotSecret, oe, id, secret)
		}
	})
}
