package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// The engine is the API called in-process: the same steps, filters, authorization and answers as HTTP,
// returning Go values and *apierror.Error values with the same codes. HTTP builds the same Bundle from
// a request and runs the same Dispatch, so the two cannot drift apart.
//
// Who is asking comes from the context ([WithUser]); no authentication runs in-process.
//
// Each method returns Dispatch's typed answer (answer.go) as it is; a body of another type, which only
// a Dispatch override can answer, is an INTERNAL_ERROR naming the override (answerOf), never a panic.

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

// List runs GET /<name>/?<q>. format=csv is not offered in-process: List returns objects.
func (a *API) List(ctx context.Context, name string, q url.Values) (*ListResult, error) {
	b, err := a.bundle(ctx, name, http.MethodGet, KindList, q)
	if err != nil {
		return nil, err
	}
	if f := b.Query.Get("format"); f == "csv" {
		return nil, apierror.New(apierror.NotAcceptable, "format=%s is not offered in-process; List returns objects.", f).With("parameter", "format")
	}
	resp, err := a.dispatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return answerOf[*ListResult](b, resp, "List", false)
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
	return answerOf[*Object](b, resp, "Get", false)
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
	set, err := answerOf[*SetResult](b, resp, "Set", false)
	if err != nil {
		return nil, err
	}
	if set.NotFound == nil {
		set.NotFound = []string{}
	}
	return set, nil
}

// answerOf returns the body of resp as the type T the engine method expects (nil when quiet allows a
// quiet write's empty body). Any other body is a Dispatch override's doing: it is a classified error,
// INTERNAL_ERROR, naming the override, the body's type and what was expected, never a panic. The
// request was served (a write took effect); only its answer cannot be returned.
func answerOf[T interface {
	comparable
	jsonAppender
}](b *Bundle, resp *Response, method string, quiet bool) (T, error) {
	var zero T
	if resp == nil || resp.Body == nil {
		if quiet {
			return zero, nil
		}
	} else if v, ok := resp.Body.(T); ok && v != zero {
		return v, nil
	}
	var body any
	if resp != nil {
		body = resp.Body
	}
	who, override := "Dispatch", ""
	if _, ok := b.Resource.Self.(DispatchOverrider); ok {
		override = fmt.Sprintf("%T.Dispatch", b.Resource.Self)
		who = "the Dispatch override " + override
	}
	want := fmt.Sprintf("%T", zero)
	if quiet {
		want += " (or no body)"
	}
	e := apierror.New(apierror.Internal,
		"Resource %q: %s answered a body of type %T; the in-process %s reads %s. The request was served; its answer cannot be returned.",
		b.Resource.Name, who, body, method, want).With("resource", b.Resource.Name).With("body_type", fmt.Sprintf("%T", body)).With("expected", want)
	if override != "" {
		e = e.With("override", override)
	}
	return zero, e
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
	return answerOf[*Object](b, resp, "Create", true)
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
	return writtenObjects(b, resp, "CreateMany")
}

// writtenObjects returns the objects of an array POST's or a bulk PATCH's answer (nil with QuietWrites).
func writtenObjects(b *Bundle, resp *Response, method string) ([]*Object, error) {
	out, err := answerOf[*ObjectsResult](b, resp, method, true)
	if out == nil || err != nil {
		return nil, err
	}
	return out.Objects, nil
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
	obj, err = answerOf[*Object](b, resp, "Update", true)
	if err != nil {
		return nil, false, err
	}
	return obj, resp != nil && resp.Status == http.StatusCreated, nil
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
	return answerOf[*Object](b, resp, "Patch", true)
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

// DeleteWhere runs DELETE /<name>/?<q> and returns how many objects it deleted. It calls the
// ObjDeleteList step without Dispatch, whose answer carries no count under Meta.QuietWrites.
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
// It calls the ObjUpdateList step without Dispatch, as DeleteWhere does.
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
	return writtenObjects(b, resp, "BulkPatch")
}

// Schema returns the schema of /<name>/schema/.
func (a *API) Schema(ctx context.Context, name string) (*Schema, error) {
	b, err := a.bundle(ctx, name, http.MethodGet, KindSchema, nil)
	if err != nil {
		return nil, err
	}
	if _, err := b.Resource.authz.ReadList(withBundle(ctx, b), b); err != nil {
		return nil, err
	}
	return b.Resource.Schema(), nil
}

// replicaSubject names the user a statement runs for, for read replicas' read-your-writes: the
// request's user, or the engine call's; "" for anonymous.
func replicaSubject(ctx context.Context) string {
	u := UserFromContext(ctx)
	if b := BundleFromContext(ctx); b != nil && b.User != nil {
		u = b.User
	}
	if u == nil {
		return ""
	}
	return "user:" + strconv.FormatInt(u.ID, 10)
}
