package resource_test

import (
	"context"
	"testing"

	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// Each type below declares an endpoint New must refuse, with a message naming it.

type withEndpoints struct {
	*modelresource.Resource
	eps []resource.Endpoint
}

func (w withEndpoints) Endpoints() []resource.Endpoint { return w.eps }

type endpointsPointer struct{ *modelresource.Resource }

func (*endpointsPointer) Endpoints() []resource.Endpoint { return nil }

type endpointsWrongSig struct{ *modelresource.Resource }

func (endpointsWrongSig) Endpoints(ctx context.Context) []resource.Endpoint { return nil }

func okHandler(context.Context, *resource.Bundle, *resource.Object) (any, error) { return nil, nil }

func TestNewRefusesWrongEndpoints(t *testing.T) {
	book := func(eps ...resource.Endpoint) resource.Resource { return withEndpoints{bookResource(), eps} }
	tests := []struct {
		name  string
		table string
		res   resource.Resource
		want  string
	}{
		{"schema/", "", book(resource.Endpoint{Name: "schema", Handler: okHandler}),
			`resource "book": Endpoints: schema: /book/schema/ is already the resource's schema/`},
		{"set/", "", book(resource.Endpoint{Name: "set", Handler: okHandler}),
			`resource "book": Endpoints: set: /book/set/ is already the resource's set/`},
		{"an object's key", `CREATE TABLE book (code VARCHAR(10) PRIMARY KEY, title VARCHAR(100) NOT NULL)`,
			book(resource.Endpoint{Name: "summary", Handler: okHandler}),
			`resource "book": Endpoints: summary: /book/summary/ could be the detail of the object whose key is "summary" (the key is text); give the endpoint to one object (Detail) or use a resource with an integer key`},
		{"twice", "", book(resource.Endpoint{Name: "a", Handler: okHandler}, resource.Endpoint{Name: "a", Handler: okHandler}),
			`resource "book": Endpoints: a: declared twice`},
		{"no handler", "", book(resource.Endpoint{Name: "a"}), `resource "book": Endpoints: a: no Handler`},
		{"a bad name", "", book(resource.Endpoint{Name: "Sum/mary", Handler: okHandler}),
			`resource "book": Endpoints: Sum/mary: the name may hold only a-z, 0-9 and _, and not be empty`},
		{"an unknown method", "", book(resource.Endpoint{Name: "a", Detail: true, Methods: []string{"FETCH"}, Handler: okHandler}),
			`resource "book": Endpoints: a (on an object): unknown method "FETCH" (known: GET, POST, PUT, PATCH, DELETE)`},
		{"Endpoints of another signature", "", endpointsWrongSig{bookResource()},
			`resource "book": resource_test.endpointsWrongSig.Endpoints cannot declare endpoints: it is func(context.Context) []resource.Endpoint; the method is func() []resource.Endpoint (see resource.Endpointer)`},
		{"Endpoints with a pointer receiver, registered by value", "", endpointsPointer{bookResource()},
			`resource "book": (*resource_test.endpointsPointer).Endpoints cannot declare endpoints: it has a pointer receiver, but the resource is registered as a resource_test.endpointsPointer value; register a pointer (&resource_test.endpointsPointer{...}) or give Endpoints a value receiver`},
		{"a list and a detail endpoint of one name", "", book(resource.Endpoint{Name: "a", Handler: okHandler}, resource.Endpoint{Name: "a", Detail: true, Handler: okHandler}), ""},
		{"a text key, on an object", `CREATE TABLE book (code VARCHAR(10) PRIMARY KEY, title VARCHAR(100) NOT NULL)`,
			book(resource.Endpoint{Name: "summary", Detail: true, Handler: okHandler}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := tt.table
			if table == "" {
				table = `CREATE TABLE book (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL)`
			}
			db, d, done := openExample(table)
			defer done()
			_, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, tt.res)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("New:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}
