package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
)

// How a server learns, without reading a key's row on every request, that keys changed (see
// [Store.WatchKeys]):
//
// On SQLite every process over a database shares its file, so the signal is a counter in a small
// file beside it, "<database>-keys-epoch", mapped into memory by every process (as SQLite's own -shm
// file is): a revocation through the store adds one to it after its commit, and a request reads it
// with one atomic load. There is nothing to wait for: the next request of every process sees it.
//
// On PostgreSQL processes may run on several machines, so each server holds a lease: every
// [KeyHeartbeat] it records that it is alive in the watcher table (KeyTable + "_watcher"), then reads
// the epoch (KeyTable + "_epoch"), and only when both succeeded may it use what it remembers, until
// [KeyLease] after it started that heartbeat. A revocation increases the epoch in its own transaction
// and, once committed, waits until every server whose lease may still run has acknowledged the new
// epoch (it does so at its next heartbeat, after dropping what it remembered) or has let its lease
// end; it waits at most [KeyLease] and a little more. A server whose heartbeat fails (the database
// unreachable, its connection killed) stops using what it remembers at once, and reads every key
// until a heartbeat succeeds again.

// KeyLease is how long after a heartbeat that succeeded a PostgreSQL server uses the keys it
// remembers; a revocation waits at most this long for servers that do not acknowledge it.
const KeyLease = 2 * time.Second

// KeyHeartbeat is how often a PostgreSQL server renews its lease, and so about how long a revocation
// waits for the servers that are running.
const KeyHeartbeat = 200 * time.Millisecond

// maxRevokeWait bounds a revocation's wait for acknowledgements: KeyLease, and time for the last
// statements.
const maxRevokeWait = KeyLease + 3*time.Second

