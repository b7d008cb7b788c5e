package resource

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/filters"
)

// IsReserved reports whether a query parameter is not a filter for the resource: one of the API's
// style (Tastypie's: filters.ReservedParams, limit, offset, order_by, fields, depth, format, _, and sort_by;
// Django REST framework's: page, page_size, ordering, fields, depth, format, _), search when the
// resource declares Meta.SearchFields, or one the resource declares in Meta.ExtraParams.
func (r *Bound) IsReserved(name string) bool {
	if r.API != nil && r.API.wire != nil {
		if r.API.wire.reserves(name) {
			return true
		}
	} else if filters.IsReserved(name) {
		return true
	}
	return (name == filters.SearchParam && len(r.Meta.SearchFields) > 0) || slices.Contains(r.Meta.ExtraParams, name)
}

// defaultDispatch chooses the handler for the method and kind, as Tastypie's dispatch does.
func defaultDispatch(ctx context.Context, b *Bundle) (*Response, error) {
	if b.Kind == KindDetail && b.Request != nil && b.Request.Header.Get("If-Match") != "" &&
		(b.Method == http.MethodPut || b.Method == http.MethodPatch || b.Method == http.MethodDelete) {
		return ifMatch(ctx, b, func(ctx context.Context) (*Response, error) { return dispatchOne(ctx, b) })
	}
	return dispatchOne(ctx, b)
}

// dispatchOne is defaultDispatch once any precondition holds.
func dispatchOne(ctx context.Context, b *Bundle) (*Response, error) {
	s := b.Resource.Steps
	switch {
	case b.Kind == KindList && (b.Method == http.MethodGet || b.Method == http.MethodHead):
		return getList(ctx, b)
	case b.Kind == KindSet:
		return getSet(ctx, b)
	case b.Kind == KindDetail && (b.Method == http.MethodGet || b.Method == http.MethodHead):
		if err := checkReadParams(b); err != nil {
			return nil, err
		}
		obj, err := s.ObjGet(ctx, b)
		if err != nil {
			return nil, err
		}
		if err := dehydrate(ctx, b, obj); err != nil {
			return nil, err
		}
		if err := s.AlterDetailData(ctx, b, obj); err != nil {
			return nil, err
		}
		return &Response{Status: http.StatusOK, Body: obj}, nil
	case b.Kind == KindList && b.Method == http.MethodPost:
		return postList(ctx, b)
	case b.Kind == KindList && b.Method == http.MethodPatch:
		return patchList(ctx, b)
	case b.Kind == KindDetail && (b.Method == http.MethodPut || b.Method == http.MethodPatch):
		return putOrPatchDetail(ctx, b)
	case b.Kind == KindDetail && b.Method == http.MethodDelete:
		if s.ObjDelete == nil {
			return nil, notOffered(b)
		}
		if err := s.ObjDelete(ctx, b); err != nil {
			return nil, err
		}
		return &Response{Status: http.StatusNoContent}, nil
	case b.Kind == KindList && b.Method == http.MethodDelete:
		if s.ObjDeleteList == nil {
			return nil, notOffered(b)
		}
		n, err := s.ObjDeleteList(ctx, b)
		if err != nil {
			return nil, err
		}
		if b.Resource.Meta.QuietWrites {
			return &Response{Status: http.StatusNoContent}, nil
		}
		return &Response{Status: http.StatusOK, Body: &DeletedResult{Deleted: n}}, nil
	}
	return nil, notOffered(b)
}

func notOffered(b *Bundle) error {
	allowed := b.Resource.allowed(b.Kind)
	return apierror.New(apierror.MethodNotAllowed, "%s is not offered on this part of %q.", b.Method, b.Resource.Name).
		With("allowed", allowed)
}

// dehydrate runs the Dehydrate step and applies fields=.
func dehydrate(ctx context.Context, b *Bundle, obj *Object) error {
	if err := b.Resource.Steps.Dehydrate(ctx, b, obj); err != nil {
		return err
	}
	if keep := fieldSelection(b); keep != nil {
		// The key stays, as resource_uri does: every answer names its object (the OpenAPI document
		// declares both required).
		keep[b.Resource.PrimaryKey()] = true
		obj.Keep(keep)
	}
	return nil
}

// fieldSelection returns the fields= set, nil when the request did not limit fields.
func fieldSelection(b *Bundle) map[string]bool {
	raw := b.Query["fields"]
	if len(raw) == 0 {
		return nil
	}
	keep := map[string]bool{}
	for _, v := range raw {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				keep[f] = true
			}
		}
	}
	return keep
}

