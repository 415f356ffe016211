-- Why an upload (an archive member) was not read, or not to its end: the archive's other
-- members were read and stored.
ALTER TABLE discovery_uploads ADD COLUMN error TEXT;
