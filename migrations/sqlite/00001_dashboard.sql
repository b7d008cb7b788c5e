-- The dashboard schema of DASHBOARD.md, SQLite flavour.
--
-- Declared types are the ones dialect.DescribeTable maps: INTEGER PRIMARY KEY (the rowid) for ids,
-- VARCHAR(n) for bounded text, TEXT, REAL, BOOLEAN (0/1), DATE (ISO text, "2006-01-02"), TIMESTAMP
-- (ISO text, field.DateTimeLayout) and JSON (text that json_valid accepts).
-- created_at/updated_at have no default: the framework sets them.
-- Foreign keys keep SQLite's default ON DELETE NO ACTION: deleting a referenced row is refused.
-- Every foreign-key column leads some index, either its own or a unique/composite one.

-- +goose Up
CREATE TABLE location_type (
    id          INTEGER PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    admin_level INTEGER NOT NULL,
    CONSTRAINT location_type_name_key UNIQUE (name),
    CONSTRAINT location_type_admin_level_check CHECK (admin_level BETWEEN 0 AND 4)
);

CREATE TABLE location (
    id                 INTEGER PRIMARY KEY,
    name               VARCHAR(255) NOT NULL,
    location_code      VARCHAR(255) NOT NULL,
    location_type_id   INTEGER NOT NULL REFERENCES location_type (id),
    parent_location_id INTEGER REFERENCES location (id),
    latitude           REAL,
    longitude          REAL,
    created_at         TIMESTAMP NOT NULL,
    CONSTRAINT location_location_code_key UNIQUE (location_code),
    CONSTRAINT location_latitude_check CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT location_longitude_check CHECK (longitude BETWEEN -180 AND 180)
);
CREATE INDEX location_location_type_id_idx ON location (location_type_id);
CREATE INDEX location_parent_location_id_idx ON location (parent_location_id);

CREATE TABLE indicator (
    id          INTEGER PRIMARY KEY,
    short_name  VARCHAR(255) NOT NULL,
    name        VARCHAR(255) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    data_format TEXT NOT NULL,
    is_reported BOOLEAN NOT NULL DEFAULT 1,
    good_bound  REAL,
    bad_bound   REAL,
    created_at  TIMESTAMP NOT NULL,
    CONSTRAINT indicator_short_name_key UNIQUE (short_name),
    CONSTRAINT indicator_data_format_check CHECK (data_format IN ('pct', 'int', 'bool')),
    CONSTRAINT indicator_is_reported_check CHECK (is_reported IN (0, 1))
);

CREATE TABLE indicator_calculation (
    id           INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL REFERENCES indicator (id),
    component_id INTEGER NOT NULL REFERENCES indicator (id),
    role         TEXT NOT NULL,
    CONSTRAINT indicator_calculation_indicator_component_role_key UNIQUE (indicator_id, component_id, role),
    CONSTRAINT indicator_calculation_role_check CHECK (role IN ('numerator', 'denominator'))
);
-- indicator_id leads the unique index above.
CREATE INDEX indicator_calculation_component_id_idx ON indicator_calculation (component_id);

CREATE TABLE campaign_type (
    id   INTEGER PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    CONSTRAINT campaign_type_name_key UNIQUE (name)
);

CREATE TABLE campaign (
    id                  INTEGER PRIMARY KEY,
    name                VARCHAR(255) NOT NULL,
    campaign_type_id    INTEGER NOT NULL REFERENCES campaign_type (id),
    top_lvl_location_id INTEGER NOT NULL REFERENCES location (id),
    start_date          DATE NOT NULL,
    end_date            DATE NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    CONSTRAINT campaign_start_date_check CHECK (date(start_date) IS start_date),
    CONSTRAINT campaign_end_date_check CHECK (date(end_date) IS end_date),
    CONSTRAINT campaign_dates_check CHECK (end_date >= start_date)
);
CREATE INDEX campaign_campaign_type_id_idx ON campaign (campaign_type_id);
CREATE INDEX campaign_top_lvl_location_id_idx ON campaign (top_lvl_location_id);

CREATE TABLE app_user (
    id                    INTEGER PRIMARY KEY,
    username              VARCHAR(150) NOT NULL,
    email                 VARCHAR(254) NOT NULL,
    is_superuser          BOOLEAN NOT NULL DEFAULT 0,
    top_level_location_id INTEGER REFERENCES location (id),
    created_at            TIMESTAMP NOT NULL,
    CONSTRAINT app_user_username_key UNIQUE (username),
    CONSTRAINT app_user_is_superuser_check CHECK (is_superuser IN (0, 1))
);
CREATE INDEX app_user_top_level_location_id_idx ON app_user (top_level_location_id);

