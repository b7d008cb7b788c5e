-- Runs of the non-model (processing) resources (issue 5): one row per run, written by package nonmodel
-- when the run starts (status running) and updated when it ends (succeeded or failed, with the error's
-- text). parameters is the run's canonical parameters as JSON text (sorted keys), compared as text to
-- find the runs of one key. user_id is the dashboard user who triggered it, when known; username is
-- kept beside it (app trigger runs without a user row). Types follow 00001's conventions.
-- +goose Up
CREATE TABLE processing_run (
    id          INTEGER PRIMARY KEY,
    resource    VARCHAR(255) NOT NULL,
    parameters  TEXT NOT NULL,
    user_id     INTEGER REFERENCES app_user (id),
    username    VARCHAR(150),
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    status      TEXT NOT NULL,
    error       TEXT,
    CONSTRAINT processing_run_status_check CHECK (status IN ('running', 'succeeded', 'failed'))
);
CREATE INDEX processing_run_resource_parameters_idx ON processing_run (resource, parameters);
CREATE INDEX processing_run_user_id_idx ON processing_run (user_id);

-- +goose Down
DROP TABLE processing_run;
