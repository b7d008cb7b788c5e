package filters_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

// The expectations are Django REST framework's search_smart_split (rest_framework/filters.py) on the
// same input.
func TestSearchTerms(t *testing.T) {
	tests := []struct {
		give string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"alice", []string{"alice"}},
		{"  alice   bob ", []string{"alice", "bob"}},
		{"alice,bob", []string{"alice", "bob"}},
		{"alice, bob,", []string{"alice", "bob"}},
		{",,,", nil},
		{`"alice bob" carol`, []string{"alice bob", "carol"}},
		{`'it''s'`, []string{`it''s`}},
		{`"a \"quoted\" word"`, []string{`a "quoted" word`}},
		{`"a,b"`, []string{"a,b"}},
		{`x"a b"y`, []string{`x"a b"y`}},
		{`"unclosed phrase`, []string{`"unclosed`, "phrase"}},
		{"tab\tand\nnewline\u00a0nbsp", []string{"tab", "and", "newline", "nbsp"}},
		{"100%_sure", []string{"100%_sure"}},
	}
	for _, tt := range tests {
		if got := filters.SearchTerms(tt.give); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestNewSearch(t *testing.T) {
	name := filters.Field{Name: "name", Column: `"t"."name"`, Type: field.String}
	bio := filters.Field{Name: "bio", Column: `"t"."bio"`, Type: field.String}
	f, ok, err := filters.NewSearch("Ab_ 50%", []filters.Field{name, bio})
	if err != nil || !ok {
		t.Fatalf("NewSearch: %v %v", ok, err)
	}
	d, err := dialect.ForName(dialect.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	where, err := filters.Where([]filters.Filter{f}, d)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := where.ToSql()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(sql, " OR ") != 2 || strings.Count(sql, " AND ") != 1 ||
		!reflect.DeepEqual(args, []any{`%ab\_%`, `%ab\_%`, `%50\%%`, `%50\%%`}) {
		t.Errorf("search SQL %s %q", sql, args)
	}
	if _, ok, err := filters.NewSearch(" , ", []filters.Field{name}); ok || err != nil {
		t.Errorf("a blank search: %v %v", ok, err)
	}
	for _, bad := range []string{"a\x00b", "\xff", strings.Repeat("a ", 33), strings.Repeat("a", filters.MaxValueBytes+1)} {
		_, _, err := filters.NewSearch(bad, []filters.Field{name})
		if e := apierror.As(err); e == nil || e.Code != apierror.InvalidValue || e.Details["parameter"] != "search" {
			t.Errorf("NewSearch(%.20q): %v", bad, err)
		}
	}
}
