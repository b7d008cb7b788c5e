package resource_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Each type below gets one step method wrong, the way a newcomer might; resource.New must refuse it,
// naming the type, the method and what is wrong.

type book struct{ *modelresource.Resource }

func bookResource() *modelresource.Resource {
	return modelresource.New(resource.Meta{ResourceName: "book", Table: "book"})
}

type noNext struct{ *modelresource.Resource }

func (noNext) ObjGet(ctx context.Context, b *resource.Bundle) (*resource.Object, error) {
	return nil, nil
}

type wrongNext struct{ *modelresource.Resource }

func (wrongNext) ObjGet(ctx context.Context, b *resource.Bundle, next resource.ObjGetListFunc) (*resource.Object, error) {
	return nil, nil
}

type wrongResult struct{ *modelresource.Resource }

func (wrongResult) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) (int64, error) {
	return 0, nil
}

type tooMany struct{ *modelresource.Resource }

func (tooMany) Hydrate(ctx context.Context, b *resource.Bundle, data map[string]any, next resource.HydrateFunc) error {
	return nil
}

type swapped struct{ *modelresource.Resource }

func (swapped) Dehydrate(ctx context.Context, obj *resource.Object, b *resource.Bundle, next resource.DehydrateFunc) error {
	return nil
}

type pointerReceiver struct{ *modelresource.Resource }

func (*pointerReceiver) ObjGet(ctx context.Context, b *resource.Bundle, next resource.ObjGetFunc) (*resource.Object, error) {
	return next(ctx, b)
}

type batchNoNext struct{ *modelresource.Resource }

func (batchNoNext) ObjCreateList(ctx context.Context, b *resource.Bundle, items []*resource.Bundle) ([]*resource.Object, error) {
	return nil, nil
}

// readOnly is an implementation of its own that offers no writes.
type readOnly struct{ *modelresource.Resource }

func (r readOnly) Bind(ctx context.Context, env *resource.Env) (*resource.Binding, error) {
	b, err := r.Resource.Bind(ctx, env)
	if err == nil {
		b.Steps.ObjCreate, b.Steps.ObjCreateList, b.Steps.ObjUpdate, b.Steps.ObjUpdateList = nil, nil, nil, nil
		b.Steps.ObjDelete, b.Steps.ObjDeleteList, b.Steps.ObjDeleteKeys = nil, nil, nil
	}
	return b, err
}

type createOnReadOnly struct{ readOnly }

func (createOnReadOnly) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	return next(ctx, b)
}

// Correct overrides, with value and pointer receivers.

type valueOverride struct{ *modelresource.Resource }

var _ resource.ObjGetOverrider = valueOverride{}

func (valueOverride) ObjGet(ctx context.Context, b *resource.Bundle, next resource.ObjGetFunc) (*resource.Object, error) {
	return next(ctx, b)
}

var _ resource.ObjGetOverrider = &pointerReceiver{}

