package modelresource_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	fieldtype "github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// hookedBook has every hook of Tastypie's a project leans on: a per-field dehydrate of a column, a
// computed field, a per-field hydrate, a validation and both alter hooks. The test proves each runs
// on every path its step is used.
type hookedBook struct{ *modelresource.Resource }

var (
	_ resource.ValidateOverrider        = hookedBook{}
	_ resource.AlterListDataOverrider   = hookedBook{}
	_ resource.AlterDetailDataOverrider = hookedBook{}
)

func hookedBookMeta() resource.Meta {
	m := bookMeta()
	m.Computed = []resource.ComputedField{{Name: "title_length", Type: fieldtype.Integer, HelpText: "Letters in the title."}}
	return m
}

// DehydrateGenre shows the genre upper-cased.
func (hookedBook) DehydrateGenre(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
	g, _ := obj.Get("genre")
	s, _ := g.(string)
	return strings.ToUpper(s), nil
}

// DehydrateTitleLength is the computed field's value.
func (hookedBook) DehydrateTitleLength(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error) {
	t, _ := obj.Get("title")
	s, _ := t.(string)
	return int64(len([]rune(s))), nil
}

// HydrateTitle trims the title a body gives.
func (hookedBook) HydrateTitle(ctx context.Context, b *resource.Bundle) error {
	if t, ok := b.Data["title"].(string); ok {
		b.Data["title"] = strings.TrimSpace(t)
	}
	return nil
}

