-- The text index of the activity log is filled in bulk by the writer after each write (one
-- INSERT … SELECT of the rows the write added), not by a trigger per row: FTS5 indexes rows
-- ~15× faster in one statement than one statement per row, and the per-row trigger made
-- activities the slowest records to store (docs/benchmarks.md, investigation). Deletions
-- still go through the trigger (removing an instance).
DROP TRIGGER activities_fts_insert;
