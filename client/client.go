// Package client is the Go client of a tastygo API: typed managers and lazy, immutable queries over any
// resource, in the manner of an ORM over REST (Balsam's client, Django's querysets), through HTTP
// ([New]) or through the engine in-process ([NewDirect]); every call behaves the same on both.
//
//	c := client.New("https://dash.example.org/api/v1/", client.WithAPIKey("ana", key))
//	inds := client.For[Indicator](c, "indicator")
//	q := inds.Filter("name__icontains", "polio").OrderBy("-id") // nothing sent yet
//	list, err := q.Limit(5).All(ctx)
//	for ind, err := range q.Iter(ctx) { ... }                   // a page at a time
//
// Errors the API answers are *Error values that match the sentinels (ErrNotFound, ErrInvalid...) with
// errors.Is. Reads, PUT and DELETE are retried on connection errors, 502, 503, 504 and 429, with
// exponential backoff and jitter, honouring Retry-After; POST and PATCH only when the request provably
// never reached the server. A 401 calls the re-authentication hook ([WithReauth]) once and retries.
package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Client sends the calls of its managers and queries through one transport. It is safe for concurrent
// use; make one per API and keep it.
type Client struct {
	t   transport
	cfg config
}

// Defaults of the options.
const (
	// DefaultTimeout bounds each attempt of a call (WithTimeout).
	DefaultTimeout = 30 * time.Second
	// DefaultRetries is how many times a retryable call is retried (WithRetries).
	DefaultRetries = 3
	// DefaultBackoff is the first retry's backoff, doubled at each retry up to DefaultMaxBackoff.
	DefaultBackoff    = 200 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After the client waits for; a longer one is returned
	// as the error.
	DefaultMaxRetryAfter = time.Minute
)

type config struct {
	httpClient    *http.Client
	roundTripper  http.RoundTripper
	auth          authorizer
	timeout       time.Duration
	retries       int
	backoff       time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	reauth        func(ctx context.Context) (Option, error)
	userAgent     string
	pageSize      int
}

func defaults() config {
	return config{timeout: DefaultTimeout, retries: DefaultRetries, backoff: DefaultBackoff,
		maxBackoff: DefaultMaxBackoff, maxRetryAfter: DefaultMaxRetryAfter, userAgent: "tastygo-client"}
}

// Option configures a Client.
type Option func(*config)

// authorizer puts credentials on a request.
type authorizer interface {
	authorize(r *http.Request) error
}

type headerAuth string

func (h headerAuth) authorize(r *http.Request) error {
	r.Header.Set("Authorization", string(h))
	return nil
}

type basicAuth struct{ user, password string }

func (b basicAuth) authorize(r *http.Request) error {
	r.SetBasicAuth(b.user, b.password)
	return nil
}

type tokenAuth struct{ ts oauth2.TokenSource }

func (t tokenAuth) authorize(r *http.Request) error {
	tok, err := t.ts.Token()
	if err != nil {
		return fmt.Errorf("client: the token source: %w", err)
	}
	tok.SetAuthHeader(r)
	return nil
}

// WithAPIKey authenticates with the API key of a user: `Authorization: ApiKey username:key`.
func WithAPIKey(username, key string) Option {
	return func(c *config) { c.auth = headerAuth("ApiKey " + username + ":" + key) }
}

// WithBearer authenticates with a bearer token: `Authorization: Bearer token`.
func WithBearer(token string) Option {
	return func(c *config) { c.auth = headerAuth("Bearer " + token) }
}

// WithBasic authenticates with HTTP Basic.
func WithBasic(username, password string) Option {
	return func(c *config) { c.auth = basicAuth{username, password} }
}

// WithTokenSource authenticates with the tokens of an oauth2.TokenSource, reused until they expire.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) { c.auth = tokenAuth{oauth2.ReuseTokenSource(nil, ts)} }
}

// WithRoundTripper sends the client's requests through rt (an oauth2.Transport, a tracing or signing
// round tripper...) instead of the client's own keep-alive transport.
func WithRoundTripper(rt http.RoundTripper) Option {
	return func(c *config) { c.roundTripper = rt }
}

// WithHTTPClient sends the client's requests through hc; its Timeout, if any, applies beside the
// client's own per-attempt timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient = hc }
}

// WithTimeout bounds each attempt of a call, its answer read in full (DefaultTimeout); 0: no bound
// beyond the context's. A call that runs out of time returns an error that wraps
// context.DeadlineExceeded.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithRetries sets how many times a retryable call is retried (DefaultRetries); 0 disables retries.
func WithRetries(n int) Option {
	return func(c *config) { c.retries = max(n, 0) }
}

