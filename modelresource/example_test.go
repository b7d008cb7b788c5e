package modelresource_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/tastygo/tastygo/dialect"
	_ "github.com/tastygo/tastygo/dialect/sqlite" // the SQLite driver: a program imports the drivers it opens
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Serve a table as a Tastypie resource: filters, ordering and pages come from Meta.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, d, err := dialect.Open(filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE indicator (id INTEGER PRIMARY KEY, short_name VARCHAR(255) NOT NULL UNIQUE,
		name VARCHAR(255) NOT NULL, good_bound REAL NULL);
		INSERT INTO indicator VALUES (1, 'polio_cases', 'Polio cases', 0), (2, 'measles_cases', 'Measles cases', NULL),
		(3, 'polio_coverage', 'Polio vaccine coverage', 0.95)`)
	if err != nil {
		log.Fatal(err)
	}

	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		modelresource.New(resource.Meta{
			ResourceName: "indicator",
			Table:        "indicator",
			Filtering:    map[string]resource.Lookups{resource.EveryField: resource.All},
			Ordering:     []string{"id", "name"},
		}))
	if err != nil {
		log.Fatal(err)
	}

	for _, url := range []string{
		"/api/v1/indicator/?name__icontains=POLIO&order_by=-id&limit=1",
		"/api/v1/indicator/?nmae=x",
	} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(rec.Code, string(body))
	}
	// Output:
	// 200 {"meta": {"limit": 1, "next": "/api/v1/indicator/?name__icontains=POLIO&order_by=-id&limit=1&offset=1", "offset": 0, "previous": null, "total_count": 2}, "objects": [{"good_bound": 0.95, "id": 3, "name": "Polio vaccine coverage", "resource_uri": "/api/v1/indicator/3/", "short_name": "polio_coverage"}]}
	// 400 {"code": "INVALID_FILTER", "details": {"allowed": ["good_bound", "id", "name", "short_name"], "parameter": "nmae"}, "error": "The 'nmae' field does not allow filtering. Allowed: good_bound, id, name, short_name.", "success": false}
}
