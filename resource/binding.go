package resource

import (
	"context"
	"log/slog"
	"reflect"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// Resource is anything the API can serve. Implementations (modelresource.New, nonmodel.New) describe a
// table or a computation; user code wraps one in a type of its own to override steps (see the package
// documentation):
//
//	type indicators struct{ *modelresource.Resource }
//
//	var _ resource.ObjDeleteOverrider = indicators{} // the compiler checks the override
//
//	func (r indicators) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error { ... }
//
// The API looks for override methods on the value registered, so the wrapper's methods win.
//
// A Resource is a description: each API it is registered in binds it into state of its own (the
// [Binding], the [Bound]), so one value can serve several APIs, and New can be called again with it
// after an error.
type Resource interface {
	// Meta returns the resource's description. New takes a copy.
	Meta() *Meta
	// Bind prepares the resource to serve through env: it reads what it needs from the database,
	// checks the Meta against it, and returns its default steps and field descriptions. It is called
	// once per API the value is registered in (again when New is retried), and keeps no state on the
	// value: everything it prepares belongs to the Binding it returns.
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

// Binding is what an implementation of [Resource] (modelresource, nonmodel, or one of your own) gives
// the API from Bind: the implementation-facing surface. Application code never builds or reads one: it
// describes resources with [Meta] and changes behaviour by overriding steps.
type Binding struct {
	// Steps are the implementation's defaults. Dispatch, Hydrate and Dehydrate may be left nil for the
	// API's own defaults; a step the resource does not offer (a read-only resource's ObjCreate) stays
	// nil; ObjCreateList, ObjStreamList and ObjDeleteKeys left nil work one object at a time through
	// ObjCreate, ObjGetList and ObjDelete (batch.go).
	Steps Steps
	// OwnSteps are the implementation's steps beyond Steps, each as the one-method interface that
	// overrides it (nonmodel's PreProcessDataOverrider). New refuses a method of the registered value
	// named as one of them that cannot override it, as it does for Steps; the implementation finds the
	// override itself, on Bound.Self.
	OwnSteps []reflect.Type
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
	// Atomic runs fn in one transaction (the context it passes carries it), committing when fn returns
	// nil: an array POST and a bulk PATCH run their steps in it. Resources without writes leave it nil.
	Atomic func(ctx context.Context, fn func(ctx context.Context) error) error
	// LockObject locks the row of the object with the key for the rest of the transaction ctx carries
	// (a write's, begun by Atomic), so that a concurrent writer waits: If-Match is checked under it.
	// May be nil: If-Match is then refused with a 412 naming the resource.
	LockObject func(ctx context.Context, key string) error
	// Link is called once every resource is bound, with a way to find the others; relations are checked
	// here, and Fields, Filtering, Ordering, ToMany and SubLists may be filled in. May be nil.
	Link func(lookup func(name string) (*Bound, bool)) error
	// Impl is the implementation's own value, for implementations that need to find each other in Link
	// (a model resource finds the model resource a relation points at).
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
	// MinValue and MaxValue bound an integer field's values as its column's type does (an int column
	// holds ±2147483647); nil when the type sets no bound the framework knows. OPTIONS shows them in
	// Django REST framework's style.
	MinValue, MaxValue *int64
	Choices            []string
	// RelatedResource names the resource a foreign key points at, "" for none.
	RelatedResource string
	// Many marks a many-to-many field (Meta.ManyToMany): its value is a list of keys of
	// RelatedResource, each of Type. The schema names its type "list", the OpenAPI document an array,
	// Django REST framework's OPTIONS a read-only "field" (as DRF answers for such a field); it is
	// writable all the same.
	Many bool
}

// Bound is a resource as one API serves it: the API's own state, built by New from the value
// registered.
type Bound struct {
	Name string
	// Meta is the API's copy of the registered value's Meta.
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
	// hooks are the per-field hooks (fieldhooks.go).
	hooks fieldHooks
	// endpoints are the resource's own routes (endpoints.go).
	endpoints []Endpoint
	// oneByOne holds the batch steps that work one object at a time (batch.go).
	oneByOne map[string]bool
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

// Limits returns the default and maximum page sizes: Meta.Limit (when zero, 20 in Tastypie's style
// and 100 in Django REST framework's) and Meta.MaxLimit (1000 when zero).
func (r *Bound) Limits() (def, max int) {
	def, max = r.Meta.Limit, r.Meta.MaxLimit
	if def <= 0 {
		def = 20
		if r.API != nil && r.API.wire != nil {
			def = r.API.wire.defaultLimit()
		}
	}
	if max <= 0 {
		max = 1000
	}
	if def > max {
		def = max
	}
	return def, max
}
