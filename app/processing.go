package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// processingResources are the dashboard's processing endpoints (non-model resources) and the record of
// their runs.
func processingResources(d dialect.Dialect) []resource.Resource {
	agg := aggRefresh{d: d, Resource: nonmodel.New(resource.Meta{
		ResourceName: "agg_refresh",
		Table:        "agg_datapoint",
		Description:  "GET ?campaign_id=N recomputes the campaign's aggregated datapoints, then lists them. Meant for cron.",
		Filtering:    filterEverything,
		Ordering:     orderEverything,
		Limit:        100,
		// A campaign that does not exist; a run already under way.
		ListErrorStatuses: []int{http.StatusNotFound, http.StatusConflict},
	}, nonmodel.Options{Params: aggParams{}})}
	// The agg rows are tied to a location like datapoints: a user with a top location sees those under it.
	agg.Meta().Authorization = newLocationScope(d, agg.List(), "agg_datapoint", "location_id", "location_id", false).authorization()
	runs := modelresource.New(resource.Meta{
		ResourceName:  "processing_run",
		Table:         "processing_run",
		Description:   "Every run of a processing endpoint: its parameters, who triggered it, when, and how it ended. A superuser sees every run, any other user their own.",
		Filtering:     filterEverything,
		Ordering:      orderEverything,
		ListMethods:   []string{"get"},
		DetailMethods: []string{"get"},
		Authorization: ownRuns(d),
	})
	return append([]resource.Resource{agg, runs}, uploadResources(d)...)
}

// ownRuns lets a superuser read every run and anyone else only the runs they triggered: a run's
// parameters and its user's name are theirs. Without a user (--public-read) no run is shown.
func ownRuns(d dialect.Dialect) resource.Authorization {
	mine := d.Quote("processing_run") + "." + d.Quote("user_id") + " = ?"
	return auth.Rules{ReadListFunc: func(_ context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
		switch {
		case b.User == nil || b.User.ID == 0:
			return sq.Expr("1 = 0"), nil
		case b.User.Superuser:
			return nil, nil
		}
		return sq.Expr(mine, b.User.ID), nil
	}}
}

// aggParams are agg_refresh's parameters.
type aggParams struct {
	CampaignID int64 `schema:"campaign_id,required" help:"The campaign whose aggregates are recomputed and listed."`
}

// aggRefresh recomputes a campaign's agg_datapoint rows (aggregate.go), then lists them.
type aggRefresh struct {
	*nonmodel.Resource
	d dialect.Dialect
}

// PreProcessData recomputes the campaign's aggregates in one transaction.
func (r aggRefresh) PreProcessData(ctx context.Context, b *resource.Bundle, next nonmodel.PreProcessDataFunc) error {
	p, _ := nonmodel.Params[*aggParams](ctx)
	if err := r.List().Atomic(ctx, func(ctx context.Context) error {
		if err := r.d.LockTransaction(ctx, r.List().DB(ctx), pipelineLock); err != nil {
			return err
		}
		return aggregateCampaign(ctx, r.List().DB(ctx), r.d, p.CampaignID)
	}); err != nil {
		return err
	}
	return next(ctx, b)
}

// ObjGetList refuses, before any run, a user confined to a region the recomputing of a campaign they
// may not read: the answer is the 404 that the campaign's own page gives them (the framework's answer
// for an object one may not see), the same for a campaign outside the region as for one that does not
// exist, so that it tells nothing. A campaign_id that is not an integer is left to the parameters' 400;
// users who see every campaign run as before (a missing campaign fails its run).
func (r aggRefresh) ObjGetList(ctx context.Context, b *resource.Bundle, next resource.ObjGetListFunc) (*resource.Page, error) {
	if _, confined := confinedTo(b.User); confined && b.Kind == resource.KindList {
		if id, err := strconv.ParseInt(b.Query.Get("campaign_id"), 10, 64); err == nil {
			if _, err := b.Resource.API.Get(resource.WithUser(ctx, b.User), "campaign", strconv.FormatInt(id, 10), nil); err != nil {
				return nil, err
			}
		}
	}
	return next(ctx, b)
}

// ApplyFilters lists the rows of the campaign the run was for.
func (r aggRefresh) ApplyFilters(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder, fs []filters.Filter, next resource.ApplyFiltersFunc) (sq.SelectBuilder, error) {
	q, err := next(ctx, b, q, fs)
	if err != nil {
		return q, err
	}
	if p, ok := nonmodel.Params[*aggParams](ctx); ok {
		q = q.Where(sq.Eq{r.List().Column("campaign_id"): p.CampaignID})
	}
	return q, nil
}

// sweepAbandoned marks failed the processing runs that a stopped process left recorded as running
// (nonmodel.Sweep: their locks are free); nonmodel logs each with the handler's logger. serve calls it
// when it starts, and trigger on PostgreSQL, where a free advisory lock means that no process runs the
// key. On SQLite only the process's own runs are known, so only serve, the process that owns the file,
// sweeps every key; a trigger still marks its own key's abandoned runs when its run starts.
func sweepAbandoned(ctx context.Context, h http.Handler) error {
	if _, err := nonmodel.Sweep(ctx, h.(*resource.API)); err != nil {
		return fmt.Errorf("sweeping abandoned processing runs: %w", err)
	}
	return nil
}
