package filters_test

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

// goldenCase is one query with the exact SQL and arguments it compiles to on each backend.
type goldenCase struct {
	name         string
	give         string // raw query string
	wantSQLite   string
	wantSQLiteA  []any
	wantPostgres string
	wantPgA      []any
}

var goldenCases = []goldenCase{
	{
		name: "no filters", give: "",
		wantSQLite: "(1=1)", wantPostgres: "(1=1)",
	},
	{
		name: "none is IS NULL", give: "score=none",
		wantSQLite: `("indicator"."score" IS NULL)`, wantPostgres: `("indicator"."score" IS NULL)`,
	},
	{
		name: "iexact None is IS NULL", give: "name__iexact=None",
		wantSQLite: `("indicator"."name" IS NULL)`, wantPostgres: `("indicator"."name" IS NULL)`,
	},
	{
		name: "nil among in values", give: "id__in=1,nil,2",
		wantSQLite: `(("indicator"."id" IN (?,?) OR "indicator"."id" IS NULL))`, wantSQLiteA: []any{int64(1), int64(2)},
		wantPostgres: `(("indicator"."id" IN (?,?) OR "indicator"."id" IS NULL))`, wantPgA: []any{int64(1), int64(2)},
	},
	{
		name: "in of none alone", give: "id__in=none",
		wantSQLite: `("indicator"."id" IS NULL)`, wantPostgres: `("indicator"."id" IS NULL)`,
	},
	{
		name: "empty in matches nothing", give: "id__in=",
		wantSQLite: `(1=0)`, wantPostgres: `(1=0)`,
	},
	{
		name: "hour and minute of a timestamp", give: "created__hour__gte=3&created__minute=30",
		wantSQLite: `(CAST(strftime('%H', "indicator"."created_at") AS INTEGER) >= ? AND CAST(strftime('%M', "indicator"."created_at") AS INTEGER) = ?)`, wantSQLiteA: []any{int64(3), int64(30)},
		wantPostgres: `(CAST(EXTRACT(HOUR FROM "indicator"."created_at") AS INTEGER) >= ? AND CAST(EXTRACT(MINUTE FROM "indicator"."created_at") AS INTEGER) = ?)`, wantPgA: []any{int64(3), int64(30)},
	},
	{
		name: "second drops the fraction", give: "created__second__lt=30",
		wantSQLite: `(CAST(strftime('%S', "indicator"."created_at") AS INTEGER) < ?)`, wantSQLiteA: []any{int64(30)},
		wantPostgres: `(CAST(FLOOR(EXTRACT(SECOND FROM "indicator"."created_at")) AS INTEGER) < ?)`, wantPgA: []any{int64(30)},
	},
	{
		name: "week_day is 1 (Sunday) to 7", give: "born__week_day__in=1,7",
		wantSQLite: `((CAST(strftime('%w', "indicator"."born_on") AS INTEGER) + 1) IN (?,?))`, wantSQLiteA: []any{int64(1), int64(7)},
		wantPostgres: `((CAST(EXTRACT(DOW FROM "indicator"."born_on") AS INTEGER) + 1) IN (?,?))`, wantPgA: []any{int64(1), int64(7)},
	},
	{
		name: "ISO week, quarter and ISO year", give: "born__week=53&born__quarter__range=1,2&born__iso_year=2020",
		wantSQLite:   `(CAST(strftime('%G', "indicator"."born_on") AS INTEGER) = ? AND ((CAST(strftime('%m', "indicator"."born_on") AS INTEGER) + 2) / 3) BETWEEN ? AND ? AND CAST(strftime('%V', "indicator"."born_on") AS INTEGER) = ?)`,
		wantSQLiteA:  []any{int64(2020), int64(1), int64(2), int64(53)},
		wantPostgres: `(CAST(EXTRACT(ISOYEAR FROM "indicator"."born_on") AS INTEGER) = ? AND CAST(EXTRACT(QUARTER FROM "indicator"."born_on") AS INTEGER) BETWEEN ? AND ? AND CAST(EXTRACT(WEEK FROM "indicator"."born_on") AS INTEGER) = ?)`,
		wantPgA:      []any{int64(2020), int64(1), int64(2), int64(53)},
	},
	{
		name: "date of a timestamp", give: "created__date__gt=2020-01-31",
		wantSQLite: `(date("indicator"."created_at") > ?)`, wantSQLiteA: []any{"2020-01-31"},
		wantPostgres: `(CAST("indicator"."created_at" AS DATE) > ?)`, wantPgA: []any{"2020-01-31"},
	},
	{
		name: "time of a timestamp", give: "created__time=14:30",
		wantSQLite:   `(CASE WHEN "indicator"."created_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' THEN substr("indicator"."created_at", 12, 15) ELSE strftime('%H:%M:%S', "indicator"."created_at") || '.' || substr(strftime('%f', "indicator"."created_at"), 4) || '000' END = ?)`,
		wantSQLiteA:  []any{"14:30:00.000000"},
		wantPostgres: `(to_char("indicator"."created_at", 'HH24:MI:SS.US') = ?)`, wantPgA: []any{"14:30:00.000000"},
	},
	{
		name: "a transform given none: IS NULL", give: "created__hour=none",
		wantSQLite:   `(CAST(strftime('%H', "indicator"."created_at") AS INTEGER) IS NULL)`,
		wantPostgres: `(CAST(EXTRACT(HOUR FROM "indicator"."created_at") AS INTEGER) IS NULL)`,
	},
	{
		name: "regex: RE2 on SQLite (. matches a newline), the ASCII classes spelled out on PostgreSQL", give: `name__regex=%5E%5Cw%2B+%5Cd%7B2%7D%24`,
		wantSQLite: `("indicator"."name" REGEXP ?)`, wantSQLiteA: []any{`(?s)^\w+ \d{2}$`},
		wantPostgres: `("indicator"."name" ~ ?)`, wantPgA: []any{`^[0-9A-Za-z_]+ [0-9]{2}$`},
	},
	{
		name: "iregex", give: `name__iregex=%5B%5E%5Cs%5D%5CS`,
		wantSQLite: `("indicator"."name" REGEXP ?)`, wantSQLiteA: []any{`(?is)[^\s]\S`},
		wantPostgres: `("indicator"."name" ~* ?)`, wantPgA: []any{`[^ \t\n\f\r][^ \t\n\f\r]`},
	},
	{
		name: "bare field is exact", give: "id=7",
		wantSQLite: `("indicator"."id" = ?)`, wantSQLiteA: []any{int64(7)},
		wantPostgres: `("indicator"."id" = ?)`, wantPgA: []any{int64(7)},
	},
	{
		name: "exact", give: "id__exact=7",
		wantSQLite: `("indicator"."id" = ?)`, wantSQLiteA: []any{int64(7)},
		wantPostgres: `("indicator"."id" = ?)`, wantPgA: []any{int64(7)},
	},
	{
		name: "iexact folds column and value, non-ASCII too", give: "name__iexact=%C3%84rger",
		wantSQLite: `(tg_fold("indicator"."name") = ?)`, wantSQLiteA: []any{"ärger"},
		wantPostgres: `(lower("indicator"."name") = ?)`, wantPgA: []any{"ärger"},
	},
	{
		name: "contains", give: "name__contains=Polio",
		wantSQLite: `("indicator"."name" LIKE ? ESCAPE '\')`, wantSQLiteA: []any{"%Polio%"},
		wantPostgres: `("indicator"."name" LIKE ? ESCAPE '\')`, wantPgA: []any{"%Polio%"},
	},
	{
		name: "icontains", give: "name__icontains=POLIO",
		wantSQLite: `(tg_fold("indicator"."name") LIKE ? ESCAPE '\')`, wantSQLiteA: []any{"%polio%"},
		wantPostgres: `(lower("indicator"."name") LIKE ? ESCAPE '\')`, wantPgA: []any{"%polio%"},
	},
	{
		name: "startswith", give: "name__startswith=Po",
		wantSQLite: `("indicator"."name" LIKE ? ESCAPE '\')`, wantSQLiteA: []any{"Po%"},
		wantPostgres: `("indicator"."name" LIKE ? ESCAPE '\')`, wantPgA: []any{"Po%"},
	},
	{
		name: "istartswith", give: "name__istartswith=Po",
		wantSQLite: `(tg_fold("indicator"."name") LIKE ? ESCAPE '\')`, wantSQLiteA: []any{"po%"},
		wantPostgres: `(lower("indicator"."name") LIKE ? ESCAPE '\')`, wantPgA: []any{"po%"},
	},
	{
		name: "endswith", give: "name__endswith=io",
		wantSQLite: `("indicator"."name" LIKE ? ESCAPE '\')`, wantSQLiteA: []any{"%io"},
		wantPostgres: `("indicator"."name" LIKE ? ESCAPE '\')`, wantPgA: []any{"%io"},
	},
	{
		name: "iendswith", give: "name__iendswith=IO",
		wantSQLite: `(tg_fold("indicator"."name") LIKE ? ESCAPE '\')`, wantSQLiteA: []any{"%io"},
		wantPostgres: `(lower("indicator"."name") LIKE ? ESCAPE '\')`, wantPgA: []any{"%io"},
	},
	{
		name: "LIKE wildcards and escape match literally", give: `name__contains=50%25_off%5C`,
		wantSQLite: `("indicator"."name" LIKE ? ESCAPE '\')`, wantSQLiteA: []any{`%50\%\_off\\%`},
		wantPostgres: `("indicator"."name" LIKE ? ESCAPE '\')`, wantPgA: []any{`%50\%\_off\\%`},
	},
	{
		name: "istartswith escapes after folding", give: `name__istartswith=%C3%9CBER_%25`,
		wantSQLite: `(tg_fold("indicator"."name") LIKE ? ESCAPE '\')`, wantSQLiteA: []any{`über\_\%%`},
		wantPostgres: `(lower("indicator"."name") LIKE ? ESCAPE '\')`, wantPgA: []any{`über\_\%%`},
	},
	{
		name: "in with commas", give: "id__in=1,2,3",
		wantSQLite: `("indicator"."id" IN (?,?,?))`, wantSQLiteA: []any{int64(1), int64(2), int64(3)},
		wantPostgres: `("indicator"."id" IN (?,?,?))`, wantPgA: []any{int64(1), int64(2), int64(3)},
	},
	{
		name: "in with repeats and commas", give: "id__in=1,2&id__in=3",
		wantSQLite: `("indicator"."id" IN (?,?,?))`, wantSQLiteA: []any{int64(1), int64(2), int64(3)},
		wantPostgres: `("indicator"."id" IN (?,?,?))`, wantPgA: []any{int64(1), int64(2), int64(3)},
	},
	{
		name: "in with one value", give: "slug__in=polio",
		wantSQLite: `("indicator"."slug" IN (?))`, wantSQLiteA: []any{"polio"},
		wantPostgres: `("indicator"."slug" IN (?))`, wantPgA: []any{"polio"},
	},
	{
		name: "range", give: "id__range=1,10",
		wantSQLite: `("indicator"."id" BETWEEN ? AND ?)`, wantSQLiteA: []any{int64(1), int64(10)},
		wantPostgres: `("indicator"."id" BETWEEN ? AND ?)`, wantPgA: []any{int64(1), int64(10)},
	},
	{
		name: "range from repeats", give: "score__range=-1.5&score__range=1e3",
		wantSQLite: `("indicator"."score" BETWEEN ? AND ?)`, wantSQLiteA: []any{-1.5, 1000.0},
		wantPostgres: `("indicator"."score" BETWEEN ? AND ?)`, wantPgA: []any{-1.5, 1000.0},
	},
	{
		name: "gt", give: "id__gt=1",
		wantSQLite: `("indicator"."id" > ?)`, wantSQLiteA: []any{int64(1)},
		wantPostgres: `("indicator"."id" > ?)`, wantPgA: []any{int64(1)},
	},
	{
		name: "gte", give: "id__gte=1",
		wantSQLite: `("indicator"."id" >= ?)`, wantSQLiteA: []any{int64(1)},
		wantPostgres: `("indicator"."id" >= ?)`, wantPgA: []any{int64(1)},
	},
	{
		name: "lt", give: "score__lt=2.5",
		wantSQLite: `("indicator"."score" < ?)`, wantSQLiteA: []any{2.5},
		wantPostgres: `("indicator"."score" < ?)`, wantPgA: []any{2.5},
	},
	{
		name: "lte on text", give: "name__lte=m",
		wantSQLite: `("indicator"."name" <= ?)`, wantSQLiteA: []any{"m"},
		wantPostgres: `("indicator"."name" <= ?)`, wantPgA: []any{"m"},
	},
	{
		name: "isnull true", give: "name__isnull=true",
		wantSQLite: `("indicator"."name" IS NULL)`, wantPostgres: `("indicator"."name" IS NULL)`,
	},
	{
		name: "isnull false", give: "data__isnull=false",
		wantSQLite: `("indicator"."data" IS NOT NULL)`, wantPostgres: `("indicator"."data" IS NOT NULL)`,
	},
	{
		name: "isnull 0", give: "location__isnull=0",
		wantSQLite: `("indicator"."location_id" IS NOT NULL)`, wantPostgres: `("indicator"."location_id" IS NOT NULL)`,
	},
	{
		name: "year of a timestamp", give: "created__year=2024",
		wantSQLite: `(CAST(strftime('%Y', "indicator"."created_at") AS INTEGER) = ?)`, wantSQLiteA: []any{int64(2024)},
		wantPostgres: `(CAST(EXTRACT(YEAR FROM "indicator"."created_at") AS INTEGER) = ?)`, wantPgA: []any{int64(2024)},
	},
	{
		name: "month of a date", give: "born__month=3",
		wantSQLite: `(CAST(strftime('%m', "indicator"."born_on") AS INTEGER) = ?)`, wantSQLiteA: []any{int64(3)},
		wantPostgres: `(CAST(EXTRACT(MONTH FROM "indicator"."born_on") AS INTEGER) = ?)`, wantPgA: []any{int64(3)},
	},
	{
		name: "day of a date", give: "born__day=15",
		wantSQLite: `(CAST(strftime('%d', "indicator"."born_on") AS INTEGER) = ?)`, wantSQLiteA: []any{int64(15)},
		wantPostgres: `(CAST(EXTRACT(DAY FROM "indicator"."born_on") AS INTEGER) = ?)`, wantPgA: []any{int64(15)},
	},
	{
		name: "timestamp with a zone is bound in UTC", give: "created__gte=2024-03-01T10:00:00%2B02:00",
		wantSQLite: `("indicator"."created_at" >= ?)`, wantSQLiteA: []any{"2024-03-01T08:00:00.000000Z"},
		wantPostgres: `("indicator"."created_at" >= ?)`, wantPgA: []any{time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)},
	},
	{
		name: "timestamp in of a bare date and a space-separated one", give: "created__in=2024-03-01,2024-03-01 12:30:00",
		wantSQLite: `("indicator"."created_at" IN (?,?))`, wantSQLiteA: []any{"2024-03-01T00:00:00.000000Z", "2024-03-01T12:30:00.000000Z"},
		wantPostgres: `("indicator"."created_at" IN (?,?))`,
		wantPgA:      []any{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)},
	},
	{
		name: "date", give: "born=2024-03-01",
		wantSQLite: `("indicator"."born_on" = ?)`, wantSQLiteA: []any{"2024-03-01"},
		wantPostgres: `("indicator"."born_on" = ?)`, wantPgA: []any{"2024-03-01"},
	},
	{
		name: "date range", give: "born__range=2024-01-01,2024-12-31",
		wantSQLite: `("indicator"."born_on" BETWEEN ? AND ?)`, wantSQLiteA: []any{"2024-01-01", "2024-12-31"},
		wantPostgres: `("indicator"."born_on" BETWEEN ? AND ?)`, wantPgA: []any{"2024-01-01", "2024-12-31"},
	},
	{
		name: "boolean true", give: "active=true",
		wantSQLite: `("indicator"."active" = ?)`, wantSQLiteA: []any{true},
		wantPostgres: `("indicator"."active" = ?)`, wantPgA: []any{true},
	},
	{
		name: "boolean in of 1 and False", give: "active__in=1,False",
		wantSQLite: `("indicator"."active" IN (?,?))`, wantSQLiteA: []any{true, false},
		wantPostgres: `("indicator"."active" IN (?,?))`, wantPgA: []any{true, false},
	},
	{
		name: "related", give: "location=7",
		wantSQLite: `("indicator"."location_id" = ?)`, wantSQLiteA: []any{int64(7)},
		wantPostgres: `("indicator"."location_id" = ?)`, wantPgA: []any{int64(7)},
	},
	{
		name: "across a relation", give: "campaign__name=Polio",
		wantSQLite: `("campaign"."name" = ?)`, wantSQLiteA: []any{"Polio"},
		wantPostgres: `("campaign"."name" = ?)`, wantPgA: []any{"Polio"},
	},
	{
		name: "a related field named like a lookup", give: "campaign__year=2020",
		wantSQLite: `("campaign"."year" = ?)`, wantSQLiteA: []any{int64(2020)},
		wantPostgres: `("campaign"."year" = ?)`, wantPgA: []any{int64(2020)},
	},
	{
		name: "two hops with a lookup", give: "campaign__top_lvl_location__location_code__in=NG,PK",
		wantSQLite:   `("campaign__top_lvl_location"."location_code" IN (?,?))`,
		wantSQLiteA:  []any{"NG", "PK"},
		wantPostgres: `("campaign__top_lvl_location"."location_code" IN (?,?))`,
		wantPgA:      []any{"NG", "PK"},
	},
	{
		name: "several, ANDed in key order", give: "name__icontains=polio&id__in=1,2&active=1",
		wantSQLite:   `("indicator"."active" = ? AND "indicator"."id" IN (?,?) AND tg_fold("indicator"."name") LIKE ? ESCAPE '\')`,
		wantSQLiteA:  []any{true, int64(1), int64(2), "%polio%"},
		wantPostgres: `("indicator"."active" = ? AND "indicator"."id" IN (?,?) AND lower("indicator"."name") LIKE ? ESCAPE '\')`,
		wantPgA:      []any{true, int64(1), int64(2), "%polio%"},
	},
	{
		name: "reserved parameters are not filters", give: "limit=20&offset=0&order_by=name&fields=id&depth=1&format=json&_=123&campaign_id=4&id=1",
		wantSQLite: `("indicator"."id" = ?)`, wantSQLiteA: []any{int64(1)},
		wantPostgres: `("indicator"."id" = ?)`, wantPgA: []any{int64(1)},
	},
	{
		name: "SQL-looking text is only an argument", give: "name=x%27%29%20OR%201%3D1--",
		wantSQLite: `("indicator"."name" = ?)`, wantSQLiteA: []any{"x') OR 1=1--"},
		wantPostgres: `("indicator"."name" = ?)`, wantPgA: []any{"x') OR 1=1--"},
	},
}

