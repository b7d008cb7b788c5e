package main

import (
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// TestFilterValueCapAndRepeatedOrder: the battery found that a 1 MB LIKE filter was a 500 (SQLite
// refuses patterns over 50,000 bytes) and that 10,000 repeated order_by terms reached the database. A
// filter value over 4,096 bytes is a 400 naming the filter, and a field named twice in order_by is a
// 400 naming the term, on both backends.
func TestFilterValueCapAndRepeatedOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		f := newAuthFixture(t, db, d)
		admin := f.as(superName)
		for _, tc := range []struct {
			query, code, param string
		}{
			{"name__icontains=" + strings.Repeat("%25", 10000), "INVALID_VALUE", "name__icontains"},
			{"name=" + strings.Repeat("a", 10000), "INVALID_VALUE", "name"},
			{"name__in=a," + strings.Repeat("b", 4097), "INVALID_VALUE", "name__in"},
			{"order_by=id&order_by=id", "INVALID_ORDERING", "order_by"},
			{"order_by=name,-name", "INVALID_ORDERING", "order_by"},
			{"order_by=" + strings.Repeat("id%2C", 10000), "INVALID_ORDERING", "order_by"},
		} {
			a := serve(t, f.api, http.MethodGet, "/api/v1/indicator/?"+tc.query, admin, "")
			details, _ := a.body["details"].(map[string]any)
			if a.status != http.StatusBadRequest || a.code() != tc.code || details["parameter"] != tc.param {
				t.Errorf("%.60s: %d %.300s", tc.query, a.status, a.raw)
			}
		}
		for _, q := range []string{"name=" + strings.Repeat("a", 4096), "order_by=name&order_by=-id"} {
			if a := serve(t, f.api, http.MethodGet, "/api/v1/indicator/?"+q, admin, ""); a.status != http.StatusOK {
				t.Errorf("%.60s: %d %.300s", q, a.status, a.raw)
			}
		}
	})
}
