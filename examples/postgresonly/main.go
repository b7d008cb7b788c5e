// Command postgresonly serves one table of a PostgreSQL database, read-only, as a Tastypie-style
// resource: the smallest program built on tastygo, and one that links PostgreSQL's driver only, so
// that it builds without cgo (CGO_ENABLED=0) and contains no SQLite.
//
//	go run ./examples/postgresonly -db postgres://postgres@127.0.0.1:5432/test -table indicator
//	curl 'http://127.0.0.1:8080/api/v1/indicator/?limit=2'
//
// A program links the drivers of the backends it opens by importing their packages, dialect/postgres
// here; given a SQLite path, dialect.Open answers with the import the program lacks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/tastygo/tastygo/dialect"
	_ "github.com/tastygo/tastygo/dialect/postgres" // the only driver this program links
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	db := flag.String("db", os.Getenv("DATABASE_URL"), "the database, a postgres:// URL (default $DATABASE_URL)")
	table := flag.String("table", "", "the table to serve, as /api/v1/<table>/ (required)")
	flag.Parse()
	h, err := newHandler(context.Background(), *db, *table)
	if err == nil {
		slog.Info("serving", "table", *table, "addr", *addr)
		err = http.ListenAndServe(*addr, h)
	}
	fmt.Fprintln(os.Stderr, "postgresonly:", err)
	os.Exit(1)
}

// newHandler opens the database and builds an API serving the table read-only, with no
// authentication: GET /api/v1/<table>/ and /api/v1/<table>/<id>/, filterable and orderable by
// every field.
func newHandler(ctx context.Context, dbURL, table string) (http.Handler, error) {
	if table == "" {
		return nil, errors.New("-table is required")
	}
	db, d, err := dialect.Open(dbURL)
	if err != nil {
		return nil, err
	}
	api, err := resource.New(ctx, resource.Config{DB: db, Dialect: d}, modelresource.New(resource.Meta{
		ResourceName:  table,
		Table:         table,
		ListMethods:   []string{"get"},
		DetailMethods: []string{"get"},
		Filtering:     map[string]resource.Lookups{resource.EveryField: resource.All},
		Ordering:      []string{resource.EveryField},
	}))
	if err != nil {
		db.Close()
		return nil, err
	}
	return api, nil
}
