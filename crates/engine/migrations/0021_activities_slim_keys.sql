-- The activity log's indexes with short keys: each ends in the row's rowid (SQLite puts it at
-- the end of every index entry), so the log pages on (occurred_at_ms, rowid) instead of
-- (occurred_at_ms, instance_id, event_id) and no index repeats two long text ids per row.
-- Measured at 10 M activities (docs/benchmarks.md): the four indexes of 0012 made storing
-- activities three times slower than before them.
--
-- Two keys computed by the writer (`store/activities.rs`):
--  * `ip_key`: the address as bytes that sort as addresses do (a version byte, then 4 or 16
--    bytes), so that a CIDR network is one index range instead of a sift through every row;
--  * `object_key`: the first 8 bytes of SHA-256 of the object (`target`), so that one file's
--    events are an index lookup on a number instead of a phrase search of the text index.
-- Rows stored before this migration get both once, when the engine opens the store
-- (`Store::backfill_activity_keys`).
--
-- The rowid of a table without an INTEGER PRIMARY KEY may change in a VACUUM; the text index
-- (0013) already refers to it, and a cursor is only ever used within a session.
ALTER TABLE activities ADD COLUMN ip_key BLOB;
ALTER TABLE activities ADD COLUMN object_key INTEGER;

DROP INDEX activities_newest;
DROP INDEX activities_by_category;
DROP INDEX activities_by_actor;
DROP INDEX activities_by_ip;

CREATE INDEX activities_newest ON activities (occurred_at_ms);
CREATE INDEX activities_by_category ON activities (category, occurred_at_ms);
CREATE INDEX activities_by_actor ON activities (actor, occurred_at_ms);
CREATE INDEX activities_by_ip ON activities (ip_key, occurred_at_ms);
CREATE INDEX activities_by_object ON activities (object_key, occurred_at_ms);
