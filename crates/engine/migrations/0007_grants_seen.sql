-- When our scans first saw each OAuth grant (last_seen_ms is when they last did). Microsoft
-- Graph v1.0 has no grant time for delegated permission grants (oAuth2PermissionGrant has no
-- startTime), so first and last seen are what an analyst can go by. Rows stored before this
-- migration were first seen no later than their last sighting.
ALTER TABLE oauth_grants ADD COLUMN first_seen_ms INTEGER;
UPDATE oauth_grants SET first_seen_ms = last_seen_ms;

-- How the app holds its access: `delegated` (for users who consented, or everyone after an
-- admin consented) or `application` (its own permission with no user signed in — Graph
-- application permissions, GitHub App installations).
ALTER TABLE oauth_grants ADD COLUMN kind TEXT NOT NULL DEFAULT 'delegated'
    CHECK (kind IN ('delegated', 'application'));
