//! Commands: what a user asks the aggregate to do. Each carries typed fields and the ids and
//! dates chosen by the caller (the domain has no clock and makes no ids). Most commands carry
//! the payload of the event they would record; the aggregate checks it against the state and
//! either records it or refuses with a [`super::DomainError`].

use crate::budget::{LineId, ProjectCode};
use crate::codes::{EconomicCode, FunctionCode};
use crate::event::{
    ActivityCorrected, ActivityHeld, ActivityWithdrawn, BudgetAdjustmentRequested, BudgetApproved,
    CarryOverRecorded, DeviationExplained, EvidenceAttached, IndicatorAssessed,
    MonitoringReportFiled, PaymentRecorded, PaymentReversed, ProcurementRecorded,
    SelfEvaluationReviewed, SurveyRecorded, TargetAdjustmentRequested, TargetsApproved,
    YearLockChanged,
};
use crate::money::Yuan;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The finance bureau's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Approve: the change is applied.
    Approve {
        /// Note of the approver.
        note: String,
    },
    /// Reject: nothing changes.
    Reject {
        /// Why (required).
        reason: String,
    },
}

/// Decide a pending budget or target adjustment request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decide {
    /// The request decided.
    pub request_id: Uuid,
    /// Date of the decision.
    pub decided_on: NaiveDate,
    /// Approve or reject.
    pub decision: Decision,
}

/// Submit the year-end self-evaluation: the scores are computed from the log with the
/// profile given to `handle`, and recorded as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitSelfEvaluation {
    /// Date of submission (also the as-of date of the scores).
    pub submitted_on: NaiveDate,
    /// Who submits (the unit head's user name, filled in by the front end from the login).
    #[serde(default)]
    pub submitted_by: String,
}

/// Record a payment (支出). The 经济分类, 功能分类 and project default to the budget line's when
/// not given: the aggregate fills them in from its state, so a caller can build the command
/// without loading the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPayment {
    /// Client-chosen id of the payment.
    pub payment_id: Uuid,
    /// Business date of the payment.
    pub paid_on: NaiveDate,
    /// The budget line charged.
    pub line_id: LineId,
    /// 部门经济分类 of the spending; the line's when None.
    pub economic_code: Option<EconomicCode>,
    /// 功能分类; the line's when None.
    pub function_code: Option<FunctionCode>,
    /// The project, for 项目支出; the line's when None (a project given must be the line's).
    pub project_code: Option<ProjectCode>,
    /// Positive amount in 元.
    pub amount_yuan: Yuan,
    /// 凭证号 from the ledger, if any.
    pub voucher_no: Option<String>,
    /// 摘要.
    pub summary: String,
}

impl From<PaymentRecorded> for RecordPayment {
    /// Every field given (the ledger import and the demo resolve the codes themselves).
    fn from(p: PaymentRecorded) -> Self {
        RecordPayment {
            payment_id: p.payment_id,
            paid_on: p.paid_on,
            line_id: p.line_id,
            economic_code: Some(p.economic_code),
            function_code: Some(p.function_code),
            project_code: p.project_code,
            amount_yuan: p.amount_yuan,
            voucher_no: p.voucher_no,
            summary: p.summary,
        }
    }
}

