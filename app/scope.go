package main

import (
	"context"
	"fmt"
	"net/http"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// The dashboard's authorization (DASHBOARD.md, issue 3): a user with a top-level location sees and
// changes only the rows tied to that location or below it, and may not place a row outside it;
// indicators are deleted by superusers only.

// confinedTo returns the top-level location that confines a user, and false for anyone who is not
// confined: anonymous readers, superusers and users without a top location.
func confinedTo(u *resource.User) (int64, bool) {
	if u == nil || u.Superuser {
		return 0, false
	}
	p, ok := u.Data.(Profile)
	if !ok || p.TopLevelLocationID == nil {
		return 0, false
	}
	return *p.TopLevelLocationID, true
}

// querySource gives the statement runner of a request: its transaction when it is inside one.
type querySource interface {
	DB(ctx context.Context) dialect.Querier
}

// locationScope confines one resource to the users' top locations.
type locationScope struct {
	// tied is the qualified column that ties a stored row to a location ("location"."id" for a location
	// itself).
	tied string
	// placedBy is the field by which a write places a row (parent_location_id for a location), and
	// nullable whether it may be null (a location without a parent is a root, outside every scope).
	placedBy string
	nullable bool
	db       querySource
	d        dialect.Dialect
	// within counts the locations that are a given id (first parameter) and under a top (second).
	within string
}

// newLocationScope returns the scope of table, tied to a location by tiedColumn and placed by placedBy.
func newLocationScope(d dialect.Dialect, db querySource, table, tiedColumn, placedBy string, nullable bool) locationScope {
	return locationScope{
		tied: d.Quote(table) + "." + d.Quote(tiedColumn), placedBy: placedBy, nullable: nullable, db: db, d: d,
		within: d.Rebind(`SELECT count(*) FROM location WHERE location.id = ? AND location.id IN (` + tree.UnderSQL() + `)`),
	}
}

// authorization returns the rules: every list, count, set/, detail, update and delete is narrowed
// in SQL; creations and updates are checked for where they place the row.
func (s locationScope) authorization() resource.Authorization {
	return auth.Rules{
		ReadListFunc:     s.narrow,
		UpdateListFunc:   s.narrowUpdate,
		DeleteListFunc:   s.narrow,
		CreateDetailFunc: s.checkCreate,
		UpdateDetailFunc: s.checkUpdate,
	}
}

// narrow is `<tied> IN (<the top location and every location under it>)`, for confined users: the
// sub-query of locations/ that location_id=N&location_type=T also builds on.
func (s locationScope) narrow(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	top, ok := confinedTo(b.User)
	if !ok {
		return nil, nil
	}
	return tree.Restrict(s.tied, top), nil
}

// narrowUpdate narrows updates as narrow does reads. A PATCH on the list (one partial object applied to
// every row its filters match) is also refused when it would place the rows outside the scope.
func (s locationScope) narrowUpdate(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
	cond, err := s.narrow(ctx, b)
	if cond == nil || err != nil || b.Kind != resource.KindList {
		return cond, err
	}
	if raw, given := b.Data[s.placedBy]; given {
		top, _ := confinedTo(b.User)
		if err := s.checkPlace(ctx, b, top, raw); err != nil {
			return nil, err
		}
	}
	return cond, nil
}

// checkCreate refuses a new row placed outside the user's scope. A value that is not an integer is
// left to validation, which answers 400; so is a missing required one.
func (s locationScope) checkCreate(ctx context.Context, b *resource.Bundle, data map[string]any) error {
	top, ok := confinedTo(b.User)
	if !ok {
		return nil
	}
	raw, given := data[s.placedBy]
	if !given && !s.nullable {
		return nil
	}
	return s.checkPlace(ctx, b, top, raw)
}

// checkUpdate refuses an update that would move a row outside the user's scope. The row itself is in
// scope (it was found through the narrowed query), so an unchanged placement is always allowed: a
// confined user may send their top location back as read, with its parent outside the scope.
func (s locationScope) checkUpdate(ctx context.Context, b *resource.Bundle, existing *resource.Object) error {
	top, ok := confinedTo(b.User)
	if !ok {
		return nil
	}
	raw, given := b.Data[s.placedBy]
	if !given && (b.Partial || !s.nullable) {
		return nil // PATCH keeps it; a PUT without a required field is refused by validation
	}
	v, err := field.FromJSON(field.Integer, raw)
	if err != nil {
		return nil
	}
	if old, _ := existing.Get(s.placedBy); old == v {
		return nil
	}
	return s.checkPlace(ctx, b, top, raw)
}

// checkPlace refuses a placement (a location id, or null) outside the scope of top.
func (s locationScope) checkPlace(ctx context.Context, b *resource.Bundle, top int64, raw any) error {
	v, err := field.FromJSON(field.Integer, raw)
	if err != nil {
		return nil
	}
	id, isID := v.(int64)
	if isID {
		var n int
		if err := s.db.DB(ctx).QueryRowContext(ctx, s.within, id, top).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	what := fmt.Sprint(raw)
	if !isID {
		what = "null"
	}
	return apierror.New(apierror.Forbidden, "%s=%s is outside your top-level location (id %d) and what lies under it; you may not place a %s there.",
		s.placedBy, what, top, b.Resource.Name).With("field", s.placedBy)
}

// superuserDeletes lets only superusers delete, one object or by filter.
func superuserDeletes() resource.Authorization {
	refuse := func(b *resource.Bundle) error {
		if b.User == nil || !b.User.Superuser {
			return apierror.New(apierror.Forbidden, "Only a superuser may delete a %s.", b.Resource.Name)
		}
		return nil
	}
	return auth.Rules{
		DeleteListFunc:   func(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) { return nil, refuse(b) },
		DeleteDetailFunc: func(_ context.Context, b *resource.Bundle, _ *resource.Object) error { return refuse(b) },
	}
}

// readableRows is the condition on the table of the resource named that keeps the rows b's user may
// read there: that resource's own list authorization, as its list applies it (nil: every row), and a
// condition no row meets when it refuses the user any list. A step that reads another resource's rows
// by hand (the upload pipeline's campaigns) narrows them with it, so that the rule is the resource's.
func readableRows(ctx context.Context, b *resource.Bundle, name string) (sq.Sqlizer, error) {
	r, ok := b.Resource.API.Resource(name)
	if !ok {
		return nil, fmt.Errorf("no resource named %q", name)
	}
	cond, err := r.Authorization().ReadList(ctx, &resource.Bundle{
		Resource: r, Request: b.Request, Method: http.MethodGet, Kind: resource.KindList, User: b.User, RequestID: b.RequestID,
	})
	switch apierror.CodeOf(err) {
	case apierror.Forbidden, apierror.NotAuthenticated:
		return sq.Expr("1 = 0"), nil
	}
	return cond, err
}
