// Package oauth2cc is OAuth 2.0's client credentials grant (RFC 6749 §4.4) for any tastygo API: a
// token endpoint that gives registered clients bearer tokens, and the authentication that accepts
// those tokens ("Authorization: Bearer <token>", RFC 6750) on the API's resources.
//
// A [Server] is both. Mount it as the http.Handler of the token endpoint (POST /o/token/, say) and give
// it, wrapped in auth.Required, as the resource.Authentication of the API:
//
//	srv, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: pepper, Guard: guard})
//	api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d,
//		Authentication: auth.Required{Authentication: srv}}, resources...)
//	mux.Handle("/o/token/", srv)
//	mux.Handle("/api/v1/", api)
//
// Clients and tokens live in two tables, oauth2_client and oauth2_token, whose DDL [Schema] gives for
// SQLite and PostgreSQL (and [CreateTables] runs). [Server.CreateClient] registers a client and returns
// its secret once; [Server.RevokeClient] revokes it; [Server.PurgeExpiredTokens] deletes the tokens
// that have expired.
//
// Client secrets and access tokens are random values of 256 bits, stored only as their HMAC-SHA-256
// under the server's auth.Pepper, as the auth package stores API keys: with that much entropy a fast
// hash is as safe as a slow one is for a password (nobody can try 2^256 candidates), checking one
// costs a microsecond instead of bcrypt's tens of milliseconds, and the pepper, kept out of the
// database, makes a leaked table useless even for checking a guess. Each value has a public part (the
// client_id; the token's id) that its row is found by, and the hashes are compared in constant time.
//
// Nothing is remembered between requests: every request with a token reads the token's row joined
// with its client's, so an expired token, or the token of a client revoked in another process, fails
// at the very next request.
package oauth2cc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

// DefaultTokenLifetime is how long an access token is valid unless Config.TokenLifetime says otherwise:
// the expires_in of 3600 that clients of such services expect.
const DefaultTokenLifetime = time.Hour

// MaxClientNameLen is the longest client name CreateClient accepts, in bytes.
const MaxClientNameLen = 100

// ErrUnknownClient is RevokeClient's answer for a client_id that no client has.
var ErrUnknownClient = errors.New("oauth2cc: no client has this client_id")