// watchedTables returns the statements of the epoch and watcher tables (PostgreSQL only).
func watchedTables(d dialect.Dialect, o Options) []string {
	if d.Name() != dialect.Postgres {
		return nil
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + d.Quote(o.epochTable()) + ` (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
)`,
		`INSERT INTO ` + d.Quote(o.epochTable()) + ` (id, epoch) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
		`CREATE TABLE IF NOT EXISTS ` + d.Quote(o.watcherTable()) + ` (
    id           VARCHAR(100) PRIMARY KEY,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    lease_ms     INTEGER NOT NULL,
    acked_epoch  BIGINT NOT NULL
)`,
	}
}

func (o Options) epochTable() string   { return o.keyTable() + "_epoch" }
func (o Options) watcherTable() string { return o.keyTable() + "_watcher" }

// KeyWatch is a server's view of the keys' epoch, for auth.NewKeyCache; make it with
// [Store.WatchKeys]. It is safe for concurrent use.
type KeyWatch struct {
	// SQLite: the shared counter; nil for a database without a file (":memory:"), whose watch never
	// lets a cache be used.
	counter *sharedCounter
	// PostgreSQL: the epoch last read and the end of the lease, in nanoseconds since watchBase.
	pg        bool
	epoch     atomic.Uint64
	leaseEnd  atomic.Int64
	id        string
	closed    atomic.Bool
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// watchBase is the origin of KeyWatch's monotonic times.
var watchBase = time.Now()

func sinceBase() int64 { return int64(time.Since(watchBase)) }

// KeysEpoch implements auth.KeyEpoch.
func (w *KeyWatch) KeysEpoch() (uint64, bool) {
	if w == nil || w.closed.Load() {
		return 0, false
	}
	if w.pg {
		return w.epoch.Load(), sinceBase() < w.leaseEnd.Load()
	}
	if w.counter == nil {
		return 0, false
	}
	return w.counter.load()
}

// ID names the watch in the watcher table (PostgreSQL; "" on SQLite).
func (w *KeyWatch) ID() string { return w.id }

// Close stops the heartbeat (PostgreSQL); the watch then never lets a cache be used.
func (w *KeyWatch) Close() error {
	w.closeOnce.Do(func() {
		w.closed.Store(true)
		if w.cancel != nil {
			w.cancel()
			<-w.done
		}
		w.leaseEnd.Store(0)
	})
	return nil
}

// WatchKeys starts watching the keys' epoch for a KeyCache (auth.NewKeyCache(watch, 0)): on SQLite it
// maps the counter file beside the database; on PostgreSQL it registers this server in the watcher
// table and renews its lease every KeyHeartbeat until ctx ends or Close is called. The first lease is
// taken before it returns; if that fails, the watch starts without one and keeps trying.
func (s *Store) WatchKeys(ctx context.Context) (*KeyWatch, error) {
	if s.d.Name() != dialect.Postgres {
		path, err := s.epochFile(ctx)
		if err != nil {
			return nil, err
		}
		w := &KeyWatch{}
		if path != "" {
			if w.counter, err = openCounter(path); err != nil {
				return nil, err
			}
		}
		return w, nil
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	ctx, cancel := context.WithCancel(ctx)
	w := &KeyWatch{pg: true, id: fmt.Sprintf("%.60s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:])), cancel: cancel, done: make(chan struct{})}
	acked := int64(-1)
	if err := s.heartbeat(ctx, w, &acked, true); err != nil {
		s.logger.WarnContext(ctx, "sqlstore: no lease for remembered API keys yet: every key is read from the database", "error", err)
	}
	go func() {
		defer close(w.done)
		t := time.NewTicker(KeyHeartbeat)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				w.leaseEnd.Store(0)
				return
			case <-t.C:
			}
			err := s.heartbeat(ctx, w, &acked, false)
			if errors.Is(err, sql.ErrConnDone) || (err != nil && err.Error() == "sql: database is closed") {
				w.leaseEnd.Store(0)
				return
			}
			if err != nil && !failing && ctx.Err() == nil {
				s.logger.WarnContext(ctx, "sqlstore: the API keys' heartbeat failed: every key is read from the database until it succeeds", "error", err)
			}
			failing = err != nil
		}
	}()
	return w, nil
}

// heartbeat records that the watch is alive, reads the epoch, acknowledges it, and only then extends
// the lease to KeyLease after the heartbeat began. Recording comes first, in a statement of its own:
// a revocation committed before the epoch is read is seen here; one committed after it finds this
// heartbeat's time in the table and waits for the lease to end (or for the acknowledgement).
func (s *Store) heartbeat(ctx context.Context, w *KeyWatch, acked *int64, register bool) error {
	start := sinceBase()
	ctx, cancel := context.WithTimeout(ctx, KeyLease/2)
	defer cancel()
	err := s.beat(ctx, w, acked, register)
	if err != nil {
		w.leaseEnd.Store(0)
		return err
	}
	w.leaseEnd.Store(start + int64(KeyLease))
	return nil
}

func (s *Store) beat(ctx context.Context, w *KeyWatch, acked *int64, register bool) error {
	wt, et := s.d.Quote(s.o.watcherTable()), s.d.Quote(s.o.epochTable())
	if register {
		// Watchers that stopped an hour ago or more are forgotten.
		if _, err := s.raw.ExecContext(ctx, `DELETE FROM `+wt+` WHERE heartbeat_at < now() - interval '1 hour'`); err != nil {
			return err
		}
	}
	res, err := s.raw.ExecContext(ctx, `UPDATE `+wt+` SET heartbeat_at = now() WHERE id = $1`, w.id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		if _, err := s.raw.ExecContext(ctx, `INSERT INTO `+wt+` (id, heartbeat_at, lease_ms, acked_epoch) VALUES ($1, now(), $2, -1)
			ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`, w.id, KeyLease.Milliseconds()); err != nil {
			return err
		}
		*acked = -1
	}
	var epoch int64
	if err := s.raw.QueryRowContext(ctx, `SELECT epoch FROM `+et+` WHERE id = 1`).Scan(&epoch); err != nil {
		return err
	}
	// What the cache remembers is tagged with the epoch it was read at: storing the new one drops it.
	w.epoch.Store(uint64(epoch))
	if epoch != *acked {
		if _, err := s.raw.ExecContext(ctx, `UPDATE `+wt+` SET acked_epoch = $2 WHERE id = $1`, w.id, epoch); err != nil {
			return err
		}
		*acked = epoch
	}
	return nil
}

// keysChanging is called in the transaction of a change to keys: on PostgreSQL it increases the
// epoch and returns the new one.
func (s *Store) keysChanging(ctx context.Context, tx *dialect.Tx) (int64, error) {
	if s.d.Name() != dialect.Postgres {
		return 0, nil
	}
	var epoch int64
	err := tx.QueryRowContext(ctx, `UPDATE `+s.d.Quote(s.o.epochTable())+` SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch`).Scan(&epoch)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: the API keys' epoch: %w", err)
	}
	return epoch, nil
}

// ErrUnconfirmed is returned (wrapped) by a revocation that was committed but that some server did
// not acknowledge in time; such a server stops using what it remembers when its lease ends.
var ErrUnconfirmed = errors.New("sqlstore: a server did not acknowledge the change to keys")

// keysChanged is called once the change committed: on SQLite it adds one to the shared counter; on
// PostgreSQL it waits until every server whose lease may still run has acknowledged epoch.
func (s *Store) keysChanged(ctx context.Context, epoch int64) error {
	if s.d.Name() != dialect.Postgres {
		path, err := s.epochFile(ctx)
		if err != nil || path == "" {
			return err
		}
		c, err := openCounter(path)
		if err != nil {
			return err
		}
		return c.add()
	}
	deadline := time.Now().Add(maxRevokeWait)
	q := `SELECT count(*) FROM ` + s.d.Quote(s.o.watcherTable()) + ` WHERE acked_epoch < $1 AND heartbeat_at + lease_ms * interval '1 millisecond' > now()`
	for {
		var waiting int
		if err := s.raw.QueryRowContext(ctx, q, epoch).Scan(&waiting); err != nil {
			return err
		}
		if waiting == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w within %v (%d server(s)): the change is committed, and such a server stops using the keys it remembers when its lease ends", ErrUnconfirmed, maxRevokeWait, waiting)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// epochFile returns the path of the SQLite database's counter file, "" for a database without a file.
func (s *Store) epochFile(ctx context.Context) (string, error) {
	if p := s.epochPath.Load(); p != nil {
		return *p, nil
	}
	var file string
	if err := s.db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return "", fmt.Errorf("sqlstore: the database's file: %w", err)
	}
	if file != "" {
		file += "-keys-epoch"
	}
	s.epochPath.Store(&file)
	return file, nil
}

var _ auth.KeyEpoch = (*KeyWatch)(nil)
