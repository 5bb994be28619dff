-- PostgreSQL 0005: each unit's year-end workflow folded as events arrive (as SQLite's 0008):
-- the review step (draft, submitted, returned, approved), whether the year is closed (closed
-- wins, as in the aggregate) and the adjustment requests still waiting for the bureau; and the
-- days of one month across every unit found by day. A landed migration is never edited.
CREATE TABLE rm_unit_status (
    fiscal_year         INTEGER NOT NULL,
    unit                TEXT    COLLATE "C" NOT NULL,
    review              TEXT    COLLATE "C" NOT NULL,
    closed              BOOLEAN NOT NULL,
    pending_requests    BIGINT  NOT NULL,
    PRIMARY KEY (fiscal_year, unit)
);

CREATE INDEX rm_unit_budget_day_by_day ON rm_unit_budget_day (fiscal_year, day);
CREATE INDEX rm_unit_paid_day_by_day ON rm_unit_paid_day (fiscal_year, day);

-- Every read model is a cache of the log: empty them and let the store refold the log from
-- position 0 when it opens, so the new table holds every event already stored.
DELETE FROM rm_unit;
DELETE FROM rm_unit_budget_day;
DELETE FROM rm_unit_paid_day;
DELETE FROM rm_payment;
UPDATE rm_checkpoint SET position = 0 WHERE name = 'read_models';
