package modelresource

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tastygo/tastygo/field"
)

// cell scans one column straight into its wire form: int64, float64, bool, string (dates and
// timestamps as ISO 8601), json.RawMessage or nil.
type cell struct {
	t field.Type
	v any
}

func (c *cell) Scan(src any) error {
	if src == nil {
		c.v = nil
		return nil
	}
	var err error
	switch c.t {
	case field.Integer, field.Related:
		c.v, err = asInt(src)
	case field.Float:
		c.v, err = asFloat(src)
	case field.Boolean:
		c.v, err = asBool(src)
	case field.Date:
		c.v, err = asTime(src, field.Date)
	case field.DateTime:
		c.v, err = asTime(src, field.DateTime)
	case field.JSON:
		c.v, err = asJSON(src)
	default:
		c.v, err = asString(src)
	}
	return err
}

func asInt(src any) (any, error) {
	switch x := src.(type) {
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) {
			return int64(x), nil
		}
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return nil, fmt.Errorf("modelresource: cannot read %T as an integer", src)
}

func asFloat(src any) (any, error) {
	switch x := src.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case []byte:
		return strconv.ParseFloat(string(x), 64)
	case string:
		return strconv.ParseFloat(x, 64)
	}
	return nil, fmt.Errorf("modelresource: cannot read %T as a number", src)
}

func asBool(src any) (any, error) {
	switch x := src.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case []byte:
		return strconv.ParseBool(string(x))
	case string:
		return strconv.ParseBool(x)
	}
	return nil, fmt.Errorf("modelresource: cannot read %T as a boolean", src)
}

func asString(src any) (any, error) {
	switch x := src.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case time.Time:
		return x.UTC().Format(field.DateTimeLayout), nil
	}
	return fmt.Sprint(src), nil
}

// sqliteTimeLayouts are the layouts go-sqlite3 tries, in order and in UTC after dropping a final
// "Z", on the text of a DATE, DATETIME or TIMESTAMP column (its SQLiteTimestampFormats). The SQLite
// dialect reads those columns as +column (model.selectExpr), so that the driver leaves the text alone;
// text that is not already in wire form is read here as the driver would have read it.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// inWireForm reports whether s is already what asTime would answer for it: a date (YYYY-MM-DD) or a
// timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ) in the layout the API writes, with a real day and time; it
// accepts exactly what time.Parse accepts in that layout (whose fields all have a fixed width, so
// formatting the parsed time gives s back), without parsing.
func inWireForm(s string, t field.Type) bool {
	n := len(field.DateTimeLayout)
	if t == field.Date {
		n = len(field.DateLayout)
	}
	if len(s) != n || s[4] != '-' || s[7] != '-' {
		return false
	}
	num := func(i, j int) int {
		v := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return false
	}
	if t == field.Date {
		return true
	}
	return s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[26] == 'Z' &&
		inRange(num(11, 13), 23) && inRange(num(14, 16), 59) && inRange(num(17, 19), 59) && num(20, 26) >= 0
}

func inRange(v, most int) bool { return v >= 0 && v <= most }

// daysIn is the number of days of a month (1-12) of a year of the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func asTime(src any, t field.Type) (any, error) {
	var ts time.Time
	switch x := src.(type) {
	case time.Time:
		ts = x
	case []byte:
		return asTime(string(x), t)
	case string:
		if inWireForm(x, t) {
			return x, nil
		}
		parsed, err := field.ParseDateTime(x)
		if err != nil {
			trimmed := strings.TrimSuffix(x, "Z")
			for _, layout := range sqliteTimeLayouts {
				if p, perr := time.ParseInLocation(layout, trimmed, time.UTC); perr == nil {
					parsed, err = p, nil
					break
				}
			}
			if err != nil {
				return nil, err
			}
		}
		ts = parsed
	case int64:
		// SQLite: an integer in a date column is Unix time, in milliseconds when it has 13 digits or
		// more (as go-sqlite3 reads it).
		if x > 1e12 || x < -1e12 {
			ts = time.Unix(0, x*int64(time.Millisecond))
		} else {
			ts = time.Unix(x, 0)
		}
	default:
		return nil, fmt.Errorf("modelresource: cannot read %T as a %s", src, t)
	}
	if t == field.Date {
		y, m, d := ts.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(field.DateLayout), nil
	}
	return ts.UTC().Format(field.DateTimeLayout), nil
}

func asJSON(src any) (any, error) {
	switch x := src.(type) {
	case []byte:
		return json.RawMessage(append([]byte(nil), x...)), nil
	case string:
		return json.RawMessage(x), nil
	}
	b, err := json.Marshal(src)
	return json.RawMessage(b), err
}