func TestNewRefusesWrongOverrides(t *testing.T) {
	const (
		objGet    = "func(context.Context, *resource.Bundle, resource.ObjGetFunc) (*resource.Object, error)"
		objDelete = "func(context.Context, *resource.Bundle, resource.ObjDeleteFunc) error"
	)
	tests := []struct {
		name string
		res  resource.Resource
		want string // the error; "" for none
	}{
		{"no next", noNext{bookResource()},
			`resource "book": resource_test.noNext.ObjGet cannot override ObjGet: it has no next parameter (a resource.ObjGetFunc, last), through which the override receives the default; an override of ObjGet is ` + objGet + ` (see resource.ObjGetOverrider)`},
		{"next of another step", wrongNext{bookResource()},
			`resource "book": resource_test.wrongNext.ObjGet cannot override ObjGet: its parameter 3 is a resource.ObjGetListFunc, not a resource.ObjGetFunc; an override of ObjGet is ` + objGet + ` (see resource.ObjGetOverrider)`},
		{"wrong results", wrongResult{bookResource()},
			`resource "book": resource_test.wrongResult.ObjDelete cannot override ObjDelete: it returns (int64, error), not error; an override of ObjDelete is ` + objDelete + ` (see resource.ObjDeleteOverrider)`},
		{"a parameter too many", tooMany{bookResource()},
			`resource "book": resource_test.tooMany.Hydrate cannot override Hydrate: it takes 4 parameters, not 3; an override of Hydrate is func(context.Context, *resource.Bundle, resource.HydrateFunc) error (see resource.HydrateOverrider)`},
		{"parameters swapped", swapped{bookResource()},
			`resource "book": resource_test.swapped.Dehydrate cannot override Dehydrate: its parameter 2 is a *resource.Object, not a *resource.Bundle; an override of Dehydrate is func(context.Context, *resource.Bundle, *resource.Object, resource.DehydrateFunc) error (see resource.DehydrateOverrider)`},
		{"pointer receiver, registered by value", pointerReceiver{bookResource()},
			`resource "book": (*resource_test.pointerReceiver).ObjGet cannot override ObjGet: it has a pointer receiver, but the resource is registered as a resource_test.pointerReceiver value, whose methods do not include it; register a pointer (&resource_test.pointerReceiver{...}) or give ObjGet a value receiver`},
		{"a batch step without next", batchNoNext{bookResource()},
			`resource "book": resource_test.batchNoNext.ObjCreateList cannot override ObjCreateList: it has no next parameter (a resource.ObjCreateListFunc, last), through which the override receives the default; an override of ObjCreateList is func(context.Context, *resource.Bundle, []*resource.Bundle, resource.ObjCreateListFunc) ([]*resource.Object, error) (see resource.ObjCreateListOverrider)`},
		{"a step the resource does not offer", createOnReadOnly{readOnly{bookResource()}},
			`resource "book": resource_test.createOnReadOnly.ObjCreate cannot override ObjCreate: this resource does not offer the step (its implementation has no ObjCreate, so nothing would ever call the override)`},
		{"pointer receiver, registered by pointer", &pointerReceiver{bookResource()}, ""},
		{"value receiver, registered by value", valueOverride{bookResource()}, ""},
		{"value receiver, registered by pointer", &valueOverride{bookResource()}, ""},
		{"the implementation alone", bookResource(), ""},
		{"a wrapper without overrides", book{bookResource()}, ""},
		{"an implementation of its own", readOnly{bookResource()}, ""},
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

// Overriding a per-object step and not its batch step makes the batch step go one object at a time,
// and New says so, once per batch step, at Info; overriding the batch step too batches again.

type createOverride struct{ *modelresource.Resource }

func (createOverride) ObjCreate(ctx context.Context, b *resource.Bundle, next resource.ObjCreateFunc) (*resource.Object, error) {
	return next(ctx, b)
}

type createAndBatch struct{ createOverride }

func (createAndBatch) ObjCreateList(ctx context.Context, b *resource.Bundle, items []*resource.Bundle, next resource.ObjCreateListFunc) ([]*resource.Object, error) {
	return next(ctx, b, items)
}

type deleteOverride struct{ *modelresource.Resource }

func (deleteOverride) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error {
	return next(ctx, b)
}

type listOverride struct{ *modelresource.Resource }

func (listOverride) ObjGetList(ctx context.Context, b *resource.Bundle, next resource.ObjGetListFunc) (*resource.Page, error) {
	return next(ctx, b)
}

type getOverride struct{ *modelresource.Resource }

type updateOverride struct{ *modelresource.Resource }

func (updateOverride) ObjUpdate(ctx context.Context, b *resource.Bundle, next resource.ObjUpdateFunc) (*resource.Object, bool, error) {
	return next(ctx, b)
}

func (getOverride) ObjGet(ctx context.Context, b *resource.Bundle, next resource.ObjGetFunc) (*resource.Object, error) {
	return next(ctx, b)
}

func TestNewLogsBatchStepsOneByOne(t *testing.T) {
	tests := []struct {
		name string
		res  resource.Resource
		want []string
	}{
		{"no override", bookResource(), nil},
		{"ObjCreate", createOverride{bookResource()}, []string{
			`level=INFO msg="resource \"book\": ObjCreate is overridden, so an array POST creates its objects one by one through ObjCreate; override ObjCreateList too to batch again" resource=book step=ObjCreateList`}},
		{"ObjCreate and ObjCreateList", createAndBatch{createOverride{bookResource()}}, nil},
		{"ObjDelete", deleteOverride{bookResource()}, []string{
			`level=INFO msg="resource \"book\": ObjDelete is overridden, so a bulk PATCH's deleted_objects are deleted one by one through ObjDelete; override ObjDeleteKeys too to batch again" resource=book step=ObjDeleteKeys`,
			`level=INFO msg="resource \"book\": ObjDelete is overridden, so a DELETE with filters deletes each object through ObjDelete; override ObjDeleteList too to batch again" resource=book step=ObjDeleteList`}},
		{"ObjUpdate", updateOverride{bookResource()}, []string{
			`level=INFO msg="resource \"book\": ObjUpdate is overridden, so a PATCH with filters updates each object through ObjUpdate; override ObjUpdateList too to batch again" resource=book step=ObjUpdateList`}},
		{"ObjGet", getOverride{bookResource()}, []string{
			`level=INFO msg="resource \"book\": ObjGet is overridden, so a bulk PATCH's deleted_objects are deleted one by one through ObjDelete; override ObjDeleteKeys too to batch again" resource=book step=ObjDeleteKeys`,
			`level=INFO msg="resource \"book\": ObjGet is overridden, so a DELETE with filters deletes each object through ObjDelete; override ObjDeleteList too to batch again" resource=book step=ObjDeleteList`,
			`level=INFO msg="resource \"book\": ObjGet is overridden, so a PATCH with filters updates each object through ObjUpdate; override ObjUpdateList too to batch again" resource=book step=ObjUpdateList`}},
		{"ObjGetList", listOverride{bookResource()}, []string{
			`level=INFO msg="resource \"book\": ObjGetList is overridden, so a CSV list is read through ObjGetList, page by page, instead of streamed; override ObjStreamList too to batch again" resource=book step=ObjStreamList`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, d, done := openExample(`CREATE TABLE book (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL)`)
			defer done()
			var log bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}))
			api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: logger}, tt.res)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if s := strings.TrimSpace(log.String()); s != "" {
				got = strings.Split(s, "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("log:\n got: %q\nwant: %q", got, tt.want)
			}
			res, _ := api.Resource("book")
			for _, step := range []string{"ObjCreateList", "ObjStreamList", "ObjDeleteKeys", "ObjDeleteList", "ObjUpdateList"} {
				logged := strings.Contains(log.String(), "step="+step)
				if res.OneByOne(step) != logged {
					t.Errorf("OneByOne(%s) = %v, but logged %v", step, res.OneByOne(step), logged)
				}
			}
		})
	}
}
