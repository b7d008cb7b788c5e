package resource_test

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// The engine: the same API called in-process, returning Go values and errors with the same codes.
func ExampleAPI_List() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, d, err := dialect.Open(filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE campaign (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, start_date DATE NOT NULL);
		INSERT INTO campaign VALUES (1, 'NID 2024-01', '2024-01-15'), (2, 'SNID 2024-03', '2024-03-10'), (3, 'NID 2024-06', '2024-06-02')`); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d}, modelresource.New(resource.Meta{
		ResourceName: "campaign",
		Table:        "campaign",
		Filtering:    map[string]resource.Lookups{resource.EveryField: resource.All},
		Ordering:     []string{"start_date"},
	}))
	if err != nil {
		log.Fatal(err)
	}

	page, err := api.List(ctx, "campaign", url.Values{"name__startswith": {"NID"}, "order_by": {"-start_date"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Meta.TotalCount, "campaigns")
	for _, c := range page.Objects {
		name, _ := c.Get("name")
		start, _ := c.Get("start_date")
		fmt.Println(name, start)
	}
	_, err = api.List(ctx, "campaign", url.Values{"start__gte": {"2024-01-01"}})
	fmt.Println(err)
	// Output:
	// 2 campaigns
	// NID 2024-06 2024-06-02
	// NID 2024-01 2024-01-15
	// The 'start' field does not allow filtering. Allowed: id, name, start_date.
}
