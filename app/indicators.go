package main

import (
	"context"
	"strconv"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// indicators is the indicator resource: deleting an indicator also removes its datapoints, its
// aggregated datapoints and the calculations it takes part in (as the calculated indicator or as a
// component), in one transaction (DASHBOARD.md). Only a superuser may delete (superuserDeletes): the
// default step refuses anyone else after the cascade ran, and the transaction undoes it.
type indicators struct {
	*modelresource.Resource
	d dialect.Dialect
}

// cascade lists what goes with an indicator, each statement binding its id.
var cascade = []string{
	"DELETE FROM agg_datapoint WHERE indicator_id = ?",
	"DELETE FROM datapoint WHERE indicator_id = ?",
	"DELETE FROM indicator_calculation WHERE indicator_id = ? OR component_id = ?",
}

// ObjDelete removes the indicator's dependents, then the indicator through the default step.
func (r indicators) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error {
	id, err := strconv.ParseInt(b.Key, 10, 64)
	if err != nil {
		return next(ctx, b) // not a key: the default step answers the 404
	}
	return r.Atomic(ctx, func(ctx context.Context) error {
		for _, stmt := range cascade {
			args := []any{id}
			if stmt == cascade[2] {
				args = append(args, id)
			}
			if _, err := r.DB(ctx).ExecContext(ctx, r.d.Rebind(stmt), args...); err != nil {
				return err
			}
		}
		return next(ctx, b)
	})
}
