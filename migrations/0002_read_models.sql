-- 0002: read models (projections) folded from the event log in the same transaction as the
-- events. Money is stored as INTEGER 分 (fen) so SQL sums are exact. Every row can be rebuilt
-- from the log; `rm_checkpoint` records the last position folded.

CREATE TABLE rm_checkpoint (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO rm_checkpoint (name, position) VALUES ('read_models', 0);

-- The unit as approved (年初预算批复).
CREATE TABLE rm_unit (
    fiscal_year             INTEGER NOT NULL,
    unit                    TEXT    NOT NULL,
    unit_name               TEXT    NOT NULL,
    department              TEXT    NOT NULL,
    sangong_budget_fen      INTEGER NOT NULL,
    procurement_budget_fen  INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, unit)
) WITHOUT ROWID;

-- Budget lines with their identity.
CREATE TABLE rm_budget_line (
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    line_id         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    function_code   TEXT    NOT NULL,
    economic_code   TEXT    NOT NULL,
    project_code    TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    PRIMARY KEY (unit, fiscal_year, line_id)
) WITHOUT ROWID;

-- Budget movements per line and business date: 年初 (initial), 追加/调减 (adjust), 上年结转 (carry).
CREATE TABLE rm_budget_move (
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    line_id         TEXT    NOT NULL,
    day             TEXT    NOT NULL,
    initial_fen     INTEGER NOT NULL,
    adjust_fen      INTEGER NOT NULL,
    adjust_abs_fen  INTEGER NOT NULL,
    carry_fen       INTEGER NOT NULL,
    PRIMARY KEY (unit, fiscal_year, line_id, day)
) WITHOUT ROWID;

-- The same movements summed per unit and day, for the finance bureau's all-units view.
CREATE TABLE rm_unit_budget_day (
    fiscal_year     INTEGER NOT NULL,
    unit            TEXT    NOT NULL,
    day             TEXT    NOT NULL,
    initial_fen     INTEGER NOT NULL,
    adjust_fen      INTEGER NOT NULL,
    carry_fen       INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, unit, day)
) WITHOUT ROWID;

-- Every payment, to find what a 红冲 reverses. Rows keyed by a random UUID are keyed by their
-- stream first, WITHOUT ROWID: one B-tree, and a batch of one stream's events writes a few
-- neighbouring pages instead of one random page per event. The (unit, fiscal_year) prefix also
-- serves the per-unit queries, so these tables need no secondary index.
CREATE TABLE rm_payment (
    payment_id      BLOB    NOT NULL,
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    line_id         TEXT    NOT NULL,
    project_code    TEXT    NOT NULL,
    economic_code   TEXT    NOT NULL,
    function_code   TEXT    NOT NULL,
    amount_fen      INTEGER NOT NULL,
    paid_on         TEXT    NOT NULL,
    reversed_on     TEXT,
    PRIMARY KEY (unit, fiscal_year, payment_id)
) WITHOUT ROWID;

-- Execution (支出) by line, project, codes and month is computed at query time from rm_payment
-- (paid on its date, a reversal subtracts on its own date): a table of per-key sums cost every
-- payment one more random page in the append transaction.

-- Paid per unit and day: the monitoring view over all units sums a unit's days up to a date
-- (at most 366 rows per unit; a monthly table beside it cost one more random page per payment).
-- Keyed unit before day, so one unit's batch of payments writes a few neighbouring pages.
CREATE TABLE rm_unit_paid_day (
    fiscal_year     INTEGER NOT NULL,
    unit            TEXT    NOT NULL,
    day             TEXT    NOT NULL,
    paid_fen        INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, unit, day)
) WITHOUT ROWID;

-- Activities with their current facts (after corrections); withdrawn ones are kept, flagged.
CREATE TABLE rm_activity (
    activity_id     BLOB    NOT NULL,
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    project_code    TEXT    NOT NULL,
    held_on         TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    invited         INTEGER NOT NULL,
    participants    INTEGER NOT NULL,
    withdrawn_on    TEXT,
    PRIMARY KEY (unit, fiscal_year, activity_id)
) WITHOUT ROWID;

-- Satisfaction surveys.
CREATE TABLE rm_survey (
    survey_id        BLOB    NOT NULL,
    unit             TEXT    NOT NULL,
    fiscal_year      INTEGER NOT NULL,
    project_code     TEXT    NOT NULL,
    surveyed_on      TEXT    NOT NULL,
    respondent_group TEXT    NOT NULL,
    respondents      INTEGER NOT NULL,
    satisfied        INTEGER NOT NULL,
    PRIMARY KEY (unit, fiscal_year, survey_id)
) WITHOUT ROWID;

-- Assessments by a person, every one kept (the latest on or before a date is the current one).
CREATE TABLE rm_assessment (
    position        INTEGER PRIMARY KEY,
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    project_code    TEXT    NOT NULL,
    indicator_id    TEXT    NOT NULL,
    assessed_on     TEXT    NOT NULL,
    grade           TEXT,
    score           TEXT,
    actual_value    TEXT,
    actual_text     TEXT    NOT NULL,
    note            TEXT    NOT NULL
);
CREATE INDEX rm_assessment_unit ON rm_assessment (unit, fiscal_year, project_code, indicator_id);

-- Government procurement (政府采购) per contract.
CREATE TABLE rm_procurement (
    procurement_id  BLOB    NOT NULL,
    unit            TEXT    NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    project_code    TEXT    NOT NULL,
    procured_on     TEXT    NOT NULL,
    amount_fen      INTEGER NOT NULL,
    PRIMARY KEY (unit, fiscal_year, procurement_id)
) WITHOUT ROWID;
