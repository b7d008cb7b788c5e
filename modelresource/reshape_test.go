package modelresource_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// enveloping wraps every answer with a body in an envelope of its own: {"data": <answer>, "status": n}.
type enveloping struct{ *modelresource.Resource }

var _ resource.DispatchOverrider = enveloping{}

func (enveloping) Dispatch(ctx context.Context, b *resource.Bundle, next resource.DispatchFunc) (*resource.Response, error) {
	resp, err := next(ctx, b)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	return &resource.Response{Status: resp.Status, Header: resp.Header, Body: map[string]any{"data": resp.Body, "status": int64(resp.Status)}}, nil
}

// trimming changes the typed answers in place: a list keeps its first object, every object is marked.
type trimming struct{ *modelresource.Resource }

func (trimming) Dispatch(ctx context.Context, b *resource.Bundle, next resource.DispatchFunc) (*resource.Response, error) {
	resp, err := next(ctx, b)
	if err != nil || resp == nil {
		return resp, err
	}
	switch body := resp.Body.(type) {
	case *resource.ListResult:
		body.Objects = body.Objects[:min(1, len(body.Objects))]
		body.Meta.Next = nil
	case *resource.Object:
		body.Set("dispatched", true)
	}
	return resp, nil
}

// silent serves the request and answers no response at all.
type silent struct{ *modelresource.Resource }

func (silent) Dispatch(ctx context.Context, b *resource.Bundle, next resource.DispatchFunc) (*resource.Response, error) {
	_, err := next(ctx, b)
	return nil, err
}

