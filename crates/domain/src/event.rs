//! The event vocabulary of a unit's fiscal year: past tense, versioned, immutable once stored.
//!
//! Each variant's serialized name is its `event_type`; [`Event::version`] is its schema version,
//! which the store records beside it so old versions can be upcast on read. The JSON shape of
//! every event is pinned by tests: renaming a field is a schema change, not a refactor.
//!
//! CONTRACT: shared by the aggregate, the store (projections) and the API.

use crate::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, UnitInfo};
use crate::codes::{EconomicCode, FunctionCode};
use crate::evidence::EvidenceRef;
use crate::indicator::{Indicator, IndicatorId, QualGrade, Scope};
use crate::money::Yuan;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The annual task list entry of 预算14 (年度主要任务).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualTask {
    /// 任务名称.
    pub name: String,
    /// 主要内容.
    pub content: String,
}

/// 年初预算批复: the unit's approved budget for the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetApproved {
    /// The unit.
    pub unit: UnitInfo,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Date of the approval (批复日期).
    pub approved_on: NaiveDate,
    /// Every line (基本支出 by 经济分类, 项目支出 by project).
    pub lines: Vec<BudgetLine>,
    /// The projects.
    pub projects: Vec<ProjectInfo>,
    /// "三公"经费 budget (预算09).
    pub sangong_budget_yuan: Yuan,
    /// 政府采购 budget.
    pub procurement_budget_yuan: Yuan,
    /// 年度履职目标 (预算14).
    pub annual_duty_goals: Vec<String>,
    /// 年度主要任务 (预算14).
    pub annual_tasks: Vec<AnnualTask>,
}

/// 追加 (positive) or 调减 (negative) of one line, approved by the finance bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetAdjustmentRequested {
    /// Id of the request.
    pub request_id: Uuid,
    /// The line.
    pub line_id: LineId,
    /// Signed change in 元.
    pub delta_yuan: Yuan,
    /// Reason (required when the change exceeds the profile's threshold).
    pub reason: String,
    /// Date of the request.
    pub requested_on: NaiveDate,
}

/// The finance bureau approved a budget adjustment: the line's budget changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetAdjusted {
    /// The request approved.
    pub request_id: Uuid,
    /// The line.
    pub line_id: LineId,
    /// Signed change in 元.
    pub delta_yuan: Yuan,
    /// Effective date.
    pub adjusted_on: NaiveDate,
    /// Note of the approver.
    pub note: String,
}

/// A decision against a request (budget or target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRejected {
    /// The request rejected.
    pub request_id: Uuid,
    /// Date of the decision.
    pub decided_on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// 上年结转 added to a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarryOverRecorded {
    /// The line.
    pub line_id: LineId,
    /// Amount carried over from last year.
    pub amount_yuan: Yuan,
    /// Date.
    pub recorded_on: NaiveDate,
}

/// Targets approved with the budget (预算14 unit-wide or 预算15 per project).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetsApproved {
    /// Unit or project.
    pub scope: Scope,
    /// 年度总体目标 (for a project) — empty for the unit.
    pub overall_goal: String,
    /// The indicators.
    pub indicators: Vec<Indicator>,
    /// Date.
    pub approved_on: NaiveDate,
}

/// A request to change one indicator's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetAdjustmentRequested {
    /// Id of the request.
    pub request_id: Uuid,
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: IndicatorId,
    /// The new target text (parsed when requested).
    pub new_target: crate::target::Target,
    /// Why.
    pub reason: String,
    /// Date.
    pub requested_on: NaiveDate,
}

/// The finance bureau approved a target adjustment: the indicator's target changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetAdjustmentApproved {
    /// The request approved.
    pub request_id: Uuid,
    /// Date.
    pub decided_on: NaiveDate,
    /// Note.
    pub note: String,
}

/// A payment (支出) against the budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecorded {
    /// Client-chosen id of the payment.
    pub payment_id: Uuid,
    /// Business date of the payment.
    pub paid_on: NaiveDate,
    /// The budget line charged.
    pub line_id: LineId,
    /// 部门经济分类 of the spending (may differ from the line's for project spending).
    pub economic_code: EconomicCode,
    /// 功能分类 (the line's when not given).
    pub function_code: FunctionCode,
    /// The project, for 项目支出.
    pub project_code: Option<ProjectCode>,
    /// Positive amount in 元.
    pub amount_yuan: Yuan,
    /// 凭证号 from the ledger, if any (re-imports are deduplicated by it).
    pub voucher_no: Option<String>,
    /// 摘要.
    pub summary: String,
}

