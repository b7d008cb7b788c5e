package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/resource"
)

// DefaultSessionTTL is how long a session lasts unless Sessions.TTL says otherwise.
const DefaultSessionTTL = 12 * time.Hour

// DefaultSessionCookie is the session cookie's name unless Sessions.Cookie says otherwise.
const DefaultSessionCookie = "tastygo_session"

// CSRFHeader is the header in which a request authenticated by a session cookie sends the session's
// CSRF token with an unsafe method (POST, PUT, PATCH, DELETE), as Django's X-CSRFToken.
const CSRFHeader = "X-CSRFToken"

// StoredSession is a login session as its SessionStore holds it.
type StoredSession struct {
	// User is the session's user, read with the session (one indexed read).
	User resource.User
	// Expires is when the session ends.
	Expires time.Time
}

// SessionStore keeps login sessions, by the SHA-256 of their token (never the token itself).
// auth/sqlstore's Store is one, over a table of its own.
type SessionStore interface {
	// CreateSession stores a session of a user, ending at expires.
	CreateSession(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error
	// SessionByHash returns the session with a token hash, or nil and no error when there is none.
	SessionByHash(ctx context.Context, tokenHash []byte) (*StoredSession, error)
	// DeleteSession deletes the session with a token hash; deleting none is no error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// Sessions is Tastypie's SessionAuthentication for browsers: a login (username and password, checked
// as HTTP Basic checks them, Guard and all) starts a server-side session whose random token is sent in
// an HttpOnly, SameSite=Lax cookie (Secure when the login came over TLS) and stored only as its
// SHA-256; every request with the cookie reads the session and its user again, so a logout or an
// expiry takes effect at once. A request with the cookie and an unsafe method (anything but GET, HEAD,
// OPTIONS) must also carry the session's CSRF token in the X-CSRFToken header, or it is refused with
// 403 FORBIDDEN: another site can make a browser send the cookie, but cannot read the token. Requests
// authenticated otherwise (a key, Basic, Bearer) carry no cookie and need no token; put Sessions last in
// a Chain, so that an Authorization header wins over a cookie.
//
// Sessions implements resource.Authentication and resource.SessionLogin (Config.Sessions), through
// which an API serves its login and logout pages.
type Sessions struct {
	// Store keeps the sessions.
	Store SessionStore
	// Passwords checks the username and password of a login.
	Passwords Basic
	// TTL is how long a session lasts from its login; DefaultSessionTTL when zero.
	TTL time.Duration
	// Cookie is the cookie's name; DefaultSessionCookie when empty. Path is the cookie's path (the
	// API's prefix); "/" when empty.
	Cookie, Path string

	now func() time.Time // time.Now when nil
}

// Authenticate implements resource.Authentication: no cookie is no user (the next authentication or
// anonymous); a cookie of no live session is a 401; an unsafe method without the right CSRF token a 403.
func (s Sessions) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	token, ok := s.token(r)
	if !ok {
		return nil, nil
	}
	hash := tokenHash(token)
	stored, err := s.Store.SessionByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	if stored == nil {
		return nil, notAuthenticated("The session has ended (logged out or expired); log in again.")
	}
	if !s.clock().Before(stored.Expires) {
		if err := s.Store.DeleteSession(ctx, hash); err != nil {
			return nil, err
		}
		return nil, notAuthenticated("The session has ended (logged out or expired); log in again.")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !hmac.Equal([]byte(r.Header.Get(CSRFHeader)), []byte(csrfToken(token))) {
			return nil, apierror.New(apierror.Forbidden, "CSRF check failed: a request authenticated by a session cookie must send the session's CSRF token in the %s header.", CSRFHeader).
				With("header", CSRFHeader)
		}
	}
	u := stored.User
	return &u, nil
}

// Login implements resource.SessionLogin: it checks the password and starts a session, setting its
// cookie on w.
func (s Sessions) Login(ctx context.Context, w http.ResponseWriter, r *http.Request, username, password string) (*resource.User, error) {
	u, err := s.Passwords.CheckPassword(ctx, r, username, password)
	if err != nil {
		return nil, err
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	expires := s.clock().Add(ttl).UTC().Truncate(time.Second)
	if err := s.Store.CreateSession(ctx, tokenHash(token), u.ID, expires); err != nil {
		return nil, err
	}
	http.SetCookie(w, s.cookie(r, token, expires))
	return u, nil
}

// Logout implements resource.SessionLogin: it deletes the request's session, if any, and clears the
// cookie.
func (s Sessions) Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if token, ok := s.token(r); ok {
		if err := s.Store.DeleteSession(ctx, tokenHash(token)); err != nil {
			return err
		}
	}
	c := s.cookie(r, "", time.Unix(0, 0))
	c.MaxAge = -1
	http.SetCookie(w, c)
	return nil
}

// CSRFToken implements resource.SessionLogin: the CSRF token of the request's session cookie, "" when
// it has none. It is an HMAC of the session's token, so it changes with every login.
func (s Sessions) CSRFToken(r *http.Request) string {
	token, ok := s.token(r)
	if !ok {
		return ""
	}
	return csrfToken(token)
}

// token reads the session token from the request's cookie.
func (s Sessions) token(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return "", false
	}
	return c.Value, true
}

func (s Sessions) cookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	path := s.Path
	if path == "" {
		path = "/"
	}
	return &http.Cookie{Name: s.cookieName(), Value: value, Path: path, Expires: expires, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode}
}

func (s Sessions) cookieName() string {
	if s.Cookie == "" {
		return DefaultSessionCookie
	}
	return s.Cookie
}

func (s Sessions) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// tokenHash is what a SessionStore keeps of a token.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// csrfToken is the CSRF token of a session token.
func csrfToken(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("tastygo csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var (
	_ resource.Authentication = Sessions{}
	_ resource.SessionLogin   = Sessions{}
)
