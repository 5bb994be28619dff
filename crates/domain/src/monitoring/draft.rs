//! The 1-7月 绩效监控情况表 content: the funds block and one row per indicator, computed from
//! plain inputs (the aggregate derives them from the event log). The unit reviews the draft,
//! picks deviation causes, writes explanations, and files it as `MonitoringReportFiled`.

use super::MonitoringError;
use super::colour::{
    Colour, Warning, called_to_explain, execution_warning, indicator_progress, is_reverse, meets,
};
use super::forecast::{
    ExecutionForecast, IndicatorForecast, MAX_AMOUNT_YUAN, SoFar, forecast_execution,
    forecast_indicator,
};
use super::schedule::{period_label, progress_percent, schedule_progress};
use crate::event::{DeviationCause, Likelihood, MonitoringRow};
use crate::indicator::{Indicator, IndicatorId, Level1, Scope};
use crate::measure::Measure;
use crate::money::{Yuan, ratio_percent, round2};
use crate::profile::{ScheduleBasis, ScoringProfile};
use crate::target::{TargetUnit, TargetValue};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// At most this many indicator rows in one report (a unit-wide 预算14 has a few dozen; the
/// limit keeps a malformed request from building an unbounded report).
pub const MAX_INDICATORS_PER_REPORT: usize = 500;

/// The money of the report's subject (the unit, or one project).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsInput {
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数: the adjusted budget (年初 + 追加 − 调减 + 上年结转) on `as_of`.
    pub adjusted_yuan: Yuan,
    /// Payments net of reversals per month, January first (at most 12 entries; months after
    /// `as_of` are ignored).
    pub monthly_paid_yuan: Vec<Yuan>,
}

/// One indicator with its value so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorMonitoringInput {
    /// Whose indicator.
    pub scope: Scope,
    /// The indicator, with its current (possibly adjusted) target.
    pub indicator: Indicator,
    /// What has been recorded or assessed so far.
    pub so_far: SoFar,
}

/// The funds block: 年初预算数, 全年预算数, 1-7月执行数, 执行率, 全年预计执行数.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsBlock {
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数.
    pub adjusted_yuan: Yuan,
    /// 1-7月执行数 (the payments of the months begun by `as_of`).
    pub spent_yuan: Yuan,
    /// 执行率 = 执行数 / 全年预算数, in %, 2 decimals; None with a zero budget.
    pub execution_rate_percent: Option<Decimal>,
    /// 全年预计执行数 and its early warning.
    pub forecast: ExecutionForecast,
    /// The execution warning (v = 执行率 / 序时进度 × 100).
    pub warning: Warning,
    /// True when the execution is behind (red/yellow) or forecast below the target rate:
    /// the unit must explain.
    pub needs_explanation: bool,
}

/// One indicator row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorRowDraft {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: IndicatorId,
    /// 一级指标.
    pub level1: Level1,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值 as written.
    pub target_text: String,
    /// 1-7月执行情况 as a number, when there is one.
    pub value_so_far: Option<Decimal>,
    /// 1-7月执行情况 as shown ("3次", "85.00%", "良好", "暂无数据").
    pub value_so_far_text: String,
    /// 全年预计完成情况 (the forecast and its early warning).
    pub forecast: IndicatorForecast,
    /// 全年预计完成情况 as shown.
    pub expected_full_year_text: String,
    /// The progress colour and its v.
    pub progress: Warning,
    /// Suggested 完成目标可能性 (the unit may change it).
    pub likelihood: Likelihood,
    /// True when a 偏差原因 must be given: behind (red/yellow) or forecast to miss.
    pub deviation_cause_required: bool,
}

impl IndicatorRowDraft {
    /// The row as filed, with the unit's choices.
    pub fn to_monitoring_row(
        &self,
        deviation_cause: Option<DeviationCause>,
        likelihood: Likelihood,
        explanation: String,
    ) -> MonitoringRow {
        MonitoringRow {
            scope: self.scope.clone(),
            indicator_id: self.indicator_id.clone(),
            value_so_far: self.value_so_far_text.clone(),
            expected_full_year: self.expected_full_year_text.clone(),
            deviation_cause,
            likelihood,
            explanation,
        }
    }
}

