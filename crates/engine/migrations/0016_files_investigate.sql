-- The Files page: newest modified first with keyset pages on (modified, instance, file), one
-- index per filter that serves its order too; collaborators by their e-mail domain ("shared
-- with domain X"); file owners by instance (owned by an external user); free-text search of
-- names (FTS5, external content, kept in step by triggers as activities_fts is).
CREATE INDEX files_newest ON files (COALESCE(modified_at_ms, 0), instance_id, external_id);
CREATE INDEX files_by_sharing ON files (sharing, COALESCE(modified_at_ms, 0), instance_id, external_id);
CREATE INDEX files_by_owner ON files (instance_id, owner);

ALTER TABLE file_collaborators ADD COLUMN domain TEXT GENERATED ALWAYS AS (
    CASE WHEN instr(account, '@') > 0 THEN lower(substr(account, instr(account, '@') + 1)) END
) VIRTUAL;
CREATE INDEX file_collaborators_by_domain ON file_collaborators (domain, instance_id, file_id);

CREATE VIRTUAL TABLE files_fts USING fts5(
    name, owner,
    content = 'files',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2 tokenchars ''@._-'''
);
INSERT INTO files_fts (files_fts) VALUES ('rebuild');
CREATE TRIGGER files_fts_insert AFTER INSERT ON files BEGIN
    INSERT INTO files_fts (rowid, name, owner) VALUES (new.rowid, new.name, new.owner);
END;
CREATE TRIGGER files_fts_delete AFTER DELETE ON files BEGIN
    INSERT INTO files_fts (files_fts, rowid, name, owner) VALUES ('delete', old.rowid, old.name, old.owner);
END;
CREATE TRIGGER files_fts_update AFTER UPDATE OF name, owner ON files
    WHEN old.name IS NOT new.name OR old.owner IS NOT new.owner BEGIN
    INSERT INTO files_fts (files_fts, rowid, name, owner) VALUES ('delete', old.rowid, old.name, old.owner);
    INSERT INTO files_fts (rowid, name, owner) VALUES (new.rowid, new.name, new.owner);
END;
