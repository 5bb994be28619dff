//! Queries over the read models, each answerable as of a business date (`as_of`: everything
//! whose business date is on or before it; `None`: everything).
//!
//! The conventions are the aggregate's (`jixiao_domain::aggregate`), so a read model and a
//! replay agree: the 年初 budget counts at every date, adjustments and carry-overs from their
//! own date; a 红冲 subtracts on its own date; a correction holds retroactively; a withdrawal
//! removes an activity from its own date on.
//!
//! Amounts come back as [`Yuan`], summed exactly in 分 by SQLite.

use crate::error::StoreError;
use crate::projection::yuan;
use crate::store::Store;
use chrono::NaiveDate;
use jixiao_domain::indicator::Scope;
use jixiao_domain::money::Yuan;
use rusqlite::{Connection, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// Most rows one read-model query returns (a unit-year has far fewer lines × months).
pub const MAX_QUERY_ROWS: usize = 100_000;

/// "Everything": a date after any business date.
const END_OF_TIME: &str = "9999-12-31";

fn day_bound(as_of: Option<NaiveDate>) -> String {
    as_of
        .map(|d| d.to_string())
        .unwrap_or_else(|| END_OF_TIME.to_string())
}

fn opt(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

fn bounded<T>(rows: Vec<T>) -> Result<Vec<T>, StoreError> {
    if rows.len() > MAX_QUERY_ROWS {
        return Err(StoreError::Limit {
            what: "rows per query",
            max: MAX_QUERY_ROWS as u64,
        });
    }
    Ok(rows)
}

/// Paid (net of reversals) for one line, project, economic code and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionRow {
    /// Budget line.
    pub line_id: String,
    /// Project, for 项目支出.
    pub project_code: Option<String>,
    /// 部门经济分类 of the spending.
    pub economic_code: String,
    /// 功能分类.
    pub function_code: String,
    /// Month of the business date, `YYYY-MM`.
    pub month: String,
    /// Net paid.
    pub paid_yuan: Yuan,
}

/// A budget line as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetRow {
    /// Line id.
    pub line_id: String,
    /// personnel / public / project.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// 功能分类.
    pub function_code: String,
    /// 部门经济分类.
    pub economic_code: String,
    /// Project, for 项目支出 lines.
    pub project_code: Option<String>,
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// Net 追加 − 调减.
    pub adjustments_yuan: Yuan,
    /// |追加| + |调减| (for 预算调整率).
    pub adjustments_abs_yuan: Yuan,
    /// 上年结转.
    pub carry_over_yuan: Yuan,
    /// 全年预算数 = 年初 + 追加 − 调减 + 上年结转.
    pub adjusted_yuan: Yuan,
}

/// One unit's line of the finance bureau's monitoring view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitSummary {
    /// 单位代码.
    pub unit: String,
    /// 单位名称 (empty when the budget was not approved yet).
    pub unit_name: String,
    /// 主管部门.
    pub department: String,
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数 (adjusted, with carry-over).
    pub adjusted_yuan: Yuan,
    /// Paid to date, net of reversals.
    pub paid_yuan: Yuan,
}

/// An activity counted by the measures (held and not withdrawn as of the date), with its
/// corrected facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityRow {
    /// Client id.
    pub activity_id: uuid::Uuid,
    /// Project.
    pub project_code: String,
    /// Date held.
    pub held_on: NaiveDate,
    /// Title.
    pub title: String,
    /// Invited.
    pub invited: u32,
    /// Participants.
    pub participants: u32,
}

/// Surveys of one respondent group, summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyGroupRow {
    /// Respondent group.
    pub respondent_group: String,
    /// Surveys.
    pub surveys: u32,
    /// Valid responses.
    pub respondents: u64,
    /// Satisfied responses.
    pub satisfied: u64,
}

