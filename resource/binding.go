package resource

import (
	"context"
	"log/slog"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// Resource is anything the API can serve. Implementations (modelresource.New, ...) describe a table
// or a computation; user code usually wraps one in its own type to add overrides:
//
//	type indicators struct{ *modelresource.Resource }
//	func (indicators) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error { ... }
//
// The API looks for override methods on the value registered, so the wrapper's methods win.
type Resource interface {
	// Meta returns the resource's description.
	Meta() *Meta
	// Bind prepares the resource to serve through env: it reads what it needs from the database,
	// checks the Meta against it, and returns its default steps and field descriptions.
	Bind(ctx context.Context, env *Env) (*Binding, error)
}

// Env is what a resource is given when the API is built.
type Env struct {
	// DB is the API's database: its statements, and those of the transactions it begins, answer
	// classified errors (a unique violation is already a CONFLICT).
	DB      *dialect.DB
	Dialect dialect.Dialect
	Logger  *slog.Logger
	// Prefix is the API's URL prefix, "/api/v1/".
	Prefix string
	// Tables maps every registered model resource's table to its resource name, for relations declared
	// by foreign key.
	Tables map[string]string
	// Observer is Config.Observer: a resource reports its events there when it implements the
	// resource's observer interface; nil when the application observes nothing.
	Observer Observer
}

// Binding is what a resource brings to the API.
type Binding struct {
	// Steps are the resource's defaults. Dispatch, Hydrate and Dehydrate may be left nil for the API's
	// own defaults.
	Steps Steps
	// Fields describe the resource's fields, in order, for the schema.
	Fields []FieldSchema
	// Filtering is the effective filter allow-list for the schema: field → lookups.
	Filtering map[string]any
	// Ordering is the effective ordering allow-list.
	Ordering []string
	// Relations lists the to-one relations: name → related resource name; ToMany the to-many ones.
	Relations map[string]string
	ToMany    map[string]string
	// SubLists are the to-many relations served as lists under an object: name → the listed resource
	// and its to-one relation back (/api/v1/location/3/children/).
	SubLists map[string]SubList
	// CreateMany creates the objects of an array POST at once (a few multi-row statements instead of
	// some per object), as ObjCreate would one by one, and returns them in order; errors name the item
	// with AtIndex. It is used only while ObjCreate is not overridden. May be nil.
	CreateMany func(ctx context.Context, items []*Bundle) ([]*Object, error)
	// DeleteMany deletes the objects with these keys at once, as ObjDelete would one by one (the same
	// authorization, 404 for a key the user cannot see), for a bulk PATCH's deleted_objects; on an error
	// it returns the position of the key concerned, or -1. Used only while ObjDelete is not overridden. May be nil.
	DeleteMany func(ctx context.Context, b *Bundle, keys []string) (failed int, err error)
	// StreamList calls each for every object of the list the request asks for (the filters,
	// authorization, ordering and parent of ObjGetList, without the count and without expanding
	// relations), in order, as the rows arrive and without holding them; paged applies b.Limit and
	// b.Offset, otherwise every row from b.Offset is read. CSV output uses it while ObjGetList is not
	// overridden. May be nil: CSV then writes the page ObjGetList returns.
	StreamList func(ctx context.Context, b *Bundle, paged bool, each func(*Object) error) error
	// Atomic runs fn in one transaction (the context it passes carries it), committing when fn returns
	// nil. Resources without writes leave it nil.
	Atomic func(ctx context.Context, fn func(ctx context.Context) error) error
	// Link is called once every resource is bound, with a way to find the others; relations are checked
	// here. May be nil.
	Link func(lookup func(name string) (*Bound, bool)) error
	// Impl is the implementation's own value, for implementations that need to find each other in Link.
	Impl any
	// SchemaExtra adds entries to the resource's schema (a non-model resource describes its parameters
	// under "params"). May be nil.
	SchemaExtra map[string]any
}

// SubList is a to-many relation listed under an object.
type SubList struct {
	Resource string
	Via      string
}

// FieldSchema describes one field as the schema endpoint shows it.
type FieldSchema struct {
	Name        string
	Type        field.Type
	Nullable    bool
	Blank       bool
	ReadOnly    bool
	Unique      bool
	PrimaryKey  bool
	Default     any // nil: "No default provided."
	HasDefault  bool
	HelpText    string
	VerboseName string
	MaxLength   int
	Choices     []string
	// RelatedResource names the resource a foreign key points at, "" for none.
	RelatedResource string
}

// Bound is a resource as the API serves it.
type Bound struct {
	Name    string
	Meta    *Meta
	Steps   Steps
	Binding *Binding
	API     *API
	// Self is the value registered with New (the user's wrapper): implementations look on it, in Link,
	// for override methods of steps of their own (a non-model resource's PreProcessData).
	Self Resource

	listMethods   []string
	detailMethods []string
	authn         Authentication
	authz         Authorization
	throttle      Throttle
	// createOverridden: ObjCreate is the user's, so an array POST creates item by item through it.
	createOverridden bool
	// deleteOverridden: ObjDelete is the user's, so deleted_objects are deleted one by one through it.
	deleteOverridden bool
	// listOverridden: ObjGetList is the user's, so CSV writes the page it returns instead of a stream.
	listOverridden bool
}

// Authorization returns the resource's authorization (AllowAll by default).
func (r *Bound) Authorization() Authorization { return r.authz }

// URI returns the resource_uri of the object with the key.
func (r *Bound) URI(key string) string { return r.API.prefix + r.Name + "/" + key + "/" }

// ListURI returns the resource's list endpoint.
func (r *Bound) ListURI() string { return r.API.prefix + r.Name + "/" }

// MaxDepth returns how deep depth= may expand relations.
func (r *Bound) MaxDepth() int {
	if r.Meta.MaxDepth > 0 {
		return r.Meta.MaxDepth
	}
	return 3
}

// Limits returns the default and maximum page sizes.
func (r *Bound) Limits() (def, max int) {
	def, max = r.Meta.Limit, r.Meta.MaxLimit
	if def <= 0 {
		def = 20
	}
	if max <= 0 {
		max = 1000
	}
	if def > max {
		def = max
	}
	return def, max
}
