package filters_test

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/filters"
)

// parsed is what a test compares of a Filter.
type parsed struct {
	Param   string
	Field   string // Field.Param
	Column  string
	Lookup  filters.Lookup
	Compare filters.Lookup
	Values  []any
}

func summarize(fs []filters.Filter) []parsed {
	var out []parsed
	for _, f := range fs {
		out = append(out, parsed{Param: f.Param, Field: f.Field.Param, Column: f.Field.Column, Lookup: f.Lookup, Compare: f.Compare, Values: f.Values})
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		give string
		want []parsed
	}{
		{name: "nothing", give: "", want: nil},
		{name: "only reserved", give: "limit=1&offset=2&order_by=-id&fields=id&depth=2&format=csv&_=1&campaign_id=3", want: nil},
		{name: "integer, trimmed", give: "id=%207%20",
			want: []parsed{{Param: "id", Field: "id", Column: `"indicator"."id"`, Lookup: filters.Exact, Values: []any{int64(7)}}}},
		{name: "negative integer", give: "id__gt=-3",
			want: []parsed{{Param: "id__gt", Field: "id", Column: `"indicator"."id"`, Lookup: filters.Gt, Values: []any{int64(-3)}}}},
		{name: "float", give: "score__gte=1.25",
			want: []parsed{{Param: "score__gte", Field: "score", Column: `"indicator"."score"`, Lookup: filters.Gte, Values: []any{1.25}}}},
		{name: "float from an integer", give: "score=3",
			want: []parsed{{Param: "score", Field: "score", Column: `"indicator"."score"`, Lookup: filters.Exact, Values: []any{3.0}}}},
		{name: "string kept as given", give: "name=%20Polio%20",
			want: []parsed{{Param: "name", Field: "name", Column: `"indicator"."name"`, Lookup: filters.Exact, Values: []any{" Polio "}}}},
		{name: "empty string is a value", give: "name=",
			want: []parsed{{Param: "name", Field: "name", Column: `"indicator"."name"`, Lookup: filters.Exact, Values: []any{""}}}},
		{name: "boolean true", give: "active=true",
			want: []parsed{{Param: "active", Field: "active", Column: `"indicator"."active"`, Lookup: filters.Exact, Values: []any{true}}}},
		{name: "boolean False", give: "active=False",
			want: []parsed{{Param: "active", Field: "active", Column: `"indicator"."active"`, Lookup: filters.Exact, Values: []any{false}}}},
		{name: "boolean 1", give: "active=1",
			want: []parsed{{Param: "active", Field: "active", Column: `"indicator"."active"`, Lookup: filters.Exact, Values: []any{true}}}},
		{name: "boolean 0", give: "active=0",
			want: []parsed{{Param: "active", Field: "active", Column: `"indicator"."active"`, Lookup: filters.Exact, Values: []any{false}}}},
		{name: "date", give: "born=2024-02-29",
			want: []parsed{{Param: "born", Field: "born", Column: `"indicator"."born_on"`, Lookup: filters.Exact, Values: []any{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}}}},
		{name: "date from a timestamp", give: "born__lt=2024-02-29T23:59:59Z",
			want: []parsed{{Param: "born__lt", Field: "born", Column: `"indicator"."born_on"`, Lookup: filters.Lt, Values: []any{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}}}},
		{name: "timestamp Tastypie style", give: "created__gte=2010-03-31%2000:00:00Z",
			want: []parsed{{Param: "created__gte", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Gte, Values: []any{time.Date(2010, 3, 31, 0, 0, 0, 0, time.UTC)}}}},
		{name: "timestamp with fraction and zone, to UTC", give: "created=2024-01-01T01:00:00.5-01:00",
			want: []parsed{{Param: "created", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Exact, Values: []any{time.Date(2024, 1, 1, 2, 0, 0, 500000000, time.UTC)}}}},
		{name: "related is an integer", give: "location__in=1,2",
			want: []parsed{{Param: "location__in", Field: "location", Column: `"indicator"."location_id"`, Lookup: filters.In, Values: []any{int64(1), int64(2)}}}},
		{name: "in: commas and repeats concatenated", give: "slug__in=a,b&slug__in=c&slug__in=d,e",
			want: []parsed{{Param: "slug__in", Field: "slug", Column: `"indicator"."slug"`, Lookup: filters.In, Values: []any{"a", "b", "c", "d", "e"}}}},
		{name: "in: an empty string among others", give: "slug__in=a,,b",
			want: []parsed{{Param: "slug__in", Field: "slug", Column: `"indicator"."slug"`, Lookup: filters.In, Values: []any{"a", "", "b"}}}},
		{name: "range of dates", give: "born__range=2024-01-01,2024-06-30",
			want: []parsed{{Param: "born__range", Field: "born", Column: `"indicator"."born_on"`, Lookup: filters.Range,
				Values: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)}}}},
		{name: "isnull is a bool whatever the type", give: "score__isnull=TRUE",
			want: []parsed{{Param: "score__isnull", Field: "score", Column: `"indicator"."score"`, Lookup: filters.IsNull, Values: []any{true}}}},
		{name: "year is an integer", give: "created__year=2024",
			want: []parsed{{Param: "created__year", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Year, Compare: filters.Exact, Values: []any{int64(2024)}}}},
		{name: "empty in matches nothing", give: "id__in=",
			want: []parsed{{Param: "id__in", Field: "id", Column: `"indicator"."id"`, Lookup: filters.In, Values: []any{}}}},
		{name: "empty in, repeated", give: "slug__in=&slug__in=",
			want: []parsed{{Param: "slug__in", Field: "slug", Column: `"indicator"."slug"`, Lookup: filters.In, Values: []any{}}}},
		{name: "none is NULL", give: "score=none",
			want: []parsed{{Param: "score", Field: "score", Column: `"indicator"."score"`, Lookup: filters.Exact, Values: []any{nil}}}},
		{name: "None is NULL on a string too", give: "name__iexact=None",
			want: []parsed{{Param: "name__iexact", Field: "name", Column: `"indicator"."name"`, Lookup: filters.IExact, Values: []any{nil}}}},
		{name: "nil among in values", give: "id__in=1,nil&id__in=none",
			want: []parsed{{Param: "id__in", Field: "id", Column: `"indicator"."id"`, Lookup: filters.In, Values: []any{int64(1), nil, nil}}}},
		{name: "NONE is no NULL but text", give: "name=NONE",
			want: []parsed{{Param: "name", Field: "name", Column: `"indicator"."name"`, Lookup: filters.Exact, Values: []any{"NONE"}}}},
		{name: "hour", give: "created__hour=3",
			want: []parsed{{Param: "created__hour", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Hour, Compare: filters.Exact, Values: []any{int64(3)}}}},
		{name: "hour and a comparison", give: "created__hour__gte=3",
			want: []parsed{{Param: "created__hour__gte", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Hour, Compare: filters.Gte, Values: []any{int64(3)}}}},
		{name: "week_day in", give: "born__week_day__in=1,7",
			want: []parsed{{Param: "born__week_day__in", Field: "born", Column: `"indicator"."born_on"`, Lookup: filters.WeekDay, Compare: filters.In, Values: []any{int64(1), int64(7)}}}},
		{name: "date of a timestamp", give: "created__date__range=2020-01-01,2020-01-31",
			want: []parsed{{Param: "created__date__range", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Date, Compare: filters.Range,
				Values: []any{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC)}}}},
		{name: "time, to microseconds", give: "created__time__lt=14:30&created__time=01:02:03.1234567",
			want: []parsed{
				{Param: "created__time", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Time, Compare: filters.Exact, Values: []any{"01:02:03.123456"}},
				{Param: "created__time__lt", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Time, Compare: filters.Lt, Values: []any{"14:30:00.000000"}},
			}},
		{name: "a transform given none is NULL", give: "created__year=none",
			want: []parsed{{Param: "created__year", Field: "created", Column: `"indicator"."created_at"`, Lookup: filters.Year, Compare: filters.Exact, Values: []any{nil}}}},
		{name: "repeated non-in: the last counts", give: "id=1&id=2&id=3",
			want: []parsed{{Param: "id", Field: "id", Column: `"indicator"."id"`, Lookup: filters.Exact, Values: []any{int64(3)}}}},
		{name: "a field named like a lookup across a relation", give: "campaign__year__gte=2020",
			want: []parsed{{Param: "campaign__year__gte", Field: "campaign__year", Column: `"campaign"."year"`, Lookup: filters.Gte, Values: []any{int64(2020)}}}},
		{name: "relation field without lookup", give: "campaign__year=2020",
			want: []parsed{{Param: "campaign__year", Field: "campaign__year", Column: `"campaign"."year"`, Lookup: filters.Exact, Values: []any{int64(2020)}}}},
		{name: "relation key itself", give: "campaign=4",
			want: []parsed{{Param: "campaign", Field: "campaign", Column: `"indicator"."campaign_id"`, Lookup: filters.Exact, Values: []any{int64(4)}}}},
		{name: "sorted by key, whatever the order given", give: "short_name=b&active=1&id__lt=9&campaign__name=c",
			want: []parsed{
				{Param: "active", Field: "active", Column: `"indicator"."active"`, Lookup: filters.Exact, Values: []any{true}},
				{Param: "campaign__name", Field: "campaign__name", Column: `"campaign"."name"`, Lookup: filters.Exact, Values: []any{"c"}},
				{Param: "id__lt", Field: "id", Column: `"indicator"."id"`, Lookup: filters.Lt, Values: []any{int64(9)}},
				{Param: "short_name", Field: "short_name", Column: `"indicator"."short_name"`, Lookup: filters.Exact, Values: []any{"b"}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.give)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := filters.Parse(q, resolver{}, reserved)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := summarize(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// errorCase is one query Parse must refuse, with the exact error.
type errorCase struct {
	name        string
	give        string
	giveR       filters.Resolver
	wantCode    apierror.Code
	wantMessage string
	wantDetails map[string]any
}

var errorCases = []errorCase{
	{
		name: "unknown field (API.md's example)", give: "nmae=polio", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The 'nmae' field does not allow filtering. Allowed: id, name, short_name.",
		wantDetails: map[string]any{"parameter": "nmae", "allowed": []string{"id", "name", "short_name"}},
	},
	{
		name: "unknown field with a lookup", give: "nmae__icontains=polio", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The 'nmae' field does not allow filtering. Allowed: id, name, short_name.",
		wantDetails: map[string]any{"parameter": "nmae__icontains", "allowed": []string{"id", "name", "short_name"}},
	},
	{
		name: "empty key", give: "=1", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The '' field does not allow filtering. Allowed: id, name, short_name.",
		wantDetails: map[string]any{"parameter": "", "allowed": []string{"id", "name", "short_name"}},
	},
	{
		name: "a lookup with no field", give: "__gt=1", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The '' field does not allow filtering. Allowed: id, name, short_name.",
		wantDetails: map[string]any{"parameter": "__gt", "allowed": []string{"id", "name", "short_name"}},
	},
	{
		name: "a hop on a field that is no relation", give: "id__foo=1", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The 'id' field does not support relations.",
		wantDetails: map[string]any{"parameter": "id__foo"},
	},
	{
		name: "a trailing separator", give: "id__=1", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The 'id' field does not support relations.",
		wantDetails: map[string]any{"parameter": "id__"},
	},
	{
		name: "two lookups", give: "created__gte__year=2020", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "The 'created' field does not support relations.",
		wantDetails: map[string]any{"parameter": "created__gte__year"},
	},
	{
		name: "a text lookup after a transform", give: "created__year__contains=20", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "The 'created' field does not support relations.",
		wantDetails: map[string]any{"parameter": "created__year__contains"},
	},
	{
		name: "a timestamp's part on a date", give: "born__hour=3", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "'hour' is not an allowed filter on the 'born' field. Allowed: exact, in, range, gt, gte, lt, lte, isnull, year, month, day, week_day, week, quarter, iso_year.",
		wantDetails: map[string]any{"parameter": "born__hour", "allowed": []string{"exact", "in", "range", "gt", "gte", "lt", "lte", "isnull", "year", "month", "day", "week_day", "week", "quarter", "iso_year"}},
	},
	{
		name: "hour not an integer", give: "created__hour__gte=3pm", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'created__hour__gte' filter: "3pm" is not an integer.`,
		wantDetails: map[string]any{"parameter": "created__hour__gte"},
	},
	{
		name: "not a time of day", give: "created__time=25:00", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'created__time' filter: "25:00" is not a time of day (HH:MM, HH:MM:SS or HH:MM:SS.ffffff).`,
		wantDetails: map[string]any{"parameter": "created__time"},
	},
	{
		name: "not a date", give: "created__date__in=2020-01-01,tomorrow", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'created__date__in' filter: "tomorrow" is not an ISO 8601 date (YYYY-MM-DD).`,
		wantDetails: map[string]any{"parameter": "created__date__in"},
	},
	{
		name: "none after a transform's gt", give: "created__week__gt=none", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'created__week__gt' filter: "none" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL).`,
		wantDetails: map[string]any{"parameter": "created__week__gt"},
	},
	{
		name: "unknown lookup name is a hop", give: "name__search=x", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "The 'name' field does not support relations.",
		wantDetails: map[string]any{"parameter": "name__search"},
	},
	{
		name: "regex outside the subset", give: `name__regex=%5Cbpolio`, giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'name__regex' filter: "\\bpolio" uses the escape \b, outside the regular expressions that match alike on every backend (see the README).`,
		wantDetails: map[string]any{"parameter": "name__regex"},
	},
	{
		name: "regex that does not compile", give: `name__iregex=(ab`, giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'name__iregex' filter: "(ab" is not a regular expression: missing closing ): ` + "`(ab`" + `.`,
		wantDetails: map[string]any{"parameter": "name__iregex"},
	},
	{
		name: "regex given none", give: `name__regex=none`, giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'name__regex' filter: "none" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL).`,
		wantDetails: map[string]any{"parameter": "name__regex"},
	},
	{
		name: "lookup not allowed by the resource", give: "slug__startswith=x", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "'startswith' is not an allowed filter on the 'slug' field. Allowed: exact, in.",
		wantDetails: map[string]any{"parameter": "slug__startswith", "allowed": []string{"exact", "in"}},
	},
	{
		name: "lookup meaningless for a boolean", give: "active__gt=true", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "'gt' is not an allowed filter on the 'active' field. Allowed: exact, in, isnull.",
		wantDetails: map[string]any{"parameter": "active__gt", "allowed": []string{"exact", "in", "isnull"}},
	},
	{
		name: "year on an integer", give: "id__year=2020", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "'year' is not an allowed filter on the 'id' field. Allowed: exact, in, range, gt, gte, lt, lte, isnull.",
		wantDetails: map[string]any{"parameter": "id__year", "allowed": []string{"exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"}},
	},
	{
		name: "exact on JSON", give: "data=%7B%7D", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "'exact' is not an allowed filter on the 'data' field. Allowed: isnull.",
		wantDetails: map[string]any{"parameter": "data", "allowed": []string{"isnull"}},
	},
	{
		name: "lookup on a relation's field", give: "campaign__name__year=2020", giveR: resolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "'year' is not an allowed filter on the 'campaign__name' field. Allowed: exact, iexact, contains, icontains, startswith, istartswith, endswith, iendswith, in, range, gt, gte, lt, lte, isnull, regex, iregex.",
		wantDetails: map[string]any{"parameter": "campaign__name__year", "allowed": []string{"exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "in", "range", "gt", "gte", "lt", "lte", "isnull", "regex", "iregex"}},
	},
	{
		name: "a resolver breaking its contract", give: "id=1", giveR: plainErrorResolver{},
		wantCode: apierror.InvalidFilter, wantMessage: "The 'id' field does not allow filtering.",
		wantDetails: map[string]any{"parameter": "id"},
	},
	{
		name: "not an integer", give: "id=abc", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id' filter: "abc" is not an integer.`,
		wantDetails: map[string]any{"parameter": "id"},
	},
	{
		name: "not an integer: a float", give: "location=1.5", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'location' filter: "1.5" is not an integer.`,
		wantDetails: map[string]any{"parameter": "location"},
	},
	{
		name: "integer overflow", give: "id__gt=9223372036854775808", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__gt' filter: 9223372036854775808 is out of range: give an integer from -9223372036854775808 to 9223372036854775807.`,
		wantDetails: map[string]any{"parameter": "id__gt"},
	},
	{
		name: "empty integer", give: "id=", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id' filter: "" is not an integer.`,
		wantDetails: map[string]any{"parameter": "id"},
	},
	{
		name: "NaN", give: "score__lt=NaN", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'score__lt' filter: "NaN" is not a number.`,
		wantDetails: map[string]any{"parameter": "score__lt"},
	},
	{
		name: "not a boolean", give: "active=yes", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'active' filter: "yes" is not a boolean (use true, false, 1 or 0).`,
		wantDetails: map[string]any{"parameter": "active"},
	},
	{
		name: "not a date", give: "born=2024-13-01", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'born' filter: "2024-13-01" is not an ISO 8601 date (YYYY-MM-DD).`,
		wantDetails: map[string]any{"parameter": "born"},
	},
	{
		name: "not a timestamp", give: "created__lt=yesterday", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'created__lt' filter: "yesterday" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ).`,
		wantDetails: map[string]any{"parameter": "created__lt"},
	},
	{
		name: "none on gt", give: "id__gt=none", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__gt' filter: "none" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL).`,
		wantDetails: map[string]any{"parameter": "id__gt"},
	},
	{
		name: "None in a range", give: "id__range=1,None", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__range' filter: "None" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL).`,
		wantDetails: map[string]any{"parameter": "id__range"},
	},
	{
		name: "nil on contains", give: "name__contains=nil", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'name__contains' filter: "nil" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL).`,
		wantDetails: map[string]any{"parameter": "name__contains"},
	},
	{
		name: "none on isnull", give: "score__isnull=none", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'score__isnull' filter: "none" means NULL, which only the exact, iexact and in lookups take (isnull tests for NULL).`,
		wantDetails: map[string]any{"parameter": "score__isnull"},
	},
	{
		name: "in with an empty integer", give: "id__in=1,,2", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__in' filter: "" is not an integer.`,
		wantDetails: map[string]any{"parameter": "id__in"},
	},
	{
		name: "in with a bad value after a repeat", give: "id__in=1&id__in=x", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__in' filter: "x" is not an integer.`,
		wantDetails: map[string]any{"parameter": "id__in"},
	},
	{
		name: "range of one", give: "id__range=1", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__range' filter: give exactly two values separated by a comma, not 1.`,
		wantDetails: map[string]any{"parameter": "id__range"},
	},
	{
		name: "range of three", give: "id__range=1,2,3", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__range' filter: give exactly two values separated by a comma, not 3.`,
		wantDetails: map[string]any{"parameter": "id__range"},
	},
	{
		name: "range of three by repeats", give: "id__range=1,2&id__range=3", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id__range' filter: give exactly two values separated by a comma, not 3.`,
		wantDetails: map[string]any{"parameter": "id__range"},
	},
	{
		name: "range with a bad bound", give: "born__range=2024-01-01,later", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'born__range' filter: "later" is not an ISO 8601 date (YYYY-MM-DD).`,
		wantDetails: map[string]any{"parameter": "born__range"},
	},
	{
		name: "isnull not a boolean", give: "name__isnull=maybe", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'name__isnull' filter: "maybe" is not a boolean (use true, false, 1 or 0).`,
		wantDetails: map[string]any{"parameter": "name__isnull"},
	},
	{
		name: "year not an integer", give: "created__year=twenty", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'created__year' filter: "twenty" is not an integer.`,
		wantDetails: map[string]any{"parameter": "created__year"},
	},
	{
		name: "month not an integer", give: "born__month=3.0", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'born__month' filter: "3.0" is not an integer.`,
		wantDetails: map[string]any{"parameter": "born__month"},
	},
	{
		name: "invalid UTF-8", give: "name=%FF", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'name' filter: the value is not valid UTF-8 text or holds a NUL byte.`,
		wantDetails: map[string]any{"parameter": "name"},
	},
	{
		name: "NUL byte", give: "slug__in=a,b%00", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'slug__in' filter: the value is not valid UTF-8 text or holds a NUL byte.`,
		wantDetails: map[string]any{"parameter": "slug__in"},
	},
	{
		name: "the first error in key order", give: "name__isnull=maybe&id=abc&nmae=1", giveR: resolver{},
		wantCode: apierror.InvalidValue, wantMessage: `Invalid value for the 'id' filter: "abc" is not an integer.`,
		wantDetails: map[string]any{"parameter": "id"},
	},
	{
		name: "a reserved-looking typo is still refused", give: "limt=10", giveR: small,
		wantCode: apierror.InvalidFilter, wantMessage: "The 'limt' field does not allow filtering. Allowed: id, name, short_name.",
		wantDetails: map[string]any{"parameter": "limt", "allowed": []string{"id", "name", "short_name"}},
	},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.give)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := filters.Parse(q, tt.giveR, reserved)
			want := errView{Code: tt.wantCode, Message: tt.wantMessage, Details: tt.wantDetails}
			if got := viewErr(err); !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %#v\nwant %#v", got, want)
			}
			if fs != nil {
				t.Errorf("filters returned with an error: %v", fs)
			}
		})
	}
}

