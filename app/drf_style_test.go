package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

// TestDashboardInDRFStyle mounts the dashboard's resource values in two APIs, one in Tastypie's style
// and one in Django REST framework's, and reads the same lists and objects through both: the wire
// style is the API's choice, not the application's code. Authorization (a user confined to a region)
// narrows both alike.
func TestDashboardInDRFStyle(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		pepper, err := pepperOr(context.Background(), db, d, auth.Pepper{})
		if err != nil {
			t.Fatal(err)
		}
		authn := auth.Required{Authentication: auth.APIKey{Store: newUserStore(db, d, logger), Pepper: pepper}}
		values := append(dashboardResources(d), processingResources(d)...)
		mount := func(style resource.Style) http.Handler {
			api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: logger, Authentication: authn, Style: style}, values...)
			if err != nil {
				t.Fatalf("resource.New(%v): %v", style, err)
			}
			return api
		}
		tastypie, drf := mount(resource.TastypieStyle), mount(resource.DRFStyle)

		for _, user := range []string{superName, scopedName} {
			for _, name := range []string{"indicator", "campaign", "location"} {
				tp := serve(t, tastypie, "GET", "/api/v1/"+name+"/?limit=2&order_by=-id", f.as(user), "")
				dr := serve(t, drf, "GET", "/api/v1/"+name+"/?page_size=2&ordering=-id", f.as(user), "")
				if tp.status != 200 || dr.status != 200 {
					t.Fatalf("%s as %s: %d %s / %d %s", name, user, tp.status, tp.raw, dr.status, dr.raw)
				}
				meta := tp.body["meta"].(map[string]any)
				if !strings.HasPrefix(dr.raw, `{"success": true, "count": `) || dr.body["count"] != meta["total_count"] ||
					!reflect.DeepEqual(dr.body["results"], tp.body["objects"]) || len(tp.objects()) == 0 {
					t.Errorf("%s as %s: DRF %s\nTastypie %s", name, user, dr.raw, tp.raw)
				}
				var next any
				if meta["next"] != nil {
					next = "http://example.com/api/v1/" + name + "/?ordering=-id&page=2&page_size=2"
				}
				if dr.body["next"] != next || dr.body["previous"] != nil {
					t.Errorf("%s as %s: next %v, want %v; previous %v", name, user, dr.body["next"], next, dr.body["previous"])
				}
				id := tp.objects()[0]["id"].(interface{ String() string }).String()
				tpObj := serve(t, tastypie, "GET", "/api/v1/"+name+"/"+id+"/", f.as(user), "")
				drObj := serve(t, drf, "GET", "/api/v1/"+name+"/"+id+"/", f.as(user), "")
				want := map[string]any{"success": true}
				for k, v := range tpObj.body {
					want[k] = v
				}
				if tpObj.status != 200 || drObj.status != 200 || !strings.HasPrefix(drObj.raw, `{"success": true, `) || !reflect.DeepEqual(drObj.body, want) {
					t.Errorf("%s/%s as %s: DRF %d %s\nTastypie %d %s", name, id, user, drObj.status, drObj.raw, tpObj.status, tpObj.raw)
				}
			}
		}
		// The Tastypie-style parameters are unknown parameters in DRF's style, and the reverse.
		if a := serve(t, drf, "GET", "/api/v1/indicator/?limit=2", f.as(superName), ""); a.status != 400 || a.code() != "INVALID_FILTER" {
			t.Errorf("DRF ?limit=2: %d %s", a.status, a.raw)
		}
		if a := serve(t, tastypie, "GET", "/api/v1/indicator/?page=2", f.as(superName), ""); a.status != 400 || a.code() != "INVALID_FILTER" {
			t.Errorf("Tastypie ?page=2: %d %s", a.status, a.raw)
		}
	})
}
