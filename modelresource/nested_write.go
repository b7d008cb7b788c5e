package modelresource

// Writing what a body nests (nested.go reads it): the to-one relations before the row, the to-many
// ones after it, each object through its own resource's steps, all in the parent's transaction.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/resource"
)

// writeWith writes one object in the transaction ctx carries: first the to-one relations the body nests
// (n, nil for none), whose keys the row needs; then the row itself, by write, which returns its key; then
// the to-many relations, which need that key. It reads the object back as a GET shows it, with the
// relations written expanded one level.
func (r *model) writeWith(ctx context.Context, b *resource.Bundle, n *nestedWrite, values []assignment,
	write func(ctx context.Context, values []assignment) (any, error)) (*resource.Object, error) {
	values, err := n.linkToOne(ctx, values)
	if err != nil {
		return nil, err
	}
	key, err := write(ctx, values)
	if err != nil {
		return nil, err
	}
	if err := n.writeToMany(ctx, key); err != nil {
		return nil, err
	}
	if err := r.replaceMemberships(ctx, b, b.Data, []any{key}); err != nil {
		return nil, err
	}
	obj, err := r.reread(ctx, b, key)
	if err != nil {
		return nil, err
	}
	return obj, n.show(ctx, obj)
}

// linkToOne writes the related objects of the to-one relations (created, updated or only checked) and
// returns values with their foreign keys set.
func (n *nestedWrite) linkToOne(ctx context.Context, values []assignment) ([]assignment, error) {
	if n == nil {
		return values, nil
	}
	for _, one := range n.toOne {
		var key any
		if !one.null {
			rel := one.rel
			obj, err := n.writeRelated(ctx, rel.bound, rel.target, one.data, one.key, rel.name)
			if err != nil {
				return nil, err
			}
			key, _ = obj.Get(rel.target.pk.Name)
		}
		a := assignment{col: one.rel.column, value: n.r.d.Bind(one.rel.column.Type, key)}
		i := slices.IndexFunc(values, func(a assignment) bool { return a.col == one.rel.column })
		if i >= 0 { // the column was given too, and agrees
			values[i] = a
		} else {
			values = append(values, a)
		}
	}
	return values, nil
}

// writeToMany writes each to-many item with its foreign key set to the parent's key.
func (n *nestedWrite) writeToMany(ctx context.Context, parent any) error {
	if n == nil {
		return nil
	}
	r := n.r
	for _, many := range n.toMany {
		tm := many.tm
		for i, item := range many.items {
			path := fmt.Sprintf("%s[%d]", tm.name, i)
			for _, c := range item.claims {
				if c.key == nil || r.keyText(c.key) != r.keyText(parent) {
					named := "no " + r.meta.ResourceName
					if c.key != nil {
						named = r.meta.ResourceName + " " + r.keyText(c.key)
					}
					return contradiction(path+"."+c.field, "The item names %s as its parent, but it is nested under %s %s.", named, r.meta.ResourceName, r.keyText(parent))
				}
			}
			data := make(map[string]any, len(item.data)+1)
			maps.Copy(data, item.data)
			delete(data, tm.via)
			data[tm.fk.Name] = bodyKey(parent)
			obj, err := n.writeRelated(ctx, tm.bound, tm.target, data, item.key, path)
			if err != nil {
				return err
			}
			key, _ := obj.Get(tm.target.pk.Name)
			many.written = append(many.written, key)
		}
	}
	return nil
}

// bodyKey is a key as a decoded body holds it.
func bodyKey(k any) any {
	if n, ok := k.(int64); ok {
		return json.Number(strconv.FormatInt(n, 10))
	}
	return k
}

