package filters_test

import (
	"reflect"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/filters"
)

func TestParseOrder(t *testing.T) {
	tests := []struct {
		name         string
		give         []string
		wantParams   []string
		wantSQLite   []string
		wantPostgres []string
		wantJoins    [][]string
	}{
		{name: "none", give: nil, wantParams: nil, wantSQLite: []string{}, wantPostgres: []string{}},
		{name: "ascending", give: []string{"name"}, wantParams: []string{"name"},
			wantSQLite:   []string{`"indicator"."name" ASC NULLS LAST`},
			wantPostgres: []string{`"indicator"."name" ASC NULLS LAST`}},
		{name: "descending", give: []string{"-created"}, wantParams: []string{"-created"},
			wantSQLite:   []string{`"indicator"."created_at" DESC NULLS FIRST`},
			wantPostgres: []string{`"indicator"."created_at" DESC NULLS FIRST`}},
		{name: "repeated and comma-separated, in order", give: []string{"-score,name", " id "},
			wantParams:   []string{"-score", "name", "id"},
			wantSQLite:   []string{`"indicator"."score" DESC NULLS FIRST`, `"indicator"."name" ASC NULLS LAST`, `"indicator"."id" ASC NULLS LAST`},
			wantPostgres: []string{`"indicator"."score" DESC NULLS FIRST`, `"indicator"."name" ASC NULLS LAST`, `"indicator"."id" ASC NULLS LAST`}},
		{name: "across relations", give: []string{"-campaign__top_lvl_location__location_code", "campaign__name"},
			wantParams:   []string{"-campaign__top_lvl_location__location_code", "campaign__name"},
			wantSQLite:   []string{`"campaign__top_lvl_location"."location_code" DESC NULLS FIRST`, `"campaign"."name" ASC NULLS LAST`},
			wantPostgres: []string{`"campaign__top_lvl_location"."location_code" DESC NULLS FIRST`, `"campaign"."name" ASC NULLS LAST`},
			wantJoins:    [][]string{{"campaign"}, {"campaign", "top_lvl_location"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os, err := filters.ParseOrder(tt.give, resolver{})
			if err != nil {
				t.Fatalf("ParseOrder: %v", err)
			}
			var params []string
			for _, o := range os {
				params = append(params, o.Param)
			}
			if !reflect.DeepEqual(params, tt.wantParams) {
				t.Errorf("params %q, want %q", params, tt.wantParams)
			}
			if got := filters.OrderBy(os, sqlite); !reflect.DeepEqual(got, tt.wantSQLite) {
				t.Errorf("sqlite %q, want %q", got, tt.wantSQLite)
			}
			if got := filters.OrderBy(os, postgres); !reflect.DeepEqual(got, tt.wantPostgres) {
				t.Errorf("postgres %q, want %q", got, tt.wantPostgres)
			}
			if got := filters.OrderJoins(os); !reflect.DeepEqual(got, tt.wantJoins) {
				t.Errorf("joins %q, want %q", got, tt.wantJoins)
			}
		})
	}
}

func TestParseOrderResolvedField(t *testing.T) {
	os, err := filters.ParseOrder([]string{"-name"}, small)
	if err != nil {
		t.Fatal(err)
	}
	want := []filters.Order{{Param: "-name", Desc: true, Field: filters.Field{Param: "name", Name: "name", Column: `"name"`, Type: small["name"].Type}}}
	if !reflect.DeepEqual(os, want) {
		t.Errorf("\n got %#v\nwant %#v", os, want)
	}
}

func TestParseOrderErrors(t *testing.T) {
	tests := []struct {
		name        string
		give        []string
		giveR       filters.OrderResolver
		wantMessage string
		wantDetails map[string]any
	}{
		{name: "unknown field", give: []string{"nmae"}, giveR: small,
			wantMessage: "The 'nmae' field does not allow ordering. Allowed: id, name, short_name.",
			wantDetails: map[string]any{"parameter": "order_by", "value": "nmae", "allowed": []string{"id", "name", "short_name"}}},
		{name: "unknown descending", give: []string{"id", "-nmae"}, giveR: small,
			wantMessage: "The 'nmae' field does not allow ordering. Allowed: id, name, short_name.",
			wantDetails: map[string]any{"parameter": "order_by", "value": "-nmae", "allowed": []string{"id", "name", "short_name"}}},
		{name: "double minus", give: []string{"--id"}, giveR: small,
			wantMessage: "The '-id' field does not allow ordering. Allowed: id, name, short_name.",
			wantDetails: map[string]any{"parameter": "order_by", "value": "--id", "allowed": []string{"id", "name", "short_name"}}},
		{name: "a hop on a plain field", give: []string{"name__foo"}, giveR: small,
			wantMessage: "The 'name' field does not support relations.",
			wantDetails: map[string]any{"parameter": "order_by", "value": "name__foo"}},
		{name: "empty value", give: []string{""}, giveR: small,
			wantMessage: "An order_by value may not be empty.",
			wantDetails: map[string]any{"parameter": "order_by", "value": ""}},
		{name: "trailing comma", give: []string{"name,"}, giveR: small,
			wantMessage: "An order_by value may not be empty.",
			wantDetails: map[string]any{"parameter": "order_by", "value": ""}},
		{name: "bare minus", give: []string{"-"}, giveR: small,
			wantMessage: "The order_by value '-' names no field.",
			wantDetails: map[string]any{"parameter": "order_by", "value": "-"}},
		{name: "a resolver breaking its contract", give: []string{"-id"}, giveR: plainErrorResolver{},
			wantMessage: "The 'id' field does not allow ordering.",
			wantDetails: map[string]any{"parameter": "order_by", "value": "-id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os, err := filters.ParseOrder(tt.give, tt.giveR)
			want := errView{Code: apierror.InvalidOrdering, Message: tt.wantMessage, Details: tt.wantDetails}
			if got := viewErr(err); !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %#v\nwant %#v", got, want)
			}
			if os != nil {
				t.Errorf("orders returned with an error: %v", os)
			}
		})
	}
}
