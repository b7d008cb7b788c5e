package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/seed"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// BenchmarkDepth is issue 4's check: the datapoint list (limit 100, depth=1: indicator, location and
// campaign expanded) beside a hand-written handler that reads the same page with LEFT JOINs in one
// query and writes the same nested objects.
func BenchmarkDepth(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDB(b, backend)
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(backend)+"/datapoint_limit100_depth1", func(b *testing.B) {
			benchPair(b, "/api/v1/datapoint/?limit=100&depth=1", api, handDatapointDepth1(db, d))
		})
	}
}

// BenchmarkBulkPost is issue 4's other figure: one POST of 10,000 datapoints (all or nothing) per
// iteration, each iteration on new dates so that the unique key never conflicts.
func BenchmarkBulkPost(b *testing.B) {
	for _, backend := range testdb.Backends {
		db, d := benchDB(b, backend)
		key := benchKey(b, db, d, backend)
		api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(auth.DefaultCacheTTL)})
		if err != nil {
			b.Fatal(err)
		}
		var inds, locs []int64
		for q, dst := range map[string]*[]int64{"SELECT id FROM indicator ORDER BY id LIMIT 10": &inds, "SELECT id FROM location ORDER BY id LIMIT 1000": &locs} {
			rows, err := db.Query(q)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				*dst = append(*dst, id)
			}
			rows.Close()
		}
		day := 0 // across runs of the closure too: every POST gets new dates
		b.Run(string(backend)+"/datapoints_10000", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				day++
				date := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day).Format("2006-01-02")
				items := make([]map[string]any, 0, 10000)
				for _, ind := range inds {
					for _, loc := range locs {
						items = append(items, map[string]any{"indicator_id": ind, "location_id": loc, "data_date": date, "value": float64(loc%97) / 3})
					}
				}
				body, _ := json.Marshal(items)
				req := httptest.NewRequest("POST", "/api/v1/datapoint/", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "ApiKey "+benchUser+":"+key)
				rec := httptest.NewRecorder()
				b.StartTimer()
				api.ServeHTTP(rec, req)
				if rec.Code != 201 {
					b.Fatalf("%d %.300s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// handDatapointDepth1 is the hand-written GET /api/v1/datapoint/?limit=N&depth=1: one count, one
// page query joining indicator, location and campaign.
func handDatapointDepth1(db *sql.DB, d dialect.Dialect) http.Handler {
	type location struct {
		ID               int64    `json:"id"`
		Name             string   `json:"name"`
		LocationCode     string   `json:"location_code"`
		LocationTypeID   int64    `json:"location_type_id"`
		ParentLocationID *int64   `json:"parent_location_id"`
		Latitude         *float64 `json:"latitude"`
		Longitude        *float64 `json:"longitude"`
		CreatedAt        string   `json:"created_at"`
		ResourceURI      string   `json:"resource_uri"`
	}
	type campaign struct {
		ID               int64  `json:"id"`
		Name             string `json:"name"`
		CampaignTypeID   int64  `json:"campaign_type_id"`
		TopLvlLocationID int64  `json:"top_lvl_location_id"`
		StartDate        string `json:"start_date"`
		EndDate          string `json:"end_date"`
		CreatedAt        string `json:"created_at"`
		ResourceURI      string `json:"resource_uri"`
	}
	type datapoint struct {
		handDatapoint
		Indicator *handIndicator `json:"indicator"`
		Location  *location      `json:"location"`
		Campaign  *campaign      `json:"campaign"`
	}
	list := d.Rebind(`SELECT dp.id, dp.indicator_id, dp.location_id, dp.campaign_id, dp.data_date, dp.value, dp.source_submission_id, dp.created_at,
		i.id, i.short_name, i.name, i.description, i.data_format, i.is_reported, i.good_bound, i.bad_bound, i.created_at,
		l.id, l.name, l.location_code, l.location_type_id, l.parent_location_id, l.latitude, l.longitude, l.created_at,
		c.id, c.name, c.campaign_type_id, c.top_lvl_location_id, c.start_date, c.end_date, c.created_at
		FROM datapoint dp JOIN indicator i ON i.id = dp.indicator_id JOIN location l ON l.id = dp.location_id
		LEFT JOIN campaign c ON c.id = dp.campaign_id ORDER BY dp.id LIMIT ? OFFSET ?`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		var total int64
		if err := db.QueryRowContext(r.Context(), "SELECT count(*) FROM datapoint").Scan(&total); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		rows, err := db.QueryContext(r.Context(), list, limit, 0)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		objects := []datapoint{}
		for rows.Next() {
			var o datapoint
			var i handIndicator
			var l location
			var c struct {
				ID, CampaignTypeID, TopLvlLocationID sql.NullInt64
				Name, StartDate, EndDate, CreatedAt  sql.NullString
			}
			if err := rows.Scan(&o.ID, &o.IndicatorID, &o.LocationID, &o.CampaignID, &o.DataDate, &o.Value, &o.SourceSubmissionID, &o.CreatedAt,
				&i.ID, &i.ShortName, &i.Name, &i.Description, &i.DataFormat, &i.IsReported, &i.GoodBound, &i.BadBound, &i.CreatedAt,
				&l.ID, &l.Name, &l.LocationCode, &l.LocationTypeID, &l.ParentLocationID, &l.Latitude, &l.Longitude, &l.CreatedAt,
				&c.ID, &c.Name, &c.CampaignTypeID, &c.TopLvlLocationID, &c.StartDate, &c.EndDate, &c.CreatedAt); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			o.ResourceURI = "/api/v1/datapoint/" + strconv.FormatInt(o.ID, 10) + "/"
			i.ResourceURI = "/api/v1/indicator/" + strconv.FormatInt(i.ID, 10) + "/"
			l.ResourceURI = "/api/v1/location/" + strconv.FormatInt(l.ID, 10) + "/"
			o.Indicator, o.Location = &i, &l
			if c.ID.Valid {
				o.Campaign = &campaign{ID: c.ID.Int64, Name: c.Name.String, CampaignTypeID: c.CampaignTypeID.Int64, TopLvlLocationID: c.TopLvlLocationID.Int64,
					StartDate: c.StartDate.String, EndDate: c.EndDate.String, CreatedAt: c.CreatedAt.String,
					ResourceURI: "/api/v1/campaign/" + strconv.FormatInt(c.ID.Int64, 10) + "/"}
			}
			objects = append(objects, o)
		}
		writeJSON(w, map[string]any{"meta": pageMeta("/api/v1/datapoint/", q, limit, 0, total), "objects": objects})
	})
}

// TestDepthHandlerAgrees checks the hand-written depth=1 handler against the framework, and the
// query bound of issue 4: datapoint/?depth=2&limit=100 runs 1 (count) + 1 (page) + one query per
// relation expanded and level.
func TestDepthHandlerAgrees(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			seedSmall(t, db, d)
			api, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{publicRead: true})
			if err != nil {
				t.Fatal(err)
			}
			var got, want struct {
				Objects []map[string]any `json:"objects"`
			}
			for _, x := range []struct {
				h   http.Handler
				out any
			}{{api, &got}, {handDatapointDepth1(db, d), &want}} {
				rec := httptest.NewRecorder()
				x.h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/datapoint/?limit=100&depth=1", nil))
				if err := json.Unmarshal(rec.Body.Bytes(), x.out); err != nil || rec.Code != 200 {
					t.Fatalf("%d %v", rec.Code, err)
				}
			}
			if len(got.Objects) != 100 || len(want.Objects) != 100 {
				t.Fatalf("%d and %d objects", len(got.Objects), len(want.Objects))
			}
			for i := range got.Objects {
				for _, rel := range []string{"indicator", "location", "campaign"} {
					g, _ := got.Objects[i][rel].(map[string]any)
					w, _ := want.Objects[i][rel].(map[string]any)
					if fmt.Sprint(g["resource_uri"]) != fmt.Sprint(w["resource_uri"]) || fmt.Sprint(g["name"]) != fmt.Sprint(w["name"]) {
						t.Fatalf("object %d %s: %v vs %v", i, rel, g, w)
					}
				}
			}
			counter.Reset()
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/datapoint/?limit=100&depth=2", nil))
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			// depth 1: indicator, location, campaign; depth 2: location's location_type and
			// parent_location, campaign's campaign_type and top_lvl_location (indicator has none).
			if n := counter.N(); n != 2+3+4 {
				t.Errorf("%d queries, want 9", n)
			}
		})
	}
}

func seedSmall(t *testing.T, db *sql.DB, d dialect.Dialect) {
	t.Helper()
	ctx := context.Background()
	if err := migrations.Up(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, d, seed.Small, nil); err != nil {
		t.Fatal(err)
	}
}
