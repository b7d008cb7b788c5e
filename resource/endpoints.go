package resource

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/tastygo/tastygo/apierror"
)

// Custom endpoints (Tastypie's prepend_urls and wrap_view): routes of a resource's own, on its list
// (/api/v1/campaign/summary/) or on one object (/api/v1/indicator/7/recompute/), served as the
// resource's other requests are.

// Endpoint is one route of a resource's own, declared by its Endpoints method ([Endpointer]).
type Endpoint struct {
	// Name is the URL segment: /api/v1/<resource>/<Name>/, or /api/v1/<resource>/<key>/<Name>/ with
	// Detail. a-z, 0-9 and _.
	Name string
	// Detail puts the route on one object: the handler receives the object, read through the
	// resource's ObjGet step (so its filters and read authorization apply: an object the user may not
	// read is a 404).
	Detail bool
	// Methods are the HTTP methods served, upper-case; GET when empty (HEAD goes with GET). Another
	// method is a 405 naming these.
	Methods []string
	// Summary describes the endpoint in the OpenAPI document and /schema/.
	Summary string
	// Request and Response are values of the body's and the answer's types (a struct, a map, a slice),
	// described in the OpenAPI document from their JSON encoding's shape; nil: no body, any answer.
	Request, Response any
	// Handler serves the endpoint. Required.
	Handler EndpointFunc
}

// EndpointFunc serves a custom endpoint: b carries the request (User, Query, Method, and for POST,
// PUT and PATCH the decoded body in Data or Items), obj the object of a Detail endpoint (nil on the
// list). What it returns is answered with 200 as the resource answers (JSON, any value the JSON
// writer accepts: a map, a struct, an *Object, ...); a *Response is answered as it is. An error is
// answered in the one error shape (an *apierror.Error with its status; anything else, and a panic,
// as a logged INTERNAL_ERROR).
type EndpointFunc func(ctx context.Context, b *Bundle, obj *Object) (any, error)

// Endpointer is implemented by a registered value that adds routes to its resource: New reads
// Endpoints once and refuses a wrong one with an error naming it.
type Endpointer interface {
	Endpoints() []Endpoint
}

var endpointerType = reflect.TypeFor[Endpointer]()

// bindEndpoints reads the registered value's endpoints and checks them: names, methods, handlers, and
// no collision with another route of the resource (schema/, set/, an object's key, a relation listed
// under an object, another endpoint).
func (r *Bound) bindEndpoints() error {
	r.endpoints = nil
	t := reflect.TypeOf(r.Self)
	if m, ok := t.MethodByName("Endpoints"); ok && !t.Implements(endpointerType) {
		return fmt.Errorf("%s.Endpoints cannot declare endpoints: it is %s; the method is %s (see resource.Endpointer)",
			typeName(t), methodFunc(m.Type), endpointerType.Method(0).Type)
	}
	if _, onPtr := reflect.PointerTo(t).MethodByName("Endpoints"); onPtr && t.Kind() != reflect.Pointer && !t.Implements(endpointerType) {
		return fmt.Errorf("(*%s).Endpoints cannot declare endpoints: it has a pointer receiver, but the resource is registered as a %s value; register a pointer (&%s{...}) or give Endpoints a value receiver",
			t, t, t)
	}
	e, ok := r.Self.(Endpointer)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	for _, ep := range e.Endpoints() {
		where := "Endpoints: " + ep.Name
		if ep.Detail {
			where += " (on an object)"
		}
		switch {
		case !resourceNameRe.MatchString(ep.Name):
			return fmt.Errorf("%s: the name may hold only a-z, 0-9 and _, and not be empty", where)
		case ep.Handler == nil:
			return fmt.Errorf("%s: no Handler", where)
		case seen[fmt.Sprint(ep.Detail, ep.Name)]:
			return fmt.Errorf("%s: declared twice", where)
		}
		seen[fmt.Sprint(ep.Detail, ep.Name)] = true
		if len(ep.Methods) == 0 {
			ep.Methods = []string{http.MethodGet}
		}
		for i, m := range ep.Methods {
			m = strings.ToUpper(m)
			if !slices.Contains(knownMethods, strings.ToLower(m)) {
				return fmt.Errorf("%s: unknown method %q (known: GET, POST, PUT, PATCH, DELETE)", where, ep.Methods[i])
			}
			ep.Methods[i] = m
		}
		if ep.Detail {
			if _, sub := r.Binding.SubLists[ep.Name]; sub {
				return fmt.Errorf("%s: /%s/<key>/%s/ is already the list of its relation %q", where, r.Name, ep.Name, ep.Name)
			}
			if _, many := r.Binding.ToMany[ep.Name]; many {
				return fmt.Errorf("%s: %q is already a to-many relation of %q", where, ep.Name, r.Name)
			}
		} else {
			if ep.Name == "schema" || ep.Name == "set" {
				return fmt.Errorf("%s: /%s/%s/ is already the resource's %s/", where, r.Name, ep.Name, ep.Name)
			}
			if _, err := r.detailKey(ep.Name); err == nil {
				return fmt.Errorf("%s: /%s/%s/ could be the detail of the object whose key is %q (the key is text); give the endpoint to one object (Detail) or use a resource with an integer key",
					where, r.Name, ep.Name, ep.Name)
			}
		}
		r.endpoints = append(r.endpoints, ep)
	}
	return nil
}

