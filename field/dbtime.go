package field

import (
	"fmt"
	"time"
)

// TimeFromDB reads a timestamp column as the drivers return it into an `any`: time.Time from
// PostgreSQL (and from SQLite for columns it parses), ISO 8601 text from SQLite, nil for NULL (the
// zero time).
func TimeFromDB(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return x, nil
	case string:
		return ParseDateTime(x)
	case []byte:
		return ParseDateTime(string(x))
	}
	return time.Time{}, fmt.Errorf("a timestamp cannot be a %T", v)
}
