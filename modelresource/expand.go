package modelresource

import (
	"context"
	"sort"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/resource"
)

// expand puts each relation's related object (to-one) or objects (to-many) into objs under the
// relation's name, depth levels deep, as the related resource shows them: its own GetObjectList,
// authorization, expansion and Dehydrate. Each relation costs one query per level, whatever the number
// of objects: the keys of the whole page are collected and read with one IN (...).
func (r *model) expand(ctx context.Context, b *resource.Bundle, objs []*Object, depth int) error {
	if len(objs) == 0 {
		return nil
	}
	if err := r.loadMemberships(ctx, objs); err != nil {
		return err
	}
	for _, name := range r.relationNames() {
		rel := r.relations[name]
		if depth < 1 && !r.full[name] {
			continue
		}
		if err := r.expandToOne(ctx, b, objs, rel, max(depth, 1)-1); err != nil {
			return err
		}
	}
	for _, name := range r.toManyNames() {
		tm := r.toMany[name]
		if !r.full[name] && (depth < 1 || !tm.expand) {
			continue
		}
		if err := r.expandToMany(ctx, b, objs, tm, max(depth, 1)-1); err != nil {
			return err
		}
	}
	return nil
}

// Object is the resource package's object; the alias keeps signatures short.
type Object = resource.Object

func (r *model) relationNames() []string {
	names := make([]string, 0, len(r.relations))
	for n := range r.relations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (r *model) toManyNames() []string {
	names := make([]string, 0, len(r.toMany))
	for n := range r.toMany {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// relatedBundle is the bundle a related resource reads under: the same user and request, its own
// resource, no query parameters of the parent's.
func relatedBundle(b *resource.Bundle, to *resource.Bound) *resource.Bundle {
	return &resource.Bundle{Resource: to, Request: b.Request, Method: "GET", Kind: resource.KindList, User: b.User, RequestID: b.RequestID}
}

// readRelated reads the related resource's objects matching cond, through its own steps and
// authorization (a relation whose resource refuses the user any list shows as absent), expands them
// depth levels and dehydrates them.
func (r *model) readRelated(ctx context.Context, b *resource.Bundle, target *model, to *resource.Bound, cond sq.Sqlizer, depth int) ([]*Object, error) {
	rb := relatedBundle(b, to)
	q, err := target.readQuery(ctx, rb, false)
	if refused(err) {
		return nil, nil // the user may read none of them: each relation shows as absent
	}
	if err != nil {
		return nil, err
	}
	objs, err := target.fetch(ctx, q.Where(cond).OrderBy(target.pk.expr+" ASC"), 0)
	if err != nil {
		return nil, err
	}
	if err := target.expand(ctx, rb, objs, depth); err != nil {
		return nil, err
	}
	for _, o := range objs {
		if err := to.Steps.Dehydrate(ctx, rb, o); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

func (r *model) expandToOne(ctx context.Context, b *resource.Bundle, objs []*Object, rel *relation, depth int) error {
	seen := map[any]bool{}
	var keys []any
	for _, o := range objs {
		if k := o.At(rel.column.index); k != nil && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	byKey := map[any]*Object{}
	if len(keys) > 0 {
		related, err := r.readRelated(ctx, b, rel.target, rel.bound, sq.Eq{rel.target.pk.expr: keys}, depth)
		if err != nil {
			return err
		}
		for _, o := range related {
			byKey[o.At(rel.target.pk.index)] = o
		}
	}
	for _, o := range objs {
		var v *Object
		if k := o.At(rel.column.index); k != nil {
			v = byKey[k] // nil when the related object is hidden from this user
		}
		o.Set(rel.name, v)
	}
	return nil
}

func (r *model) expandToMany(ctx context.Context, b *resource.Bundle, objs []*Object, tm *toMany, depth int) error {
	keys := make([]any, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, o.At(r.pk.index))
	}
	children, err := r.readRelated(ctx, b, tm.target, tm.bound, sq.Eq{tm.fk.expr: keys}, depth)
	if err != nil {
		return err
	}
	byParent := map[any][]*Object{}
	for _, c := range children {
		k := c.At(tm.fk.index)
		byParent[k] = append(byParent[k], c)
	}
	for _, o := range objs {
		list := byParent[o.At(r.pk.index)]
		if list == nil {
			list = []*Object{}
		}
		o.Set(tm.name, list)
	}
	return nil
}
