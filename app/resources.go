package main

import (
	"time"

	"context"
	"database/sql"
	"log/slog"
	"net/http"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// filterEverything allows every lookup on every field, and filters through every relation
// (location__name__icontains=..., campaign__top_lvl_location__location_code=AF).
var filterEverything = map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations}

// orderEverything allows order_by on every field.
var orderEverything = []string{resource.EveryField}

// dashboardResources are the dashboard's model resources (DASHBOARD.md). Relations come from the
// foreign keys: location_id → location, top_lvl_location_id → location, parent_location_id → location...
// location, campaign and datapoint are confined to a user's top-level location (scope.go); location and
// datapoint take the location parameters (locations.go); no write may put a location under itself
// (cycles.go); indicators are deleted by superusers only; dashboards are changed by their owners
// (dashboards.go).
func dashboardResources(d dialect.Dialect) []resource.Resource {
	model := func(name string, m resource.Meta) *modelresource.Resource {
		m.ResourceName = name
		if m.Table == "" {
			m.Table = name
		}
		if m.Filtering == nil {
			m.Filtering = filterEverything
		}
		if m.Ordering == nil {
			m.Ordering = orderEverything
		}
		return modelresource.New(m)
	}
	locations := model("location", resource.Meta{
		Description:           "The location tree, from the country down to sub-districts.",
		RequiredFieldsForPost: []string{"name", "location_code", "location_type_id"},
		// The CHECK constraints location_latitude_check and location_longitude_check.
		FieldOptions: map[string]resource.FieldOptions{
			"latitude":  {MinValue: bound(-90), MaxValue: bound(90)},
			"longitude": {MinValue: bound(-180), MaxValue: bound(180)},
		},
		// /location/3/children/ and /location/3/datapoints/: the tree and the values, one level at a time.
		ToMany: map[string]resource.ToMany{
			"children":   {Resource: "location", Via: "parent_location"},
			"datapoints": {Resource: "datapoint", Via: "location"},
		},
	})
	// Scope checks run their statements through the location resource, inside the request's
	// transaction when there is one.
	scoped := func(table, tied, placedBy string, nullable bool) resource.Authorization {
		return newLocationScope(d, locations, table, tied, placedBy, nullable).authorization()
	}
	locations.Meta().Authorization = scoped("location", "id", "parent_location_id", true)
	return append([]resource.Resource{
		model("location_type", resource.Meta{
			Description:           "Administrative levels: 0 country, 1 region, 2 province, 3 district, 4 sub-district.",
			RequiredFieldsForPost: []string{"name", "admin_level"},
			// The CHECK constraint location_type_admin_level_check.
			FieldOptions: map[string]resource.FieldOptions{"admin_level": {MinValue: bound(0), MaxValue: bound(4)}},
		}),
		locationTree{located: withLocationParams(locations, "id"), d: d},
		indicators{d: d, Resource: model("indicator", resource.Meta{
			Description:           "What is measured.",
			RequiredFieldsForPost: []string{"short_name", "name", "data_format"},
			FieldOptions: map[string]resource.FieldOptions{
				"data_format": {Choices: []string{"pct", "int", "bool"}, HelpText: "pct, int or bool."},
			},
			Authorization: superuserDeletes(),
			ToMany:        map[string]resource.ToMany{"datapoints": {Resource: "datapoint", Via: "indicator"}},
		})},
		model("campaign_type", resource.Meta{
			Description:           "Kinds of campaign.",
			RequiredFieldsForPost: []string{"name"},
		}),
		campaigns{d: d, Resource: model("campaign", resource.Meta{
			Description:           "A campaign over a top-level location between two dates.",
			RequiredFieldsForPost: []string{"name", "campaign_type_id", "top_lvl_location_id", "start_date", "end_date"},
			Authorization:         scoped("campaign", "top_lvl_location_id", "top_lvl_location_id", false),
			ToMany:                map[string]resource.ToMany{"datapoints": {Resource: "datapoint", Via: "campaign"}},
		})},
		withLocationParams(model("datapoint", resource.Meta{
			Description:           "One value of one indicator at one location, for a campaign or a date.",
			RequiredFieldsForPost: []string{"indicator_id", "location_id", "data_date", "value"},
			Authorization:         scoped("datapoint", "location_id", "location_id", false),
			// format=csv without a limit exports every matching datapoint (a campaign's, for a dashboard).
			CSVExport: true,
		}), "location_id"),
		// After datapoint, so that the datapoint table's relations resolve to datapoint (views.go).
		campaignDatapoints(model, scoped),
		dateDatapoints(model, scoped),
	}, savedDashboards(d, model)...)
}

