package nonmodel

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"sync"
	"time"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// The statuses of a run.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Run is one recorded run of a non-model resource.
type Run struct {
	ID         int64
	Resource   string
	Parameters string // canonical JSON
	Username   string
	StartedAt  time.Time
	EndedAt    time.Time
	Status     string
	Error      string
	// Shared: this trigger waited for an overlapping run (Options.WaitIfRunning) and took its outcome.
	Shared bool
}

// The outcomes of a trigger, as a RunObserver is told them.
const (
	OutcomeSucceeded = "succeeded" // the run's work ended without an error
	OutcomeFailed    = "failed"    // the run's work returned an error or panicked
	// OutcomeAbandoned: a run found recorded as running while no process held its lock (its process
	// stopped before recording its end) was marked failed.
	OutcomeAbandoned = "abandoned"
	// OutcomeInProgress: the trigger was refused (409 RUN_IN_PROGRESS) because a run with the same
	// parameters was in progress.
	OutcomeInProgress = "in_progress"
	// OutcomeShared: the trigger waited for a run with the same parameters (Options.WaitIfRunning) and
	// took its success instead of running.
	OutcomeShared = "shared"
)

// RunObserver is told the outcome of every trigger of a non-model resource and of every abandoned run
// found, for metrics. An application sets it as resource.Config.Observer; it is called on the
// request's goroutine (or Sweep's), so it must be quick and safe for concurrent use.
type RunObserver interface {
	RunEnded(resource, outcome string)
}

type sinkKey struct{}

// Trigger runs the non-model resource name of api in-process, as GET /<name>/?q does (through the same
// Dispatch, as the user in ctx, see resource.WithUser), and returns the run with the list. The run is
// nil when none was started (a bad parameter, a run in progress); err is the answer's error.
func Trigger(ctx context.Context, api *resource.API, name string, q url.Values) (*Run, *resource.ListResult, error) {
	res, ok := api.Resource(name)
	if !ok {
		return nil, nil, apierror.New(apierror.ResourceNotFound, "There is no resource named %q.", name).With("resource", name)
	}
	if _, ok := res.Self.(interface{ nonModel() }); !ok {
		return nil, nil, apierror.New(apierror.BadRequest, "%q is not a non-model resource.", name).With("resource", name)
	}
	var run *Run
	ctx = context.WithValue(ctx, sinkKey{}, func(r *Run) { run = r })
	list, err := api.List(ctx, name, q)
	return run, list, err
}

// runStore writes and reads the run table, and reports outcomes to the observer (nil: none).
type runStore struct {
	db    *dialect.DB
	d     dialect.Dialect
	table string // quoted
	// params is the parameters column as text, to compare and read: PostgreSQL's json type has no
	// equality, so it is cast (a TEXT column, of a table made before parameters were JSON, casts to itself).
	params   string
	observer RunObserver
}

// newRunStore returns the store of the run table (unquoted) on db.
func newRunStore(db *dialect.DB, d dialect.Dialect, table string) *runStore {
	s := &runStore{db: db, d: d, table: d.Quote(table), params: "parameters"}
	if d.Name() == dialect.Postgres {
		s.params = "CAST(parameters AS TEXT)"
	}
	return s
}

// report tells the observer, when there is one, that a run of the resource had the outcome.
func (s *runStore) report(name, outcome string) {
	if s.observer != nil {
		s.observer.RunEnded(name, outcome)
	}
}

func (s *runStore) start(ctx context.Context, name, params string, u *resource.User) (*Run, error) {
	run := &Run{Resource: name, Parameters: params, StartedAt: s.d.Now(), Status: StatusRunning}
	var userID, username any
	if u != nil {
		run.Username, username = u.Username, u.Username
		if u.ID != 0 {
			userID = u.ID
		}
	}
	q := s.d.Rebind("INSERT INTO " + s.table + " (resource, parameters, user_id, username, started_at, status) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")
	if err := s.db.QueryRowContext(ctx, q, name, s.d.Bind(field.JSON, []byte(params)), userID, username, s.d.Bind(field.DateTime, run.StartedAt), StatusRunning).Scan(&run.ID); err != nil {
		return nil, fmt.Errorf("recording the start of a run: %w", err)
	}
	return run, nil
}

func (s *runStore) finish(ctx context.Context, run *Run, stepErr error) error {
	run.EndedAt, run.Status = s.d.Now(), StatusSucceeded
	outcome := OutcomeSucceeded
	var errText any
	if stepErr != nil {
		run.Status, run.Error, outcome = StatusFailed, stepErr.Error(), OutcomeFailed
		errText = run.Error
	}
	s.report(run.Resource, outcome)
	q := s.d.Rebind("UPDATE " + s.table + " SET ended_at = ?, status = ?, error = ? WHERE id = ?")
	_, err := s.db.ExecContext(ctx, q, s.d.Bind(field.DateTime, run.EndedAt), run.Status, errText, run.ID)
	return err
}

