-- Each instance's record counts, kept at write time: the Connected apps page asks for them on
-- every poll, and counting 10 M activities through an index took most of a second each time.
-- Triggers count inserts and deletes of the tables a scan upserts (an upsert that updates a
-- row fires no insert trigger); activities, the one table written in bulk, are counted by the
-- writer (the rows its insert added: `store_pages`), so no statement runs per event.
-- Removing an instance removes its counts with it.
CREATE TABLE record_counts (
    instance_id   TEXT    PRIMARY KEY NOT NULL REFERENCES connector_instances (instance_id) ON DELETE CASCADE,
    accounts      INTEGER NOT NULL DEFAULT 0,
    groups        INTEGER NOT NULL DEFAULT 0,
    memberships   INTEGER NOT NULL DEFAULT 0,
    privileges    INTEGER NOT NULL DEFAULT 0,
    activities    INTEGER NOT NULL DEFAULT 0,
    files         INTEGER NOT NULL DEFAULT 0,
    oauth_grants  INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO record_counts (instance_id, accounts, groups, memberships, privileges, activities, files, oauth_grants)
SELECT i.instance_id,
       (SELECT COUNT(*) FROM accounts WHERE instance_id = i.instance_id),
       (SELECT COUNT(*) FROM account_groups WHERE instance_id = i.instance_id),
       (SELECT COUNT(*) FROM group_memberships WHERE instance_id = i.instance_id),
       (SELECT COUNT(*) FROM privileges WHERE instance_id = i.instance_id),
       (SELECT COUNT(*) FROM activities WHERE instance_id = i.instance_id),
       (SELECT COUNT(*) FROM files WHERE instance_id = i.instance_id),
       (SELECT COUNT(*) FROM oauth_grants WHERE instance_id = i.instance_id)
FROM connector_instances i;

CREATE TRIGGER record_counts_instance AFTER INSERT ON connector_instances BEGIN
    INSERT INTO record_counts (instance_id) VALUES (new.instance_id);
END;

CREATE TRIGGER record_counts_accounts_in AFTER INSERT ON accounts BEGIN
    UPDATE record_counts SET accounts = accounts + 1 WHERE instance_id = new.instance_id;
END;
CREATE TRIGGER record_counts_accounts_out AFTER DELETE ON accounts BEGIN
    UPDATE record_counts SET accounts = accounts - 1 WHERE instance_id = old.instance_id;
END;
CREATE TRIGGER record_counts_groups_in AFTER INSERT ON account_groups BEGIN
    UPDATE record_counts SET groups = groups + 1 WHERE instance_id = new.instance_id;
END;
CREATE TRIGGER record_counts_groups_out AFTER DELETE ON account_groups BEGIN
    UPDATE record_counts SET groups = groups - 1 WHERE instance_id = old.instance_id;
END;
CREATE TRIGGER record_counts_memberships_in AFTER INSERT ON group_memberships BEGIN
    UPDATE record_counts SET memberships = memberships + 1 WHERE instance_id = new.instance_id;
END;
CREATE TRIGGER record_counts_memberships_out AFTER DELETE ON group_memberships BEGIN
    UPDATE record_counts SET memberships = memberships - 1 WHERE instance_id = old.instance_id;
END;
CREATE TRIGGER record_counts_privileges_in AFTER INSERT ON privileges BEGIN
    UPDATE record_counts SET privileges = privileges + 1 WHERE instance_id = new.instance_id;
END;
CREATE TRIGGER record_counts_privileges_out AFTER DELETE ON privileges BEGIN
    UPDATE record_counts SET privileges = privileges - 1 WHERE instance_id = old.instance_id;
END;
CREATE TRIGGER record_counts_files_in AFTER INSERT ON files BEGIN
    UPDATE record_counts SET files = files + 1 WHERE instance_id = new.instance_id;
END;
CREATE TRIGGER record_counts_files_out AFTER DELETE ON files BEGIN
    UPDATE record_counts SET files = files - 1 WHERE instance_id = old.instance_id;
END;
CREATE TRIGGER record_counts_grants_in AFTER INSERT ON oauth_grants BEGIN
    UPDATE record_counts SET oauth_grants = oauth_grants + 1 WHERE instance_id = new.instance_id;
END;
CREATE TRIGGER record_counts_grants_out AFTER DELETE ON oauth_grants BEGIN
    UPDATE record_counts SET oauth_grants = oauth_grants - 1 WHERE instance_id = old.instance_id;
END;
