//! The year-end forecast (全年预计执行数, 全年预计完成情况) and the early warning when the
//! forecast misses the target.
//!
//! Method — run-rate extrapolation over the elapsed fraction of the year:
//!
//! 1. The monthly series holds one value per month, January first (payments net of
//!    reversals in 元; activities held; participants). Months after `as_of` are ignored.
//!    The value so far is the sum of the months begun by `as_of`.
//! 2. The run-rate base is the value of the period the schedule measures: with the `month_end`
//!    basis only the completed months (on 15 August, January–July: the first half of August is
//!    spent money, but the schedule does not count August yet, so it would inflate the rate);
//!    with `elapsed_days`, everything up to `as_of`.
//! 3. Forecast = base / 序时进度. Money is then capped at the adjusted budget (a unit cannot
//!    spend more than it was given) and never below what was already spent; counts and sums
//!    are rounded down to whole activities / people and never below the value so far.
//! 4. When 序时进度 is 0 there is no basis to extrapolate: the forecast is the value so far.
//! 5. Ratio measures (satisfaction, participation, money ratios) forecast as their current
//!    value: there is no trend to extrapolate from a ratio.
//!
//! We do not treat personnel spending separately: paid steadily each month, its run-rate over
//! completed months already equals its monthly average × 12, which is what a "steady monthly"
//! model would give; splitting it out would only add a second cap.
//!
//! Early warning: execution — the forecast rate (forecast / adjusted budget) is below the
//! profile's `execution_explanation_below_percent` (90): the gap is given in percentage points
//! and in 元. Indicators — the forecast does not meet the target by its comparator: the gap
//! is the distance from the forecast to the target, in the target's unit.

use super::MonitoringError;
use super::colour::meets;
use super::schedule::{MONTHS_PER_YEAR, completed_months, months_begun, schedule_progress};
use crate::measure::Measure;
use crate::money::{Yuan, round2};
use crate::profile::{ScheduleBasis, ScoringProfile};
use crate::target::{Comparator, TargetValue};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

/// The largest amount a monitoring input may hold, in 元 (100 万亿): far above any unit's
/// budget, and low enough that no forecast arithmetic can overflow a `Decimal`.
pub const MAX_AMOUNT_YUAN: Decimal = dec!(100_000_000_000_000);

/// The largest indicator value (a count, a sum or a percentage) a monitoring input may hold.
pub const MAX_INDICATOR_VALUE: Decimal = dec!(1_000_000_000);

/// How a forecast was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// Run-rate: value over the elapsed period / 序时进度 (never below the value so far).
    RunRate,
    /// The current value of a ratio measure.
    CurrentValue,
    /// No basis to extrapolate: 序时进度 is 0 (the forecast is the value so far), or nothing
    /// has been recorded yet (no forecast).
    NoBasis,
    /// Qualitative and time targets: a person judges the year end; no numeric forecast.
    ByPerson,
}

/// The forecast of a unit's (or project's) spending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionForecast {
    /// 执行数 so far (sum of the months begun by `as_of`).
    pub spent_yuan: Yuan,
    /// 全年预计执行数.
    pub forecast_yuan: Yuan,
    /// Forecast / adjusted budget, in %, rounded to 2 decimals; None with a zero budget.
    pub forecast_rate_percent: Option<Decimal>,
    /// How it was made.
    pub method: ForecastMethod,
    /// Set when the forecast rate is below the profile's target rate.
    pub early_warning: Option<ExecutionEarlyWarning>,
}

/// The forecast execution misses the target rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionEarlyWarning {
    /// The rate the year should reach (the profile's `execution_explanation_below_percent`).
    pub target_rate_percent: Decimal,
    /// The forecast rate.
    pub forecast_rate_percent: Decimal,
    /// target − forecast, in percentage points.
    pub gap_percent: Decimal,
    /// Budget × target rate − forecast: what must still be spent, beyond the run-rate, to
    /// reach the target rate.
    pub gap_yuan: Yuan,
}

impl ExecutionEarlyWarning {
    /// A sentence for the monitoring page.
    pub fn message_zh(&self) -> String {
        format!(
            "预计全年执行率{:.2}%，低于{:.2}%，差{:.2}个百分点（约{}万元） (forecast execution below target)",
            self.forecast_rate_percent,
            self.target_rate_percent,
            self.gap_percent,
            self.gap_yuan.wan_display()
        )
    }
}

