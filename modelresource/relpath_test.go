package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// longMentor is a relation name long enough that a path of two of them exceeds PostgreSQL's 63-byte
// identifiers, which cut an alias built from the names until the aliases of two joins collide.
const longMentor = "the_mentor_who_taught_this_author_the_craft"

// createMentorChain adds authors 5 to 11, each mentored by the one before (5 by Maupassant, who is
// mentored by Zola): author 11 reaches Zola through eight mentors.
func createMentorChain(t *testing.T, c *client) {
	t.Helper()
	prev := 2
	for id := 5; id <= 11; id++ {
		stmt := fmt.Sprintf(`INSERT INTO author (id, name, mentor_id, created_at, updated_at) VALUES (%d, 'Pupil %d', %d, '2021-01-01T00:00:00.000000Z', '2021-01-01T00:00:00.000000Z')`, id, id, prev)
		if _, err := c.db.ExecContext(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
		prev = id
	}
}

// mentorResources are the authors with a long-named second relation through mentor_id, and a
// resource over the same table that allows paths of six relations.
func mentorResources() []resource.Resource {
	meta := func(name string, depth int) resource.Meta {
		return resource.Meta{
			ResourceName: name, Table: "author",
			Filtering:        map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations},
			Ordering:         []string{resource.EveryField},
			Relations:        map[string]resource.Relation{longMentor: {Column: "mentor_id", To: "author"}},
			MaxRelationDepth: depth,
		}
	}
	return []resource.Resource{
		modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher"}),
		modelresource.New(meta("author", 0)),
		modelresource.New(meta("deep_author", 6)),
	}
}

// path repeats a relation n times before a field: path("mentor", 2, "name") is mentor__mentor__name.
func path(rel string, n int, tail string) string {
	return strings.Repeat(rel+"__", n) + tail
}

// Relation paths are capped in depth (4 relations by default, Meta.MaxRelationDepth otherwise): the
// deepest allowed path finds the right rows on both backends, whatever the relations' names are long;
// one relation more is a 400 naming the parameter, for filters and order_by alike.
func TestRelationPathDepth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, mentorResources()...)
		createMentorChain(t, c)
		ids := func(r response) string {
			t.Helper()
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			return objectIDs(r.body)
		}
		tests := []struct {
			name, path string
			want       string
		}{
			// Authors whose fourth mentor up is Zola: 7 (6, 5, 2, 1). Descending, NULLs come first.
			{"four relations", "/api/v1/author/?" + path("mentor", 4, "name") + "=%C3%89mile+Zola", "7"},
			{"four long-named relations", "/api/v1/author/?" + path(longMentor, 4, "id") + "=1", "7"},
			{"a long-named relation beside a short one", "/api/v1/author/?" + path(longMentor, 4, "id") + "=1&" + path("mentor", 2, "id") + "=5&order_by=" + path(longMentor, 1, "name") + "&order_by=id", "7"},
			{"order_by through four relations", "/api/v1/author/?id__in=2,5,6,7,8&order_by=-" + path("mentor", 4, "id") + "&order_by=id", "2,5,6,8,7"},
			{"six relations where Meta allows six", "/api/v1/deep_author/?" + path(longMentor, 6, "id") + "=1", "9"},
			{"six relations, mixed names", "/api/v1/deep_author/?" + path(longMentor, 3, path("mentor", 3, "name")) + "=%C3%89mile+Zola", "9"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(c.do("GET", tt.path, nil)); got != tt.want {
					t.Errorf("ids %s, want %s", got, tt.want)
				}
			})
		}

		refusals := []struct {
			name, path, code, param string
			most                    int
		}{
			{"a filter through five relations", "/api/v1/author/?" + path("mentor", 5, "name") + "=x", "INVALID_FILTER", path("mentor", 5, "name"), 4},
			{"with a lookup", "/api/v1/author/?" + path(longMentor, 5, "name__startswith") + "=x", "INVALID_FILTER", path(longMentor, 5, "name__startswith"), 4},
			{"a relation alone at the end", "/api/v1/author/?" + path("mentor", 5, "mentor") + "=1", "INVALID_FILTER", path("mentor", 5, "mentor"), 4},
			{"order_by through five relations", "/api/v1/author/?order_by=-" + path("mentor", 5, "name"), "INVALID_ORDERING", "order_by", 4},
			{"seven where Meta allows six", "/api/v1/deep_author/?" + path("mentor", 7, "id") + "=1", "INVALID_FILTER", path("mentor", 7, "id"), 6},
			{"DELETE by filter", "/api/v1/author/?" + path("mentor", 5, "id") + "=1", "INVALID_FILTER", path("mentor", 5, "id"), 4},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				method := "GET"
				if strings.HasPrefix(tt.name, "DELETE") {
					method = "DELETE"
				}
				r := c.do(method, tt.path, nil)
				if r.status != 400 || field(r.body, "code") != tt.code || field(r.body, "details", "parameter") != tt.param {
					t.Fatalf("got %d %s", r.status, r.raw)
				}
				if got := fmt.Sprint(field(r.body, "details", "max_relation_depth")); got != fmt.Sprint(tt.most) {
					t.Errorf("max_relation_depth %s, want %d", got, tt.most)
				}
				if !strings.Contains(fmt.Sprint(field(r.body, "error")), fmt.Sprintf("at most %d relations", tt.most)) {
					t.Errorf("message %q", field(r.body, "error"))
				}
			})
		}
		if n := c.count("SELECT count(*) FROM author"); n != 11 {
			t.Errorf("%d authors after the refused DELETE, want 11", n)
		}
	})
}

