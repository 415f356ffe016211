-- The analyst's decision on each third-party OAuth app (approved or banned), by app key
-- (`<connector app>:<app id or name>`, one app across instances). No row: not decided. The
-- app's connector and name stay with the decision, so that a banned app whose grants were all
-- revoked is still listed.
CREATE TABLE oauth_app_decisions (
    app_key        TEXT    PRIMARY KEY NOT NULL,
    app            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('approved', 'banned')),
    updated_at_ms  INTEGER NOT NULL
) STRICT;