/// 红冲: a payment reversed in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentReversed {
    /// The payment reversed.
    pub payment_id: Uuid,
    /// Business date of the reversal.
    pub reversed_on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// An activity (活动) held under a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityHeld {
    /// Client-chosen id.
    pub activity_id: Uuid,
    /// The project.
    pub project_code: ProjectCode,
    /// Date held.
    pub held_on: NaiveDate,
    /// Title.
    pub title: String,
    /// People invited (相关人员).
    pub invited: u32,
    /// People who took part (≤ invited).
    pub participants: u32,
    /// 佐证材料 (sign-in sheet, photo, PDF); absent in events recorded before evidence existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
}

/// 更正: an activity's facts replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityCorrected {
    /// The activity.
    pub activity_id: Uuid,
    /// Corrected date.
    pub held_on: NaiveDate,
    /// Corrected title.
    pub title: String,
    /// Corrected invited.
    pub invited: u32,
    /// Corrected participants.
    pub participants: u32,
    /// Why.
    pub reason: String,
}

/// An activity withdrawn (recorded in error, or did not happen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityWithdrawn {
    /// The activity.
    pub activity_id: Uuid,
    /// Date of the withdrawal.
    pub withdrawn_on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// A satisfaction survey's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRecorded {
    /// Client-chosen id.
    pub survey_id: Uuid,
    /// The project (None: unit-wide survey).
    pub project_code: Option<ProjectCode>,
    /// Date of the survey.
    pub surveyed_on: NaiveDate,
    /// Respondent group (专家, 企业, 工作人员, 服务对象, 社会公众, …).
    pub respondent_group: String,
    /// Valid responses.
    pub respondents: u32,
    /// Satisfied responses (≤ respondents).
    pub satisfied: u32,
    /// 佐证材料 (sign-in sheet, photo, PDF); absent in events recorded before evidence existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
}

/// A person's assessment of an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorAssessed {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: IndicatorId,
    /// Date of the assessment.
    pub assessed_on: NaiveDate,
    /// Grade (qualitative, 时效 override, or any indicator graded by a person).
    pub grade: Option<QualGrade>,
    /// Explicit score (required for 部分达成 / 未达成; must lie in the band).
    pub score: Option<Decimal>,
    /// A numeric actual value for an `Assessed` quantitative indicator.
    pub actual_value: Option<Decimal>,
    /// 实际完成值 as text for the forms ("良好", "明显提升", …).
    pub actual_text: String,
    /// Assessor's note.
    pub note: String,
    /// 佐证材料 (sign-in sheet, photo, PDF); absent in events recorded before evidence existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
    /// Where the score lies within its grade's band, from 0 (the band's low end) to 1 (its
    /// high end): how every scoring profile reads the score, whatever weight it gives the
    /// indicator. Filled in by the aggregate from `score` under the profile of the request;
    /// absent in events of the first release (then derived on apply, see `UnitYear::apply`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band_position: Option<Decimal>,
}

/// A 政府采购 contract executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementRecorded {
    /// Client-chosen id.
    pub procurement_id: Uuid,
    /// Date.
    pub procured_on: NaiveDate,
    /// The project, if any.
    pub project_code: Option<ProjectCode>,
    /// Amount in 元 (positive).
    pub amount_yuan: Yuan,
    /// What was procured.
    pub description: String,
}

/// Cause of a deviation in the 1-7月 report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviationCause {
    /// 经费保障
    Funding,
    /// 制度保障
    Institutional,
    /// 人员保障
    Staffing,
    /// 硬件条件保障
    Facilities,
    /// 其他
    Other,
}

/// Likelihood of completing the target by year end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// 确定能
    Certain,
    /// 有可能
    Possible,
    /// 完全不可能
    Impossible,
}

/// One indicator row of a filed monitoring report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringRow {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: IndicatorId,
    /// 1-7月执行情况 (value so far, as text).
    pub value_so_far: String,
    /// 全年预计完成情况.
    pub expected_full_year: String,
    /// 偏差原因 (when off track).
    pub deviation_cause: Option<DeviationCause>,
    /// 完成目标可能性.
    pub likelihood: Likelihood,
    /// 原因说明.
    pub explanation: String,
}

/// The 1-7月 绩效监控 report filed by the unit head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringReportFiled {
    /// Last business date covered (e.g. 2024-07-31).
    pub as_of: NaiveDate,
    /// Date filed.
    pub filed_on: NaiveDate,
    /// 全年预计执行数 as stated by the unit.
    pub expected_full_year_yuan: Yuan,
    /// Indicator rows.
    pub rows: Vec<MonitoringRow>,
}

