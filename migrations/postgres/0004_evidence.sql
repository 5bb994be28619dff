-- PostgreSQL 0004: evidence files (佐证材料), content-addressed by the SHA-256 of their bytes
-- (as SQLite's 0006), outside the event log. A row is never rewritten.
CREATE TABLE evidence_blobs (
    sha256      TEXT    COLLATE "C" NOT NULL PRIMARY KEY CHECK (length(sha256) = 64),
    media_type  TEXT    NOT NULL,
    size        BIGINT  NOT NULL CHECK (size > 0 AND size = length(content)),
    content     BYTEA   NOT NULL,
    stored_at   TEXT    NOT NULL
);
