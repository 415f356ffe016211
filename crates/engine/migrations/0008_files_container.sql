-- The container a file is in (a Microsoft 365 drive), so that a container read again in full
-- can replace what was stored of it: Graph answers an expired delta token with
-- `resyncChangesApplyDifferences`, "Replace any local items with the server's version
-- (including deletes)" — files of the drive the re-read did not return are gone.
ALTER TABLE files ADD COLUMN container TEXT;
-- Files stored before: their drive is in their raw JSON (Microsoft 365 drive items).
UPDATE files SET container = json_extract(raw, '$.parentReference.driveId')
    WHERE container IS NULL AND json_valid(raw) AND json_extract(raw, '$.parentReference.driveId') IS NOT NULL;
