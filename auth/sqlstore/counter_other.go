//go:build !unix

package sqlstore

// sharedCounter is not available without mmap: a watch on SQLite never lets a cache be used, and a
// revocation has nothing to signal.
type sharedCounter struct{}

func openCounter(string) (*sharedCounter, error) { return nil, nil }

func (*sharedCounter) load() (uint64, bool) { return 0, false }

func (*sharedCounter) add() error { return nil }
