package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// httpTransport sends calls over HTTP to the API at base.
type httpTransport struct {
	base    *url.URL // ends in the API prefix, "/api/v1/"
	baseErr error
	hc      *http.Client
	auth    atomic.Pointer[authorizer]
	timeout time.Duration
	ua      string
}

func newHTTPTransport(baseURL string, cfg *config) *httpTransport {
	t := &httpTransport{timeout: cfg.timeout, ua: cfg.userAgent}
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	t.base, t.baseErr = url.Parse(baseURL)
	if t.baseErr == nil && (t.base.Scheme == "" || t.base.Host == "") {
		t.baseErr = fmt.Errorf("client: %q is not an absolute URL", baseURL)
	}
	t.hc = cfg.httpClient
	if t.hc == nil {
		rt := cfg.roundTripper
		if rt == nil {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = 16
			tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
			rt = tr
		}
		t.hc = &http.Client{Transport: rt}
	}
	if cfg.auth != nil {
		t.setAuth(cfg.auth)
	}
	return t
}

func (t *httpTransport) setAuth(a authorizer) { t.auth.Store(&a) }

func (t *httpTransport) uri(resource, key string) string {
	return t.base.Path + resource + "/" + url.PathEscape(key) + "/"
}

// transportError is an error of the connection, which knows whether the request reached the server.
type transportError struct {
	err       error
	unreached bool
}

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }
func (e *transportError) reached() bool { return !e.unreached }

// neverSent reports whether err proves that no byte of the request reached the server: the
// connection could not be made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func (t *httpTransport) target(c *call) (*url.URL, error) {
	if t.baseErr != nil {
		return nil, t.baseErr
	}
	if c.next != "" {
		return t.base.Parse(c.next)
	}
	u := *t.base
	u.Path += c.path
	u.RawPath = ""
	if len(c.query) > 0 {
		u.RawQuery = c.query.Encode()
	}
	return &u, nil
}

func (t *httpTransport) do(ctx context.Context, c *call) (*answer, error) {
	u, err := t.target(c)
	if err != nil {
		return nil, err
	}
	var body []byte
	if c.body != nil {
		if body, err = json.Marshal(c.body); err != nil {
			return nil, fmt.Errorf("client: the body of %s %s cannot be encoded: %w", c.method, u.Path, err)
		}
	}
	actx := ctx
	if t.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(actx, c.method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = nil, nil, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", t.ua)
	if a := t.auth.Load(); a != nil {
		if err := (*a).authorize(req); err != nil {
			return nil, err
		}
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return nil, t.failed(ctx, actx, c, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, t.failed(ctx, actx, c, u, err)
	}
	if resp.StatusCode >= 300 {
		return nil, errorOf(resp, raw)
	}
	return readAnswer(c, resp.StatusCode, raw)
}

// failed wraps a connection error; one that ran out of the attempt's time wraps
// context.DeadlineExceeded.
func (t *httpTransport) failed(ctx, actx context.Context, c *call, u *url.URL, err error) error {
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	return &transportError{err: fmt.Errorf("client: %s %s: %w", c.method, u.Path, err), unreached: neverSent(err)}
}

// errorOf reads the API's error body ({"error", "code", "details"}) of an answer.
func errorOf(resp *http.Response, raw []byte) *Error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var body struct {
		Error   string         `json:"error"`
		Code    string         `json:"code"`
		Details map[string]any `json:"details"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Code != "" {
		e.Code, e.Message, e.Details = body.Code, body.Error, body.Details
	} else {
		e.Code = strings.ToUpper(strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "_"))
		e.Message = strings.TrimSpace(string(raw))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200]
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	return e
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0)
	}
	return 0
}

// readAnswer reads a successful body into an answer.
func readAnswer(c *call, status int, raw []byte) (*answer, error) {
	a := &answer{}
	if len(bytes.TrimSpace(raw)) == 0 || status == http.StatusNoContent {
		a.count = -1
		return a, nil
	}
	var err error
	switch c.want {
	case wantObject:
		a.object = raw
	case wantList, wantObjects:
		var env struct {
			Meta     *pageMeta         `json:"meta"`
			Objects  []json.RawMessage `json:"objects"`
			NotFound []string          `json:"not_found"`
		}
		err = json.Unmarshal(raw, &env)
		a.meta, a.objects, a.notFound = env.Meta, env.Objects, env.NotFound
	case wantCount:
		var n map[string]int64
		err = json.Unmarshal(raw, &n)
		a.count = -1
		for _, k := range []string{"deleted", "updated"} {
			if v, ok := n[k]; ok {
				a.count = v
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: the answer is not the JSON expected: %w", c.method, c.path, err)
	}
	return a, nil
}
