//go:build unix

package sqlstore

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// counterSize is the size of the counter file: one page, mapped whole.
const counterSize = 4096

// recheckEvery is how often, at most, a counter checks that its file is still the one at its path
// (that nobody deleted or replaced it).
const recheckEvery = int64(1e9)

// sharedCounter is a 64-bit counter in a file mapped into memory by every process that opens it, so
// that an atomic add in one is seen by an atomic load in all the others (the page cache holds one
// copy of the page).
type sharedCounter struct {
	path    string
	mu      sync.Mutex
	cur     atomic.Pointer[mapping]
	checked atomic.Int64 // when the file was last checked, in nanoseconds since watchBase
	remaps  atomic.Uint64
}

type mapping struct {
	mem      []byte
	dev, ino uint64
}

// counters holds the counter of each path this process opened: one mapping per file.
var counters sync.Map // path → *sharedCounter

// openCounter returns the shared counter of the file at path, creating the file when missing.
func openCounter(path string) (*sharedCounter, error) {
	if c, ok := counters.Load(path); ok {
		return c.(*sharedCounter), nil
	}
	c := &sharedCounter{path: path}
	m, err := mapCounter(path)
	if err != nil {
		return nil, err
	}
	c.cur.Store(m)
	c.checked.Store(sinceBase())
	actual, _ := counters.LoadOrStore(path, c)
	return actual.(*sharedCounter), nil
}

func mapCounter(path string) (*mapping, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: the API keys' epoch file: %w", err)
	}
	defer f.Close() // the mapping outlives the descriptor
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < counterSize {
		// Growing never changes what another process wrote: the counter is in the first 8 bytes.
		if err := f.Truncate(counterSize); err != nil {
			return nil, fmt.Errorf("sqlstore: the API keys' epoch file: %w", err)
		}
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, counterSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: mapping the API keys' epoch file: %w", err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return &mapping{mem: mem, dev: uint64(st.Dev), ino: uint64(st.Ino)}, nil
}

func (m *mapping) word() *uint64 { return (*uint64)(unsafe.Pointer(&m.mem[0])) }

// load returns the counter, and false when the file could not be checked: it was replaced and the
// new one cannot be mapped. A file replaced by another is mapped again, and the value returned then
// differs from every value before (the remaps count is in its top bits).
func (c *sharedCounter) load() (uint64, bool) {
	now := sinceBase()
	if last := c.checked.Load(); now-last >= recheckEvery && c.checked.CompareAndSwap(last, now) {
		if !c.recheck() {
			return 0, false
		}
	}
	m := c.cur.Load()
	if m == nil {
		return 0, false
	}
	return atomic.LoadUint64(m.word()) + c.remaps.Load()<<48, true
}

// recheck maps the file at the path again when it is not the one mapped; false when that fails.
func (c *sharedCounter) recheck() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.cur.Load()
	var st syscall.Stat_t
	if m != nil && syscall.Stat(c.path, &st) == nil && uint64(st.Dev) == m.dev && uint64(st.Ino) == m.ino {
		return true
	}
	n, err := mapCounter(c.path)
	if err != nil {
		c.cur.Store(nil)
		c.checked.Store(0) // try again at the next request
		return false
	}
	c.remaps.Add(1)
	c.cur.Store(n) // the old mapping stays: a request may still be reading it
	return true
}

// add adds one to the counter, after checking that the file is the one at the path.
func (c *sharedCounter) add() error {
	if !c.recheck() {
		return fmt.Errorf("sqlstore: the API keys' epoch file %s cannot be mapped", c.path)
	}
	atomic.AddUint64(c.cur.Load().word(), 1)
	return nil
}
