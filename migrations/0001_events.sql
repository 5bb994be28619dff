-- 0001: the event log. A landed migration is never edited: add a new numbered file instead.

-- One row per event. `position` is the gapless global order assigned by the single writer;
-- `hash` chains every event to the previous one (see docs/eventstore.md, "canonical bytes").
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_id        BLOB    NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    business_date   TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    request_id      TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    hash            BLOB    NOT NULL
);

-- Permanent idempotency: a client event id is stored at most once, forever.
CREATE UNIQUE INDEX events_event_id ON events (event_id);

-- Optimistic concurrency: a (stream, version) pair exists at most once. Also the current version
-- of a stream: max(stream_version) is one seek in this index (the writer caches it in memory).
CREATE UNIQUE INDEX events_stream_version ON events (unit, fiscal_year, stream_version);
