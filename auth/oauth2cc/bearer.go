package oauth2cc

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"github.com/tastygo/tastygo/field"
	"net/http"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

func notAuthenticated(message string) error {
	return apierror.New(apierror.NotAuthenticated, "%s", message)
}

// Authenticate implements resource.Authentication: "Authorization: Bearer <token>" with a token the
// token endpoint issued gives the user of the token's client (Config.User); an unknown, malformed or
// expired token, or one whose client was revoked, is 401 NOT_AUTHENTICATED. A request without a Bearer
// header is left to the next authentication (no user, no error): wrap the Server in auth.Required to
// refuse it. It answers every Bearer header, so it cannot share an API with auth.APIKey's Bearer keys
// (their ApiKey header is fine).
//
// Every request reads the token's row, joined with its client's, by the token's public id, and
// compares the token's HMAC with the stored one in constant time; a token of the wrong form costs the
// same HMAC.
func (s *Server) Authenticate(ctx context.Context, r *http.Request) (*resource.User, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "bearer") {
		return nil, nil
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, notAuthenticated("Malformed Bearer header: use 'Authorization: Bearer <token>'.")
	}
	mac := s.pepper.HashKey(token)
	id, ok := tokenID(token)
	if !ok {
		return nil, tokenNotValid()
	}
	var hash []byte
	var expires, created any
	var c Client
	var revoked int
	var row *dialect.Row
	if st := s.preparedTokenByID(ctx); st != nil {
		row = st.QueryRowContext(ctx, id)
	} else {
		row = s.db.QueryRowContext(ctx, s.q.tokenByID, id)
	}
	err := row.Scan(&hash, &expires, &c.RowID, &c.ID, &c.Name, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokenNotValid()
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(hash, mac) {
		return nil, tokenNotValid()
	}
	if revoked != 0 {
		return nil, notAuthenticated("The access token's client has been revoked.")
	}
	exp, err := field.TimeFromDB(expires)
	if err != nil {
		return nil, fmt.Errorf("oauth2cc: oauth2_token %s: expires_at: %w", id, err)
	}
	if !s.now().Before(exp) {
		return nil, notAuthenticated("The access token has expired: get a new one.")
	}
	if c.CreatedAt, err = field.TimeFromDB(created); err != nil {
		return nil, fmt.Errorf("oauth2cc: oauth2_client %d: created_at: %w", c.RowID, err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	u, err := s.user(ctx, c)
	if err == nil && u == nil {
		err = fmt.Errorf("oauth2cc: Config.User gave no user for client %s", c.ID)
	}
	return u, err
}

// preparedTokenByID returns the token read prepared, preparing it the first time (every authenticated
// request runs it, and on SQLite preparing it each time costs a third of the read); nil when it cannot
// be prepared now (the database is down, say): the caller runs the text, and the next call tries again.
func (s *Server) preparedTokenByID(ctx context.Context) *dialect.Stmt {
	if st := s.tokenStmt.Load(); st != nil {
		return st
	}
	st, err := s.db.PrepareContext(ctx, s.q.tokenByID)
	if err != nil {
		return nil
	}
	if !s.tokenStmt.CompareAndSwap(nil, st) {
		st.Close()
		return s.tokenStmt.Load()
	}
	return st
}

func tokenNotValid() error { return notAuthenticated("The access token is not valid.") }

// Challenge names the Bearer scheme (RFC 6750), for WWW-Authenticate.
func (s *Server) Challenge() string { return `Bearer realm="` + auth.Realm + `"` }

var (
	_ resource.Authentication = (*Server)(nil)
	_ resource.Challenger     = (*Server)(nil)
	_ http.Handler            = (*Server)(nil)
)
