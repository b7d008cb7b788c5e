package resource

import (
	"context"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/filters"
)

// The steps of a request, as Tastypie names them. A resource implementation (a model resource, a
// non-model resource) supplies a default for each; user code overrides any of them by giving its
// resource value a method of the matching one-method interface below (FilterApplier, ObjDeleter, ...).
//
// An override receives the default as next and may call it. Overrides are found once, when the API
// is built, and every step is always called through [Steps], including from inside other default steps:
// a resource that overrides ApplyFilters changes list, set, detail and DELETE-by-filter alike.

// DispatchFunc answers a request: it chooses the handler for the method and kind and runs it.
type DispatchFunc func(ctx context.Context, b *Bundle) (*Response, error)

// ValidateFiltersFunc checks the query: required parameters present, every parameter either reserved
// or an allowed filter.
type ValidateFiltersFunc func(ctx context.Context, b *Bundle) error

// BuildFiltersFunc parses the query's filters into typed conditions.
type BuildFiltersFunc func(ctx context.Context, b *Bundle) ([]filters.Filter, error)

// ApplyFiltersFunc adds the filters (and any condition of the resource's own) to a query.
type ApplyFiltersFunc func(ctx context.Context, b *Bundle, q sq.SelectBuilder, fs []filters.Filter) (sq.SelectBuilder, error)

// GetObjectListFunc returns the base query of the resource: its SELECT with the joins it needs, before
// filters, authorization, ordering and paging.
type GetObjectListFunc func(ctx context.Context, b *Bundle) (sq.SelectBuilder, error)

// ObjGetListFunc returns the page of objects the request asks for (or, for set/, every object whose key
// is in b.Keys).
type ObjGetListFunc func(ctx context.Context, b *Bundle) (*Page, error)

// ObjGetFunc returns the object whose key is b.Key, or an OBJECT_DOES_NOT_EXIST error.
type ObjGetFunc func(ctx context.Context, b *Bundle) (*Object, error)

// ObjCreateFunc inserts b.Data and returns the new object as a GET would show it.
type ObjCreateFunc func(ctx context.Context, b *Bundle) (*Object, error)

// ObjUpdateFunc replaces (PUT) or partially updates (PATCH, b.Partial) the object whose key is b.Key
// with b.Data. A PUT on a missing key creates the object and reports created.
type ObjUpdateFunc func(ctx context.Context, b *Bundle) (obj *Object, created bool, err error)

// ObjDeleteFunc deletes the object whose key is b.Key.
type ObjDeleteFunc func(ctx context.Context, b *Bundle) error

// ObjDeleteListFunc deletes every object the request's filters match and returns how many.
type ObjDeleteListFunc func(ctx context.Context, b *Bundle) (int64, error)

// ObjUpdateListFunc applies b.Data, a partial object, to every object the request's filters match
// (PATCH on the list with filters) and returns how many.
type ObjUpdateListFunc func(ctx context.Context, b *Bundle) (int64, error)

// HydrateFunc prepares b.Data, the decoded body, before it is validated and saved.
type HydrateFunc func(ctx context.Context, b *Bundle) error

// DehydrateFunc prepares an object for the response: add, change or remove fields.
type DehydrateFunc func(ctx context.Context, b *Bundle, obj *Object) error

// Steps holds a resource's steps, defaults and overrides already combined.
type Steps struct {
	Dispatch        DispatchFunc
	ValidateFilters ValidateFiltersFunc
	BuildFilters    BuildFiltersFunc
	ApplyFilters    ApplyFiltersFunc
	GetObjectList   GetObjectListFunc
	ObjGetList      ObjGetListFunc
	ObjGet          ObjGetFunc
	ObjCreate       ObjCreateFunc
	ObjUpdate       ObjUpdateFunc
	ObjDelete       ObjDeleteFunc
	ObjDeleteList   ObjDeleteListFunc
	ObjUpdateList   ObjUpdateListFunc
	Hydrate         HydrateFunc
	Dehydrate       DehydrateFunc
}

// Dispatcher overrides Dispatch.
type Dispatcher interface {
	Dispatch(ctx context.Context, b *Bundle, next DispatchFunc) (*Response, error)
}

// FilterValidator overrides ValidateFilters.
type FilterValidator interface {
	ValidateFilters(ctx context.Context, b *Bundle, next ValidateFiltersFunc) error
}

// FilterBuilder overrides BuildFilters.
type FilterBuilder interface {
	BuildFilters(ctx context.Context, b *Bundle, next BuildFiltersFunc) ([]filters.Filter, error)
}

// FilterApplier overrides ApplyFilters.
type FilterApplier interface {
	ApplyFilters(ctx context.Context, b *Bundle, q sq.SelectBuilder, fs []filters.Filter, next ApplyFiltersFunc) (sq.SelectBuilder, error)
}

// ObjectListGetter overrides GetObjectList.
type ObjectListGetter interface {
	GetObjectList(ctx context.Context, b *Bundle, next GetObjectListFunc) (sq.SelectBuilder, error)
}

