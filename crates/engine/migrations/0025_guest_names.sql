-- Each instance's guests by sign-in name and e-mail address, in the index alone: the Files
-- filter "owned by an external user" reads the names of every guest (the rows hold the vendor's
-- record, so reading them took 34 ms for 5 k guests; docs/benchmarks.md).
CREATE INDEX accounts_guest_names ON accounts (instance_id, login, email) WHERE kind = 'guest';

-- The files newest first with their owner in the index: walking it for guest-owned files
-- tests each owner without reading the file's row (only a page's rows are read).
DROP INDEX files_newest;
CREATE INDEX files_newest ON files (COALESCE(modified_at_ms, 0), instance_id, external_id, owner);