// WithBackoff sets the first retry's backoff and its bound; each retry doubles it, and waits a random
// part of it (full jitter), or the server's Retry-After when that is longer.
func WithBackoff(first, most time.Duration) Option {
	return func(c *config) { c.backoff, c.maxBackoff = first, most }
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for (DefaultMaxRetryAfter).
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) { c.maxRetryAfter = d }
}

// WithReauth sets the re-authentication hook (Balsam's refresh_auth): when a call is answered 401, the
// client calls it once, applies the Option it returns (WithBearer(fresh), WithAPIKey(...)) to its
// credentials, and sends the call again.
func WithReauth(hook func(ctx context.Context) (Option, error)) Option {
	return func(c *config) { c.reauth = hook }
}

// WithPageSize sets the page size Iter and All ask for when the query has no Limit; 0 (the default)
// asks for the resource's largest page (limit=0).
func WithPageSize(n int) Option {
	return func(c *config) { c.pageSize = max(n, 0) }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) { c.userAgent = ua }
}

func newConfig(opts []Option) config {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// New returns a client of the API at baseURL, which ends in the API prefix (".../api/v1/"), over HTTP:
// one http.Client whose connections are kept alive and reused.
func New(baseURL string, opts ...Option) *Client {
	cfg := newConfig(opts)
	return &Client{t: newHTTPTransport(baseURL, &cfg), cfg: cfg}
}

// send runs a call with the client's retries and re-authentication.
func (c *Client) send(ctx context.Context, cl *call) (*answer, error) {
	reauthed := false
	for attempt := 0; ; attempt++ {
		ans, err := c.t.do(ctx, cl)
		if err == nil {
			return ans, nil
		}
		var apiErr *Error
		isAPI := errors.As(err, &apiErr)
		if isAPI && apiErr.Status == http.StatusUnauthorized && c.cfg.reauth != nil && !reauthed {
			// The server refused the request before doing anything: sending it again is safe.
			reauthed = true
			if rerr := c.reauthenticate(ctx); rerr != nil {
				return nil, fmt.Errorf("client: re-authentication after %w: %w", err, rerr)
			}
			attempt--
			continue
		}
		if attempt >= c.cfg.retries || ctx.Err() != nil || !retryable(cl, err, apiErr) {
			return nil, err
		}
		wait := c.backoffFor(attempt)
		if isAPI && apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > c.cfg.maxRetryAfter {
				return nil, err
			}
			wait = max(wait, apiErr.RetryAfter)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (while waiting to retry after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// retryable reports whether a failed call may be sent again: idempotent calls on connection errors and
// on 502, 503, 504 and 429; any call that provably never reached the server (a dial error), or that
// the API refused by throttling, which it does before any work. Errors before sending (encoding the
// body, getting a token) and timeouts are not retried.
func retryable(cl *call, err error, apiErr *Error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	if apiErr != nil {
		switch apiErr.Status {
		case http.StatusTooManyRequests:
			return cl.idempotent() || apiErr.Code == "THROTTLED"
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return cl.idempotent()
		}
		return false
	}
	var r reachedServer
	if !errors.As(err, &r) {
		// Not the connection's: a body that cannot be encoded, a token source that failed.
		return false
	}
	return !r.reached() || cl.idempotent()
}

// backoffFor is the wait before retry attempt+1: a random duration up to backoff·2^attempt, bounded
// by maxBackoff (full jitter), at least a tenth of it.
func (c *Client) backoffFor(attempt int) time.Duration {
	d := c.cfg.backoff << min(attempt, 20)
	if d > c.cfg.maxBackoff || d <= 0 {
		d = c.cfg.maxBackoff
	}
	if d <= 0 {
		return 0
	}
	return d/10 + rand.N(d-d/10+1)
}

// reauthenticate calls the hook and installs the credentials it returns.
func (c *Client) reauthenticate(ctx context.Context) error {
	opt, err := c.cfg.reauth(ctx)
	if err != nil {
		return err
	}
	if opt == nil {
		return nil
	}
	var fresh config
	opt(&fresh)
	if fresh.auth == nil {
		return errors.New("the re-authentication hook returned an option that sets no credentials")
	}
	if s, ok := c.t.(interface{ setAuth(authorizer) }); ok {
		s.setAuth(fresh.auth)
	}
	return nil
}
