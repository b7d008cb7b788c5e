package main

import (
	"context"
	"database/sql"
	"encoding"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// seedSize is how much demo data seed writes.
type seedSize struct {
	name                   string
	users, accounts, jobs  int
	accountsPerUserMinimum int
}

// The seed sizes: large is ACCOUNTING.md's 200 users, 60 accounts and 200,000 jobs.
var (
	sizeSmall = seedSize{name: "small", users: 12, accounts: 6, jobs: 300, accountsPerUserMinimum: 1}
	sizeLarge = seedSize{name: "large", users: 200, accounts: 60, jobs: 200_000, accountsPerUserMinimum: 1}
)

var _ encoding.TextUnmarshaler = (*seedSize)(nil)

// String names the size.
func (s seedSize) String() string { return s.name }

// MarshalText names the size, for flag.TextVar.
func (s seedSize) MarshalText() ([]byte, error) { return []byte(s.name), nil }

// UnmarshalText reads "small" or "large".
func (s *seedSize) UnmarshalText(b []byte) error {
	switch string(b) {
	case "small":
		*s = sizeSmall
	case "large":
		*s = sizeLarge
	default:
		return fmt.Errorf("the size is small or large, not %q", b)
	}
	return nil
}

// seedCounts are the rows seed wrote, per table.
type seedCounts struct{ users, accounts, memberships, jobs int }

// accountTypes are the values of accounts.type the demo data uses.
var accountTypes = []string{"research", "course", "lab", "project"}

// seedEpoch is the first submit date of the demo jobs: they spread over the 365 days from it.
var seedEpoch = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)

// seedData fills an empty database with deterministic demo data of the size (the same rows every
// time, but for created and updated, which are the time of the seeding), in one transaction: the
// rows go in multi-row INSERTs of as many rows as the backend's parameters allow. A database that has
// users already is an error, and nothing is written.
func seedData(ctx context.Context, db *sql.DB, d dialect.Dialect, size seedSize) (seedCounts, error) {
	var c seedCounts
	tx, err := dialect.NewDB(db, d).BeginTx(ctx, nil)
	if err != nil {
		return c, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return c, err
	}
	if n > 0 {
		return c, fmt.Errorf("seed: the database has %d users already; seed fills an empty one", n)
	}
	now := d.Bind(field.DateTime, d.Now())
	rnd := rand.New(rand.NewPCG(1, 2))
	insert := func(table string, cols []string, rows int, row func(i int) []any) error {
		ins := d.BulkInsert(table, cols...)
		q := ins.Batch(func(ctx context.Context, query string, args []any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		})
		for i := 1; i <= rows; i++ {
			if err := q.Add(ctx, row(i)...); err != nil {
				return fmt.Errorf("seed: insert into %s: %w", table, err)
			}
		}
		if err := q.Flush(ctx); err != nil {
			return fmt.Errorf("seed: insert into %s: %w", table, err)
		}
		return nil
	}

	err = insert("users", []string{"userid", "username", "usermetadata", "email", "ldapuid", "created", "updated"}, size.users,
		func(i int) []any {
			name := fmt.Sprintf("user%03d", i)
			return []any{i, name, fmt.Sprintf(`{"department": "dept%d"}`, i%7), name + "@example.edu", 10000 + i, now, now}
		})
	if err != nil {
		return c, err
	}
	c.users = size.users
	err = insert("accounts", []string{"accountid", "accountname", "accountallocation", "accountbalance", "type", "description", "created", "updated"},
		size.accounts, func(i int) []any {
			alloc := 100000 * (1 + rnd.IntN(20))
			return []any{i, fmt.Sprintf("acct%03d", i), alloc, alloc - rnd.IntN(alloc/2), accountTypes[i%len(accountTypes)],
				fmt.Sprintf("Demo %s account %d", accountTypes[i%len(accountTypes)], i), now, now}
		})
	if err != nil {
		return c, err
	}
	c.accounts = size.accounts

	// Each user may charge one to three accounts, the first ((user-1) mod accounts)+1.
	member := make([][]int, size.users+1)
	var pairs [][2]int
	for u := 1; u <= size.users; u++ {
		k := size.accountsPerUserMinimum + rnd.IntN(3)
		for j := 0; j < k && j < size.accounts; j++ {
			a := (u-1+j*7)%size.accounts + 1
			member[u] = append(member[u], a)
			pairs = append(pairs, [2]int{u, a})
		}
	}
	err = insert("user_accounts", []string{"userid", "accountid"}, len(pairs), func(i int) []any {
		return []any{pairs[i-1][0], pairs[i-1][1]}
	})
	if err != nil {
		return c, err
	}
	c.memberships = len(pairs)

	err = insert("jobs", []string{"jobnumber", "jobslurmid", "submitdate", "startdate", "enddate", "userid", "accountid",
		"amount", "jobstatus", "partition", "qos", "created", "updated"}, size.jobs, func(i int) []any {
		u := 1 + rnd.IntN(size.users)
		a := member[u][rnd.IntN(len(member[u]))]
		submit := seedEpoch.Add(time.Duration(rnd.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
		status := rnd.IntN(5) // 0 pending, 1 running, 2 completed, 3 failed, 4 cancelled
		var start, end any
		amount := 0.0
		if status > 0 {
			s := submit.Add(time.Duration(rnd.IntN(3600)) * time.Second)
			start = d.Bind(field.DateTime, s)
			if status > 1 {
				e := s.Add(time.Duration(60+rnd.IntN(48*3600)) * time.Second)
				end = d.Bind(field.DateTime, e)
				amount = float64(int(e.Sub(s).Hours()*100*float64(1+rnd.IntN(16)))) / 100
			}
		}
		return []any{i, 1000000 + i, d.Bind(field.DateTime, submit), start, end, u, a, amount, status, 1 + rnd.IntN(4), 1 + rnd.IntN(3), now, now}
	})
	if err != nil {
		return c, err
	}
	c.jobs = size.jobs
	if err := resetSequences(ctx, tx, d); err != nil {
		return c, err
	}
	return c, tx.Commit()
}

// resetSequences moves PostgreSQL's identity sequences past the keys seed wrote, so that the next
// insert without a key gets a free one (SQLite's rowid keys need nothing).
func resetSequences(ctx context.Context, tx *dialect.Tx, d dialect.Dialect) error {
	if d.Name() != dialect.Postgres {
		return nil
	}
	for _, t := range [][2]string{{"users", "userid"}, {"accounts", "accountid"}, {"jobs", "jobnumber"}} {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT max(%s) FROM %s), 0) + 1, false)`,
			t[0], t[1], t[1], t[0])
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed: reset the key of %s: %w", t[0], err)
		}
	}
	return nil
}
