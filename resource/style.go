package resource

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/filters"
)

// Style is the wire format an API speaks (Config.Style): the list envelope and its paging
// parameters, the ordering parameter, whether answers carry "success": true, the root listing and the
// shape of OPTIONS. Filters, lookups, relations, depth, authorization, writes, CSV and the engine work
// alike in every style; errors have the one shape of API.md in both.
type Style int

const (
	// TastypieStyle is django-tastypie's wire format (API.md), the zero value: lists are
	// {"meta": {limit, next, offset, previous, total_count}, "objects": [...]} paged by limit and
	// offset, ordered by order_by (repeatable; sort_by, Tastypie's deprecated alias, when no order_by
	// is given); the root lists each resource's list_endpoint and schema.
	TastypieStyle Style = iota
	// DRFStyle is Django REST framework's: lists are {"success": true, "count", "next", "previous",
	// "results"} paged by page (from 1) and page_size (PageNumberPagination, with absolute links),
	// ordered by ordering=a,-b (OrderingFilter); every other answer that is an object carries
	// "success": true first; the root maps each resource to its list's absolute URL; OPTIONS answers
	// SimpleMetadata's shape ("Job List", "Job Instance"). PATCH on an object answers 200, as DRF's
	// UpdateModelMixin does.
	DRFStyle
)

// String names the style: "tastypie" or "drf".
func (s Style) String() string {
	switch s {
	case TastypieStyle:
		return "tastypie"
	case DRFStyle:
		return "drf"
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// wire is what a style decides; each style is one implementation, chosen once when the API is built.
type wire interface {
	// reserves reports whether the style reserves a query parameter for paging or ordering.
	reserves(name string) bool
	// defaultLimit is the page size of a resource whose Meta.Limit is zero.
	defaultLimit() int
	// ordering returns the parameter lists are ordered by and the terms the query gives it.
	ordering(q url.Values) (param string, terms []string)
	// paging reads the page asked for into b.Limit and b.Offset; chosen reports whether the request
	// named its page (a CSV export is then paged).
	paging(b *Bundle) (chosen bool, err error)
	// links sets the answer's next and previous links, or refuses a page past the end.
	links(b *Bundle, page *Page, out *ListResult) error
	// body is the wire form of a typed answer (answer.go); any other value is written as it is.
	body(v any) any
	// listing is the body of GET <prefix>.
	listing(ctx context.Context, a *API, r *http.Request, query url.Values, rid string) any
	// options is the body of OPTIONS on a kind of request of the resource.
	options(r *Bound, kind Kind) any
	// patchStatus is the status of a PATCH on an object that answers the object.
	patchStatus() int
}

// wireOf returns the implementation of a style, or an error for a value that is not a Style.
func wireOf(s Style) (wire, error) {
	switch s {
	case TastypieStyle:
		return tastypieWire{}, nil
	case DRFStyle:
		return drfWire{}, nil
	}
	return nil, fmt.Errorf("resource: Config.Style %d is neither TastypieStyle nor DRFStyle", int(s))
}

// commonParams are the parameters every style reserves: fields=, depth=, format= and the cache
// buster.
var commonParams = []string{filters.FieldsParam, filters.DepthParam, filters.FormatParam, filters.CacheBusterParam}

// Style returns the wire style the API speaks.
func (a *API) Style() Style { return a.style }

// OrderingOf returns the query parameter lists are ordered by in the API's style ("order_by" in
// Tastypie's, "ordering" in Django REST framework's) and the terms q gives it, for
// filters.ParseOrderOf.
func (a *API) OrderingOf(q url.Values) (param string, terms []string) {
	return a.wire.ordering(q)
}

// OrderingParam is [API.OrderingOf] of the request's query.
func (b *Bundle) OrderingParam() (param string, terms []string) {
	return b.Resource.API.OrderingOf(b.Query)
}

// lastValue is a parameter's last value, as Django's QueryDict.get reads it.
func lastValue(q url.Values, name string) (string, bool) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// exactlyCounted reports whether the page's total count is exact.
func exactlyCounted(p *Page) bool { return !p.Uncounted && !p.Estimated }

// hasNext reports whether a page follows the one of b.Limit objects at b.Offset.
func hasNext(b *Bundle, p *Page) bool {
	// limit < count-offset is offset+limit < count without overflowing on a huge offset.
	return (exactlyCounted(p) && int64(b.Limit) < p.TotalCount-int64(b.Offset)) || (!exactlyCounted(p) && p.More)
}

// tastypieWire is Tastypie's wire format.
type tastypieWire struct{}

// SortByParam is Tastypie's deprecated alias of order_by, which the Tastypie style reads when a
// request gives no order_by (apply_sorting: options['order_by'] = options['sort_by'], so its last
// value only) and reserves so that it is never taken for a filter.
const SortByParam = "sort_by"

func (tastypieWire) reserves(name string) bool {
	return filters.IsReserved(name) || name == SortByParam
}

func (tastypieWire) defaultLimit() int { return 20 }

// ordering is order_by, repeatable; or, when the request gives none, the last sort_by value
// (Tastypie's deprecated alias), which errors then name.
func (tastypieWire) ordering(q url.Values) (string, []string) {
	if _, ok := q[filters.OrderParam]; !ok {
		if v, ok := lastValue(q, SortByParam); ok {
			return SortByParam, []string{v}
		}
	}
	return filters.OrderParam, q[filters.OrderParam]
}

func (tastypieWire) paging(b *Bundle) (bool, error) {
	_, limited := b.Query[filters.LimitParam]
	return limited, parsePaging(b)
}

func (tastypieWire) links(b *Bundle, page *Page, out *ListResult) error {
	if hasNext(b, page) {
		next := pageURI(b, b.Offset+b.Limit)
		out.Meta.Next = &next
	}
	if b.Offset-b.Limit >= 0 {
		prev := pageURI(b, b.Offset-b.Limit)
		out.Meta.Previous = &prev
	}
	return nil
}

func (tastypieWire) body(v any) any { return v }

func (tastypieWire) listing(ctx context.Context, a *API, r *http.Request, query url.Values, rid string) any {
	full := query.Get("fullschema") == "true" || query.Get("fullschema") == "True"
	out := make(map[string]any, len(a.names))
	for _, n := range a.names {
		res := a.resources[n]
		var schema any = res.ListURI() + "schema/"
		if full && res.mayReadSchema(ctx, r, query, rid) {
			schema = res.Schema()
		}
		out[n] = map[string]any{"list_endpoint": res.ListURI(), "schema": schema}
	}
	return out
}

func (tastypieWire) options(r *Bound, kind Kind) any { return r.tastypieOptions(kind) }

func (tastypieWire) patchStatus() int { return http.StatusAccepted }

// drfWire is Django REST framework's wire format.
type drfWire struct{}

// The parameters of Django REST framework's PageNumberPagination and OrderingFilter.
const (
	pageParam     = "page"
	pageSizeParam = "page_size"
	orderingParam = "ordering"
)

func (drfWire) reserves(name string) bool {
	return name == pageParam || name == pageSizeParam || name == orderingParam || slices.Contains(commonParams, name)
}

func (drfWire) defaultLimit() int { return 100 }

// ordering is OrderingFilter's: the last ordering= value, split on commas, empty terms dropped.
func (drfWire) ordering(q url.Values) (string, []string) {
	v, _ := lastValue(q, orderingParam)
	var terms []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			terms = append(terms, t)
		}
	}
	return orderingParam, terms
}

