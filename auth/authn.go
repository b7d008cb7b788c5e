package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

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
//
// Every request reads its key's row by the key's public id (unless Cache remembers it, for as long as
// its KeyEpoch has not moved) and compares the HMAC of the key under Pepper with the stored hash in
// constant time, so a revoked key fails at the next request whichever process revoked it. With a Memo, a read by a key that authenticated before is served while that
// check runs beside it, and its answer waits for the check (resource.ProvisionalAuthenticator). A request with a key id that does not
// exist computes the HMAC all the same, so that it takes as long as a wrong secret for a real id. A
// row still holding a bcrypt hash (stored before peppers) is checked with bcrypt through Guard, then
// upgraded to the HMAC. The key's last use is written at most once per TouchEvery.
type APIKey struct {
	Store Store
	// Pepper is the server secret keys are hashed with; the zero Pepper answers every key with a
	// server error.
	Pepper Pepper
	// Guard limits and bounds the bcrypt checks of keys stored before peppers; nil: unguarded.
	Guard *Guard
	// Memo remembers the keys that authenticated, so that a read is served at once while its key is
	// checked again beside it (resource.ProvisionalAuthenticator); nil: every request waits for its
	// check.
	Memo *KeyMemo
	// Cache remembers the rows of keys that authenticated until its KeyEpoch says keys changed (a
	// revocation through the store, in any process) or KeyCacheMaxAge passes, so that a key seen before
	// is checked without reading its row; nil: every request reads its key's row.
	Cache *KeyCache
	// Logger receives the failures that do not fail a request (recording a key's use, upgrading its
	// hash); slog.Default() when nil.
	Logger *slog.Logger

	now    func() time.Time // time.Now when nil
	onHash func()           // tests count HMACs through it
}

// Authenticate implements resource.Authentication.
func (a APIKey) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	username, key, err := keyCredentials(r)
	if err != nil || key == "" {
		return nil, err
	}
	if a.Pepper.IsZero() {
		return nil, errNoPepper
	}
	return a.check(ctx, r, username, key, a.hash(key)) // hashed first: an unknown id costs what a known one does
}

// AuthenticateProvisionally implements resource.ProvisionalAuthenticator: a key that Memo remembers
// (the same key, with the same username, authenticated before) gives its user at once, and confirm
// reads the key's row again, as Authenticate would; any other key is checked completely now.
func (a APIKey) AuthenticateProvisionally(ctx context.Context, r *http.Request) (*resource.User, resource.ConfirmFunc, error) {
	username, key, err := keyCredentials(r)
	if err != nil || key == "" {
		return nil, nil, err
	}
	if a.Pepper.IsZero() {
		return nil, nil, errNoPepper
	}
	mac := a.hash(key)
	if u, ok, err := a.recalled(username, key, mac); ok {
		return u, nil, err
	}
	if u, ok := a.Memo.recall(mac, username); ok {
		confirm := func(ctx context.Context) (*resource.User, error) { return a.check(ctx, r, username, key, mac) }
		return u, confirm, nil
	}
	u, err := a.check(ctx, r, username, key, mac)
	return u, nil, err
}

// keyCredentials reads the username (ApiKey only) and key of an ApiKey or Bearer header; key is ""
// when the request carries neither scheme.
func keyCredentials(r *http.Request) (username, key string, err error) {
	s, cred := scheme(r)
	switch s {
	case "apikey":
		u, k, ok := strings.Cut(cred, ":")
		if !ok || u == "" || k == "" {
			return "", "", notAuthenticated("Malformed ApiKey header: use 'Authorization: ApiKey <username>:<key>'.")
		}
		return u, k, nil
	case "bearer":
		if cred == "" {
			return "", "", notAuthenticated("Malformed Bearer header: use 'Authorization: Bearer <key>'.")
		}
		return "", cred, nil
	}
	return "", "", nil
}

// recalled checks a key against the row Cache remembers for it; ok is false when Cache remembers
// none that may be used (the row is then read).
func (a APIKey) recalled(username, key string, mac []byte) (u *resource.User, ok bool, err error) {
	id, valid := KeyID(key)
	if !valid {
		return nil, false, nil
	}
	k, hit := a.Cache.recall(id, mac)
	if !hit {
		return nil, false, nil
	}
	if username != "" && subtle.ConstantTimeCompare([]byte(username), []byte(k.User.Username)) != 1 {
		return nil, true, keyNotValid()
	}
	user := k.User
	return &user, true, nil
}

