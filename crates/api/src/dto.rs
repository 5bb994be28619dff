//! The bodies of the view responses (execution summary, indicator status, self-evaluation,
//! monitoring draft): API-owned DTOs, each built `From` the domain's (or the application's)
//! view, with `Serialize` and `ToSchema` here at the boundary only — the domain's view types
//! carry no HTTP schema, and a change in the domain reaches the wire only through a `From`
//! below.
//!
//! The handlers serialise these types, never a domain type, so the OpenAPI document describes
//! exactly what is served; `tests/api/schemas.rs` checks over HTTP that every served view is
//! the DTO of the view computed from the same log, and that each JSON object has exactly the
//! fields its schema in the document lists.
//!
//! Amounts and ratios are decimal strings (`"1234.50"`); identifiers are plain strings.

use chrono::NaiveDate;
use jixiao_domain::{
    aggregate, evaluation, event, indicator, measure, monitoring, profile, target,
};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Shared

/// A monitoring warning colour: red (seriously behind), yellow (behind), green (on track), blue
/// (over-run: the target may be set too low), grey (not yet due, not assessed, qualitative).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// 红.
    Red,
    /// 黄.
    Yellow,
    /// 绿.
    Green,
    /// 蓝.
    Blue,
    /// 灰.
    Grey,
}

/// A colour with the v it was derived from (v = progress / 序时进度 × 100; null when grey).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// v, 2 decimals.
    pub v: Option<Decimal>,
    /// The colour.
    pub colour: Colour,
}

/// Whose indicator: `{"scope": "unit"}` (部门整体, 预算14) or
/// `{"scope": "project", "project_code": "…"}` (预算15).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "scope", content = "project_code")]
pub enum Scope {
    /// 部门（单位）整体.
    Unit,
    /// One 项目支出 project, by code.
    Project(String),
}

/// 一级指标.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level1 {
    /// 投入管理指标.
    Input,
    /// 成本指标.
    Cost,
    /// 产出指标.
    Output,
    /// 效益指标.
    Benefit,
    /// 满意度指标.
    Satisfaction,
}

/// An assessor's grade.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualGrade {
    /// 达成.
    Achieved,
    /// 部分达成.
    Partial,
    /// 未达成.
    NotAchieved,
}

// ---------------------------------------------------------------------------------------------
// Execution

/// One row of the execution summary: budget against payments.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionRow {
    /// Line id, project code, kind, economic class or "total".
    pub key: String,
    /// Display name.
    pub name: String,
    /// 年初预算数 (元).
    pub initial_yuan: Decimal,
    /// 全年预算数 (元, adjusted, as of).
    pub adjusted_yuan: Decimal,
    /// 执行数 (元): payments net of reversals, as of.
    pub paid_yuan: Decimal,
    /// 执行率 in %; null with a zero budget.
    pub rate_percent: Option<Decimal>,
    /// The execution warning against 序时进度.
    pub warning: Warning,
}

/// Payments of one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthRow {
    /// Month 1-12.
    pub month: u32,
    /// Net payments booked in the month (元).
    pub paid_yuan: Decimal,
    /// Cumulative net payments at the month end (元).
    pub cumulative_yuan: Decimal,
    /// Cumulative 执行率 in %.
    pub cumulative_rate_percent: Option<Decimal>,
}

/// 预算执行 of a unit's year as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionSummary {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// The business date the figures are as of.
    pub as_of: NaiveDate,
    /// 序时进度 in %.
    pub schedule_progress_percent: Decimal,
    /// The unit as a whole.
    pub total: ExecutionRow,
    /// Per budget line.
    pub by_line: Vec<ExecutionRow>,
    /// Per project.
    pub by_project: Vec<ExecutionRow>,
    /// Per kind: 人员经费, 公用经费, 项目支出.
    pub by_kind: Vec<ExecutionRow>,
    /// Per 经济分类 类 (301, 302, …).
    pub by_economic_class: Vec<ExecutionRow>,
    /// Per month up to the as-of month.
    pub by_month: Vec<MonthRow>,
}

// ---------------------------------------------------------------------------------------------
// Indicators