/// The content of the 1-7月 monitoring report (any `as_of` works; the form is filed on 31 July).
/// `Serialize` (with its parts) only for the JSON export of `jixiao-app`, a file format; the API
/// serves its own DTOs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringReportDraft {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Last business date covered.
    pub as_of: NaiveDate,
    /// "1-7月".
    pub period_label: String,
    /// The schedule basis used.
    pub schedule_basis: ScheduleBasis,
    /// 序时进度 in %, 2 decimals.
    pub schedule_progress_percent: Decimal,
    /// The funds block.
    pub funds: FundsBlock,
    /// One row per indicator, in input order.
    pub rows: Vec<IndicatorRowDraft>,
    /// The unit must explain: the funds row or an indicator requires a deviation cause, or
    /// (finance-bureau practice) it is behind at the end of the third quarter.
    pub called_to_explain: bool,
}

/// Build the monitoring report content on `as_of`.
pub fn monitoring_draft(
    as_of: NaiveDate,
    fiscal_year: i32,
    funds: &FundsInput,
    indicators: &[IndicatorMonitoringInput],
    profile: &ScoringProfile,
) -> Result<MonitoringReportDraft, MonitoringError> {
    if indicators.len() > MAX_INDICATORS_PER_REPORT {
        return Err(MonitoringError::TooManyIndicators {
            count: indicators.len(),
            max: MAX_INDICATORS_PER_REPORT,
        });
    }
    if let Some(big) = [funds.initial_yuan, funds.adjusted_yuan]
        .into_iter()
        .find(|y| y.yuan().abs() > MAX_AMOUNT_YUAN)
    {
        return Err(MonitoringError::ValueTooLarge {
            value: big.yuan(),
            max: MAX_AMOUNT_YUAN,
        });
    }
    let progress = schedule_progress(as_of, fiscal_year, profile.schedule_basis);
    let funds_block = funds_block(funds, progress, as_of, fiscal_year, profile)?;
    let rows = indicators
        .iter()
        .map(|input| indicator_row(input, progress, as_of, fiscal_year, profile))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MonitoringReportDraft {
        fiscal_year,
        as_of,
        period_label: period_label(as_of, fiscal_year),
        schedule_basis: profile.schedule_basis,
        schedule_progress_percent: progress_percent(progress),
        // Called to explain wherever the form asks for a deviation cause (the funds row or an
        // indicator), and by the bureau's practice when behind at the end of the third quarter.
        called_to_explain: called_to_explain(funds_block.warning.v, as_of, fiscal_year, profile)
            || funds_block.needs_explanation
            || rows.iter().any(|r| r.deviation_cause_required),
        funds: funds_block,
        rows,
    })
}

fn funds_block(
    funds: &FundsInput,
    progress: Decimal,
    as_of: NaiveDate,
    fiscal_year: i32,
    profile: &ScoringProfile,
) -> Result<FundsBlock, MonitoringError> {
    let forecast = forecast_execution(
        &funds.monthly_paid_yuan,
        funds.adjusted_yuan,
        as_of,
        fiscal_year,
        profile,
    )?;
    let spent = forecast.spent_yuan;
    let budget = funds.adjusted_yuan.yuan();
    // v is computed from the rate as shown (2 decimals), as the execution views do, so the
    // draft and the monitoring page never disagree on a colour. The amounts are within
    // MAX_AMOUNT_YUAN (checked by the forecast), so the rate cannot overflow.
    let execution_rate_percent = ratio_percent(spent.yuan(), budget);
    let warning = match execution_rate_percent {
        Some(rate) => execution_warning(rate, progress, profile),
        None => Warning {
            v: None,
            colour: Colour::Grey,
        },
    };
    let needs_explanation = warning.colour.is_behind() || forecast.early_warning.is_some();
    Ok(FundsBlock {
        initial_yuan: funds.initial_yuan,
        adjusted_yuan: funds.adjusted_yuan,
        spent_yuan: spent,
        execution_rate_percent,
        forecast,
        warning,
        needs_explanation,
    })
}

fn indicator_row(
    input: &IndicatorMonitoringInput,
    progress: Decimal,
    as_of: NaiveDate,
    fiscal_year: i32,
    profile: &ScoringProfile,
) -> Result<IndicatorRowDraft, MonitoringError> {
    let indicator = &input.indicator;
    let target = indicator.target.value();
    let forecast = forecast_indicator(
        target,
        &indicator.measure,
        &input.so_far,
        as_of,
        fiscal_year,
        profile,
    )?;
    let value_so_far = forecast.value_so_far;
    let progress_warning =
        indicator_progress(target, &indicator.measure, value_so_far, progress, profile);
    let likelihood = suggest_likelihood(target, &indicator.measure, &forecast, progress);
    let deviation_cause_required =
        progress_warning.colour.is_behind() || forecast.early_warning.is_some();
    Ok(IndicatorRowDraft {
        scope: input.scope.clone(),
        indicator_id: indicator.id.clone(),
        level1: indicator.level1,
        level2: indicator.level2.clone(),
        name: indicator.name.clone(),
        target_text: indicator.target.text().to_string(),
        value_so_far,
        value_so_far_text: so_far_text(target, &input.so_far, value_so_far),
        expected_full_year_text: expected_text(target, &input.so_far, forecast.forecast),
        forecast,
        progress: progress_warning,
        likelihood,
        deviation_cause_required,
    })
}