// endpointRoutes mounts every resource's endpoints on the router, before the generic routes that
// would otherwise take their paths.
func (a *API) endpointRoutes(rt *mux.Router) {
	for _, name := range a.names {
		res := a.resources[name]
		for i := range res.endpoints {
			ep := &res.endpoints[i]
			// The name as a route variable, as the generic routes have it (the handler reads it).
			path := a.prefix + "{name:" + name + "}/" + ep.Name + "{slash:/?}"
			if ep.Detail {
				path = a.prefix + "{name:" + name + "}/{key:[^/]+}/" + ep.Name + "{slash:/?}"
			}
			rt.Handle(path, a.handler(a.withChallenge(a.serveEndpoint(res, ep))))
		}
	}
}

// serveEndpoint serves a custom endpoint in the order of the resource's other requests: the method,
// the Accept header, authentication, throttling, then authorization (the object of a Detail
// endpoint read through ObjGet; a write also asks UpdateDetail, or UpdateList on the list; a read
// on the list asks ReadList), the body, and the handler.
func (a *API) serveEndpoint(res *Bound, ep *Endpoint) handlerFunc {
	kind := KindList
	if ep.Detail {
		kind = KindDetail
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
		method := r.Method
		if !slices.Contains(ep.Methods, method) && !(method == http.MethodHead && slices.Contains(ep.Methods, http.MethodGet)) {
			return nil, apierror.New(apierror.MethodNotAllowed, "%s is not allowed on %s. Allowed: %s.",
				method, clip(r.URL.Path), strings.Join(ep.Methods, ", ")).With("allowed", slices.Clone(ep.Methods))
		}
		query, err := requestQuery(r)
		if err != nil {
			return nil, err
		}
		if err := checkAcceptable(r, KindDetail, method, query.Get("format")); err != nil {
			return nil, err
		}
		if f := query.Get("format"); f != "" && f != "json" {
			return nil, apierror.New(apierror.NotAcceptable, "format=%s is not offered; use json.", clip(f)).With("parameter", "format")
		}
		b := &Bundle{Resource: res, Request: r, Method: method, Kind: kind, Query: query, RequestID: rid}
		if b.User, err = authenticate(ctx, res.authn, r, isRead(method)); err != nil {
			return nil, err
		}
		noteBundle(ctx, b)
		if err := res.checkThrottle(ctx, b); err != nil {
			return nil, err
		}
		ctx = withBundle(ctx, b)
		var obj *Object
		if ep.Detail {
			if b.Key, err = res.detailKey(mux.Vars(r)["key"]); err != nil {
				return nil, err
			}
			if obj, err = res.Steps.ObjGet(ctx, b); err != nil {
				return nil, err
			}
			if !isRead(method) {
				if err := res.authz.UpdateDetail(ctx, b, obj); err != nil {
					return nil, err
				}
			}
		} else {
			if isRead(method) {
				_, err = res.authz.ReadList(ctx, b)
			} else {
				_, err = res.authz.UpdateList(ctx, b)
			}
			if err != nil {
				return nil, err
			}
		}
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			if err := a.decodeBody(w, r, b); err != nil {
				return nil, err
			}
		}
		out, err := ep.Handler(ctx, b, obj)
		if err != nil {
			return nil, err
		}
		if resp, ok := out.(*Response); ok {
			return resp, nil
		}
		return &Response{Status: http.StatusOK, Body: out}, nil
	}
}
