package resource

import (
	"context"
	"net/http"

	sq "github.com/Masterminds/squirrel"
)

// Authentication decides who is asking. Authenticate returns the user (nil for anonymous, which is
// allowed) or an error, normally apierror NOT_AUTHENTICATED.
type Authentication interface {
	Authenticate(ctx context.Context, r *http.Request) (*User, error)
}

// Challenger is an Authentication that names its schemes for the WWW-Authenticate header of a 401.
type Challenger interface {
	Challenge() string
}

// AnonymousReader is implemented by an Authentication that may let requests without credentials read
// (GET, HEAD, OPTIONS); the OpenAPI document then marks credentials optional on reads.
type AnonymousReader interface {
	AnonymousReads() bool
}

// Authorization decides what a user may do, with Tastypie's granularity. The list methods return a
// condition that narrows the rows affected (nil: no narrowing) so that the restriction is part of the
// SQL, never a filter applied afterwards; the detail methods judge one object or, for creation, the
// incoming data.
//
// A refusal is an apierror FORBIDDEN (or NOT_AUTHENTICATED) error; any other error is a failure.
type Authorization interface {
	// ReadList returns the condition on the resource's table that keeps the rows b's user may read,
	// applied to every read: lists, set/, details, the object a write changes, relations expanded or
	// joined through (where a refusal makes every related row absent). nil reads every row.
	ReadList(ctx context.Context, b *Bundle) (sq.Sqlizer, error)
	// ReadDetail judges one object read as a detail, after ReadList's condition found it.
	ReadDetail(ctx context.Context, b *Bundle, obj *Object) error
	// CreateList judges an array POST as a whole, before any item is created.
	CreateList(ctx context.Context, b *Bundle) error
	// CreateDetail judges the data of each object created (POST, each item of an array POST, a PUT to
	// a new key, bulk PATCH's new objects, nested objects), before it is validated.
	CreateDetail(ctx context.Context, b *Bundle, data map[string]any) error
	// UpdateList returns the condition that keeps the rows b's user may change, added to every UPDATE
	// (PUT, PATCH, PATCH with filters); nil: every row they may read.
	UpdateList(ctx context.Context, b *Bundle) (sq.Sqlizer, error)
	// UpdateDetail judges the object a PUT or PATCH changes, as it is before the change.
	UpdateDetail(ctx context.Context, b *Bundle, obj *Object) error
	// DeleteList returns the condition that keeps the rows b's user may delete, added to every DELETE
	// (one object, with filters, bulk PATCH's deleted_objects); nil: every row they may read.
	DeleteList(ctx context.Context, b *Bundle) (sq.Sqlizer, error)
	// DeleteDetail judges each object deleted by key (DELETE on an object, bulk PATCH's
	// deleted_objects), before it is deleted.
	DeleteDetail(ctx context.Context, b *Bundle, obj *Object) error
}

// Anonymous is the default Authentication: everyone is allowed, as nobody in particular.
type Anonymous struct{}

// Authenticate returns no user and no error.
func (Anonymous) Authenticate(context.Context, *http.Request) (*User, error) { return nil, nil }

// AllowAll is the default Authorization: everything is allowed.
type AllowAll struct{}

// ReadList allows every row.
func (AllowAll) ReadList(context.Context, *Bundle) (sq.Sqlizer, error) { return nil, nil }

// ReadDetail allows the object.
func (AllowAll) ReadDetail(context.Context, *Bundle, *Object) error { return nil }

// CreateList allows the creation.
func (AllowAll) CreateList(context.Context, *Bundle) error { return nil }

// CreateDetail allows the creation.
func (AllowAll) CreateDetail(context.Context, *Bundle, map[string]any) error { return nil }

// UpdateList allows every row.
func (AllowAll) UpdateList(context.Context, *Bundle) (sq.Sqlizer, error) { return nil, nil }

// UpdateDetail allows the update.
func (AllowAll) UpdateDetail(context.Context, *Bundle, *Object) error { return nil }

// DeleteList allows every row.
func (AllowAll) DeleteList(context.Context, *Bundle) (sq.Sqlizer, error) { return nil, nil }

// DeleteDetail allows the deletion.
func (AllowAll) DeleteDetail(context.Context, *Bundle, *Object) error { return nil }