CREATE TABLE source_doc (
    id            INTEGER PRIMARY KEY,
    doc_title     VARCHAR(255) NOT NULL,
    file_type     TEXT NOT NULL,
    content       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'uploaded',
    created_by_id INTEGER REFERENCES app_user (id),
    created_at    TIMESTAMP NOT NULL,
    CONSTRAINT source_doc_file_type_check CHECK (file_type IN ('campaign', 'date')),
    CONSTRAINT source_doc_status_check CHECK (status IN ('uploaded', 'processing', 'processed', 'failed'))
);
CREATE INDEX source_doc_created_by_id_idx ON source_doc (created_by_id);

CREATE TABLE source_submission (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES source_doc (id),
    row_number      INTEGER NOT NULL,
    location_code   TEXT NOT NULL,
    campaign_name   TEXT,
    data_date       DATE,
    submission_json TEXT NOT NULL,
    process_status  TEXT NOT NULL DEFAULT 'to_process',
    error           TEXT,
    CONSTRAINT source_submission_data_date_check CHECK (date(data_date) IS data_date),
    CONSTRAINT source_submission_process_status_check CHECK (process_status IN ('to_process', 'processed', 'error'))
);
CREATE INDEX source_submission_document_id_idx ON source_submission (document_id);

CREATE TABLE datapoint (
    id                   INTEGER PRIMARY KEY,
    indicator_id         INTEGER NOT NULL REFERENCES indicator (id),
    location_id          INTEGER NOT NULL REFERENCES location (id),
    campaign_id          INTEGER REFERENCES campaign (id),
    data_date            DATE NOT NULL,
    value                REAL NOT NULL,
    source_submission_id INTEGER REFERENCES source_submission (id),
    created_at           TIMESTAMP NOT NULL,
    CONSTRAINT datapoint_indicator_location_campaign_date_key UNIQUE (indicator_id, location_id, campaign_id, data_date),
    CONSTRAINT datapoint_data_date_check CHECK (date(data_date) IS data_date)
);
-- indicator_id leads the unique index above, campaign_id the composite index below.
CREATE INDEX datapoint_campaign_indicator_location_idx ON datapoint (campaign_id, indicator_id, location_id);
CREATE INDEX datapoint_location_id_idx ON datapoint (location_id);
CREATE INDEX datapoint_source_submission_id_idx ON datapoint (source_submission_id);

CREATE TABLE agg_datapoint (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaign (id),
    location_id  INTEGER NOT NULL REFERENCES location (id),
    indicator_id INTEGER NOT NULL REFERENCES indicator (id),
    value        REAL NOT NULL,
    CONSTRAINT agg_datapoint_campaign_location_indicator_key UNIQUE (campaign_id, location_id, indicator_id)
);
-- campaign_id leads the unique index above.
CREATE INDEX agg_datapoint_location_id_idx ON agg_datapoint (location_id);
CREATE INDEX agg_datapoint_indicator_id_idx ON agg_datapoint (indicator_id);

CREATE TABLE custom_dashboard (
    id          INTEGER PRIMARY KEY,
    title       VARCHAR(255) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    layout      JSON NOT NULL DEFAULT '{}',
    owner_id    INTEGER REFERENCES app_user (id),
    created_at  TIMESTAMP,
    updated_at  TIMESTAMP,
    CONSTRAINT custom_dashboard_layout_check CHECK (json_valid(layout))
);
CREATE INDEX custom_dashboard_owner_id_idx ON custom_dashboard (owner_id);

CREATE TABLE custom_chart (
    id           INTEGER PRIMARY KEY,
    title        VARCHAR(255) NOT NULL,
    chart_json   JSON NOT NULL,
    dashboard_id INTEGER REFERENCES custom_dashboard (id),
    created_at   TIMESTAMP,
    updated_at   TIMESTAMP,
    CONSTRAINT custom_chart_chart_json_check CHECK (json_valid(chart_json))
);
CREATE INDEX custom_chart_dashboard_id_idx ON custom_chart (dashboard_id);

-- +goose Down
DROP TABLE custom_chart;
DROP TABLE custom_dashboard;
DROP TABLE agg_datapoint;
DROP TABLE datapoint;
DROP TABLE source_submission;
DROP TABLE source_doc;
DROP TABLE app_user;
DROP TABLE campaign;
DROP TABLE campaign_type;
DROP TABLE indicator_calculation;
DROP TABLE indicator;
DROP TABLE location;
DROP TABLE location_type;
