package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The engine and HTTP give the same answers to the same requests: each case runs the request both
// ways on two identical databases and compares the bodies (or the error codes).
func TestEngineMatchesHTTP(t *testing.T) {
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		engine func(ctx context.Context, api *resource.API) (any, error)
	}{
		{"list", "GET", "/api/v1/book/?author__name__icontains=zola&order_by=-id&limit=1&depth=1", nil,
			func(ctx context.Context, api *resource.API) (any, error) {
				l, err := api.List(ctx, "book", q("author__name__icontains=zola&order_by=-id&limit=1&depth=1"))
				if err != nil {
					return nil, err
				}
				return json.RawMessage(listJSON(l)), nil
			}},
		{"get", "GET", "/api/v1/author/2/", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return api.Get(ctx, "author", "2", nil) }},
		{"set", "GET", "/api/v1/book/set/3;99;1/", nil,
			func(ctx context.Context, api *resource.API) (any, error) {
				s, err := api.Set(ctx, "book", []string{"3", "99", "1"}, nil)
				if err != nil {
					return nil, err
				}
				return map[string]any{"objects": s.Objects, "not_found": s.NotFound}, nil
			}},
		{"create", "POST", "/api/v1/author/", map[string]any{"name": "Colette", "rating": 4},
			func(ctx context.Context, api *resource.API) (any, error) {
				return api.Create(ctx, "author", map[string]any{"name": "Colette", "rating": 4})
			}},
		{"create many", "POST", "/api/v1/publisher/", []any{map[string]any{"name": "A"}, map[string]any{"name": "B"}},
			func(ctx context.Context, api *resource.API) (any, error) {
				objs, err := api.CreateMany(ctx, "publisher", []map[string]any{{"name": "A"}, {"name": "B"}})
				return map[string]any{"objects": objs}, err
			}},
		{"update", "PUT", "/api/v1/publisher/1/", map[string]any{"name": "Gallimard SA"},
			func(ctx context.Context, api *resource.API) (any, error) {
				o, _, err := api.Update(ctx, "publisher", "1", map[string]any{"name": "Gallimard SA"})
				return o, err
			}},
		{"patch", "PATCH", "/api/v1/book/2/", map[string]any{"pages": 480},
			func(ctx context.Context, api *resource.API) (any, error) {
				return api.Patch(ctx, "book", "2", map[string]any{"pages": 480})
			}},
		{"delete where", "DELETE", "/api/v1/book/?genre=essay", nil,
			func(ctx context.Context, api *resource.API) (any, error) {
				n, err := api.DeleteWhere(ctx, "book", q("genre=essay"))
				return map[string]any{"deleted": n}, err
			}},
		{"patch where", "PATCH", "/api/v1/book/?author_id=1", map[string]any{"genre": "poetry"},
			func(ctx context.Context, api *resource.API) (any, error) {
				n, err := api.PatchWhere(ctx, "book", q("author_id=1"), map[string]any{"genre": "poetry"})
				return map[string]any{"updated": n}, err
			}},
		{"bulk patch", "PATCH", "/api/v1/book/", map[string]any{"objects": []any{map[string]any{"id": 1, "pages": 1}}, "deleted_objects": []any{"/api/v1/book/5/"}},
			func(ctx context.Context, api *resource.API) (any, error) {
				objs, err := api.BulkPatch(ctx, "book", []map[string]any{{"id": 1, "pages": 1}}, []string{"/api/v1/book/5/"})
				return map[string]any{"objects": objs}, err
			}},
		{"schema", "GET", "/api/v1/author/schema/", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return api.Schema(ctx, "author") }},
		{"a typo'd filter", "GET", "/api/v1/book/?titel=x", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return api.List(ctx, "book", q("titel=x")) }},
		{"a missing object", "GET", "/api/v1/book/99/", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return api.Get(ctx, "book", "99", nil) }},
		{"an invalid create", "POST", "/api/v1/author/", map[string]any{"rating": "high"},
			func(ctx context.Context, api *resource.API) (any, error) {
				return api.Create(ctx, "author", map[string]any{"rating": "high"})
			}},
		{"a conflict", "DELETE", "/api/v1/author/1/", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return nil, api.Delete(ctx, "author", "1") }},
		{"DELETE without a filter", "DELETE", "/api/v1/book/", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return api.DeleteWhere(ctx, "book", nil) }},
		{"an unknown resource", "GET", "/api/v1/nope/", nil,
			func(ctx context.Context, api *resource.API) (any, error) { return api.List(ctx, "nope", nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				viaHTTP := newClient(t, db, d).do(tt.method, tt.path, tt.body)

				db2, _ := testdb.Open(t, d.Name())
				createFixture(t, db2, d)
				api := newClient(t, db2, d).api
				got, err := tt.engine(context.Background(), api)
				if viaHTTP.status >= 400 {
					if code := apierror.CodeOf(err); string(code) != field(viaHTTP.body, "code") {
						t.Fatalf("HTTP %d %s; engine error %v (%s)", viaHTTP.status, viaHTTP.raw, err, code)
					}
					return
				}
				if err != nil {
					t.Fatalf("engine: %v; HTTP: %d %s", err, viaHTTP.status, viaHTTP.raw)
				}
				if tt.method == "DELETE" && viaHTTP.status == 204 {
					return
				}
				// Timestamps of writes differ between the two databases by the time between the requests.
				jsonEqual(t, withoutTimestamps(mustDecode(t, asJSON(t, got))), asJSON(t, withoutTimestamps(viaHTTP.body)))
			})
		})
	}
}

func listJSON(l *resource.ListResult) string {
	b, _ := json.Marshal(map[string]any{"meta": map[string]any{"limit": l.Meta.Limit, "offset": l.Meta.Offset,
		"total_count": l.Meta.TotalCount, "next": l.Meta.Next, "previous": l.Meta.Previous}, "objects": l.Objects})
	return string(b)
}

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

// The engine applies authorization as HTTP does, for the user in the context.
func TestEngineAuthorizes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		m := bookMeta()
		m.Authorization = zolaOnly()
		api := newClient(t, db, d, withBooks(modelresource.New(m))...).api
		ctx := resource.WithUser(context.Background(), &resource.User{ID: 7, Username: "reader"})
		l, err := api.List(ctx, "book", nil)
		if err != nil || l.Meta.TotalCount != 2 {
			t.Fatalf("list: %v %+v", err, l)
		}
		if _, err := api.Get(ctx, "book", "4", nil); apierror.CodeOf(err) != apierror.ObjectDoesNotExist {
			t.Errorf("a hidden object: %v", err)
		}
		if _, err := api.Create(ctx, "book", map[string]any{"title": "x", "author_id": 3}); apierror.CodeOf(err) != apierror.Forbidden {
			t.Errorf("a refused create: %v", err)
		}
	})
}

// withoutTimestamps drops created_at and updated_at everywhere in a decoded body.
func withoutTimestamps(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k != "created_at" && k != "updated_at" {
				out[k] = withoutTimestamps(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutTimestamps(e)
		}
		return out
	}
	return v
}
