-- 0007: a user can be disabled (停用) and enabled again. A disabled user cannot sign in and
-- their tokens stop working; the row (name, role, hash) stays, so the name stays taken and the
-- events they recorded keep naming them. NULL means active. A landed migration is never edited.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