/// The value a measure yields, tagged by `kind`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum MeasureValue {
    /// A count, a sum or a percentage (80 for 80%).
    Number {
        /// The value.
        value: Decimal,
    },
    /// A met / not-met fact (时效).
    Met {
        /// Whether it is met.
        met: bool,
    },
    /// A ratio with nothing to divide: the indicator does not apply.
    NotApplicable,
    /// A ratio with a zero denominator and a positive numerator.
    Unbounded,
    /// Nothing to measure yet.
    NoData,
    /// Entered by a person (the latest assessment).
    Assessed {
        /// The grade, if graded.
        grade: Option<QualGrade>,
        /// The explicit score, if given.
        score: Option<Decimal>,
        /// The numeric value, if given.
        value: Option<Decimal>,
        /// 实际完成值 as text.
        text: String,
    },
}

/// A recorded fact a value came from (provenance), tagged by `kind`; find it in the event log by
/// its id.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Source {
    /// The budget approval.
    BudgetApproval,
    /// A payment (and its reversal, if any).
    Payment {
        /// payment_id.
        id: Uuid,
    },
    /// An approved budget adjustment.
    BudgetAdjustment {
        /// request_id.
        request_id: Uuid,
    },
    /// 上年结转 of a line.
    CarryOver {
        /// The line.
        line_id: String,
        /// Date recorded.
        on: NaiveDate,
    },
    /// An activity (with its corrections and withdrawal).
    Activity {
        /// activity_id.
        id: Uuid,
    },
    /// A survey.
    Survey {
        /// survey_id.
        id: Uuid,
    },
    /// A procurement.
    Procurement {
        /// procurement_id.
        id: Uuid,
    },
    /// An assessment of the indicator.
    Assessment {
        /// The indicator.
        indicator_id: String,
        /// Date of the assessment.
        on: NaiveDate,
    },
}

/// Where one indicator stands as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorStatus {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: String,
    /// 一级指标.
    pub level1: Level1,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值 in force on the date.
    pub target_text: String,
    /// The actual value so far.
    pub actual: MeasureValue,
    /// The actual value as the forms show it.
    pub actual_text: String,
    /// A / T × 100 for quantitative targets.
    pub completion_percent: Option<Decimal>,
    /// Progress colour against 序时进度.
    pub progress: Warning,
    /// 分值 under the profile.
    pub weight: Decimal,
    /// The score it would get if the year ended with these values.
    pub projected_score: Option<Decimal>,
    /// The facts the value came from: the most recent 100 (`source_count` says how many
    /// there are in all).
    pub sources: Vec<Source>,
    /// How many facts the value came from in all.
    pub source_count: u64,
    /// Log positions of the events behind the listed `sources` (a payment and its reversal, an
    /// activity and its corrections, …), ascending; read them with `GET …/events`.
    pub source_positions: Vec<u64>,
}

// ---------------------------------------------------------------------------------------------
// Self-evaluation

/// Which self-evaluation.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationKind {
    /// 项目支出绩效自评.
    Project,
    /// 部门整体支出绩效自评.
    Unit,
}

/// The 预算执行率 row of an evaluation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionResult {
    /// 年初预算数 (元).
    pub initial_yuan: Decimal,
    /// 全年预算数 (元).
    pub adjusted_yuan: Decimal,
    /// 全年执行数 (元).
    pub executed_yuan: Decimal,
    /// 执行率 in %; null when the adjusted budget is not positive.
    pub rate_percent: Option<Decimal>,
    /// 分值.
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// The adjusted budget is zero.
    pub not_applicable: bool,
    /// Below the threshold and not explained.
    pub needs_explanation: bool,
}

/// One 一级 of an evaluation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelResult {
    /// The 一级.
    pub level1: Level1,
    /// Its weight in the profile.
    pub profile_weight: Decimal,
    /// Its weight after rescaling (0 when dropped).
    pub weight: Decimal,
    /// Sum of its indicators' scores.
    pub score: Decimal,
    /// Indicators scored under it.
    pub indicator_count: usize,
}

/// Scoring direction.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 正向 (≥, >).
    Positive,
    /// 反向 (≤, <).
    Reverse,
    /// 等于 (=).
    Equal,
    /// 定性.
    Qualitative,
    /// 时效.
    Timeliness,
}

/// A flag on an indicator result.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// 目标值可能设置偏低.
    OverAchievement,
    /// 不适用（按满分计）.
    NotApplicable,
    /// 不适用（不计分）.
    Excluded,
    /// 尚未评价.
    NotYetAssessed,
    /// 人工评定.
    Graded,
}

