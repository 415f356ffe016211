-- Cloud Discovery: named reports built from uploaded firewall/proxy logs. Usage is stored per
-- key (an app id, an unmatched registrable domain, or a bare destination IP) and per key × user,
-- × source IP and × day, so a later upload adds to a report without keeping any log line, and
-- distinct users/IPs are counted exactly.
CREATE TABLE discovery_reports (
    report_id      TEXT    PRIMARY KEY NOT NULL,
    name           TEXT    NOT NULL UNIQUE,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE discovery_uploads (
    upload_id          TEXT    PRIMARY KEY NOT NULL,
    report_id          TEXT    NOT NULL REFERENCES discovery_reports (report_id) ON DELETE CASCADE,
    file_name          TEXT    NOT NULL,
    format             TEXT    NOT NULL,
    confidence         REAL    NOT NULL,
    bytes              INTEGER NOT NULL,
    lines_total        INTEGER NOT NULL,
    lines_parsed       INTEGER NOT NULL,
    lines_skipped      INTEGER NOT NULL,
    skipped_by_reason  TEXT    NOT NULL, -- JSON object reason → count
    samples            TEXT    NOT NULL, -- JSON array of malformed-line samples
    duration_ms        INTEGER NOT NULL,
    created_at_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX discovery_uploads_report ON discovery_uploads (report_id);

CREATE TABLE discovery_usage (
    report_id      TEXT    NOT NULL REFERENCES discovery_reports (report_id) ON DELETE CASCADE,
    key_kind       TEXT    NOT NULL CHECK (key_kind IN ('app', 'domain', 'ip')),
    key            TEXT    NOT NULL,
    transactions   INTEGER NOT NULL,
    bytes_up       INTEGER NOT NULL,
    bytes_down     INTEGER NOT NULL,
    blocked        INTEGER NOT NULL,
    first_seen_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    PRIMARY KEY (report_id, key_kind, key)
) STRICT;

CREATE TABLE discovery_usage_users (
    report_id      TEXT    NOT NULL REFERENCES discovery_reports (report_id) ON DELETE CASCADE,
    key_kind       TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    user           TEXT    NOT NULL,
    transactions   INTEGER NOT NULL,
    bytes_up       INTEGER NOT NULL,
    bytes_down     INTEGER NOT NULL,
    blocked        INTEGER NOT NULL,
    first_seen_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    PRIMARY KEY (report_id, key_kind, key, user)
) STRICT;

CREATE TABLE discovery_usage_ips (
    report_id      TEXT    NOT NULL REFERENCES discovery_reports (report_id) ON DELETE CASCADE,
    key_kind       TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    ip             TEXT    NOT NULL,
    transactions   INTEGER NOT NULL,
    bytes_up       INTEGER NOT NULL,
    bytes_down     INTEGER NOT NULL,
    blocked        INTEGER NOT NULL,
    first_seen_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    PRIMARY KEY (report_id, key_kind, key, ip)
) STRICT;

CREATE TABLE discovery_usage_days (
    report_id      TEXT    NOT NULL REFERENCES discovery_reports (report_id) ON DELETE CASCADE,
    key_kind       TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    day            TEXT    NOT NULL, -- YYYY-MM-DD (UTC)
    transactions   INTEGER NOT NULL,
    bytes_up       INTEGER NOT NULL,
    bytes_down     INTEGER NOT NULL,
    blocked        INTEGER NOT NULL,
    first_seen_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    PRIMARY KEY (report_id, key_kind, key, day)
) STRICT;
