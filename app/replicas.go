package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// replicasEnv names the environment variable listing PostgreSQL read replicas of DATABASE_URL,
// comma-separated: `app serve` sends the API's reads to them (see dialect.NewReplicas).
const replicasEnv = "DATABASE_REPLICA_URLS"

// throttleRedisEnv names the environment variable giving serve --throttle-redis its default.
const throttleRedisEnv = "THROTTLE_REDIS_URL"

// replicaMaxLag is how far behind the primary a replica may be and still be read.
const replicaMaxLag = 5 * time.Second

// openReplicas opens the replicas listed in urls (comma-separated; "" for none) of the primary db and
// watches them; close stops watching and closes their pools. A replica that cannot be reached now is
// not an error: it gets reads once it answers.
func openReplicas(ctx context.Context, urls string, db *sql.DB, d dialect.Dialect, logger *slog.Logger) (*dialect.Replicas, func(), error) {
	var addrs []string
	for _, u := range strings.Split(urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			addrs = append(addrs, u)
		}
	}
	if len(addrs) == 0 {
		return nil, func() {}, nil
	}
	if d.Name() != dialect.Postgres {
		return nil, nil, fmt.Errorf("%s: read replicas need a PostgreSQL primary; the database is %s", replicasEnv, d.Name())
	}
	var pools []*sql.DB
	closePools := func() {
		for _, p := range pools {
			p.Close()
		}
	}
	for _, addr := range addrs {
		if !dialect.IsPostgresURL(addr) {
			closePools()
			return nil, nil, fmt.Errorf("%s: %s is not a PostgreSQL URL", replicasEnv, redact(addr))
		}
		p, _, err := dialect.Open(addr)
		if err != nil {
			closePools()
			return nil, nil, fmt.Errorf("%s: %w", replicasEnv, err)
		}
		pools = append(pools, p)
	}
	rs, err := dialect.NewReplicas(ctx, db, pools, dialect.ReplicaOptions{MaxLag: replicaMaxLag, Logger: logger})
	if err != nil {
		closePools()
		return nil, nil, err
	}
	for i, st := range rs.Status() {
		logger.Info("read replica", "name", st.Name, "address", redact(addrs[i]), "healthy", st.Healthy, "problem", st.Err)
	}
	return rs, func() { rs.Close(); closePools() }, nil
}
