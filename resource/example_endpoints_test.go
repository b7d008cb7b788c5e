package resource_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// campaignRoutes adds two routes to the campaign resource: a summary of the list, and an action on one
// campaign.
type campaignRoutes struct{ *modelresource.Resource }

var _ resource.Endpointer = campaignRoutes{}

func (r campaignRoutes) Endpoints() []resource.Endpoint {
	return []resource.Endpoint{
		{Name: "summary", Summary: "How many campaignRoutes there are.",
			Handler: func(ctx context.Context, b *resource.Bundle, _ *resource.Object) (any, error) {
				var n int64
				err := r.DB(ctx).QueryRowContext(ctx, "SELECT count(*) FROM campaign").Scan(&n)
				return map[string]any{"campaigns": n}, err
			}},
		{Name: "rename", Detail: true, Methods: []string{"POST"}, Summary: "Rename the campaign.",
			// obj is the campaign, read through the resource's ObjGet (404 if the user may not read it).
			Handler: func(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
				id, _ := obj.Get("id")
				_, err := r.DB(ctx).ExecContext(ctx, "UPDATE campaign SET name = ? WHERE id = ?", b.Data["name"], id)
				return map[string]any{"renamed": id}, err
			}},
	}
}

// A resource declares routes of its own (Tastypie's prepend_urls), served with the resource's
// authentication, throttle, authorization and error handling.
func ExampleEndpointer() {
	db, d, done := openExample(`CREATE TABLE campaign (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
		INSERT INTO campaign VALUES (1, 'NID 2024-01'), (2, 'SNID 2024-03')`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		campaignRoutes{modelresource.New(resource.Meta{ResourceName: "campaign", Table: "campaign"})})
	if err != nil {
		log.Fatal(err)
	}
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/v1/campaign/summary/", ""},
		{"POST", "/api/v1/campaign/2/rename/", `{"name": "SNID 2024-04"}`},
		{"GET", "/api/v1/campaign/2/", ""},
		{"POST", "/api/v1/campaign/9/rename/", `{"name": "x"}`},
		{"GET", "/api/v1/campaign/2/rename/", ""},
	} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, stringsReader(req.body)))
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 {"campaigns": 2}
	// 200 {"renamed": 2}
	// 200 {"id": 2, "name": "SNID 2024-04", "resource_uri": "/api/v1/campaign/2/"}
	// 404 {"code": "OBJECT_DOES_NOT_EXIST", "details": {"key": "9", "resource": "campaign"}, "error": "No campaign with key \"9\".", "success": false}
	// 405 {"code": "METHOD_NOT_ALLOWED", "details": {"allowed": ["POST"]}, "error": "GET is not allowed on /api/v1/campaign/2/rename/. Allowed: POST.", "success": false}
}

// stringsReader is the body of a request: nil when empty.
func stringsReader(s string) io.Reader {
	if s == "" {
		return nil
	}
	return strings.NewReader(s)
}