// check reads the key's row (unless Cache remembers it) and compares its stored hash with mac, the
// key's HMAC; the outcome is recorded in Memo and Cache.
func (a APIKey) check(ctx context.Context, r *http.Request, username, key string, mac []byte) (*resource.User, error) {
	if u, ok, err := a.recalled(username, key, mac); ok {
		return u, err
	}
	// The epoch is read before the row: a change committed after this read moves it, and the row read
	// now is then not used again.
	epoch, cacheable := a.Cache.current()
	read := a.Cache.clock()
	stored, err := a.checkStored(ctx, r, username, key, mac)
	if err != nil {
		a.Memo.forget(mac)
		if id, ok := KeyID(key); ok {
			a.Cache.forget(id)
		}
		return nil, err
	}
	if cacheable {
		id, _ := KeyID(key)
		a.Cache.remember(id, mac, stored, epoch, read)
	}
	a.Memo.remember(mac, username, stored.User)
	u := stored.User
	return &u, nil
}

func (a APIKey) checkStored(ctx context.Context, r *http.Request, username, key string, mac []byte) (*StoredKey, error) {
	id, ok := KeyID(key)
	if !ok {
		return nil, keyNotValid()
	}
	stored, err := a.Store.KeyByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if stored == nil {
		return nil, keyNotValid()
	}
	valid := hmac.Equal(stored.Hash, mac)
	if !valid && isBcrypt(stored.Hash) {
		if valid, err = a.verifyBcrypt(ctx, r, stored, key, mac); err != nil {
			return nil, err
		}
	}
	if !valid {
		return nil, keyNotValid()
	}
	if stored.Revoked {
		return nil, notAuthenticated("The API key has been revoked.")
	}
	if username != "" && subtle.ConstantTimeCompare([]byte(username), []byte(stored.User.Username)) != 1 {
		return nil, keyNotValid()
	}
	if now := a.clock(); now.Sub(stored.LastUsed) >= TouchEvery {
		if err := a.Store.TouchKey(ctx, stored.ID, now.UTC()); err != nil {
			a.logger().WarnContext(ctx, "auth: could not record the use of an API key", "key_row", stored.ID, "error", err)
		}
	}
	return stored, nil
}

func keyNotValid() error { return notAuthenticated("The API key is not valid.") }