// lastEnded returns the largest id of an ended run of the resource with the parameters, 0 for none.
func (s *runStore) lastEnded(ctx context.Context, name, params string) (int64, error) {
	var id sql.NullInt64
	q := s.d.Rebind("SELECT max(id) FROM " + s.table + " WHERE resource = ? AND " + s.params + " = ? AND status <> ?")
	if err := s.db.QueryRowContext(ctx, q, name, params, StatusRunning).Scan(&id); err != nil {
		return 0, err
	}
	return id.Int64, nil
}

// endedAfter returns the latest ended run of the resource with the parameters whose id is above after:
// one that ended while this trigger waited. Runs of one key are serialised by the lock, so ids grow
// with them; a run left "running" by a crashed process is never taken.
func (s *runStore) endedAfter(ctx context.Context, name, params string, after int64) (*Run, error) {
	q := s.d.Rebind("SELECT id, status, coalesce(error, '') FROM " + s.table +
		" WHERE resource = ? AND " + s.params + " = ? AND status <> ? AND id > ? ORDER BY id DESC LIMIT 1")
	run := &Run{Resource: name, Parameters: params}
	err := s.db.QueryRowContext(ctx, q, name, params, StatusRunning, after).Scan(&run.ID, &run.Status, &run.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return run, nil
}

// abandon marks failed, with AbandonedError, the runs of the resource with the parameters still
// recorded as running: the caller holds the key's locks, so no process is running them. It returns
// their ids.
func (s *runStore) abandon(ctx context.Context, name, params string) ([]int64, error) {
	q := s.d.Rebind("UPDATE " + s.table + " SET status = ?, ended_at = ?, error = ? WHERE resource = ? AND " + s.params + " = ? AND status = ? RETURNING id")
	rows, err := s.db.QueryContext(ctx, q, StatusFailed, s.d.Bind(field.DateTime, s.d.Now()), AbandonedError, name, params, StatusRunning)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
		s.report(name, OutcomeAbandoned)
	}
	return ids, rows.Err()
}

// runningParams returns the parameters of the resource's runs recorded as running, each once.
func (s *runStore) runningParams(ctx context.Context, name string) ([]string, error) {
	q := s.d.Rebind("SELECT DISTINCT " + s.params + " FROM " + s.table + " WHERE resource = ? AND status = ? ORDER BY 1")
	rows, err := s.db.QueryContext(ctx, q, name, StatusRunning)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

var errBusy = errors.New("a run with these parameters is in progress")

// processLocks is the in-process lock registry, one for the whole process: every API over a database
// handle excludes the others' runs, as PostgreSQL's advisory locks do across processes, and a sweep
// knows every run the process has in progress. Keys name the handle and the run table.
var processLocks = newLocks()

// locks excludes overlapping runs of one key within the process.
type locks struct {
	mu   sync.Mutex
	held map[string]chan struct{} // closed when the run ends
}

func newLocks() *locks { return &locks{held: map[string]chan struct{}{}} }

// acquire takes the key's lock; when it is held, it answers errBusy or, with wait, waits for it
// (reporting waited) until ctx ends.
func (l *locks) acquire(ctx context.Context, key string, wait bool) (release func(), waited bool, err error) {
	for {
		l.mu.Lock()
		ch, busy := l.held[key]
		if !busy {
			ch = make(chan struct{})
			l.held[key] = ch
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.held, key)
				l.mu.Unlock()
				close(ch)
			}, waited, nil
		}
		l.mu.Unlock()
		if !wait {
			return nil, false, errBusy
		}
		waited = true
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, true, ctx.Err()
		}
	}
}

// lockID is the advisory-lock key of a string.
func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("tastygo nonmodel " + key))
	return int64(h.Sum64())
}

// pgLock takes a session advisory lock on a connection of its own, held until release: so that two
// processes on one database run a key once. A connection whose unlock fails is closed, which ends its
// session and so its locks.
func pgLock(ctx context.Context, db *dialect.DB, id int64, wait bool) (release func(), waited bool, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	discard := func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", id).Scan(&ok); err != nil {
		discard()
		return nil, false, err
	}
	if !ok {
		if !wait {
			_ = conn.Close()
			return nil, false, errBusy
		}
		waited = true
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
			discard()
			return nil, true, err
		}
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var unlocked bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock($1)", id).Scan(&unlocked); err != nil || !unlocked {
			discard()
			return
		}
		_ = conn.Close()
	}, waited, nil
}
