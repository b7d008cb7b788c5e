package resource

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tastygo/tastygo/filters"
)

// Kind is what part of a resource a request addresses.
type Kind int

// The kinds of request.
const (
	KindList   Kind = iota // /api/v1/<name>/
	KindDetail             // /api/v1/<name>/<key>/
	KindSet                // /api/v1/<name>/set/<key>;<key>/
	KindSchema             // /api/v1/<name>/schema/
)

// Bundle carries one request through the steps, as Tastypie's bundle does.
type Bundle struct {
	// Resource is the resource addressed; its Steps are how one step calls another.
	Resource *Bound
	// Request is the HTTP request; nil for an in-process call.
	Request *http.Request
	// Method is the upper-case HTTP method.
	Method string
	// Kind is what the request addresses.
	Kind Kind
	// Query holds the query parameters.
	Query url.Values
	// Key is the primary key of a detail request, as written in the URL.
	Key string
	// Keys are the primary keys of a set/ request, as written.
	Keys []string
	// Data is the decoded body object of a write; Items the objects of an array POST.
	Data  map[string]any
	Items []map[string]any
	// Uploads describes the file parts of a multipart form body, by field; their contents are in Data.
	Uploads map[string]Upload
	// Partial is true for PATCH: fields absent from Data keep their values.
	Partial bool
	// Parent, on a sub-resource list (/api/v1/location/3/children/), names the object whose to-many
	// relation the list is: only objects whose to-one relation Via points at Key are listed.
	Parent *Parent
	// Depth is how many levels of relations to expand (depth=), already capped by the resource.
	Depth int
	// Limit and Offset are the page asked for, already checked against the resource's limits.
	Limit, Offset int
	// Filters are the request's parsed filters, set by the list steps after BuildFilters; Ordering its
	// parsed order_by. GetObjectList reads both to join the relations they go through.
	Filters  []filters.Filter
	Ordering []filters.Order
	// User is who is asking, as Authentication found them; nil for anonymous.
	User *User
	// RequestID identifies the request in logs and in error bodies.
	RequestID string
}

// Parent is the object a sub-resource list belongs to.
type Parent struct {
	// Via is the listed resource's to-one relation that points at the parent.
	Via string
	// Key is the parent's key, as written in the URL.
	Key string
	// URI is the sub-resource list's own path, /api/v1/location/3/children/.
	URI string
}

// Page is one page of a list, as the ObjGetList step finds it; a list GET answers it as a
// [ListResult], set/ as a [SetResult].
type Page struct {
	Objects []*Object
	// TotalCount is how many objects the list matches, exact unless Estimated; unused when Uncounted.
	TotalCount int64
	// Estimated says TotalCount is the database's estimate; Uncounted that there is no count.
	Estimated, Uncounted bool
	// More, when the count is not exact, says whether objects follow the page.
	More bool
}

// Response is what Dispatch answers: a status, headers, and a body. The default Dispatch answers typed
// bodies ([ListResult], [Object], [SetResult], [ObjectsResult], [DeletedResult], [UpdatedResult], nil
// for a quiet write), which the engine returns as they are. An override may change them in place,
// or answer any other value the JSON writer accepts (a map, a struct, one wrapping a typed body):
// HTTP writes it, and an engine call that cannot read it returns an INTERNAL_ERROR naming the
// override.
type Response struct {
	Status int
	Header http.Header
	Body   any
}

// User is who a request comes from.
type User struct {
	ID        int64
	Username  string
	Superuser bool
	// Data is what the application attached when it authenticated the user (the dashboard keeps the
	// user's top-level location there).
	Data any
}

type ctxKey int

const bundleKey ctxKey = iota

// BundleFromContext returns the bundle of the request being served, for code that only has a context.
func BundleFromContext(ctx context.Context) *Bundle {
	b, _ := ctx.Value(bundleKey).(*Bundle)
	return b
}

// withBundle returns a context carrying b.
func withBundle(ctx context.Context, b *Bundle) context.Context {
	return context.WithValue(ctx, bundleKey, b)
}