// Validate refuses a title "Bad" and a negative page count, both at once.
func (hookedBook) Validate(ctx context.Context, b *resource.Bundle, next resource.ValidateFunc) error {
	errs := resource.FieldErrors{}
	if b.Data["title"] == "Bad" {
		errs["title"] = "This title is not allowed."
	}
	if p, ok := b.Data["pages"]; ok && strings.HasPrefix(fmt.Sprint(p), "-") {
		errs["pages"] = "Ensure this value is greater than or equal to 0."
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return next(ctx, b)
}

// AlterListData drops the JSON column from every object of a list.
func (hookedBook) AlterListData(ctx context.Context, b *resource.Bundle, list *resource.ListResult, next resource.AlterListDataFunc) error {
	for _, o := range list.Objects {
		o.Delete("extra")
	}
	return next(ctx, b, list)
}

// AlterDetailData marks one object's answer.
func (hookedBook) AlterDetailData(ctx context.Context, b *resource.Bundle, obj *resource.Object, next resource.AlterDetailDataFunc) error {
	obj.Set("detail", true)
	return next(ctx, b, obj)
}

const badBody = `Invalid data: 'pages': Ensure this value is greater than or equal to 0; 'title': This title is not allowed.`

func TestFieldHooksValidationAndAlterOnEveryPath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d, withBooks(hookedBook{modelresource.New(hookedBookMeta())})...)

		// Reads: detail, list, set/, CSV, the engine.
		r := c.do("GET", "/api/v1/book/1/", nil)
		if r.status != 200 || field(r.body, "genre") != "NOVEL" || normalizeText(field(r.body, "title_length")) != "8" || field(r.body, "detail") != true {
			t.Errorf("detail: %d %s", r.status, r.raw)
		}
		r = c.do("GET", "/api/v1/book/?id=1", nil)
		obj := field(r.body, "objects", 0).(map[string]any)
		if obj["genre"] != "NOVEL" || normalizeText(obj["title_length"]) != "8" || obj["detail"] != nil || obj["extra"] != nil {
			t.Errorf("list: %s", r.raw)
		}
		r = c.do("GET", "/api/v1/book/set/1/", nil)
		if field(r.body, "objects", 0, "genre") != "NOVEL" || normalizeText(field(r.body, "objects", 0, "title_length")) != "8" {
			t.Errorf("set/: %s", r.raw)
		}
		if status, _, body := getCSV(t, c.h, "GET", "/api/v1/book/?format=csv&fields=id,genre,title_length&id=1", ""); status != 200 || body != "id,genre,title_length,resource_uri\n1,NOVEL,8,/api/v1/book/1/\n" {
			t.Errorf("CSV: %d %q", status, body)
		}
		got, err := c.api.Get(context.Background(), "book", "2", nil)
		if g, _ := got.Get("genre"); err != nil || g != "NOVEL" {
			t.Errorf("engine Get: %v %v", g, err)
		}
		list, err := c.api.List(context.Background(), "book", url.Values{"id": {"2"}})
		if err != nil || len(list.Objects) != 1 {
			t.Fatalf("engine List: %v", err)
		}
		if n, _ := list.Objects[0].Get("title_length"); n != int64(4) {
			t.Errorf("engine List: title_length %v", n)
		}

		// Writes: each hydrates (the title is trimmed, the computed field dropped) and answers
		// through the dehydrate hooks.
		r = c.do("POST", "/api/v1/book/", map[string]any{"title": "  One  ", "author_id": 1, "title_length": 99})
		if r.status != 201 || field(r.body, "title") != "One" || normalizeText(field(r.body, "title_length")) != "3" || field(r.body, "detail") != true {
			t.Errorf("POST: %d %s", r.status, r.raw)
		}
		r = c.do("POST", "/api/v1/book/", []any{map[string]any{"title": " Two ", "author_id": 1}})
		if r.status != 201 || field(r.body, "objects", 0, "title") != "Two" || field(r.body, "objects", 0, "genre") != "NOVEL" {
			t.Errorf("array POST: %d %s", r.status, r.raw)
		}
		r = c.do("PUT", "/api/v1/book/50/", map[string]any{"title": " Fifty ", "author_id": 1})
		if r.status != 201 || field(r.body, "title") != "Fifty" || normalizeText(field(r.body, "title_length")) != "5" {
			t.Errorf("PUT that creates: %d %s", r.status, r.raw)
		}
		r = c.do("PUT", "/api/v1/book/50/", map[string]any{"title": " Fifty-one ", "author_id": 1})
		if r.status != 200 || field(r.body, "title") != "Fifty-one" {
			t.Errorf("PUT: %d %s", r.status, r.raw)
		}
		r = c.do("PATCH", "/api/v1/book/50/", map[string]any{"title": " Fifty-two "})
		if r.status != 202 || field(r.body, "title") != "Fifty-two" || field(r.body, "detail") != true {
			t.Errorf("PATCH: %d %s", r.status, r.raw)
		}
		r = c.do("PATCH", "/api/v1/book/", map[string]any{"objects": []any{
			map[string]any{"title": " Bulk ", "author_id": 2},
			map[string]any{"resource_uri": "/api/v1/book/50/", "title": " Fifty-three "},
		}})
		if r.status != 202 {
			t.Errorf("bulk PATCH: %d %s", r.status, r.raw)
		}
		if r := c.do("PATCH", "/api/v1/book/?id=50", map[string]any{"title": " By filter "}); r.status != 202 {
			t.Errorf("PATCH by filter: %d %s", r.status, r.raw)
		}
		if _, err := c.api.Create(context.Background(), "book", map[string]any{"title": " Engine ", "author_id": 1}); err != nil {
			t.Errorf("engine Create: %v", err)
		}
		for _, title := range []string{"One", "Two", "Bulk", "By filter", "Engine"} {
			if n := c.count("SELECT count(*) FROM book WHERE title = '" + title + "'"); n != 1 {
				t.Errorf("%q: %d rows", title, n)
			}
		}

		// Validation: one 400 naming every field, on every write path, and nothing written.
		before := c.count("SELECT count(*) FROM book")
		bad := map[string]any{"title": " Bad ", "author_id": 1, "pages": -1}
		for _, req := range []struct {
			method, path string
			body         any
			msg          string
		}{
			{"POST", "/api/v1/book/", bad, badBody},
			{"POST", "/api/v1/book/", []any{map[string]any{"title": "Fine", "author_id": 1}, bad}, "Item 1: " + badBody},
			{"PUT", "/api/v1/book/60/", bad, badBody},
			{"PUT", "/api/v1/book/1/", bad, badBody},
			{"PATCH", "/api/v1/book/1/", map[string]any{"title": "Bad", "pages": -1}, badBody},
			{"PATCH", "/api/v1/book/?id=1", map[string]any{"title": "Bad", "pages": -1}, badBody},
			{"PATCH", "/api/v1/book/", map[string]any{"objects": []any{bad}}, "Item 0: " + badBody},
		} {
			r := c.do(req.method, req.path, req.body)
			if r.status != 400 || field(r.body, "code") != "VALIDATION_ERROR" || field(r.body, "error") != req.msg ||
				field(r.body, "details", "fields", "title") != "This title is not allowed." ||
				field(r.body, "details", "fields", "pages") != "Ensure this value is greater than or equal to 0." {
				t.Errorf("%s %s: %d %s", req.method, req.path, r.status, r.raw)
			}
		}
		if _, err := c.api.Create(context.Background(), "book", bad); err == nil || !strings.Contains(err.Error(), "This title is not allowed") {
			t.Errorf("engine Create: %v", err)
		}
		if n := c.count("SELECT count(*) FROM book"); n != before {
			t.Errorf("%d books, want %d", n, before)
		}
		if n := c.count("SELECT count(*) FROM book WHERE title = 'Bad' OR pages < 0"); n != 0 {
			t.Errorf("%d bad books written", n)
		}

		// The computed field in the schema and the OpenAPI document.
		r = c.do("GET", "/api/v1/book/schema/", nil)
		jsonEqual(t, field(r.body, "fields", "title_length"), `{"blank": false, "default": "No default provided.", "help_text": "Letters in the title.", "nullable": false, "primary_key": false, "readonly": true, "type": "integer", "unique": false, "verbose_name": "title length"}`)
		r = c.do("GET", "/api/v1/openapi.json", nil)
		jsonEqual(t, field(r.body, "components", "schemas", "book", "properties", "title_length"), `{"description": "Letters in the title.", "readOnly": true, "type": "integer"}`)
	})
}

