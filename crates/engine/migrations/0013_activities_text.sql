-- Free-text search of the activity log over actor, action and object (FTS5, external content:
-- the words are indexed, the text stays in `activities`). Triggers keep it in step with every
-- insert and delete (removing an instance deletes its activities through the foreign key).
-- The index refers to `activities` by rowid: a VACUUM (which may renumber rowids of a table
-- without an INTEGER PRIMARY KEY) must be followed by a 'rebuild'.
CREATE VIRTUAL TABLE activities_fts USING fts5(
    actor, action, target,
    content = 'activities',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2 tokenchars ''@._-'''
);
INSERT INTO activities_fts (activities_fts) VALUES ('rebuild');

CREATE TRIGGER activities_fts_insert AFTER INSERT ON activities BEGIN
    INSERT INTO activities_fts (rowid, actor, action, target)
    VALUES (new.rowid, new.actor, new.action, new.target);
END;
CREATE TRIGGER activities_fts_delete AFTER DELETE ON activities BEGIN
    INSERT INTO activities_fts (activities_fts, rowid, actor, action, target)
    VALUES ('delete', old.rowid, old.actor, old.action, old.target);
END;
CREATE TRIGGER activities_fts_update AFTER UPDATE OF actor, action, target ON activities BEGIN
    INSERT INTO activities_fts (activities_fts, rowid, actor, action, target)
    VALUES ('delete', old.rowid, old.actor, old.action, old.target);
    INSERT INTO activities_fts (rowid, actor, action, target)
    VALUES (new.rowid, new.actor, new.action, new.target);
END;
