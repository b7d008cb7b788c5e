package modelresource_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Filter aliases (Meta.FilterAliases): a second public name for a field's filters, with its lookups.

// aliasResources are the fixture's resources with aliases on book: pagecount (pages), written
// (published) and writer (the author relation); book's Filtering allows every lookup on pages.
func aliasResources() []resource.Resource {
	rs := fixtureResources()
	meta := *rs[2].Meta()
	meta.FilterAliases = map[string]string{"pagecount": "pages", "written": "published", "writer": "author"}
	meta.Filtering = map[string]resource.Lookups{"pages": resource.All, "published": {"exact", "year"}, "author": resource.AllWithRelations, "title": {"exact"}}
	rs[2] = modelresource.New(meta)
	return rs
}

func TestFilterAliases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, aliasResources()...)
		ids := func(resp response) []string {
			t.Helper()
			if resp.status != 200 {
				t.Fatalf("status %d: %s", resp.status, resp.raw)
			}
			var out []string
			for _, o := range field(resp.body, "objects").([]any) {
				out = append(out, field(o, "id").(interface{ String() string }).String())
			}
			return out
		}
		cases := []struct {
			query string
			want  []string
		}{
			{"pagecount=591", []string{"1"}},
			{"pages=591", []string{"1"}}, // the field's own name keeps working
			{"pagecount__gte=400", []string{"1", "2"}},
			{"pagecount__in=333,172", []string{"4", "5"}},
			{"pagecount__isnull=true", []string{"3"}},
			{"pagecount__gt=300&pages__lt=500", []string{"2", "4"}},
			{"written=1885-03-01", []string{"1"}},
			{"written__year=1929", []string{"5"}},
			{"writer=1", []string{"1", "2"}},
			{"writer__in=2,3", []string{"3", "4", "5"}},
			{"writer__name=Virginia%20Woolf", []string{"4", "5"}},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				got := ids(c.do("GET", "/api/v1/book/?limit=4&"+tc.query, nil))
				if !slices.Equal(got, tc.want) {
					t.Errorf("ids %v, want %v", got, tc.want)
				}
			})
		}
		t.Run("refusals", func(t *testing.T) {
			for _, tc := range []struct{ query, want string }{
				{"nmae=1", `{"success": false, "error": "The 'nmae' field does not allow filtering. Allowed: author, pagecount, pages, published, title, writer, written.",
					"code": "INVALID_FILTER", "details": {"parameter": "nmae", "allowed": ["author", "pagecount", "pages", "published", "title", "writer", "written"]}}`},
				{"written__month=3", `{"success": false, "error": "'month' is not an allowed filter on the 'written' field. Allowed: exact, year.",
					"code": "INVALID_FILTER", "details": {"parameter": "written__month", "allowed": ["exact", "year"]}}`},
				{"pagecount=many", `{"success": false, "error": "Invalid value for the 'pagecount' filter: \"many\" is not an integer.",
					"code": "INVALID_VALUE", "details": {"parameter": "pagecount"}}`},
			} {
				resp := c.do("GET", "/api/v1/book/?"+tc.query, nil)
				if resp.status != 400 {
					t.Fatalf("%s: status %d: %s", tc.query, resp.status, resp.raw)
				}
				jsonEqual(t, resp.body, tc.want)
			}
		})
		t.Run("schema", func(t *testing.T) {
			resp := c.do("GET", "/api/v1/book/schema/", nil)
			jsonEqual(t, field(resp.body, "filtering"), `{"author": 2, "writer": 2,
				"pages": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"],
				"pagecount": ["exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"],
				"published": ["exact", "year"], "written": ["exact", "year"], "title": ["exact"]}`)
		})
		t.Run("openapi", func(t *testing.T) {
			_, doc := openAPIDoc(t, c)
			var names []string
			for _, p := range at(t, doc, "paths", "/api/v1/book/", "get", "parameters").([]any) {
				if name, _ := field(p, "name").(string); strings.HasPrefix(name, "pagecount") || strings.HasPrefix(name, "written") {
					names = append(names, name)
					if field(p, "in") != "query" {
						t.Errorf("%s is in %v", name, field(p, "in"))
					}
				}
			}
			// One parameter a filter, its lookups described (issue 13: 141 parameters were unusable).
			want := []string{"pagecount", "written"}
			if !slices.Equal(names, want) {
				t.Errorf("alias parameters %v, want %v", names, want)
			}
		})
	})
}

// TestFilterAliasesBadMeta: a wrong alias stops resource.New with an error naming it.
func TestFilterAliasesBadMeta(t *testing.T) {
	cases := []struct {
		name    string
		aliases map[string]string
		extra   func(*resource.Meta)
		want    []string
	}{
		{"no such field", map[string]string{"nb": "npages"}, nil, []string{"Meta.FilterAliases", `"nb"`, `"npages"`}},
		{"clashes with a field", map[string]string{"title": "pages"}, nil, []string{"Meta.FilterAliases", `"title"`, "already a field"}},
		{"clashes with a relation", map[string]string{"author": "pages"}, nil, []string{"Meta.FilterAliases", `"author"`, "already a field"}},
		{"reserved parameter", map[string]string{"limit": "pages"}, nil, []string{"Meta.FilterAliases", `"limit"`, "reserved"}},
		{"extra parameter", map[string]string{"token": "pages"}, func(m *resource.Meta) { m.ExtraParams = []string{"token"} }, []string{"Meta.FilterAliases", `"token"`, "ExtraParams"}},
		{"path", map[string]string{"a__b": "pages"}, nil, []string{"Meta.FilterAliases", `"a__b"`}},
		{"listed in Filtering", map[string]string{"nb": "pages"}, func(m *resource.Meta) { m.Filtering = map[string]resource.Lookups{"nb": resource.All} },
			[]string{"Meta.Filtering", `"nb"`, `"pages"`}},
	}
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rs := fixtureResources()
				meta := *rs[2].Meta()
				meta.FilterAliases = tc.aliases
				if tc.extra != nil {
					tc.extra(&meta)
				}
				rs[2] = modelresource.New(meta)
				_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, rs...)
				if err == nil {
					t.Fatal("resource.New accepted the aliases")
				}
				for _, s := range tc.want {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %s", err, s)
					}
				}
			})
		}
	})
}
