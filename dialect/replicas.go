package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tastygo/tastygo/apierror"
)

// Read replicas. A PostgreSQL primary can be given streaming replicas (hot standbys): [NewReplicas]
// watches them, and a [DB] given them with [DB.WithReplicas] answers [DB.Reader] with a healthy
// replica for statements that only read and need no transaction. Everything else (writes,
// transactions, locks, what [DB] runs directly) stays on the primary.
//
// Read-your-writes: when a transaction of a subject (a user, named by the function given to
// WithReplicas) commits, the primary's WAL position after it is recorded as that subject's fence, in
// [Fences] that every instance of the application shares (by default a table on the primary). A
// subject's reads go to a replica only once that replica has replayed past the subject's fence, so
// nobody sees their own change vanish, whichever instance served the write.
//
// Health: every CheckEvery, the primary's WAL position is sampled and each replica's replay position
// read. A replica that does not answer, or whose lag (how long ago the primary was at the position the
// replica has replayed) exceeds MaxLag, gets no reads until a later check finds it well again. A read
// that fails on a replica because it cannot be reached is run again on the primary, and the replica
// is marked down at once: a replica stopping costs no request an error.

// LSN is a position in PostgreSQL's write-ahead log (pg_lsn).
type LSN uint64

// ParseLSN reads an LSN in PostgreSQL's text form, "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("dialect: %q is not a WAL position", s)
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("dialect: %q is not a WAL position", s)
	}
	return LSN(h<<32 | l), nil
}

// String is the LSN in PostgreSQL's text form.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

// Fences keeps each subject's fence: the primary's WAL position after the subject's last write. Every
// instance of an application must share them for read-your-writes to hold across instances.
type Fences interface {
	// Raise records that subject wrote up to lsn (a fence only moves forward).
	Raise(ctx context.Context, subject string, lsn LSN) error
	// Fence returns subject's fence; ok is false when the subject has none.
	Fence(ctx context.Context, subject string) (lsn LSN, ok bool, err error)
}

// ReplicaOptions configures [NewReplicas].
type ReplicaOptions struct {
	// MaxLag is the most a replica may lag behind the primary and still be read (default 10s).
	MaxLag time.Duration
	// CheckEvery is how often the replicas' health and lag are checked (default 250ms).
	CheckEvery time.Duration
	// Fences keeps the subjects' fences; nil keeps them in the table tastygo_read_fence on the primary,
	// created when missing.
	Fences Fences
	// Logger reports replicas going down and coming back; nil logs nothing.
	Logger *slog.Logger
}

// ReplicaStatus is what the last check found of one replica, for readiness and metrics.
type ReplicaStatus struct {
	// Name is the replica's name: "replica1", "replica2"... in the order given to NewReplicas.
	Name string
	// Healthy reports whether the replica gets reads.
	Healthy bool
	// Lag is how far behind the primary the replica was at the last check.
	Lag time.Duration
	// Reads counts the statements the replica has served.
	Reads int64
	// Err is why the replica is unhealthy, when it is ("" otherwise).
	Err string
}

// Replicas is a primary's set of streaming replicas, watched for health and lag. Get one from
// [NewReplicas]; Close stops the checks (it does not close the pools).
type Replicas struct {
	primary   *sql.DB
	members   []*replica
	opts      ReplicaOptions
	fences    Fences
	next      atomic.Uint64
	primReads atomic.Int64

	mu      sync.Mutex
	samples []lsnSample // the primary's WAL positions over the last MaxLag and a bit, oldest first

	stop chan struct{}
	done chan struct{}
}

type lsnSample struct {
	at  time.Time
	lsn LSN
}

type replica struct {
	name string
	db   *sql.DB
	c    *classifier

	mu      sync.Mutex
	healthy bool
	replay  LSN
	lag     time.Duration
	err     string
	reads   atomic.Int64
}

// NewReplicas watches replicas of the PostgreSQL primary (pools from [Open]) and returns them ready
// to be given to [DB.WithReplicas]; it checks them once before returning, so that a replica that
// answers gets reads from the first request. It fails when the fence table cannot be created.
func NewReplicas(ctx context.Context, primary *sql.DB, replicas []*sql.DB, opts ReplicaOptions) (*Replicas, error) {
	if opts.MaxLag <= 0 {
		opts.MaxLag = 10 * time.Second
	}
	if opts.CheckEvery <= 0 {
		opts.CheckEvery = 250 * time.Millisecond
	}
	rs := &Replicas{primary: primary, opts: opts, fences: opts.Fences, stop: make(chan struct{}), done: make(chan struct{})}
	if rs.fences == nil {
		f, err := NewTableFences(ctx, primary)
		if err != nil {
			return nil, err
		}
		rs.fences = f
	}
	c := &classifier{drv: driverFor(Postgres)}
	for i, db := range replicas {
		rs.members = append(rs.members, &replica{name: "replica" + strconv.Itoa(i+1), db: db, c: c})
	}
	rs.check(ctx)
	go rs.watch()
	return rs, nil
}

