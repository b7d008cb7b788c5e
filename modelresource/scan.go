package modelresource

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
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

func asTime(src any, t field.Type) (any, error) {
	var ts time.Time
	switch x := src.(type) {
	case time.Time:
		ts = x
	case string, []byte:
		s, _ := asString(x)
		parsed, err := field.ParseDateTime(s.(string))
		if err != nil {
			return nil, err
		}
		ts = parsed
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
