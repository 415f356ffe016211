-- Activities are kept unique by (instance, time, event id) instead of (instance, event id).
-- An event's time never changes, so re-read overlaps are still dropped; the one index grows at
-- its newest end (audit logs are read in time order) where the old primary key took inserts at
-- random places (event ids are random), rewriting most of its pages on every commit. The same
-- index serves the time-ordered queries the old activities_time index served.
CREATE TABLE activities_by_time (
    instance_id     TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    actor           TEXT,
    action          TEXT    NOT NULL,
    target          TEXT,
    ip              TEXT,
    raw             TEXT    NOT NULL
) STRICT;
INSERT INTO activities_by_time (instance_id, event_id, occurred_at_ms, actor, action, target, ip, raw)
    SELECT instance_id, event_id, occurred_at_ms, actor, action, target, ip, raw
    FROM activities ORDER BY instance_id, occurred_at_ms;
DROP TABLE activities;
ALTER TABLE activities_by_time RENAME TO activities;
CREATE UNIQUE INDEX activities_time ON activities (instance_id, occurred_at_ms, event_id);