/// One indicator's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorResult {
    /// Which indicator.
    pub id: String,
    /// 一级 as published.
    pub level1: Level1,
    /// 一级 whose weight it shares.
    pub scored_under: Level1,
    /// 二级.
    pub level2: String,
    /// 三级 name.
    pub name: String,
    /// 年度指标值.
    pub target_text: String,
    /// 实际完成值 as shown.
    pub actual_text: String,
    /// Scoring direction.
    pub direction: Direction,
    /// The grade, when graded by a person.
    pub grade: Option<QualGrade>,
    /// 分值.
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// A / T in %.
    pub completion_percent: Option<Decimal>,
    /// The target is met.
    pub met: bool,
    /// Flags for review.
    pub flags: Vec<Flag>,
    /// 偏差原因分析及改进措施, if written.
    pub explanation: Option<String>,
    /// Not fully met and not explained.
    pub needs_explanation: bool,
}

/// What still needs 偏差原因分析及改进措施: `{"kind": "execution_rate"}` or
/// `{"kind": "indicator", "indicator_id": "…"}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "indicator_id")]
pub enum DeviationItem {
    /// 预算执行率 below the threshold.
    ExecutionRate,
    /// An indicator not fully met.
    Indicator(String),
}

/// The consistency check between targets met and money spent.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyCheck {
    /// S / Sw in %.
    pub indicator_percent: Decimal,
    /// B / Bw in %.
    pub execution_percent: Decimal,
    /// (S/Sw − B/Bw) / (S/Sw) in %.
    pub gap_percent: Decimal,
    /// The gap exceeds the profile's percentage.
    pub warning: bool,
}

/// The grade of the total: 优, 良, 中, 差.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优.
    Excellent,
    /// 良.
    Good,
    /// 中.
    Fair,
    /// 差.
    Poor,
}

/// A computed self-evaluation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// Project or unit.
    pub kind: EvaluationKind,
    /// Profile id used.
    pub profile_id: String,
    /// Profile version used.
    pub profile_version: u32,
    /// The 预算执行率 row.
    pub execution: ExecutionResult,
    /// The 一级 rows, in form order.
    pub levels: Vec<LevelResult>,
    /// The indicator rows.
    pub indicators: Vec<IndicatorResult>,
    /// 自评得分.
    pub total: Decimal,
    /// Its grade.
    pub grade: Grade,
    /// The consistency check; null when undefined.
    pub consistency: Option<ConsistencyCheck>,
    /// What still needs 偏差原因分析及改进措施 before submission.
    pub needs_explanation: Vec<DeviationItem>,
    /// Indicators with no actual value yet.
    pub not_yet_assessed: Vec<String>,
    /// Indicators flagged "目标值可能设置偏低".
    pub over_achieved: Vec<String>,
}

/// One project's self-evaluation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectEvaluation {
    /// The project.
    pub project_code: String,
    /// Its evaluation.
    pub evaluation: Evaluation,
}

// ---------------------------------------------------------------------------------------------
// Monitoring draft

/// What 序时进度 is measured by.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleBasis {
    /// month / 12 at each month end.
    MonthEnd,
    /// elapsed days / days in the year.
    ElapsedDays,
}

/// How a forecast was made.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// Run-rate: value so far / 序时进度.
    RunRate,
    /// The current value of a ratio measure.
    CurrentValue,
    /// No basis to extrapolate.
    NoBasis,
    /// Qualitative and time targets: a person judges.
    ByPerson,
}

/// The forecast execution misses the target rate.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionEarlyWarning {
    /// The rate the year should reach, in %.
    pub target_rate_percent: Decimal,
    /// The forecast rate, in %.
    pub forecast_rate_percent: Decimal,
    /// target − forecast, in percentage points.
    pub gap_percent: Decimal,
    /// What must still be spent beyond the run-rate to reach the target rate (元).
    pub gap_yuan: Decimal,
}

/// The forecast of the spending.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionForecast {
    /// 执行数 so far (元).
    pub spent_yuan: Decimal,
    /// 全年预计执行数 (元).
    pub forecast_yuan: Decimal,
    /// Forecast / adjusted budget in %.
    pub forecast_rate_percent: Option<Decimal>,
    /// How it was made.
    pub method: ForecastMethod,
    /// Set when the forecast rate is below the target rate.
    pub early_warning: Option<ExecutionEarlyWarning>,
}

