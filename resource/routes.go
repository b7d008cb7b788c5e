package resource

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/tastygo/tastygo/apierror"
)

// routes mounts the listing and, for every resource, schema/, set/, detail and list; both the
// trailing-slash and the bare form of each path are served. Only canonical paths reach the router
// (paths.go), which matches them as sent, escapes included; every write of an answer has its own
// deadline (deadline.go).
func (a *API) routes() http.Handler {
	r := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p := a.prefix
	name := "{name:[a-z0-9_]+}"
	r.Handle(p, a.handler(a.serveListing))
	r.Handle(p+"openapi.json", a.handler(a.serveOpenAPI))
	a.endpointRoutes(r)
	r.Handle(p+name+"/schema{slash:/?}", a.handler(a.resourceHandler(KindSchema)))
	r.Handle(p+name+"/set/{keys:[^/]*}{slash:/?}", a.handler(a.resourceHandler(KindSet)))
	r.Handle(p+name+"/{key:[^/]+}/{relation:[a-z0-9_]+}{slash:/?}", a.handler(a.withChallenge(a.subResourceHandler())))
	r.Handle(p+name+"/{key:[^/]+}{slash:/?}", a.handler(a.resourceHandler(KindDetail)))
	r.Handle(p+name+"{slash:/?}", a.handler(a.resourceHandler(KindList)))
	r.NotFoundHandler = a.handler(func(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
		return nil, apierror.New(apierror.ResourceNotFound, "Nothing is served at %s.", clip(r.URL.Path)).With("path", clip(r.URL.Path))
	})
	return WriteDeadlines(a.perWriteTimeout, a.canonicalOnly(r))
}

type handlerFunc func(ctx context.Context, w http.ResponseWriter, r *http.Request, requestID string) (*Response, error)

// handler gives every request an id and the security headers, records what it learns in the request's
// RequestInfo (one is made when the code around the API placed none), turns a panic into a logged 500
// that names the id, and renders the response or the error.
func (a *API) handler(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := RequestInfoFrom(r.Context())
		if info == nil {
			r, info = WithRequestInfo(r)
		}
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			rid = newRequestID()
		}
		w.Header().Set("X-Request-Id", rid)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		info.RequestID, info.Method = rid, r.Method
		if res := a.resources[mux.Vars(r)["name"]]; res != nil {
			info.Resource = res.Name
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.logger.ErrorContext(r.Context(), "panic serving request", "request_id", rid, "method", r.Method,
					"path", LogText(r.URL.Path, maxLoggedPath), "panic", LogText(fmt.Sprint(p), maxLoggedError), "stack", string(debug.Stack()))
				a.writeError(w, r, rid, fmt.Errorf("panic: %v", p))
			}
		}()
		resp, err := h(r.Context(), w, r, rid)
		if err != nil {
			a.writeError(w, r, rid, err)
			return
		}
		a.writeResponse(w, r, resp)
	})
}

// resourceHandler serves one kind of request on whichever resource the URL names. A 401 carries the
// resource's WWW-Authenticate challenge.
func (a *API) resourceHandler(kind Kind) handlerFunc {
	return a.withChallenge(a.serveResource(kind))
}

// withChallenge settles a provisional authentication (see ConfirmAuthentication), then adds the
// resource's WWW-Authenticate challenge to a 401.
func (a *API) withChallenge(serve handlerFunc) handlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
		resp, err := serve(ctx, w, r, rid)
		resp, err = settleAuthentication(ctx, resp, err, func() (*Response, error) { return serve(ctx, w, r, rid) })
		if apierror.CodeOf(err) == apierror.NotAuthenticated {
			challenge := `Basic realm="api"`
			if res, ok := a.resources[mux.Vars(r)["name"]]; ok && res != nil {
				if ch, ok := res.authn.(Challenger); ok && ch.Challenge() != "" {
					challenge = ch.Challenge()
				}
			}
			w.Header().Set("WWW-Authenticate", challenge)
		}
		return resp, err
	}
}

func (a *API) serveResource(kind Kind) handlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
		vars := mux.Vars(r)
		res, ok := a.resources[vars["name"]]
		if !ok || res == nil {
			return nil, apierror.New(apierror.ResourceNotFound, "There is no resource named %q. Resources: %s.",
				vars["name"], strings.Join(a.names, ", ")).With("resource", vars["name"])
		}
		method := r.Method
		if o := r.Header.Get("X-HTTP-Method-Override"); o != "" && method == http.MethodPost {
			method = strings.ToUpper(o)
		}
		if method != http.MethodOptions {
			if err := res.checkMethod(kind, method); err != nil {
				return nil, err
			}
		}
		query, err := requestQuery(r)
		if err != nil {
			return nil, err
		}
		if err := checkAcceptable(r, kind, method, query.Get("format")); err != nil {
			return nil, err
		}
		b := &Bundle{Resource: res, Request: r, Method: method, Kind: kind, Query: query, RequestID: rid}
		user, err := authenticate(ctx, res.authn, r, isRead(method))
		if err != nil {
			return nil, err
		}
		b.User = user
		noteBundle(ctx, b)
		if method != http.MethodOptions {
			// Tastypie's order: method check, authentication, throttle, then authorization and the work.
			if err := res.checkThrottle(ctx, b); err != nil {
				return nil, err
			}
		}
		if method == http.MethodOptions {
			// OPTIONS describes the resource as the schema does, so it asks what the schema asks.
			if _, err := res.authz.ReadList(withBundle(ctx, b), b); err != nil {
				return nil, err
			}
			return a.serveOptions(res, kind)
		}
		switch kind {
		case KindSchema:
			// The schema shows what the resource is, so it asks what reading the list asks.
			if _, err := res.authz.ReadList(withBundle(ctx, b), b); err != nil {
				return nil, err
			}
			return &Response{Status: http.StatusOK, Body: res.Schema()}, nil
		case KindDetail:
			if b.Key, err = res.detailKey(vars["key"]); err != nil {
				return nil, err
			}
		case KindSet:
			b.Keys = setKeys(vars["keys"])
			if len(b.Keys) == 0 {
				return nil, apierror.New(apierror.InvalidValue, "set/ needs at least one key: /set/1;2;3/.").With("parameter", "set")
			}
		}
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			if err := a.decodeBody(w, r, b); err != nil {
				return nil, err
			}
		}
		return res.Steps.Dispatch(withBundle(ctx, b), b)
	}
}

