-- 0005: drop the read models no production query reads. A landed migration is never edited:
-- add a new numbered file instead.
--
-- Activities, surveys, assessments, procurement, budget lines and per-line budget movements
-- were folded on every commit but read only by tests: the API and the CLI compute those figures
-- from the aggregate. What remains serves the finance bureau's all-units view
-- (`Store::unit_summaries`: rm_unit, rm_unit_budget_day, rm_unit_paid_day) and the payments a
-- reversal subtracts (rm_payment). Dropping tables loses nothing: every read model is a cache
-- of the log, and the rows kept are unchanged.
DROP TABLE rm_activity;
DROP TABLE rm_survey;
DROP TABLE rm_assessment;
DROP TABLE rm_procurement;
DROP TABLE rm_budget_line;
DROP TABLE rm_budget_move;
