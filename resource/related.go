package resource

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tastygo/tastygo/apierror"
)

// relatedList finds what GET /<name>/<key>/<relation>/ lists: the parent resource, and the listed
// resource with its relation back to the parent. HTTP's sub-resource handler and the engine's Related
// share it.
func (a *API) relatedList(name, relation string) (parent, target *Bound, sub SubList, err error) {
	parent, ok := a.resources[name]
	if !ok || parent == nil {
		return nil, nil, sub, apierror.New(apierror.ResourceNotFound, "There is no resource named %q.", name).With("resource", name)
	}
	sub, ok = parent.Binding.SubLists[relation]
	if !ok {
		return nil, nil, sub, apierror.New(apierror.ResourceNotFound, "%q has no to-many relation %q.", parent.Name, relation).
			With("resource", parent.Name).With("relation", relation)
	}
	return parent, a.resources[sub.Resource], sub, nil
}

// relatedBundles are the bundles of a sub-resource list: the parent's detail read (which must find
// the parent: a 404 otherwise) and the listed resource's list, narrowed to the parent.
func relatedBundles(parent, target *Bound, key, relation string, sub SubList, q url.Values, user *User) (pb, b *Bundle) {
	pb = &Bundle{Resource: parent, Method: http.MethodGet, Kind: KindDetail, Key: key, User: user, Query: map[string][]string{}}
	b = &Bundle{Resource: target, Method: http.MethodGet, Kind: KindList, Query: q, User: user,
		Parent: &Parent{Via: sub.Via, Key: key, URI: parent.URI(url.PathEscape(key)) + relation + "/"}}
	return pb, b
}

// Related runs GET /<name>/<key>/<relation>/?<q>: the list of an object's to-many relation
// (/location/3/children/), as the user of the context may read it.
func (a *API) Related(ctx context.Context, name, key, relation string, q url.Values) (*ListResult, error) {
	parent, target, sub, err := a.relatedList(name, relation)
	if err != nil {
		return nil, err
	}
	if key, err = parent.detailKey(url.PathEscape(key)); err != nil {
		return nil, err
	}
	if q == nil {
		q = url.Values{}
	}
	pb, b := relatedBundles(parent, target, key, relation, sub, q, UserFromContext(ctx))
	if _, err := parent.Steps.ObjGet(withBundle(ctx, pb), pb); err != nil {
		return nil, err
	}
	resp, err := getList(withBundle(ctx, b), b)
	if err != nil {
		return nil, err
	}
	return answerOf[*ListResult](b, resp, "Related", false)
}