// reserved is the predicate of the tests: the standard parameters plus one a resource declares.
var reserved = filters.Reserved("campaign_id")

func TestWhereGolden(t *testing.T) {
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.give)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := filters.Parse(q, resolver{}, reserved)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			lite, err := filters.Where(fs, sqlite)
			if err != nil {
				t.Fatalf("Where(sqlite): %v", err)
			}
			pg, err := filters.Where(fs, postgres)
			if err != nil {
				t.Fatalf("Where(postgres): %v", err)
			}
			gotLite, gotLiteA, err := lite.ToSql()
			if err != nil {
				t.Fatal(err)
			}
			gotPg, gotPgA, err := pg.ToSql()
			if err != nil {
				t.Fatal(err)
			}
			if gotLite != tt.wantSQLite || !reflect.DeepEqual(args(gotLiteA), tt.wantSQLiteA) {
				t.Errorf("sqlite:\n got %s %#v\nwant %s %#v", gotLite, gotLiteA, tt.wantSQLite, tt.wantSQLiteA)
			}
			if gotPg != tt.wantPostgres || !reflect.DeepEqual(args(gotPgA), tt.wantPgA) {
				t.Errorf("postgres:\n got %s %#v\nwant %s %#v", gotPg, gotPgA, tt.wantPostgres, tt.wantPgA)
			}
		})
	}
}

