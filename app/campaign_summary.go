package main

import (
	"context"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// campaigns is the campaign resource with one endpoint of its own, GET /api/v1/campaign/<id>/summary/:
// what a dashboard shows first about a campaign, in one request. The campaign is read through the
// resource's own steps and scope (a campaign outside the user's location is a 404), so its aggregates
// at its top-level location are the user's to see.
type campaigns struct {
	*modelresource.Resource
	d dialect.Dialect
}

var _ resource.Endpointer = campaigns{}

// campaignSummary is the summary endpoint's answer.
type campaignSummary struct {
	Campaign   string               `json:"campaign"`
	Datapoints int64                `json:"datapoints"`
	Locations  int64                `json:"locations"`
	Indicators []indicatorAggregate `json:"indicators"`
}

// indicatorAggregate is one indicator's aggregated value at the campaign's top-level location.
type indicatorAggregate struct {
	IndicatorID int64   `json:"indicator_id"`
	ShortName   string  `json:"short_name"`
	Value       float64 `json:"value"`
}

// Endpoints declares the summary.
func (r campaigns) Endpoints() []resource.Endpoint {
	return []resource.Endpoint{{
		Name: "summary", Detail: true, Response: campaignSummary{},
		Summary: "The campaign's datapoint and location counts, and each indicator's aggregated value at its top-level location.",
		Handler: r.summary,
	}}
}

// summary reads the counts and the aggregates of the campaign obj, in one read transaction.
func (r campaigns) summary(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
	id, _ := obj.Get("id")
	top, _ := obj.Get("top_lvl_location_id")
	name, _ := obj.Get("name")
	out := campaignSummary{Indicators: []indicatorAggregate{}}
	out.Campaign, _ = name.(string)
	db := r.DB(ctx)
	err := db.QueryRowContext(ctx, r.d.Rebind(`SELECT count(*), count(DISTINCT location_id) FROM datapoint WHERE campaign_id = ?`), id).
		Scan(&out.Datapoints, &out.Locations)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, r.d.Rebind(`SELECT i.id, i.short_name, a.value FROM agg_datapoint AS a
		JOIN indicator AS i ON i.id = a.indicator_id
		WHERE a.campaign_id = ? AND a.location_id = ? ORDER BY i.id`), id, top)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a indicatorAggregate
		if err := rows.Scan(&a.IndicatorID, &a.ShortName, &a.Value); err != nil {
			return nil, err
		}
		out.Indicators = append(out.Indicators, a)
	}
	return out, rows.Err()
}
