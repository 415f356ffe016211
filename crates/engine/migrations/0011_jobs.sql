-- Long work (scans of an instance, uploads of logs) as persisted jobs. A running job holds a
-- lease: its owner (the process) renews `lease_expires_ms` with a heartbeat; a job whose
-- owner died is found by its expired lease (or its owner's missing process on this host),
-- marked `interrupted` and resumed from its cursors. One running job per subject: the app's
-- scheduler and a CLI scan of the same instance cannot run at once.
CREATE TABLE jobs (
    job_id            TEXT    PRIMARY KEY NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('scan', 'upload')),
    subject           TEXT    NOT NULL, -- the instance id, or the report name
    params            TEXT    NOT NULL, -- JSON: what to run again on resume
    state             TEXT    NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled', 'interrupted', 'resumed')),
    owner             TEXT    NOT NULL, -- "<description> pid <pid> on <host>"
    owner_pid         INTEGER NOT NULL,
    owner_host        TEXT    NOT NULL,
    heartbeat_ms      INTEGER NOT NULL,
    lease_expires_ms  INTEGER NOT NULL,
    progress          TEXT,             -- JSON of the last progress event
    error             TEXT,
    created_at_ms     INTEGER NOT NULL,
    finished_at_ms    INTEGER
) STRICT;
CREATE UNIQUE INDEX jobs_one_running ON jobs (kind, subject) WHERE state = 'running';
CREATE INDEX jobs_by_state ON jobs (state, created_at_ms);
