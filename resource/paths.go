package resource

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
)

// Paths are served only in their canonical form, the one the API itself writes in resource_uri, next
// and the listing. Anything else is a 404 in the error shape, for every method, and never a redirect:
// gorilla/mux by default cleans a path and answers 301 to the cleaned one, which turned
// DELETE /api/v1/campaign_type/..%2Findicator%2F21/ into a redirect to /api/v1/indicator/21/ that
// browsers follow with the same method and credentials. The router therefore runs with SkipClean and
// UseEncodedPath (path variables are matched on the path as sent and unescaped here), behind
// canonicalOnly.

// canonicalPath reports whether an escaped path (URL.EscapedPath) is canonical: it starts with '/',
// has no empty segment but a trailing slash's, no "." or ".." segment, and percent-encodes neither '/'
// nor a character that never needs it (RFC 3986's unreserved A-Z a-z 0-9 - . _ ~), so that "%2F"
// cannot hide a separator, "%2E%2E" a "..", nor "%33%33" the key 33.
func canonicalPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	segments := strings.Split(p[1:], "/")
	for i, seg := range segments {
		if seg == "" && i < len(segments)-1 {
			return false
		}
		if !canonicalSegment(seg) {
			return false
		}
	}
	return true
}

// canonicalSegment reports whether one escaped path segment is canonical (see canonicalPath).
func canonicalSegment(seg string) bool {
	if seg == "." || seg == ".." {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] != '%' {
			continue
		}
		if i+2 >= len(seg) || !isHex(seg[i+1]) || !isHex(seg[i+2]) {
			return false
		}
		c := unhex(seg[i+1])<<4 | unhex(seg[i+2])
		if c == '/' || isUnreserved(c) {
			return false
		}
		i += 2
	}
	return true
}

// pathKey is the key an escaped path segment names, or false when the segment is not canonical or
// empty.
func pathKey(seg string) (string, bool) {
	if seg == "" || !canonicalSegment(seg) {
		return "", false
	}
	key, err := url.PathUnescape(seg)
	return key, err == nil
}

// canonicalOnly answers a request whose path is not canonical with a 404, before routing.
func (a *API) canonicalOnly(next http.Handler) http.Handler {
	refuse := a.handler(pageOther, func(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
		p := clip(r.URL.EscapedPath())
		return nil, apierror.New(apierror.ResourceNotFound, "Nothing is served at %q: a path with an empty, '.' or '..' segment, "+
			"or with '/' or a letter, digit or one of - . _ ~ percent-encoded, is not canonical.", p).With("path", p)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !canonicalPath(r.URL.EscapedPath()) {
			refuse.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// detailKey is the key of a detail path's escaped segment when it is the resource's key in canonical
// form (field.ParseKey by the primary key's type); otherwise the request is a 404, whatever its method,
// before any step (an override included) sees the key.
func (r *Bound) detailKey(seg string) (string, error) {
	key, ok := pathKey(seg)
	if ok {
		_, ok = field.ParseKey(r.primaryKeyType(), key)
	}
	if !ok {
		return "", apierror.New(apierror.ObjectDoesNotExist, "No %s with key %q.", r.Name, clip(key)).
			With("resource", r.Name).With("key", clip(key))
	}
	return key, nil
}

// setKeys are the keys of a set/ path's escaped segment: split on ';' before unescaping, so that a
// key's own "%3B" stays in the key. Empty keys are skipped.
func setKeys(seg string) []string {
	var keys []string
	for _, k := range strings.Split(seg, ";") {
		if k == "" {
			continue
		}
		if key, err := url.PathUnescape(k); err == nil {
			k = key
		}
		keys = append(keys, k)
	}
	return keys
}

// primaryKeyType is the type of the resource's primary key (text, any non-empty key, when no field
// says).
func (r *Bound) primaryKeyType() field.Type {
	for _, f := range r.Binding.Fields {
		if f.PrimaryKey {
			return f.Type
		}
	}
	return field.String
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
