package filters_test

import (
	"reflect"
	"testing"

	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

func TestLookupsFor(t *testing.T) {
	text := []filters.Lookup{"exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
		"in", "range", "gt", "gte", "lt", "lte", "isnull", "regex", "iregex"}
	number := []filters.Lookup{"exact", "in", "range", "gt", "gte", "lt", "lte", "isnull"}
	date := []filters.Lookup{"exact", "in", "range", "gt", "gte", "lt", "lte", "isnull", "year", "month", "day",
		"week_day", "week", "quarter", "iso_year"}
	datetime := []filters.Lookup{"exact", "in", "range", "gt", "gte", "lt", "lte", "isnull", "year", "month", "day",
		"hour", "minute", "second", "week_day", "week", "quarter", "iso_year", "date", "time"}
	tests := []struct {
		name string
		give field.Type
		want []filters.Lookup
	}{
		{name: "string", give: field.String, want: text},
		{name: "integer", give: field.Integer, want: number},
		{name: "float", give: field.Float, want: number},
		{name: "related", give: field.Related, want: number},
		{name: "boolean", give: field.Boolean, want: []filters.Lookup{"exact", "in", "isnull"}},
		{name: "date", give: field.Date, want: date},
		{name: "datetime", give: field.DateTime, want: datetime},
		{name: "json", give: field.JSON, want: []filters.Lookup{"isnull"}},
		{name: "unknown type", give: field.Type(99), want: []filters.Lookup{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filters.LookupsFor(tt.give); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LookupsFor(%s) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

// TestLookupsForIsACopy checks that a caller cannot change what the package allows.
func TestLookupsForIsACopy(t *testing.T) {
	ls := filters.LookupsFor(field.Boolean)
	ls[0] = filters.Contains
	if got := filters.LookupsFor(field.Boolean)[0]; got != filters.Exact {
		t.Errorf("LookupsFor(boolean)[0] = %q after the caller changed its copy", got)
	}
}

func TestIsLookup(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{give: "exact", want: true}, {give: "iexact", want: true}, {give: "contains", want: true},
		{give: "icontains", want: true}, {give: "startswith", want: true}, {give: "istartswith", want: true},
		{give: "endswith", want: true}, {give: "iendswith", want: true}, {give: "in", want: true},
		{give: "range", want: true}, {give: "gt", want: true}, {give: "gte", want: true}, {give: "lt", want: true},
		{give: "lte", want: true}, {give: "isnull", want: true}, {give: "year", want: true},
		{give: "month", want: true}, {give: "day", want: true}, {give: "hour", want: true}, {give: "minute", want: true},
		{give: "second", want: true}, {give: "week_day", want: true}, {give: "week", want: true},
		{give: "quarter", want: true}, {give: "iso_year", want: true}, {give: "date", want: true}, {give: "time", want: true},
		{give: "regex", want: true}, {give: "iregex", want: true},
		{give: "", want: false}, {give: "EXACT", want: false}, {give: "weekday", want: false},
		{give: "hour__gte", want: false}, {give: "exact ", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			if got := filters.IsLookup(tt.give); got != tt.want {
				t.Errorf("IsLookup(%q) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestCheckLookups(t *testing.T) {
	tests := []struct {
		name     string
		giveType field.Type
		give     []filters.Lookup
		wantErr  string
	}{
		{name: "none", giveType: field.Integer, give: nil, wantErr: "<nil>"},
		{name: "all fit", giveType: field.String, give: []filters.Lookup{"exact", "icontains", "isnull"}, wantErr: "<nil>"},
		{name: "text lookups on a boolean", giveType: field.Boolean, give: []filters.Lookup{"exact", "icontains", "gt"},
			wantErr: "filters: lookups icontains, gt do not apply to a boolean field (it takes exact, in, isnull)"},
		{name: "unknown name", giveType: field.JSON, give: []filters.Lookup{"has_key"},
			wantErr: "filters: lookups has_key do not apply to a json field (it takes isnull)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errString(filters.CheckLookups(tt.giveType, tt.give)); got != tt.wantErr {
				t.Errorf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestFieldAllowed(t *testing.T) {
	tests := []struct {
		name string
		give filters.Field
		want []filters.Lookup
	}{
		{name: "nil means all for the type", give: filters.Field{Type: field.Boolean},
			want: []filters.Lookup{"exact", "in", "isnull"}},
		{name: "empty means all for the type", give: filters.Field{Type: field.JSON, Lookups: []filters.Lookup{}},
			want: []filters.Lookup{"isnull"}},
		{name: "canonical order, whatever Meta's", give: filters.Field{Type: field.String, Lookups: []filters.Lookup{"isnull", "in", "exact", "in"}},
			want: []filters.Lookup{"exact", "in", "isnull"}},
		{name: "lookups the type cannot take are dropped", give: filters.Field{Type: field.Integer, Lookups: []filters.Lookup{"icontains", "gt", "year"}},
			want: []filters.Lookup{"gt"}},
		{name: "nothing left", give: filters.Field{Type: field.Integer, Lookups: []filters.Lookup{"icontains"}},
			want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.Allowed(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Allowed() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsTransformAndComparison(t *testing.T) {
	for _, l := range []filters.Lookup{"year", "month", "day", "hour", "minute", "second", "week_day", "week", "quarter", "iso_year", "date", "time"} {
		if !filters.IsTransform(l) || filters.IsComparison(l) {
			t.Errorf("%s: IsTransform %v, IsComparison %v", l, filters.IsTransform(l), filters.IsComparison(l))
		}
	}
	for _, l := range []filters.Lookup{"exact", "in", "range", "gt", "gte", "lt", "lte"} {
		if filters.IsTransform(l) || !filters.IsComparison(l) {
			t.Errorf("%s: IsTransform %v, IsComparison %v", l, filters.IsTransform(l), filters.IsComparison(l))
		}
	}
	for _, l := range []filters.Lookup{"iexact", "contains", "isnull", ""} {
		if filters.IsTransform(l) || filters.IsComparison(l) {
			t.Errorf("%s: IsTransform %v, IsComparison %v", l, filters.IsTransform(l), filters.IsComparison(l))
		}
	}
}
