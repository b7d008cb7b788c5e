package observe

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tastygo/tastygo/resource"
)

// What an access-log line quotes of a request is bounded, whatever the request: a megabyte of URL
// makes a line of the usual size.
const (
	maxPath  = 200 // bytes of the path
	maxQuery = 200 // bytes of the query's parameter names
)

// accessAttrs are the fields of a request's access-log line:
//
//	request_id  the X-Request-Id answered (the client's, or one the API made)
//	user        the authenticated user's name (or "id:N" without one); absent when anonymous
//	resource    the resource addressed, kind its kind (list, detail, set, schema); absent outside resources
//	method      the method served (X-HTTP-Method-Override's on a POST that carries one)
//	path        the URL's path, cut to 200 bytes
//	query       the names of the query's parameters, never their values, cut to 200 bytes
//	status      the HTTP status answered (0: none, the handler was aborted before answering)
//	code        the error code of an error answer
//	duration_ms the time from the request's arrival to the end of its answer
//	rows        the objects listed, or created, updated or deleted, where the API knows it
//	bytes       the size of the answer's body
//	client      the client's IP address
//	aborted     true when the answer was cut short (a CSV export that failed midway)
func accessAttrs(r *http.Request, info *resource.RequestInfo, rec *recorder, elapsed time.Duration, aborted bool) []slog.Attr {
	attrs := make([]slog.Attr, 0, 16)
	rid := info.RequestID
	if rid == "" {
		rid = rec.Header().Get("X-Request-Id")
	}
	if rid != "" {
		attrs = append(attrs, slog.String("request_id", rid))
	}
	if u := info.User; u != nil {
		name := u.Username
		if name == "" {
			name = "id:" + strconv.FormatInt(u.ID, 10)
		}
		attrs = append(attrs, slog.String("user", name))
	}
	if info.Resource != "" {
		attrs = append(attrs, slog.String("resource", info.Resource))
	}
	if info.Kind != "" {
		attrs = append(attrs, slog.String("kind", info.Kind))
	}
	method := info.Method
	if method == "" {
		method = r.Method
	}
	attrs = append(attrs, slog.String("method", resource.LogText(method, 20)), slog.String("path", resource.LogText(r.URL.Path, maxPath)))
	if r.URL.RawQuery != "" {
		attrs = append(attrs, slog.String("query", queryNames(r.URL.RawQuery)))
	}
	attrs = append(attrs, slog.Int("status", rec.status))
	if info.Code != "" {
		attrs = append(attrs, slog.String("code", string(info.Code)))
	}
	attrs = append(attrs, slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	if info.Rows >= 0 {
		attrs = append(attrs, slog.Int64("rows", info.Rows))
	}
	attrs = append(attrs, slog.Int64("bytes", rec.bytes))
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		attrs = append(attrs, slog.String("client", host))
	}
	if aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	return attrs
}

// queryNames lists the names of a raw query's parameters, in order, each once, joined by commas and
// cut to maxQuery bytes: the values, which may be anything a client typed, are never logged.
func queryNames(raw string) string {
	var b strings.Builder
	seen := map[string]bool{}
	more := 0
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if name == "" || seen[name] {
			continue
		}
		if b.Len() > maxQuery {
			more++
			continue
		}
		seen[name] = true
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
	}
	out := resource.LogText(b.String(), maxQuery)
	if more > 0 {
		out += " (+" + strconv.Itoa(more) + " more parameters)"
	}
	return out
}
