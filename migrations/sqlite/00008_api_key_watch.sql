-- Servers remember the API keys that authenticated (issue 9) and learn of revocations through a
-- counter in a file beside the database, "<database>-keys-epoch", shared in memory by every process
-- (sqlstore.Store.WatchKeys): on SQLite there is no table to add. This migration keeps the two
-- backends' versions in step with PostgreSQL's 00008, which adds api_key_epoch and api_key_watcher.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
