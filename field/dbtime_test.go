package field

import (
	"testing"
	"time"
)

func TestTimeFromDB(t *testing.T) {
	want := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		in      any
		want    time.Time
		wantErr bool
	}{
		{"NULL", nil, time.Time{}, false},
		{"time.Time", want, want, false},
		{"text", "2026-12-05T15:00:00Z", want, false},
		{"bytes", []byte("2026-12-05T15:00:00Z"), want, false},
		{"not a time", "yesterday", time.Time{}, true},
		{"another type", int64(7), time.Time{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TimeFromDB(tc.in)
			if (err != nil) != tc.wantErr || !got.Equal(tc.want) {
				t.Errorf("TimeFromDB(%#v) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
