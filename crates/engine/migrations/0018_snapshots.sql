-- What each completed full scan saw, for "what changed since the last scan": per run, one row
-- per account, per shared file (public or external: the ones a change matters for) and per
-- OAuth grant, with the fields the comparison reads as compact JSON. A kind is recorded only
-- when its phase completed (a partial scan records what it read in full). The last ten
-- snapshots of an instance are kept.
CREATE TABLE snapshot_items (
    run_id       TEXT    NOT NULL REFERENCES scan_runs (run_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('account', 'file', 'grant')),
    item         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    PRIMARY KEY (run_id, kind, item)
) STRICT, WITHOUT ROWID;

-- The snapshots taken: which kinds each run recorded.
CREATE TABLE snapshots (
    run_id       TEXT    PRIMARY KEY NOT NULL REFERENCES scan_runs (run_id) ON DELETE CASCADE,
    instance_id  TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    taken_at_ms  INTEGER NOT NULL,
    kinds        TEXT    NOT NULL  -- JSON array of the kinds recorded
) STRICT;
CREATE INDEX snapshots_by_instance ON snapshots (instance_id, taken_at_ms);
