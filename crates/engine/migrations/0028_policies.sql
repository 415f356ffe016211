-- Policies and alerts (issue 15).

-- A policy: what to look for (`definition`, JSON by kind), where (`scope`, JSON), how bad a
-- match is, and what to do about it (`actions`, JSON; notify only when empty).
CREATE TABLE policies (
    policy_id      TEXT    PRIMARY KEY NOT NULL,
    name           TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    kind           TEXT    NOT NULL CHECK (kind IN ('activity', 'file', 'oauth_app', 'discovery', 'anomaly', 'sigma')),
    severity       TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    enabled        INTEGER NOT NULL,
    template_id    TEXT,
    definition     TEXT    NOT NULL,
    scope          TEXT    NOT NULL DEFAULT '{}',
    actions        TEXT    NOT NULL DEFAULT '[]',
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

-- An alert: one policy's matches on one subject (a user, a file, an app), grouped while it is
-- open. Alerts outlive their policy (its name and severity are copied).
CREATE TABLE alerts (
    alert_id        TEXT    PRIMARY KEY NOT NULL,
    seq             INTEGER NOT NULL UNIQUE,
    policy_id       TEXT    NOT NULL,
    policy_name     TEXT    NOT NULL,
    group_key       TEXT    NOT NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'dismissed')),
    resolution      TEXT    CHECK (resolution IN ('true_positive', 'benign', 'false_positive')),
    assignee        TEXT,
    entities        TEXT    NOT NULL,  -- JSON array of {kind, id, label, instance_id}
    evidence_count  INTEGER NOT NULL,
    first_seen_ms   INTEGER NOT NULL,
    last_seen_ms    INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
) STRICT;
-- At most one open alert per policy and subject: repeats add to it.
CREATE UNIQUE INDEX alerts_open_group ON alerts (policy_id, group_key)
    WHERE status IN ('open', 'in_progress');
CREATE INDEX alerts_by_seq ON alerts (seq);
CREATE INDEX alerts_by_status ON alerts (status, seq);
CREATE INDEX alerts_by_policy ON alerts (policy_id, seq);

-- What an alert was raised on. A record counts once per policy, so evaluating the same data
-- again never raises or grows an alert (the primary key is the idempotence).
CREATE TABLE alert_evidence (
    policy_id       TEXT    NOT NULL,
    evidence_key    TEXT    NOT NULL,
    alert_id        TEXT    NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,  -- activity, file, oauth_app, discovery_app
    instance_id     TEXT,
    ref_id          TEXT    NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    summary         TEXT    NOT NULL,
    PRIMARY KEY (policy_id, evidence_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_evidence_by_alert ON alert_evidence (alert_id, occurred_at_ms);

-- The alert's history: status changes, comments, governance actions and their results.
CREATE TABLE alert_comments (
    alert_id   TEXT    NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
    at_ms      INTEGER NOT NULL,
    author     TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('comment', 'status', 'action')),
    text       TEXT    NOT NULL
) STRICT;
CREATE INDEX alert_comments_by_alert ON alert_comments (alert_id, at_ms);

-- The analyst's IP ranges (Settings → IP ranges).
CREATE TABLE ip_ranges (
    cidr           TEXT    PRIMARY KEY NOT NULL,
    tag            TEXT    NOT NULL CHECK (tag IN ('corporate', 'vpn', 'risky', 'cloud_provider')),
    name           TEXT    NOT NULL DEFAULT '',
    created_at_ms  INTEGER NOT NULL
) STRICT;

-- How far evaluation has read each instance's activities (their rowids only grow within an
-- instance that exists), so every evaluation reads only new data.
CREATE TABLE evaluation_marks (
    instance_id    TEXT    PRIMARY KEY NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    activity_rowid INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

-- What is usual for each user, learned from their activities: the countries and autonomous
-- systems they act from (`country`, `asn`) and when they were first seen (`first_seen`, value
-- empty).
CREATE TABLE user_baselines (
    actor          TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('first_seen', 'country', 'asn')),
    value          TEXT    NOT NULL,
    first_seen_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    PRIMARY KEY (actor, kind, value)
) STRICT, WITHOUT ROWID;

-- Where each user last acted from a public address outside the corporate and VPN ranges
-- (impossible travel compares the next activity with it).
CREATE TABLE user_places (
    actor          TEXT    PRIMARY KEY NOT NULL,
    at_ms          INTEGER NOT NULL,
    ip             TEXT    NOT NULL,
    country        TEXT    NOT NULL,
    instance_id    TEXT    NOT NULL,
    event_id       TEXT    NOT NULL
) STRICT;