/// The latest assessment of one indicator on or before the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Date.
    pub assessed_on: NaiveDate,
    /// achieved / partial / not_achieved.
    pub grade: Option<String>,
    /// Explicit score.
    pub score: Option<rust_decimal::Decimal>,
    /// Numeric actual value.
    pub actual_value: Option<rust_decimal::Decimal>,
    /// 实际完成值 text.
    pub actual_text: String,
    /// Note.
    pub note: String,
    /// Position of the assessment event (the latest wins).
    pub position: u64,
}

/// The inputs of the derived measures of one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureInputs {
    /// Activities held (not withdrawn).
    pub activities: Vec<ActivityRow>,
    /// Surveys by respondent group.
    pub surveys: Vec<SurveyGroupRow>,
    /// Latest assessment per indicator.
    pub assessments: Vec<AssessmentRow>,
    /// 政府采购 recorded.
    pub procurement_yuan: Yuan,
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("日期“{s}”")))
}

fn parse_decimal(s: Option<String>) -> Result<Option<rust_decimal::Decimal>, StoreError> {
    s.map(|s| {
        s.parse()
            .map_err(|_| StoreError::Corrupt(format!("数值“{s}”")))
    })
    .transpose()
}

fn sum_by_unit(
    conn: &Connection,
    sql: &str,
    p: &[&dyn rusqlite::ToSql],
) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(p, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (unit, fen) = row?;
        out.insert(unit, fen);
    }
    Ok(out)
}

