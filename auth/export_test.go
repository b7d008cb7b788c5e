package auth

import "time"

// SetClock makes c read the time from now instead of time.Now, so that tests can move time forward.
// Call it before c is shared between goroutines.
func SetClock(c *Cache, now func() time.Time) { c.now = now }