/// 偏差原因分析及改进措施 for an indicator (or the execution rate when `indicator_id` is None).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationExplained {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator; None = 预算执行率.
    pub indicator_id: Option<IndicatorId>,
    /// The text.
    pub explanation: String,
    /// Date.
    pub explained_on: NaiveDate,
}

/// One row of a submitted self-evaluation: the 预算执行率 row (`indicator_id` None) or an
/// indicator, with what the unit signed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedRow {
    /// The indicator; None for the 预算执行率 row.
    pub indicator_id: Option<IndicatorId>,
    /// 三级指标 name (or "预算执行率").
    pub name: String,
    /// 年度指标值 as written (the execution row: "100%").
    pub target_text: String,
    /// 实际完成值 as shown (the execution row: the rate with two decimals and "%").
    pub actual_text: String,
    /// 分值.
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// Flags as shown to people ("目标值可能设置偏低", "人工评定", …).
    #[serde(default)]
    pub flags: Vec<String>,
}

/// One scope of a submitted self-evaluation (the unit or one project), every score of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedEvaluation {
    /// Whose evaluation.
    pub scope: Scope,
    /// 自评得分.
    pub total: Decimal,
    /// 优/良/中/差.
    pub grade: String,
    /// The consistency warning was raised.
    #[serde(default)]
    pub consistency_warning: bool,
    /// The rows: 预算执行率 first, then the indicators in form order.
    pub rows: Vec<SubmittedRow>,
}

/// The year-end self-evaluation was submitted (上报): what the unit signed, with every score,
/// so it can be exported again exactly as submitted and rechecked against the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfEvaluationSubmitted {
    /// Scoring profile id used.
    pub profile_id: String,
    /// Profile version used.
    pub profile_version: u32,
    /// Date.
    pub submitted_on: NaiveDate,
    /// Total score per project code, and "unit" for 部门整体.
    pub scores: Vec<(String, Decimal)>,
    /// Who submitted (the unit head's user name; empty in events of the first release).
    #[serde(default)]
    pub submitted_by: String,
    /// The stream version the scores were computed from (known-at: the first `known_at_version`
    /// events of the year); 0 in events of the first release.
    #[serde(default)]
    pub known_at_version: u64,
    /// Every scope's evaluation as submitted (empty in events of the first release).
    #[serde(default)]
    pub evaluations: Vec<SubmittedEvaluation>,
}

/// The finance bureau returned a submitted self-evaluation (退回) or approved it (审核通过).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfEvaluationReviewed {
    /// Date of the decision.
    pub on: NaiveDate,
    /// Who decided (the finance user's name).
    pub by: String,
    /// Why it was returned (required), or the approver's note.
    pub reason: String,
}

/// The year is locked (or unlocked) by the finance bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearLockChanged {
    /// Date.
    pub on: NaiveDate,
    /// Why.
    pub reason: String,
    /// Who (the finance user's name; empty in events of the first release).
    #[serde(default)]
    pub by: String,
}

/// What a piece of evidence attached after the fact belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceTarget {
    /// An activity (活动) of the year.
    Activity {
        /// The activity.
        activity_id: Uuid,
    },
    /// A satisfaction survey of the year.
    Survey {
        /// The survey.
        survey_id: Uuid,
    },
    /// The assessments of one indicator.
    Assessment {
        /// Whose indicator.
        scope: Scope,
        /// Which indicator.
        indicator_id: IndicatorId,
    },
}

/// 佐证材料 added to an activity, survey or assessment already recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceAttached {
    /// What the evidence belongs to.
    pub target: EvidenceTarget,
    /// The files.
    pub evidence: Vec<EvidenceRef>,
    /// Date attached.
    pub attached_on: NaiveDate,
}