/// The suggested likelihood, from the forecast:
/// - 确定能 when the forecast meets the target;
/// - 完全不可能 when it misses and nothing can change that: the year is over, or a cumulative
///   value already exceeds a ≤ cap (it never falls);
/// - 有可能 otherwise — including qualitative and time targets and indicators with no data,
///   which a person must judge.
pub fn suggest_likelihood(
    target: &TargetValue,
    measure: &Measure,
    forecast: &IndicatorForecast,
    progress: Decimal,
) -> Likelihood {
    let TargetValue::Quantitative {
        comparator,
        value: t,
        ..
    } = target
    else {
        return Likelihood::Possible;
    };
    if forecast.forecast.is_none() {
        return Likelihood::Possible;
    }
    if forecast.early_warning.is_none() {
        return Likelihood::Certain;
    }
    let cap_already_exceeded = measure.is_cumulative()
        && is_reverse(*comparator)
        && forecast
            .value_so_far
            .is_some_and(|a| !meets(*comparator, a, *t));
    if progress >= Decimal::ONE || cap_already_exceeded {
        Likelihood::Impossible
    } else {
        Likelihood::Possible
    }
}

/// A number in the target's unit: "85.00%" for percentages, "3次" otherwise.
pub fn format_value(value: Decimal, unit: &TargetUnit) -> String {
    if unit.0 == "%" {
        format!("{:.2}%", round2(value))
    } else {
        format!("{}{}", round2(value).normalize(), unit.0)
    }
}

fn unit_of(target: &TargetValue) -> Option<&TargetUnit> {
    match target {
        TargetValue::Quantitative { unit, .. } => Some(unit),
        _ => None,
    }
}

/// Shown when a qualitative or time indicator has not been assessed.
const NOT_ASSESSED_ZH: &str = "未评定";
/// Shown when nothing has been recorded for a quantitative indicator.
const NO_DATA_ZH: &str = "暂无数据";
/// Shown as the year-end expectation of an indicator a person must judge.
const TO_BE_JUDGED_ZH: &str = "待评定";

fn so_far_text(target: &TargetValue, so_far: &SoFar, value: Option<Decimal>) -> String {
    if let SoFar::Assessed { text, .. } = so_far
        && !text.trim().is_empty()
    {
        return text.clone();
    }
    match (value, unit_of(target)) {
        (Some(v), Some(unit)) => format_value(v, unit),
        (Some(v), None) => round2(v).normalize().to_string(),
        (None, Some(_)) => NO_DATA_ZH.to_string(),
        (None, None) => NOT_ASSESSED_ZH.to_string(),
    }
}

fn expected_text(target: &TargetValue, so_far: &SoFar, forecast: Option<Decimal>) -> String {
    match (forecast, unit_of(target)) {
        (Some(f), Some(unit)) => format_value(f, unit),
        (_, None) => match so_far {
            // A qualitative indicator already assessed: the assessment is the expectation.
            SoFar::Assessed { text, .. } if !text.trim().is_empty() => text.clone(),
            _ => TO_BE_JUDGED_ZH.to_string(),
        },
        (None, Some(_)) => NO_DATA_ZH.to_string(),
    }
}

/// 确定能, 有可能, 完全不可能.
pub fn likelihood_name_zh(likelihood: Likelihood) -> &'static str {
    match likelihood {
        Likelihood::Certain => "确定能",
        Likelihood::Possible => "有可能",
        Likelihood::Impossible => "完全不可能",
    }
}

/// 经费保障, 制度保障, 人员保障, 硬件条件保障, 其他.
pub fn deviation_cause_name_zh(cause: DeviationCause) -> &'static str {
    match cause {
        DeviationCause::Funding => "经费保障",
        DeviationCause::Institutional => "制度保障",
        DeviationCause::Staffing => "人员保障",
        DeviationCause::Facilities => "硬件条件保障",
        DeviationCause::Other => "其他",
    }
}
