package modelresource

import (
	"testing"
	"time"

	"github.com/tastygo/tastygo/field"
)

// TestInWireForm checks that inWireForm accepts exactly what time.Parse accepts in the wire layouts
// and formats back to the same text, over dates and timestamps valid and not.
func TestInWireForm(t *testing.T) {
	cases := []string{
		"2023-01-21", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2023-04-31", "2023-12-31", "2023-13-01",
		"2023-00-10", "2023-01-00", "0000-01-01", "9999-12-31", "2023-1-21x", "2023/01/21", "20230121xx", "2023-01-2a", "",
		"2023-01-24T06:00:00.000000Z", "2023-01-24T23:59:59.999999Z", "2023-01-24T24:00:00.000000Z", "2023-01-24T06:60:00.000000Z",
		"2023-01-24T06:00:60.000000Z", "2023-01-24 06:00:00.000000Z", "2023-01-24T06:00:00.00000aZ", "2023-01-24T06:00:00.000000+",
		"2023-02-30T06:00:00.000000Z", "2023-01-24T06:00:00,000000Z", "2023-01-24T06:00:00.000000",
	}
	for _, s := range cases {
		for _, typ := range []field.Type{field.Date, field.DateTime} {
			layout := field.DateTimeLayout
			if typ == field.Date {
				layout = field.DateLayout
			}
			ts, err := time.Parse(layout, s)
			want := err == nil && ts.Format(layout) == s
			if got := inWireForm(s, typ); got != want {
				t.Errorf("inWireForm(%q, %s) = %v, time.Parse says %v", s, typ, got, want)
			}
		}
	}
}
