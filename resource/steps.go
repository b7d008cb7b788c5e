package resource

import (
	"context"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/filters"
)

// The steps of a request, as Tastypie names them, and the one-method interfaces that override them.
// doc.go explains the mechanism; overrides.go finds and checks overrides; batch.go holds the framework's
// own defaults of the batch steps.

// DispatchFunc answers a request: it chooses the handler for the method and kind and runs it.
type DispatchFunc func(ctx context.Context, b *Bundle) (*Response, error)

// ValidateFiltersFunc checks the query: required parameters present, every parameter either reserved
// or an allowed filter.
type ValidateFiltersFunc func(ctx context.Context, b *Bundle) error

// BuildFiltersFunc parses the query's filters into typed conditions.
type BuildFiltersFunc func(ctx context.Context, b *Bundle) ([]filters.Filter, error)

// ApplyFiltersFunc adds the filters (and any condition of the resource's own) to a query. Every read
// goes through it, fs being empty where the request has no filters (a detail, a relation expanded),
// so a condition added here hides rows everywhere.
type ApplyFiltersFunc func(ctx context.Context, b *Bundle, q sq.SelectBuilder, fs []filters.Filter) (sq.SelectBuilder, error)

// GetObjectListFunc returns the base query of the resource: its SELECT with the joins it needs, before
// filters, authorization, ordering and paging.
type GetObjectListFunc func(ctx context.Context, b *Bundle) (sq.SelectBuilder, error)

// ObjGetListFunc returns the page of objects the request asks for (or, for set/, every object whose key
// is in b.Keys).
type ObjGetListFunc func(ctx context.Context, b *Bundle) (*Page, error)

// ObjStreamListFunc hands each object of the list the request asks for to each, in order, as the rows
// arrive and without holding them (a CSV list): the objects ObjGetList would return, without the count
// and without expanding relations. With b.Limit above zero it is the page of b.Limit and b.Offset;
// with b.Limit zero, every object from b.Offset on (an export). An error from each stops the list and
// is returned as it is.
type ObjStreamListFunc func(ctx context.Context, b *Bundle, each func(*Object) error) error

// ObjGetFunc returns the object whose key is b.Key, or an OBJECT_DOES_NOT_EXIST error.
type ObjGetFunc func(ctx context.Context, b *Bundle) (*Object, error)

// ObjCreateFunc inserts b.Data and returns the new object as a GET would show it. When b.Key is set
// (a PUT to a key that does not exist yet, in bulk PATCH too) the object is created with that key.
type ObjCreateFunc func(ctx context.Context, b *Bundle) (*Object, error)

// ObjCreateListFunc creates the objects of an array POST, all or none, and returns them in order: each
// of items is one object's bundle, already through Hydrate; b is the request's. An error about one item
// names it with [AtIndex].
type ObjCreateListFunc func(ctx context.Context, b *Bundle, items []*Bundle) ([]*Object, error)

// ObjUpdateFunc replaces (PUT) or partially updates (PATCH, b.Partial) the object whose key is b.Key
// with b.Data. A PUT on a key that does not exist creates the object through ObjCreate and reports
// created.
type ObjUpdateFunc func(ctx context.Context, b *Bundle) (obj *Object, created bool, err error)

// ObjUpdateListFunc applies b.Data, a partial object, to every object the request's filters match
// (PATCH on the list with filters) and returns how many.
type ObjUpdateListFunc func(ctx context.Context, b *Bundle) (int64, error)

// ObjDeleteFunc deletes the object whose key is b.Key.
type ObjDeleteFunc func(ctx context.Context, b *Bundle) error

// ObjDeleteListFunc deletes every object the request's filters match and returns how many.
type ObjDeleteListFunc func(ctx context.Context, b *Bundle) (int64, error)

