-- Failed events newest first (a few percent of the log): the outcome filter, and the words an
-- analyst searches among failures, walk them alone instead of every event
-- (docs/benchmarks.md, investigation: "text + outcome failure").
CREATE INDEX activities_failed ON activities (occurred_at_ms) WHERE outcome = 'failure';
