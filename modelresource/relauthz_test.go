package modelresource_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/url"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// hiding is a ReadList authorization that hides the rows whose id is hidden, or, with refuse, refuses
// every list.
func hiding(table string, hidden int, refuse bool) resource.Authorization {
	return auth.Rules{ReadListFunc: func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		if refuse {
			return nil, apierror.New(apierror.Forbidden, "no %s for you", table)
		}
		return sq.NotEq{`"` + table + `"."id"`: hidden}, nil
	}}
}

// hiddenRelations are the library with Zola (author 1) hidden by the author resource's authorization
// and Penguin (publisher 2) by the publisher's, or every publisher when refusePublishers. Books show
// their author's name, authors their publisher's, through query fields.
func hiddenRelations(refusePublishers bool) []resource.Resource {
	all := map[string]resource.Lookups{resource.EveryField: resource.AllWithRelations}
	every := []string{resource.EveryField}
	return []resource.Resource{
		modelresource.New(resource.Meta{ResourceName: "publisher", Table: "publisher", Filtering: all, Ordering: every,
			Authorization: hiding("publisher", 2, refusePublishers)}),
		modelresource.New(resource.Meta{ResourceName: "author", Table: "author", Filtering: all, Ordering: every,
			QueryFields: []string{"publisher__name"}, Authorization: hiding("author", 1, false)}),
		modelresource.New(resource.Meta{ResourceName: "book", Table: "book", Filtering: all, Ordering: every,
			QueryFields: []string{"author__name"}}),
	}
}

// A filter, an ordering, a query field and an expansion through a relation reach only the related rows
// the related resource lets the user read: a hidden related row behaves as absent. Zola (author 1)
// wrote books 1 and 2 and mentored Maupassant (author 2, book 3); Woolf (author 3, books 4 and 5) is
// published by Penguin (publisher 2).
func TestRelationsReachOnlyReadableRows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, hiddenRelations(false)...)
		lists := []struct {
			name, path, want string
		}{
			{"filter on a hidden author's name", "/api/v1/book/?author__name__startswith=" + url.QueryEscape("É"), ""},
			{"filter on a hidden author's key through the join", "/api/v1/book/?author__id=1", ""},
			{"the foreign key itself is the book's own column", "/api/v1/book/?author=1&order_by=id", "1,2"},
			{"filter on a readable author", "/api/v1/book/?author__name__startswith=Guy", "3"},
			{"filter through a readable author to a hidden mentor", "/api/v1/book/?author__mentor__name__startswith=" + url.QueryEscape("É"), ""},
			{"filter through a readable author to a hidden publisher", "/api/v1/book/?author__publisher__name=Penguin", ""},
			{"filter on a hidden publisher's name", "/api/v1/author/?publisher__name=Penguin", ""},
			{"a hidden relation is null to isnull", "/api/v1/book/?author__name__isnull=true&order_by=id", "1,2"},
			{"ordering sees a hidden relation as null (last ascending)", "/api/v1/book/?order_by=author__born&order_by=id", "3,4,5,1,2"},
		}
		for _, tt := range lists {
			t.Run(tt.name, func(t *testing.T) {
				r := c.do("GET", tt.path, nil)
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.raw)
				}
				if got := objectIDs(r.body); got != tt.want {
					t.Errorf("ids %q, want %q", got, tt.want)
				}
			})
		}
		shown := []struct {
			name, path string
			at         []any
			want       any
		}{
			{"query field of a hidden author", "/api/v1/book/1/", []any{"author__name"}, nil},
			{"its foreign key stays", "/api/v1/book/1/", []any{"author_id"}, "1"},
			{"query field of a readable author", "/api/v1/book/3/", []any{"author__name"}, "Guy de Maupassant"},
			{"query field of a hidden publisher", "/api/v1/author/3/", []any{"publisher__name"}, nil},
			{"query field in a list", "/api/v1/book/?id=2", []any{"objects", 0, "author__name"}, nil},
			{"a hidden author is not expanded", "/api/v1/book/1/?depth=1", []any{"author"}, nil},
			{"a readable one is", "/api/v1/book/3/?depth=1", []any{"author", "name"}, "Guy de Maupassant"},
			{"its hidden mentor is not", "/api/v1/book/3/?depth=2", []any{"author", "mentor"}, nil},
			{"its readable publisher is", "/api/v1/book/3/?depth=2", []any{"author", "publisher", "name"}, "Gallimard"},
			{"a hidden publisher is not", "/api/v1/author/3/?depth=1", []any{"publisher"}, nil},
		}
		for _, tt := range shown {
			t.Run(tt.name, func(t *testing.T) {
				r := c.do("GET", tt.path, nil)
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.raw)
				}
				got := field(r.body, tt.at...)
				if got != nil {
					got = normalizeText(got)
				}
				if got != tt.want {
					t.Errorf("%v = %#v, want %#v", tt.at, got, tt.want)
				}
			})
		}
		// Writes by filter through a hidden relation match nothing.
		if r := c.do("DELETE", "/api/v1/book/?author__name__startswith="+url.QueryEscape("É"), nil); r.status != 200 || field(r.body, "deleted") != nil && normalizeText(field(r.body, "deleted")) != "0" {
			t.Errorf("DELETE: %d %s", r.status, r.raw)
		}
		if r := c.do("PATCH", "/api/v1/book/?author__publisher__name=Penguin", map[string]any{"pages": 1}); r.status != 202 || normalizeText(field(r.body, "updated")) != "0" {
			t.Errorf("PATCH: %d %s", r.status, r.raw)
		}
		if n := c.count("SELECT count(*) FROM book WHERE pages IS NULL OR pages <> 1"); n != 5 {
			t.Errorf("%d books untouched, want 5", n)
		}
	})
}

// When the related resource refuses the user any list, each of its rows behaves as absent: the list
// through it answers, with nothing to match or show.
func TestRelationsToARefusedResource(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, hiddenRelations(true)...)
		if r := c.do("GET", "/api/v1/author/?publisher__name=Gallimard", nil); r.status != 200 || objectIDs(r.body) != "" {
			t.Errorf("filter: %d %s", r.status, r.raw)
		}
		r := c.do("GET", "/api/v1/author/2/?depth=1", nil)
		if r.status != 200 || field(r.body, "publisher__name") != nil || field(r.body, "publisher") != nil || normalizeText(field(r.body, "publisher_id")) != "1" {
			t.Errorf("detail: %d %s", r.status, r.raw)
		}
		if r := c.do("GET", "/api/v1/publisher/", nil); r.status != 403 {
			t.Errorf("the publishers themselves: %d %s", r.status, r.raw)
		}
	})
}

// normalizeText turns a decoded JSON number into its text, leaving other values as they are.
func normalizeText(v any) any {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return v
}
