package resource

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// Batch steps do at once what per-object steps do one object at a time: ObjCreateList creates an array
// POST's objects in a few multi-row statements instead of through ObjCreate each, ObjStreamList streams
// a CSV list instead of reading ObjGetList's page, ObjDeleteKeys and ObjDeleteList delete many objects
// in a few statements instead of through ObjGet and ObjDelete each, ObjUpdateList updates what a PATCH
// with filters matches in a few statements instead of through ObjGet and ObjUpdate each.
//
// An implementation's batching default does the per-object steps' work itself, so it would go around
// an override of one of them. The rule: while a per-object step is overridden and the batch step
// standing for it is not, the batch step works one object at a time through the per-object steps
// (ObjCreateList, ObjStreamList and ObjDeleteKeys take the framework's defaults below; the
// implementations of ObjDeleteList and ObjUpdateList ask [Bound.OneByOne]), and New logs it at Info, naming the batch step to override to
// batch again. An override of the batch step gets the batching default as next: it then decides what
// the per-object override's work means for many objects at once.

// batchStep is one batch step: the per-object steps it stands for, what it then does one by one (for
// the log), and the framework's one-by-one default (nil: the implementation's default asks OneByOne).
type batchStep struct {
	name      string
	perObject []string
	oneByOne  string
	install   func(s *Steps)
}

var batchSteps = []batchStep{
	{"ObjCreateList", []string{"ObjCreate"}, "an array POST creates its objects one by one through ObjCreate",
		func(s *Steps) { s.ObjCreateList = createOneByOne }},
	{"ObjStreamList", []string{"ObjGetList"}, "a CSV list is read through ObjGetList, page by page, instead of streamed",
		func(s *Steps) { s.ObjStreamList = streamPages }},
	{"ObjDeleteKeys", []string{"ObjDelete", "ObjGet"}, "a bulk PATCH's deleted_objects are deleted one by one through ObjDelete",
		func(s *Steps) { s.ObjDeleteKeys = deleteOneByOne }},
	{"ObjDeleteList", []string{"ObjDelete", "ObjGet"}, "a DELETE with filters deletes each object through ObjDelete", nil},
	{"ObjUpdateList", []string{"ObjUpdate", "ObjGet"}, "a PATCH with filters updates each object through ObjUpdate", nil},
}

// batchDefaults fills in the batch steps of d: the framework's one-by-one default where the
// implementation offers none, or where a per-object step is overridden (over) and the batch step is
// not, in which case it logs one line at Info. It returns the batch steps that work one by one.
func batchDefaults(name string, d *Steps, over map[string]bool, logger *slog.Logger) map[string]bool {
	oneByOne := map[string]bool{}
	for _, bs := range batchSteps {
		var by []string
		for _, p := range bs.perObject {
			if over[p] {
				by = append(by, p)
			}
		}
		offered := !stepNil(*d, bs.name)
		perObjectOffered := !stepNil(*d, bs.perObject[0])
		switch {
		case !offered && perObjectOffered && bs.install != nil:
			bs.install(d)
			oneByOne[bs.name] = true
		case offered && len(by) > 0 && !over[bs.name]:
			if bs.install != nil {
				bs.install(d)
			}
			oneByOne[bs.name] = true
			logger.Info(fmt.Sprintf("resource %q: %s overridden, so %s; override %s too to batch again",
				name, strings.Join(by, " and ")+plural(len(by)), bs.oneByOne, bs.name),
				"resource", name, "step", bs.name)
		}
	}
	return oneByOne
}

func plural(n int) string {
	if n > 1 {
		return " are"
	}
	return " is"
}

// stepNil reports whether the step named is nil in s.
func stepNil(s Steps, name string) bool {
	for _, sp := range stepSpecs {
		if sp.name() == name {
			return !sp.offered(s)
		}
	}
	return true
}

// OneByOne reports whether the batch step named (ObjDeleteList, ...) works one object at a time through
// the per-object steps it stands for, because one of them is overridden and it is not (batch.go). An
// implementation whose batching default would otherwise go around the override asks it; those of
// ObjCreateList, ObjStreamList and ObjDeleteKeys are replaced by the framework's own instead.
func (r *Bound) OneByOne(step string) bool { return r.oneByOne[step] }

// createOneByOne is the one-by-one ObjCreateList: ObjCreate for each item, in the transaction the
// array POST runs in.
func createOneByOne(ctx context.Context, b *Bundle, items []*Bundle) ([]*Object, error) {
	out := make([]*Object, len(items))
	for i, one := range items {
		obj, err := b.Resource.Steps.ObjCreate(ctx, one)
		if err != nil {
			return nil, AtIndex(err, i)
		}
		out[i] = obj
	}
	return out, nil
}

// deleteOneByOne is the one-by-one ObjDeleteKeys: ObjDelete for each key, in the bulk PATCH's
// transaction.
func deleteOneByOne(ctx context.Context, b *Bundle, keys []string) error {
	for i, key := range keys {
		one := &Bundle{Resource: b.Resource, Request: b.Request, Method: http.MethodDelete, Kind: KindDetail, Key: key,
			User: b.User, RequestID: b.RequestID, Query: map[string][]string{}}
		if err := b.Resource.Steps.ObjDelete(ctx, one); err != nil {
			return AtDeletedIndex(err, i)
		}
	}
	return nil
}

// streamPages is the ObjStreamList of ObjGetList: the page b asks for, or, for an export (b.Limit
// zero), page after page of the resource's maximum size until the list ends, as a client following
// next would read it. Each page is read whole before its objects are handed on.
func streamPages(ctx context.Context, b *Bundle, each func(*Object) error) error {
	pb := *b
	if b.Limit == 0 {
		_, pb.Limit = b.Resource.Limits()
	}
	for {
		page, err := b.Resource.Steps.ObjGetList(ctx, &pb)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			if err := each(o); err != nil {
				return err
			}
		}
		pb.Offset += len(page.Objects)
		exact := !page.Estimated && !page.Uncounted
		if b.Limit > 0 || len(page.Objects) == 0 || (exact && int64(pb.Offset) >= page.TotalCount) || (!exact && !page.More) {
			return nil
		}
	}
}

// AtIndex adds the array position of a failing item to an error's details and message.
func AtIndex(err error, i int) error {
	if e := apierror.As(err); e != nil {
		e = e.With("index", i)
		e.Message = "Item " + strconv.Itoa(i) + ": " + e.Message
		return e
	}
	return err
}

// AtDeletedIndex adds the position of a failing key of a bulk PATCH's deleted_objects to an error's
// details (deleted_index) and message.
func AtDeletedIndex(err error, i int) error {
	e := apierror.As(err)
	if e == nil || i < 0 {
		return err
	}
	e = e.With("deleted_index", i)
	e.Message = "deleted_objects[" + strconv.Itoa(i) + "]: " + e.Message
	return e
}