// A Dispatch override that reshapes the body never makes the engine panic: HTTP writes what it
// answers, and every engine method either returns the typed answer (changed in place, it is returned
// as changed) or, when the body is no longer of its type, a classified INTERNAL_ERROR naming the
// override; the request itself was served. The methods that do not read Dispatch's answer (Delete,
// DeleteWhere, PatchWhere, Schema) are unaffected.
func TestDispatchReshapingBody(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := fixtureResources()
		rs[1] = enveloping{rs[1].(*modelresource.Resource)}
		rs[2] = trimming{rs[2].(*modelresource.Resource)}
		rs[0] = silent{rs[0].(*modelresource.Resource)}
		c := newClient(t, db, d, rs...)
		api, ctx := c.api, context.Background()

		r := c.do("GET", "/api/v1/author/?order_by=id&limit=1", nil)
		if r.status != 200 || !strings.HasPrefix(r.raw, `{"data": {"meta": {"limit": 1, "next": "/api/v1/author/?order_by=id&limit=1&offset=1", "offset": 0, "previous": null, "total_count": 4}, "objects": [{"active": true, `) ||
			!strings.HasSuffix(r.raw, `"resource_uri": "/api/v1/author/1/", "updated_at": "2020-01-01T00:00:00.000000Z"}]}, "status": 200}`) {
			t.Errorf("HTTP list: %d %s", r.status, r.raw)
		}
		r = c.do("GET", "/api/v1/author/set/2;9/", nil)
		jsonEqual(t, field(r.body, "data", "not_found"), `["9"]`)
		jsonEqual(t, field(r.body, "data", "objects", 0, "name"), `"Guy de Maupassant"`)

		internal := func(what string, err error, want string) {
			t.Helper()
			e := apierror.As(err)
			if e == nil || e.Code != apierror.Internal || !strings.Contains(e.Message, "the Dispatch override modelresource_test.enveloping.Dispatch answered a body of type map[string]interface {}") ||
				!strings.Contains(e.Message, want) || e.Details["override"] != "modelresource_test.enveloping.Dispatch" {
				t.Errorf("%s: %#v", what, err)
			}
		}
		l, err := api.List(ctx, "author", nil)
		internal("List", err, "the in-process List reads *resource.ListResult.")
		if l != nil {
			t.Errorf("List: %+v", l)
		}
		o, err := api.Get(ctx, "author", "1", nil)
		internal("Get", err, "reads *resource.Object.")
		if o != nil {
			t.Errorf("Get: %v", o)
		}
		_, err = api.Set(ctx, "author", []string{"1", "2"}, nil)
		internal("Set", err, "reads *resource.SetResult.")
		_, err = api.Create(ctx, "author", map[string]any{"name": "Colette"})
		internal("Create", err, "reads *resource.Object (or no body). The request was served")
		_, err = api.CreateMany(ctx, "author", []any{map[string]any{"name": "A1"}, map[string]any{"name": "A2"}})
		internal("CreateMany", err, "reads *resource.ObjectsResult (or no body).")
		_, created, err := api.Update(ctx, "author", "4", map[string]any{"name": "Élodie"})
		internal("Update", err, "reads *resource.Object (or no body).")
		if created {
			t.Error("Update: created")
		}
		_, err = api.Patch(ctx, "author", "4", map[string]any{"rating": 1})
		internal("Patch", err, "reads *resource.Object (or no body).")
		_, err = api.BulkPatch(ctx, "author", []any{map[string]any{"name": "Bulk"}}, nil)
		internal("BulkPatch", err, "reads *resource.ObjectsResult (or no body).")
		// The writes were served.
		if n := c.count(`SELECT count(*) FROM author WHERE name IN ('Colette', 'A1', 'A2', 'Bulk') OR (id = 4 AND name = 'Élodie' AND rating = 1)`); n != 5 {
			t.Errorf("the writes behind the errors: %d rows, want 5", n)
		}
		if err := api.Delete(ctx, "author", "4"); err != nil {
			t.Errorf("Delete: %v", err)
		}
		if n, err := api.PatchWhere(ctx, "author", url.Values{"name": {"A1"}}, map[string]any{"rating": 2}); n != 1 || err != nil {
			t.Errorf("PatchWhere: %d %v", n, err)
		}
		if n, err := api.DeleteWhere(ctx, "author", url.Values{"name__in": {"A1,A2"}}); n != 2 || err != nil {
			t.Errorf("DeleteWhere: %d %v", n, err)
		}
		if s, err := api.Schema(ctx, "author"); err != nil || s.DefaultLimit != 20 {
			t.Errorf("Schema: %v %v", s, err)
		}
		if n := c.count(`SELECT count(*) FROM author`); n != 5 { // 4, 4 created, 1 deleted, 2 deleted by filter
			t.Errorf("authors left: %d, want 5", n)
		}

		// Typed answers changed in place are returned as changed, by HTTP and the engine alike.
		l, err = api.List(ctx, "book", url.Values{"order_by": {"id"}})
		if err != nil || len(l.Objects) != 1 || l.Meta.TotalCount != 5 || l.Meta.Next != nil || l.Meta.Limit != 2 {
			t.Fatalf("List of a trimming Dispatch: %v %+v", err, l)
		}
		if v, _ := l.Objects[0].Get("title"); v != "Germinal" {
			t.Errorf("List: %v", l.Objects[0].Map())
		}
		r = c.do("GET", "/api/v1/book/?order_by=id", nil)
		jsonEqual(t, field(r.body, "meta"), `{"limit": 2, "next": null, "offset": 0, "previous": null, "total_count": 5}`)
		o, err = api.Get(ctx, "book", "2", nil)
		if v, _ := o.Get("dispatched"); err != nil || v != true {
			t.Errorf("Get of a trimming Dispatch: %v %v", err, o)
		}
		o, err = api.Create(ctx, "book", map[string]any{"title": "La Bête humaine", "author_id": 1})
		if v, _ := o.Get("dispatched"); err != nil || v != true {
			t.Errorf("Create of a trimming Dispatch: %v %v", err, o)
		}
		set, err := api.Set(ctx, "book", []string{"1", "99"}, nil)
		if err != nil || len(set.Objects) != 1 || len(set.NotFound) != 1 {
			t.Errorf("Set of a trimming Dispatch: %v %+v", err, set)
		}

		// No response at all: a read has nothing to return; a write reads as a quiet one.
		if _, err := api.Get(ctx, "publisher", "1", nil); apierror.CodeOf(err) != apierror.Internal || !strings.Contains(err.Error(), "answered a body of type <nil>") {
			t.Errorf("Get of a silent Dispatch: %v", err)
		}
		if o, created, err := api.Update(ctx, "publisher", "2", map[string]any{"name": "Penguin Books"}); o != nil || created || err != nil {
			t.Errorf("Update of a silent Dispatch: %v %v %v", o, created, err)
		}
		if n := c.count(`SELECT count(*) FROM publisher WHERE name = 'Penguin Books'`); n != 1 {
			t.Errorf("Update of a silent Dispatch wrote %d rows", n)
		}
	})
}

// In-process, a list is objects: format=csv is refused with NOT_ACCEPTABLE (it used to panic).
func TestEngineListRefusesCSV(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d)
		_, err := c.api.List(context.Background(), "book", url.Values{"format": {"csv"}})
		if e := apierror.As(err); e == nil || e.Code != apierror.NotAcceptable || e.Details["parameter"] != "format" {
			t.Fatalf("List with format=csv: %#v", err)
		}
	})
}
