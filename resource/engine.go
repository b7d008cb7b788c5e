package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// The engine is the API called in-process: the same steps, filters, authorization and answers as HTTP,
// returning Go values and *apierror.Error values with the same codes. HTTP builds the same Bundle from
// a request and runs the same Dispatch, so the two cannot drift apart.
//
// Who is asking comes from the context ([WithUser]); no authentication runs in-process.

type userKey struct{}

// WithUser returns a context whose engine calls are made as u (nil: anonymous).
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext returns the user WithUser put in the context.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// ListMeta is the meta of a list: Tastypie's paginator fields.
type ListMeta struct {
	Limit  int
	Offset int
	// TotalCount is how many objects the list matches: exact unless Estimated, 0 when Uncounted (the
	// resource's Meta.TotalCount decides).
	TotalCount           int64
	Estimated, Uncounted bool
	Next                 *string
	Previous             *string
}

// ListResult is one page of a list.
type ListResult struct {
	Meta    ListMeta
	Objects []*Object
}

// SetResult answers Set: the objects found, in the order asked, and the keys not found.
type SetResult struct {
	Objects  []*Object
	NotFound []string
}

func (a *API) bundle(ctx context.Context, name, method string, kind Kind, q url.Values) (*Bundle, error) {
	res, ok := a.resources[name]
	if !ok || res == nil {
		return nil, apierror.New(apierror.ResourceNotFound, "There is no resource named %q. Resources: %s.",
			name, strings.Join(a.names, ", ")).With("resource", name)
	}
	if q == nil {
		q = url.Values{}
	}
	return &Bundle{Resource: res, Method: method, Kind: kind, Query: q, User: UserFromContext(ctx)}, nil
}

func (a *API) dispatch(ctx context.Context, b *Bundle) (*Response, error) {
	if err := b.Resource.checkMethod(b.Kind, b.Method); err != nil {
		return nil, err
	}
	return b.Resource.Steps.Dispatch(withBundle(ctx, b), b)
}

// withBody gives a bundle a body as HTTP would decode it: data goes through JSON, so Go ints, floats,
// structs and json.Numbers all arrive as they do from a client.
func withBody(b *Bundle, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return apierror.New(apierror.MalformedBody, "The data cannot be encoded as JSON: %v.", err)
	}
	return DecodeJSONBody(bytes.TrimSpace(raw), b)
}

