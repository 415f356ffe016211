-- The people search ("words in a login, display name or e-mail address") through a trigram
-- text index: any three or more characters of a name find it without reading every account
-- (measured: 66–74 ms on 100 k accounts with LIKE, docs/benchmarks.md). External content,
-- kept in step by triggers; an upsert that changes none of the three columns writes nothing.
CREATE VIRTUAL TABLE accounts_text USING fts5(
    login, display_name, email,
    content = 'accounts',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);
INSERT INTO accounts_text (accounts_text) VALUES ('rebuild');
CREATE TRIGGER accounts_text_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_text (rowid, login, display_name, email)
    VALUES (new.rowid, new.login, new.display_name, new.email);
END;
CREATE TRIGGER accounts_text_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_text (accounts_text, rowid, login, display_name, email)
    VALUES ('delete', old.rowid, old.login, old.display_name, old.email);
END;
CREATE TRIGGER accounts_text_update AFTER UPDATE OF login, display_name, email ON accounts
    WHEN old.login IS NOT new.login OR old.display_name IS NOT new.display_name
      OR old.email IS NOT new.email BEGIN
    INSERT INTO accounts_text (accounts_text, rowid, login, display_name, email)
    VALUES ('delete', old.rowid, old.login, old.display_name, old.email);
    INSERT INTO accounts_text (rowid, login, display_name, email)
    VALUES (new.rowid, new.login, new.display_name, new.email);
END;
