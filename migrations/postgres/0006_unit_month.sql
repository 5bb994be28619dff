-- PostgreSQL 0006: budget movements and payments per unit and month (`YYYY-MM` of the
-- business date), in 分, as SQLite's 0008 `rm_unit_month`: the bureau's view over all units
-- reads at most 12 rows per unit for a year (plus, as of a date inside a month, that month's
-- days from the daily tables), not every unit's daily rows. A landed migration is never edited.
CREATE TABLE rm_unit_month (
    fiscal_year     INTEGER NOT NULL,
    unit            TEXT    COLLATE "C" NOT NULL,
    month           TEXT    COLLATE "C" NOT NULL,
    initial_fen     BIGINT  NOT NULL,
    adjust_fen      BIGINT  NOT NULL,
    carry_fen       BIGINT  NOT NULL,
    paid_fen        BIGINT  NOT NULL,
    PRIMARY KEY (fiscal_year, unit, month)
);

-- Filled from the daily tables, which hold the same sums by day (no refold needed).
INSERT INTO rm_unit_month (fiscal_year, unit, month, initial_fen, adjust_fen, carry_fen, paid_fen)
SELECT fiscal_year, unit, month, sum(initial_fen), sum(adjust_fen), sum(carry_fen), sum(paid_fen)
FROM (
    SELECT fiscal_year, unit, substr(day, 1, 7) AS month, initial_fen, adjust_fen, carry_fen,
           0::BIGINT AS paid_fen
    FROM rm_unit_budget_day
    UNION ALL
    SELECT fiscal_year, unit, substr(day, 1, 7), 0, 0, 0, paid_fen FROM rm_unit_paid_day
) AS days
GROUP BY fiscal_year, unit, month;
