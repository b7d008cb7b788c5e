package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date as the API writes it ("2006-01-02"), a time.Time at midnight UTC underneath:
// the type of date fields in structs (generated ones included). Timestamps are plain time.Time.
type Date struct {
	time.Time
}

// DateOf returns the date of t (its year, month and day where t is).
func DateOf(t time.Time) Date {
	return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads a date written 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return Date{t}, nil
}

// String writes the date as 2006-01-02, as filters take it.
func (d Date) String() string { return d.Format(time.DateOnly) }

// MarshalJSON writes the date as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "2006-01-02" (or a full timestamp, whose date it keeps) or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date is a string: %w", err)
	}
	if s == nil {
		*d = Date{}
		return nil
	}
	if t, err := time.Parse(time.DateOnly, *s); err == nil {
		*d = Date{t}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return fmt.Errorf("%q is not a date (2006-01-02)", *s)
	}
	*d = DateOf(t)
	return nil
}
