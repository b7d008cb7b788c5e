package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// browserAccept is what Chromium sends with a navigation.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

// send serves one request on h: headers as name, value pairs.
func send(h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestBrowsableNegotiation: a browser's Accept gets the HTML page; curl's */*, application/json, no
// Accept and format=json get the JSON they always got, byte for byte.
func TestBrowsableNegotiation(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		key := f.as(superName)
		ind := f.scalar(t, `SELECT min(id) FROM indicator`)
		plain := send(f.api, "GET", "/api/v1/indicator/?limit=2", "", "Authorization", key)
		if plain.Code != 200 || plain.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("no Accept: %d %s", plain.Code, plain.Header().Get("Content-Type"))
		}
		for _, accept := range []string{"*/*", "application/json", "application/json, text/html;q=0.9", "text/html;q=0.5, application/json"} {
			rec := send(f.api, "GET", "/api/v1/indicator/?limit=2", "", "Authorization", key, "Accept", accept)
			if rec.Code != 200 || rec.Body.String() != plain.Body.String() || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("Accept %q: %d %s, not the JSON answer", accept, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
		rec := send(f.api, "GET", "/api/v1/indicator/?limit=2&format=json", "", "Authorization", key, "Accept", browserAccept)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("format=json from a browser: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		for _, tc := range []struct {
			path   string
			status int
			has    []string
		}{
			{"/api/v1/", 200, []string{`<h1>API root</h1>`, `<a href="/api/v1/indicator/">/api/v1/indicator/</a>`, `<a href="/api/v1/indicator/schema/">`}},
			{"/api/v1/indicator/?limit=2", 200, []string{`<h1>indicator</h1>`, `id="filter-form"`, `<select name="order_by" id="order_by">`,
				`<a id="next" href="/api/v1/indicator/?limit=2&amp;offset=2">`, fmt.Sprintf(`<a href="/api/v1/indicator/%d/">`, ind),
				`id="create-form" data-action="/api/v1/indicator/" data-method="POST"`, `<span id="user">admin</span>`}},
			{fmt.Sprintf("/api/v1/indicator/%d/", ind), 200, []string{`id="edit-form"`, `data-method="PATCH"`, `id="delete"`,
				`<select id="PATCH-data_format" name="data_format"`}},
			{"/api/v1/indicator/schema/", 200, []string{`&#34;filtering&#34;`}},
			{"/api/v1/indicator/999999/", 404, []string{`<p class="error" id="page-error">`, `OBJECT_DOES_NOT_EXIST`}},
			{"/api/v1/indicator/?nmae=1", 400, []string{`INVALID_FILTER`}},
		} {
			rec := send(f.api, "GET", tc.path, "", "Authorization", key, "Accept", browserAccept)
			body := rec.Body.String()
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || rec.Header().Get("Vary") != "Accept" ||
				rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s: %d %q Vary %q Cache-Control %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Vary"), rec.Header().Get("Cache-Control"))
				continue
			}
			for _, want := range tc.has {
				if !strings.Contains(body, want) {
					t.Errorf("%s: the page lacks %s", tc.path, want)
				}
			}
			nonce := regexp.MustCompile(`script-src 'nonce-([^']+)'`).FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
			if nonce == nil || !strings.Contains(body, `<script nonce="`+nonce[1]+`">`) {
				t.Errorf("%s: CSP %q does not allow the page's script", tc.path, rec.Header().Get("Content-Security-Policy"))
			}
		}
		// A user who may not delete indicators (only superusers may) gets no delete button.
		rec = send(f.api, "GET", fmt.Sprintf("/api/v1/indicator/%d/", ind), "", "Authorization", f.as(plainName), "Accept", browserAccept)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), `id="delete"`) || !strings.Contains(rec.Body.String(), `id="edit-form"`) {
			t.Errorf("plain user's object page: %d, delete button %v", rec.Code, strings.Contains(rec.Body.String(), `id="delete"`))
		}
		// HEAD: the page's headers, no body.
		rec = send(f.api, "HEAD", "/api/v1/indicator/", "", "Authorization", key, "Accept", browserAccept)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || rec.Body.Len() != 0 {
			t.Errorf("HEAD: %d %q %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
		// Without credentials: the page offers the login form, and no Basic challenge hides it; JSON
		// clients get one challenge per line.
		rec = send(f.api, "GET", "/api/v1/indicator/", "", "Accept", browserAccept)
		if rec.Code != 401 || len(rec.Header().Values("WWW-Authenticate")) != 0 ||
			!strings.Contains(rec.Body.String(), `<a href="/api/v1/login/?next=%2Fapi%2Fv1%2Findicator%2F">Log in</a>`) {
			t.Errorf("anonymous page: %d %q", rec.Code, rec.Header().Values("WWW-Authenticate"))
		}
		rec = send(f.api, "GET", "/api/v1/indicator/", "", "Accept", "*/*")
		if got := rec.Header().Values("WWW-Authenticate"); rec.Code != 401 || strings.Join(got, "|") != `ApiKey realm="tastygo"|Bearer realm="tastygo"|Basic realm="tastygo"` {
			t.Errorf("anonymous JSON: %d %q", rec.Code, got)
		}
	})
}