// checkReadParams validates fields=, depth= and format= for any GET.
func checkReadParams(b *Bundle) error {
	if keep := fieldSelection(b); keep != nil {
		known := b.Resource.FieldNames()
		for f := range keep {
			if !known[f] {
				names := make([]string, 0, len(known))
				for n := range known {
					names = append(names, n)
				}
				sort.Strings(names)
				return apierror.New(apierror.InvalidValue, "fields=%s: %q is not a field of %q. Fields: %s.",
					b.Query.Get("fields"), f, b.Resource.Name, strings.Join(names, ", ")).With("parameter", "fields")
			}
		}
	}
	if d := b.Query.Get("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return apierror.New(apierror.InvalidValue, "Invalid depth %q provided. Please provide an integer >= 0.", d).With("parameter", "depth")
		}
		b.Depth = min(n, b.Resource.MaxDepth())
	}
	if f := b.Query.Get("format"); f != "" && f != "json" && (f != "csv" || b.Kind != KindList) {
		return apierror.New(apierror.NotAcceptable, "format=%s is not offered; use json (or csv on a list).", f).With("parameter", "format")
	}
	return nil
}

// parsePaging reads limit and offset into b, with Tastypie's rules and messages: limit=0 means the
// maximum, a larger limit is capped.
func parsePaging(b *Bundle) error {
	def, max := b.Resource.Limits()
	b.Limit, b.Offset = def, 0
	if v := b.Query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return apierror.New(apierror.InvalidValue, "Invalid limit '%s' provided. Please provide a positive integer.", v).With("parameter", "limit")
		}
		if n < 0 {
			return apierror.New(apierror.InvalidValue, "Invalid limit '%s' provided. Please provide a positive integer >= 0.", v).With("parameter", "limit")
		}
		b.Limit = n
		if n == 0 || n > max {
			b.Limit = max
		}
	}
	if v := b.Query.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return apierror.New(apierror.InvalidValue, "Invalid offset '%s' provided. Please provide an integer.", v).With("parameter", "offset")
		}
		if n < 0 {
			return apierror.New(apierror.InvalidValue, "Invalid offset '%s' provided. Please provide a positive integer >= 0.", v).With("parameter", "offset")
		}
		b.Offset = n
	}
	return nil
}

func getList(ctx context.Context, b *Bundle) (*Response, error) {
	if err := checkReadParams(b); err != nil {
		return nil, err
	}
	if wantsCSV(b) {
		return csvList(ctx, b)
	}
	style := b.Resource.API.wire
	if _, err := style.paging(b); err != nil {
		return nil, err
	}
	page, err := b.Resource.Steps.ObjGetList(ctx, b)
	if err != nil {
		return nil, err
	}
	for _, o := range page.Objects {
		if err := dehydrate(ctx, b, o); err != nil {
			return nil, err
		}
	}
	out := &ListResult{Meta: ListMeta{Limit: b.Limit, Offset: b.Offset, TotalCount: page.TotalCount,
		Estimated: page.Estimated && !page.Uncounted, Uncounted: page.Uncounted}, Objects: page.Objects}
	if page.Uncounted {
		out.Meta.TotalCount = 0
	}
	if err := style.links(b, page, out); err != nil {
		return nil, err
	}
	if out.Objects == nil {
		out.Objects = []*Object{}
	}
	if err := b.Resource.Steps.AlterListData(ctx, b, out); err != nil {
		return nil, err
	}
	return &Response{Status: http.StatusOK, Body: out}, nil
}

// pageURI is the list URI with every parameter of the request kept, then limit and offset.
func pageURI(b *Bundle, offset int) string {
	rest := url.Values{}
	for k, v := range b.Query {
		if k != "limit" && k != "offset" {
			rest[k] = v
		}
	}
	q := rest.Encode()
	if q != "" {
		q += "&"
	}
	q += "limit=" + strconv.Itoa(b.Limit) + "&offset=" + strconv.Itoa(offset)
	list := b.Resource.ListURI()
	if b.Parent != nil {
		list = b.Parent.URI
	}
	return list + "?" + q
}

