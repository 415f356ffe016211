-- Queries an analyst saved on an investigation page, by name: the page (`kind`) and its filter
-- as JSON (the engine's typed filter; an unreadable one is shown as such, never applied).
CREATE TABLE saved_queries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('activities')),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    filter TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    UNIQUE (kind, name)
) STRICT;
