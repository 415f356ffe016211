-- Analyst additions to the Cloud App Catalog. A row whose app_id equals a built-in app's id
-- replaces that app (an edit); any other id is a new custom app. `app` is the catalog record
-- as JSON (the same shape as crates/catalog/data/catalog.json).
CREATE TABLE custom_apps (
    app_id         TEXT    PRIMARY KEY NOT NULL,
    app            TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

-- An analyst's manual score for one app, with the required justification.
CREATE TABLE score_overrides (
    app_id         TEXT    PRIMARY KEY NOT NULL,
    score          REAL    NOT NULL CHECK (score >= 0 AND score <= 10),
    note           TEXT    NOT NULL CHECK (length(trim(note)) > 0),
    created_at_ms  INTEGER NOT NULL
) STRICT;