/// Everything a user can ask of a unit's fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", content = "data", rename_all = "snake_case")]
pub enum Command {
    /// 年初预算批复 (from the budget import).
    ApproveBudget(BudgetApproved),
    /// 上年结转.
    RecordCarryOver(CarryOverRecorded),
    /// 绩效目标批复 for the unit or one project.
    ApproveTargets(TargetsApproved),
    /// 预算调整申请 (追加/调减 of one line).
    RequestBudgetAdjustment(BudgetAdjustmentRequested),
    /// 预算调整审批.
    DecideBudgetAdjustment(Decide),
    /// 绩效目标调整申请.
    RequestTargetAdjustment(TargetAdjustmentRequested),
    /// 绩效目标调整审批 (approval applies the new target).
    DecideTargetAdjustment(Decide),
    /// 支出.
    RecordPayment(RecordPayment),
    /// 红冲.
    ReversePayment(PaymentReversed),
    /// 活动.
    HoldActivity(ActivityHeld),
    /// 活动更正.
    CorrectActivity(ActivityCorrected),
    /// 活动撤回.
    WithdrawActivity(ActivityWithdrawn),
    /// 满意度调查.
    RecordSurvey(SurveyRecorded),
    /// 指标评定.
    AssessIndicator(IndicatorAssessed),
    /// 政府采购.
    RecordProcurement(ProcurementRecorded),
    /// 1-7月 监控报告.
    FileMonitoringReport(MonitoringReportFiled),
    /// 偏差原因分析及改进措施.
    ExplainDeviation(DeviationExplained),
    /// 自评提交 (上报).
    SubmitSelfEvaluation(SubmitSelfEvaluation),
    /// 自评退回 (finance; reason required).
    ReturnSelfEvaluation(SelfEvaluationReviewed),
    /// 自评审核通过 (finance).
    ApproveSelfEvaluation(SelfEvaluationReviewed),
    /// 年度锁定.
    CloseYear(YearLockChanged),
    /// 年度解锁 (reason required).
    ReopenYear(YearLockChanged),
    /// 补充佐证材料 to an activity, survey or assessment already recorded.
    AttachEvidence(EvidenceAttached),
}

impl Command {
    /// The command's name in Chinese, for messages.
    pub fn label(&self) -> &'static str {
        match self {
            Command::ApproveBudget(_) => "年初预算批复",
            Command::RecordCarryOver(_) => "上年结转",
            Command::ApproveTargets(_) => "绩效目标批复",
            Command::RequestBudgetAdjustment(_) => "预算调整申请",
            Command::DecideBudgetAdjustment(_) => "预算调整审批",
            Command::RequestTargetAdjustment(_) => "绩效目标调整申请",
            Command::DecideTargetAdjustment(_) => "绩效目标调整审批",
            Command::RecordPayment(_) => "记录支出",
            Command::ReversePayment(_) => "支出红冲",
            Command::HoldActivity(_) => "记录活动",
            Command::CorrectActivity(_) => "活动更正",
            Command::WithdrawActivity(_) => "活动撤回",
            Command::RecordSurvey(_) => "记录满意度调查",
            Command::AssessIndicator(_) => "指标评定",
            Command::RecordProcurement(_) => "记录政府采购",
            Command::FileMonitoringReport(_) => "报送监控报告",
            Command::ExplainDeviation(_) => "偏差说明",
            Command::SubmitSelfEvaluation(_) => "提交绩效自评",
            Command::ReturnSelfEvaluation(_) => "退回绩效自评",
            Command::ApproveSelfEvaluation(_) => "审核通过绩效自评",
            Command::CloseYear(_) => "年度锁定",
            Command::ReopenYear(_) => "年度解锁",
            Command::AttachEvidence(_) => "补充佐证材料",
        }
    }
}

impl Command {
    /// Whether the command is the unit's own write (what a submission locks): every record,
    /// request, report, explanation, assessment and the submission itself. The finance
    /// bureau's acts — approvals, decisions, carry-overs, returning, approving, closing and
    /// reopening — are not.
    pub fn is_unit_write(&self) -> bool {
        match self {
            Command::RequestBudgetAdjustment(_)
            | Command::RequestTargetAdjustment(_)
            | Command::RecordPayment(_)
            | Command::ReversePayment(_)
            | Command::HoldActivity(_)
            | Command::CorrectActivity(_)
            | Command::WithdrawActivity(_)
            | Command::RecordSurvey(_)
            | Command::AssessIndicator(_)
            | Command::RecordProcurement(_)
            | Command::FileMonitoringReport(_)
            | Command::ExplainDeviation(_)
            | Command::AttachEvidence(_)
            | Command::SubmitSelfEvaluation(_) => true,
            Command::ApproveBudget(_)
            | Command::RecordCarryOver(_)
            | Command::ApproveTargets(_)
            | Command::DecideBudgetAdjustment(_)
            | Command::DecideTargetAdjustment(_)
            | Command::ReturnSelfEvaluation(_)
            | Command::ApproveSelfEvaluation(_)
            | Command::CloseYear(_)
            | Command::ReopenYear(_) => false,
        }
    }
}