/// Every event of a unit's fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// 年初预算批复.
    BudgetApproved(BudgetApproved),
    /// 预算调整 requested.
    BudgetAdjustmentRequested(BudgetAdjustmentRequested),
    /// 预算调整 approved and applied.
    BudgetAdjusted(BudgetAdjusted),
    /// 预算调整 rejected.
    BudgetAdjustmentRejected(RequestRejected),
    /// 上年结转.
    CarryOverRecorded(CarryOverRecorded),
    /// 绩效目标 approved.
    TargetsApproved(TargetsApproved),
    /// 绩效目标调整 requested.
    TargetAdjustmentRequested(TargetAdjustmentRequested),
    /// 绩效目标调整 approved and applied.
    TargetAdjustmentApproved(TargetAdjustmentApproved),
    /// 绩效目标调整 rejected.
    TargetAdjustmentRejected(RequestRejected),
    /// 支出.
    PaymentRecorded(PaymentRecorded),
    /// 红冲.
    PaymentReversed(PaymentReversed),
    /// 活动.
    ActivityHeld(ActivityHeld),
    /// 活动更正.
    ActivityCorrected(ActivityCorrected),
    /// 活动撤回.
    ActivityWithdrawn(ActivityWithdrawn),
    /// 满意度调查.
    SurveyRecorded(SurveyRecorded),
    /// 指标评定.
    IndicatorAssessed(IndicatorAssessed),
    /// 政府采购.
    ProcurementRecorded(ProcurementRecorded),
    /// 1-7月 监控报告.
    MonitoringReportFiled(MonitoringReportFiled),
    /// 偏差说明.
    DeviationExplained(DeviationExplained),
    /// 自评提交 (上报).
    SelfEvaluationSubmitted(SelfEvaluationSubmitted),
    /// 自评退回.
    SelfEvaluationReturned(SelfEvaluationReviewed),
    /// 自评审核通过.
    SelfEvaluationApproved(SelfEvaluationReviewed),
    /// 年度锁定.
    YearClosed(YearLockChanged),
    /// 年度解锁.
    YearReopened(YearLockChanged),
    /// 佐证材料补充.
    EvidenceAttached(EvidenceAttached),
}