// access is who may use the API.
type access struct {
	// publicRead lets requests without credentials read (GET); writes always need a user.
	publicRead bool
	// cache remembers successful password logins, shared by every resource; nil: none.
	cache *auth.Cache
	// pepper hashes API keys (keyPepper); the zero Pepper takes the database's own.
	pepper auth.Pepper
	// throttle limits every resource's requests, counted together per user (or per client address
	// without credentials); nil: no limit (serve --throttle).
	throttle resource.Throttle
	// observer receives the resources' events (processing runs) for the metrics; nil: none.
	observer resource.Observer
	// corsOrigins are the origins whose pages may call the API from a browser, with credentials
	// (serve --cors-origins); none: no cross-origin access.
	corsOrigins []string
	// publicDocs serves openapi.json and docs/ without credentials (serve --public-docs).
	publicDocs bool
	// replicas are the PostgreSQL read replicas reads go to (DATABASE_REPLICA_URLS); nil: none.
	replicas *dialect.Replicas
}

// corsMaxAge is how long browsers may cache the answer to a preflight (serve --cors-origins).
const corsMaxAge = 10 * time.Minute

// corsPolicy is the API's cross-origin policy: the origins allowed, with credentials (an API key
// header, Basic or a session cookie); nil without origins.
func (a access) corsPolicy() *resource.CORS {
	if len(a.corsOrigins) == 0 {
		return nil
	}
	return &resource.CORS{AllowedOrigins: a.corsOrigins, AllowCredentials: true, MaxAge: corsMaxAge}
}

// keyMemo returns the memo with which a read by a key seen before is served while the key's row is read
// beside it, on PostgreSQL, where that read is a round trip spent waiting; on SQLite it is CPU work in
// this process (about 15 µs), which costs more run beside the request than before it
// (BENCHMARKS.md, issue 9), so there the key is read first and there is no memo.
func keyMemo(d dialect.Dialect) *auth.KeyMemo {
	if d.Name() == dialect.Postgres {
		return auth.NewKeyMemo()
	}
	return nil
}

// keyCache returns the cache of the API keys that authenticated, invalidated by the store's watch of
// the keys' epoch (a revocation through the store, in any process); nil, and every request reads its
// key's row, when the watch cannot start.
func keyCache(store *sqlstore.Store, logger *slog.Logger) *auth.KeyCache {
	watch, err := store.WatchKeys(context.Background())
	if err != nil {
		logger.Warn("API keys are read on every request: their epoch cannot be watched", "error", err)
		return nil
	}
	return auth.NewKeyCache(watch, 0)
}

// newHandler builds the dashboard's API over db: API keys (Tastypie's ApiKey header, or Bearer),
// HTTP Basic against app_user and api_key, and browser sessions (app_session, with CSRF tokens),
// required for every request unless a read is public; one auth.Guard, with its default limits,
// protects the password checks.
func newHandler(db *sql.DB, d dialect.Dialect, logger *slog.Logger, a access) (http.Handler, error) {
	pepper, err := pepperOr(context.Background(), db, d, a.pepper)
	if err != nil {
		return nil, err
	}
	store := newUserStore(db, d, logger)
	guard := auth.NewGuard(auth.GuardConfig{})
	basic := auth.Basic{Store: store, Cache: a.cache, Guard: guard}
	// Browsers log in at /api/v1/login/; a key or Basic header wins over a session cookie.
	sessions := auth.Sessions{Store: store, Passwords: basic, Path: resource.DefaultPrefix}
	authn := auth.Required{
		Authentication: auth.Chain{
			auth.APIKey{Store: store, Pepper: pepper, Guard: guard, Logger: logger, Memo: keyMemo(d), Cache: keyCache(store, logger)},
			basic,
			sessions,
		},
		AnonymousRead: a.publicRead,
	}
	return resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: logger, Authentication: authn, Throttle: a.throttle, Observer: a.observer,
		Sessions: sessions, CORS: a.corsPolicy(), PublicDocs: a.publicDocs, Replicas: a.replicas},
		append(dashboardResources(d), processingResources(d)...)...)
}

// bound is a FieldOptions bound.
func bound(n int64) *int64 { return &n }
