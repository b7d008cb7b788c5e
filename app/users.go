package main

import (
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/tastygo/tastygo/auth/sqlstore"
	"github.com/tastygo/tastygo/dialect"
)

// Profile is what the dashboard attaches to an authenticated user, as resource.User.Data: its own
// column of app_user, read with every user by the framework's store (sqlstore).
type Profile struct {
	// TopLevelLocationID confines the user to that location and what lies under it; nil confines
	// nobody.
	TopLevelLocationID *int64
}

// profileColumns are the columns of app_user that make a user's Profile, in profile's order.
var profileColumns = []string{"top_level_location_id"}

// profile is sqlstore.Profile.Data for the dashboard: the Profile of profileColumns' values.
func profile(values []any) (any, error) {
	var p Profile
	switch v := values[0].(type) {
	case nil:
	case int64:
		p.TopLevelLocationID = &v
	default:
		return nil, fmt.Errorf("top_level_location_id cannot be a %T", v)
	}
	return p, nil
}

// newUserStore returns the dashboard's auth.Store: the framework's SQL store over app_user and
// api_key, with the Profile; logger receives its background failures (slog.Default() when nil).
func newUserStore(db *sql.DB, d dialect.Dialect, logger *slog.Logger) *sqlstore.Store {
	return sqlstore.New(db, d, sqlstore.Options{
		UserTable: "app_user", KeyTable: "api_key", Logger: logger,
		Profile: &sqlstore.Profile{Columns: profileColumns, Data: profile},
	})
}