/// The funds block: 年初预算数, 全年预算数, 1-7月执行数, 执行率, 全年预计执行数.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundsBlock {
    /// 年初预算数 (元).
    pub initial_yuan: Decimal,
    /// 全年预算数 (元).
    pub adjusted_yuan: Decimal,
    /// 1-7月执行数 (元).
    pub spent_yuan: Decimal,
    /// 执行率 in %.
    pub execution_rate_percent: Option<Decimal>,
    /// 全年预计执行数 and its early warning.
    pub forecast: ExecutionForecast,
    /// The execution warning.
    pub warning: Warning,
    /// Behind or forecast below the target rate: the unit must explain.
    pub needs_explanation: bool,
}

/// The forecast misses an indicator's target.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorEarlyWarning {
    /// T.
    pub target: Decimal,
    /// The forecast.
    pub forecast: Decimal,
    /// |T − forecast|.
    pub gap: Decimal,
}

/// The forecast of one indicator.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorForecast {
    /// Value so far.
    pub value_so_far: Option<Decimal>,
    /// 全年预计完成情况 in the target's unit.
    pub forecast: Option<Decimal>,
    /// How it was made.
    pub method: ForecastMethod,
    /// Set when the forecast does not meet the target.
    pub early_warning: Option<IndicatorEarlyWarning>,
}

/// 完成目标可能性.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// 确定能.
    Certain,
    /// 有可能.
    Possible,
    /// 完全不可能.
    Impossible,
}

/// One indicator row of the monitoring draft.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRowDraft {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: String,
    /// 一级指标.
    pub level1: Level1,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值.
    pub target_text: String,
    /// 1-7月执行情况 as a number.
    pub value_so_far: Option<Decimal>,
    /// 1-7月执行情况 as shown.
    pub value_so_far_text: String,
    /// 全年预计完成情况.
    pub forecast: IndicatorForecast,
    /// 全年预计完成情况 as shown.
    pub expected_full_year_text: String,
    /// The progress colour and its v.
    pub progress: Warning,
    /// Suggested 完成目标可能性.
    pub likelihood: Likelihood,
    /// A 偏差原因 must be given.
    pub deviation_cause_required: bool,
}

/// The content of the 1-7月 绩效监控情况表.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringReportDraft {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Last business date covered.
    pub as_of: NaiveDate,
    /// "1-7月".
    pub period_label: String,
    /// The schedule basis used.
    pub schedule_basis: ScheduleBasis,
    /// 序时进度 in %.
    pub schedule_progress_percent: Decimal,
    /// The funds block.
    pub funds: FundsBlock,
    /// One row per indicator.
    pub rows: Vec<IndicatorRowDraft>,
    /// Behind at the end of the third quarter: called to explain.
    pub called_to_explain: bool,
}

// ---------------------------------------------------------------------------------------------
// From the domain views. Structs are destructured without `..` and enums matched variant for
// variant, so a field or variant added in the domain fails to compile here until the API
// decides how to show it (the guarantee the schema mirrors' round-trip test used to give).

impl From<monitoring::Colour> for Colour {
    fn from(c: monitoring::Colour) -> Self {
        match c {
            monitoring::Colour::Red => Colour::Red,
            monitoring::Colour::Yellow => Colour::Yellow,
            monitoring::Colour::Green => Colour::Green,
            monitoring::Colour::Blue => Colour::Blue,
            monitoring::Colour::Grey => Colour::Grey,
        }
    }
}

impl From<&monitoring::Warning> for Warning {
    fn from(w: &monitoring::Warning) -> Self {
        let monitoring::Warning { v, colour } = w;
        Warning {
            v: *v,
            colour: (*colour).into(),
        }
    }
}

impl From<&indicator::Scope> for Scope {
    fn from(s: &indicator::Scope) -> Self {
        match s {
            indicator::Scope::Unit => Scope::Unit,
            indicator::Scope::Project(code) => Scope::Project(code.0.clone()),
        }
    }
}

impl From<indicator::Level1> for Level1 {
    fn from(l: indicator::Level1) -> Self {
        match l {
            indicator::Level1::Input => Level1::Input,
            indicator::Level1::Cost => Level1::Cost,
            indicator::Level1::Output => Level1::Output,
            indicator::Level1::Benefit => Level1::Benefit,
            indicator::Level1::Satisfaction => Level1::Satisfaction,
        }
    }
}

