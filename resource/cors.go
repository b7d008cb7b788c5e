package resource

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/cors"
)

// CORS is an API's cross-origin policy (Config.CORS), applied by github.com/rs/cors in front of
// everything else: a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
// 204 before authentication, with the Access-Control-Allow-* headers when the origin is allowed and
// without them when it is not; an actual request from an allowed origin gets
// Access-Control-Allow-Origin (its own origin, never "*" with credentials) and the exposed headers.
// Every answer carries Vary: Origin. An OPTIONS without Access-Control-Request-Method is not a
// preflight: the resource describes itself as always.
type CORS struct {
	// AllowedOrigins are the origins allowed, exactly as browsers send them (scheme://host[:port]);
	// "*" allows any (not with AllowCredentials), and one "*" inside an origin matches any text
	// there (https://*.example.com). None: no cross-origin policy at all, as a nil *CORS.
	AllowedOrigins []string
	// AllowCredentials lets browsers send cookies and HTTP authentication along
	// (Access-Control-Allow-Credentials: true).
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight's answer (Access-Control-Max-Age, whole
	// seconds); zero sends none (browsers then take 5 s).
	MaxAge time.Duration
	// AllowedHeaders are the request headers a page may send; DefaultCORSHeaders when nil.
	AllowedHeaders []string
	// ExposedHeaders are the response headers a page may read; DefaultCORSExposedHeaders when nil.
	ExposedHeaders []string
}

// DefaultCORSHeaders are the request headers CORS allows unless CORS.AllowedHeaders says otherwise:
// the credentials, the body's type, the method override, the request id and the CSRF token of a
// session.
var DefaultCORSHeaders = []string{"Accept", "Authorization", "Content-Type", "X-HTTP-Method-Override", "X-Request-Id", "X-CSRFToken"}

// DefaultCORSExposedHeaders are the response headers a page may read unless CORS.ExposedHeaders says
// otherwise.
var DefaultCORSExposedHeaders = []string{"Location", "Retry-After", "X-Request-Id", "WWW-Authenticate", "Content-Disposition"}

// corsMethods are the methods an API serves, all allowed cross-origin.
var corsMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// handler wraps h in the policy; nil, or no origin, is no policy: h itself.
func (c *CORS) handler(h http.Handler) (http.Handler, error) {
	if c == nil || len(c.AllowedOrigins) == 0 {
		return h, nil
	}
	for _, o := range c.AllowedOrigins {
		if o == "*" && c.AllowCredentials {
			return nil, fmt.Errorf("resource: Config.CORS: the origin \"*\" cannot go with AllowCredentials: name the origins")
		}
		if o != "*" && (!strings.Contains(o, "://") || strings.HasSuffix(o, "/")) {
			return nil, fmt.Errorf("resource: Config.CORS: origin %q is not scheme://host[:port]", o)
		}
	}
	if c.MaxAge < 0 {
		return nil, fmt.Errorf("resource: Config.CORS: MaxAge %v is negative", c.MaxAge)
	}
	headers, exposed := c.AllowedHeaders, c.ExposedHeaders
	if headers == nil {
		headers = DefaultCORSHeaders
	}
	if exposed == nil {
		exposed = DefaultCORSExposedHeaders
	}
	return cors.New(cors.Options{
		AllowedOrigins:   c.AllowedOrigins,
		AllowedMethods:   corsMethods,
		AllowedHeaders:   headers,
		ExposedHeaders:   exposed,
		MaxAge:           int(c.MaxAge / time.Second),
		AllowCredentials: c.AllowCredentials,
	}).Handler(h), nil
}
