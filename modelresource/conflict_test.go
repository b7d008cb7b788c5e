package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	fieldtype "github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// handWritten is an author resource whose ObjCreate writes the row itself, through r.DB(ctx), and
// reads it back as a GET would show it: a user's override, whose statements the framework classifies
// all the same.
type handWritten struct{ *modelresource.Resource }

func (h handWritten) ObjCreate(ctx context.Context, b *resource.Bundle, _ resource.ObjCreateFunc) (*resource.Object, error) {
	d := b.Resource.API.Dialect()
	now := d.Bind(fieldtype.DateTime, d.Now())
	var id int64
	err := h.DB(ctx).QueryRowContext(ctx, d.Rebind(`INSERT INTO author (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`),
		b.Data["name"], now, now).Scan(&id)
	if err != nil {
		return nil, err
	}
	b.Key = fmt.Sprint(id)
	return b.Resource.Steps.ObjGet(ctx, b)
}

var _ resource.ObjCreateOverrider = handWritten{}

// A unique violation is a 409 CONFLICT naming the field on every path that writes, whoever wrote the
// statement: database errors are classified where statements run (dialect.DB), so no path can forget.
// Nothing is written.
func TestUniqueConflictOnEveryWritePath(t *testing.T) {
	const taken = "An author with this name already exists."
	fields := `{"name": "` + taken + `"}`
	tests := []struct {
		name, method, path, body string
		override                 bool   // the author resource is handWritten
		details                  string // the answer's details
		message                  string // its error
	}{
		{name: "POST", method: "POST", path: "/api/v1/author/", body: `{"name": "Émile Zola"}`,
			details: `{"fields": ` + fields + `}`, message: taken},
		{name: "array POST", method: "POST", path: "/api/v1/author/", body: `[{"name": "New"}, {"name": "Émile Zola"}]`,
			details: `{"index": 1, "fields": ` + fields + `}`, message: "Item 1: " + taken},
		{name: "PUT updating", method: "PUT", path: "/api/v1/author/2/", body: `{"name": "Émile Zola"}`,
			details: `{"fields": ` + fields + `}`, message: taken},
		{name: "PUT creating", method: "PUT", path: "/api/v1/author/80/", body: `{"name": "Émile Zola"}`,
			details: `{"fields": ` + fields + `}`, message: taken},
		{name: "PATCH", method: "PATCH", path: "/api/v1/author/2/", body: `{"name": "Émile Zola"}`,
			details: `{"fields": ` + fields + `}`, message: taken},
		{name: "bulk PATCH of an object", method: "PATCH", path: "/api/v1/author/", body: `{"objects": [{"resource_uri": "/api/v1/author/2/", "name": "Émile Zola"}]}`,
			details: `{"index": 0, "fields": ` + fields + `}`, message: "Item 0: " + taken},
		{name: "bulk PATCH creating", method: "PATCH", path: "/api/v1/author/", body: `{"objects": [{"name": "New"}, {"name": "Émile Zola"}]}`,
			details: `{"index": 1, "fields": ` + fields + `}`, message: "Item 1: " + taken},
		{name: "PATCH by filter", method: "PATCH", path: "/api/v1/author/?id__in=2,3", body: `{"name": "Émile Zola"}`,
			details: `{"fields": ` + fields + `}`, message: taken},
		{name: "nested create", method: "POST", path: "/api/v1/book/", body: `{"title": "T", "author": {"name": "Émile Zola"}}`,
			details: `{"path": "author", "fields": {"author.name": "` + taken + `"}}`, message: "author: " + taken},
		{name: "an override writing through r.DB(ctx)", method: "POST", path: "/api/v1/author/", body: `{"name": "Émile Zola"}`, override: true,
			details: `{"fields": ` + fields + `}`, message: taken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
				createFixture(t, db, d)
				rs := fixtureResources()
				if tt.override {
					rs[1] = handWritten{rs[1].(*modelresource.Resource)}
				}
				c := newClient(t, db, d, rs...)
				before := c.count("SELECT count(*) FROM author") + c.count("SELECT count(*) FROM book")
				r := c.do(tt.method, tt.path, tt.body)
				if r.status != 409 || field(r.body, "code") != "CONFLICT" {
					t.Fatalf("%d %v, want 409 CONFLICT: %s", r.status, field(r.body, "code"), r.raw)
				}
				jsonEqual(t, field(r.body, "details"), tt.details)
				if got := field(r.body, "error"); got != tt.message {
					t.Errorf("error %q, want %q", got, tt.message)
				}
				if after := c.count("SELECT count(*) FROM author") + c.count("SELECT count(*) FROM book"); after != before {
					t.Errorf("%d rows after, %d before", after, before)
				}
				if n := c.count("SELECT count(*) FROM author WHERE name = 'Émile Zola'"); n != 1 {
					t.Errorf("%d authors named Émile Zola", n)
				}
			})
		})
	}
}