// paging is PageNumberPagination's: page_size a positive integer (capped at the maximum) or else the
// default; page from 1, absent or empty meaning 1, anything else that is not a positive integer
// "Invalid page." (404).
func (drfWire) paging(b *Bundle) (bool, error) {
	def, max := b.Resource.Limits()
	b.Limit, b.Offset = def, 0
	_, sized := b.Query[pageSizeParam]
	if v, ok := lastValue(b.Query, pageSizeParam); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			b.Limit = min(n, max)
		}
	}
	v, paged := lastValue(b.Query, pageParam)
	if v == "" {
		return sized || paged, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n-1 > (int(^uint(0)>>1))/b.Limit {
		return false, invalidPage()
	}
	b.Offset = (n - 1) * b.Limit
	return true, nil
}

// invalidPage is DRF's answer to a page that is not a number or lies past the end.
func invalidPage() error {
	return apierror.New(apierror.PageNotFound, "Invalid page.").With("parameter", pageParam)
}

// links are get_next_link and get_previous_link: the request's absolute URL with every parameter
// kept (sorted, as DRF's replace_query_param writes them) and page set, the link to page 1 without
// page. A page past the end (none but the first may be empty) is "Invalid page.".
func (drfWire) links(b *Bundle, page *Page, out *ListResult) error {
	n := b.Offset/b.Limit + 1
	if n > 1 && len(page.Objects) == 0 {
		return invalidPage()
	}
	if hasNext(b, page) {
		next := drfPageURL(b, n+1)
		out.Meta.Next = &next
	}
	if n > 1 {
		prev := drfPageURL(b, n-1)
		out.Meta.Previous = &prev
	}
	return nil
}

