package oauth2cc_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/oauth2cc"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

var testPepper = func() auth.Pepper {
	p, err := auth.NewPepper([]byte("oauth2cc test pepper, 32 bytes or more"))
	if err != nil {
		panic(err)
	}
	return p
}()

// start is the tests' clock's first reading.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// env is a token endpoint at /o/token/ and a small resource API, a widget table, at /api/v1/,
// requiring its tokens, served over HTTP.
type env struct {
	db    *sql.DB
	d     dialect.Dialect
	srv   *oauth2cc.Server
	clock *clock
	http  *httptest.Server
	// creds is a registered client's.
	creds oauth2cc.Credentials
}

func newEnv(t *testing.T, db *sql.DB, d dialect.Dialect, cfg oauth2cc.Config) *env {
	t.Helper()
	ctx := context.Background()
	if err := oauth2cc.CreateTables(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE widget (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO widget (id, name) VALUES (1, 'sprocket'), (2, 'gear')`); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, d: d, clock: &clock{t: start}}
	cfg.DB, cfg.Dialect, cfg.Pepper, cfg.Now = db, d, testPepper, e.clock.Now
	var err error
	if e.srv, err = oauth2cc.New(cfg); err != nil {
		t.Fatal(err)
	}
	api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d, Authentication: auth.Required{Authentication: e.srv}},
		modelresource.New(resource.Meta{ResourceName: "widget", Table: "widget", Ordering: []string{"id"}}))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/o/token/", e.srv)
	mux.Handle("/api/v1/", api)
	e.http = httptest.NewServer(mux)
	t.Cleanup(e.http.Close)
	if e.creds, err = e.srv.CreateClient(ctx, "slurm"); err != nil {
		t.Fatal(err)
	}
	return e
}

// answer is an HTTP answer's status, the headers tests look at, and body.
type answer struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(t *testing.T, method, path, contentType, authorization, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

const form = "application/x-www-form-urlencoded"

func (e *env) token(t *testing.T, authorization, body string) answer {
	t.Helper()
	return e.do(t, http.MethodPost, "/o/token/", form, authorization, body)
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(e.d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var tokenRe = regexp.MustCompile(`^\{"access_token":"(tgat_[0-9a-f]{24}_[a-z2-7]{52})","token_type":"Bearer","expires_in":3600\}$`)

// issued checks a successful token answer and returns its token.
func issued(t *testing.T, a answer) string {
	t.Helper()
	m := tokenRe.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		t.Fatalf("token answer = %d %s; want 200 and a token", a.status, a.body)
	}
	checkNoStore(t, a)
	return m[1]
}

func checkNoStore(t *testing.T, a answer) {
	t.Helper()
	if a.header.Get("Cache-Control") != "no-store" || a.header.Get("Pragma") != "no-cache" || a.header.Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Errorf("headers Cache-Control %q, Pragma %q, Content-Type %q; want no-store, no-cache, application/json;charset=UTF-8",
			a.header.Get("Cache-Control"), a.header.Get("Pragma"), a.header.Get("Content-Type"))
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		e := newEnv(t, db, d, oauth2cc.Config{})
		ctx := context.Background()
		revoked, err := e.srv.CreateClient(ctx, "old")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.srv.RevokeClient(ctx, revoked.ClientID); err != nil {
			t.Fatal(err)
		}
		id, secret := e.creds.ClientID, e.creds.ClientSecret
		good := "grant_type=client_credentials"
		inBody := good + "&client_id=" + id + "&client_secret=" + secret
		const challenge = `Basic realm="tastygo"`
		tests := []struct {
			name                             string
			method, path, ctype, authz, body string
			status                           int
			error, description               string
			header, headerValue              string
		}{
			{name: "GET", method: "GET", path: "/o/token/", authz: basic(id, secret), status: 405, error: "invalid_request",
				description: "The token endpoint accepts POST only.", header: "Allow", headerValue: "POST"},
			{name: "PUT", method: "PUT", path: "/o/token/", ctype: form, authz: basic(id, secret), body: good, status: 405, error: "invalid_request",
				description: "The token endpoint accepts POST only.", header: "Allow", headerValue: "POST"},
			{name: "parameters in the URL", path: "/o/token/?client_secret=" + secret, ctype: form, authz: basic(id, secret), body: good,
				status: 400, error: "invalid_request", description: "Parameters go in the request body, never in the URL."},
			{name: "JSON body", ctype: "application/json", authz: basic(id, secret), body: `{"grant_type":"client_credentials"}`,
				status: 400, error: "invalid_request", description: "The request body must be application/x-www-form-urlencoded."},
			{name: "no content type", authz: basic(id, secret), body: good,
				status: 400, error: "invalid_request", description: "The request body must be application/x-www-form-urlencoded."},
			{name: "body too long", ctype: form, authz: basic(id, secret), body: good + "&pad=" + strings.Repeat("x", 4096),
				status: 400, error: "invalid_request", description: "The request body is longer than 4096 bytes."},
			{name: "not a form", ctype: form, authz: basic(id, secret), body: "grant_type=%zz",
				status: 400, error: "invalid_request", description: "The request body is not a valid form."},
			{name: "grant_type repeated", ctype: form, authz: basic(id, secret), body: good + "&" + good,
				status: 400, error: "invalid_request", description: "The grant_type parameter is repeated."},
			{name: "client_secret repeated", ctype: form, body: inBody + "&client_secret=" + secret,
				status: 400, error: "invalid_request", description: "The client_secret parameter is repeated."},
			{name: "client_id repeated, once empty", ctype: form, body: inBody + "&client_id=",
				status: 400, error: "invalid_request", description: "The client_id parameter is repeated."},
			{name: "Basic and body credentials", ctype: form, authz: basic(id, secret), body: inBody,
				status: 400, error: "invalid_request", description: "The request carries client credentials both in the Authorization header and in the body: use one."},
			{name: "Basic and a body client_id", ctype: form, authz: basic(id, secret), body: good + "&client_id=" + id,
				status: 400, error: "invalid_request", description: "The request carries client credentials both in the Authorization header and in the body: use one."},
			{name: "grant_type missing", ctype: form, authz: basic(id, secret), body: "scope=",
				status: 400, error: "invalid_request", description: "The grant_type parameter is missing."},
			{name: "grant_type empty", ctype: form, authz: basic(id, secret), body: "grant_type=",
				status: 400, error: "invalid_request", description: "The grant_type parameter is missing."},
			{name: "password grant", ctype: form, authz: basic(id, secret), body: "grant_type=password&username=a&password=b",
				status: 400, error: "unsupported_grant_type", description: "The only grant type of this server is client_credentials."},
			{name: "grant_type in another case", ctype: form, authz: basic(id, secret), body: "grant_type=Client_Credentials",
				status: 400, error: "unsupported_grant_type", description: "The only grant type of this server is client_credentials."},
			{name: "no client authentication", ctype: form, body: good, status: 401, error: "invalid_client",
				description: "Client authentication is required: HTTP Basic, or client_id and client_secret in the body.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "client_id without secret", ctype: form, body: good + "&client_id=" + id, status: 401, error: "invalid_client",
				description: "Client authentication is required: HTTP Basic, or client_id and client_secret in the body.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "Basic with an empty secret", ctype: form, authz: basic(id, ""), body: good, status: 401, error: "invalid_client",
				description: "Client authentication is required: HTTP Basic, or client_id and client_secret in the body.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "Basic not base64", ctype: form, authz: "Basic !!!", body: good, status: 401, error: "invalid_client",
				description: "Malformed Basic credentials: they are not base64.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "Basic without colon", ctype: form, authz: "Basic " + base64.StdEncoding.EncodeToString([]byte(id)), body: good, status: 401, error: "invalid_client",
				description: "Malformed Basic credentials: use base64 of <client_id>:<client_secret>.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "Basic not form-urlencoded", ctype: form, authz: "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":%zz")), body: good, status: 401, error: "invalid_client",
				description: "Malformed Basic credentials: the client_id and client_secret must be form-urlencoded.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "Bearer at the token endpoint", ctype: form, authz: "Bearer " + secret, body: good, status: 401, error: "invalid_client",
				description: "The token endpoint authenticates clients by HTTP Basic, or by client_id and client_secret in the body.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "wrong secret in the body", ctype: form, body: good + "&client_id=" + id + "&client_secret=" + revoked.ClientSecret, status: 401, error: "invalid_client",
				description: "Client authentication failed.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "wrong secret by Basic", ctype: form, authz: basic(id, secret+"x"), body: good, status: 401, error: "invalid_client",
				description: "Client authentication failed.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "unknown client", ctype: form, authz: basic("ffffffffffffffffffffffff", secret), body: good, status: 401, error: "invalid_client",
				description: "Client authentication failed.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "revoked client", ctype: form, authz: basic(revoked.ClientID, revoked.ClientSecret), body: good, status: 401, error: "invalid_client",
				description: "The client has been revoked.", header: "WWW-Authenticate", headerValue: challenge},
			{name: "a scope", ctype: form, authz: basic(id, secret), body: good + "&scope=read",
				status: 400, error: "invalid_scope", description: "This server has no scopes: request a token without one."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				method, path := tt.method, tt.path
				if method == "" {
					method = "POST"
				}
				if path == "" {
					path = "/o/token/"
				}
				a := e.do(t, method, path, tt.ctype, tt.authz, tt.body)
				want := `{"error":"` + tt.error + `","error_description":"` + tt.description + `"}`
				if a.status != tt.status || a.body != want {
					t.Errorf("answer = %d %s\nwant     %d %s", a.status, a.body, tt.status, want)
				}
				checkNoStore(t, a)
				if tt.header != "" && a.header.Get(tt.header) != tt.headerValue {
					t.Errorf("%s = %q, want %q", tt.header, a.header.Get(tt.header), tt.headerValue)
				}
				if tt.header != "WWW-Authenticate" && a.header.Get("WWW-Authenticate") != "" {
					t.Errorf("WWW-Authenticate = %q on a %d", a.header.Get("WWW-Authenticate"), a.status)
				}
			})
		}
		if n := e.count(t, `SELECT COUNT(*) FROM oauth2_token`); n != 0 {
			t.Errorf("%d tokens stored after refused requests, want 0", n)
		}
	})
}

func TestTokenIssued(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		e := newEnv(t, db, d, oauth2cc.Config{})
		id, secret := e.creds.ClientID, e.creds.ClientSecret
		byBasic := issued(t, e.token(t, basic(id, secret), "grant_type=client_credentials"))
		byBody := issued(t, e.token(t, "", "client_secret="+secret+"&grant_type=client_credentials&client_id="+id+"&unknown=ignored&scope="))
		if byBasic == byBody {
			t.Fatal("two requests got the same token")
		}
		// Stored: the token's id and HMAC, never the token; expiring an hour after it was issued.
		for _, tok := range []string{byBasic, byBody} {
			var hash, client string
			var expires any
			err := db.QueryRow(d.Rebind(`SELECT t.token_hash, c.client_id, t.expires_at FROM oauth2_token AS t
				JOIN oauth2_client AS c ON c.id = t.client WHERE t.token_id = ?`), tok[5:29]).Scan(&hash, &client, &expires)
			if err != nil {
				t.Fatal(err)
			}
			if hash != string(testPepper.HashKey(tok)) || client != id {
				t.Errorf("stored token: hash %q, client %q; want %q, %q", hash, client, testPepper.HashKey(tok), id)
			}
			if got := timeOf(t, expires); !got.Equal(start.Add(time.Hour)) {
				t.Errorf("expires_at = %v, want %v", got, start.Add(time.Hour))
			}
		}
		if n := e.count(t, `SELECT COUNT(*) FROM oauth2_token WHERE token_hash LIKE 'tgat_%'`); n != 0 {
			t.Errorf("%d tokens stored in clear", n)
		}
		// The client's secret is stored as its HMAC.
		var secretHash string
		if err := db.QueryRow(d.Rebind(`SELECT secret_hash FROM oauth2_client WHERE client_id = ?`), id).Scan(&secretHash); err != nil {
			t.Fatal(err)
		}
		if secretHash != string(testPepper.HashKey(secret)) {
			t.Errorf("secret_hash = %q, want the secret's HMAC", secretHash)
		}
		for _, tok := range []string{byBasic, byBody} {
			if a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+tok, ""); a.status != 200 ||
				a.body != `{"id": 1, "name": "sprocket", "resource_uri": "/api/v1/widget/1/"}` {
				t.Errorf("GET with the token = %d %s", a.status, a.body)
			}
		}
	})
}

// timeOf reads a timestamp column as either backend gives it.
func timeOf(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		ts, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	t.Fatalf("timestamp of type %T", v)
	return time.Time{}
}

// TestClientCredentialsLibrary gets tokens with golang.org/x/oauth2/clientcredentials, unchanged, and
// calls the API with them.
func TestClientCredentialsLibrary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		e := newEnv(t, db, d, oauth2cc.Config{})
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams, oauth2.AuthStyleAutoDetect} {
			cfg := clientcredentials.Config{ClientID: e.creds.ClientID, ClientSecret: e.creds.ClientSecret,
				TokenURL: e.http.URL + "/o/token/", AuthStyle: style}
			ctx := context.Background()
			tok, err := cfg.Token(ctx)
			if err != nil {
				t.Fatalf("style %d: Token: %v", style, err)
			}
			if tok.TokenType != "Bearer" || !strings.HasPrefix(tok.AccessToken, oauth2cc.TokenPrefix) ||
				!tok.Expiry.After(time.Now().Add(59*time.Minute)) || !tok.Expiry.Before(time.Now().Add(61*time.Minute)) {
				t.Errorf("style %d: token %+v", style, tok)
			}
			resp, err := cfg.Client(ctx).Get(e.http.URL + "/api/v1/widget/?order_by=id")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := `{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 2}, "objects": [` +
				`{"id": 1, "name": "sprocket", "resource_uri": "/api/v1/widget/1/"}, {"id": 2, "name": "gear", "resource_uri": "/api/v1/widget/2/"}]}`
			if resp.StatusCode != 200 || string(body) != want {
				t.Errorf("style %d: GET = %d %s", style, resp.StatusCode, body)
			}
		}
		// The library reports the endpoint's errors as RFC 6749 errors.
		bad := clientcredentials.Config{ClientID: e.creds.ClientID, ClientSecret: "tgcs_wrong", TokenURL: e.http.URL + "/o/token/",
			AuthStyle: oauth2.AuthStyleInHeader}
		_, err := bad.Token(context.Background())
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != 401 ||
			re.ErrorDescription != "Client authentication failed." {
			t.Errorf("wrong secret: %v", err)
		}
		withScope := clientcredentials.Config{ClientID: e.creds.ClientID, ClientSecret: e.creds.ClientSecret, TokenURL: e.http.URL + "/o/token/",
			Scopes: []string{"read"}}
		_, err = withScope.Token(context.Background())
		if !errors.As(err, &re) || re.ErrorCode != "invalid_scope" || re.Response.StatusCode != 400 {
			t.Errorf("with a scope: %v", err)
		}
	})
}

func TestBearerRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		e := newEnv(t, db, d, oauth2cc.Config{})
		tok := issued(t, e.token(t, basic(e.creds.ClientID, e.creds.ClientSecret), "grant_type=client_credentials"))
		refusal := func(msg string) string {
			return `{"code": "NOT_AUTHENTICATED", "details": {}, "error": "` + msg + `", "success": false}`
		}
		otherSecret := tok[:30] + strings.Repeat("a", 52)
		tests := []struct{ name, authz, want string }{
			{"no credentials", "", refusal("Authentication credentials were not provided.")},
			{"empty Bearer", "Bearer ", refusal("Malformed Bearer header: use 'Authorization: Bearer <token>'.")},
			{"not a token", "Bearer abc", refusal("The access token is not valid.")},
			{"a client secret", "Bearer " + e.creds.ClientSecret, refusal("The access token is not valid.")},
			{"token with another secret", "Bearer " + otherSecret, refusal("The access token is not valid.")},
			{"unknown token id", "Bearer tgat_" + strings.Repeat("0", 24) + tok[29:], refusal("The access token is not valid.")},
			{"token in upper case", "Bearer " + strings.ToUpper(tok), refusal("The access token is not valid.")},
		}
		for _, tt := range tests {
			a := e.do(t, "GET", "/api/v1/widget/", "", tt.authz, "")
			if a.status != 401 || a.body != tt.want || a.header.Get("WWW-Authenticate") != `Bearer realm="tastygo"` {
				t.Errorf("%s: %d %s (WWW-Authenticate %q)", tt.name, a.status, a.body, a.header.Get("WWW-Authenticate"))
			}
		}
		if a := e.do(t, "GET", "/api/v1/widget/", "", "bearer   "+tok+" ", ""); a.status != 200 {
			t.Errorf("scheme in lower case, blanks around the token: %d %s", a.status, a.body)
		}
	})
}

func TestTokenExpires(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		e := newEnv(t, db, d, oauth2cc.Config{})
		tok := issued(t, e.token(t, basic(e.creds.ClientID, e.creds.ClientSecret), "grant_type=client_credentials"))
		e.clock.Set(start.Add(time.Hour - time.Microsecond))
		if a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+tok, ""); a.status != 200 {
			t.Errorf("just before expiry: %d %s", a.status, a.body)
		}
		e.clock.Set(start.Add(time.Hour))
		a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+tok, "")
		want := `{"code": "NOT_AUTHENTICATED", "details": {}, "error": "The access token has expired: get a new one.", "success": false}`
		if a.status != 401 || a.body != want {
			t.Errorf("at expiry: %d %s", a.status, a.body)
		}
		// A new token works; purging deletes the expired one only.
		fresh := issued(t, e.token(t, basic(e.creds.ClientID, e.creds.ClientSecret), "grant_type=client_credentials"))
		n, err := e.srv.PurgeExpiredTokens(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("PurgeExpiredTokens = %d, %v; want 1", n, err)
		}
		if got := e.count(t, `SELECT COUNT(*) FROM oauth2_token WHERE token_id = ?`, fresh[5:29]); got != 1 {
			t.Errorf("the fresh token was purged")
		}
		if got := e.count(t, `SELECT COUNT(*) FROM oauth2_token`); got != 1 {
			t.Errorf("%d tokens after the purge, want 1", got)
		}
		if a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+fresh, ""); a.status != 200 {
			t.Errorf("fresh token: %d %s", a.status, a.body)
		}
		if a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+tok, ""); a.status != 401 ||
			a.body != `{"code": "NOT_AUTHENTICATED", "details": {}, "error": "The access token is not valid.", "success": false}` {
			t.Errorf("purged token: %d %s", a.status, a.body)
		}
	})
}

func TestRevokeClient(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		e := newEnv(t, db, d, oauth2cc.Config{})
		ctx := context.Background()
		other, err := e.srv.CreateClient(ctx, "slurm") // the same name: rotating credentials
		if err != nil {
			t.Fatal(err)
		}
		tok := issued(t, e.token(t, basic(e.creds.ClientID, e.creds.ClientSecret), "grant_type=client_credentials"))
		otherTok := issued(t, e.token(t, basic(other.ClientID, other.ClientSecret), "grant_type=client_credentials"))
		if a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+tok, ""); a.status != 200 {
			t.Fatalf("before revocation: %d %s", a.status, a.body)
		}
		if err := e.srv.RevokeClient(ctx, e.creds.ClientID); err != nil {
			t.Fatal(err)
		}
		a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+tok, "")
		if a.status != 401 || a.body != `{"code": "NOT_AUTHENTICATED", "details": {}, "error": "The access token is not valid.", "success": false}` {
			t.Errorf("at the next request: %d %s", a.status, a.body)
		}
		if a := e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+otherTok, ""); a.status != 200 {
			t.Errorf("the other client's token: %d %s", a.status, a.body)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM oauth2_token AS t JOIN oauth2_client AS c ON c.id = t.client WHERE c.client_id = ?`, e.creds.ClientID); n != 0 {
			t.Errorf("%d tokens of the revoked client left", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM oauth2_client WHERE client_id = ? AND revoked_at IS NOT NULL`, e.creds.ClientID); n != 1 {
			t.Errorf("revoked_at not set")
		}
		if err := e.srv.RevokeClient(ctx, e.creds.ClientID); err != nil {
			t.Errorf("revoking again: %v", err)
		}
		if err := e.srv.RevokeClient(ctx, "nobody"); !errors.Is(err, oauth2cc.ErrUnknownClient) {
			t.Errorf("revoking an unknown client: %v", err)
		}
		// A token that outlived its client's revocation (issued by another process while it was being
		// revoked) fails all the same.
		if _, err := db.Exec(d.Rebind(`UPDATE oauth2_client SET revoked_at = created_at WHERE client_id = ?`), other.ClientID); err != nil {
			t.Fatal(err)
		}
		a = e.do(t, "GET", "/api/v1/widget/1/", "", "Bearer "+otherTok, "")
		if a.status != 401 || a.body != `{"code": "NOT_AUTHENTICATED", "details": {}, "error": "The access token's client has been revoked.", "success": false}` {
			t.Errorf("token of a client revoked in the table: %d %s", a.status, a.body)
		}
	})
}

func TestGuardLimitsFailedClientAuthentication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		guard := auth.NewGuard(auth.GuardConfig{FailuresPerAddress: 2, Window: time.Hour, Now: func() time.Time { return start }})
		e := newEnv(t, db, d, oauth2cc.Config{Guard: guard})
		id, secret := e.creds.ClientID, e.creds.ClientSecret
		// Successes use nothing up.
		for range 3 {
			issued(t, e.token(t, basic(id, secret), "grant_type=client_credentials"))
		}
		for range 2 {
			if a := e.token(t, basic(id, secret+"x"), "grant_type=client_credentials"); a.status != 401 {
				t.Fatalf("wrong secret: %d %s", a.status, a.body)
			}
		}
		for _, authz := range []string{basic(id, secret+"x"), basic(id, secret)} {
			a := e.token(t, authz, "grant_type=client_credentials")
			want := `{"error":"temporarily_unavailable","error_description":"Too many failed logins from your address: retry in 1800 seconds."}`
			if a.status != 429 || a.body != want || a.header.Get("Retry-After") != "1800" {
				t.Errorf("past the limit: %d %s (Retry-After %q)", a.status, a.body, a.header.Get("Retry-After"))
			}
			checkNoStore(t, a)
		}
	})
}

// TestUserData: Config.User attaches the application's data to the user, and its refusal is answered.
func TestUserData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		type profile struct{ Quota int }
		var seen oauth2cc.Client
		e := newEnv(t, db, d, oauth2cc.Config{User: func(_ context.Context, c oauth2cc.Client) (*resource.User, error) {
			seen = c
			if c.Name == "blocked" {
				return nil, apierror.New(apierror.Forbidden, "This client is blocked.")
			}
			return &resource.User{ID: c.RowID, Username: "client:" + c.Name, Data: profile{Quota: 7}}, nil
		}})
		tok := issued(t, e.token(t, basic(e.creds.ClientID, e.creds.ClientSecret), "grant_type=client_credentials"))
		r := httptest.NewRequest("GET", "/api/v1/widget/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		u, err := e.srv.Authenticate(context.Background(), r)
		if err != nil || u.Username != "client:slurm" || u.Data != (profile{Quota: 7}) {
			t.Fatalf("Authenticate = %+v, %v", u, err)
		}
		if seen.ID != e.creds.ClientID || seen.Name != "slurm" || seen.RowID != u.ID || !seen.CreatedAt.Equal(start) {
			t.Errorf("Config.User saw %+v", seen)
		}
		blocked, err := e.srv.CreateClient(context.Background(), "blocked")
		if err != nil {
			t.Fatal(err)
		}
		btok := issued(t, e.token(t, basic(blocked.ClientID, blocked.ClientSecret), "grant_type=client_credentials"))
		a := e.do(t, "GET", "/api/v1/widget/", "", "Bearer "+btok, "")
		if a.status != 403 || a.body != `{"code": "FORBIDDEN", "details": {}, "error": "This client is blocked.", "success": false}` {
			t.Errorf("blocked client: %d %s", a.status, a.body)
		}
		// Without Config.User, the client is the user.
		plain, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: testPepper, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		u, err = plain.Authenticate(context.Background(), r)
		if err != nil || u.Username != "slurm" || u.Superuser || u.Data.(oauth2cc.Client).ID != e.creds.ClientID {
			t.Errorf("DefaultUser: %+v, %v", u, err)
		}
		// Another scheme is left to the next authentication.
		r.Header.Set("Authorization", "ApiKey alice:tg_x")
		if u, err := plain.Authenticate(context.Background(), r); u != nil || err != nil {
			t.Errorf("ApiKey header: %v, %v", u, err)
		}
	})
}

func TestSchemaAndConfig(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		for range 2 { // idempotent
			if err := oauth2cc.CreateTables(ctx, db, d); err != nil {
				t.Fatal(err)
			}
		}
		srv, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: testPepper, TokenLifetime: 90 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := srv.CreateClient(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(creds.ClientID) || !regexp.MustCompile(`^tgcs_[a-z2-7]{52}$`).MatchString(creds.ClientSecret) {
			t.Errorf("credentials %+v", creds)
		}
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/o/token/", strings.NewReader("grant_type=client_credentials"))
		r.Header.Set("Content-Type", form)
		r.SetBasicAuth(creds.ClientID, creds.ClientSecret)
		srv.ServeHTTP(rec, r)
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 || got["expires_in"] != 90.0 {
			t.Errorf("TokenLifetime 90s: %d %s", rec.Code, rec.Body)
		}
		for _, name := range []string{"", strings.Repeat("n", oauth2cc.MaxClientNameLen+1)} {
			if _, err := srv.CreateClient(ctx, name); err == nil {
				t.Errorf("CreateClient(%d bytes) succeeded", len(name))
			}
		}
		bad := []oauth2cc.Config{
			{Dialect: d, Pepper: testPepper},
			{DB: db, Pepper: testPepper},
			{DB: db, Dialect: d},
			{DB: db, Dialect: d, Pepper: testPepper, TokenLifetime: -time.Second},
		}
		for i, cfg := range bad {
			if _, err := oauth2cc.New(cfg); err == nil {
				t.Errorf("config %d: New succeeded", i)
			}
		}
	})
}

// TestTokenEndpointServerErrors: a database that cannot be reached is 503 temporarily_unavailable with
// Retry-After; another failure is 500 server_error, logged. Neither tells the client more.
func TestTokenEndpointServerErrors(t *testing.T) {
	request := func() *http.Request {
		r := httptest.NewRequest("POST", "/o/token/", strings.NewReader("grant_type=client_credentials"))
		r.Header.Set("Content-Type", form)
		r.SetBasicAuth("0123456789abcdef01234567", "tgcs_x")
		return r
	}
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))

	down, d, err := dialect.Open("postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	srv, err := oauth2cc.New(oauth2cc.Config{DB: down, Dialect: d, Pepper: testPepper, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, request())
	want := `{"error":"temporarily_unavailable","error_description":"The server cannot issue tokens now: retry in a few seconds."}`
	if rec.Code != 503 || rec.Body.String() != want || rec.Header().Get("Retry-After") != "5" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("database down: %d %s (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}

	db, d := testdb.Open(t, dialect.SQLite) // no tables
	if srv, err = oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: testPepper, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, request())
	if rec.Code != 500 || rec.Body.String() != `{"error":"server_error","error_description":"The server could not issue a token."}` {
		t.Errorf("no tables: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logged.String(), "oauth2cc: token endpoint failed") || !strings.Contains(logged.String(), "oauth2_client") {
		t.Errorf("log: %s", logged.String())
	}
}
