package modelresource_test

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
)

// Concurrent reads and writes all succeed on both backends (on SQLite, writers queue behind the busy
// timeout instead of failing), and every write lands exactly once.
func TestConcurrentReadsAndWrites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		createFixture(t, db, d)
		c := newClient(t, db, d)
		const workers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan string, workers*each*3)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					name := fmt.Sprintf("P%d-%d", w, i)
					if r := c.do("POST", "/api/v1/publisher/", map[string]any{"name": name}); r.status != 201 {
						errs <- fmt.Sprintf("POST %s: %d %s", name, r.status, r.raw)
					}
					if r := c.do("GET", "/api/v1/book/?author__name__icontains=e&depth=1", nil); r.status != 200 {
						errs <- fmt.Sprintf("GET: %d %s", r.status, r.raw)
					}
					if r := c.do("PATCH", "/api/v1/book/1/", map[string]any{"pages": w*100 + i}); r.status != 202 {
						errs <- fmt.Sprintf("PATCH: %d %s", r.status, r.raw)
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if n := c.count("SELECT count(*) FROM publisher"); n != 2+workers*each {
			t.Errorf("%d publishers, want %d", n, 2+workers*each)
		}
	})
}
