package main

import (
	"context"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/locations"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// tree is the dashboard's location tree, read by recursive queries on parent_location_id (the
// measurement that chose them over a closure table is in BENCHMARKS.md, issue 5).
var tree = locations.Tree{}

// located is a model resource that takes the location parameters of DASHBOARD.md (location_id__in,
// location_id with location_type or location_depth, filter_indicator with filter_value) on its
// location column.
type located struct {
	*modelresource.Resource
	params locations.Params
}

// withLocationParams declares the location parameters on r, applied to its column (id for the
// location resource itself): they become ExtraParams, and narrow every list, set/ and write by filter.
func withLocationParams(r *modelresource.Resource, column string) located {
	p := locations.Params{
		Column: column,
		Tree:   tree,
		// Type and indicator look-ups run inside the request's transaction when there is one.
		DB: func(ctx context.Context) locations.Querier { return r.DB(ctx) },
	}
	p.Declare(r.Meta())
	return located{Resource: r, params: p}
}

// ApplyFilters applies the default filters, then the location parameters.
func (r located) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	return r.params.ApplyFilters(ctx, b, q, fs, next)
}