impl From<indicator::QualGrade> for QualGrade {
    fn from(g: indicator::QualGrade) -> Self {
        match g {
            indicator::QualGrade::Achieved => QualGrade::Achieved,
            indicator::QualGrade::Partial => QualGrade::Partial,
            indicator::QualGrade::NotAchieved => QualGrade::NotAchieved,
        }
    }
}

impl From<&aggregate::ExecutionRow> for ExecutionRow {
    fn from(r: &aggregate::ExecutionRow) -> Self {
        let aggregate::ExecutionRow {
            key,
            name,
            initial_yuan,
            adjusted_yuan,
            paid_yuan,
            rate_percent,
            warning,
        } = r;
        ExecutionRow {
            key: key.clone(),
            name: name.clone(),
            initial_yuan: initial_yuan.yuan(),
            adjusted_yuan: adjusted_yuan.yuan(),
            paid_yuan: paid_yuan.yuan(),
            rate_percent: *rate_percent,
            warning: warning.into(),
        }
    }
}

impl From<&aggregate::MonthRow> for MonthRow {
    fn from(m: &aggregate::MonthRow) -> Self {
        let aggregate::MonthRow {
            month,
            paid_yuan,
            cumulative_yuan,
            cumulative_rate_percent,
        } = m;
        MonthRow {
            month: *month,
            paid_yuan: paid_yuan.yuan(),
            cumulative_yuan: cumulative_yuan.yuan(),
            cumulative_rate_percent: *cumulative_rate_percent,
        }
    }
}

fn rows(rows: &[aggregate::ExecutionRow]) -> Vec<ExecutionRow> {
    rows.iter().map(ExecutionRow::from).collect()
}

impl From<&aggregate::ExecutionSummary> for ExecutionSummary {
    fn from(s: &aggregate::ExecutionSummary) -> Self {
        let aggregate::ExecutionSummary {
            fiscal_year,
            as_of,
            schedule_progress_percent,
            total,
            by_line,
            by_project,
            by_kind,
            by_economic_class,
            by_month,
        } = s;
        ExecutionSummary {
            fiscal_year: *fiscal_year,
            as_of: *as_of,
            schedule_progress_percent: *schedule_progress_percent,
            total: total.into(),
            by_line: rows(by_line),
            by_project: rows(by_project),
            by_kind: rows(by_kind),
            by_economic_class: rows(by_economic_class),
            by_month: by_month.iter().map(MonthRow::from).collect(),
        }
    }
}

impl From<&measure::MeasureValue> for MeasureValue {
    fn from(v: &measure::MeasureValue) -> Self {
        match v {
            measure::MeasureValue::Number { value } => MeasureValue::Number { value: *value },
            measure::MeasureValue::Met { met } => MeasureValue::Met { met: *met },
            measure::MeasureValue::NotApplicable => MeasureValue::NotApplicable,
            measure::MeasureValue::Unbounded => MeasureValue::Unbounded,
            measure::MeasureValue::NoData => MeasureValue::NoData,
            measure::MeasureValue::Assessed {
                grade,
                score,
                value,
                text,
            } => MeasureValue::Assessed {
                grade: grade.map(QualGrade::from),
                score: *score,
                value: *value,
                text: text.clone(),
            },
        }
    }
}

impl From<&measure::Source> for Source {
    fn from(s: &measure::Source) -> Self {
        match s {
            measure::Source::BudgetApproval => Source::BudgetApproval,
            measure::Source::Payment { id } => Source::Payment { id: *id },
            measure::Source::BudgetAdjustment { request_id } => Source::BudgetAdjustment {
                request_id: *request_id,
            },
            measure::Source::CarryOver { line_id, on } => Source::CarryOver {
                line_id: line_id.0.clone(),
                on: *on,
            },
            measure::Source::Activity { id } => Source::Activity { id: *id },
            measure::Source::Survey { id } => Source::Survey { id: *id },
            measure::Source::Procurement { id } => Source::Procurement { id: *id },
            measure::Source::Assessment { indicator_id, on } => Source::Assessment {
                indicator_id: indicator_id.0.clone(),
                on: *on,
            },
        }
    }
}