// TestBrowsableEscaping: data holding markup is shown as text on the page, never run.
func TestBrowsableEscaping(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		key := f.as(superName)
		rec := send(f.api, "POST", "/api/v1/indicator/", `{"short_name": "xss", "name": "<script>alert(1)</script>", "description": "\"><img src=x onerror=alert(2)>", "data_format": "int"}`,
			"Authorization", key, "Content-Type", "application/json")
		if rec.Code != 201 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		id := f.scalar(t, `SELECT id FROM indicator WHERE short_name = 'xss'`)
		rec = send(f.api, "GET", fmt.Sprintf("/api/v1/indicator/%d/", id), "", "Authorization", key, "Accept", browserAccept)
		body := rec.Body.String()
		if rec.Code != 200 || strings.Count(strings.ToLower(body), "<script") != 1 || strings.Contains(body, "<img") {
			t.Fatalf("the page runs the data: %d, %d script tags, img %v", rec.Code, strings.Count(strings.ToLower(body), "<script"), strings.Contains(body, "<img"))
		}
		for _, want := range []string{`&lt;script&gt;alert(1)&lt;/script&gt;`, `&lt;img src=x onerror=alert(2)&gt;`,
			`value="&lt;script&gt;alert(1)&lt;/script&gt;"`, `value="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
}

// sessionCookie logs in through the login form and returns the session cookie.
func sessionCookie(t *testing.T, h http.Handler, username, password string) *http.Cookie {
	t.Helper()
	rec := send(h, "POST", "/api/v1/login/", url.Values{"username": {username}, "password": {password}, "next": {"/api/v1/indicator/"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	cookies := rec.Result().Cookies()
	if rec.Code != 303 || len(cookies) != 1 {
		t.Fatalf("login: %d %q", rec.Code, rec.Header().Values("Set-Cookie"))
	}
	return cookies[0]
}

// csrfOf reads the CSRF token a page gives the session.
func csrfOf(t *testing.T, h http.Handler, c *http.Cookie) string {
	t.Helper()
	rec := send(h, "GET", "/api/v1/", "", "Cookie", c.String(), "Accept", browserAccept)
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(rec.Body.String())
	if rec.Code != 200 || m == nil {
		t.Fatalf("no CSRF token on the page: %d", rec.Code)
	}
	return m[1]
}

// TestSessionLogin: the login form starts a server-side session (hashed token, HttpOnly SameSite
// cookie), a wrong password or a post from another origin does not; expiry and logout end it.
func TestSessionLogin(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		form := func(v url.Values, headers ...string) *httptest.ResponseRecorder {
			return send(f.api, "POST", "/api/v1/login/", v.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
		}
		rec := send(f.api, "GET", "/api/v1/login/?next=/api/v1/location/", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<input type="hidden" name="next" value="/api/v1/location/">`) {
			t.Fatalf("login page: %d", rec.Code)
		}
		for _, tc := range []struct {
			name    string
			v       url.Values
			headers []string
			status  int
			has     string
		}{
			{"wrong password", url.Values{"username": {superName}, "password": {"nope"}}, nil, 401, `<p class="error" id="login-error">Unknown username or wrong password.</p>`},
			{"unknown user", url.Values{"username": {"nobody"}, "password": {"x"}}, nil, 401, "Unknown username or wrong password."},
			{"another origin", url.Values{"username": {superName}, "password": {"pw-" + superName}}, []string{"Origin", "https://evil.example"}, 403, "FORBIDDEN"},
		} {
			rec := form(tc.v, tc.headers...)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.has) || len(rec.Result().Cookies()) != 0 {
				t.Errorf("%s: %d %q %.300s", tc.name, rec.Code, rec.Header().Values("Set-Cookie"), rec.Body)
			}
		}
		if n := f.scalar(t, `SELECT count(*) FROM app_session`); n != 0 {
			t.Fatalf("%d sessions after refused logins", n)
		}
		for next, want := range map[string]string{"/api/v1/location/?limit=1": "/api/v1/location/?limit=1", "//evil.example/api/v1/": "/api/v1/", "https://evil.example/": "/api/v1/"} {
			rec := form(url.Values{"username": {superName}, "password": {"pw-" + superName}, "next": {next}}, "Origin", "http://example.com")
			if rec.Code != 303 || rec.Header().Get("Location") != want {
				t.Errorf("next %q: %d Location %q, want %q", next, rec.Code, rec.Header().Get("Location"), want)
			}
		}
		start := time.Now()
		rec = form(url.Values{"username": {superName}, "password": {"pw-" + superName}})
		set := rec.Header().Get("Set-Cookie")
		c := rec.Result().Cookies()[0]
		if rec.Code != 303 || !regexp.MustCompile(`^tastygo_session=[A-Za-z0-9_-]{43}; Path=/api/v1/; Expires=[^;]+; HttpOnly; SameSite=Lax$`).MatchString(set) {
			t.Fatalf("login: %d Set-Cookie %q", rec.Code, set)
		}
		sum := sha256.Sum256([]byte(c.Value))
		var userID int64
		var expires any
		if err := db.QueryRow(d.Rebind(`SELECT user_id, expires_at FROM app_session WHERE token_hash = ?`), hex.EncodeToString(sum[:])).Scan(&userID, &expires); err != nil || userID != f.ids[superName] {
			t.Fatalf("the session row (by the token's hash): user %d, %v", userID, err)
		}
		if n := f.scalar(t, `SELECT count(*) FROM app_session WHERE token_hash = ?`, c.Value); n != 0 {
			t.Fatal("the token is stored in clear")
		}
		if until := c.Expires.Sub(start); until < 12*time.Hour-time.Minute || until > 12*time.Hour+time.Minute {
			t.Errorf("the cookie expires in %v, want 12h", until)
		}
		rec = send(f.api, "GET", "/api/v1/indicator/?limit=1", "", "Cookie", c.String())
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("a read with the session: %d", rec.Code)
		}

		// Expiry: an expired session is refused and deleted.
		if _, err := db.Exec(d.Rebind(`UPDATE app_session SET expires_at = ? WHERE token_hash = ?`),
			time.Now().Add(-time.Second).UTC().Format("2006-01-02T15:04:05.000000Z"), hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
		rec = send(f.api, "GET", "/api/v1/indicator/?limit=1", "", "Cookie", c.String())
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), "The session has ended (logged out or expired); log in again.") {
			t.Fatalf("an expired session: %d %s", rec.Code, rec.Body)
		}
		if n := f.scalar(t, `SELECT count(*) FROM app_session WHERE token_hash = ?`, hex.EncodeToString(sum[:])); n != 0 {
			t.Fatal("the expired session's row is still there")
		}

		// Logout needs the session's CSRF token, deletes the row and clears the cookie.
		c = sessionCookie(t, f.api, superName, "pw-"+superName)
		sum = sha256.Sum256([]byte(c.Value))
		live := func() int64 {
			return f.scalar(t, `SELECT count(*) FROM app_session WHERE token_hash = ?`, hex.EncodeToString(sum[:]))
		}
		token := csrfOf(t, f.api, c)
		logout := func(csrf string) *httptest.ResponseRecorder {
			return send(f.api, "POST", "/api/v1/logout/", url.Values{"csrf_token": {csrf}}.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Cookie", c.String())
		}
		if rec := logout("forged"); rec.Code != 403 || live() != 1 {
			t.Fatalf("logout with a forged token: %d", rec.Code)
		}
		rec = logout(token)
		if rec.Code != 303 || rec.Header().Get("Location") != "/api/v1/login/" || !strings.Contains(rec.Header().Get("Set-Cookie"), "tastygo_session=; Path=/api/v1/;") ||
			!strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("logout: %d %q %q", rec.Code, rec.Header().Get("Location"), rec.Header().Get("Set-Cookie"))
		}
		if n := live(); n != 0 {
			t.Fatalf("the session's row is still there after logout")
		}
		if rec := send(f.api, "GET", "/api/v1/indicator/", "", "Cookie", c.String()); rec.Code != 401 {
			t.Fatalf("the cookie after logout: %d", rec.Code)
		}
		if rec := send(f.api, "GET", "/api/v1/logout/", ""); rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
			t.Errorf("GET logout: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
		}
	})
}

