package main

// The dashboard serves SQLite files and PostgreSQL URLs alike, so it links both drivers; a program
// that needs one backend imports only its package (the README: "Drivers are imports").
import (
	_ "github.com/tastygo/tastygo/dialect/postgres"
	_ "github.com/tastygo/tastygo/dialect/sqlite"
)
