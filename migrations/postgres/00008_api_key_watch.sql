-- Servers remember the API keys that authenticated (issue 9: authentication under 5% of a list) and
-- learn of revocations without reading a key's row on every request (sqlstore.Store.WatchKeys).
-- api_key_epoch holds one counter that every revocation through the store increases in its own
-- transaction; api_key_watcher has one row per running server: its last heartbeat, the lease it takes
-- from it, and the last epoch it acknowledged. A revocation waits until every server whose lease may
-- still run has acknowledged it. The same tables as sqlstore.TableStatements; applying it again
-- (a database whose later versions were undone) changes nothing.
-- +goose Up
CREATE TABLE IF NOT EXISTS api_key_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO api_key_epoch (id, epoch) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS api_key_watcher (
    id           VARCHAR(100) PRIMARY KEY,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    lease_ms     INTEGER NOT NULL,
    acked_epoch  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE api_key_watcher;
DROP TABLE api_key_epoch;