// verifyBcrypt checks a key against the bcrypt hash it was stored as before peppers and, when it
// matches, stores its HMAC instead. Concurrent requests with the key share one check.
func (a APIKey) verifyBcrypt(ctx context.Context, r *http.Request, stored *StoredKey, key string, mac []byte) (bool, error) {
	digest := sha256.Sum256([]byte(key))
	v, err := a.Guard.shared(ctx, "key\x00"+string(digest[:]), func(ctx context.Context) (any, error) {
		at, err := a.Guard.Admit(r, "")
		if err != nil {
			return nil, err
		}
		ok, err := a.Guard.matches(ctx, stored.Hash, key)
		at.Settle(err == nil && !ok)
		if err != nil || !ok {
			return ok, err
		}
		if err := a.Store.UpgradeKeyHash(ctx, stored.ID, stored.Hash, mac); err != nil {
			a.logger().WarnContext(ctx, "auth: could not store the new hash of an API key", "key_row", stored.ID, "error", err)
		}
		return true, nil
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// hash is the HMAC of key under the pepper.
func (a APIKey) hash(key string) []byte {
	if a.onHash != nil {
		a.onHash()
	}
	return a.Pepper.HashKey(key)
}

func (a APIKey) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

func (a APIKey) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// Challenge names the schemes APIKey accepts, for WWW-Authenticate.
func (APIKey) Challenge() string { return `ApiKey realm="` + Realm + `", Bearer realm="` + Realm + `"` }

// Basic authenticates HTTP Basic against the password hashes of a Store. Other requests it leaves to
// the next authentication.
//
// A user who does not exist or has no password costs the same bcrypt comparison as a wrong password
// (against a fixed hash), so timing does not tell them apart. Guard limits failures per client address
// and per username, bounds the comparisons at once, and lets concurrent requests with one credential
// share a check; Cache remembers successful logins. Either may be nil.
type Basic struct {
	Store Store
	Cache *Cache
	Guard *Guard
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
	if !utf8.ValidString(username) || strings.ContainsRune(username, 0) {
		// No user has such a name (and PostgreSQL could not even look it up): refused before the store.
		return nil, notAuthenticated("Malformed Basic header: the username is not valid UTF-8 text without NUL.")
	}
	digest := sha256.Sum256(raw)
	if a.Cache.has(digest) {
		// A remembered login: one indexed read shows whether the password or the user changed since.
		stored, err := a.Store.PasswordByUsername(ctx, username)
		if err != nil {
			return nil, err
		}
		if a.Cache.recalls(digest, stored) {
			u := stored.User
			return &u, nil
		}
	}
	stored, err := a.guardedCheck(ctx, r, digest, username, password)
	if err != nil {
		return nil, err
	}
	a.Cache.remember(digest, stored)
	u := stored.User
	return &u, nil
}

// CheckPassword checks a username and password as Authenticate checks Basic credentials (the same
// Guard admission, the same bcrypt work for unknown users), for a login form: the user, or 401
// NOT_AUTHENTICATED "Unknown username or wrong password.", or the Guard's 429.
func (a Basic) CheckPassword(ctx context.Context, r *http.Request, username, password string) (*resource.User, error) {
	if username == "" || !utf8.ValidString(username) || strings.ContainsRune(username, 0) {
		return nil, notAuthenticated("Unknown username or wrong password.")
	}
	stored, err := a.guardedCheck(ctx, r, sha256.Sum256([]byte(username+":"+password)), username, password)
	if err != nil {
		return nil, err
	}
	u := stored.User
	return &u, nil
}

// guardedCheck checks a password through the Guard: one attempt per check, not per request, so that
// requests that join a check in progress (with the same credential, by digest) share its admission
// and its outcome.
func (a Basic) guardedCheck(ctx context.Context, r *http.Request, digest [32]byte, username, password string) (*StoredPassword, error) {
	v, err := a.Guard.shared(ctx, "basic\x00"+string(digest[:]), func(ctx context.Context) (any, error) {
		at, err := a.Guard.Admit(r, username)
		if err != nil {
			return nil, err
		}
		stored, err := a.checkPassword(ctx, username, password)
		at.Settle(err == nil && stored == nil)
		return stored, err
	})
	if err != nil {
		return nil, err
	}
	stored := v.(*StoredPassword)
	if stored == nil {
		return nil, notAuthenticated("Unknown username or wrong password.")
	}
	return stored, nil
}

// checkPassword returns the user's stored password when password matches it, and nil when it does
// not, the user does not exist or has no password: all three after one full bcrypt comparison.
func (a Basic) checkPassword(ctx context.Context, username, password string) (*StoredPassword, error) {
	stored, err := a.Store.PasswordByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	known := stored != nil && len(stored.Hash) > 0
	hash := dummyHash
	if known {
		hash = stored.Hash
	}
	ok, err := a.Guard.matches(ctx, hash, password)
	if err != nil || !ok || !known {
		return nil, err
	}
	return stored, nil
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
	return nil, unrecognised(r)
}

// AuthenticateProvisionally implements resource.ProvisionalAuthenticator: the member that recognises
// the credentials answers, provisionally when it can.
func (c Chain) AuthenticateProvisionally(ctx context.Context, r *http.Request) (*resource.User, resource.ConfirmFunc, error) {
	for _, a := range c {
		u, confirm, err := provisionally(ctx, a, r)
		if err != nil || u != nil {
			return u, confirm, err
		}
	}
	return nil, nil, unrecognised(r)
}

// provisionally authenticates r with a, provisionally when a can.
func provisionally(ctx context.Context, a resource.Authentication, r *http.Request) (*resource.User, resource.ConfirmFunc, error) {
	if pa, ok := a.(resource.ProvisionalAuthenticator); ok {
		return pa.AuthenticateProvisionally(ctx, r)
	}
	u, err := a.Authenticate(ctx, r)
	return u, nil, err
}

// unrecognised is the answer of a chain none of whose members recognised the request's credentials:
// nil without an Authorization header (anonymous), a 401 naming the scheme otherwise.
func unrecognised(r *http.Request) error {
	if s, _ := scheme(r); s != "" {
		// Name the scheme only when it looks like one: a bare key must not be echoed back.
		if len(s) <= 20 && strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
			return notAuthenticated("The %q authorization scheme is not accepted here.", s)
		}
		return notAuthenticated("The Authorization header's authorization scheme is not accepted here.")
	}
	return nil
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
	return nil, a.anonymous(r)
}

// AuthenticateProvisionally implements resource.ProvisionalAuthenticator: the wrapped authentication
// answers, provisionally when it can.
func (a Required) AuthenticateProvisionally(ctx context.Context, r *http.Request) (*resource.User, resource.ConfirmFunc, error) {
	u, confirm, err := provisionally(ctx, a.Authentication, r)
	if err != nil || u != nil {
		return u, confirm, err
	}
	return nil, nil, a.anonymous(r)
}

// anonymous is the answer to a request without credentials: nil for a read when AnonymousRead is
// set, 401 otherwise.
func (a Required) anonymous(r *http.Request) error {
	if a.AnonymousRead && (r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions) {
		return nil
	}
	return notAuthenticated("Authentication credentials were not provided.")
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