// Close stops watching the replicas.
func (rs *Replicas) Close() {
	select {
	case <-rs.stop:
	default:
		close(rs.stop)
		<-rs.done
	}
}

// Status reports what the last check found of each replica.
func (rs *Replicas) Status() []ReplicaStatus {
	out := make([]ReplicaStatus, len(rs.members))
	for i, m := range rs.members {
		m.mu.Lock()
		out[i] = ReplicaStatus{Name: m.name, Healthy: m.healthy, Lag: m.lag, Reads: m.reads.Load(), Err: m.err}
		m.mu.Unlock()
	}
	return out
}

// PrimaryReads counts the reads offered to the replicas that went to the primary (no replica
// healthy, or none past the subject's fence, or a replica failing).
func (rs *Replicas) PrimaryReads() int64 { return rs.primReads.Load() }

func (rs *Replicas) watch() {
	defer close(rs.done)
	t := time.NewTicker(rs.opts.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-rs.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), rs.opts.CheckEvery*4)
			rs.check(ctx)
			cancel()
		}
	}
}

// check samples the primary's position and reads each replica's.
func (rs *Replicas) check(ctx context.Context) {
	now := time.Now()
	var s string
	if err := rs.primary.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&s); err == nil {
		if lsn, err := ParseLSN(s); err == nil {
			rs.mu.Lock()
			rs.samples = append(rs.samples, lsnSample{at: now, lsn: lsn})
			// Keep the samples of the last MaxLag and one older, which bounds any lag worth knowing.
			cut := 0
			for cut+1 < len(rs.samples) && now.Sub(rs.samples[cut+1].at) > rs.opts.MaxLag {
				cut++
			}
			rs.samples = append(rs.samples[:0], rs.samples[cut:]...)
			rs.mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for _, m := range rs.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs.checkOne(ctx, m, now)
		}()
	}
	wg.Wait()
}