// writeRelated writes one nested object of the resource to, through its own steps, as the request's
// user: data is created (key ""), or the object key is updated with data as a PATCH would when data
// carries other fields, or only read. Errors are placed at path.
func (n *nestedWrite) writeRelated(ctx context.Context, to *resource.Bound, target *model, data map[string]any, key, path string) (*resource.Object, error) {
	b, s := n.b, to.Steps
	one := &resource.Bundle{Resource: to, Request: b.Request, Data: data, User: b.User, RequestID: b.RequestID, Query: url.Values{}}
	var obj *resource.Object
	var err error
	switch {
	case key == "":
		one.Method, one.Kind = http.MethodPost, resource.KindList
		if !to.Allows(resource.KindList, "post") || s.ObjCreate == nil {
			return nil, apierror.New(apierror.Forbidden, "%s: %s does not offer POST, so it cannot be created nested.", path, to.Name).With("path", path)
		}
		if err = s.Hydrate(ctx, one); err == nil {
			obj, err = s.ObjCreate(ctx, one)
		}
	case otherFields(data, target):
		one.Method, one.Kind, one.Key, one.Partial = http.MethodPatch, resource.KindDetail, key, true
		if !to.Allows(resource.KindDetail, "patch") || s.ObjUpdate == nil {
			return nil, apierror.New(apierror.Forbidden, "%s: %s does not offer PATCH, so it cannot be changed nested.", path, to.Name).With("path", path)
		}
		if err = s.Hydrate(ctx, one); err == nil {
			obj, _, err = s.ObjUpdate(ctx, one)
		}
	default:
		one.Method, one.Kind, one.Key = http.MethodGet, resource.KindDetail, key
		obj, err = s.ObjGet(ctx, one)
	}
	if e := apierror.As(err); e != nil && e.Code == apierror.ObjectDoesNotExist && e.Details["path"] == nil {
		return nil, problemAt(path, fmt.Sprintf("No %s with key %q.", to.Name, key))
	}
	if err != nil {
		return nil, atPath(err, path)
	}
	return obj, nil
}

// show expands in obj, the parent read back, each relation the body wrote, one level.
func (n *nestedWrite) show(ctx context.Context, obj *resource.Object) error {
	if n == nil || obj == nil {
		return nil
	}
	objs := []*Object{obj}
	for _, one := range n.toOne {
		if !n.r.full[one.rel.name] {
			if err := n.r.expandToOne(ctx, n.b, objs, one.rel, 0); err != nil {
				return err
			}
		}
	}
	for _, many := range n.toMany {
		if !n.r.full[many.tm.name] {
			if err := n.showWritten(ctx, obj, many); err != nil {
				return err
			}
		}
	}
	return nil
}

// showWritten puts under a to-many relation's name the objects its array wrote, in the array's order,
// read in one query as the related resource shows them (null for one the user may not read).
func (n *nestedWrite) showWritten(ctx context.Context, obj *resource.Object, many *nestedMany) error {
	tm := many.tm
	list := make([]*Object, len(many.written))
	if len(many.written) > 0 {
		objs, err := n.r.readRelated(ctx, n.b, tm.target, tm.bound, sq.Eq{tm.target.pk.expr: many.written}, 0)
		if err != nil {
			return err
		}
		byKey := make(map[any]*Object, len(objs))
		for _, o := range objs {
			byKey[o.At(tm.target.pk.index)] = o
		}
		for i, k := range many.written {
			list[i] = byKey[k]
		}
	}
	obj.Set(tm.name, list)
	return nil
}

// refuseNested refuses relations in a body that cannot write them (PATCH on a list with filters).
func (r *model) refuseNested(b *resource.Bundle) error {
	for _, name := range slices.Sorted(maps.Keys(b.Data)) {
		if r.isNested(name) {
			return problemAt(name, "A PATCH on the list with filters does not write relations; PATCH each object, or use the bulk {\"objects\": [...]} form.")
		}
	}
	return nil
}

// hasNested reports whether any item of an array POST gives relations.
func (r *model) hasNested(items []*resource.Bundle) bool {
	for _, b := range items {
		for k := range b.Data {
			if r.isNested(k) {
				return true
			}
		}
	}
	return false
}

// createEach creates the items of an array POST one by one through ObjCreate, which writes their
// relations; the multi-row INSERT cannot.
func (r *model) createEach(ctx context.Context, items []*resource.Bundle) ([]*resource.Object, error) {
	out := make([]*resource.Object, len(items))
	err := r.atomic(ctx, func(ctx context.Context) error {
		for i, b := range items {
			obj, err := b.Resource.Steps.ObjCreate(ctx, b)
			if err != nil {
				return resource.AtIndex(err, i)
			}
			out[i] = obj
		}
		return nil
	})
	return out, err
}
