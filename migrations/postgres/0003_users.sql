-- PostgreSQL 0003: users of the service (as SQLite's 0003 and 0007). Passwords only as
-- argon2id PHC strings; `unit` scopes staff and unit heads; `disabled_at` NULL means active.
CREATE TABLE users (
    name            TEXT    COLLATE "C" PRIMARY KEY,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('staff', 'unit_head', 'finance', 'auditor', 'admin')),
    unit            TEXT    COLLATE "C",
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    disabled_at     TEXT,
    CHECK ((role IN ('staff', 'unit_head')) = (unit IS NOT NULL))
);
