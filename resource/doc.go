// Package resource is tastygo's contract: the Resource and its Meta, the Bundle a request carries
// through Tastypie's steps, the overridable Steps, the one error shape, and the API that mounts
// resources on a gorilla/mux router and speaks Tastypie's wire format (listing, list, detail, set/,
// schema/, OPTIONS), in-process too (the engine: [API.List], [API.Create], ...).
//
// It holds no SQL of its own: the steps that read and write are supplied by an implementation such as
// modelresource. Resource values are descriptions: [New] binds each into state of the API's own, so
// one value can serve several APIs, and New can be called again after an error (see [Resource]).
//
// # Steps
//
// A request goes through Tastypie's steps. A list GET: Dispatch → ValidateFilters → BuildFilters →
// ObjGetList (GetObjectList → ApplyFilters → authorization → count and page) → Dehydrate per object.
// A POST: Dispatch → Hydrate → ObjCreate → Dehydrate. [Steps] lists them all, each with the requests
// that use it. The implementation supplies a default for each (a model resource's are SQL); user code
// overrides any of them.
//
// # Overriding a step
//
// An override is a method of the value registered with [New], named as the step, that receives the
// default as its last parameter, next, and may call it. The method's signature is the step's override
// interface: ObjDelete's is [ObjDeleteOverrider], each step's is named <Step>Overrider. Embed the
// implementation's value and add the method; assert the interface so that the compiler checks the
// signature:
//
//	type indicators struct{ *modelresource.Resource }
//
//	var _ resource.ObjDeleteOverrider = indicators{}
//
//	// ObjDelete removes an indicator's datapoints first, in the same transaction.
//	func (r indicators) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error {
//		return r.Atomic(ctx, func(ctx context.Context) error {
//			if _, err := r.DB(ctx).ExecContext(ctx, "DELETE FROM datapoint WHERE indicator_id = $1", b.Key); err != nil {
//				return err
//			}
//			return next(ctx, b)
//		})
//	}
//
// Overrides are found once, when the API is built, and every step is always called through Steps
// (b.Resource.Steps.ObjGet(ctx, b)), including from inside other default steps: an ApplyFilters
// override narrows lists, set/, details, the object a write changes, relations' lists and writes by
// filter alike; an ObjCreate override runs for a POST, each item of an array POST, a PUT to a new key,
// a bulk PATCH's new objects and nested objects. Go embedding alone would not do that: a method of the
// embedded value that called its own ObjDelete would never reach the wrapper's.
//
// # Validation, alter hooks, per-field hooks, endpoints
//
// Validate (Tastypie's is_valid) runs after Hydrate wherever a body is hydrated, and answers every
// field's problem in one VALIDATION_ERROR ([FieldErrors]). AlterListData and AlterDetailData change a
// list's or an object's answer before it is written. Methods named Dehydrate<Field> and
// Hydrate<Field> are per-field hooks, run inside the Dehydrate and Hydrate defaults; Meta.Computed
// declares fields the table does not have ([ComputedField]). A value implementing [Endpointer] adds
// routes of its own to its resource ([Endpoint]), served with the resource's authentication,
// throttle, authorization and errors. New checks all of them as it checks overrides.
//
// # What New refuses
//
// A method named as a step that could not override it is an error from New naming the type, the
// method and what is wrong, never a silently ignored override: no next parameter, a parameter or
// result of another type, a pointer receiver while the value is registered by value (register a
// pointer, or use a value receiver), or a step the resource does not offer (ObjCreate on a read-only
// non-model resource). The same holds for an implementation's own steps (nonmodel's PreProcessData).
//
// # Batch steps
//
// ObjCreateList (an array POST), ObjStreamList (a CSV list), ObjDeleteKeys (a bulk PATCH's
// deleted_objects), ObjDeleteList (DELETE with filters) and ObjUpdateList (PATCH with filters) do at
// once what ObjCreate, ObjGetList, ObjGet, ObjDelete and ObjUpdate do one object at a time. While one of those per-object steps is overridden and
// the batch step standing for it is not, the batch step goes through the override one object at a
// time (a CSV list page by page), and New logs one line at Info naming the batch step to override to
// batch again; an override of the batch step receives the batching default as next.
//
// # The engine
//
// [API.List], [API.Get], [API.Create] and the other engine methods run a request in-process through
// the same Dispatch as HTTP and return its typed answer ([ListResult], [Object], [SetResult], ...; see
// [Response]), with no conversion a user's code could break. A Dispatch override may change those
// values in place, and both HTTP and the engine answer the change; one that answers another type (a
// map wrapping the answer) is written as such over HTTP, while the engine call that cannot read it
// returns an INTERNAL_ERROR naming the override, never a panic (the request itself was served).
// Delete reads no body; DeleteWhere and PatchWhere call ObjDeleteList and ObjUpdateList without
// Dispatch, so that they return the count under Meta.QuietWrites too; Schema reads the schema.
//
// # Steps that write while serving a read
//
// A read may be served before its credentials are confirmed ([ProvisionalAuthenticator]). A step of
// a read that writes (an audit row in an ObjGet override, say) calls [ConfirmAuthentication] first;
// modelresource's transactions and nonmodel's runs do.
package resource
