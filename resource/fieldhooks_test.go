package resource_test

import (
	"context"
	"testing"

	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Per-field hooks, computed fields and the new steps are checked by New as overrides are: each type
// below gets one wrong, and New must refuse it, naming the type, the method and what is wrong.

type hookNoField struct{ *modelresource.Resource }

func (hookNoField) DehydrateTitel(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
	return nil, nil
}

type hookWrongSig struct{ *modelresource.Resource }

func (hookWrongSig) DehydrateTitle(ctx context.Context, b *resource.Bundle) (any, error) {
	return nil, nil
}

type hydrateWrongSig struct{ *modelresource.Resource }

func (hydrateWrongSig) HydrateTitle(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	return nil
}

type hookPointer struct{ *modelresource.Resource }

func (*hookPointer) DehydrateTitle(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
	return "x", nil
}

type hydrateReadOnly struct{ readOnly }

func (hydrateReadOnly) HydrateTitle(ctx context.Context, b *resource.Bundle) error { return nil }

type validateReadOnly struct{ readOnly }

func (validateReadOnly) Validate(ctx context.Context, b *resource.Bundle, next resource.ValidateFunc) error {
	return next(ctx, b)
}

type validateNoNext struct{ *modelresource.Resource }

func (validateNoNext) Validate(ctx context.Context, b *resource.Bundle) error { return nil }

type alterWrong struct{ *modelresource.Resource }

func (alterWrong) AlterListData(ctx context.Context, b *resource.Bundle, list *resource.ListResult) error {
	return nil
}

type goodHooks struct{ *modelresource.Resource }

func (goodHooks) DehydrateTitleLength(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
	return int64(0), nil
}

func (goodHooks) HydrateTitle(ctx context.Context, b *resource.Bundle) error { return nil }

func computedBook() *modelresource.Resource {
	return modelresource.New(resource.Meta{ResourceName: "book", Table: "book",
		Computed: []resource.ComputedField{{Name: "title_length", Type: field.Integer}}})
}

func TestNewRefusesWrongHooks(t *testing.T) {
	tests := []struct {
		name string
		res  resource.Resource
		want string
	}{
		{"a hook of no field", hookNoField{bookResource()},
			`resource "book": resource_test.hookNoField.DehydrateTitel names no field of "book": a Dehydrate<Field> method is a per-field hook of one of its fields (id, resource_uri, title)`},
		{"a dehydrate hook of another signature", hookWrongSig{bookResource()},
			`resource "book": resource_test.hookWrongSig.DehydrateTitle cannot be the Dehydrate hook of "title": it is func(context.Context, *resource.Bundle) (interface {}, error); a Dehydrate<Field> method is func(context.Context, *resource.Bundle, *resource.Object) (interface {}, error)`},
		{"a hydrate hook of another signature", hydrateWrongSig{bookResource()},
			`resource "book": resource_test.hydrateWrongSig.HydrateTitle cannot be the Hydrate hook of "title": it is func(context.Context, *resource.Bundle, *resource.Object) error; a Hydrate<Field> method is func(context.Context, *resource.Bundle) error`},
		{"a hook with a pointer receiver, registered by value", hookPointer{bookResource()},
			`resource "book": (*resource_test.hookPointer).DehydrateTitle cannot be a field hook: it has a pointer receiver, but the resource is registered as a resource_test.hookPointer value, whose methods do not include it; register a pointer (&resource_test.hookPointer{...}) or give DehydrateTitle a value receiver`},
		{"a hydrate hook on a resource without writes", hydrateReadOnly{readOnly{bookResource()}},
			`resource "book": resource_test.hydrateReadOnly.HydrateTitle cannot hydrate "title": this resource offers no writes, so nothing would ever call it`},
		{"Validate on a resource without writes", validateReadOnly{readOnly{bookResource()}},
			`resource "book": resource_test.validateReadOnly.Validate cannot override Validate: this resource does not offer the step (its implementation has no Validate, so nothing would ever call the override)`},
		{"Validate without next", validateNoNext{bookResource()},
			`resource "book": resource_test.validateNoNext.Validate cannot override Validate: it has no next parameter (a resource.ValidateFunc, last), through which the override receives the default; an override of Validate is func(context.Context, *resource.Bundle, resource.ValidateFunc) error (see resource.ValidateOverrider)`},
		{"AlterListData without next", alterWrong{bookResource()},
			`resource "book": resource_test.alterWrong.AlterListData cannot override AlterListData: it has no next parameter (a resource.AlterListDataFunc, last), through which the override receives the default; an override of AlterListData is func(context.Context, *resource.Bundle, *resource.ListResult, resource.AlterListDataFunc) error (see resource.AlterListDataOverrider)`},
		{"a computed field without its method", book{computedBook()},
			`resource "book": computed field "title_length" (Meta.Computed) has no Dehydrate method on resource_test.book; add func (resource_test.book) DehydrateTitleLength(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error)`},
		{"a computed field named as a column", goodHooks{modelresource.New(resource.Meta{ResourceName: "book", Table: "book",
			Computed: []resource.ComputedField{{Name: "title"}}})},
			`resource "book": computed field "title" (Meta.Computed) is already a field of the resource`},
		{"a hook with a pointer receiver, registered by pointer", &hookPointer{bookResource()}, ""},
		{"a computed field and a hydrate hook", goodHooks{computedBook()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, d, done := openExample(`CREATE TABLE book (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL)`)
			defer done()
			_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, tt.res)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("New:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}
