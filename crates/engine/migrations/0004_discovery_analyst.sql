-- Analyst decisions and audit for Cloud Discovery.
-- An app's tag applies everywhere the app shows up (every report, block lists).
CREATE TABLE app_tags (
    app_id         TEXT    PRIMARY KEY NOT NULL,
    tag            TEXT    NOT NULL CHECK (tag IN ('sanctioned', 'unsanctioned', 'monitored')),
    updated_at_ms  INTEGER NOT NULL
) STRICT;

-- Anonymized user names: the pseudonym shown everywhere, and the real name sealed with a key
-- that only the OS keychain holds (AES-256-GCM, nonce || ciphertext).
CREATE TABLE discovery_identities (
    pseudonym      TEXT    PRIMARY KEY NOT NULL,
    sealed         BLOB    NOT NULL,
    created_at_ms  INTEGER NOT NULL
) STRICT;

-- Sensitive actions the analyst took (revealing an anonymized user, …), newest last.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms          INTEGER NOT NULL,
    action         TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    detail         TEXT    NOT NULL
) STRICT;

-- The analyst's own delimited log formats (column mappings), by name; JSON definitions.
CREATE TABLE discovery_formats (
    name           TEXT    PRIMARY KEY NOT NULL,
    definition     TEXT    NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;
