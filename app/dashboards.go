package main

import (
	"context"
	"database/sql"
	"errors"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Saved dashboards (custom_dashboard) and their charts (custom_chart) belong to the user who created
// the dashboard: owner_id is set by the server from the requesting user, on every path that creates one
// (POST, an array POST, bulk PATCH, PUT on a new key, a nested dashboard), and never changes (the
// field is read-only: a value in a body is ignored). Everyone may read every dashboard; only its owner
// and superusers may change or delete it, or add, change, move or delete its charts: anyone else gets
// 403 FORBIDDEN, and a PATCH or DELETE by filter leaves others' dashboards (and their charts) out. A
// chart on no dashboard belongs to no one, and anyone may change it.

// savedDashboards builds custom_dashboard and custom_chart.
func savedDashboards(d dialect.Dialect, model newModel) []resource.Resource {
	boards := dashboards{d: d, Resource: model("custom_dashboard", resource.Meta{
		Description:           "A saved dashboard: a title and a JSON layout. Its owner (the user who created it) and superusers may change it; others read it.",
		RequiredFieldsForPost: []string{"title"},
		FieldOptions:          map[string]resource.FieldOptions{"owner_id": {ReadOnly: true, HelpText: "The user who created the dashboard; set by the server."}},
		ToMany:                map[string]resource.ToMany{"charts": {Resource: "custom_chart", Via: "dashboard", Expand: true}},
	})}
	boards.Meta().Authorization = ownDashboards(d)
	charts := model("custom_chart", resource.Meta{
		Description:           "A chart of a dashboard, described in JSON; changed by the dashboard's owner.",
		RequiredFieldsForPost: []string{"title", "chart_json"},
	})
	charts.Meta().Authorization = chartsOfOwnDashboards(d, charts)
	return []resource.Resource{boards, charts}
}

// dashboards sets a new dashboard's owner.
type dashboards struct {
	*modelresource.Resource
	d dialect.Dialect
}

// ObjCreate creates the dashboard, then makes the requesting user its owner, in one transaction. Every
// path that creates one goes through it (a PUT to a new key, bulk PATCH and nested writes included).
func (r dashboards) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	var obj *resource.Object
	err := r.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if obj, err = next(ctx, b); err != nil {
			return err
		}
		return r.setOwner(ctx, b, obj)
	})
	return obj, err
}

// setOwner writes the requesting user as the owner of a dashboard just created, and shows it in the
// answer.
func (r dashboards) setOwner(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
	var owner any // no user: an in-process call of the application's own
	if b.User != nil && b.User.ID != 0 {
		owner = b.User.ID
	}
	id, _ := obj.Get("id")
	if _, err := r.DB(ctx).ExecContext(ctx, r.d.Rebind(`UPDATE custom_dashboard SET owner_id = ? WHERE id = ?`), owner, id); err != nil {
		return err
	}
	obj.Set("owner_id", owner)
	return nil
}

// mayChangeAll reports a user who may change every dashboard: a superuser, or the application's own
// in-process calls (no user).
func mayChangeAll(u *resource.User) bool { return u == nil || u.Superuser }

// notYours is the refusal of a change to another user's dashboard.
func notYours(what string) error {
	return apierror.New(apierror.Forbidden, "This %s belongs to another user's dashboard; you may read it, not change it.", what)
}

// ownDashboards lets a user change or delete only their own dashboards.
func ownDashboards(d dialect.Dialect) resource.Authorization {
	mine := d.Quote("custom_dashboard") + "." + d.Quote("owner_id") + " = ?"
	narrow := func(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
		if mayChangeAll(b.User) {
			return nil, nil
		}
		return sq.Expr(mine, b.User.ID), nil
	}
	check := func(_ context.Context, b *resource.Bundle, obj *resource.Object) error {
		if mayChangeAll(b.User) {
			return nil
		}
		if owner, _ := obj.Get("owner_id"); owner == b.User.ID {
			return nil
		}
		return apierror.New(apierror.Forbidden, "This custom_dashboard belongs to another user; you may read it, not change it.")
	}
	return auth.Rules{UpdateListFunc: narrow, DeleteListFunc: narrow, UpdateDetailFunc: check, DeleteDetailFunc: check}
}