// A path of a thousand relations is refused at once, before anything is resolved or joined.
func TestRelationPathOfAThousandIsRefusedFast(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, mentorResources()...)
		for _, p := range []string{
			"/api/v1/author/?" + path("mentor", 1000, "name") + "__startswith=A",
			"/api/v1/author/?order_by=" + path("mentor", 1000, "name"),
			"/api/v1/author/?" + strings.Repeat("id=1&", 10) + path(longMentor, 1000, "id") + "=1",
		} {
			start := time.Now()
			r := c.do("GET", p, nil)
			took := time.Since(start)
			if r.status != 400 {
				t.Fatalf("status %d: %.300s", r.status, r.raw)
			}
			if took > 200*time.Millisecond {
				t.Errorf("a thousand relations took %v to refuse", took)
			}
		}
	})
}

// Paths longer than Meta allows are refused when the API is built: query fields, orderings, and a
// MaxRelationDepth out of range.
func TestRelationPathDepthAtRegistration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		tests := []struct {
			name string
			edit func(*resource.Meta)
			want string
		}{
			{"query field", func(m *resource.Meta) { m.QueryFields = []string{path("mentor", 5, "name")} },
				`Meta.QueryFields: "` + path("mentor", 5, "name") + `" goes through 5 relations; Meta.MaxRelationDepth allows 4`},
			{"ordering", func(m *resource.Meta) { m.Ordering = []string{path("mentor", 5, "name")} },
				"Meta.Ordering: \"" + path("mentor", 5, "name") + "\": An order_by term may go through at most 4 relations on author; this one goes through 5."},
			{"too large", func(m *resource.Meta) { m.MaxRelationDepth = 11 }, "Meta.MaxRelationDepth: 11 is not between 0 (the default, 4) and 10"},
			{"negative", func(m *resource.Meta) { m.MaxRelationDepth = -1 }, "Meta.MaxRelationDepth: -1 is not between 0 (the default, 4) and 10"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := resource.Meta{ResourceName: "author", Table: "author"}
				tt.edit(&m)
				_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d},
					modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher"}), modelresource.New(m))
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err %v, want %q", err, tt.want)
				}
			})
		}
		// A table named like a join alias could be taken for one.
		if _, err := db.ExecContext(context.Background(), `CREATE TABLE tg_1_2 (id INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, modelresource.New(resource.Meta{ResourceName: "odd", Table: "tg_1_2"}))
		if err == nil || !strings.Contains(err.Error(), `Meta.Table: "tg_1_2" has the form of the aliases queries give joins`) {
			t.Errorf("a table named tg_1_2: %v", err)
		}
		// Four relations in a query field are fine, and show the value.
		m := resource.Meta{ResourceName: "author", Table: "author", QueryFields: []string{path("mentor", 4, "name")}}
		c := newClient(t, db, d, modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher"}), modelresource.New(m))
		createMentorChain(t, c)
		r := c.do("GET", "/api/v1/author/7/", nil)
		if got := field(r.body, path("mentor", 4, "name")); got != "Émile Zola" {
			t.Errorf("query field %v: %s", got, r.raw)
		}
	})
}
