package filters_test

import (
	"fmt"
	"net/url"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

// ExampleParse parses a list request's query against a resource's allow-list and compiles it for
// both backends: the user's text travels only as arguments.
func ExampleParse() {
	allowed := filters.StaticFields{
		"id":         {Column: `"indicator"."id"`, Type: field.Integer},
		"short_name": {Column: `"indicator"."short_name"`, Type: field.String},
		"created":    {Column: `"indicator"."created_at"`, Type: field.DateTime, Lookups: []filters.Lookup{filters.Gte, filters.Lt}},
	}
	q, _ := url.ParseQuery("short_name__icontains=Polio&id__in=1,2&id__in=3&created__gte=2024-01-01&limit=20&order_by=-id")

	fs, err := filters.Parse(q, allowed, filters.Reserved())
	if err != nil {
		fmt.Println(err)
		return
	}
	os, err := filters.ParseOrder(q["order_by"], allowed)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []dialect.Name{dialect.SQLite, dialect.Postgres} {
		d, _ := dialect.ForName(name)
		where, _ := filters.Where(fs, d)
		sql, args, _ := d.Builder().Select("*").From(`"indicator"`).Where(where).
			OrderBy(filters.OrderBy(os, d)...).ToSql()
		fmt.Println(sql)
		fmt.Printf("%#v\n", args)
	}

	_, err = filters.Parse(url.Values{"shortname": {"polio"}}, allowed, filters.Reserved())
	fmt.Println(err)
	// Output:
	// SELECT * FROM "indicator" WHERE ("indicator"."created_at" >= ? AND "indicator"."id" IN (?,?,?) AND tg_fold("indicator"."short_name") LIKE ? ESCAPE '\') ORDER BY "indicator"."id" DESC NULLS FIRST
	// []interface {}{"2024-01-01T00:00:00.000000Z", 1, 2, 3, "%polio%"}
	// SELECT * FROM "indicator" WHERE ("indicator"."created_at" >= $1 AND "indicator"."id" IN ($2,$3,$4) AND lower("indicator"."short_name") LIKE $5 ESCAPE '\') ORDER BY "indicator"."id" DESC NULLS FIRST
	// []interface {}{time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC), 1, 2, 3, "%polio%"}
	// The 'shortname' field does not allow filtering. Allowed: created, id, short_name.
}
