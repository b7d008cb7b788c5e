package modelresource

import (
	"context"
	"slices"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

// insertChunk bounds the rows of one multi-row INSERT (fewer for wide rows: the backend's limit of
// bound parameters, dialect.BulkInsert) and the keys of one re-read.
const insertChunk = 500

// createMany is the ObjCreateList step, the array POST: every item is authorized and validated first,
// as ObjCreate does, then the rows are written with one multi-row INSERT per 500 rows of the same
// columns, and read back with one SELECT per 500 keys. The objects come back in the order of the items.
// (While ObjCreate is overridden and ObjCreateList is not, the framework creates through ObjCreate
// instead.)
//
// Items that give relations (nested writes) are created one by one through ObjCreate, which writes
// them.
func (r *model) createMany(ctx context.Context, b *resource.Bundle, items []*resource.Bundle) ([]*resource.Object, error) {
	if r.hasNested(items) || r.anyMemberships(items) {
		return r.createEach(ctx, items)
	}
	rows := make([][]assignment, len(items))
	for i, one := range items {
		if err := one.Resource.Authorization().CreateDetail(ctx, one, one.Data); err != nil {
			return nil, resource.AtIndex(err, i)
		}
		values, err := r.validate(one, modeCreate)
		if err != nil {
			return nil, resource.AtIndex(err, i)
		}
		rows[i] = values
	}
	keys := make([]any, len(items))
	err := r.atomic(ctx, func(ctx context.Context) error {
		// Items giving the same fields share statements; groups keep the items' order.
		groups := map[string][]int{}
		var order []string
		for i, values := range rows {
			names := make([]string, len(values))
			for j, a := range values {
				names[j] = a.col.Name
			}
			sig := strings.Join(names, ",")
			if _, ok := groups[sig]; !ok {
				order = append(order, sig)
			}
			groups[sig] = append(groups[sig], i)
		}
		now := r.d.Now()
		for _, sig := range order {
			idx := groups[sig]
			per := insertChunk
			if ins, _ := r.bulkInsert(rows[idx[0]]); ins != nil {
				per = ins.RowsPerStatement()
			}
			for start := 0; start < len(idx); start += per {
				chunk := idx[start:min(start+per, len(idx))]
				got, err := r.insertChunk(ctx, rows, chunk, now)
				if err != nil {
					return err
				}
				for j, i := range chunk {
					keys[i] = got[j]
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.rereadMany(ctx, b, keys)
}

// insertChunk inserts a chunk in one statement. When the database refuses it (a unique or foreign-key
// conflict, a CHECK), the chunk is rolled back to a savepoint and replayed row by row, so that the
// error names the item that caused it.
func (r *model) insertChunk(ctx context.Context, rows [][]assignment, chunk []int, now any) ([]any, error) {
	db := r.querier(ctx)
	if _, err := db.ExecContext(ctx, "SAVEPOINT tg_chunk"); err != nil {
		return nil, err
	}
	keys, err := r.insertRows(ctx, rows, chunk, now)
	if err == nil {
		_, err = db.ExecContext(ctx, "RELEASE SAVEPOINT tg_chunk")
		return keys, err
	}
	if apierror.As(err) == nil {
		return nil, err
	}
	if _, rerr := db.ExecContext(ctx, "ROLLBACK TO SAVEPOINT tg_chunk"); rerr != nil {
		return nil, rerr
	}
	for _, i := range chunk {
		if _, ierr := r.insertRows(ctx, rows, []int{i}, now); ierr != nil {
			return nil, resource.AtIndex(ierr, i)
		}
	}
	return nil, err
}

// insertRows writes the rows of chunk (items with the same columns) in one statement and returns their
// keys in the chunk's order.
func (r *model) insertRows(ctx context.Context, rows [][]assignment, chunk []int, now any) ([]any, error) {
	ins, stamps := r.bulkInsert(rows[chunk[0]])
	if ins == nil {
		// Nothing to give: one DEFAULT VALUES row each, as a single POST does.
		keys := make([]any, len(chunk))
		for j := range chunk {
			k, err := r.insert(ctx, nil, nil)
			if err != nil {
				return nil, err
			}
			keys[j] = k
		}
		return keys, nil
	}
	args := make([]any, 0, len(chunk)*ins.Width())
	for _, i := range chunk {
		for _, a := range rows[i] {
			args = append(args, a.value)
		}
		for _, c := range stamps {
			args = append(args, r.d.Bind(c.Type, now))
		}
	}
	query := ins.SQL(len(chunk))
	classify := func(err error) error { return err } // a chunk that fails is replayed row by row (insertChunk): a row's error names its fields
	if len(chunk) == 1 {
		classify = func(err error) error { return r.writeConflict(ctx, err, rows[chunk[0]]) }
	}
	res, err := r.querier(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer res.Close()
	var keys []any
	for res.Next() {
		k := cell{t: r.pk.Type}
		if err := res.Scan(&k); err != nil {
			res.Close()
			return nil, classify(err)
		}
		keys = append(keys, k.v)
	}
	if err := res.Err(); err != nil {
		res.Close() // before classify looks rows up on the same connection
		return nil, classify(err)
	}
	// RETURNING gives no order guarantee: generated keys increase in the order of VALUES, and a key the
	// client gave is in its row.
	if r.pk.HasDefault {
		slices.SortFunc(keys, compareKeys)
		return keys, nil
	}
	keys = keys[:0]
	for _, i := range chunk {
		for _, a := range rows[i] {
			if a.col == r.pk {
				keys = append(keys, a.value)
			}
		}
	}
	return keys, nil
}

// bulkInsert is the multi-row INSERT of rows that give the fields of values, with the timestamps,
// returning the key; nil when there is no column to give.
func (r *model) bulkInsert(values []assignment) (*dialect.BulkInsert, []*column) {
	cols := make([]string, 0, len(values)+2)
	for _, a := range values {
		cols = append(cols, a.col.Name)
	}
	var stamps []*column
	for _, c := range []*column{r.createdAt, r.updatedAt} {
		if c != nil {
			cols, stamps = append(cols, c.Name), append(stamps, c)
		}
	}
	if len(cols) == 0 {
		return nil, nil
	}
	return r.d.BulkInsert(r.meta.Table, cols...).Returning(r.pk.Name).MaxRows(insertChunk), stamps
}

func compareKeys(a, b any) int {
	x, xok := a.(int64)
	y, yok := b.(int64)
	if xok && yok {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(keyString(a), keyString(b))
}

func keyString(k any) string {
	s, _ := k.(string)
	return s
}

// rereadMany reads written objects back, as a following GET shows them, in the order of keys.
func (r *model) rereadMany(ctx context.Context, b *resource.Bundle, keys []any) ([]*resource.Object, error) {
	q, err := b.Resource.Steps.GetObjectList(ctx, &resource.Bundle{Resource: b.Resource, Method: "GET", Kind: resource.KindList, User: b.User})
	if err != nil {
		return nil, err
	}
	byKey := make(map[any]*resource.Object, len(keys))
	for start := 0; start < len(keys); start += insertChunk {
		chunk := keys[start:min(start+insertChunk, len(keys))]
		objs, err := r.fetch(ctx, q.Where(sq.Eq{r.pk.expr: chunk}), len(chunk))
		if err != nil {
			return nil, err
		}
		if err := r.expand(ctx, b, objs, 0); err != nil {
			return nil, err
		}
		for _, o := range objs {
			byKey[o.At(r.pk.index)] = o
		}
	}
	out := make([]*resource.Object, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out, nil
}