/// The forecast of one indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorForecast {
    /// Value so far; None when nothing is recorded or assessed.
    pub value_so_far: Option<Decimal>,
    /// 全年预计完成情况 (in the target's unit); None when it cannot be forecast (qualitative,
    /// time target, nothing recorded).
    pub forecast: Option<Decimal>,
    /// How it was made.
    pub method: ForecastMethod,
    /// Set when the forecast does not meet the target.
    pub early_warning: Option<IndicatorEarlyWarning>,
}

/// The forecast misses an indicator's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorEarlyWarning {
    /// T.
    pub target: Decimal,
    /// The forecast.
    pub forecast: Decimal,
    /// |T − forecast|: how far the forecast is from the target, in the target's unit.
    pub gap: Decimal,
}

/// Sum of the first `months` entries of a series.
fn sum_months(series: &[Decimal], months: u32) -> Decimal {
    series.iter().take(months as usize).copied().sum()
}

/// Reject series longer than a year or values beyond `max` (either sign).
fn check_series(series: &[Decimal], max: Decimal) -> Result<(), MonitoringError> {
    if series.len() > MONTHS_PER_YEAR as usize {
        return Err(MonitoringError::TooManyMonths(series.len()));
    }
    check_values(series.iter().copied(), max)
}

fn check_values(
    values: impl IntoIterator<Item = Decimal>,
    max: Decimal,
) -> Result<(), MonitoringError> {
    match values.into_iter().find(|v| v.abs() > max) {
        Some(v) => Err(MonitoringError::ValueTooLarge { value: v, max }),
        None => Ok(()),
    }
}

/// (value so far, run-rate base) of a monthly series on `as_of`, per the module doc.
fn so_far_and_base(
    series: &[Decimal],
    as_of: NaiveDate,
    fiscal_year: i32,
    basis: ScheduleBasis,
) -> (Decimal, Decimal) {
    let so_far = sum_months(series, months_begun(as_of, fiscal_year));
    let base = match basis {
        ScheduleBasis::MonthEnd => sum_months(series, completed_months(as_of, fiscal_year)),
        ScheduleBasis::ElapsedDays => so_far,
    };
    (so_far, base)
}

/// A rounded decimal of 元 as [`Yuan`]. `round2` leaves at most 2 decimals, which is all
/// `Yuan::new` checks, so this cannot fail.
fn to_yuan(d: Decimal) -> Yuan {
    match Yuan::new(round2(d)) {
        Ok(y) => y,
        Err(e) => unreachable!("round2 leaves at most 2 decimals: {e}"),
    }
}

/// Forecast the year's spending from the monthly payments so far (元, January first, net of
/// reversals) against the adjusted budget (全年预算数), per the module doc.
pub fn forecast_execution(
    monthly_paid: &[Yuan],
    adjusted_budget: Yuan,
    as_of: NaiveDate,
    fiscal_year: i32,
    profile: &ScoringProfile,
) -> Result<ExecutionForecast, MonitoringError> {
    let series: Vec<Decimal> = monthly_paid.iter().map(|y| y.yuan()).collect();
    check_series(&series, MAX_AMOUNT_YUAN)?;
    check_values([adjusted_budget.yuan()], MAX_AMOUNT_YUAN)?;
    let basis = profile.schedule_basis;
    let progress = schedule_progress(as_of, fiscal_year, basis);
    let (spent, base) = so_far_and_base(&series, as_of, fiscal_year, basis);
    let budget = adjusted_budget.yuan();
    let (forecast, method) = if progress.is_zero() {
        (spent, ForecastMethod::NoBasis)
    } else {
        (
            (base / progress).min(budget).max(spent),
            ForecastMethod::RunRate,
        )
    };
    let forecast_yuan = to_yuan(forecast);
    let forecast_rate_percent = crate::money::ratio_percent(forecast_yuan.yuan(), budget);
    let target_rate = profile.execution_explanation_below_percent;
    let early_warning = forecast_rate_percent
        .filter(|rate| *rate < target_rate)
        .map(|rate| ExecutionEarlyWarning {
            target_rate_percent: target_rate,
            forecast_rate_percent: rate,
            gap_percent: target_rate - rate,
            gap_yuan: to_yuan(budget * target_rate / Decimal::ONE_HUNDRED - forecast_yuan.yuan()),
        });
    Ok(ExecutionForecast {
        spent_yuan: to_yuan(spent),
        forecast_yuan,
        forecast_rate_percent,
        method,
        early_warning,
    })
}

