package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Manager is a resource's manager: a Query with no conditions (every Query method is promoted), and
// the calls on one object by its key. Manager's Update and Delete act on one object; a filtered
// Update or Delete is a Query's (m.Filter(...).Delete(ctx)).
type Manager[T any] struct {
	Query[T]
}

func (q *Query[T]) detail(key any) string {
	return q.resource + "/" + url.PathEscape(keyString(key)) + "/"
}

func (q *Query[T]) one(ctx context.Context, cl *call) (*T, error) {
	ans, err := q.c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	if ans.object == nil {
		return nil, nil
	}
	v, err := decode[T](ans.object)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Get returns the object with a key (GET /<resource>/<key>/).
func (m *Manager[T]) Get(ctx context.Context, key any) (*T, error) {
	return m.Query.Get(ctx, key)
}

// Get returns the object of the query's resource with a key, with the query's parameters
// (inds.Depth(1).Get(ctx, 7), inds.Only("id", "name").Get(ctx, 7)). Not defined on a relation's list.
func (q *Query[T]) Get(ctx context.Context, key any) (*T, error) {
	if q.related {
		return nil, refused(CodeNotOffered, "Get is not offered on a relation's list (%s): use Filter(\"id\", key).First.", q.path)
	}
	return q.one(ctx, &call{method: http.MethodGet, path: q.detail(key), query: q.with().params, want: wantObject})
}

// Create creates an object (POST) and returns it as the API shows it. Read-only fields (the key,
// created_at...) are ignored by the API.
func (m *Manager[T]) Create(ctx context.Context, obj *T) (*T, error) {
	return m.one(ctx, &call{method: http.MethodPost, path: m.path, body: obj, want: wantObject})
}

// Update replaces the object with a key (PUT), creating it with that key when it does not exist.
func (m *Manager[T]) Update(ctx context.Context, key any, obj *T) (*T, error) {
	return m.one(ctx, &call{method: http.MethodPut, path: m.detail(key), body: obj, want: wantObject})
}

// Patch changes some fields of the object with a key (PATCH) and returns it.
func (m *Manager[T]) Patch(ctx context.Context, key any, fields map[string]any) (*T, error) {
	return m.one(ctx, &call{method: http.MethodPatch, path: m.detail(key), body: fields, want: wantObject})
}

// Delete deletes the object with a key.
func (m *Manager[T]) Delete(ctx context.Context, key any) error {
	_, err := m.c.send(ctx, &call{method: http.MethodDelete, path: m.detail(key), want: wantNothing})
	return err
}

func (m *Manager[T]) many(ctx context.Context, cl *call) ([]T, error) {
	ans, err := m.c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(ans.objects))
	for _, raw := range ans.objects {
		v, err := decode[T](raw)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CreateMany creates several objects in one request (an array POST), all or none, and returns them.
func (m *Manager[T]) CreateMany(ctx context.Context, objs []T) ([]T, error) {
	if objs == nil {
		objs = []T{}
	}
	return m.many(ctx, &call{method: http.MethodPost, path: m.path, body: objs, want: wantObjects})
}

// BulkPatch sends Tastypie's bulk PATCH, all or nothing: each object with a resource_uri or a key is
// updated (or created with that key), each without is created, and the objects with the deletedKeys
// are deleted. It returns the objects written. (A struct whose key field is not tagged omitzero sends
// its zero key, which names an object: tag it `json:"id,omitzero"`.)
func (m *Manager[T]) BulkPatch(ctx context.Context, objects []T, deletedKeys []any) ([]T, error) {
	if objects == nil {
		objects = []T{}
	}
	uris := make([]string, len(deletedKeys))
	for i, k := range deletedKeys {
		uris[i] = m.c.t.uri(m.resource, keyString(k))
	}
	body := map[string]any{"objects": objects, "deleted_objects": uris}
	return m.many(ctx, &call{method: http.MethodPatch, path: m.path, body: body, want: wantObjects})
}

// GetMany returns the objects with these keys in one request (set/), in the order asked, and the keys
// that name no object the user may read.
func (m *Manager[T]) GetMany(ctx context.Context, keys ...any) (found []T, notFound []string, err error) {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = url.PathEscape(keyString(k))
	}
	ans, err := m.c.send(ctx, &call{method: http.MethodGet, path: m.resource + "/set/" + strings.Join(parts, ";") + "/",
		query: m.with().params, want: wantObjects})
	if err != nil {
		return nil, nil, err
	}
	found = make([]T, 0, len(ans.objects))
	for _, raw := range ans.objects {
		v, err := decode[T](raw)
		if err != nil {
			return nil, nil, err
		}
		found = append(found, v)
	}
	if ans.notFound == nil {
		ans.notFound = []string{}
	}
	return found, ans.notFound, nil
}

// Related returns a query over an object's to-many relation (GET /<resource>/<key>/<name>/, Balsam's
// jobs.history(3) → job/3/events), its objects as maps; RelatedOf types them.
func (m *Manager[T]) Related(key any, name string) *Query[map[string]any] {
	return RelatedOf[map[string]any](m, key, name)
}

// RelatedOf is Related with the related resource's type: client.RelatedOf[Datapoint](locations, 3,
// "datapoints").
func RelatedOf[U, T any](m *Manager[T], key any, name string) *Query[U] {
	return &Query[U]{c: m.c, resource: name, path: m.detail(key) + name + "/", params: url.Values{}, related: true}
}

// Run triggers a processing (non-model) resource with its parameters (GET /<resource>/?<params>:
// agg_refresh with campaign_id) and returns the first page of the list it answers. A run with the same
// parameters already under way is an error that matches ErrRunInProgress. The client's timeout
// (WithTimeout) bounds the wait: a run that outlasts it goes on in the server, which records its end,
// and the call returns an error wrapping context.DeadlineExceeded; give long runs a longer timeout.
func Run(ctx context.Context, c *Client, resource string, params map[string]any) ([]map[string]any, error) {
	q := For[map[string]any](c, resource).Query
	for k, v := range params {
		q = *q.Param(k, v)
	}
	for page, err := range q.pages(ctx, 0) {
		if err != nil {
			return nil, err
		}
		out := make([]map[string]any, 0, len(page.objects))
		for _, raw := range page.objects {
			v, err := decode[map[string]any](raw)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("client: %s answered no page", resource)
}