/// An indicator's status with its summarised provenance, as the application computes it.
impl From<&jixiao_app::IndicatorView> for IndicatorStatus {
    fn from(view: &jixiao_app::IndicatorView) -> Self {
        let jixiao_app::IndicatorView {
            status,
            source_count,
            source_positions,
        } = view;
        let aggregate::IndicatorStatus {
            scope,
            indicator_id,
            level1,
            level2,
            name,
            target_text,
            actual,
            actual_text,
            completion_percent,
            progress,
            weight,
            projected_score,
            sources,
        } = status;
        IndicatorStatus {
            scope: scope.into(),
            indicator_id: indicator_id.0.clone(),
            level1: (*level1).into(),
            level2: level2.clone(),
            name: name.clone(),
            target_text: target_text.clone(),
            actual: actual.into(),
            actual_text: actual_text.clone(),
            completion_percent: *completion_percent,
            progress: progress.into(),
            weight: *weight,
            projected_score: *projected_score,
            sources: sources.iter().map(Source::from).collect(),
            // A count of facts in one unit-year; usize is at most 64 bits on every target.
            source_count: u64::try_from(*source_count).unwrap_or(u64::MAX),
            source_positions: source_positions.clone(),
        }
    }
}

impl From<evaluation::EvaluationKind> for EvaluationKind {
    fn from(k: evaluation::EvaluationKind) -> Self {
        match k {
            evaluation::EvaluationKind::Project => EvaluationKind::Project,
            evaluation::EvaluationKind::Unit => EvaluationKind::Unit,
        }
    }
}

impl From<&evaluation::ExecutionResult> for ExecutionResult {
    fn from(e: &evaluation::ExecutionResult) -> Self {
        let evaluation::ExecutionResult {
            initial_yuan,
            adjusted_yuan,
            executed_yuan,
            rate_percent,
            weight,
            score,
            not_applicable,
            needs_explanation,
        } = e;
        ExecutionResult {
            initial_yuan: initial_yuan.yuan(),
            adjusted_yuan: adjusted_yuan.yuan(),
            executed_yuan: executed_yuan.yuan(),
            rate_percent: *rate_percent,
            weight: *weight,
            score: *score,
            not_applicable: *not_applicable,
            needs_explanation: *needs_explanation,
        }
    }
}

impl From<&evaluation::LevelResult> for LevelResult {
    fn from(l: &evaluation::LevelResult) -> Self {
        let evaluation::LevelResult {
            level1,
            profile_weight,
            weight,
            score,
            indicator_count,
        } = l;
        LevelResult {
            level1: (*level1).into(),
            profile_weight: *profile_weight,
            weight: *weight,
            score: *score,
            indicator_count: *indicator_count,
        }
    }
}

impl From<target::Direction> for Direction {
    fn from(d: target::Direction) -> Self {
        match d {
            target::Direction::Positive => Direction::Positive,
            target::Direction::Reverse => Direction::Reverse,
            target::Direction::Equal => Direction::Equal,
            target::Direction::Qualitative => Direction::Qualitative,
            target::Direction::Timeliness => Direction::Timeliness,
        }
    }
}

impl From<evaluation::Flag> for Flag {
    fn from(f: evaluation::Flag) -> Self {
        match f {
            evaluation::Flag::OverAchievement => Flag::OverAchievement,
            evaluation::Flag::NotApplicable => Flag::NotApplicable,
            evaluation::Flag::Excluded => Flag::Excluded,
            evaluation::Flag::NotYetAssessed => Flag::NotYetAssessed,
            evaluation::Flag::Graded => Flag::Graded,
        }
    }
}

impl From<&evaluation::IndicatorResult> for IndicatorResult {
    fn from(i: &evaluation::IndicatorResult) -> Self {
        let evaluation::IndicatorResult {
            id,
            level1,
            scored_under,
            level2,
            name,
            target_text,
            actual_text,
            direction,
            grade,
            weight,
            score,
            completion_percent,
            met,
            flags,
            explanation,
            needs_explanation,
        } = i;
        IndicatorResult {
            id: id.0.clone(),
            level1: (*level1).into(),
            scored_under: (*scored_under).into(),
            level2: level2.clone(),
            name: name.clone(),
            target_text: target_text.clone(),
            actual_text: actual_text.clone(),
            direction: (*direction).into(),
            grade: grade.map(QualGrade::from),
            weight: *weight,
            score: *score,
            completion_percent: *completion_percent,
            met: *met,
            flags: flags.iter().copied().map(Flag::from).collect(),
            explanation: explanation.clone(),
            needs_explanation: *needs_explanation,
        }
    }
}