// ObjDeleteKeysFunc deletes the objects with these keys, as written in their URIs (a bulk PATCH's
// deleted_objects; b is that request's), all or none, as ObjDelete would one by one: a key the user
// cannot see is a 404. An error about one key names it with [AtDeletedIndex].
type ObjDeleteKeysFunc func(ctx context.Context, b *Bundle, keys []string) error

// HydrateFunc prepares b.Data, the decoded body, before it is validated and saved.
type HydrateFunc func(ctx context.Context, b *Bundle) error

// DehydrateFunc prepares an object for the response: add, change or remove fields.
type DehydrateFunc func(ctx context.Context, b *Bundle, obj *Object) error

// Steps holds a resource's steps, each already combined with its override, if the resource has one.
// Whoever runs a step calls it here, b.Resource.Steps.ObjGet(ctx, b), and never a default directly,
// so that an override runs wherever its step is used. A step the resource does not offer (a read-only
// resource's ObjCreate) is nil.
type Steps struct {
	// Dispatch answers a request: it picks the handler for the method and kind (list GET, POST, PUT,
	// bulk PATCH, ...) and runs it. Override it to wrap every request of the resource.
	Dispatch DispatchFunc
	// ValidateFilters refuses a query with a parameter that is neither reserved nor an allowed filter,
	// or without a required one. Lists, set/ and the writes by filter run it.
	ValidateFilters ValidateFiltersFunc
	// BuildFilters turns the query's filters into typed conditions (filters.Filter).
	BuildFilters BuildFiltersFunc
	// ApplyFilters adds the filters to a query; every read, list or detail, goes through it.
	ApplyFilters ApplyFiltersFunc
	// GetObjectList is the base query every read and write starts from.
	GetObjectList GetObjectListFunc
	// ObjGetList reads the page of a list GET, or the objects of set/.
	ObjGetList ObjGetListFunc
	// ObjStreamList reads a CSV list as a stream. Batch step of ObjGetList (see doc.go).
	ObjStreamList ObjStreamListFunc
	// ObjGet reads one object: a detail GET, and the object a PUT, PATCH or DELETE changes.
	ObjGet ObjGetFunc
	// ObjCreate creates one object: POST, a PUT to a new key, a bulk PATCH's new object, a nested one.
	ObjCreate ObjCreateFunc
	// ObjCreateList creates the objects of an array POST. Batch step of ObjCreate.
	ObjCreateList ObjCreateListFunc
	// ObjUpdate replaces (PUT) or updates (PATCH) one object, also in bulk PATCH and nested writes.
	ObjUpdate ObjUpdateFunc
	// ObjUpdateList applies a PATCH with filters to every object they match. Batch step of ObjUpdate
	// and ObjGet.
	ObjUpdateList ObjUpdateListFunc
	// ObjDelete deletes one object: DELETE on it.
	ObjDelete ObjDeleteFunc
	// ObjDeleteList deletes what a DELETE with filters matches. Batch step of ObjDelete and ObjGet.
	ObjDeleteList ObjDeleteListFunc
	// ObjDeleteKeys deletes a bulk PATCH's deleted_objects. Batch step of ObjDelete and ObjGet.
	ObjDeleteKeys ObjDeleteKeysFunc
	// Hydrate prepares the body of every write (POST, each item of an array POST or bulk PATCH, PUT,
	// PATCH, PATCH with filters, a nested object) before it is validated.
	Hydrate HydrateFunc
	// Dehydrate prepares every object answered (lists, details, set/, CSV rows, written objects,
	// expanded relations). Its default runs the resource's per-field Dehydrate<Field> methods.
	Dehydrate DehydrateFunc
	// Validate checks the body of every write once Hydrate has prepared it (Tastypie's is_valid): as
	// Steps holds it, Hydrate runs Validate after itself, so each path that hydrates validates too.
	Validate ValidateFunc
	// AlterListData changes a JSON list's answer before it is written (Tastypie's
	// alter_list_data_to_serialize): list GETs, over HTTP and in the engine.
	AlterListData AlterListDataFunc
	// AlterDetailData changes one object's answer before it is written (Tastypie's
	// alter_detail_data_to_serialize): detail GET, and POST, PUT and PATCH of one object with data.
	AlterDetailData AlterDetailDataFunc
}

