package oauth2cc

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
)

// MaxTokenRequestBytes bounds the body of a token request; a longer one is invalid_request. A client
// credentials request is a few hundred bytes.
const MaxTokenRequestBytes = 4096

// GrantType is the one grant the token endpoint serves.
const GrantType = "client_credentials"

// The error codes of RFC 6749 §5.2 the token endpoint answers, and temporarily_unavailable (§4.1.2.1)
// for a server that cannot answer now. unauthorized_client and invalid_grant never apply: every
// registered client may use the client credentials grant, and that grant has no grant of its own to be
// invalid (the client's credentials are checked as client authentication: invalid_client).
const (
	ErrInvalidRequest         = "invalid_request"
	ErrInvalidClient          = "invalid_client"
	ErrUnsupportedGrantType   = "unsupported_grant_type"
	ErrInvalidScope           = "invalid_scope"
	ErrServerError            = "server_error"
	ErrTemporarilyUnavailable = "temporarily_unavailable"
)

// oauthError is an error answer of the token endpoint: status, RFC 6749's error code and a description.
type oauthError struct {
	status      int
	code        string
	description string
	retryAfter  int64 // seconds, for a 429 or a 503; 0: no Retry-After
}

func invalidRequest(description string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: ErrInvalidRequest, description: description}
}

func invalidClient(description string) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: ErrInvalidClient, description: description}
}

// tokenRequest is a parsed token request: its grant type, scope and client credentials.
type tokenRequest struct {
	grantType, scope       string
	clientID, clientSecret string
}

// ServeHTTP is the token endpoint (RFC 6749 §4.4.2): a POST of a form with grant_type=client_credentials
// and the client's credentials, by HTTP Basic or as client_id and client_secret in the body (§2.3.1),
// answered with a new bearer token:
//
//	{"access_token":"tgat_…","token_type":"Bearer","expires_in":3600}
//
// Every answer carries Cache-Control: no-store and Pragma: no-cache (§5.1). The errors are §5.2's, as
// {"error":"…","error_description":"…"}: 405 invalid_request for another method (with Allow: POST);
// 400 invalid_request for parameters in the URL, a body that is not a form or is longer than
// MaxTokenRequestBytes, a repeated parameter, a missing grant_type, or credentials both in the header
// and in the body; 400 unsupported_grant_type for another grant; 401 invalid_client (with
// WWW-Authenticate: Basic) when client authentication is missing, malformed or fails, or the client is
// revoked; 400 invalid_scope for any scope (this server has none); 429 temporarily_unavailable with
// Retry-After past the Guard's limit of failures; 503 temporarily_unavailable when the database is
// unavailable, and 500 server_error for another failure. The checks run in that order: the request's
// form, the grant type, then the client's credentials (the only ones the Guard counts), then the scope.
//
// Serve it over TLS only (RFC 6749 §2.3.1, §3.1): the client secret and the token cross in clear text.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	tr, oe := parseTokenRequest(r)
	if oe == nil {
		var answer *tokenAnswer
		answer, oe = s.issue(r, tr)
		if oe == nil {
			writeJSON(w, http.StatusOK, answer)
			return
		}
	}
	switch {
	case oe.status == http.StatusMethodNotAllowed:
		h.Set("Allow", http.MethodPost)
	case oe.code == ErrInvalidClient:
		h.Set("WWW-Authenticate", `Basic realm="`+auth.Realm+`"`)
	case oe.retryAfter > 0:
		h.Set("Retry-After", strconv.FormatInt(oe.retryAfter, 10))
	}
	writeJSON(w, oe.status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{oe.code, oe.description})
}

