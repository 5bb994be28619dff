-- 0004: payments keyed by the position of their `payment_recorded` event, and read models
-- folded by a checkpointed catch-up instead of inside every append (docs/eventstore.md,
-- guarantee 7). A landed migration is never edited: add a new numbered file instead.
--
-- Keyed (unit, fiscal_year, payment_id), every payment of a busy log landed on a random page
-- of rm_payment; keyed by position, payments are appended at the end of the table. A unit's
-- payments are found through the (unit, fiscal_year, stream_version) index of `events`
-- (whose rowid is the position), so the table needs no index of its own.
DROP TABLE rm_payment;
CREATE TABLE rm_payment (
    position        INTEGER PRIMARY KEY,
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    payment_id      BLOB    NOT NULL,
    line_id         TEXT    NOT NULL,
    project_code    TEXT    NOT NULL,
    economic_code   TEXT    NOT NULL,
    function_code   TEXT    NOT NULL,
    amount_fen      INTEGER NOT NULL,
    paid_on         TEXT    NOT NULL,
    reversed_on     TEXT
);

-- Every read model is a cache of the log: empty them all and let the store refold the log
-- from position 0 when it opens.
DELETE FROM rm_unit;
DELETE FROM rm_budget_line;
DELETE FROM rm_budget_move;
DELETE FROM rm_unit_budget_day;
DELETE FROM rm_unit_paid_day;
DELETE FROM rm_activity;
DELETE FROM rm_survey;
DELETE FROM rm_assessment;
DELETE FROM rm_procurement;
UPDATE rm_checkpoint SET position = 0 WHERE name = 'read_models';
