package resource_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// TestEngineRelated: API.Related answers what GET /<name>/<key>/<relation>/ answers: the same objects
// and meta, and the same errors for an unknown relation, parent or key.
func TestEngineRelated(t *testing.T) {
	db, d, done := openExample(`CREATE TABLE node (id INTEGER PRIMARY KEY, name TEXT NOT NULL, parent_id INTEGER REFERENCES node (id));
		INSERT INTO node (id, name, parent_id) VALUES (1, 'root', NULL), (2, 'a', 1), (3, 'b', 1), (4, 'c', 1), (5, 'd', 2)`)
	defer done()
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
		modelresource.New(resource.Meta{ResourceName: "node", Table: "node", Ordering: []string{resource.EveryField},
			Filtering: map[string]resource.Lookups{resource.EveryField: resource.All},
			ToMany:    map[string]resource.ToMany{"children": {Resource: "node", Via: "parent"}}}))
	if err != nil {
		t.Fatal(err)
	}
	httpBody := func(path string) map[string]any {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return body
	}
	res, err := api.Related(context.Background(), "node", "1", "children", url.Values{"order_by": {"-id"}, "limit": {"2"}})
	if err != nil {
		t.Fatal(err)
	}
	engine, _ := json.Marshal(map[string]any{"objects": res.Objects, "meta": map[string]any{
		"limit": res.Meta.Limit, "offset": res.Meta.Offset, "total_count": res.Meta.TotalCount, "next": res.Meta.Next, "previous": res.Meta.Previous}})
	var fromEngine map[string]any
	json.Unmarshal(engine, &fromEngine)
	want := httpBody("/api/v1/node/1/children/?order_by=-id&limit=2")
	if got, w := mustJSON(t, fromEngine), mustJSON(t, want); got != w {
		t.Fatalf("engine: %s\nHTTP:   %s", got, w)
	}
	if n := len(res.Objects); n != 2 || res.Meta.TotalCount != 3 || res.Meta.Next == nil || *res.Meta.Next != "/api/v1/node/1/children/?order_by=-id&limit=2&offset=2" {
		t.Fatalf("%d objects, meta %+v", n, res.Meta)
	}
	for _, c := range []struct {
		key, relation string
		path          string
		code          apierror.Code
	}{
		{"1", "nope", "/api/v1/node/1/nope/", apierror.ResourceNotFound},
		{"99", "children", "/api/v1/node/99/children/", apierror.ObjectDoesNotExist},
		{"x", "children", "/api/v1/node/x/children/", apierror.ObjectDoesNotExist},
	} {
		_, err := api.Related(context.Background(), "node", c.key, c.relation, nil)
		e := apierror.As(err)
		body := httpBody(c.path)
		if e == nil || e.Code != c.code || body["code"] != string(c.code) || body["error"] != e.Message {
			t.Errorf("%s: engine %v; HTTP %v", c.path, err, body)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
