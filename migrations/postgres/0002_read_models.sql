-- PostgreSQL 0002: the read models production reads (as SQLite after its 0005): the unit, its
-- budget and payments per day for the finance bureau's all-units view, and the payments a
-- reversal subtracts. Money is BIGINT 分. Folded in the append transaction itself, so the
-- checkpoint always equals the head committed with it.
CREATE TABLE rm_checkpoint (
    name     TEXT   COLLATE "C" PRIMARY KEY,
    position BIGINT NOT NULL
);
INSERT INTO rm_checkpoint (name, position) VALUES ('read_models', 0);

CREATE TABLE rm_unit (
    fiscal_year             INTEGER NOT NULL,
    unit                    TEXT    COLLATE "C" NOT NULL,
    unit_name               TEXT    COLLATE "C" NOT NULL,
    department              TEXT    COLLATE "C" NOT NULL,
    sangong_budget_fen      BIGINT  NOT NULL,
    procurement_budget_fen  BIGINT  NOT NULL,
    PRIMARY KEY (fiscal_year, unit)
);

CREATE TABLE rm_unit_budget_day (
    fiscal_year     INTEGER NOT NULL,
    unit            TEXT    COLLATE "C" NOT NULL,
    day             TEXT    COLLATE "C" NOT NULL,
    initial_fen     BIGINT  NOT NULL,
    adjust_fen      BIGINT  NOT NULL,
    carry_fen       BIGINT  NOT NULL,
    PRIMARY KEY (fiscal_year, unit, day)
);

-- Keyed by the position of the payment's event; the stream index finds a unit's payments.
CREATE TABLE rm_payment (
    position        BIGINT  PRIMARY KEY,
    unit            TEXT    COLLATE "C" NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    payment_id      BYTEA   NOT NULL,
    line_id         TEXT    COLLATE "C" NOT NULL,
    project_code    TEXT    COLLATE "C" NOT NULL,
    economic_code   TEXT    COLLATE "C" NOT NULL,
    function_code   TEXT    COLLATE "C" NOT NULL,
    amount_fen      BIGINT  NOT NULL,
    paid_on         TEXT    COLLATE "C" NOT NULL,
    reversed_on     TEXT    COLLATE "C"
);
CREATE INDEX rm_payment_stream ON rm_payment (unit, fiscal_year, payment_id);

CREATE TABLE rm_unit_paid_day (
    fiscal_year     INTEGER NOT NULL,
    unit            TEXT    COLLATE "C" NOT NULL,
    day             TEXT    COLLATE "C" NOT NULL,
    paid_fen        BIGINT  NOT NULL,
    PRIMARY KEY (fiscal_year, unit, day)
);