// List runs GET /<name>/?<q>.
func (a *API) List(ctx context.Context, name string, q url.Values) (*ListResult, error) {
	b, err := a.bundle(ctx, name, http.MethodGet, KindList, q)
	if err != nil {
		return nil, err
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	body := resp.Body.(map[string]any)
	m := body["meta"].(map[string]any)
	out := &ListResult{Objects: body["objects"].([]*Object), Meta: ListMeta{
		Limit: int(m["limit"].(int64)), Offset: int(m["offset"].(int64)),
	}}
	if n, ok := m["total_count"].(int64); ok {
		out.Meta.TotalCount = n
	} else {
		out.Meta.Uncounted = true
	}
	out.Meta.Estimated, _ = m["total_count_estimated"].(bool)
	if s, ok := m["next"].(string); ok {
		out.Meta.Next = &s
	}
	if s, ok := m["previous"].(string); ok {
		out.Meta.Previous = &s
	}
	return out, nil
}

// Get runs GET /<name>/<key>/?<q>.
func (a *API) Get(ctx context.Context, name, key string, q url.Values) (*Object, error) {
	b, err := a.bundle(ctx, name, http.MethodGet, KindDetail, q)
	if err != nil {
		return nil, err
	}
	b.Key = key
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return resp.Body.(*Object), nil
}

// Set runs GET /<name>/set/<key>;<key>/?<q>.
func (a *API) Set(ctx context.Context, name string, keys []string, q url.Values) (*SetResult, error) {
	b, err := a.bundle(ctx, name, http.MethodGet, KindSet, q)
	if err != nil {
		return nil, err
	}
	b.Keys = keys
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	body := resp.Body.(map[string]any)
	out := &SetResult{Objects: body["objects"].([]*Object), NotFound: []string{}}
	if nf, ok := body["not_found"].([]string); ok {
		out.NotFound = nf
	}
	return out, nil
}

// object returns the object of a write's answer (nil with QuietWrites).
func object(resp *Response) *Object {
	o, _ := resp.Body.(*Object)
	return o
}

// Create runs POST /<name>/ with one object.
func (a *API) Create(ctx context.Context, name string, data any) (*Object, error) {
	b, err := a.bundle(ctx, name, http.MethodPost, KindList, nil)
	if err != nil {
		return nil, err
	}
	if err := withBody(b, data); err != nil {
		return nil, err
	}
	if b.Items != nil {
		return nil, apierror.New(apierror.MalformedBody, "Create takes one object; use CreateMany for several.")
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return object(resp), nil
}

// CreateMany runs POST /<name>/ with an array: all or nothing.
func (a *API) CreateMany(ctx context.Context, name string, items any) ([]*Object, error) {
	b, err := a.bundle(ctx, name, http.MethodPost, KindList, nil)
	if err != nil {
		return nil, err
	}
	if err := withBody(b, items); err != nil {
		return nil, err
	}
	if b.Items == nil {
		return nil, apierror.New(apierror.MalformedBody, "CreateMany takes an array of objects.")
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return objectsOfBody(resp), nil
}

func objectsOfBody(resp *Response) []*Object {
	if m, ok := resp.Body.(map[string]any); ok {
		objs, _ := m["objects"].([]*Object)
		return objs
	}
	return nil
}

// Update runs PUT /<name>/<key>/: it replaces the object, or creates it with that key (created).
func (a *API) Update(ctx context.Context, name, key string, data any) (obj *Object, created bool, err error) {
	b, err := a.bundle(ctx, name, http.MethodPut, KindDetail, nil)
	if err != nil {
		return nil, false, err
	}
	b.Key = key
	if err := withBody(b, data); err != nil {
		return nil, false, err
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, false, err
	}
	return object(resp), resp.Status == http.StatusCreated, nil
}

// Patch runs PATCH /<name>/<key>/.
func (a *API) Patch(ctx context.Context, name, key string, data any) (*Object, error) {
	b, err := a.bundle(ctx, name, http.MethodPatch, KindDetail, nil)
	if err != nil {
		return nil, err
	}
	b.Key = key
	if err := withBody(b, data); err != nil {
		return nil, err
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return object(resp), nil
}

// Delete runs DELETE /<name>/<key>/.
func (a *API) Delete(ctx context.Context, name, key string) error {
	b, err := a.bundle(ctx, name, http.MethodDelete, KindDetail, nil)
	if err != nil {
		return err
	}
	b.Key = key
	_, err = a.dispatch(ctx, b)
	return err
}

// DeleteWhere runs DELETE /<name>/?<q> and returns how many objects it deleted.
func (a *API) DeleteWhere(ctx context.Context, name string, q url.Values) (int64, error) {
	b, err := a.bundle(ctx, name, http.MethodDelete, KindList, q)
	if err != nil {
		return 0, err
	}
	if err := b.Resource.checkMethod(b.Kind, b.Method); err != nil {
		return 0, err
	}
	if b.Resource.Steps.ObjDeleteList == nil {
		return 0, notOffered(b)
	}
	return b.Resource.Steps.ObjDeleteList(withBundle(ctx, b), b)
}

// PatchWhere runs PATCH /<name>/?<q> with one partial object and returns how many objects it changed.
func (a *API) PatchWhere(ctx context.Context, name string, q url.Values, data any) (int64, error) {
	b, err := a.bundle(ctx, name, http.MethodPatch, KindList, q)
	if err != nil {
		return 0, err
	}
	if err := withBody(b, data); err != nil {
		return 0, err
	}
	if err := b.Resource.checkMethod(b.Kind, b.Method); err != nil {
		return 0, err
	}
	if b.Resource.Steps.ObjUpdateList == nil {
		return 0, notOffered(b)
	}
	return b.Resource.Steps.ObjUpdateList(withBundle(ctx, b), b)
}

// BulkPatch runs Tastypie's PATCH /<name>/ with {"objects": objects, "deleted_objects": deleted}.
func (a *API) BulkPatch(ctx context.Context, name string, objects any, deleted []string) ([]*Object, error) {
	b, err := a.bundle(ctx, name, http.MethodPatch, KindList, nil)
	if err != nil {
		return nil, err
	}
	if objects == nil {
		objects = []any{}
	}
	if deleted == nil {
		deleted = []string{}
	}
	if err := withBody(b, map[string]any{"objects": objects, "deleted_objects": deleted}); err != nil {
		return nil, err
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return objectsOfBody(resp), nil
}

// Schema returns the schema of /<name>/schema/.
func (a *API) Schema(ctx context.Context, name string) (map[string]any, error) {
	b, err := a.bundle(ctx, name, http.MethodGet, KindSchema, nil)
	if err != nil {
		return nil, err
	}
	if _, err := b.Resource.authz.ReadList(withBundle(ctx, b), b); err != nil {
		return nil, err
	}
	return b.Resource.Schema(), nil
}
