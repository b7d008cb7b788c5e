package resource

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// maxLoginForm bounds the body of a login or logout form.
const maxLoginForm = 16 << 10

// serveLogin serves <prefix>login/: GET shows the form; POST checks the username and password
// through Config.Sessions and, when they are right, starts the session and redirects (303) to the
// form's next (a path under the prefix) or to the prefix. A wrong password shows the form again with
// a 401; too many, a 429. A POST whose Origin header names another origin is refused (403), so that no
// other site can log a browser in.
func (a *API) serveLogin(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
	p := &page{Prefix: a.prefix, Title: "Log in", Crumbs: a.crumbs(r.URL.Path), NextPath: a.safeNext(r.URL.Query().Get("next"))}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		a.renderLogin(w, r, http.StatusOK, p)
		return nil, errAnswered
	case http.MethodPost:
	default:
		return nil, apierror.New(apierror.MethodNotAllowed, "%s is not allowed on the login page. Allowed: GET, POST.", r.Method).
			With("allowed", []string{http.MethodGet, http.MethodPost})
	}
	if err := sameOrigin(r); err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return nil, apierror.New(apierror.MalformedBody, "The login form could not be read.")
	}
	p.NextPath = a.safeNext(r.PostForm.Get("next"))
	if _, err := a.sessions.Login(ctx, w, r, r.PostForm.Get("username"), r.PostForm.Get("password")); err != nil {
		e := apierror.As(err)
		if e == nil || (e.Code != apierror.NotAuthenticated && e.Code != apierror.Throttled) {
			return nil, err
		}
		status, e := a.errorAnswer(w, r, rid, e)
		p.LoginMessage = e.Message
		a.renderLogin(w, r, status, p)
		return nil, errAnswered
	}
	http.Redirect(w, r, p.NextPath, http.StatusSeeOther)
	return nil, errAnswered
}

// serveLogout serves <prefix>logout/: a POST with the session's CSRF token (csrf_token) ends the
// session and redirects (303) to the login page; without the token it is a 403.
func (a *API) serveLogout(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
	if r.Method != http.MethodPost {
		return nil, apierror.New(apierror.MethodNotAllowed, "%s is not allowed on logout. Allowed: POST.", r.Method).
			With("allowed", []string{http.MethodPost})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return nil, apierror.New(apierror.MalformedBody, "The logout form could not be read.")
	}
	if want := a.sessions.CSRFToken(r); want != "" && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf_token")), []byte(want)) != 1 {
		return nil, apierror.New(apierror.Forbidden, "CSRF check failed: log out from the API's pages.")
	}
	if err := a.sessions.Logout(ctx, w, r); err != nil {
		return nil, err
	}
	http.Redirect(w, r, a.prefix+"login/", http.StatusSeeOther)
	return nil, errAnswered
}

// errAnswered tells handler that a page wrote its answer itself.
var errAnswered = apierror.New(apierror.Internal, "answered")

// sameOrigin refuses a form posted from another origin, when the browser says where it comes from.
func sameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, r.Host) {
		return apierror.New(apierror.Forbidden, "The login form was posted from another origin (%s).", clip(origin))
	}
	return nil
}

// safeNext is where a login goes next: a path under the API's prefix, or the prefix.
func (a *API) safeNext(next string) string {
	if !strings.HasPrefix(next, a.prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return a.prefix
	}
	return next
}

// renderLogin writes the login page.
func (a *API) renderLogin(w http.ResponseWriter, r *http.Request, status int, p *page) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	p.Nonce, p.CSS = base64.RawURLEncoding.EncodeToString(nonce[:]), browseCSS
	w.Header().Set("Cache-Control", "no-store")
	a.renderHTML(w, r, status, "login.html", p)
}