// tokenAnswer is a successful token response (RFC 6749 §5.1).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// writeJSON writes v, compact and without HTML escapes (an error description may show "<client_id>").
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // of fixed structs of strings and numbers: never fails
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// parseTokenRequest reads a token request without looking at the database: everything but whether the
// credentials are right and the scope.
func parseTokenRequest(r *http.Request) (*tokenRequest, *oauthError) {
	if r.Method != http.MethodPost {
		return nil, &oauthError{status: http.StatusMethodNotAllowed, code: ErrInvalidRequest,
			description: "The token endpoint accepts POST only."}
	}
	if r.URL.RawQuery != "" {
		return nil, invalidRequest("Parameters go in the request body, never in the URL.")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("The request body must be application/x-www-form-urlencoded.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxTokenRequestBytes+1))
	if err != nil {
		return nil, invalidRequest("The request body could not be read.")
	}
	if len(body) > MaxTokenRequestBytes {
		return nil, invalidRequest("The request body is longer than " + strconv.Itoa(MaxTokenRequestBytes) + " bytes.")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("The request body is not a valid form.")
	}
	var tr tokenRequest
	// A parameter may appear once (§3.2); one without a value counts as omitted.
	for _, p := range []struct {
		name string
		dst  *string
	}{{"grant_type", &tr.grantType}, {"scope", &tr.scope}, {"client_id", &tr.clientID}, {"client_secret", &tr.clientSecret}} {
		if vs := form[p.name]; len(vs) > 1 {
			return nil, invalidRequest("The " + p.name + " parameter is repeated.")
		} else if len(vs) == 1 {
			*p.dst = vs[0]
		}
	}
	header := strings.TrimSpace(r.Header.Get("Authorization"))
	if header != "" && (tr.clientID != "" || tr.clientSecret != "") {
		return nil, invalidRequest("The request carries client credentials both in the Authorization header and in the body: use one.")
	}
	switch tr.grantType {
	case "":
		return nil, invalidRequest("The grant_type parameter is missing.")
	case GrantType:
	default:
		return nil, &oauthError{status: http.StatusBadRequest, code: ErrUnsupportedGrantType,
			description: "The only grant type of this server is client_credentials."}
	}
	if header != "" {
		id, secret, oe := basicCredentials(header)
		if oe != nil {
			return nil, oe
		}
		tr.clientID, tr.clientSecret = id, secret
	}
	if tr.clientID == "" || tr.clientSecret == "" {
		return nil, invalidClient("Client authentication is required: HTTP Basic, or client_id and client_secret in the body.")
	}
	return &tr, nil
}

// basicCredentials reads the client_id and client_secret of a Basic Authorization header, each
// form-urlencoded before it was joined with ':' (RFC 6749 §2.3.1).
func basicCredentials(header string) (id, secret string, oe *oauthError) {
	scheme, cred, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "basic") {
		return "", "", invalidClient("The token endpoint authenticates clients by HTTP Basic, or by client_id and client_secret in the body.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", invalidClient("Malformed Basic credentials: they are not base64.")
	}
	rawID, rawSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", invalidClient("Malformed Basic credentials: use base64 of <client_id>:<client_secret>.")
	}
	if id, err = url.QueryUnescape(rawID); err == nil {
		secret, err = url.QueryUnescape(rawSecret)
	}
	if err != nil {
		return "", "", invalidClient("Malformed Basic credentials: the client_id and client_secret must be form-urlencoded.")
	}
	return id, secret, nil
}

// issue authenticates tr's client and stores a new token for it.
func (s *Server) issue(r *http.Request, tr *tokenRequest) (*tokenAnswer, *oauthError) {
	ctx := r.Context()
	at, err := s.guard.Admit(r, "")
	if err != nil {
		return nil, s.serverError(ctx, err)
	}
	row, wrong, oe := s.authenticateClient(ctx, tr)
	at.Settle(wrong)
	if oe != nil {
		return nil, oe
	}
	if tr.scope != "" {
		return nil, &oauthError{status: http.StatusBadRequest, code: ErrInvalidScope,
			description: "This server has no scopes: request a token without one."}
	}
	token, id, err := newToken()
	if err != nil {
		return nil, s.serverError(ctx, err)
	}
	now := s.clock()
	if _, err := s.db.ExecContext(ctx, s.q.insertToken, id, string(s.pepper.HashKey(token)), row,
		s.bindTime(now), s.bindTime(now.Add(s.lifetime))); err != nil {
		return nil, s.serverError(ctx, err)
	}
	return &tokenAnswer{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(s.lifetime / time.Second)}, nil
}

// dummySecretHash is what a client_id nobody has is compared with, so that an unknown client_id costs
// what a wrong secret does.
var dummySecretHash = []byte("hmac-sha256$" + strings.Repeat("0", 64))

// authenticateClient returns the row of the client whose credentials tr carries; wrong reports
// credentials that are not a client's (what the Guard counts as a failure).
func (s *Server) authenticateClient(ctx context.Context, tr *tokenRequest) (row int64, wrong bool, oe *oauthError) {
	mac := s.pepper.HashKey(tr.clientSecret) // first: an unknown client_id costs what a known one does
	var hash []byte
	var revoked int
	err := s.db.QueryRowContext(ctx, s.q.clientByID, tr.clientID).Scan(&row, &hash, &revoked)
	known := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		hash, err = dummySecretHash, nil
	}
	if err != nil {
		return 0, false, s.serverError(ctx, err)
	}
	if !hmac.Equal(mac, hash) || !known {
		return 0, true, invalidClient("Client authentication failed.") // an unknown client_id and a wrong secret alike
	}
	if revoked != 0 {
		return 0, false, invalidClient("The client has been revoked.")
	}
	return row, false, nil
}

// serverError is the answer to a failure that is not the client's: THROTTLED (from the Guard) is 429
// and an unavailable database 503, both temporarily_unavailable with Retry-After; anything else is
// logged and answered 500 server_error.
func (s *Server) serverError(ctx context.Context, err error) *oauthError {
	e := apierror.As(err)
	switch {
	case e != nil && e.Code == apierror.Throttled:
		secs, _ := e.Details["retry_after_seconds"].(int64)
		return &oauthError{status: http.StatusTooManyRequests, code: ErrTemporarilyUnavailable,
			description: e.Message, retryAfter: max(secs, 1)}
	case e != nil && e.Code == apierror.DatabaseUnavailable:
		s.logger.WarnContext(ctx, "oauth2cc: token endpoint: database unavailable", "error", err)
		return &oauthError{status: http.StatusServiceUnavailable, code: ErrTemporarilyUnavailable,
			description: "The server cannot issue tokens now: retry in a few seconds.", retryAfter: 5}
	}
	s.logger.ErrorContext(ctx, "oauth2cc: token endpoint failed", "error", err)
	return &oauthError{status: http.StatusInternalServerError, code: ErrServerError,
		description: "The server could not issue a token."}
}