// chartsOfOwnDashboards lets a user change, move or delete only the charts of their own dashboards (and
// those on no dashboard), and add charts only to their own dashboards.
func chartsOfOwnDashboards(d dialect.Dialect, db querySource) resource.Authorization {
	owner := d.Rebind(`SELECT owner_id FROM custom_dashboard WHERE id = ?`)
	col := d.Quote("custom_chart") + "." + d.Quote("dashboard_id")
	onOwn := "(" + col + " IS NULL OR " + col + " IN (SELECT id FROM custom_dashboard WHERE owner_id = ?))"
	// owns reports whether the user may put charts on the dashboard a value names (null: none; a
	// dashboard that does not exist is left to the foreign key).
	owns := func(ctx context.Context, b *resource.Bundle, dashboard any) (bool, error) {
		v, isKey := dashboard.(int64) // a stored object's, or one a body gives (as JSON decodes it)
		if !isKey {
			given, err := field.FromJSON(field.Integer, dashboard)
			if err != nil || given == nil { // not a key: refused by validation, or none
				return true, nil
			}
			v = given.(int64)
		}
		if mayChangeAll(b.User) {
			return true, nil
		}
		var ownerID sql.NullInt64
		err := db.DB(ctx).QueryRowContext(ctx, owner, v).Scan(&ownerID)
		if errors.Is(err, sql.ErrNoRows) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		return ownerID.Valid && ownerID.Int64 == b.User.ID, nil
	}
	// ownsGiven checks the dashboard a write names, by dashboard_id or as a nested dashboard given by
	// key (a nested dashboard without one is created, the user's own).
	ownsGiven := func(ctx context.Context, b *resource.Bundle, data map[string]any) error {
		for _, v := range []any{data["dashboard_id"], nestedKey(b, data["dashboard"])} {
			if ok, err := owns(ctx, b, v); err != nil || !ok {
				if err == nil {
					err = notYours("custom_chart's new dashboard")
				}
				return err
			}
		}
		return nil
	}
	narrow := func(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
		if mayChangeAll(b.User) {
			return nil, nil
		}
		return sq.Expr(onOwn, b.User.ID), nil
	}
	existing := func(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
		v, _ := obj.Get("dashboard_id")
		if ok, err := owns(ctx, b, v); err != nil || !ok {
			if err == nil {
				err = notYours("custom_chart")
			}
			return err
		}
		return nil
	}
	return auth.Rules{
		CreateDetailFunc: ownsGiven,
		UpdateListFunc: func(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
			cond, err := narrow(ctx, b)
			if err == nil && b.Kind == resource.KindList {
				err = ownsGiven(ctx, b, b.Data) // PATCH by filter moving charts
			}
			return cond, err
		},
		DeleteListFunc: narrow,
		UpdateDetailFunc: func(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
			if err := existing(ctx, b, obj); err != nil {
				return err
			}
			return ownsGiven(ctx, b, b.Data)
		},
		DeleteDetailFunc: existing,
	}
}

// nestedKey is the key of a nested dashboard that names an existing one: a key, a resource_uri, or an
// object with its id or resource_uri; nil for none (absent, null, or a new dashboard).
func nestedKey(b *resource.Bundle, v any) any {
	if m, ok := v.(map[string]any); ok {
		if id, ok := m["id"]; ok && id != nil {
			return id
		}
		v = m["resource_uri"]
	}
	if uri, ok := v.(string); ok {
		if boards, found := b.Resource.API.Resource("custom_dashboard"); found {
			if key, isURI := boards.KeyOfURI(uri); isURI {
				return key
			}
		}
	}
	return v
}
