package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/resource"
)

// NewDirect returns a client that passes its calls into api in-process, as user (nil: anonymous),
// through the engine's steps, filters and authorization: no HTTP and no authentication (the user is
// who is asking); write data is handed to the engine as the Go value it is. Calls behave as over HTTP: the same objects, the same
// errors (without a request id), the same retries of an unavailable database. The auth options do
// not apply.
func NewDirect(api *resource.API, user *resource.User, opts ...Option) *Client {
	cfg := newConfig(opts)
	return &Client{t: &directTransport{api: api, user: user, timeout: cfg.timeout}, cfg: cfg}
}

// directTransport runs calls through an API's engine methods.
type directTransport struct {
	api     *resource.API
	user    *resource.User
	timeout time.Duration
}

func (t *directTransport) uri(res, key string) string {
	return t.api.Prefix() + res + "/" + url.PathEscape(key) + "/"
}

// route is a call's path split into its parts: the resource, and a detail key, a relation, or set/'s
// keys.
type route struct {
	resource, key, relation string
	set                     []string
	isSet                   bool
}

// parseRoute splits a path under the API prefix ("indicator/7/", "location/3/children/").
func parseRoute(path string) (route, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var r route
	if len(segs) == 0 || segs[0] == "" || len(segs) > 3 {
		return r, fmt.Errorf("client: %q is not a path of the API", path)
	}
	r.resource = segs[0]
	if len(segs) >= 2 && segs[1] == "set" && len(segs) == 3 {
		r.isSet = true
		for k := range strings.SplitSeq(segs[2], ";") {
			if k == "" {
				continue
			}
			key, err := url.PathUnescape(k)
			if err != nil {
				return r, err
			}
			r.set = append(r.set, key)
		}
		return r, nil
	}
	var err error
	if len(segs) >= 2 {
		if r.key, err = url.PathUnescape(segs[1]); err != nil {
			return r, err
		}
	}
	if len(segs) == 3 {
		r.relation = segs[2]
	}
	return r, nil
}

func (t *directTransport) do(ctx context.Context, c *call) (*answer, error) {
	path, query := c.path, c.query
	if c.next != "" {
		u, err := url.Parse(c.next)
		if err != nil {
			return nil, fmt.Errorf("client: the next link %q: %w", c.next, err)
		}
		rel, ok := strings.CutPrefix(u.Path, t.api.Prefix())
		if !ok {
			return nil, fmt.Errorf("client: the next link %q is not under %s", c.next, t.api.Prefix())
		}
		path, query = rel, u.Query()
	}
	r, err := parseRoute(path)
	if err != nil {
		return nil, err
	}
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	ctx = resource.WithUser(ctx, t.user)
	ans, err := t.run(ctx, c, r, query)
	if err != nil {
		return nil, directError(err)
	}
	return ans, nil
}

// run calls the engine method of the call's method and route.
func (t *directTransport) run(ctx context.Context, c *call, r route, q url.Values) (*answer, error) {
	api, name := t.api, r.resource
	switch {
	case r.isSet && c.method == http.MethodGet:
		res, err := api.Set(ctx, name, r.set, q)
		if err != nil {
			return nil, err
		}
		return objectsAnswer(res.Objects, res.NotFound)
	case r.relation != "" && c.method == http.MethodGet:
		res, err := api.Related(ctx, name, r.key, r.relation, q)
		if err != nil {
			return nil, err
		}
		return listAnswer(res)
	case r.key != "" && r.relation == "":
		return t.detail(ctx, c, name, r.key, q)
	case r.key == "" && !r.isSet:
		return t.list(ctx, c, name, q)
	}
	return nil, fmt.Errorf("client: %s %s is not a call of the engine", c.method, c.path)
}

func (t *directTransport) detail(ctx context.Context, c *call, name, key string, q url.Values) (*answer, error) {
	api := t.api
	var obj *resource.Object
	var err error
	switch c.method {
	case http.MethodGet:
		obj, err = api.Get(ctx, name, key, q)
	case http.MethodPut:
		obj, _, err = api.Update(ctx, name, key, c.body)
	case http.MethodPatch:
		obj, err = api.Patch(ctx, name, key, c.body)
	case http.MethodDelete:
		return &answer{count: -1}, api.Delete(ctx, name, key)
	default:
		return nil, fmt.Errorf("client: %s on an object is not a call of the engine", c.method)
	}
	if err != nil {
		return nil, err
	}
	return objectAnswer(obj)
}

func (t *directTransport) list(ctx context.Context, c *call, name string, q url.Values) (*answer, error) {
	api := t.api
	switch {
	case c.method == http.MethodGet:
		res, err := api.List(ctx, name, q)
		if err != nil {
			return nil, err
		}
		return listAnswer(res)
	case c.method == http.MethodPost && c.want == wantObjects:
		objs, err := api.CreateMany(ctx, name, c.body)
		if err != nil {
			return nil, err
		}
		return objectsAnswer(objs, nil)
	case c.method == http.MethodPost:
		obj, err := api.Create(ctx, name, c.body)
		if err != nil {
			return nil, err
		}
		return objectAnswer(obj)
	case c.method == http.MethodPatch && c.want == wantObjects:
		body, _ := c.body.(map[string]any)
		deleted, _ := body["deleted_objects"].([]string)
		objs, err := api.BulkPatch(ctx, name, body["objects"], deleted)
		if err != nil {
			return nil, err
		}
		return objectsAnswer(objs, nil)
	case c.method == http.MethodPatch:
		n, err := api.PatchWhere(ctx, name, q, c.body)
		return &answer{count: n}, err
	case c.method == http.MethodDelete:
		n, err := api.DeleteWhere(ctx, name, q)
		return &answer{count: n}, err
	}
	return nil, fmt.Errorf("client: %s on a list is not a call of the engine", c.method)
}

// The engine's objects are encoded as HTTP writes them, to be decoded into the caller's type.

func objectAnswer(obj *resource.Object) (*answer, error) {
	if obj == nil {
		return &answer{count: -1}, nil
	}
	raw, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return &answer{object: raw}, nil
}

func objectsAnswer(objs []*resource.Object, notFound []string) (*answer, error) {
	a := &answer{objects: make([]json.RawMessage, len(objs)), notFound: notFound}
	for i, o := range objs {
		raw, err := o.MarshalJSON()
		if err != nil {
			return nil, err
		}
		a.objects[i] = raw
	}
	return a, nil
}

func listAnswer(res *resource.ListResult) (*answer, error) {
	a, err := objectsAnswer(res.Objects, nil)
	if err != nil {
		return nil, err
	}
	m := res.Meta
	a.meta = &pageMeta{Limit: int64(m.Limit), Offset: int64(m.Offset), Next: m.Next, Previous: m.Previous}
	if !m.Uncounted {
		n := m.TotalCount
		a.meta.TotalCount = &n
	}
	return a, nil
}

// directError is the *Error of an engine error, as HTTP would answer it: its status, code, message
// and details (as JSON would carry them). Any other error is an INTERNAL_ERROR, as over HTTP; a
// context's end stays what it is.
func directError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	e := apierror.As(err)
	if e == nil {
		return &Error{Status: http.StatusInternalServerError, Code: string(apierror.Internal), Message: err.Error()}
	}
	out := &Error{Status: apierror.Status(e.Code), Code: string(e.Code), Message: e.Message}
	if e.Details != nil {
		if raw, jerr := json.Marshal(e.Details); jerr == nil {
			json.Unmarshal(raw, &out.Details)
		}
	} else {
		out.Details = map[string]any{}
	}
	return out
}