func (rs *Replicas) checkOne(ctx context.Context, m *replica, now time.Time) {
	var s sql.NullString
	err := m.db.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn()::text`).Scan(&s)
	var replay LSN
	if err == nil && !s.Valid {
		err = errors.New("not a replica (pg_last_wal_replay_lsn() is null)")
	}
	if err == nil {
		replay, err = ParseLSN(s.String)
	}
	lag := rs.lagOf(replay, now)
	m.mu.Lock()
	defer m.mu.Unlock()
	was := m.healthy
	switch {
	case err != nil:
		m.healthy, m.err = false, err.Error()
	case lag > rs.opts.MaxLag:
		m.healthy, m.err = false, fmt.Sprintf("lagging %s behind the primary (at most %s)", lag.Round(time.Millisecond), rs.opts.MaxLag)
	default:
		m.healthy, m.err = true, ""
	}
	if err == nil {
		m.replay, m.lag = replay, lag
	}
	if rs.opts.Logger != nil && was != m.healthy {
		if m.healthy {
			rs.opts.Logger.Info("replica back: reads go to it again", "replica", m.name, "lag", lag)
		} else {
			rs.opts.Logger.Warn("replica skipped: reads go elsewhere", "replica", m.name, "reason", m.err)
		}
	}
}

// lagOf is how long ago the primary was at replay: zero when the replica has replayed the latest
// sample, else the age of the newest sample it has not replayed yet (a bound from above).
func (rs *Replicas) lagOf(replay LSN, now time.Time) time.Duration {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if len(rs.samples) == 0 {
		return 0
	}
	if replay >= rs.samples[len(rs.samples)-1].lsn {
		return 0
	}
	// The oldest sample past replay: the replica has not reached where the primary was then.
	for _, s := range rs.samples {
		if s.lsn > replay {
			return now.Sub(s.at)
		}
	}
	return 0
}

// pick chooses a healthy replica that has replayed at least to fence (0: no fence), round robin; nil
// when there is none.
func (rs *Replicas) pick(fence LSN) *replica {
	n := len(rs.members)
	start := int(rs.next.Add(1))
	for i := range n {
		m := rs.members[(start+i)%n]
		m.mu.Lock()
		ok := m.healthy && m.replay >= fence
		m.mu.Unlock()
		if ok {
			return m
		}
	}
	return nil
}

// markDown takes a replica out of reads until a check finds it well.
func (rs *Replicas) markDown(m *replica, err error) {
	m.mu.Lock()
	was := m.healthy
	m.healthy, m.err = false, err.Error()
	m.mu.Unlock()
	if was && rs.opts.Logger != nil {
		rs.opts.Logger.Warn("replica failed a read: reads go elsewhere", "replica", m.name, "err", err)
	}
}

// WithReplicas returns a DB that is db, whose [DB.Reader] sends reads to the healthy replicas of rs;
// subject names the user a context's statements are run for ("" for none), whose writes fence their
// reads. rs must be replicas of db's PostgreSQL.
func (db *DB) WithReplicas(rs *Replicas, subject func(context.Context) string) *DB {
	out := *db
	out.replicas, out.subject = rs, subject
	return &out
}

// Reader returns what a statement that only reads, outside a transaction, should run on: a healthy
// replica past the subject's fence, or the primary. Its errors come classified; a replica that cannot
// be reached is replaced by the primary for that statement.
func (db *DB) Reader(ctx context.Context) Querier {
	rs := db.replicas
	if rs == nil || len(rs.members) == 0 {
		return db
	}
	var fence LSN
	if s := db.subjectOf(ctx); s != "" {
		f, ok, err := rs.fences.Fence(ctx, s)
		if err != nil {
			rs.primReads.Add(1)
			return db // the primary is always right; it also reports its own unavailability
		}
		if ok {
			fence = f
		}
	}
	m := rs.pick(fence)
	if m == nil {
		rs.primReads.Add(1)
		return db
	}
	return replicaReader{m: m, rs: rs, primary: db}
}

func (db *DB) subjectOf(ctx context.Context) string {
	if db.subject == nil {
		return ""
	}
	return db.subject(ctx)
}

// fenceAfterWrite records, after a write of ctx's subject committed, the primary's position as the
// subject's fence.
func (db *DB) fenceAfterWrite(ctx context.Context) {
	rs := db.replicas
	if rs == nil {
		return
	}
	s := db.subjectOf(ctx)
	if s == "" {
		return
	}
	var err error
	if tf, ok := rs.fences.(*TableFences); ok && tf.db == db.db {
		err = tf.raiseToCurrent(ctx, s) // one statement: the position is read where it is stored
	} else {
		var text string
		err = db.db.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&text)
		var lsn LSN
		if err == nil {
			lsn, err = ParseLSN(text)
		}
		if err == nil {
			err = rs.fences.Raise(ctx, s, lsn)
		}
	}
	if err != nil && rs.opts.Logger != nil {
		rs.opts.Logger.Warn("read-your-writes fence not recorded: this user's next reads may miss the write on a replica for up to MaxLag", "subject", s, "err", err)
	}
}

// replicaReader runs reads on one replica, and on the primary when the replica cannot be reached.
type replicaReader struct {
	m       *replica
	rs      *Replicas
	primary *DB
}

// ExecContext runs on the primary: a replica never writes.
func (r replicaReader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.primary.ExecContext(ctx, query, args...)
}

func (r replicaReader) QueryContext(ctx context.Context, query string, args ...any) (*Rows, error) {
	rows, err := r.m.c.rows(r.m.db.QueryContext(ctx, query, args...))
	if r.failedOver(ctx, err) {
		return r.primary.QueryContext(ctx, query, args...)
	}
	if err == nil {
		r.m.reads.Add(1)
	}
	return rows, err
}

func (r replicaReader) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	row := r.m.db.QueryRowContext(ctx, query, args...)
	if r.failedOver(ctx, r.m.c.classify(row.Err())) {
		return r.primary.QueryRowContext(ctx, query, args...)
	}
	r.m.reads.Add(1)
	return &Row{row: row, c: r.m.c}
}

// failedOver reports whether err says the replica cannot be reached (it is then marked down and the
// statement goes to the primary).
func (r replicaReader) failedOver(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if e := apierror.As(err); e == nil || e.Code != apierror.DatabaseUnavailable {
		return false
	}
	r.rs.markDown(r.m, err)
	r.rs.primReads.Add(1)
	return true
}

// TableFences keeps fences in a table of the primary, tastygo_read_fence (subject, lsn), shared by
// every instance using that primary. Get one from [NewTableFences].
type TableFences struct{ db *sql.DB }

// NewTableFences creates the fence table on the PostgreSQL primary db when it is missing.
func NewTableFences(ctx context.Context, db *sql.DB) (*TableFences, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS tastygo_read_fence (
		subject text PRIMARY KEY, lsn pg_lsn NOT NULL, at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("dialect: the read-your-writes fence table: %w", err)
	}
	return &TableFences{db: db}, nil
}

// Raise records that subject wrote up to lsn.
func (f *TableFences) Raise(ctx context.Context, subject string, lsn LSN) error {
	_, err := f.db.ExecContext(ctx, `INSERT INTO tastygo_read_fence (subject, lsn) VALUES ($1, $2::pg_lsn)
		ON CONFLICT (subject) DO UPDATE SET lsn = GREATEST(tastygo_read_fence.lsn, EXCLUDED.lsn), at = now()`, subject, lsn.String())
	return err
}

// raiseToCurrent raises subject's fence to the primary's current position.
func (f *TableFences) raiseToCurrent(ctx context.Context, subject string) error {
	_, err := f.db.ExecContext(ctx, `INSERT INTO tastygo_read_fence (subject, lsn) VALUES ($1, pg_current_wal_lsn())
		ON CONFLICT (subject) DO UPDATE SET lsn = GREATEST(tastygo_read_fence.lsn, EXCLUDED.lsn), at = now()`, subject)
	return err
}

// Fence returns subject's fence.
func (f *TableFences) Fence(ctx context.Context, subject string) (LSN, bool, error) {
	var s string
	err := f.db.QueryRowContext(ctx, `SELECT lsn::text FROM tastygo_read_fence WHERE subject = $1`, subject).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	lsn, err := ParseLSN(s)
	return lsn, err == nil, err
}
