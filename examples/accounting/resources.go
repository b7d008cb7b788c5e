package main

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// everyLookup allows every lookup on every field.
var everyLookup = map[string]resource.Lookups{resource.EveryField: resource.All}

// The methods of ACCOUNTING.md: GET and POST on a list; GET, PUT, PATCH and DELETE on an object.
var (
	listMethods   = []string{"get", "post"}
	detailMethods = []string{"get", "put", "patch", "delete"}
)

// resources are the service's three resources (ACCOUNTING.md).
func resources() []resource.Resource {
	return []resource.Resource{
		modelresource.New(resource.Meta{
			ResourceName:  "jobs",
			Table:         "jobs",
			CreatedField:  "created",
			UpdatedField:  "updated",
			Description:   "Jobs run by users, charged to accounts.",
			Filtering:     everyLookup,
			Ordering:      []string{resource.EveryField},
			FormBodies:    true,
			ListMethods:   listMethods,
			DetailMethods: detailMethods,
			// The filter names the team documented, beside the column names.
			FilterAliases: map[string]string{"slurmjobid": "jobslurmid", "status": "jobstatus"},
			Relations: map[string]resource.Relation{
				"user":    {Column: "userid", To: "users"},
				"account": {Column: "accountid", To: "accounts"},
			},
		}),
		modelresource.New(resource.Meta{
			ResourceName:  "users",
			Table:         "users",
			CreatedField:  "created",
			UpdatedField:  "updated",
			Description:   "The cluster's users.",
			Filtering:     everyLookup,
			Ordering:      []string{resource.EveryField},
			SearchFields:  []string{"username", "email"},
			FilterAliases: map[string]string{"ldapid": "ldapuid", "saviousername": "username", "accountid": "accounts"},
			FormBodies:    true,
			ListMethods:   listMethods,
			DetailMethods: detailMethods,
			ToMany:        map[string]resource.ToMany{"jobs": {Resource: "jobs", Via: "user"}},
			// "accounts": [1, 3], the user's memberships in user_accounts; filter accountid=3.
			ManyToMany: map[string]resource.ManyToMany{
				"accounts": {Table: "user_accounts", Column: "userid", OtherColumn: "accountid", To: "accounts"},
			},
		}),
		modelresource.New(resource.Meta{
			ResourceName:  "accounts",
			Table:         "accounts",
			CreatedField:  "created",
			UpdatedField:  "updated",
			Description:   "The accounts jobs are charged to.",
			Filtering:     everyLookup,
			Ordering:      []string{resource.EveryField},
			SearchFields:  []string{"accountname", "description"},
			FilterAliases: map[string]string{"allocation": "accountallocation", "userid": "users"},
			FormBodies:    true,
			ListMethods:   listMethods,
			DetailMethods: detailMethods,
			ToMany:        map[string]resource.ToMany{"jobs": {Resource: "jobs", Via: "account"}},
			// "users": [1, 4], the account's members in user_accounts; filter userid=2.
			ManyToMany: map[string]resource.ManyToMany{
				"users": {Table: "user_accounts", Column: "accountid", OtherColumn: "userid", To: "users"},
			},
		}),
	}
}

// newAPI builds the service's API on db, in Django REST framework's wire style, at the server's root,
// every resource requiring authn.
func newAPI(ctx context.Context, db *sql.DB, d dialect.Dialect, authn resource.Authentication) (*resource.API, error) {
	return resource.New(ctx, resource.Config{
		DB: db, Dialect: d,
		Prefix:         "/",
		Style:          resource.DRFStyle,
		Authentication: authn,
	}, resources()...)
}

// newHandler is the whole service: the token endpoint at /o/token/ and the API everywhere else.
func newHandler(api http.Handler, token http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/o/token/", token)
	mux.Handle("/", api)
	return mux
}
