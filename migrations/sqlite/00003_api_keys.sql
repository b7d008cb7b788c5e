-- Credentials of the dashboard's users (issue 3): an optional password hash on app_user, for HTTP
-- Basic, and API keys. Secrets are stored only as bcrypt hashes; key_id is the public part of a key
-- (auth.KeyID), by which a request's key is looked up. A key is revoked by setting revoked_at, never
-- deleted, so that its last use stays on record. Types follow 00001's conventions.
-- +goose Up
ALTER TABLE app_user ADD COLUMN password_hash TEXT;

CREATE TABLE api_key (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES app_user (id),
    key_id       VARCHAR(12) NOT NULL,
    key_hash     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP,
    CONSTRAINT api_key_key_id_key UNIQUE (key_id)
);
CREATE INDEX api_key_user_id_idx ON api_key (user_id);

-- +goose Down
DROP TABLE api_key;
ALTER TABLE app_user DROP COLUMN password_hash;
