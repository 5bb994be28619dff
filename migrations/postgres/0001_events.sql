-- PostgreSQL 0001: the event log (the same table and columns as SQLite's 0001). A landed
-- migration is never edited: add a new numbered file instead.
--
-- Every text column uses the "C" collation, so comparisons and ORDER BY are bytewise as on
-- SQLite (dates and instants are ISO text; the hash chain hashes the same bytes).
CREATE TABLE events (
    position        BIGINT  PRIMARY KEY CHECK (position > 0),
    unit            TEXT    COLLATE "C" NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    stream_version  BIGINT  NOT NULL CHECK (stream_version > 0),
    event_id        BYTEA   NOT NULL,
    event_type      TEXT    COLLATE "C" NOT NULL,
    schema_version  INTEGER NOT NULL,
    business_date   TEXT    COLLATE "C" NOT NULL,
    payload         TEXT    COLLATE "C" NOT NULL,
    actor           TEXT    COLLATE "C" NOT NULL,
    request_id      TEXT    COLLATE "C" NOT NULL,
    recorded_at     TEXT    COLLATE "C" NOT NULL,
    hash            BYTEA   NOT NULL CHECK (length(hash) = 32)
);

-- Permanent idempotency: a client event id is stored at most once, forever (also across
-- several jixiao processes: the constraint, not the writer, is the last word).
CREATE UNIQUE INDEX events_event_id ON events (event_id);

-- Optimistic concurrency: a (stream, version) pair exists at most once.
CREATE UNIQUE INDEX events_stream_version ON events (unit, fiscal_year, stream_version);

-- The head of the chain, one row. Every append transaction locks it (SELECT … FOR UPDATE),
-- continues the chain from it and moves it before COMMIT: appends from several processes
-- take positions one transaction after another, so positions are gapless and become visible
-- in order (docs/eventstore.md, "PostgreSQL").
CREATE TABLE log_head (
    id       SMALLINT PRIMARY KEY CHECK (id = 1),
    position BIGINT   NOT NULL CHECK (position >= 0),
    hash     BYTEA    NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO log_head (id, position, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
