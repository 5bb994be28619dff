//! Queries over the read models, each answerable as of a business date (`as_of`: everything
//! whose business date is on or before it; `None`: everything).
//!
//! The conventions are the aggregate's (`jixiao_domain::aggregate`), so a read model and a
//! replay agree: the 年初 budget counts at every date, adjustments and carry-overs from their
//! own date; a 红冲 subtracts on its own date.
//!
//! Amounts come back as [`Yuan`], summed exactly in 分 by SQLite.

use crate::error::StoreError;
use crate::projection::yuan;
use crate::store::Store;
use chrono::{Datelike, NaiveDate};
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

/// How the bureau's view as of a date reads the sums (on both engines): whole months before
/// `month` from `rm_unit_month` (at most 12 rows per unit for a year), then — as of a day
/// inside a month — that month's `days` (first day, the date) from the daily tables. As of a
/// month's last day ("as of a past month") that month is whole too: only monthly rows are
/// read; "now" reads every month.
pub(crate) struct AsOfMonths {
    /// `YYYY-MM`: months before it count (`9999-12-31` for "now": every month).
    pub(crate) month: String,
    pub(crate) days: Option<(String, String)>,
}

impl AsOfMonths {
    pub(crate) fn of(as_of: Option<NaiveDate>) -> Self {
        let partial = as_of.filter(|d| d.succ_opt().is_some_and(|next| next.day() != 1));
        match (as_of, partial) {
            (_, Some(d)) => {
                let month = crate::projection::month_text((d.year(), d.month()));
                let first = format!("{month}-01");
                AsOfMonths {
                    month,
                    days: Some((first, d.to_string())),
                }
            }
            (Some(d), None) => {
                let next = d.succ_opt().unwrap_or(d);
                AsOfMonths {
                    month: crate::projection::month_text((next.year(), next.month())),
                    days: None,
                }
            }
            (None, None) => AsOfMonths {
                month: END_OF_TIME.to_string(),
                days: None,
            },
        }
    }
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
        if let Some(pg) = self.pg() {
            return pg.execution(unit, fiscal_year, as_of);
        }
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

    /// The finance bureau's view of every unit of a year as of a date: budget initial and
    /// adjusted, paid to date (from the per-unit daily totals).
    pub fn unit_summaries(
        &self,
        fiscal_year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<UnitSummary>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.unit_summaries(fiscal_year, as_of);
        }
        self.with_read_models(|conn| {
            let mut units: BTreeMap<String, UnitSummary> = BTreeMap::new();
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT unit, unit_name, department FROM rm_unit WHERE fiscal_year = ?1",
                )?;
                let rows = stmt.query_map([fiscal_year], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
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
            let split = AsOfMonths::of(as_of);
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT unit, sum(initial_fen),
                            sum(CASE WHEN month < ?2 THEN adjust_fen + carry_fen ELSE 0 END),
                            sum(CASE WHEN month < ?2 THEN paid_fen ELSE 0 END)
                     FROM rm_unit_month WHERE fiscal_year = ?1 GROUP BY unit",
                )?;
                let rows = stmt.query_map(params![fiscal_year, split.month], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })?;
                for row in rows {
                    let (unit, initial, moved, paid) = row?;
                    let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                    s.initial_yuan = yuan(initial);
                    s.adjusted_yuan = yuan(initial + moved);
                    s.paid_yuan = yuan(paid);
                }
            }
            if let Some((first_day, bound)) = &split.days {
                let moved = sum_by_unit(
                    conn,
                    "SELECT unit, sum(adjust_fen + carry_fen) FROM rm_unit_budget_day
                     WHERE fiscal_year = ?1 AND day >= ?2 AND day <= ?3 GROUP BY unit",
                    &[&fiscal_year, first_day, bound],
                )?;
                for (unit, moved) in moved {
                    let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                    s.adjusted_yuan += yuan(moved);
                }
                let paid = sum_by_unit(
                    conn,
                    "SELECT unit, sum(paid_fen) FROM rm_unit_paid_day
                     WHERE fiscal_year = ?1 AND day >= ?2 AND day <= ?3 GROUP BY unit",
                    &[&fiscal_year, first_day, bound],
                )?;
                for (unit, paid) in paid {
                    let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                    s.paid_yuan += yuan(paid);
                }
            }
            bounded(units.into_values().collect())
        })
    }

    /// Where every unit of a year stands in the year-end workflow, with its adjustment
    /// requests waiting for the bureau (folded as events arrive: one row per unit).
    pub fn unit_statuses(
        &self,
        fiscal_year: i32,
    ) -> Result<BTreeMap<String, UnitStatus>, StoreError> {
        if let Some(pg) = self.pg() {
            let rows = pg.unit_statuses(fiscal_year, None)?;
            return Ok(rows.into_iter().map(|s| (s.unit.clone(), s)).collect());
        }
        self.with_read_models(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT unit, review, closed, pending_requests FROM rm_unit_status
                 WHERE fiscal_year = ?1 LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![fiscal_year, MAX_QUERY_ROWS as i64 + 1], |r| {
                Ok(UnitStatus {
                    unit: r.get(0)?,
                    review: r.get(1)?,
                    closed: r.get::<_, i64>(2)? != 0,
                    pending_requests: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                })
            })?;
            let rows = bounded(rows.collect::<Result<Vec<_>, _>>()?)?;
            Ok(rows.into_iter().map(|s| (s.unit.clone(), s)).collect())
        })
    }
}

impl Store {
    /// One unit's row of [`Store::unit_statuses`] (None: no budget approved yet).
    pub fn unit_status(
        &self,
        fiscal_year: i32,
        unit: &str,
    ) -> Result<Option<UnitStatus>, StoreError> {
        if let Some(pg) = self.pg() {
            return Ok(pg
                .unit_statuses(fiscal_year, Some(unit))?
                .into_iter()
                .next());
        }
        self.with_read_models(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT unit, review, closed, pending_requests FROM rm_unit_status
                 WHERE fiscal_year = ?1 AND unit = ?2",
            )?;
            let mut rows = stmt.query_map(params![fiscal_year, unit], |r| {
                Ok(UnitStatus {
                    unit: r.get(0)?,
                    review: r.get(1)?,
                    closed: r.get::<_, i64>(2)? != 0,
                    pending_requests: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                })
            })?;
            Ok(rows.next().transpose()?)
        })
    }
}

/// One unit's year-end workflow and pending requests, as folded into `rm_unit_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitStatus {
    /// 单位代码.
    pub unit: String,
    /// The review step's code: draft, submitted, returned or approved.
    pub review: String,
    /// Closed by the bureau (wins over the review step).
    pub closed: bool,
    /// Budget and target adjustment requests waiting for a decision.
    pub pending_requests: u64,
}
