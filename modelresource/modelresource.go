// Package modelresource serves one SQL table as a Tastypie ModelResource: list with filters, ordering
// and pages, detail, set/, and create, replace, update and delete, on SQLite and PostgreSQL alike.
//
// A resource is declared with a [resource.Meta]; the table's columns, types, keys and foreign keys are
// read from the database when the API is built, so that a Meta names only what the database cannot
// say (what may be filtered and ordered, which fields are required on POST, ...):
//
//	indicators := modelresource.New(resource.Meta{
//		ResourceName: "indicator",
//		Table:        "indicator",
//		Filtering:    map[string]resource.Lookups{resource.EveryField: resource.All},
//		Ordering:     []string{"id", "name"},
//	})
package modelresource

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/resource"
)

// Resource is a model resource: a description (its Meta) that [resource.New] binds into an API. Create
// it with [New]; wrap it in a type of your own to override steps.
//
// Binding keeps nothing on the value: each API builds its own state from it (the table read from the
// database, the relations resolved against the API's other resources), so one value can be
// registered in several APIs, and resource.New can be called again with it after an error.
type Resource struct {
	meta resource.Meta
}

// New returns a model resource described by meta. Nothing is checked until the API is built.
func New(meta resource.Meta) *Resource {
	return &Resource{meta: meta}
}

// Meta returns the resource's description. Changing it after an API was built changes nothing in that
// API, which took a copy; the next resource.New sees the change.
func (r *Resource) Meta() *resource.Meta { return &r.meta }

// Bind reads the table and checks the Meta against it, returning the state of one API; see
// [resource.Resource].
func (r *Resource) Bind(ctx context.Context, env *resource.Env) (*resource.Binding, error) {
	m := &model{desc: r, meta: r.meta}
	return m.bind(ctx, env)
}

// Column returns the quoted SQL expression of one of the resource's columns (`"indicator"."name"`), for
// overrides that add conditions. It is written from Meta.Table and name alone: a name that is not a
// column of the table fails the statement it is used in.
func (r *Resource) Column(name string) string {
	return quoteIdent(r.meta.Table) + "." + quoteIdent(name)
}

// quoteIdent quotes an identifier as both backends do (dialect.Dialect.Quote).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// CheckOrdering checks a query's ordering (order_by, or ordering in Django REST framework's style) against the resource's allow-list without running anything,
// for steps that must refuse a bad request before they do work (a non-model resource's run). ctx is a
// request's, of an API serving r, as for [Resource.DB].
func (r *Resource) CheckOrdering(ctx context.Context, q url.Values) error {
	m, err := r.boundIn(ctx)
	if err != nil {
		return err
	}
	return m.checkOrdering(resource.BundleFromContext(ctx).Resource.API, q)
}

// boundIn returns r's state in the API serving the request ctx belongs to (the bundle every step's,
// authorization's and engine call's context carries).
func (r *Resource) boundIn(ctx context.Context) (*model, error) {
	b := resource.BundleFromContext(ctx)
	if b == nil || b.Resource == nil || b.Resource.API == nil {
		return nil, fmt.Errorf("modelresource %q: called outside a request of an API (a step's, an authorization's or an engine call's context)", r.meta.ResourceName)
	}
	if bound, ok := b.Resource.API.Resource(r.meta.ResourceName); ok && bound != nil {
		if m, ok := bound.Binding.Impl.(*model); ok && m.desc == r {
			return m, nil
		}
	}
	return nil, fmt.Errorf("modelresource %q: this value is not registered in the API serving the request", r.meta.ResourceName)
}
