-- 0003: users of the service (owned by the API work). A landed migration is never edited.
-- Passwords are stored only as argon2id PHC strings; `unit` scopes staff and unit heads to
-- one budget unit (NULL for finance, auditor and admin, who see every unit).
CREATE TABLE users (
    name            TEXT PRIMARY KEY,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('staff', 'unit_head', 'finance', 'auditor', 'admin')),
    unit            TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    CHECK ((role IN ('staff', 'unit_head')) = (unit IS NOT NULL))
) WITHOUT ROWID;
