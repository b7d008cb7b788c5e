package auth

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/resource"
)

// Realm names the protection space in WWW-Authenticate challenges.
const Realm = "tastygo"

func notAuthenticated(format string, args ...any) error {
	return apierror.New(apierror.NotAuthenticated, format, args...)
}

// scheme splits an Authorization header into its scheme (lower-case) and credentials.
func scheme(r *http.Request) (string, string) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	s, cred, _ := strings.Cut(h, " ")
	return strings.ToLower(s), strings.TrimSpace(cred)
}

// APIKey authenticates "Authorization: ApiKey <username>:<key>" (Tastypie's header) and
// "Authorization: Bearer <key>" against a Store. Other requests it leaves to the next authentication
// (it returns no user and no error).
type APIKey struct {
	Store Store
	// Cache remembers verified keys; nil verifies every request with bcrypt.
	Cache *Cache
}

// Authenticate implements resource.Authentication.
func (a APIKey) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	s, cred := scheme(r)
	var username, key string
	switch s {
	case "apikey":
		u, k, ok := strings.Cut(cred, ":")
		if !ok || u == "" || k == "" {
			return nil, notAuthenticated("Malformed ApiKey header: use 'Authorization: ApiKey <username>:<key>'.")
		}
		username, key = u, k
	case "bearer":
		if cred == "" {
			return nil, notAuthenticated("Malformed Bearer header: use 'Authorization: Bearer <key>'.")
		}
		key = cred
	default:
		return nil, nil
	}
	ck := cacheKey(s+"\x00"+username, key)
	if e, ok := a.Cache.get(ck); ok {
		if a.Cache.touchDue(ck) {
			if err := a.Store.TouchKey(ctx, e.keyID, a.Cache.clock().UTC()); err != nil {
				return nil, err
			}
		}
		u := e.user
		return &u, nil
	}
	// Concurrent requests with the same uncached key share one verification (one bcrypt).
	v, err := a.Cache.once(ck, func() (any, error) { return a.verify(ctx, ck, username, key) })
	if err != nil {
		return nil, err
	}
	u := v.(resource.User)
	return &u, nil
}

// verify checks a key against the Store, records its use and caches the result.
func (a APIKey) verify(ctx context.Context, ck [32]byte, username, key string) (resource.User, error) {
	id, ok := KeyID(key)
	if !ok {
		return resource.User{}, notAuthenticated("The API key is not valid.")
	}
	stored, err := a.Store.KeyByID(ctx, id)
	if err != nil {
		return resource.User{}, err
	}
	if stored == nil || !matches(stored.Hash, key) {
		return resource.User{}, notAuthenticated("The API key is not valid.")
	}
	if stored.Revoked {
		return resource.User{}, notAuthenticated("The API key has been revoked.")
	}
	if username != "" && subtle.ConstantTimeCompare([]byte(username), []byte(stored.User.Username)) != 1 {
		return resource.User{}, notAuthenticated("The API key is not valid.")
	}
	now := a.Cache.clock()
	if err := a.Store.TouchKey(ctx, stored.ID, now.UTC()); err != nil {
		return resource.User{}, err
	}
	a.Cache.put(ck, cached{user: stored.User, keyID: stored.ID, touched: now})
	return stored.User, nil
}

// Challenge names the schemes APIKey accepts, for WWW-Authenticate.
func (APIKey) Challenge() string { return `ApiKey realm="` + Realm + `", Bearer realm="` + Realm + `"` }

// Basic authenticates HTTP Basic against the password hashes of a Store. Other requests it leaves to
// the next authentication.
type Basic struct {
	Store Store
	Cache *Cache
}

// Authenticate implements resource.Authentication.
func (a Basic) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	s, cred := scheme(r)
	if s != "basic" {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return nil, notAuthenticated("Malformed Basic header: the credentials are not base64.")
	}
	username, password, ok := strings.Cut(string(raw), ":")
	if !ok || username == "" {
		return nil, notAuthenticated("Malformed Basic header: use base64 of <username>:<password>.")
	}
	ck := cacheKey("basic", string(raw))
	if e, ok := a.Cache.get(ck); ok {
		u := e.user
		return &u, nil
	}
	stored, err := a.Store.PasswordByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if stored == nil || !matches(stored.Hash, password) {
		return nil, notAuthenticated("Unknown username or wrong password.")
	}
	a.Cache.put(ck, cached{user: stored.User, touched: a.Cache.clock()})
	u := stored.User
	return &u, nil
}

// Challenge names the Basic scheme, for WWW-Authenticate.
func (Basic) Challenge() string { return `Basic realm="` + Realm + `"` }

// Chain tries several authentications in order: the first that recognises the request's credentials
// decides; a request with none of them is anonymous (no user, no error).
type Chain []resource.Authentication

// Authenticate implements resource.Authentication.
func (c Chain) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	for _, a := range c {
		u, err := a.Authenticate(ctx, r)
		if err != nil || u != nil {
			return u, err
		}
	}
	if s, _ := scheme(r); s != "" {
		// Name the scheme only when it looks like one: a bare key must not be echoed back.
		if len(s) <= 20 && strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
			return nil, notAuthenticated("The %q authorization scheme is not accepted here.", s)
		}
		return nil, notAuthenticated("The Authorization header's authorization scheme is not accepted here.")
	}
	return nil, nil
}

// Challenge joins the challenges of the chain's members.
func (c Chain) Challenge() string {
	var parts []string
	for _, a := range c {
		if ch, ok := a.(resource.Challenger); ok {
			parts = append(parts, ch.Challenge())
		}
	}
	return strings.Join(parts, ", ")
}

// Required answers a request without credentials with 401 NOT_AUTHENTICATED, except reads (GET, HEAD,
// OPTIONS) when AnonymousRead is set.
type Required struct {
	resource.Authentication
	AnonymousRead bool
}

// Authenticate implements resource.Authentication.
func (a Required) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	u, err := a.Authentication.Authenticate(ctx, r)
	if err != nil || u != nil {
		return u, err
	}
	if a.AnonymousRead && (r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions) {
		return nil, nil
	}
	return nil, notAuthenticated("Authentication credentials were not provided.")
}

// AnonymousReads implements resource.AnonymousReader: reads without credentials are let through when
// AnonymousRead is set.
func (a Required) AnonymousReads() bool { return a.AnonymousRead }

// Challenge is the wrapped authentication's.
func (a Required) Challenge() string {
	if ch, ok := a.Authentication.(resource.Challenger); ok {
		return ch.Challenge()
	}
	return ""
}
