-- People: the accounts of one person across instances. Each account gets the key the
-- correlation rule gives it (`person_auto`: its e-mail address, else an e-mail-shaped sign-in
-- name, else `app:login` — see `store/people.rs`), and the key it counts under (`person`):
-- the analyst's link where there is one, else the rule's. `last_activity_ms` is the newest
-- activity whose actor is the account, kept at write time (the "inactive for N days" filter
-- reads it, never the whole log).
ALTER TABLE accounts ADD COLUMN person_auto TEXT;
ALTER TABLE accounts ADD COLUMN person TEXT;
ALTER TABLE accounts ADD COLUMN last_activity_ms INTEGER;

-- The analyst's corrections: this account belongs to that person (a person's key, or a key of
-- its own to keep it apart). They outlive scans; removing the instance removes them.
CREATE TABLE person_links (
    instance_id    TEXT    NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    external_id    TEXT    NOT NULL,
    person         TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, external_id)
) STRICT;

-- People in key order (keyset pages), and the rare kinds a filter asks for first.
CREATE INDEX accounts_person ON accounts (person);
CREATE INDEX accounts_admin_person ON accounts (person) WHERE is_admin = 1;
CREATE INDEX accounts_guest_person ON accounts (person) WHERE kind = 'guest';
-- An activity's actor finds its account (last activity at write time).
CREATE INDEX accounts_login ON accounts (instance_id, login COLLATE NOCASE);
