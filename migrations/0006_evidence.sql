-- 0006: evidence files (佐证材料), content-addressed: one row per distinct content, keyed by
-- the SHA-256 of its bytes. Events reference a file by that hash (EvidenceRef); the event log
-- and its hash chain are unchanged. A row is never rewritten (INSERT OR IGNORE by hash).
-- A rowid table (not WITHOUT ROWID): rows hold files of up to 10 MiB.
CREATE TABLE evidence_blobs (
    sha256      TEXT    NOT NULL PRIMARY KEY CHECK (length(sha256) = 64),
    media_type  TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size > 0 AND size = length(content)),
    content     BLOB    NOT NULL,
    stored_at   TEXT    NOT NULL
);