func TestParseTooManyValues(t *testing.T) {
	tests := []struct {
		name        string
		giveN       int
		wantErr     errView
		wantTooMany bool
	}{
		{name: "at the limit", giveN: filters.MaxValues},
		{name: "over the limit", giveN: filters.MaxValues + 1, wantTooMany: true, wantErr: errView{
			Code: apierror.InvalidValue, Message: "Invalid value for the 'id__in' filter: give at most 1000 values, not 1001.",
			Details: map[string]any{"parameter": "id__in"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"id__in": {strings.TrimSuffix(strings.Repeat("1,", tt.giveN), ",")}}
			_, err := filters.Parse(q, resolver{}, nil)
			if got := viewErr(err); !reflect.DeepEqual(got, tt.wantErr) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.wantErr)
			}
			if got := errors.Is(err, filters.ErrTooManyValues); got != tt.wantTooMany {
				t.Errorf("errors.Is(err, ErrTooManyValues) = %v, want %v", got, tt.wantTooMany)
			}
		})
	}
}

// TestParseHandBuiltValues covers url.Values that no query string produces.
func TestParseHandBuiltValues(t *testing.T) {
	tests := []struct {
		name    string
		give    url.Values
		want    []parsed
		wantErr errView
	}{
		{name: "a key with no values is one empty value", give: url.Values{"name": nil},
			want: []parsed{{Param: "name", Field: "name", Column: `"indicator"."name"`, Lookup: filters.Exact, Values: []any{""}}}},
		{name: "an unknown key with no values is still refused", give: url.Values{"nmae": nil},
			wantErr: errView{Code: apierror.InvalidFilter,
				Message: "The 'nmae' field does not allow filtering. Allowed: active, born, campaign, created, data, id, location, name, score, short_name, slug.",
				Details: map[string]any{"parameter": "nmae", "allowed": indicator.Names()}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := filters.Parse(tt.give, resolver{}, nil)
			if got := viewErr(err); !reflect.DeepEqual(got, tt.wantErr) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.wantErr)
			}
			if got := summarize(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestParseResolvedField checks what Parse keeps of the resolver's Field.
func TestParseResolvedField(t *testing.T) {
	q := url.Values{"campaign__top_lvl_location__location_code__iexact": {"ng"}}
	fs, err := filters.Parse(q, resolver{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []filters.Filter{{
		Param: "campaign__top_lvl_location__location_code__iexact",
		Field: filters.Field{
			Param: "campaign__top_lvl_location__location_code", Name: "location_code",
			Path:   []string{"campaign", "top_lvl_location"},
			Column: `"campaign__top_lvl_location"."location_code"`, Type: related["campaign__top_lvl_location__location_code"].Type,
		},
		Lookup: filters.IExact, Values: []any{"ng"},
	}}
	if !reflect.DeepEqual(fs, want) {
		t.Errorf("\n got %#v\nwant %#v", fs, want)
	}
}

func TestReserved(t *testing.T) {
	tests := []struct {
		name      string
		giveExtra []string
		giveName  string
		want      bool
	}{
		{name: "limit", giveName: "limit", want: true},
		{name: "offset", giveName: "offset", want: true},
		{name: "order_by", giveName: "order_by", want: true},
		{name: "fields", giveName: "fields", want: true},
		{name: "depth", giveName: "depth", want: true},
		{name: "format", giveName: "format", want: true},
		{name: "cache buster", giveName: "_", want: true},
		{name: "a filter", giveName: "name", want: false},
		{name: "case matters", giveName: "LIMIT", want: false},
		{name: "an extra", giveExtra: []string{"campaign_id", "location_id"}, giveName: "location_id", want: true},
		{name: "not an extra", giveExtra: []string{"campaign_id"}, giveName: "location_id", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filters.Reserved(tt.giveExtra...)(tt.giveName); got != tt.want {
				t.Errorf("Reserved(%q)(%q) = %v, want %v", tt.giveExtra, tt.giveName, got, tt.want)
			}
		})
	}
}

// TestReservedParams: the one list of reserved parameters answers IsReserved and Reserved alike, and
// ReservedParams hands out a copy of it.
func TestReservedParams(t *testing.T) {
	names := filters.ReservedParams()
	if want := []string{"limit", "offset", "order_by", "fields", "depth", "format", "_"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("ReservedParams() = %q, want %q", names, want)
	}
	for _, n := range append(names, "name", "LIMIT", "order") {
		if filters.IsReserved(n) != filters.Reserved()(n) || filters.IsReserved(n) != slices.Contains(names, n) {
			t.Errorf("%q: IsReserved %v, Reserved() %v", n, filters.IsReserved(n), filters.Reserved()(n))
		}
	}
	names[0] = "changed"
	if !filters.IsReserved("limit") || filters.ReservedParams()[0] != "limit" {
		t.Error("changing ReservedParams' answer changed the list")
	}
}
