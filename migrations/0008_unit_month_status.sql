-- 0008: per-unit summaries for the finance bureau's view over all units (issue 15, point 7).
-- A landed migration is never edited: add a new numbered file instead.
--
-- The view summed every unit's daily rows (up to 366 budget days and 366 payment days per
-- unit: millions of rows for a province of 10,000 units). It now reads one row per unit and
-- month (at most 12 for a year, plus the days of the as-of date's own month from the daily
-- tables, which stay), and each unit's year-end workflow from `rm_unit_status`, folded as
-- events arrive instead of loaded from each unit's cached state. Portable SQL: plain types,
-- upserts with INSERT … ON CONFLICT … DO UPDATE.

-- Budget movements and payments per unit and month (`YYYY-MM` of the business date), in 分.
CREATE TABLE rm_unit_month (
    fiscal_year     INTEGER NOT NULL,
    unit            TEXT    NOT NULL,
    month           TEXT    NOT NULL,
    initial_fen     INTEGER NOT NULL,
    adjust_fen      INTEGER NOT NULL,
    carry_fen       INTEGER NOT NULL,
    paid_fen        INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, unit, month)
) WITHOUT ROWID;

-- Where each unit's year-end workflow stands: the review step (draft, submitted, returned,
-- approved) and whether the year is closed (closed wins, as in the aggregate), with the
-- adjustment requests still waiting for the bureau.
CREATE TABLE rm_unit_status (
    fiscal_year         INTEGER NOT NULL,
    unit                TEXT    NOT NULL,
    review              TEXT    NOT NULL,
    closed              INTEGER NOT NULL,
    pending_requests    INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, unit)
) WITHOUT ROWID;

-- The days of one month across every unit (the part of a view as of a date inside a month
-- that the monthly rows do not cover): found by day instead of scanning every unit's year.
CREATE INDEX rm_unit_budget_day_by_day ON rm_unit_budget_day (fiscal_year, day);
CREATE INDEX rm_unit_paid_day_by_day ON rm_unit_paid_day (fiscal_year, day);

-- Every read model is a cache of the log: empty them all and let the store refold the log
-- from position 0 when it opens, so the new tables hold every event already stored.
DELETE FROM rm_unit;
DELETE FROM rm_unit_budget_day;
DELETE FROM rm_unit_paid_day;
DELETE FROM rm_payment;
UPDATE rm_checkpoint SET position = 0 WHERE name = 'read_models';