impl Store {
    /// Execution of a unit's year by line, project, economic code and month, as of a date.
    pub fn execution(
        &self,
        unit: &str,
        fiscal_year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<ExecutionRow>, StoreError> {
        self.with_read_models(|conn| {
            let mut stmt = conn.prepare_cached(
                // Computed from the unit's payments, found through the stream index of
                // `events` (rowid = position = rm_payment's key; CROSS JOIN keeps `events` the
                // outer loop): a payment counts on its date, a reversal subtracts on its own
                // date (the month it is booked in).
                "SELECT line_id, project_code, economic_code, function_code, month, sum(fen) FROM (
                     SELECT p.line_id, p.project_code, p.economic_code, p.function_code,
                            substr(p.paid_on, 1, 7) AS month, p.amount_fen AS fen
                     FROM events e CROSS JOIN rm_payment p ON p.position = e.position
                     WHERE e.unit = ?1 AND e.fiscal_year = ?2 AND p.paid_on <= ?3
                     UNION ALL
                     SELECT p.line_id, p.project_code, p.economic_code, p.function_code,
                            substr(p.reversed_on, 1, 7) AS month, -p.amount_fen AS fen
                     FROM events e CROSS JOIN rm_payment p ON p.position = e.position
                     WHERE e.unit = ?1 AND e.fiscal_year = ?2 AND p.reversed_on <= ?3)
                 GROUP BY line_id, project_code, economic_code, function_code, month
                 ORDER BY line_id, project_code, economic_code, function_code, month
                 LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![
                    unit,
                    fiscal_year,
                    day_bound(as_of),
                    MAX_QUERY_ROWS as i64 + 1
                ],
                |r| {
                    Ok(ExecutionRow {
                        line_id: r.get(0)?,
                        project_code: opt(r.get(1)?),
                        economic_code: r.get(2)?,
                        function_code: r.get(3)?,
                        month: r.get(4)?,
                        paid_yuan: yuan(r.get(5)?),
                    })
                },
            )?;
            bounded(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Budget lines of a unit's year with initial, adjustments and carry-over as of a date.
    pub fn budget(
        &self,
        unit: &str,
        fiscal_year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<BudgetRow>, StoreError> {
        self.with_read_models(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.line_id, l.kind, l.name, l.function_code, l.economic_code, l.project_code,
                        coalesce(sum(m.initial_fen), 0),
                        coalesce(sum(CASE WHEN m.day <= ?3 THEN m.adjust_fen ELSE 0 END), 0),
                        coalesce(sum(CASE WHEN m.day <= ?3 THEN m.adjust_abs_fen ELSE 0 END), 0),
                        coalesce(sum(CASE WHEN m.day <= ?3 THEN m.carry_fen ELSE 0 END), 0)
                 FROM rm_budget_line l
                 LEFT JOIN rm_budget_move m
                   ON m.unit = l.unit AND m.fiscal_year = l.fiscal_year AND m.line_id = l.line_id
                 WHERE l.unit = ?1 AND l.fiscal_year = ?2
                 GROUP BY l.line_id ORDER BY l.line_id LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![
                    unit,
                    fiscal_year,
                    day_bound(as_of),
                    MAX_QUERY_ROWS as i64 + 1
                ],
                |r| {
                    let (initial, adjust, carry): (i64, i64, i64) =
                        (r.get(6)?, r.get(7)?, r.get(9)?);
                    Ok(BudgetRow {
                        line_id: r.get(0)?,
                        kind: r.get(1)?,
                        name: r.get(2)?,
                        function_code: r.get(3)?,
                        economic_code: r.get(4)?,
                        project_code: opt(r.get(5)?),
                        initial_yuan: yuan(initial),
                        adjustments_yuan: yuan(adjust),
                        adjustments_abs_yuan: yuan(r.get(8)?),
                        carry_over_yuan: yuan(carry),
                        adjusted_yuan: yuan(initial + adjust + carry),
                    })
                },
            )?;
            bounded(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The finance bureau's view of every unit of a year as of a date: budget initial and
    /// adjusted, paid to date (from the per-unit daily totals).
    pub fn unit_summaries(
        &self,
        fiscal_year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<UnitSummary>, StoreError> {
        self.with_read_models(|conn| {
            let bound = day_bound(as_of);
            let mut units: BTreeMap<String, UnitSummary> = BTreeMap::new();
            {
                let mut stmt =
                    conn.prepare_cached("SELECT unit, unit_name, department FROM rm_unit WHERE fiscal_year = ?1")?;
                let rows = stmt.query_map([fiscal_year], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })?;
                for row in rows {
                    let (unit, unit_name, department) = row?;
                    units.insert(
                        unit.clone(),
                        UnitSummary {
                            unit,
                            unit_name,
                            department,
                            initial_yuan: Yuan::ZERO,
                            adjusted_yuan: Yuan::ZERO,
                            paid_yuan: Yuan::ZERO,
                        },
                    );
                }
            }
            let blank = |unit: &str| UnitSummary {
                unit: unit.to_string(),
                unit_name: String::new(),
                department: String::new(),
                initial_yuan: Yuan::ZERO,
                adjusted_yuan: Yuan::ZERO,
                paid_yuan: Yuan::ZERO,
            };
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT unit, sum(initial_fen),
                            sum(initial_fen + CASE WHEN day <= ?2 THEN adjust_fen + carry_fen ELSE 0 END)
                     FROM rm_unit_budget_day WHERE fiscal_year = ?1 GROUP BY unit",
                )?;
                let rows = stmt.query_map(params![fiscal_year, bound], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                })?;
                for row in rows {
                    let (unit, initial, adjusted) = row?;
                    let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                    s.initial_yuan = yuan(initial);
                    s.adjusted_yuan = yuan(adjusted);
                }
            }
            // Summed over the unit's payment days up to `as_of` (at most 366 rows per unit, as
            // for the budget above).
            let paid = sum_by_unit(
                conn,
                "SELECT unit, sum(paid_fen) FROM rm_unit_paid_day
                 WHERE fiscal_year = ?1 AND day <= ?2 GROUP BY unit",
                &[&fiscal_year, &bound],
            )?;
            for (unit, paid) in paid {
                let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                s.paid_yuan += yuan(paid);
            }
            bounded(units.into_values().collect())
        })
    }

    /// Inputs of the derived measures of a unit's year for one scope as of a date. For
    /// `Scope::Unit`: every activity, survey and procurement of the unit, and the unit-wide
    /// assessments; for a project: that project's.
    pub fn measure_inputs(
        &self,
        unit: &str,
        fiscal_year: i32,
        scope: &Scope,
        as_of: Option<NaiveDate>,
    ) -> Result<MeasureInputs, StoreError> {
        let bound = day_bound(as_of);
        // `%` matches every project for the unit scope; project codes contain no wildcard.
        let (project_like, assessment_project) = match scope {
            Scope::Unit => ("%".to_string(), String::new()),
            Scope::Project(p) => (p.0.replace(['%', '_'], ""), p.0.clone()),
        };
        self.with_read_models(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT activity_id, project_code, held_on, title, invited, participants FROM rm_activity
                 WHERE unit = ?1 AND fiscal_year = ?2 AND project_code LIKE ?3 AND held_on <= ?4
                   AND (withdrawn_on IS NULL OR withdrawn_on > ?4)
                 ORDER BY held_on, activity_id LIMIT ?5",
            )?;
            let mut activities = Vec::new();
            let mut rows =
                stmt.query(params![unit, fiscal_year, project_like, bound, MAX_QUERY_ROWS as i64 + 1])?;
            while let Some(r) = rows.next()? {
                let id: Vec<u8> = r.get(0)?;
                activities.push(ActivityRow {
                    activity_id: uuid::Uuid::from_slice(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    project_code: r.get(1)?,
                    held_on: parse_day(&r.get::<_, String>(2)?)?,
                    title: r.get(3)?,
                    invited: r.get(4)?,
                    participants: r.get(5)?,
                });
            }
            drop(rows);
            let activities = bounded(activities)?;
            let mut stmt = conn.prepare_cached(
                "SELECT respondent_group, count(*), sum(respondents), sum(satisfied) FROM rm_survey
                 WHERE unit = ?1 AND fiscal_year = ?2 AND project_code LIKE ?3 AND surveyed_on <= ?4
                 GROUP BY respondent_group ORDER BY respondent_group",
            )?;
            let surveys = stmt
                .query_map(params![unit, fiscal_year, project_like, bound], |r| {
                    Ok(SurveyGroupRow {
                        respondent_group: r.get(0)?,
                        surveys: r.get(1)?,
                        respondents: r.get::<_, i64>(2)?.max(0) as u64,
                        satisfied: r.get::<_, i64>(3)?.max(0) as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = conn.prepare_cached(
                "SELECT indicator_id, assessed_on, grade, score, actual_value, actual_text, note, position FROM rm_assessment
                 WHERE unit = ?1 AND fiscal_year = ?2 AND project_code = ?3 AND assessed_on <= ?4
                 ORDER BY position",
            )?;
            let mut latest: BTreeMap<String, AssessmentRow> = BTreeMap::new();
            let mut rows = stmt.query(params![unit, fiscal_year, assessment_project, bound])?;
            while let Some(r) = rows.next()? {
                let row = AssessmentRow {
                    indicator_id: r.get(0)?,
                    assessed_on: parse_day(&r.get::<_, String>(1)?)?,
                    grade: r.get(2)?,
                    score: parse_decimal(r.get(3)?)?,
                    actual_value: parse_decimal(r.get(4)?)?,
                    actual_text: r.get(5)?,
                    note: r.get(6)?,
                    position: crate::writer::to_u64(r.get(7)?)?,
                };
                latest.insert(row.indicator_id.clone(), row);
            }
            drop(rows);
            let procurement: i64 = conn.query_row(
                "SELECT coalesce(sum(amount_fen), 0) FROM rm_procurement
                 WHERE unit = ?1 AND fiscal_year = ?2 AND project_code LIKE ?3 AND procured_on <= ?4",
                params![unit, fiscal_year, project_like, bound],
                |r| r.get(0),
            )?;
            Ok(MeasureInputs {
                activities,
                surveys,
                assessments: latest.into_values().collect(),
                procurement_yuan: yuan(procurement),
            })
        })
    }
}
