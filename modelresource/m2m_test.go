package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Meta.ManyToMany: members and clubs through club_member; a fee still refers to member 3.

var clubSchema = map[dialect.Name][]string{
	dialect.SQLite: {
		`CREATE TABLE club (id INTEGER PRIMARY KEY, name VARCHAR(30) NOT NULL)`,
		`CREATE TABLE member (id INTEGER PRIMARY KEY, name VARCHAR(30) NOT NULL UNIQUE)`,
		`CREATE TABLE club_member (member_ref INTEGER NOT NULL REFERENCES member (id), club_ref INTEGER NOT NULL REFERENCES club (id),
			PRIMARY KEY (member_ref, club_ref))`,
		`CREATE TABLE fee (id INTEGER PRIMARY KEY, member_ref INTEGER NOT NULL REFERENCES member (id))`,
	},
	dialect.Postgres: {
		`CREATE TABLE club (id BIGSERIAL PRIMARY KEY, name VARCHAR(30) NOT NULL)`,
		`CREATE TABLE member (id BIGSERIAL PRIMARY KEY, name VARCHAR(30) NOT NULL UNIQUE)`,
		`CREATE TABLE club_member (member_ref BIGINT NOT NULL REFERENCES member (id), club_ref BIGINT NOT NULL REFERENCES club (id),
			PRIMARY KEY (member_ref, club_ref))`,
		`CREATE TABLE fee (id BIGSERIAL PRIMARY KEY, member_ref BIGINT NOT NULL REFERENCES member (id))`,
	},
}

func createClubs(t testing.TB, db *sql.DB, d dialect.Dialect) {
	t.Helper()
	stmts := append(clubSchema[d.Name()],
		`INSERT INTO club (id, name) VALUES (1, 'chess'), (2, 'go'), (3, 'bridge')`,
		`INSERT INTO member (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cid')`,
		`INSERT INTO club_member (member_ref, club_ref) VALUES (1, 1), (1, 3), (2, 1), (3, 2)`,
		`INSERT INTO fee (id, member_ref) VALUES (1, 3)`)
	if d.Name() == dialect.Postgres {
		stmts = append(stmts, `SELECT setval('club_id_seq', 3)`, `SELECT setval('member_id_seq', 3)`)
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func clubResources(meta func(member *resource.Meta)) []resource.Resource {
	all := []string{"get", "post", "put", "patch", "delete"}
	member := resource.Meta{ResourceName: "member", Table: "member", ListMethods: all, DetailMethods: all,
		Filtering: map[string]resource.Lookups{resource.EveryField: resource.All}, Ordering: []string{"id"},
		FilterAliases: map[string]string{"clubid": "clubs"},
		ManyToMany: map[string]resource.ManyToMany{
			"clubs": {Table: "club_member", Column: "member_ref", OtherColumn: "club_ref", To: "club"},
		}}
	if meta != nil {
		meta(&member)
	}
	return []resource.Resource{
		modelresource.New(member),
		modelresource.New(resource.Meta{ResourceName: "club", Table: "club", ListMethods: all, DetailMethods: all, Ordering: []string{"id"},
			Filtering: map[string]resource.Lookups{"members": {"exact"}},
			ManyToMany: map[string]resource.ManyToMany{
				"members": {Table: "club_member", Column: "club_ref", OtherColumn: "member_ref", To: "member"},
			}}),
	}
}

// memberships is club_member of a member, as "1,3".
func (c *client) memberships(member string) string {
	c.t.Helper()
	rows, err := c.db.QueryContext(context.Background(), c.d.Rebind("SELECT club_ref FROM club_member WHERE member_ref = ? ORDER BY club_ref"), member)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			c.t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func TestManyToManyRead(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			createClubs(t, db, d)
			c := newClient(t, db, d, clubResources(nil)...)
			counter.Reset()
			resp := c.do("GET", "/api/v1/member/?order_by=id", nil)
			if resp.status != 200 {
				t.Fatalf("GET: %d %s", resp.status, resp.raw)
			}
			// The count, the page, and one query for the memberships of the whole page.
			if n := counter.N(); n != 3 {
				t.Errorf("a page of members ran %d queries, want 3", n)
			}
			jsonEqual(t, field(resp.body, "objects"), `[
				{"id": 1, "name": "ann", "clubs": [1, 3], "resource_uri": "/api/v1/member/1/"},
				{"id": 2, "name": "bob", "clubs": [1], "resource_uri": "/api/v1/member/2/"},
				{"id": 3, "name": "cid", "clubs": [2], "resource_uri": "/api/v1/member/3/"}]`)
			if _, err := db.Exec("INSERT INTO member (id, name) VALUES (4, 'dee')"); err != nil {
				t.Fatal(err)
			}
			resp = c.do("GET", "/api/v1/member/4/", nil)
			jsonEqual(t, resp.body, `{"id": 4, "name": "dee", "clubs": [], "resource_uri": "/api/v1/member/4/"}`)
			resp = c.do("GET", "/api/v1/club/1/", nil)
			jsonEqual(t, field(resp.body, "members"), `[1, 2]`)
			resp = c.do("GET", "/api/v1/member/set/1;3/", nil)
			jsonEqual(t, field(resp.body, "objects", 1, "clubs"), `[2]`)
			// fields= narrows them like any field.
			resp = c.do("GET", "/api/v1/member/1/?fields=clubs", nil)
			jsonEqual(t, resp.body, `{"clubs": [1, 3], "id": 1, "resource_uri": "/api/v1/member/1/"}`)
		})
	}
}

func TestManyToManyFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		fee := modelresource.New(resource.Meta{ResourceName: "fee", Table: "fee",
			Filtering: map[string]resource.Lookups{"member": resource.AllWithRelations},
			Relations: map[string]resource.Relation{"member": {Column: "member_ref", To: "member"}}})
		c := newClient(t, db, d, append(clubResources(nil), fee)...)
		for _, tc := range []struct{ path, ids string }{
			{"/api/v1/member/?clubs=1&order_by=id", "1,2"},
			{"/api/v1/member/?clubid=3", "1"},
			{"/api/v1/member/?clubid__in=2,3&order_by=id", "1,3"},
			{"/api/v1/member/?clubs=1&name=bob", "2"},
			{"/api/v1/member/?clubs=9", ""},
			{"/api/v1/club/?members=1&order_by=id", "1,3"},
			// Through a relation: the fees of members of club 2 (member 3), of club 1 (none).
			{"/api/v1/fee/?member__clubs=2", "1"},
			{"/api/v1/fee/?member__clubid__in=1,3", ""},
		} {
			resp := c.do("GET", tc.path, nil)
			var ids []string
			objs, _ := field(resp.body, "objects").([]any)
			for _, o := range objs {
				ids = append(ids, field(o, "id").(interface{ String() string }).String())
			}
			if resp.status != 200 || strings.Join(ids, ",") != tc.ids {
				t.Errorf("GET %s: %d %s; want ids %s", tc.path, resp.status, resp.raw, tc.ids)
			}
		}
		for _, tc := range []struct{ path, code, param string }{
			{"/api/v1/member/?clubs__gt=1", "INVALID_FILTER", ""},
			{"/api/v1/member/?clubs=x", "INVALID_VALUE", "clubs"},
			{"/api/v1/member/?clubs__name=chess", "INVALID_FILTER", ""},
			{"/api/v1/club/?members__in=1,2", "INVALID_FILTER", ""},
		} {
			resp := c.do("GET", tc.path, nil)
			if resp.status != 400 || field(resp.body, "code") != tc.code || (tc.param != "" && field(resp.body, "details", "parameter") != tc.param) {
				t.Errorf("GET %s: %d %s; want 400 %s", tc.path, resp.status, resp.raw, tc.code)
			}
		}
	})
}

