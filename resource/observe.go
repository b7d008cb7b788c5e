package resource

import (
	"context"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/tastygo/tastygo/apierror"
)

// Observation: what the API tells the code around it about each request, without depending on any
// metrics or logging library. Middleware (an access log, metrics; package observe is one) puts a
// RequestInfo in the request's context with WithRequestInfo, calls the API, and reads the info once
// the API returns. Resources that report events of their own (nonmodel's runs) get Config.Observer at
// Bind, in Env.Observer.

// RequestInfo is what the API learned serving one request. The API fills in what it knows; the rest
// stays zero.
type RequestInfo struct {
	// RequestID is the request's id, as answered in X-Request-Id.
	RequestID string
	// Resource is the registered resource the request addressed: "" for the API's root, its OpenAPI
	// document and paths that name no resource. For a relation's list (/location/3/children/) it is
	// the listed resource.
	Resource string
	// Kind is "list", "detail", "set" or "schema" once the request reached its resource; "" before.
	Kind string
	// Method is the method served: the request's, or X-HTTP-Method-Override's on a POST.
	Method string
	// User is who the request was authenticated as; nil when anonymous or not (yet) authenticated.
	User *User
	// Status is the HTTP status answered; Code the error code of an error answer, "" otherwise.
	Status int
	Code   apierror.Code
	// Rows is how many objects the answer carried (a list, a page of CSV, set/), or the write created,
	// updated or deleted, as far as the API knows it; negative when it does not (a quiet bulk write).
	Rows int64

	// pending is the confirmation of a provisional authentication under way (ConfirmAuthentication);
	// noProvisional makes a read served again authenticate completely.
	pending       *pendingAuth
	noProvisional bool
}

type requestInfoKey struct{}

// WithRequestInfo returns r with a new RequestInfo in its context, and the info, for middleware that
// reads what the API learned once it has served r.
func WithRequestInfo(r *http.Request) (*http.Request, *RequestInfo) {
	info := &RequestInfo{Rows: -1}
	return r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)), info
}

// RequestInfoFrom returns the RequestInfo of a request's context; nil when none was placed there.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return info
}

// Observer is what Config.Observer holds: whatever an application's resources report events to, such
// as its metrics. It has no methods of its own: a package whose resources report something declares
// the interface it calls (nonmodel.RunObserver) and reports when the Observer implements it.
type Observer any

// String is the kind's name in a RequestInfo: list, detail, set or schema.
func (k Kind) String() string {
	switch k {
	case KindList:
		return "list"
	case KindDetail:
		return "detail"
	case KindSet:
		return "set"
	case KindSchema:
		return "schema"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// noteBundle records in the request's info the resource, kind, method and user of b.
func noteBundle(ctx context.Context, b *Bundle) {
	if info := RequestInfoFrom(ctx); info != nil {
		info.Resource, info.Kind, info.Method, info.User = b.Resource.Name, b.Kind.String(), b.Method, b.User
	}
}

// noteAnswer records the status and code of the answer to r, and sets its Cache-Control header: the
// resource's Meta.CacheControl on a successful read, else no-store when the request was authenticated
// or carried credentials, so that no browser or shared cache keeps what a user may read. A header
// the answer sets itself wins.
func (a *API) noteAnswer(w http.ResponseWriter, r *http.Request, status int, code apierror.Code) {
	info := RequestInfoFrom(r.Context())
	if info == nil {
		return
	}
	info.Status, info.Code = status, code
	if w.Header().Get("Cache-Control") != "" {
		return
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if res := a.resources[info.Resource]; res != nil && res.Meta.CacheControl != "" && read && status < 300 {
		w.Header().Set("Cache-Control", res.Meta.CacheControl)
		return
	}
	if info.User != nil || r.Header.Get("Authorization") != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
}

// rowsOf is how many objects an answer carries, or its write touched; -1 when it does not say.
func rowsOf(kind, method string, resp *Response) int64 {
	switch body := resp.Body.(type) {
	case *Object:
		return 1
	case *ListResult:
		return int64(len(body.Objects))
	case *SetResult:
		return int64(len(body.Objects))
	case *ObjectsResult:
		return int64(len(body.Objects))
	case *DeletedResult:
		return body.Deleted
	case *UpdatedResult:
		return body.Updated
	case nil:
		// A quiet write of one object (QuietWrites): PUT, PATCH or DELETE of a detail. A quiet POST may
		// have created one object or an array's worth.
		write := method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
		if resp.Status < 300 && kind == "detail" && write {
			return 1
		}
	}
	return -1
}

// countRows makes a CSV stream count its rows into info.
func countRows(s *csvStream, info *RequestInfo) {
	rows := s.rows
	info.Rows = 0
	s.rows = func(each func(*Object) error) error {
		return rows(func(o *Object) error {
			info.Rows++
			return each(o)
		})
	}
}

// What a log line quotes of a request is bounded: a request can carry a megabyte of URL, and an error's
// text can quote a value it sent; its log line must not.
const (
	maxLoggedPath  = 200
	maxLoggedError = 2000
)

// LogText returns s cut to n bytes (at a character boundary) with the number of bytes left out, for
// log lines that quote what a client sent.
func LogText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)-cut) + " more bytes)"
}
