package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/resource"
)

// BenchmarkConfinedRelations measures what reaching only readable related rows costs (issue 9): lists
// whose joins go to resources confined to a region, through the in-process engine, as a superuser
// (no condition on the joins) and as a user confined to the region AF-R01 (each join to location or
// campaign carries the region's condition), on medium data:
//
//   - campaign_datapoint of two campaigns and three indicators, ordered by campaign__name: three joins
//     (location, indicator, campaign), two of them confined;
//   - datapoint filtered by campaign__name: one confined join.
func BenchmarkConfinedRelations(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDBOf(b, backend, seed.Medium)
		camps := benchAggregates(b, db, d)
		h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{})
		if err != nil {
			b.Fatal(err)
		}
		api := h.(*resource.API)
		var region int64
		if err := db.QueryRow(`SELECT id FROM location WHERE location_code = 'AF-R01'`).Scan(&region); err != nil {
			b.Fatal(err)
		}
		var campName string
		if err := db.QueryRow(d.Rebind(`SELECT name FROM campaign WHERE id = ?`), camps[0]).Scan(&campName); err != nil {
			b.Fatal(err)
		}
		inds := benchIDs(b, db, d.Rebind(`SELECT indicator_id FROM agg_datapoint WHERE campaign_id = ? GROUP BY indicator_id ORDER BY count(*) DESC, indicator_id LIMIT 3`), camps[0])
		users := []struct {
			name string
			user *resource.User
		}{
			{"superuser", &resource.User{ID: 1, Username: "bench", Superuser: true}},
			{"confined", &resource.User{ID: 2, Username: "bench-region", Data: Profile{TopLevelLocationID: &region}}},
		}
		lists := []struct {
			name, resource string
			query          url.Values
		}{
			{"campaign_datapoint", "campaign_datapoint", url.Values{"campaign__in": {joinIDs(camps)}, "indicator__in": {joinIDs(inds)}, "order_by": {"campaign__name"}, "limit": {"100"}}},
			{"datapoint_by_campaign_name", "datapoint", url.Values{"campaign__name": {campName}, "limit": {"100"}}},
		}
		for _, l := range lists {
			for _, u := range users {
				b.Run(fmt.Sprintf("%s/%s/%s", backend, l.name, u.name), func(b *testing.B) {
					ctx := resource.WithUser(context.Background(), u.user)
					page, err := api.List(ctx, l.resource, l.query)
					if err != nil {
						b.Fatal(err)
					}
					b.Logf("total_count %d", page.Meta.TotalCount)
					for b.Loop() {
						if _, err := api.List(ctx, l.resource, l.query); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
