// Package field names the logical types of a resource's fields and converts values between their wire
// form (query-string text, JSON) and Go values.
//
// Every other package agrees on these types: filters parse query values with them, dialect binds them
// to SQL parameters, modelresource validates request bodies with them and the schema endpoint names them.
package field

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Type is the logical type of a field, as the schema endpoint names it.
type Type int

// The logical types. Their String form is the name the schema endpoint shows.
const (
	String Type = iota
	Integer
	Float
	Boolean
	Date
	DateTime
	JSON
	Related
)

var typeNames = [...]string{"string", "integer", "float", "boolean", "date", "datetime", "json", "related"}

// String returns the schema name of the type ("integer", "datetime", ...).
func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// DateLayout is the wire and storage form of a date.
const DateLayout = "2006-01-02"

// DateTimeLayout is the wire form of a timestamp: ISO 8601 in UTC with microseconds, which also sorts
// lexically (SQLite stores timestamps as this text).
const DateTimeLayout = "2006-01-02T15:04:05.000000Z"

// ParseText converts query-string text into a Go value of type t: int64, float64, bool, string, or
// time.Time for dates and timestamps. The error message is meant for a client and names the expected form.
func ParseText(t Type, s string) (any, error) {
	switch t {
	case Integer, Related:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, int64Range(strings.TrimSpace(s))
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case Float:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (use true, false, 1 or 0)", s)
	case Date:
		d, err := ParseDate(s)
		if err != nil {
			return nil, err
		}
		return d, nil
	case DateTime:
		ts, err := ParseDateTime(s)
		if err != nil {
			return nil, err
		}
		return ts, nil
	default:
		return s, nil
	}
}

// ParseKey reads an object's key from a URL (a detail path, set/, a resource_uri) by the type of the
// primary key, accepting only its canonical form, the one resource_uri shows: an integer key is written
// in decimal without a '+', leading zeros or spaces ("33" and "-4", not "+33", "033", " 33" or
// "33.0"); a key of any other type is its text, which must not be empty. One spelling per key means a
// URL built from untrusted text cannot reach an object it does not name.
func ParseKey(t Type, s string) (any, bool) {
	if t == Integer || t == Related {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != s {
			return nil, false
		}
		return n, true
	}
	return s, s != ""
}

// MinYear and MaxYear bound the years of the dates and timestamps ParseDate and ParseDateTime accept
// (after a timestamp is moved to UTC): the four-digit years of ISO 8601's basic form, which both
// backends store alike. Year 0 is refused: PostgreSQL has none (1 BC comes before 1 AD), and SQLite
// stores dates as text that would sort year 0 and year 10000 apart from the rest.
const (
	MinYear = 1
	MaxYear = 9999
)

// yearError is the error for a date or timestamp outside MinYear to MaxYear.
type yearError struct{ text string }

func (e yearError) Error() string {
	return fmt.Sprintf("%q is outside the years %d to %d (in UTC)", e.text, MinYear, MaxYear)
}

// inYears returns t, or an error naming s when t's year is outside MinYear to MaxYear.
func inYears(t time.Time, s string) (time.Time, error) {
	if y := t.Year(); y < MinYear || y > MaxYear {
		return time.Time{}, yearError{s}
	}
	return t, nil
}

// ParseDate reads an ISO 8601 date (2006-01-02). A full timestamp is accepted and truncated to its
// date. The year must be between MinYear and MaxYear.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse(DateLayout, s); err == nil {
		return inYears(d, s)
	}
	ts, err := ParseDateTime(s)
	if err == nil {
		y, m, d := ts.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	if errors.As(err, new(yearError)) {
		return time.Time{}, err
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date (YYYY-MM-DD)", s)
}

var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	DateLayout,
}

// ParseDateTime reads an ISO 8601 timestamp; one without a zone is taken as UTC, and a bare date as
// its midnight UTC. The result is in UTC, and its year between MinYear and MaxYear.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateTimeLayouts {
		if ts, err := time.Parse(layout, s); err == nil {
			return inYears(ts.UTC(), s)
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)", s)
}

// FromJSON converts a value decoded from a JSON body (with json.Decoder.UseNumber) into a Go value of
// type t, as ParseText does for text. nil stays nil: whether null is allowed is the caller's question.
func FromJSON(t Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case JSON:
		// Any JSON value is accepted and stored as its text, but for a NUL character in a string or a
		// key: PostgreSQL stores none (json and jsonb refuse \u0000), so no backend does.
		if holdsNUL(v) {
			return nil, errors.New("may not contain a NUL character (\\u0000) in a string or a key")
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("is not JSON: %v", err)
		}
		return json.RawMessage(b), nil
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string, got %s", jsonKind(v))
		}
		return s, nil
	case Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			return ParseText(t, x)
		case json.Number:
			return ParseText(t, x.String())
		}
		return nil, fmt.Errorf("expected a boolean, got %s", jsonKind(v))
	case Integer, Related:
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err == nil {
				return n, nil
			}
			if errors.Is(err, strconv.ErrRange) {
				return nil, int64Range(x.String())
			}
			return nil, fmt.Errorf("%s is not an integer", x)
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
			return nil, fmt.Errorf("%v is not an integer", x)
		case string:
			return ParseText(t, x)
		}
		return nil, fmt.Errorf("expected an integer, got %s", jsonKind(v))
	case Float:
		switch x := v.(type) {
		case json.Number:
			return ParseText(t, x.String())
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a number", x)
			}
			return x, nil
		case string:
			return ParseText(t, x)
		}
		return nil, fmt.Errorf("expected a number, got %s", jsonKind(v))
	case Date, DateTime:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected an ISO 8601 string, got %s", jsonKind(v))
		}
		return ParseText(t, s)
	}
	return v, nil
}

// holdsNUL reports whether a decoded JSON value holds a NUL character in a string or an object key.
func holdsNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		for _, e := range x {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