impl Event {
    /// The stored `event_type` name (snake_case of the variant).
    pub fn event_type(&self) -> &'static str {
        match self {
            Event::BudgetApproved(_) => "budget_approved",
            Event::BudgetAdjustmentRequested(_) => "budget_adjustment_requested",
            Event::BudgetAdjusted(_) => "budget_adjusted",
            Event::BudgetAdjustmentRejected(_) => "budget_adjustment_rejected",
            Event::CarryOverRecorded(_) => "carry_over_recorded",
            Event::TargetsApproved(_) => "targets_approved",
            Event::TargetAdjustmentRequested(_) => "target_adjustment_requested",
            Event::TargetAdjustmentApproved(_) => "target_adjustment_approved",
            Event::TargetAdjustmentRejected(_) => "target_adjustment_rejected",
            Event::PaymentRecorded(_) => "payment_recorded",
            Event::PaymentReversed(_) => "payment_reversed",
            Event::ActivityHeld(_) => "activity_held",
            Event::ActivityCorrected(_) => "activity_corrected",
            Event::ActivityWithdrawn(_) => "activity_withdrawn",
            Event::SurveyRecorded(_) => "survey_recorded",
            Event::IndicatorAssessed(_) => "indicator_assessed",
            Event::ProcurementRecorded(_) => "procurement_recorded",
            Event::MonitoringReportFiled(_) => "monitoring_report_filed",
            Event::DeviationExplained(_) => "deviation_explained",
            Event::SelfEvaluationSubmitted(_) => "self_evaluation_submitted",
            Event::SelfEvaluationReturned(_) => "self_evaluation_returned",
            Event::SelfEvaluationApproved(_) => "self_evaluation_approved",
            Event::YearClosed(_) => "year_closed",
            Event::YearReopened(_) => "year_reopened",
            Event::EvidenceAttached(_) => "evidence_attached",
        }
    }

    /// Current schema version of this event type. Bump it (and add an upcaster in the store)
    /// when the payload shape changes.
    pub fn version(&self) -> u32 {
        1
    }

    /// The business date the event is about (the axis of "as of" time travel).
    pub fn business_date(&self) -> NaiveDate {
        match self {
            Event::BudgetApproved(e) => e.approved_on,
            Event::BudgetAdjustmentRequested(e) => e.requested_on,
            Event::BudgetAdjusted(e) => e.adjusted_on,
            Event::BudgetAdjustmentRejected(e) => e.decided_on,
            Event::CarryOverRecorded(e) => e.recorded_on,
            Event::TargetsApproved(e) => e.approved_on,
            Event::TargetAdjustmentRequested(e) => e.requested_on,
            Event::TargetAdjustmentApproved(e) => e.decided_on,
            Event::TargetAdjustmentRejected(e) => e.decided_on,
            Event::PaymentRecorded(e) => e.paid_on,
            Event::PaymentReversed(e) => e.reversed_on,
            Event::ActivityHeld(e) => e.held_on,
            Event::ActivityCorrected(e) => e.held_on,
            Event::ActivityWithdrawn(e) => e.withdrawn_on,
            Event::SurveyRecorded(e) => e.surveyed_on,
            Event::IndicatorAssessed(e) => e.assessed_on,
            Event::ProcurementRecorded(e) => e.procured_on,
            Event::MonitoringReportFiled(e) => e.filed_on,
            Event::DeviationExplained(e) => e.explained_on,
            Event::SelfEvaluationSubmitted(e) => e.submitted_on,
            Event::SelfEvaluationReturned(e) | Event::SelfEvaluationApproved(e) => e.on,
            Event::YearClosed(e) => e.on,
            Event::YearReopened(e) => e.on,
            Event::EvidenceAttached(e) => e.attached_on,
        }
    }

    /// The payload (the `data` part) as JSON, as stored.
    pub fn payload(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut m)) => {
                m.remove("data").unwrap_or(serde_json::Value::Null)
            }
            // Serializing plain data structs cannot fail; an unexpected shape is a bug.
            other => unreachable!("event serialized to {other:?}"),
        }
    }

    /// The payload as stored JSON text, byte for byte `serde_json::to_string(&self.payload())`
    /// (keys in sorted order, as `serde_json::Value` writes them), but written straight from the
    /// struct for the hot types (payments, activities, surveys) without building a `Value`
    /// tree first (≈ 2 µs per event otherwise, on the appending thread). Every other type takes
    /// the `Value` path. The store tests prove the equality on every corpus event.
    pub fn payload_json(&self) -> Result<String, serde_json::Error> {
        /// Writes `"key":value` (with a leading comma unless first) into a JSON object.
        fn field<T: Serialize + ?Sized>(
            out: &mut Vec<u8>,
            key: &str,
            value: &T,
        ) -> Result<(), serde_json::Error> {
            // `out` holds just the opening brace before the first field.
            if out.len() > 1 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, key)?;
            out.push(b':');
            serde_json::to_writer(&mut *out, value)
        }
        // Keys below are in byte order: the order `serde_json::Value` (a BTreeMap) writes.
        let mut out: Vec<u8> = Vec::with_capacity(384);
        out.push(b'{');
        match self {
            Event::PaymentRecorded(e) => {
                field(&mut out, "amount_yuan", &e.amount_yuan)?;
                field(&mut out, "economic_code", &e.economic_code)?;
                field(&mut out, "function_code", &e.function_code)?;
                field(&mut out, "line_id", &e.line_id)?;
                field(&mut out, "paid_on", &e.paid_on)?;
                field(&mut out, "payment_id", &e.payment_id)?;
                field(&mut out, "project_code", &e.project_code)?;
                field(&mut out, "summary", &e.summary)?;
                field(&mut out, "voucher_no", &e.voucher_no)?;
            }
            Event::ActivityHeld(e) => {
                field(&mut out, "activity_id", &e.activity_id)?;
                if !e.evidence.is_empty() {
                    // Through a `Value`, so the nested keys come out sorted as on the slow path.
                    field(&mut out, "evidence", &serde_json::to_value(&e.evidence)?)?;
                }
                field(&mut out, "held_on", &e.held_on)?;
                field(&mut out, "invited", &e.invited)?;
                field(&mut out, "participants", &e.participants)?;
                field(&mut out, "project_code", &e.project_code)?;
                field(&mut out, "title", &e.title)?;
            }
            Event::SurveyRecorded(e) => {
                if !e.evidence.is_empty() {
                    // Through a `Value`, so the nested keys come out sorted as on the slow path.
                    field(&mut out, "evidence", &serde_json::to_value(&e.evidence)?)?;
                }
                field(&mut out, "project_code", &e.project_code)?;
                field(&mut out, "respondent_group", &e.respondent_group)?;
                field(&mut out, "respondents", &e.respondents)?;
                field(&mut out, "satisfied", &e.satisfied)?;
                field(&mut out, "survey_id", &e.survey_id)?;
                field(&mut out, "surveyed_on", &e.surveyed_on)?;
            }
            _ => return serde_json::to_string(&self.payload()),
        }
        out.push(b'}');
        // serde_json writes valid UTF-8 only.
        String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
    }

    /// Rebuild an event from its stored type and (already upcast) payload.
    pub fn from_payload(
        event_type: &str,
        payload: serde_json::Value,
    ) -> Result<Event, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "type": event_type, "data": payload }))
    }
}
