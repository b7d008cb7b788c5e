package testdb

// Tests open both backends, so the test database helpers link both drivers.
import (
	_ "github.com/tastygo/tastygo/dialect/postgres"
	_ "github.com/tastygo/tastygo/dialect/sqlite"
)