// TestSessionCSRF: a write with a session cookie needs the session's CSRF token in X-CSRFToken (403
// without it, nothing written); a write with a key needs none, even with a cookie beside it.
func TestSessionCSRF(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		c := sessionCookie(t, f.api, superName, "pw-"+superName)
		token := csrfOf(t, f.api, c)
		other := csrfOf(t, f.api, sessionCookie(t, f.api, superName, "pw-"+superName))
		if other == token {
			t.Fatal("two sessions share a CSRF token")
		}
		n := 0
		create := func(headers ...string) *httptest.ResponseRecorder {
			n++
			body := fmt.Sprintf(`{"short_name": "csrf_%d", "name": "n", "data_format": "int"}`, n)
			return send(f.api, "POST", "/api/v1/indicator/", body, append([]string{"Content-Type", "application/json"}, headers...)...)
		}
		count := func() int64 { return f.scalar(t, `SELECT count(*) FROM indicator WHERE short_name LIKE 'csrf_%'`) }
		for _, tc := range []struct {
			name    string
			headers []string
			status  int
		}{
			{"session without a token", []string{"Cookie", c.String()}, 403},
			{"session with a forged token", []string{"Cookie", c.String(), "X-CSRFToken", "forged"}, 403},
			{"session with another session's token", []string{"Cookie", c.String(), "X-CSRFToken", other}, 403},
			{"session with its token", []string{"Cookie", c.String(), "X-CSRFToken", token}, 201},
			{"a key, no token", []string{"Authorization", f.as(superName)}, 201},
			{"a key and a cookie, no token", []string{"Authorization", f.as(superName), "Cookie", c.String()}, 201},
			{"Basic, no token", []string{"Authorization", basic(superName, "pw-"+superName)}, 201},
		} {
			before := count()
			rec := create(tc.headers...)
			var body map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			written := count() - before
			if rec.Code != tc.status || (tc.status == 403 && (written != 0 || body["code"] != "FORBIDDEN" || !strings.HasPrefix(body["error"].(string), "CSRF check failed"))) ||
				(tc.status == 201 && written != 1) {
				t.Errorf("%s: %d, %d written: %s", tc.name, rec.Code, written, rec.Body)
			}
		}
		id := f.scalar(t, `SELECT max(id) FROM indicator WHERE short_name LIKE 'csrf_%'`)
		path := fmt.Sprintf("/api/v1/indicator/%d/", id)
		if rec := send(f.api, "PATCH", path, `{"name": "changed"}`, "Content-Type", "application/json", "Cookie", c.String()); rec.Code != 403 {
			t.Errorf("PATCH without a token: %d", rec.Code)
		}
		if rec := send(f.api, "DELETE", path, "", "Cookie", c.String()); rec.Code != 403 || f.scalar(t, `SELECT count(*) FROM indicator WHERE id = `+fmt.Sprint(id)) != 1 {
			t.Errorf("DELETE without a token: %d", rec.Code)
		}
		if rec := send(f.api, "POST", path, "", "Cookie", c.String(), "X-HTTP-Method-Override", "DELETE"); rec.Code != 403 {
			t.Errorf("POST overridden to DELETE without a token: %d", rec.Code)
		}
		if rec := send(f.api, "DELETE", path, "", "Cookie", c.String(), "X-CSRFToken", token); rec.Code != 204 || f.scalar(t, `SELECT count(*) FROM indicator WHERE id = `+fmt.Sprint(id)) != 0 {
			t.Errorf("DELETE with the token: %d", rec.Code)
		}
	})
}