func TestManyToManyWrites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		c := newClient(t, db, d, clubResources(nil)...)
		steps := []struct {
			method, path, body string
			status             int
			check              func(resp response)
		}{
			{"PATCH", "/api/v1/member/2/", `{"clubs": [3, 2]}`, 202, func(resp response) {
				jsonEqual(t, resp.body, `{"id": 2, "name": "bob", "clubs": [2, 3], "resource_uri": "/api/v1/member/2/"}`)
				if got := c.memberships("2"); got != "2,3" {
					t.Errorf("memberships of 2: %s", got)
				}
			}},
			{"PUT", "/api/v1/member/2/", `{"name": "bob", "clubs": []}`, 200, func(resp response) {
				if got := c.memberships("2"); got != "" {
					t.Errorf("memberships of 2: %s", got)
				}
			}},
			{"PUT", "/api/v1/member/2/", `{"name": "robert"}`, 200, func(resp response) {
				if got := c.memberships("2"); got != "" {
					t.Errorf("a PUT without the list changed memberships: %s", got)
				}
			}},
			{"POST", "/api/v1/member/", `{"name": "eve", "clubs": [1, 2]}`, 201, func(resp response) {
				jsonEqual(t, field(resp.body, "clubs"), `[1, 2]`)
				if got := c.memberships("4"); got != "1,2" {
					t.Errorf("memberships of 4: %s", got)
				}
			}},
			// An array POST, its items created with their memberships.
			{"POST", "/api/v1/member/", `[{"name": "fay", "clubs": [3]}, {"name": "gus"}]`, 201, func(resp response) {
				if got := c.memberships("5") + "|" + c.memberships("6"); got != "3|" {
					t.Errorf("memberships of 5 and 6: %s", got)
				}
			}},
			// A bulk PATCH: one updated, one created, one deleted (its memberships first).
			{"PATCH", "/api/v1/member/", `{"objects": [{"resource_uri": "/api/v1/member/5/", "clubs": [1]}, {"name": "hal", "clubs": [2]}],
				"deleted_objects": ["/api/v1/member/4/"]}`, 202, func(resp response) {
				if got := c.memberships("5") + "|" + c.memberships("7") + "|" + c.memberships("4"); got != "1|2|" {
					t.Errorf("memberships of 5, 7 and 4: %s", got)
				}
				if n := c.count("SELECT count(*) FROM member WHERE id = 4"); n != 0 {
					t.Errorf("member 4 is still there")
				}
			}},
			// PATCH by filter: every member matched gets the list.
			{"PATCH", "/api/v1/member/?id__in=5,6", `{"clubs": [2, 3]}`, 202, func(resp response) {
				if got := c.memberships("5") + "|" + c.memberships("6"); got != "2,3|2,3" {
					t.Errorf("memberships of 5 and 6: %s", got)
				}
			}},
			// The other side writes the same table.
			{"PATCH", "/api/v1/club/1/", `{"members": [1, 6]}`, 202, func(resp response) {
				if got := c.memberships("6"); got != "1,2,3" {
					t.Errorf("memberships of 6: %s", got)
				}
			}},
		}
		for _, s := range steps {
			resp := c.do(s.method, s.path, s.body)
			if resp.status != s.status {
				t.Fatalf("%s %s %s: %d %s", s.method, s.path, s.body, resp.status, resp.raw)
			}
			s.check(resp)
		}

		// Refusals: nothing changes.
		before := c.memberships("1")
		for _, tc := range []struct {
			method, path, body string
			status             int
			code, problem      string
		}{
			{"PATCH", "/api/v1/member/1/", `{"name": "anna", "clubs": [1, 99]}`, 400, "VALIDATION_ERROR", "Lists 99, which is not a key of club."},
			{"PUT", "/api/v1/member/1/", `{"name": "anna", "clubs": [98, 99]}`, 400, "VALIDATION_ERROR", "Lists 98, 99, which are not keys of club."},
			{"PATCH", "/api/v1/member/1/", `{"clubs": "x"}`, 400, "VALIDATION_ERROR", "item 0: \"x\" is not an integer"},
			{"PATCH", "/api/v1/member/1/", `{"clubs": [1.5]}`, 400, "VALIDATION_ERROR", ""},
			{"PATCH", "/api/v1/member/1/", `{"clubs": null}`, 400, "VALIDATION_ERROR", "may not be null (send [] for none)"},
			{"POST", "/api/v1/member/", `{"name": "ivy", "clubs": [99]}`, 400, "VALIDATION_ERROR", "Lists 99, which is not a key of club."},
			// A later failure of the same write (the name is taken) rolls the memberships back.
			{"PATCH", "/api/v1/member/1/", `{"clubs": [2], "name": "cid"}`, 409, "CONFLICT", ""},
			{"PATCH", "/api/v1/member/?id=1", `{"clubs": [99]}`, 400, "VALIDATION_ERROR", "Lists 99, which is not a key of club."},
			{"PATCH", "/api/v1/member/", `{"objects": [{"resource_uri": "/api/v1/member/1/", "clubs": [2]}, {"resource_uri": "/api/v1/member/6/", "clubs": [99]}]}`, 400, "VALIDATION_ERROR", ""},
		} {
			resp := c.do(tc.method, tc.path, tc.body)
			if resp.status != tc.status || field(resp.body, "code") != tc.code {
				t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, resp.status, resp.raw)
				continue
			}
			if tc.code == "VALIDATION_ERROR" {
				fields, _ := field(resp.body, "details", "fields").(map[string]any)
				if fields["clubs"] == nil || (tc.problem != "" && fields["clubs"] != tc.problem) {
					t.Errorf("%s %s %s: details.fields %v", tc.method, tc.path, tc.body, fields)
				}
			}
			if got := c.memberships("1"); got != before {
				t.Errorf("%s %s %s changed memberships: %s → %s", tc.method, tc.path, tc.body, before, got)
			}
		}
		if n := c.count("SELECT count(*) FROM member WHERE name IN ('anna', 'ivy')"); n != 0 {
			t.Errorf("a refused write wrote a member")
		}
		if got := c.memberships("6"); got != "1,2,3" {
			t.Errorf("a refused bulk PATCH changed member 6: %s", got)
		}
	})
}