/// An indicator's value so far, as the caller derived it from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SoFar {
    /// Nothing recorded or assessed yet.
    Nothing,
    /// Per-month amounts (counts, sums), January first; the value so far is their sum over
    /// the months begun by `as_of`. For cumulative measures.
    Monthly {
        /// One entry per month; at most 12.
        months: Vec<Decimal>,
    },
    /// The current value (a ratio in %, or a number a person entered).
    Current {
        /// The value.
        value: Decimal,
    },
    /// A person's assessment in words (qualitative indicators), with a number when given.
    Assessed {
        /// 实际完成值 as written ("良好").
        text: String,
        /// A numeric value, if any.
        value: Option<Decimal>,
    },
}

impl SoFar {
    /// The numeric value so far on `as_of`, if there is one.
    pub fn value(&self, as_of: NaiveDate, fiscal_year: i32) -> Option<Decimal> {
        match self {
            SoFar::Nothing => None,
            SoFar::Monthly { months } => Some(sum_months(months, months_begun(as_of, fiscal_year))),
            SoFar::Current { value } => Some(*value),
            SoFar::Assessed { value, .. } => *value,
        }
    }

    fn check(&self) -> Result<(), MonitoringError> {
        match self {
            SoFar::Nothing => Ok(()),
            SoFar::Monthly { months } => check_series(months, MAX_INDICATOR_VALUE),
            SoFar::Current { value }
            | SoFar::Assessed {
                value: Some(value), ..
            } => check_values([*value], MAX_INDICATOR_VALUE),
            SoFar::Assessed { value: None, .. } => Ok(()),
        }
    }
}

/// Forecast one indicator's year-end value, per the module doc: cumulative measures by
/// run-rate (whole numbers, never below the value so far), ratio measures as their current
/// value; qualitative and time targets, and indicators with nothing recorded, have no forecast.
pub fn forecast_indicator(
    target: &TargetValue,
    measure: &Measure,
    so_far: &SoFar,
    as_of: NaiveDate,
    fiscal_year: i32,
    profile: &ScoringProfile,
) -> Result<IndicatorForecast, MonitoringError> {
    so_far.check()?;
    let value_so_far = so_far.value(as_of, fiscal_year);
    let TargetValue::Quantitative {
        comparator,
        value: t,
        ..
    } = target
    else {
        return Ok(IndicatorForecast {
            value_so_far,
            forecast: None,
            method: ForecastMethod::ByPerson,
            early_warning: None,
        });
    };
    let Some(current) = value_so_far else {
        return Ok(IndicatorForecast {
            value_so_far,
            forecast: None,
            method: ForecastMethod::NoBasis,
            early_warning: None,
        });
    };
    let (forecast, method) = if measure.is_cumulative() {
        let basis = profile.schedule_basis;
        let progress = schedule_progress(as_of, fiscal_year, basis);
        let base = match so_far {
            SoFar::Monthly { months } => so_far_and_base(months, as_of, fiscal_year, basis).1,
            _ => current,
        };
        if progress.is_zero() {
            (current, ForecastMethod::NoBasis)
        } else {
            // The pace as computed (rounded to 0.01 below, never down to a whole count): the
            // likelihood and the early warning are judged on the value the form shows.
            ((base / progress).max(current), ForecastMethod::RunRate)
        }
    } else {
        (current, ForecastMethod::CurrentValue)
    };
    let forecast = round2(forecast);
    let early_warning = early_warning(*comparator, *t, forecast);
    Ok(IndicatorForecast {
        value_so_far,
        forecast: Some(forecast),
        method,
        early_warning,
    })
}

fn early_warning(
    comparator: Comparator,
    t: Decimal,
    forecast: Decimal,
) -> Option<IndicatorEarlyWarning> {
    if meets(comparator, forecast, t) {
        None
    } else {
        Some(IndicatorEarlyWarning {
            target: t,
            forecast,
            gap: (t - forecast).abs(),
        })
    }
}