// TestWhereInStatement shows the conditions inside a statement: the dialect's builder rewrites the
// placeholders.
func TestWhereInStatement(t *testing.T) {
	tests := []struct {
		name        string
		giveDialect dialect.Dialect
		want        string
	}{
		{name: "sqlite", giveDialect: sqlite,
			want: `SELECT id FROM indicator WHERE ("indicator"."id" IN (?,?) AND tg_fold("indicator"."name") LIKE ? ESCAPE '\')`},
		{name: "postgres", giveDialect: postgres,
			want: `SELECT id FROM indicator WHERE ("indicator"."id" IN ($1,$2) AND lower("indicator"."name") LIKE $3 ESCAPE '\')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.giveDialect
			fs, err := filters.Parse(url.Values{"id__in": {"1,2"}, "name__icontains": {"Polio"}}, resolver{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			w, err := filters.Where(fs, d)
			if err != nil {
				t.Fatal(err)
			}
			got, gotArgs, err := d.Builder().Select("id").From("indicator").Where(w).ToSql()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || !reflect.DeepEqual(gotArgs, []any{int64(1), int64(2), "%polio%"}) {
				t.Errorf("got %s %v\nwant %s", got, gotArgs, tt.want)
			}
		})
	}
}

func TestWhereErrors(t *testing.T) {
	idField := filters.Field{Param: "id", Name: "id", Column: `"id"`, Type: field.Integer}
	noColumn := filters.Field{Param: "id", Name: "id", Type: field.Integer}
	nameField := filters.Field{Param: "name", Name: "name", Column: `"name"`, Type: field.String}
	tests := []struct {
		name    string
		give    filters.Filter
		wantErr string
	}{
		{name: "no column", give: filters.Filter{Param: "id", Field: noColumn, Lookup: filters.Exact, Values: []any{int64(1)}},
			wantErr: "filters: id: the field has no column"},
		{name: "lookup the type cannot take", give: filters.Filter{Param: "id__icontains", Field: idField, Lookup: filters.IContains, Values: []any{"1"}},
			wantErr: `filters: id__icontains: lookup "icontains" does not apply to a integer field`},
		{name: "unknown lookup", give: filters.Filter{Param: "id__regex", Field: idField, Lookup: "regex", Values: []any{"1"}},
			wantErr: `filters: id__regex: lookup "regex" does not apply to a integer field`},
		{name: "no value", give: filters.Filter{Param: "id", Field: idField, Lookup: filters.Exact},
			wantErr: "filters: id: exact takes 1 values, got 0"},
		{name: "NULL on gt", give: filters.Filter{Param: "id__gt", Field: idField, Lookup: filters.Gt, Values: []any{nil}},
			wantErr: "filters: id__gt: gt does not take NULL"},
		{name: "range of three", give: filters.Filter{Param: "id__range", Field: idField, Lookup: filters.Range, Values: []any{int64(1), int64(2), int64(3)}},
			wantErr: "filters: id__range: range takes 2 values, got 3"},
		{name: "isnull not a bool", give: filters.Filter{Param: "id__isnull", Field: idField, Lookup: filters.IsNull, Values: []any{"yes"}},
			wantErr: "filters: id__isnull: isnull takes a bool, got string"},
		{name: "contains not a string", give: filters.Filter{Param: "name__contains", Field: nameField, Lookup: filters.Contains, Values: []any{int64(1)}},
			wantErr: "filters: name__contains: contains takes a string, got int64"},
		{name: "year not an int64", give: filters.Filter{Param: "born__year", Field: filters.Field{Column: `"born"`, Type: field.Date}, Lookup: filters.Year, Values: []any{"2024"}},
			wantErr: "filters: born__year: year cannot compare string"},
		{name: "a transform after a transform", give: filters.Filter{Param: "born__year", Field: filters.Field{Column: `"born"`, Type: field.Date}, Lookup: filters.Year, Compare: filters.Month, Values: []any{int64(1)}},
			wantErr: "filters: born__year: month cannot follow year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := filters.Where([]filters.Filter{tt.give}, sqlite)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestJoins(t *testing.T) {
	tests := []struct {
		name string
		give string
		want [][]string
	}{
		{name: "own fields only", give: "id=1&name=x", want: nil},
		{name: "one hop", give: "campaign__name=x", want: [][]string{{"campaign"}}},
		{name: "prefixes, shortest first, once each", give: "campaign__top_lvl_location__location_code=NG&campaign__name=x&campaign__year=2020&id=1",
			want: [][]string{{"campaign"}, {"campaign", "top_lvl_location"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.give)
			fs, err := filters.Parse(q, resolver{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := filters.Joins(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJoinPaths(t *testing.T) {
	tests := []struct {
		name string
		give [][]string
		want [][]string
	}{
		{name: "none", give: nil, want: nil},
		{name: "empty paths dropped", give: [][]string{nil, {}}, want: nil},
		{name: "sorted by length then lexically", give: [][]string{{"b", "x"}, {"a"}, {"b"}, {"a", "z", "y"}},
			want: [][]string{{"a"}, {"b"}, {"a", "z"}, {"b", "x"}, {"a", "z", "y"}}},
		{name: "a name holding the separator stays distinct", give: [][]string{{"a__b"}, {"a", "b"}},
			want: [][]string{{"a"}, {"a__b"}, {"a", "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filters.JoinPaths(tt.give...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