impl From<&evaluation::DeviationItem> for DeviationItem {
    fn from(d: &evaluation::DeviationItem) -> Self {
        match d {
            evaluation::DeviationItem::ExecutionRate => DeviationItem::ExecutionRate,
            evaluation::DeviationItem::Indicator(id) => DeviationItem::Indicator(id.0.clone()),
        }
    }
}

impl From<&evaluation::ConsistencyCheck> for ConsistencyCheck {
    fn from(c: &evaluation::ConsistencyCheck) -> Self {
        let evaluation::ConsistencyCheck {
            indicator_percent,
            execution_percent,
            gap_percent,
            warning,
        } = c;
        ConsistencyCheck {
            indicator_percent: *indicator_percent,
            execution_percent: *execution_percent,
            gap_percent: *gap_percent,
            warning: *warning,
        }
    }
}

impl From<evaluation::Grade> for Grade {
    fn from(g: evaluation::Grade) -> Self {
        match g {
            evaluation::Grade::Excellent => Grade::Excellent,
            evaluation::Grade::Good => Grade::Good,
            evaluation::Grade::Fair => Grade::Fair,
            evaluation::Grade::Poor => Grade::Poor,
        }
    }
}

fn ids(ids: &[indicator::IndicatorId]) -> Vec<String> {
    ids.iter().map(|id| id.0.clone()).collect()
}

impl From<&evaluation::Evaluation> for Evaluation {
    fn from(e: &evaluation::Evaluation) -> Self {
        let evaluation::Evaluation {
            kind,
            profile_id,
            profile_version,
            execution,
            levels,
            indicators,
            total,
            grade,
            consistency,
            needs_explanation,
            not_yet_assessed,
            over_achieved,
        } = e;
        Evaluation {
            kind: (*kind).into(),
            profile_id: profile_id.clone(),
            profile_version: *profile_version,
            execution: execution.into(),
            levels: levels.iter().map(LevelResult::from).collect(),
            indicators: indicators.iter().map(IndicatorResult::from).collect(),
            total: *total,
            grade: (*grade).into(),
            consistency: consistency.as_ref().map(ConsistencyCheck::from),
            needs_explanation: needs_explanation.iter().map(DeviationItem::from).collect(),
            not_yet_assessed: ids(not_yet_assessed),
            over_achieved: ids(over_achieved),
        }
    }
}

impl From<(&jixiao_domain::budget::ProjectCode, &evaluation::Evaluation)> for ProjectEvaluation {
    fn from((code, e): (&jixiao_domain::budget::ProjectCode, &evaluation::Evaluation)) -> Self {
        ProjectEvaluation {
            project_code: code.0.clone(),
            evaluation: e.into(),
        }
    }
}

impl From<profile::ScheduleBasis> for ScheduleBasis {
    fn from(b: profile::ScheduleBasis) -> Self {
        match b {
            profile::ScheduleBasis::MonthEnd => ScheduleBasis::MonthEnd,
            profile::ScheduleBasis::ElapsedDays => ScheduleBasis::ElapsedDays,
        }
    }
}

impl From<monitoring::ForecastMethod> for ForecastMethod {
    fn from(m: monitoring::ForecastMethod) -> Self {
        match m {
            monitoring::ForecastMethod::RunRate => ForecastMethod::RunRate,
            monitoring::ForecastMethod::CurrentValue => ForecastMethod::CurrentValue,
            monitoring::ForecastMethod::NoBasis => ForecastMethod::NoBasis,
            monitoring::ForecastMethod::ByPerson => ForecastMethod::ByPerson,
        }
    }
}

impl From<&monitoring::ExecutionEarlyWarning> for ExecutionEarlyWarning {
    fn from(w: &monitoring::ExecutionEarlyWarning) -> Self {
        let monitoring::ExecutionEarlyWarning {
            target_rate_percent,
            forecast_rate_percent,
            gap_percent,
            gap_yuan,
        } = w;
        ExecutionEarlyWarning {
            target_rate_percent: *target_rate_percent,
            forecast_rate_percent: *forecast_rate_percent,
            gap_percent: *gap_percent,
            gap_yuan: gap_yuan.yuan(),
        }
    }
}