// Nested writes and relations: a book written inside an author's body is hydrated and validated, and
// books shown inside an author (depth=) or under it (/author/1/books/) are dehydrated.
func TestFieldHooksInRelations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		rs := fixtureResources()
		rs[1].Meta().ToMany = map[string]resource.ToMany{"books": {Resource: "book", Via: "author", Expand: true}}
		rs[2] = hookedBook{modelresource.New(hookedBookMeta())}
		c := newClient(t, db, d, rs...)

		r := c.do("GET", "/api/v1/author/1/?depth=1", nil)
		if field(r.body, "books", 0, "genre") != "NOVEL" || normalizeText(field(r.body, "books", 0, "title_length")) != "8" {
			t.Errorf("expanded: %s", r.raw)
		}
		r = c.do("GET", "/api/v1/author/1/books/?order_by=id", nil)
		if field(r.body, "objects", 0, "genre") != "NOVEL" || field(r.body, "objects", 0, "extra") != nil {
			t.Errorf("relation's list: %s", r.raw)
		}
		r = c.do("POST", "/api/v1/author/", map[string]any{"name": "New", "books": []any{map[string]any{"title": "  Nested  "}}})
		if r.status != 201 || c.count("SELECT count(*) FROM book WHERE title = 'Nested'") != 1 {
			t.Errorf("nested POST: %d %s", r.status, r.raw)
		}
		authors := c.count("SELECT count(*) FROM author")
		r = c.do("POST", "/api/v1/author/", map[string]any{"name": "Other", "books": []any{map[string]any{"title": "Bad", "pages": -1}}})
		if r.status != 400 || field(r.body, "code") != "VALIDATION_ERROR" || !strings.Contains(fmt.Sprint(field(r.body, "error")), "This title is not allowed") {
			t.Errorf("nested POST of a bad book: %d %s", r.status, r.raw)
		}
		if n := c.count("SELECT count(*) FROM author"); n != authors {
			t.Errorf("%d authors, want %d", n, authors)
		}
	})
}
