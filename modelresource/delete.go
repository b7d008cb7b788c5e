package modelresource

import (
	"context"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/resource"
)

// The deletes: one object (ObjDelete), what a filter matches (ObjDeleteList: one statement, or one by
// one through ObjDelete), and bulk PATCH's deleted_objects (ObjDeleteKeys).

// objDelete deletes the object b.Key.
func (r *model) objDelete(ctx context.Context, b *resource.Bundle) error {
	key, ok := r.parseKey(b.Key)
	if !ok {
		return r.notFound(b.Key)
	}
	return r.atomic(ctx, func(ctx context.Context) error {
		existing, err := b.Resource.Steps.ObjGet(ctx, &resource.Bundle{Resource: b.Resource, Method: "GET", Kind: resource.KindDetail, Key: b.Key, User: b.User, Query: b.Query})
		if err != nil {
			return err
		}
		if err := b.Resource.Authorization().DeleteDetail(ctx, b, existing); err != nil {
			return err
		}
		q := r.d.Builder().Delete(r.alias).Where(sq.Eq{r.pk.expr: key})
		cond, err := b.Resource.Authorization().DeleteList(ctx, b)
		if err != nil {
			return err
		}
		if cond != nil {
			q = q.Where(cond)
		}
		// The memberships go first; a refusal of the row (still referred to, hidden) rolls them back.
		if err := r.removeAllMemberships(ctx, []any{key}); err != nil {
			return err
		}
		return r.execOne(ctx, q, b.Key, r.deleteConflict)
	})
}

// objDeleteList deletes what the request's filters match, in one statement; without any filter it
// refuses, so that a typo or a forgotten parameter never empties a table. While ObjDelete or ObjGet is
// overridden and ObjDeleteList is not (Bound.OneByOne), each object is deleted through ObjDelete
// instead (deleteEach).
func (r *model) objDeleteList(ctx context.Context, b *resource.Bundle) (int64, error) {
	// What may be deleted is what the user may see and delete.
	authz := b.Resource.Authorization()
	q, err := r.filteredWrite(ctx, b, "DELETE on the %s list needs at least one filter; it never deletes everything.", authz.ReadList, authz.DeleteList)
	if err != nil {
		return 0, err
	}
	if b.Resource.OneByOne("ObjDeleteList") {
		return r.deleteEach(ctx, b, q)
	}
	sub, args, err := q.RemoveColumns().Columns(r.pk.expr).PlaceholderFormat(sq.Question).ToSql()
	if err != nil {
		return 0, err
	}
	query, args, err := r.d.Builder().Delete(r.alias).Where(sq.Expr(r.pk.expr+" IN ("+sub+")", args...)).ToSql()
	if err != nil {
		return 0, err
	}
	var n int64
	err = r.atomic(ctx, func(ctx context.Context) error {
		if len(r.m2m) > 0 {
			// The keys first: a filter may be on the memberships removed before the rows.
			n, err = r.deleteWithMemberships(ctx, q)
			return err
		}
		res, err := r.querier(ctx).ExecContext(ctx, query, args...)
		if err != nil {
			return r.deleteConflict(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// deleteEach deletes every object q selects through the ObjDelete step, one by one, in one transaction:
// the override runs for each (and the default's checks, ObjGet and DeleteDetail, with it); the first
// failure rolls everything back.
func (r *model) deleteEach(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder) (int64, error) {
	var n int64
	err := r.atomic(ctx, func(ctx context.Context) error {
		keys, err := r.keys(ctx, q.OrderBy(r.pk.expr))
		if err != nil {
			return err
		}
		for _, k := range keys {
			one := &resource.Bundle{Resource: b.Resource, Request: b.Request, Method: b.Method, Kind: resource.KindDetail,
				Key: r.keyText(k), User: b.User, RequestID: b.RequestID, Query: map[string][]string{}}
			if err := b.Resource.Steps.ObjDelete(ctx, one); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// deleteMany is the ObjDeleteKeys step: it deletes the objects with keys in one statement per 500 keys,
// after one SELECT finds them (through the read narrowing, as ObjDelete's ObjGet does) and
// DeleteDetail has judged each. A key not found is a 404 naming its position; nothing is deleted then.
func (r *model) deleteMany(ctx context.Context, b *resource.Bundle, keys []string) error {
	i, err := r.deleteKeys(ctx, b, keys)
	return resource.AtDeletedIndex(err, i)
}

// deleteKeys does deleteMany's work; on an error it returns the position of the key concerned, or -1
// for an error of no one key (a conflict).
func (r *model) deleteKeys(ctx context.Context, b *resource.Bundle, keys []string) (int, error) {
	parsed := make([]any, len(keys))
	for i, k := range keys {
		v, ok := r.parseKey(k)
		if !ok {
			return i, r.notFound(k)
		}
		parsed[i] = v
	}
	rb := &resource.Bundle{Resource: b.Resource, Request: b.Request, Method: "GET", Kind: resource.KindList, User: b.User, RequestID: b.RequestID}
	q, err := r.readQuery(ctx, rb, false)
	if err != nil {
		return -1, err
	}
	found := map[any]*resource.Object{}
	for start := 0; start < len(parsed); start += insertChunk {
		objs, err := r.fetch(ctx, q.Where(sq.Eq{r.pk.expr: parsed[start:min(start+insertChunk, len(parsed))]}), insertChunk)
		if err != nil {
			return -1, err
		}
		for _, o := range objs {
			found[o.At(r.pk.index)] = o
		}
	}
	authz := b.Resource.Authorization()
	for i, k := range parsed {
		o, ok := found[k]
		if !ok {
			return i, r.notFound(keys[i])
		}
		if err := authz.DeleteDetail(ctx, b, o); err != nil {
			return i, err
		}
	}
	cond, err := authz.DeleteList(ctx, b)
	if err != nil {
		return -1, err
	}
	return -1, r.atomic(ctx, func(ctx context.Context) error {
		for start := 0; start < len(parsed); start += insertChunk {
			if err := r.removeMembershipsOf(ctx, parsed[start:min(start+insertChunk, len(parsed))], cond); err != nil {
				return err
			}
			del := r.d.Builder().Delete(r.alias).Where(sq.Eq{r.pk.expr: parsed[start:min(start+insertChunk, len(parsed))]})
			if cond != nil {
				del = del.Where(cond)
			}
			query, args, err := del.ToSql()
			if err != nil {
				return err
			}
			if _, err := r.querier(ctx).ExecContext(ctx, query, args...); err != nil {
				return r.deleteConflict(err)
			}
		}
		return nil
	})
}