// getSet answers set/: at most filters.MaxValues keys, as an "in" filter takes, so that one request
// stays far below the backends' bound-parameter limits (SQLite's 32,766, PostgreSQL's 65,535).
func getSet(ctx context.Context, b *Bundle) (*Response, error) {
	if len(b.Keys) > filters.MaxValues {
		return nil, apierror.New(apierror.InvalidValue, "Invalid value for set/: give at most %d keys, not %d.", filters.MaxValues, len(b.Keys)).
			With("parameter", "set").Wrap(filters.ErrTooManyValues)
	}
	if err := checkReadParams(b); err != nil {
		return nil, err
	}
	page, err := b.Resource.Steps.ObjGetList(ctx, b)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*Object, len(page.Objects))
	for _, o := range page.Objects {
		if k, ok := o.Get(b.Resource.PrimaryKey()); ok {
			byKey[keyString(k)] = o
		}
	}
	objects := []*Object{}
	notFound := []string{}
	for _, k := range b.Keys {
		o, ok := byKey[k]
		if !ok {
			notFound = append(notFound, k)
			continue
		}
		if err := dehydrate(ctx, b, o); err != nil {
			return nil, err
		}
		objects = append(objects, o)
	}
	return &Response{Status: http.StatusOK, Body: &SetResult{Objects: objects, NotFound: notFound}}, nil
}

func keyString(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return ""
}

func postList(ctx context.Context, b *Bundle) (*Response, error) {
	s := b.Resource.Steps
	if s.ObjCreate == nil {
		return nil, notOffered(b)
	}
	if b.Items == nil {
		if err := s.Hydrate(ctx, b); err != nil {
			return nil, err
		}
		obj, err := s.ObjCreate(ctx, b)
		if err != nil {
			return nil, err
		}
		return writeAnswer(ctx, b, obj, http.StatusCreated, http.StatusCreated)
	}
	atomic := b.Resource.Binding.Atomic
	if atomic == nil || s.ObjCreateList == nil {
		return nil, notOffered(b)
	}
	if err := b.Resource.authz.CreateList(ctx, b); err != nil {
		return nil, err
	}
	var created []*Object
	err := atomic(ctx, func(ctx context.Context) error {
		items := make([]*Bundle, len(b.Items))
		for i, item := range b.Items {
			one := *b
			one.Data, one.Items = item, nil
			if err := s.Hydrate(ctx, &one); err != nil {
				return AtIndex(err, i)
			}
			items[i] = &one
		}
		var err error
		created, err = s.ObjCreateList(ctx, b, items)
		return err
	})
	if err != nil {
		return nil, err
	}
	if b.Resource.Meta.QuietWrites {
		return &Response{Status: http.StatusCreated}, nil
	}
	for _, o := range created {
		if err := dehydrate(ctx, b, o); err != nil {
			return nil, err
		}
	}
	if created == nil {
		created = []*Object{}
	}
	return &Response{Status: http.StatusCreated, Body: &ObjectsResult{Objects: created}}, nil
}

func putOrPatchDetail(ctx context.Context, b *Bundle) (*Response, error) {
	s := b.Resource.Steps
	if s.ObjUpdate == nil {
		return nil, notOffered(b)
	}
	b.Partial = b.Method == http.MethodPatch
	if err := s.Hydrate(ctx, b); err != nil {
		return nil, err
	}
	obj, created, err := s.ObjUpdate(ctx, b)
	if err != nil {
		return nil, err
	}
	switch {
	case created:
		return writeAnswer(ctx, b, obj, http.StatusCreated, http.StatusCreated)
	case b.Partial:
		return writeAnswer(ctx, b, obj, b.Resource.API.wire.patchStatus(), http.StatusAccepted)
	}
	return writeAnswer(ctx, b, obj, http.StatusOK, http.StatusNoContent)
}

// writeAnswer answers a write: the object and withData, or quiet (QuietWrites) and an empty body.
// A creation carries a Location header.
func writeAnswer(ctx context.Context, b *Bundle, obj *Object, withData, quiet int) (*Response, error) {
	resp := &Response{Status: withData, Header: http.Header{}}
	if withData == http.StatusCreated {
		if uri, ok := obj.Get("resource_uri"); ok {
			if s, ok := uri.(string); ok {
				resp.Header.Set("Location", s)
			}
		}
	}
	if b.Resource.Meta.QuietWrites {
		resp.Status = quiet
		return resp, nil
	}
	if err := dehydrate(ctx, b, obj); err != nil {
		return nil, err
	}
	if err := b.Resource.Steps.AlterDetailData(ctx, b, obj); err != nil {
		return nil, err
	}
	resp.Body = obj
	return resp, nil
}