impl From<&monitoring::ExecutionForecast> for ExecutionForecast {
    fn from(f: &monitoring::ExecutionForecast) -> Self {
        let monitoring::ExecutionForecast {
            spent_yuan,
            forecast_yuan,
            forecast_rate_percent,
            method,
            early_warning,
        } = f;
        ExecutionForecast {
            spent_yuan: spent_yuan.yuan(),
            forecast_yuan: forecast_yuan.yuan(),
            forecast_rate_percent: *forecast_rate_percent,
            method: (*method).into(),
            early_warning: early_warning.as_ref().map(ExecutionEarlyWarning::from),
        }
    }
}

impl From<&monitoring::FundsBlock> for FundsBlock {
    fn from(f: &monitoring::FundsBlock) -> Self {
        let monitoring::FundsBlock {
            initial_yuan,
            adjusted_yuan,
            spent_yuan,
            execution_rate_percent,
            forecast,
            warning,
            needs_explanation,
        } = f;
        FundsBlock {
            initial_yuan: initial_yuan.yuan(),
            adjusted_yuan: adjusted_yuan.yuan(),
            spent_yuan: spent_yuan.yuan(),
            execution_rate_percent: *execution_rate_percent,
            forecast: forecast.into(),
            warning: warning.into(),
            needs_explanation: *needs_explanation,
        }
    }
}

impl From<&monitoring::IndicatorEarlyWarning> for IndicatorEarlyWarning {
    fn from(w: &monitoring::IndicatorEarlyWarning) -> Self {
        let monitoring::IndicatorEarlyWarning {
            target,
            forecast,
            gap,
        } = w;
        IndicatorEarlyWarning {
            target: *target,
            forecast: *forecast,
            gap: *gap,
        }
    }
}

impl From<&monitoring::IndicatorForecast> for IndicatorForecast {
    fn from(f: &monitoring::IndicatorForecast) -> Self {
        let monitoring::IndicatorForecast {
            value_so_far,
            forecast,
            method,
            early_warning,
        } = f;
        IndicatorForecast {
            value_so_far: *value_so_far,
            forecast: *forecast,
            method: (*method).into(),
            early_warning: early_warning.as_ref().map(IndicatorEarlyWarning::from),
        }
    }
}

impl From<event::Likelihood> for Likelihood {
    fn from(l: event::Likelihood) -> Self {
        match l {
            event::Likelihood::Certain => Likelihood::Certain,
            event::Likelihood::Possible => Likelihood::Possible,
            event::Likelihood::Impossible => Likelihood::Impossible,
        }
    }
}

impl From<&monitoring::IndicatorRowDraft> for IndicatorRowDraft {
    fn from(r: &monitoring::IndicatorRowDraft) -> Self {
        let monitoring::IndicatorRowDraft {
            scope,
            indicator_id,
            level1,
            level2,
            name,
            target_text,
            value_so_far,
            value_so_far_text,
            forecast,
            expected_full_year_text,
            progress,
            likelihood,
            deviation_cause_required,
        } = r;
        IndicatorRowDraft {
            scope: scope.into(),
            indicator_id: indicator_id.0.clone(),
            level1: (*level1).into(),
            level2: level2.clone(),
            name: name.clone(),
            target_text: target_text.clone(),
            value_so_far: *value_so_far,
            value_so_far_text: value_so_far_text.clone(),
            forecast: forecast.into(),
            expected_full_year_text: expected_full_year_text.clone(),
            progress: progress.into(),
            likelihood: (*likelihood).into(),
            deviation_cause_required: *deviation_cause_required,
        }
    }
}

impl From<&monitoring::MonitoringReportDraft> for MonitoringReportDraft {
    fn from(d: &monitoring::MonitoringReportDraft) -> Self {
        let monitoring::MonitoringReportDraft {
            fiscal_year,
            as_of,
            period_label,
            schedule_basis,
            schedule_progress_percent,
            funds,
            rows,
            called_to_explain,
        } = d;
        MonitoringReportDraft {
            fiscal_year: *fiscal_year,
            as_of: *as_of,
            period_label: period_label.clone(),
            schedule_basis: (*schedule_basis).into(),
            schedule_progress_percent: *schedule_progress_percent,
            funds: funds.into(),
            rows: rows.iter().map(IndicatorRowDraft::from).collect(),
            called_to_explain: *called_to_explain,
        }
    }
}
