package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/tastygo/tastygo/app/dashclient"
	"github.com/tastygo/tastygo/client"
	"github.com/tastygo/tastygo/client/gen"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

var updateDashclient = flag.Bool("update-dashclient", false, "rewrite app/dashclient/dashclient.go from the dashboard's OpenAPI document")

// TestDashclientGenerated regenerates the dashboard's client types from the OpenAPI document the live
// dashboard serves and fails on any difference with the committed package (rewrite it with
// go test ./app -run TestDashclientGenerated -update-dashclient).
func TestDashclientGenerated(t *testing.T) {
	db, d := testdb.Open(t, dialect.SQLite)
	f := newAuthFixture(t, db, d)
	srv := httptest.NewServer(f.api)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/openapi.json", nil)
	req.Header.Set("Authorization", f.as(superName))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, doc)
	}
	src, err := gen.Generate(doc, "dashclient")
	if err != nil {
		t.Fatal(err)
	}
	const path = "dashclient/dashclient.go"
	if *updateDashclient {
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, src) {
		a, b := bytes.Split(committed, []byte("\n")), bytes.Split(src, []byte("\n"))
		for i := range max(len(a), len(b)) {
			if i >= len(a) || i >= len(b) || !bytes.Equal(a[i], b[i]) {
				t.Fatalf("app/%s is not what the dashboard's document generates (first difference at line %d); regenerate it: go test ./app -run TestDashclientGenerated -update-dashclient", path, i+1)
			}
		}
	}
}

// TestDashclientTypes reads and writes the dashboard through the generated types: dates, timestamps,
// nullable columns and JSON text arrive as their Go types.
func TestDashclientTypes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		srv := httptest.NewServer(f.api)
		defer srv.Close()
		ctx := context.Background()
		c := client.New(srv.URL+"/api/v1/", client.WithAPIKey(superName, f.keys[superName]))
		camps, err := dashclient.Campaigns(c).OrderBy("id").All(ctx)
		if err != nil || len(camps) == 0 {
			t.Fatalf("campaigns: %d, %v", len(camps), err)
		}
		var start, end string
		f.db.QueryRow(f.d.Rebind(`SELECT start_date, end_date FROM campaign WHERE id = ?`), camps[0].ID).Scan(&start, &end)
		if camps[0].StartDate.String() != start[:10] || camps[0].EndDate.String() != end[:10] || camps[0].CreatedAt.IsZero() {
			t.Fatalf("campaign %+v; the database has %s..%s", camps[0], start, end)
		}
		nulls, err := dashclient.Indicators(c).Filter("good_bound__isnull", true).Count(ctx)
		if err != nil || nulls == 0 {
			t.Fatalf("indicators without a good bound: %d, %v", nulls, err)
		}
		ind, err := dashclient.Indicators(c).Filter("good_bound__isnull", true).First(ctx)
		if err != nil || ind.GoodBound != nil {
			t.Fatalf("an indicator without a good bound: %+v, %v", ind, err)
		}
		made, err := dashclient.CustomDashboards(c).Create(ctx, &dashclient.CustomDashboard{Title: "gen", Layout: []byte(`{"cols": 3}`)})
		if err != nil || made.ID == 0 || made.UpdatedAt.Before(time.Now().Add(-time.Hour)) {
			t.Fatalf("a dashboard: %+v, %v", made, err)
		}
		var layout map[string]any
		if err := json.Unmarshal(made.Layout, &layout); err != nil || layout["cols"] != float64(3) {
			t.Fatalf("the dashboard's layout: %s", made.Layout)
		}
		dp, err := dashclient.Datapoints(c).Filter("campaign__isnull", true).First(ctx)
		if err == nil && dp.CampaignID != nil {
			t.Fatalf("a datapoint without a campaign has campaign_id %v", *dp.CampaignID)
		}
	})
}
