package filters_test

import (
	"reflect"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

func TestStaticFields(t *testing.T) {
	s := filters.StaticFields{
		"name":  {Column: `"t"."name"`, Type: field.String, Lookups: []filters.Lookup{filters.Exact}},
		"label": {Name: "title", Column: `"t"."title"`, Type: field.String},
		"owner": {Column: `"owner"."name"`, Path: []string{"owner"}, Type: field.String},
	}
	tests := []struct {
		name      string
		give      []string
		want      filters.Field
		wantErr   errView
		wantOrder errView
	}{
		{name: "found; Name and Param filled", give: []string{"name"},
			want: filters.Field{Param: "name", Name: "name", Column: `"t"."name"`, Type: field.String, Lookups: []filters.Lookup{"exact"}}},
		{name: "an alias keeps its Name", give: []string{"label"},
			want: filters.Field{Param: "label", Name: "title", Column: `"t"."title"`, Type: field.String}},
		{name: "a joined column keeps its Path", give: []string{"owner"},
			want: filters.Field{Param: "owner", Name: "owner", Column: `"owner"."name"`, Path: []string{"owner"}, Type: field.String}},
		{name: "unknown", give: []string{"nope"},
			wantErr: errView{Code: apierror.InvalidFilter, Message: "The 'nope' field does not allow filtering. Allowed: label, name, owner.",
				Details: map[string]any{"allowed": []string{"label", "name", "owner"}}},
			wantOrder: errView{Code: apierror.InvalidOrdering, Message: "The 'nope' field does not allow ordering. Allowed: label, name, owner.",
				Details: map[string]any{"allowed": []string{"label", "name", "owner"}}}},
		{name: "empty path", give: nil,
			wantErr: errView{Code: apierror.InvalidFilter, Message: "The '' field does not allow filtering. Allowed: label, name, owner.",
				Details: map[string]any{"allowed": []string{"label", "name", "owner"}}},
			wantOrder: errView{Code: apierror.InvalidOrdering, Message: "The '' field does not allow ordering. Allowed: label, name, owner.",
				Details: map[string]any{"allowed": []string{"label", "name", "owner"}}}},
		{name: "relations", give: []string{"owner", "name"},
			wantErr:   errView{Code: apierror.InvalidFilter, Message: "The 'owner' field does not support relations."},
			wantOrder: errView{Code: apierror.InvalidOrdering, Message: "The 'owner' field does not support relations."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Resolve(tt.give)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve field\n got %#v\nwant %#v", got, tt.want)
			}
			if v := viewErr(err); !reflect.DeepEqual(v, tt.wantErr) {
				t.Errorf("Resolve error\n got %#v\nwant %#v", v, tt.wantErr)
			}
			gotOrder, err := s.ResolveOrder(tt.give)
			if !reflect.DeepEqual(gotOrder, tt.want) {
				t.Errorf("ResolveOrder field\n got %#v\nwant %#v", gotOrder, tt.want)
			}
			if v := viewErr(err); !reflect.DeepEqual(v, tt.wantOrder) {
				t.Errorf("ResolveOrder error\n got %#v\nwant %#v", v, tt.wantOrder)
			}
		})
	}
}

func TestStaticFieldsEmpty(t *testing.T) {
	_, err := filters.StaticFields{}.Resolve([]string{"x"})
	want := errView{Code: apierror.InvalidFilter, Message: "The 'x' field does not allow filtering.", Details: map[string]any{"allowed": []string{}}}
	if got := viewErr(err); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %#v\nwant %#v", got, want)
	}
}

// TestStaticFieldsCopies checks that a caller changing a resolved Field does not change the allow-list.
func TestStaticFieldsCopies(t *testing.T) {
	s := filters.StaticFields{"a": {Column: `"a"`, Type: field.String, Lookups: []filters.Lookup{filters.Exact}, Path: []string{"r"}}}
	f, _ := s.Resolve([]string{"a"})
	f.Lookups[0], f.Path[0] = filters.IContains, "x"
	if s["a"].Lookups[0] != filters.Exact || s["a"].Path[0] != "r" {
		t.Errorf("the map changed: %#v", s["a"])
	}
}