// Config is what a Server is made of.
type Config struct {
	// DB and Dialect are the database holding the oauth2_client and oauth2_token tables (see Schema).
	DB      *sql.DB
	Dialect dialect.Dialect
	// Pepper is the server secret client secrets and tokens are hashed with; every process of the
	// application must use the same one (it may be the one its API keys use).
	Pepper auth.Pepper
	// TokenLifetime is how long an access token is valid; DefaultTokenLifetime when 0.
	TokenLifetime time.Duration
	// Guard limits failed client authentications at the token endpoint per client address (never per
	// client_id: anyone may know a client_id, and a per-client limit would let them lock the client
	// out; its secret's 256 bits need no limit against guessing). The answer past the limit is 429
	// with Retry-After. nil: no limit.
	Guard *auth.Guard
	// User makes the user a request authenticated by a client's token acts as; an application
	// attaches its own data there (a profile read from its tables, superuser rights for some client).
	// It runs on every authenticated request, after the token was checked. An apierror it returns is
	// answered as such (FORBIDDEN, say); another error is a server error. nil: DefaultUser.
	User func(ctx context.Context, c Client) (*resource.User, error)
	// Logger receives the server errors of the token endpoint; slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Client is a registered client, as a request authenticated by one of its tokens sees it.
type Client struct {
	// RowID is the client's row in oauth2_client.
	RowID int64
	// ID is its client_id.
	ID string
	// Name is the name it was registered with (not necessarily unique: a client's credentials are
	// rotated by registering a new client of the same name, then revoking the old one).
	Name string
	// CreatedAt is when it was registered.
	CreatedAt time.Time
}

// DefaultUser is the user of a client when Config.User is nil: ID is the client's row, Username its
// name, and Data the Client itself. It is never a superuser.
func DefaultUser(_ context.Context, c Client) (*resource.User, error) {
	return &resource.User{ID: c.RowID, Username: c.Name, Data: c}, nil
}

// Credentials are a new client's client_id and client_secret, which CreateClient returns once: only the
// secret's hash is stored.
type Credentials struct {
	ClientID     string
	ClientSecret string
}

// Server is the token endpoint (its ServeHTTP) and the bearer-token authentication (its Authenticate)
// of one API. Make one with New.
type Server struct {
	db       *dialect.DB
	d        dialect.Dialect
	pepper   auth.Pepper
	lifetime time.Duration
	guard    *auth.Guard
	user     func(ctx context.Context, c Client) (*resource.User, error)
	logger   *slog.Logger
	now      func() time.Time
	q        queries
	// tokenStmt is q.tokenByID prepared, once it could be.
	tokenStmt atomic.Pointer[dialect.Stmt]
}

// queries are the Server's statements, written once for its backend.
type queries struct {
	clientByID, insertClient, insertToken, tokenByID string
	revoke, clientExists, deleteTokens, purge        string
}

// New returns the Server of cfg.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil {
		return nil, errors.New("oauth2cc: Config.DB is nil")
	}
	if _, err := dialect.ForName(cfg.Dialect.Name()); err != nil {
		return nil, fmt.Errorf("oauth2cc: Config.Dialect: %w", err)
	}
	if cfg.Pepper.IsZero() {
		return nil, errors.New("oauth2cc: Config.Pepper is the zero Pepper (make one with auth.NewPepper)")
	}
	if cfg.TokenLifetime < 0 {
		return nil, fmt.Errorf("oauth2cc: Config.TokenLifetime is negative (%v)", cfg.TokenLifetime)
	}
	d := cfg.Dialect
	s := &Server{
		db: dialect.NewDB(cfg.DB, d), d: d, pepper: cfg.Pepper, lifetime: cfg.TokenLifetime,
		guard: cfg.Guard, user: cfg.User, logger: cfg.Logger, now: cfg.Now,
		q: queries{
			clientByID: d.Rebind(`SELECT id, secret_hash, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END
				FROM oauth2_client WHERE client_id = ?`),
			insertClient: d.Rebind(`INSERT INTO oauth2_client (client_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?)`),
			insertToken:  d.Rebind(`INSERT INTO oauth2_token (token_id, token_hash, client, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
			tokenByID: d.Rebind(`SELECT t.token_hash, t.expires_at, c.id, c.client_id, c.name, c.created_at,
				CASE WHEN c.revoked_at IS NULL THEN 0 ELSE 1 END
				FROM oauth2_token AS t JOIN oauth2_client AS c ON c.id = t.client WHERE t.token_id = ?`),
			revoke:       d.Rebind(`UPDATE oauth2_client SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL`),
			clientExists: d.Rebind(`SELECT id FROM oauth2_client WHERE client_id = ?`),
			deleteTokens: d.Rebind(`DELETE FROM oauth2_token WHERE client = ?`),
			purge:        d.Rebind(`DELETE FROM oauth2_token WHERE expires_at <= ?`),
		},
	}
	if s.lifetime == 0 {
		s.lifetime = DefaultTokenLifetime
	}
	if s.user == nil {
		s.user = DefaultUser
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// clock is the current time as the tables store it: UTC, to the microsecond.
func (s *Server) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// CreateClient registers a client named name and returns its credentials, which are shown once: only
// the secret's hash is stored.
func (s *Server) CreateClient(ctx context.Context, name string) (Credentials, error) {
	if name == "" || len(name) > MaxClientNameLen {
		return Credentials{}, fmt.Errorf("oauth2cc: a client name must have 1 to %d bytes (this one has %d)", MaxClientNameLen, len(name))
	}
	id, err := randomHex(idBytes)
	if err != nil {
		return Credentials{}, err
	}
	secret, err := randomSecret(SecretPrefix)
	if err != nil {
		return Credentials{}, err
	}
	if _, err := s.db.ExecContext(ctx, s.q.insertClient, id, name, string(s.pepper.HashKey(secret)), s.bindTime(s.clock())); err != nil {
		return Credentials{}, fmt.Errorf("oauth2cc: create client %q: %w", name, err)
	}
	return Credentials{ClientID: id, ClientSecret: secret}, nil
}

// RevokeClient revokes the client with client_id id: it can no longer get tokens, and its tokens,
// deleted with it, fail at their next request (also one issued while it was being revoked: every
// token check reads its client's revocation). The client's row stays, for the record. Revoking a
// revoked client changes nothing; an unknown id is ErrUnknownClient.
func (s *Server) RevokeClient(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("oauth2cc: revoke client: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q.revoke, s.bindTime(s.clock()), id); err != nil {
		return fmt.Errorf("oauth2cc: revoke client: %w", err)
	}
	var row int64
	if err := tx.QueryRowContext(ctx, s.q.clientExists, id).Scan(&row); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrUnknownClient
		}
		return fmt.Errorf("oauth2cc: revoke client: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q.deleteTokens, row); err != nil {
		return fmt.Errorf("oauth2cc: revoke client: delete its tokens: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("oauth2cc: revoke client: %w", err)
	}
	return nil
}

// PurgeExpiredTokens deletes the tokens that have expired (they authenticate nothing already) and
// returns how many it deleted. Run it now and then: an hourly job, or the application's start.
func (s *Server) PurgeExpiredTokens(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q.purge, s.bindTime(s.clock()))
	if err != nil {
		return 0, fmt.Errorf("oauth2cc: purge expired tokens: %w", err)
	}
	return res.RowsAffected()
}
