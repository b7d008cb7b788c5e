package main

import (
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// The dashboard's read-only views of the values (DASHBOARD.md): campaign_datapoint over the
// aggregates of agg_datapoint, date_datapoint over the datapoints by date. Both are GET only, require
// the parameters that keep a chart's query bounded, take the location parameters on their location_id,
// and are confined to a user's top-level location like datapoint.
//
// Their tables are served by other resources too (datapoint; agg_datapoint by agg_refresh): relations
// to them from other tables resolve to the first resource registered for the table, which is why these
// come after datapoint.

// newModel builds a model resource named name over table with the dashboard's defaults (dashboardResources' model).
type newModel func(name string, m resource.Meta) *modelresource.Resource

// newScope builds the top-location restriction of a table tied to a location by a column (dashboardResources' scoped).
type newScope func(table, tied, placedBy string, nullable bool) resource.Authorization

var getOnly = []string{"get"}

// campaignDatapoints is campaign_datapoint: a campaign's aggregated values, with the names a chart
// shows (location__name, indicator__short_name, campaign__name) taken through joins.
func campaignDatapoints(model newModel, scoped newScope) located {
	return withLocationParams(model("campaign_datapoint", resource.Meta{
		Table:             "agg_datapoint",
		Description:       "Aggregated values of campaigns (agg_datapoint, filled by agg_refresh): GET only; campaign__in and indicator__in are required.",
		ListMethods:       getOnly,
		DetailMethods:     getOnly,
		GETParamsRequired: []string{"campaign__in", "indicator__in"},
		QueryFields:       []string{"location__name", "indicator__short_name", "campaign__name"},
		Authorization:     scoped("agg_datapoint", "location_id", "location_id", false),
	}), "location_id")
}

// dateDatapoints is date_datapoint: the datapoints of indicators between two dates.
func dateDatapoints(model newModel, scoped newScope) located {
	return withLocationParams(model("date_datapoint", resource.Meta{
		Table:             "datapoint",
		Description:       "Datapoints by date: GET only; indicator__in, data_date__gte and data_date__lte are required.",
		ListMethods:       getOnly,
		DetailMethods:     getOnly,
		GETParamsRequired: []string{"indicator__in", "data_date__gte", "data_date__lte"},
		QueryFields:       []string{"location__name", "indicator__short_name"},
		Authorization:     scoped("datapoint", "location_id", "location_id", false),
	}), "location_id")
}
