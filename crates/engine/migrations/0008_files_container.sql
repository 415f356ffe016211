-- The container a file is in (a Microsoft 365 drive), so that a container read again in full
-- can replace what was stored of it: Graph answers an expired delta token with
-- `resyncChangesApplyDifferences`, "Replace any local items with the server's version
-- (including deletes)" — files of the drive the re-read did not return are gone.
ALTER TABLE files ADD COLUMN container TEXT;