// subResourceHandler serves GET /api/v1/<name>/<key>/<relation>/: the to-many relation of one object
// as a list of the related resource, with all its filters, ordering, pages and depth. The parent must
// exist and be visible to the user (404 otherwise).
func (a *API) subResourceHandler() handlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
		vars := mux.Vars(r)
		parent, target, sub, err := a.relatedList(vars["name"], vars["relation"])
		if err != nil {
			return nil, err
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return nil, apierror.New(apierror.MethodNotAllowed, "%s is not allowed on a relation's list. Allowed: GET.", r.Method).
				With("allowed", []string{http.MethodGet})
		}
		query, err := requestQuery(r)
		if err != nil {
			return nil, err
		}
		if err := checkAcceptable(r, KindList, r.Method, query.Get("format")); err != nil {
			return nil, err
		}
		user, err := authenticate(ctx, target.authn, r, true)
		if err != nil {
			return nil, err
		}
		key, err := parent.detailKey(vars["key"])
		if err != nil {
			return nil, err
		}
		pb, b := relatedBundles(parent, target, key, vars["relation"], sub, query, user)
		pb.Request, pb.RequestID = r, rid
		b.Request, b.RequestID, b.Method = r, rid, r.Method
		if err := target.checkThrottle(ctx, &Bundle{Resource: target, Request: r, Method: r.Method, Kind: KindList, Query: query, User: user, RequestID: rid}); err != nil {
			return nil, err
		}
		if _, err := parent.Steps.ObjGet(withBundle(ctx, pb), pb); err != nil {
			return nil, err
		}
		noteBundle(ctx, b)
		return getList(withBundle(ctx, b), b)
	}
}

// allowed returns the methods allowed on a kind of request, upper-case, for the Allow header.
func (r *Bound) allowed(kind Kind) []string {
	var ms []string
	switch kind {
	case KindList:
		ms = r.listMethods
	case KindDetail:
		ms = r.detailMethods
	default:
		ms = []string{"get"}
	}
	out := make([]string, 0, len(ms)+1)
	for _, m := range ms {
		out = append(out, strings.ToUpper(m))
	}
	return append(out, http.MethodOptions)
}

// Allows reports whether the resource offers an HTTP method (any case) on a kind of request.
func (r *Bound) Allows(kind Kind, method string) bool {
	return r.checkMethod(kind, strings.ToUpper(method)) == nil
}

func (r *Bound) checkMethod(kind Kind, method string) error {
	allowed := r.allowed(kind)
	if kind == KindSet && !slices.Contains(r.detailMethods, "get") {
		allowed = []string{http.MethodOptions}
	}
	if method == http.MethodHead && slices.Contains(allowed, http.MethodGet) {
		return nil
	}
	if slices.Contains(allowed, method) {
		return nil
	}
	what := map[Kind]string{KindList: "the list", KindDetail: "an object", KindSet: "set/", KindSchema: "the schema"}[kind]
	return apierror.New(apierror.MethodNotAllowed, "%s is not allowed on %s of %q. Allowed: %s.",
		method, what, r.Name, strings.Join(allowed, ", ")).With("allowed", allowed)
}

// serveListing answers GET /api/v1/: every resource with its list endpoint and schema.
func (a *API) serveListing(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string) (*Response, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, apierror.New(apierror.MethodNotAllowed, "%s is not allowed on the API root. Allowed: GET.", r.Method).
			With("allowed", []string{http.MethodGet})
	}
	query, err := requestQuery(r)
	if err != nil {
		return nil, err
	}
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
	return &Response{Status: http.StatusOK, Body: out}, nil
}

// mayReadSchema reports whether the request may see the resource's schema: the listing inlines only
// those (fullschema=true), and names the others by URL.
func (res *Bound) mayReadSchema(ctx context.Context, r *http.Request, query url.Values, rid string) bool {
	user, err := authenticate(ctx, res.authn, r, false)
	if err != nil {
		return false
	}
	b := &Bundle{Resource: res, Request: r, Method: http.MethodGet, Kind: KindSchema, Query: query, User: user, RequestID: rid}
	_, err = res.authz.ReadList(withBundle(ctx, b), b)
	return err == nil
}
