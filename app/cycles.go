package main

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// locationTree is the location resource: the location parameters (located), and no write may make the
// tree a cycle. A PUT, a PATCH, a bulk PATCH item, a PATCH by filter or a nested write that sets a
// location's parent_location_id to the location itself or to one of its descendants is a 400
// VALIDATION_ERROR naming parent_location_id, and nothing is written.
//
// The check runs after the write, in its transaction, on what the transaction sees: a new cycle always
// passes through a location whose parent the write just set, so walking up from it (a recursive query,
// the same on both backends) either ends at a root or comes back. The error rolls the write back. On
// PostgreSQL the writes that set a parent take a transaction-scoped advisory lock first, so that two
// concurrent moves (A under B, B under A), each harmless alone, are checked one after the other; a
// SQLite database has one writer at a time.
type locationTree struct {
	located
	d dialect.Dialect
}

// cycleSQL walks up from a location's parent and counts the locations met that are the location
// itself: 1 when it lies on a cycle, 0 otherwise (UNION, not UNION ALL, ends the walk on any cycle);
// it also reads the location's parent, for the message.
const cycleSQL = `WITH RECURSIVE up (id) AS (
	SELECT parent_location_id FROM location WHERE id = ?
	UNION
	SELECT location.parent_location_id FROM location JOIN up ON location.id = up.id
) SELECT (SELECT count(*) FROM up WHERE id = ?), (SELECT parent_location_id FROM location WHERE id = ?)`

// movesLocations reports whether a body may set a parent: the column, or the relation given nested
// (an object, a key or a resource_uri). A nested child ("children": [...]) is written through this
// resource's own ObjUpdate with its parent_location_id set, and checked there.
func movesLocations(data map[string]any) bool {
	_, column := data["parent_location_id"]
	_, relation := data["parent_location"]
	return column || relation
}

// serializeMoves takes, on PostgreSQL, the lock that orders the transactions that set parents; it is
// released when the transaction ends.
func (r locationTree) serializeMoves(ctx context.Context) error {
	return r.d.LockTransaction(ctx, r.DB(ctx), "location.parent_location_id")
}

// onCycle reports whether the location id lies on a cycle of parent_location_id, and its parent.
func (r locationTree) onCycle(ctx context.Context, id int64) (bool, sql.NullInt64, error) {
	var n int
	var parent sql.NullInt64
	if err := r.DB(ctx).QueryRowContext(ctx, r.d.Rebind(cycleSQL), id, id, id).Scan(&n, &parent); err != nil {
		return false, parent, err
	}
	return n > 0, parent, nil
}

// judge decides a write that set parents, once the default step (its answer err) has run: when the
// location id now lies on a cycle, the write made it (the tree had none), and the cycle is refused,
// whatever the step answered. A move into a cycle also takes the location out of every confined
// user's scope, so the default step may have refused the write itself as a 404 (its re-read) or a 403
// (PATCH by filter) after writing: the cycle is the cause to report. When the transaction cannot answer
// any more (a statement of the step failed, on PostgreSQL), err stands.
func (r locationTree) judge(ctx context.Context, id int64, err error, refusal func(parent sql.NullInt64) error) error {
	cycle, parent, cerr := r.onCycle(ctx, id)
	switch {
	case cerr == nil && cycle:
		return refusal(parent)
	case err != nil:
		return err
	default:
		return cerr
	}
}

// cycleError is the refusal, problem saying which location the parent is.
func cycleError(problem string) error {
	return apierror.New(apierror.ValidationError, "Invalid data for location: 'parent_location_id' %s; a location cannot be placed under itself.", problem).
		With("fields", map[string]any{"parent_location_id": "Would place the location under itself: it " + problem + "."})
}

// ObjUpdate writes through the default step, then refuses the write if the location now lies under
// itself. PUT creating a key is covered too (a new location given itself as parent).
func (r locationTree) ObjUpdate(ctx context.Context, b *resource.Bundle, next resource.ObjUpdateFunc) (*resource.Object, bool, error) {
	id, err := strconv.ParseInt(b.Key, 10, 64)
	if err != nil || !movesLocations(b.Data) {
		return next(ctx, b) // not a key (the default step answers the 404), or no parent given
	}
	var obj *resource.Object
	var created bool
	err = r.Atomic(ctx, func(ctx context.Context) error {
		if err := r.serializeMoves(ctx); err != nil {
			return err
		}
		var err error
		obj, created, err = next(ctx, b)
		return r.judge(ctx, id, err, func(parent sql.NullInt64) error {
			if parent.Valid && parent.Int64 == id {
				return cycleError("is the location itself (" + b.Key + ")")
			}
			return cycleError("names location " + strconv.FormatInt(parent.Int64, 10) + ", which lies under location " + b.Key)
		})
	})
	if err != nil {
		return nil, false, err
	}
	return obj, created, nil
}

// ObjUpdateList writes through the default step, then refuses the write if the parent it gave to
// every matching location now lies under itself: that is, it was one of them or lay under one.
func (r locationTree) ObjUpdateList(ctx context.Context, b *resource.Bundle, next resource.ObjUpdateListFunc) (int64, error) {
	raw, given := b.Data["parent_location_id"]
	v, err := field.FromJSON(field.Integer, raw)
	parent, isID := v.(int64)
	if !given || err != nil || !isID {
		return next(ctx, b) // no parent, null (a root), or not an id: validation answers
	}
	var n int64
	err = r.Atomic(ctx, func(ctx context.Context) error {
		if err := r.serializeMoves(ctx); err != nil {
			return err
		}
		var err error
		n, err = next(ctx, b)
		return r.judge(ctx, parent, err, func(sql.NullInt64) error {
			return cycleError("names location " + strconv.FormatInt(parent, 10) + ", which is one of the locations the filters match or lies under one of them")
		})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
