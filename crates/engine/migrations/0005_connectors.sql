-- App connectors: instances, their scan cursors and runs, and the normalized records they read.
-- Secrets (tokens, client secrets, refresh tokens) are never here: they live in the keychain
-- under `instance/<instance_id>/…`. A scan only inserts or updates rows (a partial scan never
-- deletes what it did not see); `last_seen_ms` says when a row was last read.
CREATE TABLE connector_instances (
    instance_id          TEXT    PRIMARY KEY NOT NULL,
    app                  TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    config               TEXT    NOT NULL, -- JSON, no secrets
    status               TEXT    NOT NULL CHECK (status IN ('connecting', 'scanning', 'connected', 'error', 'disabled')),
    status_detail        TEXT,
    permissions          TEXT,             -- JSON of the last permissions scan
    activities_every_s   INTEGER NOT NULL DEFAULT 900,
    full_every_s         INTEGER NOT NULL DEFAULT 43200,
    created_at_ms        INTEGER NOT NULL,
    last_scan_at_ms      INTEGER,
    UNIQUE (app, name)
) STRICT;

CREATE TABLE connector_cursors (
    instance_id    TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    resource       TEXT    NOT NULL,
    value          TEXT    NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, resource)
) STRICT;

CREATE TABLE scan_runs (
    run_id          TEXT    PRIMARY KEY NOT NULL,
    instance_id     TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    started_at_ms   INTEGER NOT NULL,
    finished_at_ms  INTEGER,
    status          TEXT    NOT NULL, -- running, completed, partial, failed, cancelled
    phases          TEXT    NOT NULL, -- JSON: per-phase result
    requests        INTEGER NOT NULL DEFAULT 0,
    retries         INTEGER NOT NULL DEFAULT 0,
    throttles       INTEGER NOT NULL DEFAULT 0,
    error           TEXT
) STRICT;
CREATE INDEX scan_runs_instance ON scan_runs (instance_id, started_at_ms);

CREATE TABLE accounts (
    instance_id      TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    external_id      TEXT    NOT NULL,
    login            TEXT    NOT NULL,
    display_name     TEXT,
    email            TEXT,
    kind             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    is_admin         INTEGER NOT NULL,
    created_at_ms    INTEGER,
    last_sign_in_ms  INTEGER,
    raw              TEXT    NOT NULL,
    first_seen_ms    INTEGER NOT NULL,
    last_seen_ms     INTEGER NOT NULL,
    PRIMARY KEY (instance_id, external_id)
) STRICT;

CREATE TABLE account_groups (
    instance_id   TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    external_id   TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    description   TEXT,
    kind          TEXT,
    raw           TEXT    NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, external_id)
) STRICT;

CREATE TABLE group_memberships (
    instance_id   TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    group_id      TEXT    NOT NULL,
    account_id    TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, group_id, account_id)
) STRICT;

CREATE TABLE privileges (
    instance_id   TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    account_id    TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    raw           TEXT    NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, account_id, role, scope)
) STRICT;

CREATE TABLE activities (
    instance_id     TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    actor           TEXT,
    action          TEXT    NOT NULL,
    target          TEXT,
    ip              TEXT,
    raw             TEXT    NOT NULL,
    PRIMARY KEY (instance_id, event_id)
) STRICT;
CREATE INDEX activities_time ON activities (instance_id, occurred_at_ms);

CREATE TABLE files (
    instance_id     TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    external_id     TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    url             TEXT,
    owner           TEXT,
    sharing         TEXT    NOT NULL CHECK (sharing IN ('public', 'external', 'internal', 'private')),
    modified_at_ms  INTEGER,
    raw             TEXT    NOT NULL,
    last_seen_ms    INTEGER NOT NULL,
    PRIMARY KEY (instance_id, external_id)
) STRICT;

CREATE TABLE file_collaborators (
    instance_id   TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    file_id       TEXT    NOT NULL,
    account       TEXT    NOT NULL,
    permission    TEXT    NOT NULL,
    external      INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, file_id, account)
) STRICT;

CREATE TABLE oauth_grants (
    instance_id    TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    external_id    TEXT    NOT NULL,
    app_name       TEXT    NOT NULL,
    app_id         TEXT,
    principal      TEXT,
    scopes         TEXT    NOT NULL, -- JSON array
    granted_at_ms  INTEGER,
    raw            TEXT    NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    PRIMARY KEY (instance_id, external_id)
) STRICT;
