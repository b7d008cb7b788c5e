package dialect_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/pgserver"
)

func TestParseLSN(t *testing.T) {
	for _, c := range []struct {
		in   string
		want dialect.LSN
		ok   bool
	}{
		{"0/0", 0, true},
		{"16/B374D848", 0x16_B374D848, true},
		{"FFFFFFFF/FFFFFFFF", 0xFFFFFFFF_FFFFFFFF, true},
		{"16B374D848", 0, false},
		{"x/1", 0, false},
		{"1/100000000", 0, false},
	} {
		got, err := dialect.ParseLSN(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseLSN(%q) = %v, %v; want %v, ok=%v", c.in, got, err, c.want, c.ok)
		}
		if c.ok && got.String() != c.in {
			t.Errorf("LSN(%q).String() = %q", c.in, got.String())
		}
	}
}

type subjectKey struct{}

func as(ctx context.Context, subject string) context.Context {
	return context.WithValue(ctx, subjectKey{}, subject)
}

func subjectOf(ctx context.Context) string {
	s, _ := ctx.Value(subjectKey{}).(string)
	return s
}

// replicaSetup is a primary with one streaming replica, and a table t on both.
type replicaSetup struct {
	primary, replica *pgserver.Server
	pdb, rdb         *sql.DB
}

func newReplicaSetup(t *testing.T) *replicaSetup {
	t.Helper()
	s := &replicaSetup{primary: pgserver.Start(t)}
	s.replica = s.primary.StartReplica(t)
	var err error
	if s.pdb, _, err = dialect.Open(s.primary.URL("postgres")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.pdb.Close() })
	if s.rdb, _, err = dialect.Open(s.replica.URL("postgres")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.rdb.Close() })
	if _, err := s.pdb.Exec(`CREATE TABLE t (n integer)`); err != nil {
		t.Fatal(err)
	}
	return s
}

// instance is one application instance's view: its own Replicas watching the same replica.
func (s *replicaSetup) instance(t *testing.T, opts dialect.ReplicaOptions) (*dialect.DB, *dialect.Replicas) {
	t.Helper()
	rs, err := dialect.NewReplicas(context.Background(), s.pdb, []*sql.DB{s.rdb}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	d, _ := dialect.ForName(dialect.Postgres)
	return dialect.NewDB(s.pdb, d).WithReplicas(rs, subjectOf), rs
}

// onReplica reports whether q runs on the replica, and how many rows t has there.
func onReplica(t *testing.T, ctx context.Context, q dialect.Querier) (bool, int) {
	t.Helper()
	var standby bool
	var n int
	if err := q.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), (SELECT count(*) FROM t)`).Scan(&standby, &n); err != nil {
		t.Fatal(err)
	}
	return standby, n
}

// waitFor polls cond every 20ms for up to 30s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func insertAs(t *testing.T, ctx context.Context, db *dialect.DB, n int) {
	t.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES ($1)`, n); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestReplicasReadYourWrites: reads go to the replica; a user who wrote reads from the primary until
// the replica has replayed the write, in every instance (the fence is shared), while other users keep
// reading the replica; once the replica catches up, the writer's reads go back to it.
func TestReplicasReadYourWrites(t *testing.T) {
	s := newReplicaSetup(t)
	ctx := context.Background()
	opts := dialect.ReplicaOptions{CheckEvery: 20 * time.Millisecond, MaxLag: time.Minute}
	a, rs := s.instance(t, opts)
	b, _ := s.instance(t, opts)
	waitFor(t, "the replica to be healthy", func() bool { return rs.Status()[0].Healthy })

	if standby, _ := onReplica(t, ctx, a.Reader(ctx)); !standby {
		t.Fatal("an anonymous read went to the primary while the replica is healthy")
	}
	// With replay paused, the replica cannot catch up with what follows.
	if _, err := s.rdb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	insertAs(t, as(ctx, "user:1"), a, 1)
	for name, db := range map[string]*dialect.DB{"the instance that wrote": a, "another instance": b} {
		standby, n := onReplica(t, ctx, db.Reader(as(ctx, "user:1")))
		if standby || n != 1 {
			t.Errorf("%s: the writer read on the replica=%v and saw %d rows, want the primary and 1", name, standby, n)
		}
		standby, n = onReplica(t, ctx, db.Reader(as(ctx, "user:2")))
		if !standby || n != 0 {
			t.Errorf("%s: another user read on the replica=%v and saw %d rows, want the replica (0 rows yet)", name, standby, n)
		}
	}
	if _, err := s.rdb.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the writer's reads to go back to the replica", func() bool {
		standby, n := onReplica(t, ctx, b.Reader(as(ctx, "user:1")))
		return standby && n == 1
	})
}

// TestReplicasLagging: a replica further behind than MaxLag gets no reads, and gets them again once
// it has caught up.
func TestReplicasLagging(t *testing.T) {
	s := newReplicaSetup(t)
	ctx := context.Background()
	db, rs := s.instance(t, dialect.ReplicaOptions{CheckEvery: 20 * time.Millisecond, MaxLag: 300 * time.Millisecond})
	waitFor(t, "the replica to be healthy", func() bool { return rs.Status()[0].Healthy })
	if _, err := s.rdb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	insertAs(t, ctx, db, 1)
	waitFor(t, "the paused replica to be skipped", func() bool { return !rs.Status()[0].Healthy })
	if st := rs.Status()[0]; st.Lag < 300*time.Millisecond || st.Err == "" {
		t.Errorf("status of the lagging replica: %+v", st)
	}
	if standby, n := onReplica(t, ctx, db.Reader(ctx)); standby || n != 1 {
		t.Errorf("with the replica lagging, a read went to the replica=%v and saw %d rows", standby, n)
	}
	if _, err := s.rdb.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replica to be read again", func() bool {
		standby, _ := onReplica(t, ctx, db.Reader(ctx))
		return standby
	})
}

// TestReplicaStopped: a replica that stops between two checks costs no read an error (the read runs
// on the primary and the replica is marked down at once), and gets reads again once it is back.
func TestReplicaStopped(t *testing.T) {
	s := newReplicaSetup(t)
	ctx := context.Background()
	// No check runs during the test but the first: only the failed read can mark the replica down.
	db, rs := s.instance(t, dialect.ReplicaOptions{CheckEvery: time.Hour, MaxLag: time.Minute})
	if !rs.Status()[0].Healthy {
		t.Fatalf("the replica after the first check: %+v", rs.Status()[0])
	}
	if err := s.replica.Stop(); err != nil {
		t.Fatal(err)
	}
	var standby bool
	if err := db.Reader(ctx).QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || standby {
		t.Fatalf("a read with the replica stopped: standby=%v, err=%v", standby, err)
	}
	rows, err := db.Reader(ctx).QueryContext(ctx, `SELECT pg_is_in_recovery()`)
	if err != nil {
		t.Fatalf("a query with the replica stopped: %v", err)
	}
	rows.Close()
	if st := rs.Status()[0]; st.Healthy {
		t.Fatalf("the stopped replica is still healthy: %+v", st)
	}
	if rs.PrimaryReads() < 1 {
		t.Errorf("PrimaryReads = %d after a failover", rs.PrimaryReads())
	}

	if err := s.replica.Start(); err != nil {
		t.Fatal(err)
	}
	back, _ := s.instance(t, dialect.ReplicaOptions{CheckEvery: 20 * time.Millisecond, MaxLag: time.Minute})
	waitFor(t, "the restarted replica to be read again", func() bool {
		standby, _ := onReplica(t, ctx, back.Reader(ctx))
		return standby
	})
}
