package filters_test

import (
	"errors"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/filters"
)

// indicator is the root resource of the tests: its own fields, plus relation paths below.
var indicator = filters.StaticFields{
	"id":         {Column: `"indicator"."id"`, Type: field.Integer},
	"name":       {Column: `"indicator"."name"`, Type: field.String},
	"short_name": {Column: `"indicator"."short_name"`, Type: field.String},
	"slug":       {Column: `"indicator"."slug"`, Type: field.String, Lookups: []filters.Lookup{filters.In, filters.Exact}},
	"score":      {Column: `"indicator"."score"`, Type: field.Float},
	"active":     {Column: `"indicator"."active"`, Type: field.Boolean},
	"created":    {Column: `"indicator"."created_at"`, Type: field.DateTime},
	"born":       {Column: `"indicator"."born_on"`, Type: field.Date},
	"data":       {Column: `"indicator"."data"`, Type: field.JSON},
	"location":   {Column: `"indicator"."location_id"`, Type: field.Related},
	"campaign":   {Column: `"indicator"."campaign_id"`, Type: field.Related},
}

// related holds the allowed paths across relations, keyed by the joined path.
var related = map[string]filters.Field{
	"campaign__name": {Name: "name", Path: []string{"campaign"}, Column: `"campaign"."name"`, Type: field.String},
	"campaign__year": {Name: "year", Path: []string{"campaign"}, Column: `"campaign"."year"`, Type: field.Integer},
	"campaign__top_lvl_location__location_code": {Name: "location_code", Path: []string{"campaign", "top_lvl_location"},
		Column: `"campaign__top_lvl_location"."location_code"`, Type: field.String},
}

// resolver walks relations as a model resource would: a known relation path, else an own field.
type resolver struct{}

func (resolver) Resolve(path []string) (filters.Field, error) {
	if f, ok := related[strings.Join(path, "__")]; ok && len(path) > 1 {
		return f, nil
	}
	return indicator.Resolve(path)
}

func (resolver) ResolveOrder(path []string) (filters.Field, error) {
	if f, ok := related[strings.Join(path, "__")]; ok && len(path) > 1 {
		return f, nil
	}
	return indicator.ResolveOrder(path)
}

// small is the allow-list of API.md's example error.
var small = filters.StaticFields{
	"id":         {Column: `"id"`, Type: field.Integer},
	"name":       {Column: `"name"`, Type: field.String},
	"short_name": {Column: `"short_name"`, Type: field.String},
}

// plainErrorResolver breaks the Resolver contract by returning an error that is not an *apierror.Error.
type plainErrorResolver struct{}

func (plainErrorResolver) Resolve([]string) (filters.Field, error) {
	return filters.Field{}, errors.New("lookup table unavailable")
}

func (plainErrorResolver) ResolveOrder([]string) (filters.Field, error) {
	return filters.Field{}, errors.New("lookup table unavailable")
}

// columns lists every column expression the fixture can produce: the only identifiers allowed in SQL.
func columns() []string {
	var cs []string
	for _, f := range indicator {
		cs = append(cs, f.Column)
	}
	for _, f := range related {
		cs = append(cs, f.Column)
	}
	return cs
}

func mustDialect(n dialect.Name) dialect.Dialect {
	d, err := dialect.ForName(n)
	if err != nil {
		panic(err)
	}
	return d
}

var (
	sqlite   = mustDialect(dialect.SQLite)
	postgres = mustDialect(dialect.Postgres)
)

// errView is what a test compares of an error: its code, message and details (all empty for nil).
type errView struct {
	Code    apierror.Code
	Message string
	Details map[string]any
}

func viewErr(err error) errView {
	e := apierror.As(err)
	if e == nil {
		if err != nil {
			return errView{Code: "not an *apierror.Error", Message: err.Error()}
		}
		return errView{}
	}
	return errView{Code: e.Code, Message: e.Message, Details: e.Details}
}

// args turns a nil or empty argument list into an empty one, so that tables may write nil.
func args(a []any) []any {
	if len(a) == 0 {
		return nil
	}
	return a
}