// ObjListGetter overrides ObjGetList.
type ObjListGetter interface {
	ObjGetList(ctx context.Context, b *Bundle, next ObjGetListFunc) (*Page, error)
}

// ObjGetter overrides ObjGet.
type ObjGetter interface {
	ObjGet(ctx context.Context, b *Bundle, next ObjGetFunc) (*Object, error)
}

// ObjCreator overrides ObjCreate.
type ObjCreator interface {
	ObjCreate(ctx context.Context, b *Bundle, next ObjCreateFunc) (*Object, error)
}

// ObjUpdater overrides ObjUpdate.
type ObjUpdater interface {
	ObjUpdate(ctx context.Context, b *Bundle, next ObjUpdateFunc) (*Object, bool, error)
}

// ObjDeleter overrides ObjDelete.
type ObjDeleter interface {
	ObjDelete(ctx context.Context, b *Bundle, next ObjDeleteFunc) error
}

// ObjListDeleter overrides ObjDeleteList.
type ObjListDeleter interface {
	ObjDeleteList(ctx context.Context, b *Bundle, next ObjDeleteListFunc) (int64, error)
}

// ObjListUpdater overrides ObjUpdateList.
type ObjListUpdater interface {
	ObjUpdateList(ctx context.Context, b *Bundle, next ObjUpdateListFunc) (int64, error)
}

// Hydrater overrides Hydrate.
type Hydrater interface {
	Hydrate(ctx context.Context, b *Bundle, next HydrateFunc) error
}

// Dehydrater overrides Dehydrate.
type Dehydrater interface {
	Dehydrate(ctx context.Context, b *Bundle, obj *Object, next DehydrateFunc) error
}

// withOverrides returns the defaults with every override that self implements wrapped around them.
func withOverrides(self any, d Steps) Steps {
	s := d
	if o, ok := self.(Dispatcher); ok {
		s.Dispatch = func(ctx context.Context, b *Bundle) (*Response, error) { return o.Dispatch(ctx, b, d.Dispatch) }
	}
	if o, ok := self.(FilterValidator); ok {
		s.ValidateFilters = func(ctx context.Context, b *Bundle) error { return o.ValidateFilters(ctx, b, d.ValidateFilters) }
	}
	if o, ok := self.(FilterBuilder); ok {
		s.BuildFilters = func(ctx context.Context, b *Bundle) ([]filters.Filter, error) {
			return o.BuildFilters(ctx, b, d.BuildFilters)
		}
	}
	if o, ok := self.(FilterApplier); ok {
		s.ApplyFilters = func(ctx context.Context, b *Bundle, q sq.SelectBuilder, fs []filters.Filter) (sq.SelectBuilder, error) {
			return o.ApplyFilters(ctx, b, q, fs, d.ApplyFilters)
		}
	}
	if o, ok := self.(ObjectListGetter); ok {
		s.GetObjectList = func(ctx context.Context, b *Bundle) (sq.SelectBuilder, error) {
			return o.GetObjectList(ctx, b, d.GetObjectList)
		}
	}
	if o, ok := self.(ObjListGetter); ok {
		s.ObjGetList = func(ctx context.Context, b *Bundle) (*Page, error) { return o.ObjGetList(ctx, b, d.ObjGetList) }
	}
	if o, ok := self.(ObjGetter); ok {
		s.ObjGet = func(ctx context.Context, b *Bundle) (*Object, error) { return o.ObjGet(ctx, b, d.ObjGet) }
	}
	if o, ok := self.(ObjCreator); ok {
		s.ObjCreate = func(ctx context.Context, b *Bundle) (*Object, error) { return o.ObjCreate(ctx, b, d.ObjCreate) }
	}
	if o, ok := self.(ObjUpdater); ok {
		s.ObjUpdate = func(ctx context.Context, b *Bundle) (*Object, bool, error) { return o.ObjUpdate(ctx, b, d.ObjUpdate) }
	}
	if o, ok := self.(ObjDeleter); ok {
		s.ObjDelete = func(ctx context.Context, b *Bundle) error { return o.ObjDelete(ctx, b, d.ObjDelete) }
	}
	if o, ok := self.(ObjListDeleter); ok {
		s.ObjDeleteList = func(ctx context.Context, b *Bundle) (int64, error) { return o.ObjDeleteList(ctx, b, d.ObjDeleteList) }
	}
	if o, ok := self.(ObjListUpdater); ok {
		s.ObjUpdateList = func(ctx context.Context, b *Bundle) (int64, error) { return o.ObjUpdateList(ctx, b, d.ObjUpdateList) }
	}
	if o, ok := self.(Hydrater); ok {
		s.Hydrate = func(ctx context.Context, b *Bundle) error { return o.Hydrate(ctx, b, d.Hydrate) }
	}
	if o, ok := self.(Dehydrater); ok {
		s.Dehydrate = func(ctx context.Context, b *Bundle, obj *Object) error { return o.Dehydrate(ctx, b, obj, d.Dehydrate) }
	}
	return s
}
