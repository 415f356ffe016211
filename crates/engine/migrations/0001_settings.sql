-- Analyst preferences (theme, later: score weights, anonymization, …) as key/value pairs.
-- Values are JSON so a setting can grow a structure without a migration.
CREATE TABLE settings (
    key            TEXT    PRIMARY KEY NOT NULL,
    value          TEXT    NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;
