package resource_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tastygo/tastygo/dialect"
	_ "github.com/tastygo/tastygo/dialect/sqlite" // the SQLite driver: a program imports the drivers it opens
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// The engine: the same API called in-process, returning Go values and errors with the same codes.
func ExampleAPI_List() {
	db, d, done := openExample(`CREATE TABLE campaign (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, start_date DATE NOT NULL);
		INSERT INTO campaign VALUES (1, 'NID 2024-01', '2024-01-15'), (2, 'SNID 2024-03', '2024-03-10'), (3, 'NID 2024-06', '2024-06-02')`)
	defer done()
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

// openExample opens a SQLite database in a temporary directory and runs the statements; the returned
// function removes it.
func openExample(stmts string) (*sql.DB, dialect.Dialect, func()) {
	dir, _ := os.MkdirTemp("", "example")
	db, d, err := dialect.Open(filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(stmts); err != nil {
		log.Fatal(err)
	}
	return db, d, func() { db.Close(); os.RemoveAll(dir) }
}

// A resource with FormBodies takes a file upload: the file's text is the value of its field.
func ExampleMeta_formBodies() {
	db, d, done := openExample(`CREATE TABLE document (id INTEGER PRIMARY KEY, title VARCHAR(255) NOT NULL, content TEXT NOT NULL)`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, modelresource.New(resource.Meta{
		ResourceName: "document",
		Table:        "document",
		FormBodies:   true,
	}))
	if err != nil {
		log.Fatal(err)
	}

	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	form.WriteField("title", "March")
	file, _ := form.CreateFormFile("content", "march.csv")
	file.Write([]byte("location_code,data_date,cases\nP1,2024-03-01,3\n"))
	form.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/document/", &body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body)
	// Output:
	// 201 {"content": "location_code,data_date,cases\nP1,2024-03-01,3\n", "id": 1, "resource_uri": "/api/v1/document/1/", "title": "March"}
}

// A list without its count: total_count is null, and next says whether another page follows.
func ExampleMeta_totalCount() {
	db, d, done := openExample(`CREATE TABLE reading (id INTEGER PRIMARY KEY, value REAL NOT NULL);
		INSERT INTO reading (value) VALUES (1.5), (2.5), (3.5)`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, modelresource.New(resource.Meta{
		ResourceName: "reading",
		Table:        "reading",
		TotalCount:   resource.CountNone,
	}))
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []string{"limit=2", "limit=2&offset=2"} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/reading/?"+q, nil))
		var page struct{ Meta map[string]any }
		json.Unmarshal(rec.Body.Bytes(), &page)
		fmt.Println(page.Meta["total_count"], page.Meta["next"])
	}
	// Output:
	// <nil> /api/v1/reading/?limit=2&offset=2
	// <nil> <nil>
}

// The OpenAPI 3.1 document at <prefix>openapi.json, generated from the same resources as /schema/:
// point frontend tooling (openapi-typescript, Swagger UI, an API client generator) at it.
func ExampleAPI_OpenAPI() {
	db, d, done := openExample(`CREATE TABLE indicator (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, data_format VARCHAR(4) NULL)`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, OpenAPITitle: "Dashboard"},
		modelresource.New(resource.Meta{
			ResourceName: "indicator", Table: "indicator", ListMethods: []string{"get"}, DetailMethods: []string{"get"},
			FieldOptions: map[string]resource.FieldOptions{"data_format": {Choices: []string{"pct", "int"}}},
		}))
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	var doc struct {
		OpenAPI    string
		Info       struct{ Title string }
		Paths      map[string]map[string]any
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Header().Get("Content-Type"), doc.OpenAPI, doc.Info.Title)
	for _, p := range []string{"/api/v1/indicator/", "/api/v1/indicator/{key}/"} {
		for m := range doc.Paths[p] {
			if m != "parameters" {
				fmt.Println(m, p, doc.Paths[p][m].(map[string]any)["operationId"])
			}
		}
	}
	format, _ := json.Marshal(doc.Components.Schemas["indicator"].Properties["data_format"])
	fmt.Println(string(format))
	// Output:
	// application/json; charset=utf-8 3.1.0 Dashboard
	// get /api/v1/indicator/ list_indicator
	// get /api/v1/indicator/{key}/ read_indicator
	// {"description":"Unicode string data. Ex: \"Hello World\"","enum":["pct","int",null],"maxLength":4,"type":["string","null"]}
}

// campaigns is a resource of user code: the model resource embedded, a step overridden.
type campaigns struct{ *modelresource.Resource }

