package field

import (
	"errors"
	"strconv"
)

// RangeProblem is the client-facing problem of an integer n outside ±max, the range of its column's
// type (dialect.Column.MaxInt): "99999 is out of range: give an integer from -32767 to 32767".
func RangeProblem(n, max int64) string {
	return strconv.FormatInt(n, 10) + " is out of range: give an integer from -" + strconv.FormatInt(max, 10) + " to " + strconv.FormatInt(max, 10)
}

// int64Range is the problem of integer text that overflows 64 bits, the widest column the framework
// knows (bigint).
func int64Range(s string) error {
	return errors.New(s + " is out of range: give an integer from -9223372036854775808 to 9223372036854775807")
}