// drfPageURL is the list's absolute URL for page n.
func drfPageURL(b *Bundle, n int) string {
	q := url.Values{}
	for k, v := range b.Query {
		if k != pageParam {
			q[k] = v
		}
	}
	if n > 1 {
		q.Set(pageParam, strconv.Itoa(n))
	}
	path := b.Resource.ListURI()
	if b.Parent != nil {
		path = b.Parent.URI
	}
	u := absoluteURL(b.Request, path)
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// absoluteURL is path on the host the request was sent to (Django's build_absolute_uri): https when
// the connection is TLS, http otherwise. In-process (no request) it is the path alone.
func absoluteURL(r *http.Request, path string) string {
	if r == nil || r.Host == "" {
		return path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func (drfWire) body(v any) any {
	switch x := v.(type) {
	case *ListResult:
		if x != nil {
			return drfList{x}
		}
	case *Object:
		if x != nil {
			return drfObject{x}
		}
	case *ObjectsResult:
		if x != nil {
			return successBody{{"results", nonNilObjects(x.Objects)}}
		}
	case *SetResult:
		if x != nil {
			return successBody{{"not_found", nonNil(x.NotFound)}, {"results", nonNilObjects(x.Objects)}}
		}
	case *DeletedResult:
		if x != nil {
			return successBody{{"deleted", x.Deleted}}
		}
	case *UpdatedResult:
		if x != nil {
			return successBody{{"updated", x.Updated}}
		}
	}
	return v
}

// listing is DefaultRouter's API root: each resource's name and its list's absolute URL.
func (drfWire) listing(_ context.Context, a *API, r *http.Request, _ url.Values, _ string) any {
	out := make(map[string]any, len(a.names))
	for _, n := range a.names {
		out[n] = absoluteURL(r, a.resources[n].ListURI())
	}
	return out
}

func (drfWire) options(r *Bound, kind Kind) any { return r.drfOptions(kind) }

func (drfWire) patchStatus() int { return http.StatusOK }

func nonNilObjects(os []*Object) []*Object {
	if os == nil {
		return []*Object{}
	}
	return os
}

// member is one key and value of an ordered JSON object.
type member struct {
	key   string
	value any
}

// ordered is a JSON object written with its keys in the order given (DRF's answers are ordered
// dicts), where every other body is written with sorted keys.
type ordered []member

// AppendJSON appends the object to b.
func (o ordered) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendJSONString(b, m.key)
		b = append(b, ": "...)
		var err error
		if b, err = appendJSONValue(b, m.value); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the object as AppendJSON does.
func (o ordered) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil) }

// successBody is {"success": true} followed by its members, in order.
type successBody ordered

// AppendJSON appends the body to b.
func (s successBody) AppendJSON(b []byte) ([]byte, error) {
	return append(ordered{{"success", true}}, s...).AppendJSON(b)
}

// MarshalJSON writes the body as AppendJSON does.
func (s successBody) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// drfList is a list as PageNumberPagination answers it, with the success flag first:
// {"success": true, "count": n, "next": ..., "previous": ..., "results": [...]}. count is null when
// the resource does not count (Meta.TotalCount none), and "count_estimated": true follows it when the
// count is the planner's estimate.
type drfList struct{ l *ListResult }

// AppendJSON appends the list to b.
func (d drfList) AppendJSON(b []byte) ([]byte, error) {
	m := &d.l.Meta
	b = append(b, `{"success": true, "count": `...)
	if m.Uncounted {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, m.TotalCount, 10)
	}
	if m.Estimated && !m.Uncounted {
		b = append(b, `, "count_estimated": true`...)
	}
	b = append(b, `, "next": `...)
	b = appendOptString(b, m.Next)
	b = append(b, `, "previous": `...)
	b = appendOptString(b, m.Previous)
	b = append(b, `, "results": `...)
	b, err := appendJSONValue(b, nonNilObjects(d.l.Objects))
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// drfObject is an object with "success": true before its fields (which follow in key order).
type drfObject struct{ o *Object }

// AppendJSON appends the object to b.
func (d drfObject) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b, err := d.o.AppendJSON(b)
	if err != nil {
		return nil, err
	}
	fields := string(b[start+1:]) // "...}" or "}"
	b = append(b[:start], `{"success": true`...)
	if fields != "}" {
		b = append(b, ", "...)
	}
	return append(b, fields...), nil
}
