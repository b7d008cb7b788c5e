package resource_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// TestReservedParams: every parameter of filters.ReservedParams is reserved by a resource (never read
// as a filter) and described on its list in the OpenAPI document, but the cache buster "_".
func TestReservedParams(t *testing.T) {
	db, d, done := openExample(`CREATE TABLE indicator (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
		INSERT INTO indicator (name) VALUES ('polio')`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		modelresource.New(resource.Meta{ResourceName: "indicator", Table: "indicator", Ordering: []string{"name"},
			Filtering: map[string]resource.Lookups{"name": {"exact"}}}))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	var doc struct {
		Paths map[string]struct {
			Get struct{ Parameters []struct{ Name string } }
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for _, p := range doc.Paths["/api/v1/indicator/"].Get.Parameters {
		described[p.Name] = true
	}
	res, ok := api.Resource("indicator")
	if !ok {
		t.Fatal("no indicator resource")
	}
	for _, name := range filters.ReservedParams() {
		if !res.IsReserved(name) {
			t.Errorf("%q is not reserved by the resource", name)
		}
		if want := name != filters.CacheBusterParam; described[name] != want {
			t.Errorf("%q described on the list: %v, want %v", name, described[name], want)
		}
	}
	if res.IsReserved("name") {
		t.Error(`the filter "name" is reserved`)
	}
}
