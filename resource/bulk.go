package resource

import (
	"context"
	"net/http"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// patchList serves PATCH on a list: Tastypie's bulk body {"objects": [...], "deleted_objects": [...]},
// or, with filters in the query, one partial object applied to every row they match.
func patchList(ctx context.Context, b *Bundle) (*Response, error) {
	_, hasObjects := b.Data["objects"]
	_, hasDeleted := b.Data["deleted_objects"]
	if hasObjects || hasDeleted {
		return bulkPatch(ctx, b)
	}
	s := b.Resource.Steps
	if s.ObjUpdateList == nil {
		return nil, notOffered(b)
	}
	n, err := s.ObjUpdateList(ctx, b)
	if err != nil {
		return nil, err
	}
	if b.Resource.Meta.QuietWrites {
		return &Response{Status: http.StatusAccepted}, nil
	}
	return &Response{Status: http.StatusAccepted, Body: &UpdatedResult{Updated: n}}, nil
}

// bulkPatch runs Tastypie's patch_list in one transaction: each object with a resource_uri (or its
// key) is updated as a PATCH would, or created with that key when it does not exist; each object
// without is created as a POST would; each URI of deleted_objects is deleted. Any failure rolls back
// everything and names the item.
func bulkPatch(ctx context.Context, b *Bundle) (*Response, error) {
	res := b.Resource
	s := res.Steps
	for k := range b.Data {
		if k != "objects" && k != "deleted_objects" {
			return nil, apierror.New(apierror.MalformedBody, "A bulk PATCH body holds only \"objects\" and \"deleted_objects\", not %q.", k)
		}
	}
	objects, err := objectsOf(b.Data["objects"])
	if err != nil {
		return nil, err
	}
	deleted, err := keysOf(res, b.Data["deleted_objects"])
	if err != nil {
		return nil, err
	}
	if most := b.maxBodyObjects(); len(objects)+len(deleted) > most {
		return nil, tooManyObjects(most)
	}
	if res.Binding.Atomic == nil || s.ObjCreate == nil || s.ObjUpdate == nil || s.ObjDeleteKeys == nil {
		return nil, notOffered(b)
	}
	var out []*Object
	err = res.Binding.Atomic(ctx, func(ctx context.Context) error {
		for i, item := range objects {
			obj, err := patchOne(ctx, b, item)
			if err != nil {
				return AtIndex(err, i)
			}
			out = append(out, obj)
		}
		if len(deleted) == 0 {
			return nil
		}
		return s.ObjDeleteKeys(ctx, b, deleted)
	})
	if err != nil {
		return nil, err
	}
	if res.Meta.QuietWrites {
		return &Response{Status: http.StatusAccepted}, nil
	}
	for _, o := range out {
		if err := dehydrate(ctx, b, o); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []*Object{}
	}
	return &Response{Status: http.StatusAccepted, Body: &ObjectsResult{Objects: out}}, nil
}

// patchOne updates (or creates) one object of a bulk PATCH.
func patchOne(ctx context.Context, b *Bundle, item map[string]any) (*Object, error) {
	res, s := b.Resource, b.Resource.Steps
	key, err := itemKey(res, item)
	if err != nil {
		return nil, err
	}
	one := &Bundle{Resource: res, Request: b.Request, Data: item, User: b.User, RequestID: b.RequestID, Query: map[string][]string{}}
	if key == "" {
		one.Method, one.Kind = http.MethodPost, KindList
		if err := s.Hydrate(ctx, one); err != nil {
			return nil, err
		}
		return s.ObjCreate(ctx, one)
	}
	one.Method, one.Kind, one.Key, one.Partial = http.MethodPatch, KindDetail, key, true
	if err := s.Hydrate(ctx, one); err != nil {
		return nil, err
	}
	obj, _, err := s.ObjUpdate(ctx, one)
	if apierror.CodeOf(err) == apierror.ObjectDoesNotExist {
		// Tastypie creates an object whose URI does not exist yet, as PUT does.
		one.Method, one.Partial = http.MethodPut, false
		obj, _, err = s.ObjUpdate(ctx, one)
	}
	return obj, err
}

func objectsOf(v any) ([]map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, apierror.New(apierror.MalformedBody, "\"objects\" must be an array of objects.")
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, apierror.New(apierror.MalformedBody, "objects[%d] is not a JSON object.", i).With("index", i)
		}
		out = append(out, m)
	}
	return out, nil
}

func keysOf(res *Bound, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, apierror.New(apierror.MalformedBody, "\"deleted_objects\" must be an array of resource URIs.")
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		uri, ok := item.(string)
		key, okKey := res.KeyOfURI(uri)
		if !ok || !okKey {
			return nil, apierror.New(apierror.MalformedBody, "deleted_objects[%d] is not a URI of %s (%s<key>/).", i, res.Name, res.ListURI()).
				With("deleted_index", i)
		}
		out = append(out, key)
	}
	return out, nil
}

// itemKey is the key a bulk item names by its resource_uri or its primary key field, "" for none.
func itemKey(res *Bound, item map[string]any) (string, error) {
	if v, ok := item["resource_uri"]; ok && v != nil {
		uri, _ := v.(string)
		key, ok := res.KeyOfURI(uri)
		if !ok {
			return "", apierror.New(apierror.MalformedBody, "resource_uri %q is not a URI of %s (%s<key>/).", uri, res.Name, res.ListURI())
		}
		return key, nil
	}
	switch v := item[res.PrimaryKey()].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case interface{ String() string }: // json.Number
		return v.String(), nil
	}
	return "", apierror.New(apierror.MalformedBody, "The %q of an object must be a number or a string.", res.PrimaryKey())
}

// KeyOfURI returns the key of one of this resource's resource_uri, or false when uri is not one: the
// key must be one segment in canonical form, as a detail path's (paths.go).
func (r *Bound) KeyOfURI(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, r.ListURI())
	if !ok {
		return "", false
	}
	seg := strings.TrimSuffix(rest, "/")
	key, ok := pathKey(seg)
	if !ok || strings.Contains(seg, "/") || key == "schema" || key == "set" {
		return "", false
	}
	return key, true
}
