package dialect

import "strings"

// The bounds of the integer column types the framework knows, as Django's integer_field_range gives
// them symmetric (the most negative value of each type is left out, as the spec says).
const (
	MaxSmallInt int64 = 32767
	MaxInt      int64 = 2147483647
)

// intBound is the largest value an integer column of a declared type holds when the type bounds it
// below 64 bits: SMALLINT (INT2) 32767, INTEGER/INT (INT4, MEDIUMINT) 2147483647; 0 for BIGINT and
// anything else. The declared type is SQLite's as written in CREATE TABLE, or PostgreSQL's data_type.
func intBound(decl string) int64 {
	u := strings.ToUpper(strings.TrimSpace(decl))
	if i := strings.IndexByte(u, '('); i >= 0 {
		u = strings.TrimSpace(u[:i])
	}
	switch u {
	case "SMALLINT", "INT2", "TINYINT":
		return MaxSmallInt
	case "INT", "INTEGER", "INT4", "MEDIUMINT":
		return MaxInt
	}
	return 0
}
