package modelresource_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	tgfield "github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Meta.CreatedField and Meta.UpdatedField: timestamp columns under any name that the server sets.

var entrySchema = map[dialect.Name]string{
	dialect.SQLite: `CREATE TABLE entry (id INTEGER PRIMARY KEY, title VARCHAR(50) NOT NULL,
		made TIMESTAMP NOT NULL, touched TIMESTAMP NOT NULL, note TEXT NOT NULL DEFAULT '')`,
	dialect.Postgres: `CREATE TABLE entry (id BIGSERIAL PRIMARY KEY, title VARCHAR(50) NOT NULL,
		made TIMESTAMP NOT NULL, touched TIMESTAMP NOT NULL, note TEXT NOT NULL DEFAULT '')`,
}

func entryResource(meta func(*resource.Meta)) resource.Resource {
	m := resource.Meta{ResourceName: "entry", Table: "entry", ListMethods: []string{"get", "post", "patch"},
		DetailMethods: []string{"get", "put", "patch"}, Filtering: map[string]resource.Lookups{"title": {"exact"}},
		CreatedField: "made", UpdatedField: "touched"}
	if meta != nil {
		meta(&m)
	}
	return modelresource.New(m)
}

func TestCreatedAndUpdatedFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		if _, err := db.Exec(entrySchema[d.Name()]); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, db, d, entryResource(nil))
		stamps := func(id string) (made, touched time.Time) {
			t.Helper()
			var m, u any
			if err := db.QueryRowContext(context.Background(), d.Rebind("SELECT made, touched FROM entry WHERE id = ?"), id).Scan(&m, &u); err != nil {
				t.Fatal(err)
			}
			made, err1 := tgfield.TimeFromDB(m)
			touched, err2 := tgfield.TimeFromDB(u)
			if err1 != nil || err2 != nil {
				t.Fatalf("reading the timestamps: %v %v", err1, err2)
			}
			return made, touched
		}
		before := time.Now().UTC().Add(-time.Second)
		// A client's values for the two columns are ignored, on insert as on update.
		resp := c.do("POST", "/api/v1/entry/", `{"title": "first", "made": "2001-01-01T00:00:00Z", "touched": "2001-01-01T00:00:00Z"}`)
		if resp.status != 201 {
			t.Fatalf("POST: %d %s", resp.status, resp.raw)
		}
		made, touched := stamps("1")
		if made.Before(before) || !made.Equal(touched) {
			t.Fatalf("after POST: made %v, touched %v; want both the insert's instant (after %v)", made, touched, before)
		}
		if got := field(resp.body, "made").(string); !strings.HasSuffix(got, "Z") || got != made.Format(tgfield.DateTimeLayout) {
			t.Errorf("answer's made %q, database %v", got, made)
		}
		last := touched
		writes := []struct{ method, path, body string }{
			{"PATCH", "/api/v1/entry/1/", `{"note": "a", "made": "2001-01-01T00:00:00Z"}`},
			{"PUT", "/api/v1/entry/1/", `{"title": "first", "note": "b", "touched": "2001-01-01T00:00:00Z"}`},
			{"PATCH", "/api/v1/entry/?title=first", `{"note": "c"}`},
			{"PATCH", "/api/v1/entry/", `{"objects": [{"resource_uri": "/api/v1/entry/1/", "note": "d"}]}`},
		}
		for _, w := range writes {
			time.Sleep(2 * time.Millisecond)
			resp := c.do(w.method, w.path, w.body)
			if resp.status >= 300 {
				t.Fatalf("%s %s: %d %s", w.method, w.path, resp.status, resp.raw)
			}
			m, u := stamps("1")
			if !m.Equal(made) {
				t.Errorf("%s %s moved made: %v, was %v", w.method, w.path, m, made)
			}
			if !u.After(last) {
				t.Errorf("%s %s: touched %v, not after %v", w.method, w.path, u, last)
			}
			last = u
		}
	})
}

func TestCreatedAndUpdatedFieldsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		if _, err := db.Exec(entrySchema[d.Name()]); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			meta func(*resource.Meta)
			want string
		}{
			{func(m *resource.Meta) { m.CreatedField = "born" }, `Meta.CreatedField: table "entry" has no column "born"`},
			{func(m *resource.Meta) { m.UpdatedField = "title" }, `Meta.UpdatedField: column "title" of table "entry" is a`},
			{func(m *resource.Meta) { m.UpdatedField = "made" }, `Meta.CreatedField and Meta.UpdatedField name the same column "made"`},
		} {
			_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, entryResource(tc.meta))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		}
	})
}