func TestManyToManyDelete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		c := newClient(t, db, d, clubResources(nil)...)
		// Member 3 still has a fee: 409, and its membership stays.
		resp := c.do("DELETE", "/api/v1/member/3/", nil)
		if resp.status != 409 || field(resp.body, "code") != "CONFLICT" || c.memberships("3") != "2" {
			t.Fatalf("DELETE member 3: %d %s; memberships %s", resp.status, resp.raw, c.memberships("3"))
		}
		if resp := c.do("DELETE", "/api/v1/member/?id=3", nil); resp.status != 409 || c.memberships("3") != "2" {
			t.Fatalf("DELETE ?id=3: %d %s; memberships %s", resp.status, resp.raw, c.memberships("3"))
		}
		if resp := c.do("DELETE", "/api/v1/member/2/", nil); resp.status != 204 || c.count("SELECT count(*) FROM club_member WHERE member_ref = 2") != 0 {
			t.Fatalf("DELETE member 2: %d %s", resp.status, resp.raw)
		}
		// By filter, through the membership itself.
		if resp := c.do("DELETE", "/api/v1/member/?clubs=3", nil); resp.status != 200 || resp.raw != `{"deleted": 1}` || c.count("SELECT count(*) FROM member WHERE id = 1") != 0 ||
			c.count("SELECT count(*) FROM club_member WHERE member_ref = 1") != 0 {
			t.Fatalf("DELETE ?clubs=3: %d %s", resp.status, resp.raw)
		}
		// A club: its memberships go with it.
		if resp := c.do("DELETE", "/api/v1/club/2/", nil); resp.status != 204 || c.count("SELECT count(*) FROM club_member WHERE club_ref = 2") != 0 {
			t.Fatalf("DELETE club 2: %d %s", resp.status, resp.raw)
		}
		if n := c.count("SELECT count(*) FROM club_member"); n != 0 {
			t.Errorf("%d memberships left", n)
		}
	})
}

func TestManyToManyDescribed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		c := newClient(t, db, d, clubResources(nil)...)
		resp := c.do("GET", "/api/v1/member/schema/", nil)
		jsonEqual(t, field(resp.body, "fields", "clubs"), `{"type": "list", "nullable": false, "blank": true, "readonly": false,
			"unique": false, "primary_key": false, "default": [], "help_text": "`+field(resp.body, "fields", "clubs", "help_text").(string)+`",
			"verbose_name": "clubs", "related_resource": "club", "related_schema": "/api/v1/club/schema/"}`)
		jsonEqual(t, field(resp.body, "filtering", "clubs"), `["exact", "in"]`)
		jsonEqual(t, field(resp.body, "filtering", "clubid"), `["exact", "in"]`)
		resp = c.do("GET", "/api/v1/openapi.json", nil)
		clubs := field(resp.body, "components", "schemas", "member", "properties", "clubs")
		if field(clubs, "type") != "array" || field(clubs, "items", "type") != "integer" || field(clubs, "readOnly") != nil {
			t.Errorf("OpenAPI: clubs is %v", clubs)
		}
	})
}

func TestManyToManyDeclarationErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		for _, tc := range []struct {
			name string
			m2m  resource.ManyToMany
			key  string
			want string
		}{
			{"no table", resource.ManyToMany{Table: "nope", Column: "member_ref", OtherColumn: "club_ref", To: "club"}, "clubs", `Meta.ManyToMany["clubs"]: there is no table "nope"`},
			{"no column", resource.ManyToMany{Table: "club_member", Column: "member", OtherColumn: "club_ref", To: "club"}, "clubs", `Meta.ManyToMany["clubs"]: table "club_member" has no column "member"`},
			{"no resource", resource.ManyToMany{Table: "club_member", Column: "member_ref", OtherColumn: "club_ref", To: "clubz"}, "clubs", `Meta.ManyToMany["clubs"]: no resource named "clubz"`},
			{"a column's name", resource.ManyToMany{Table: "club_member", Column: "member_ref", OtherColumn: "club_ref", To: "club"}, "name", `Meta.ManyToMany["name"]: the name is already a field`},
			{"missing parts", resource.ManyToMany{Table: "club_member", To: "club"}, "clubs", `Table, Column, OtherColumn and To are all required`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rs := clubResources(func(m *resource.Meta) {
					m.FilterAliases = nil
					m.ManyToMany = map[string]resource.ManyToMany{tc.key: tc.m2m}
				})
				_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, rs...)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("resource.New: %v; want %q", err, tc.want)
				}
			})
		}
		rs := clubResources(func(m *resource.Meta) {
			m.Filtering = map[string]resource.Lookups{"clubs": {"gt"}}
		})
		if _, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, rs...); err == nil || !strings.Contains(err.Error(), `Meta.Filtering["clubs"]: a many-to-many field takes the lookups exact and in`) {
			t.Errorf("Filtering with gt: %v", err)
		}
	})
}

// A write may list only the other resource's rows the user may read: a hidden club is refused as an
// unknown one. The keys already there are shown, as a foreign key's are.
func TestManyToManyLinksOnlyReadableRows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		rs := clubResources(nil)
		all := []string{"get", "post", "put", "patch", "delete"}
		rs[1] = modelresource.New(resource.Meta{ResourceName: "club", Table: "club", ListMethods: all, DetailMethods: all,
			Authorization: hiding("club", 3, false),
			ManyToMany: map[string]resource.ManyToMany{
				"members": {Table: "club_member", Column: "club_ref", OtherColumn: "member_ref", To: "member"},
			}})
		c := newClient(t, db, d, rs...)
		resp := c.do("PATCH", "/api/v1/member/2/", `{"clubs": [1, 3]}`)
		if resp.status != 400 || field(resp.body, "details", "fields", "clubs") != "Lists 3, which is not a key of club." || c.memberships("2") != "1" {
			t.Errorf("linking a hidden club: %d %s; memberships %s", resp.status, resp.raw, c.memberships("2"))
		}
		resp = c.do("GET", "/api/v1/member/1/", nil)
		jsonEqual(t, field(resp.body, "clubs"), `[1, 3]`)
	})
}

// Concurrent writes replacing the same memberships all succeed, one after the other: the result is one
// of the lists written, never a mix, never a duplicate key.
func TestManyToManyConcurrentWrites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createClubs(t, db, d)
		c := newClient(t, db, d, clubResources(nil)...)
		lists := []string{"[1, 2]", "[2, 3]", "[3]", "[1, 2, 3]"}
		want := map[string]bool{"1,2": true, "2,3": true, "3": true, "1,2,3": true}
		const each = 10
		var wg sync.WaitGroup
		errs := make(chan string, len(lists)*each)
		for _, list := range lists {
			wg.Add(1)
			go func(list string) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if r := c.do("PATCH", "/api/v1/member/2/", `{"clubs": `+list+`}`); r.status != 202 {
						errs <- fmt.Sprintf("PATCH %s: %d %s", list, r.status, r.raw)
					}
				}
			}(list)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if got := c.memberships("2"); !want[got] {
			t.Errorf("memberships after concurrent writes: %s", got)
		}
	})
}