// The compiler checks the override's signature.
var _ resource.DehydrateOverrider = campaigns{}

// Dehydrate adds a field computed from the row to every object answered, then runs the default.
func (campaigns) Dehydrate(ctx context.Context, b *resource.Bundle, obj *resource.Object, next resource.DehydrateFunc) error {
	name, _ := obj.Get("name")
	obj.Set("national", strings.HasPrefix(name.(string), "NID"))
	return next(ctx, b, obj)
}

// Overriding a step: Dehydrate adds a field to every object the resource answers, in details, lists
// and written objects alike.
func Example_override() {
	db, d, done := openExample(`CREATE TABLE campaign (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
		INSERT INTO campaign VALUES (1, 'NID 2024-01'), (2, 'SNID 2024-03')`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		campaigns{modelresource.New(resource.Meta{ResourceName: "campaign", Table: "campaign"})})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/campaign/1/", ""},
		{http.MethodGet, "/api/v1/campaign/", ""},
		{http.MethodPost, "/api/v1/campaign/", `{"name": "NID 2024-06"}`},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		api.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 {"id": 1, "name": "NID 2024-01", "national": true, "resource_uri": "/api/v1/campaign/1/"}
	// 200 {"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 2}, "objects": [{"id": 1, "name": "NID 2024-01", "national": true, "resource_uri": "/api/v1/campaign/1/"}, {"id": 2, "name": "SNID 2024-03", "national": false, "resource_uri": "/api/v1/campaign/2/"}]}
	// 201 {"id": 3, "name": "NID 2024-06", "national": true, "resource_uri": "/api/v1/campaign/3/"}
}

// indicators deletes an indicator's datapoints with it.
type indicators struct{ *modelresource.Resource }

var _ resource.ObjDeleteOverrider = indicators{}

// ObjDelete removes the indicator's datapoints, then the indicator through the default, in one
// transaction.
func (r indicators) ObjDelete(ctx context.Context, b *resource.Bundle, next resource.ObjDeleteFunc) error {
	return r.Atomic(ctx, func(ctx context.Context) error {
		if _, err := r.DB(ctx).ExecContext(ctx, "DELETE FROM datapoint WHERE indicator_id = ?", b.Key); err != nil {
			return err
		}
		return next(ctx, b)
	})
}

// An ObjDelete override runs wherever an object is deleted: DELETE on the object, and DELETE with
// filters, whose default then deletes each object through it.
func Example_overrideObjDelete() {
	db, d, done := openExample(`CREATE TABLE indicator (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
		CREATE TABLE datapoint (id INTEGER PRIMARY KEY, indicator_id INTEGER NOT NULL REFERENCES indicator(id), value REAL NOT NULL);
		INSERT INTO indicator VALUES (1, 'polio'), (2, 'measles'), (3, 'cold chain');
		INSERT INTO datapoint VALUES (1, 1, 0.5), (2, 2, 0.7), (3, 3, 0.9)`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: slog.New(slog.DiscardHandler)},
		indicators{modelresource.New(resource.Meta{ResourceName: "indicator", Table: "indicator",
			Filtering: map[string]resource.Lookups{"id": resource.All}})},
		modelresource.New(resource.Meta{ResourceName: "datapoint", Table: "datapoint"}))
	if err != nil {
		log.Fatal(err)
	}
	for _, path := range []string{"/api/v1/indicator/1/", "/api/v1/indicator/?id__in=2,3"} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, path, nil))
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body)))
	}
	var left int
	db.QueryRow("SELECT count(*) FROM datapoint").Scan(&left)
	fmt.Println(left, "datapoints left")
	// Output:
	// 204
	// 200 {"deleted": 2}
	// 0 datapoints left
}

// wrongDelete forgot next: its ObjDelete cannot override the step.
type wrongDelete struct{ *modelresource.Resource }

func (wrongDelete) ObjDelete(ctx context.Context, b *resource.Bundle) error { return nil }

// New refuses a method named as a step that cannot override it, rather than ignoring it.
func Example_refusedOverride() {
	db, d, done := openExample(`CREATE TABLE indicator (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)`)
	defer done()
	_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		wrongDelete{modelresource.New(resource.Meta{ResourceName: "indicator", Table: "indicator"})})
	fmt.Println(err)
	// Output:
	// resource "indicator": resource_test.wrongDelete.ObjDelete cannot override ObjDelete: it has no next parameter (a resource.ObjDeleteFunc, last), through which the override receives the default; an override of ObjDelete is func(context.Context, *resource.Bundle, resource.ObjDeleteFunc) error (see resource.ObjDeleteOverrider)
}
