package auth

import (
	"context"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/resource"
)

func forbidden(format string, args ...any) error {
	return apierror.New(apierror.Forbidden, format, args...)
}

// ReadOnly allows every read and refuses every write with 403.
type ReadOnly struct{}

var errReadOnly = forbidden("This resource is read-only.")

// ReadList allows every row.
func (ReadOnly) ReadList(context.Context, *resource.Bundle) (sq.Sqlizer, error) { return nil, nil }

// ReadDetail allows the object.
func (ReadOnly) ReadDetail(context.Context, *resource.Bundle, *resource.Object) error { return nil }

// CreateList refuses.
func (ReadOnly) CreateList(context.Context, *resource.Bundle) error { return errReadOnly }

// CreateDetail refuses.
func (ReadOnly) CreateDetail(context.Context, *resource.Bundle, map[string]any) error {
	return errReadOnly
}

// UpdateList refuses.
func (ReadOnly) UpdateList(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
	return nil, errReadOnly
}

// UpdateDetail refuses.
func (ReadOnly) UpdateDetail(context.Context, *resource.Bundle, *resource.Object) error {
	return errReadOnly
}

// DeleteList refuses.
func (ReadOnly) DeleteList(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
	return nil, errReadOnly
}

// DeleteDetail refuses.
func (ReadOnly) DeleteDetail(context.Context, *resource.Bundle, *resource.Object) error {
	return errReadOnly
}

// SuperuserWrites allows every read, and writes to superusers only.
type SuperuserWrites struct{}

func superuser(b *resource.Bundle) error {
	if b.User == nil || !b.User.Superuser {
		return forbidden("Only a superuser may change %s.", b.Resource.Name)
	}
	return nil
}

// ReadList allows every row.
func (SuperuserWrites) ReadList(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
	return nil, nil
}

// ReadDetail allows the object.
func (SuperuserWrites) ReadDetail(context.Context, *resource.Bundle, *resource.Object) error {
	return nil
}

// CreateList allows a superuser.
func (SuperuserWrites) CreateList(_ context.Context, b *resource.Bundle) error { return superuser(b) }

// CreateDetail allows a superuser.
func (SuperuserWrites) CreateDetail(_ context.Context, b *resource.Bundle, _ map[string]any) error {
	return superuser(b)
}

// UpdateList allows a superuser.
func (SuperuserWrites) UpdateList(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return nil, superuser(b)
}

// UpdateDetail allows a superuser.
func (SuperuserWrites) UpdateDetail(_ context.Context, b *resource.Bundle, _ *resource.Object) error {
	return superuser(b)
}

// DeleteList allows a superuser.
func (SuperuserWrites) DeleteList(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return nil, superuser(b)
}

// DeleteDetail allows a superuser.
func (SuperuserWrites) DeleteDetail(_ context.Context, b *resource.Bundle, _ *resource.Object) error {
	return superuser(b)
}

// Rules builds an authorization from functions, one per Tastypie method; a nil function allows.
// The list functions return a condition narrowing the rows (nil for none).
type Rules struct {
	ReadListFunc     func(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error)
	ReadDetailFunc   func(ctx context.Context, b *resource.Bundle, obj *resource.Object) error
	CreateListFunc   func(ctx context.Context, b *resource.Bundle) error
	CreateDetailFunc func(ctx context.Context, b *resource.Bundle, data map[string]any) error
	UpdateListFunc   func(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error)
	UpdateDetailFunc func(ctx context.Context, b *resource.Bundle, obj *resource.Object) error
	DeleteListFunc   func(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error)
	DeleteDetailFunc func(ctx context.Context, b *resource.Bundle, obj *resource.Object) error
}

func condition(f func(context.Context, *resource.Bundle) (sq.Sqlizer, error), ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	if f == nil {
		return nil, nil
	}
	return f(ctx, b)
}

func check[T any](f func(context.Context, *resource.Bundle, T) error, ctx context.Context, b *resource.Bundle, v T) error {
	if f == nil {
		return nil
	}
	return f(ctx, b, v)
}

// ReadList calls ReadListFunc.
func (r Rules) ReadList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return condition(r.ReadListFunc, ctx, b)
}

// ReadDetail calls ReadDetailFunc.
func (r Rules) ReadDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	return check(r.ReadDetailFunc, ctx, b, obj)
}

// CreateList calls CreateListFunc.
func (r Rules) CreateList(ctx context.Context, b *resource.Bundle) error {
	if r.CreateListFunc == nil {
		return nil
	}
	return r.CreateListFunc(ctx, b)
}

// CreateDetail calls CreateDetailFunc.
func (r Rules) CreateDetail(ctx context.Context, b *resource.Bundle, data map[string]any) error {
	return check(r.CreateDetailFunc, ctx, b, data)
}

// UpdateList calls UpdateListFunc.
func (r Rules) UpdateList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return condition(r.UpdateListFunc, ctx, b)
}

// UpdateDetail calls UpdateDetailFunc.
func (r Rules) UpdateDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	return check(r.UpdateDetailFunc, ctx, b, obj)
}

// DeleteList calls DeleteListFunc.
func (r Rules) DeleteList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return condition(r.DeleteListFunc, ctx, b)
}

// DeleteDetail calls DeleteDetailFunc.
func (r Rules) DeleteDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	return check(r.DeleteDetailFunc, ctx, b, obj)
}

// All allows what every one of its members allows: list conditions are ANDed, checks all run, the
// first refusal wins.
type All []resource.Authorization

func (a All) conditions(ctx context.Context, b *resource.Bundle, pick func(resource.Authorization) func(context.Context, *resource.Bundle) (sq.Sqlizer, error)) (sq.Sqlizer, error) {
	var and sq.And
	for _, m := range a {
		c, err := pick(m)(ctx, b)
		if err != nil {
			return nil, err
		}
		if c != nil {
			and = append(and, c)
		}
	}
	if len(and) == 0 {
		return nil, nil
	}
	return and, nil
}

// ReadList ANDs the members' conditions.
func (a All) ReadList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return a.conditions(ctx, b, func(m resource.Authorization) func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		return m.ReadList
	})
}

// ReadDetail asks every member.
func (a All) ReadDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	for _, m := range a {
		if err := m.ReadDetail(ctx, b, obj); err != nil {
			return err
		}
	}
	return nil
}

// CreateList asks every member.
func (a All) CreateList(ctx context.Context, b *resource.Bundle) error {
	for _, m := range a {
		if err := m.CreateList(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// CreateDetail asks every member.
func (a All) CreateDetail(ctx context.Context, b *resource.Bundle, data map[string]any) error {
	for _, m := range a {
		if err := m.CreateDetail(ctx, b, data); err != nil {
			return err
		}
	}
	return nil
}

// UpdateList ANDs the members' conditions.
func (a All) UpdateList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return a.conditions(ctx, b, func(m resource.Authorization) func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		return m.UpdateList
	})
}

// UpdateDetail asks every member.
func (a All) UpdateDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	for _, m := range a {
		if err := m.UpdateDetail(ctx, b, obj); err != nil {
			return err
		}
	}
	return nil
}

// DeleteList ANDs the members' conditions.
func (a All) DeleteList(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	return a.conditions(ctx, b, func(m resource.Authorization) func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		return m.DeleteList
	})
}

// DeleteDetail asks every member.
func (a All) DeleteDetail(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	for _, m := range a {
		if err := m.DeleteDetail(ctx, b, obj); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ resource.Authorization = ReadOnly{}
	_ resource.Authorization = SuperuserWrites{}
	_ resource.Authorization = Rules{}
	_ resource.Authorization = All{}
)
