-- Normalised activities (the activity log): every connector's events in one vocabulary —
-- `category` (sign_in, admin, file, sharing, mail, oauth, repository, membership, other) and
-- `outcome` (success, failure, unknown); the vendor's own words stay in `raw`. Rows written
-- before this migration are categorised once by the engine when it opens the store
-- (`Store::normalize_activities`), which needs the connectors' mappings.
ALTER TABLE activities ADD COLUMN category TEXT NOT NULL DEFAULT 'other';

-- Indexes for the activity log's filters, newest first with the keyset (time, instance, event):
-- across all instances, by category, by user and by IP. Each is justified by the query plan in
-- `tests/activity_log.rs`.
CREATE INDEX activities_newest ON activities (occurred_at_ms, instance_id, event_id);
CREATE INDEX activities_by_category ON activities (category, occurred_at_ms, instance_id, event_id);
CREATE INDEX activities_by_actor ON activities (actor, occurred_at_ms, instance_id, event_id);
CREATE INDEX activities_by_ip ON activities (ip, occurred_at_ms, instance_id, event_id);