// DispatchOverrider overrides Dispatch.
type DispatchOverrider interface {
	Dispatch(ctx context.Context, b *Bundle, next DispatchFunc) (*Response, error)
}

// ValidateFiltersOverrider overrides ValidateFilters.
type ValidateFiltersOverrider interface {
	ValidateFilters(ctx context.Context, b *Bundle, next ValidateFiltersFunc) error
}

// BuildFiltersOverrider overrides BuildFilters.
type BuildFiltersOverrider interface {
	BuildFilters(ctx context.Context, b *Bundle, next BuildFiltersFunc) ([]filters.Filter, error)
}

// ApplyFiltersOverrider overrides ApplyFilters.
type ApplyFiltersOverrider interface {
	ApplyFilters(ctx context.Context, b *Bundle, q sq.SelectBuilder, fs []filters.Filter, next ApplyFiltersFunc) (sq.SelectBuilder, error)
}

// GetObjectListOverrider overrides GetObjectList.
type GetObjectListOverrider interface {
	GetObjectList(ctx context.Context, b *Bundle, next GetObjectListFunc) (sq.SelectBuilder, error)
}

// ObjGetListOverrider overrides ObjGetList.
type ObjGetListOverrider interface {
	ObjGetList(ctx context.Context, b *Bundle, next ObjGetListFunc) (*Page, error)
}

// ObjStreamListOverrider overrides ObjStreamList.
type ObjStreamListOverrider interface {
	ObjStreamList(ctx context.Context, b *Bundle, each func(*Object) error, next ObjStreamListFunc) error
}

// ObjGetOverrider overrides ObjGet.
type ObjGetOverrider interface {
	ObjGet(ctx context.Context, b *Bundle, next ObjGetFunc) (*Object, error)
}

// ObjCreateOverrider overrides ObjCreate.
type ObjCreateOverrider interface {
	ObjCreate(ctx context.Context, b *Bundle, next ObjCreateFunc) (*Object, error)
}

// ObjCreateListOverrider overrides ObjCreateList.
type ObjCreateListOverrider interface {
	ObjCreateList(ctx context.Context, b *Bundle, items []*Bundle, next ObjCreateListFunc) ([]*Object, error)
}

// ObjUpdateOverrider overrides ObjUpdate.
type ObjUpdateOverrider interface {
	ObjUpdate(ctx context.Context, b *Bundle, next ObjUpdateFunc) (*Object, bool, error)
}

// ObjUpdateListOverrider overrides ObjUpdateList.
type ObjUpdateListOverrider interface {
	ObjUpdateList(ctx context.Context, b *Bundle, next ObjUpdateListFunc) (int64, error)
}

// ObjDeleteOverrider overrides ObjDelete.
type ObjDeleteOverrider interface {
	ObjDelete(ctx context.Context, b *Bundle, next ObjDeleteFunc) error
}

// ObjDeleteListOverrider overrides ObjDeleteList.
type ObjDeleteListOverrider interface {
	ObjDeleteList(ctx context.Context, b *Bundle, next ObjDeleteListFunc) (int64, error)
}

// ObjDeleteKeysOverrider overrides ObjDeleteKeys.
type ObjDeleteKeysOverrider interface {
	ObjDeleteKeys(ctx context.Context, b *Bundle, keys []string, next ObjDeleteKeysFunc) error
}

// HydrateOverrider overrides Hydrate.
type HydrateOverrider interface {
	Hydrate(ctx context.Context, b *Bundle, next HydrateFunc) error
}

// DehydrateOverrider overrides Dehydrate.
type DehydrateOverrider interface {
	Dehydrate(ctx context.Context, b *Bundle, obj *Object, next DehydrateFunc) error
}
