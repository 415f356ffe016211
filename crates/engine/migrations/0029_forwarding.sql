-- Alert forwarding (issue 15): targets (Settings → Alert forwarding) and the delivery log;
-- and when each instance's OAuth grants were first snapshotted (apps seen after that are new).

ALTER TABLE connector_instances ADD COLUMN oauth_baseline_ms INTEGER;
UPDATE connector_instances SET oauth_baseline_ms = (
    SELECT MIN(s.taken_at_ms) FROM snapshots s
    WHERE s.instance_id = connector_instances.instance_id AND s.kinds LIKE '%grant%');

CREATE TABLE forward_targets (
    target_id      TEXT    PRIMARY KEY NOT NULL,
    name           TEXT    NOT NULL,
    enabled        INTEGER NOT NULL,
    min_severity   TEXT    NOT NULL CHECK (min_severity IN ('low', 'medium', 'high')),
    config         TEXT    NOT NULL,  -- JSON ForwardConfig
    signed         INTEGER NOT NULL DEFAULT 0,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

-- One alert event for one target. A delivery stays `pending` (retried with growing waits)
-- until the target takes it; nothing is dropped while a listener is down.
CREATE TABLE alert_deliveries (
    delivery_id      INTEGER PRIMARY KEY,
    target_id        TEXT    NOT NULL REFERENCES forward_targets (target_id) ON DELETE CASCADE,
    alert_id         TEXT    NOT NULL,
    event            TEXT    NOT NULL CHECK (event IN ('raised', 'updated', 'status', 'test')),
    payload          TEXT    NOT NULL,  -- the alert as it was, JSON
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    last_error       TEXT,
    created_at_ms    INTEGER NOT NULL,
    delivered_at_ms  INTEGER
) STRICT;
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_ms);
CREATE INDEX alert_deliveries_by_target ON alert_deliveries (target_id, delivery_id);
