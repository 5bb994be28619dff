//! Why the aggregate refused a command: one variant per rule, each with a Chinese message that
//! names the field and the offending value, and a stable machine-readable [`DomainError::code`]
//! that the API returns beside the message (clients branch on the code, never on the text).

use crate::indicator::{IndicatorId, QualGrade, Scope};
use crate::money::Yuan;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

/// How a scope is named in messages: "部门整体" or "项目 4108…".
pub fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::Unit => "部门整体".to_string(),
        Scope::Project(code) => format!("项目 {}", code.0),
    }
}

/// How a qualitative grade is named in messages.
pub fn grade_label(grade: QualGrade) -> &'static str {
    match grade {
        QualGrade::Achieved => "达成",
        QualGrade::Partial => "部分达成",
        QualGrade::NotAchieved => "未达成",
    }
}

/// A command the aggregate refuses. Nothing is recorded when a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Only the budget approval may come first.
    #[error("尚未批复年初预算，不能执行“{command}” (budget not approved yet)")]
    BudgetNotApproved {
        /// The refused command's name.
        command: &'static str,
    },
    /// The budget is approved once per year; changes go through adjustments.
    #[error(
        "{fiscal_year}年度年初预算已于{approved_on}批复，不能重复批复 (budget already approved)"
    )]
    BudgetAlreadyApproved {
        /// The year.
        fiscal_year: i32,
        /// When it was approved.
        approved_on: NaiveDate,
    },
    /// After 年度锁定 only 解锁 is accepted.
    #[error("{fiscal_year}年度已锁定，不能执行“{command}”，须先解锁 (year closed)")]
    YearClosed {
        /// The year.
        fiscal_year: i32,
        /// The refused command's name.
        command: &'static str,
    },
    /// The self-evaluation is submitted (or approved): the unit's writes wait until the finance
    /// bureau returns it.
    #[error(
        "本年度绩效自评已于{on}由{by}上报（状态：{state}），单位不能再执行“{command}”；如需修改，须由财政部门退回 (year submitted: locked for the unit's writes)"
    )]
    YearSubmitted {
        /// The refused command's name.
        command: &'static str,
        /// 已上报 or 已审核.
        state: &'static str,
        /// Who submitted ("未署名" for a first-release event).
        by: String,
        /// When.
        on: NaiveDate,
    },
    /// Returning or approving a self-evaluation that is not waiting for review.
    #[error(
        "本年度绩效自评当前状态为{state}，不能执行“{command}”：只有已上报的自评可以退回或审核通过 (self-evaluation not submitted)"
    )]
    NotSubmitted {
        /// The refused command's name.
        command: &'static str,
        /// The current state (草稿, 已退回, 已审核).
        state: &'static str,
    },
    /// Reopening a year that is not closed.
    #[error("{fiscal_year}年度未锁定，无需解锁 (year not closed)")]
    YearNotClosed {
        /// The year.
        fiscal_year: i32,
    },
    /// A text field that must not be empty.
    #[error("“{field}”不能为空 (required)")]
    Required {
        /// The field.
        field: &'static str,
    },
    /// A text longer than its limit.
    #[error("“{field}”长度为{len}个字符，超过上限{max} (text too long)")]
    TextTooLong {
        /// The field.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A collection larger than its limit.
    #[error("“{what}”数量超过上限{max} (too many)")]
    TooMany {
        /// What.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// A number larger than its limit.
    #[error("“{field}”={value}超过上限{max} (value too large)")]
    ValueTooLarge {
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
        /// The limit.
        max: String,
    },
    /// A payment dated outside the fiscal year.
    #[error("支出日期 paid_on={date} 不在{fiscal_year}年度内 (payment outside the fiscal year)")]
    PaymentOutsideYear {
        /// The date given.
        date: NaiveDate,
        /// The year.
        fiscal_year: i32,
    },
    /// A business date outside the window its command allows around the fiscal year (see
    /// [`super::DateWindow`]).
    #[error(
        "日期 {field}={date} 不在{fiscal_year}年度允许的日期范围内（{earliest}至{latest}） (date outside the fiscal year)"
    )]
    DateOutsideYear {
        /// The field.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
        /// The year.
        fiscal_year: i32,
        /// First date allowed.
        earliest: NaiveDate,
        /// Last date allowed.
        latest: NaiveDate,
    },
    /// An activity withdrawn before the date it was held.
    #[error(
        "撤回日期 withdrawn_on={withdrawn_on} 早于活动 activity_id=“{activity_id}”的举办日期 held_on={held_on} (withdrawal before the activity)"
    )]
    WithdrawalBeforeActivity {
        /// The activity.
        activity_id: Uuid,
        /// The withdrawal date given.
        withdrawn_on: NaiveDate,
        /// The activity's date.
        held_on: NaiveDate,
    },
    /// A payment reversed before it was paid.
    #[error(
        "红冲日期 reversed_on={reversed_on} 早于支出 payment_id=“{payment_id}”的支付日期 paid_on={paid_on} (reversal before the payment)"
    )]
    ReversalBeforePayment {
        /// The payment.
        payment_id: Uuid,
        /// The reversal date given.
        reversed_on: NaiveDate,
        /// The payment's date.
        paid_on: NaiveDate,
    },
    /// A request decided before it was made.
    #[error(
        "审批日期 decided_on={decided_on} 早于调整申请 request_id=“{request_id}”的申请日期 requested_on={requested_on} (decision before the request)"
    )]
    DecisionBeforeRequest {
        /// The request.
        request_id: Uuid,
        /// The decision date given.
        decided_on: NaiveDate,
        /// The request's date.
        requested_on: NaiveDate,
    },
    /// A date that must not precede another.
    #[error("日期 {field}={date} 早于{earlier_label} {earlier} (date before its reference)")]
    DateTooEarly {
        /// The field.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
        /// What it must not precede (in Chinese).
        earlier_label: &'static str,
        /// That date.
        earlier: NaiveDate,
    },
    /// Zero or negative amount where a positive one is required.
    #[error("金额 {field}={amount} 元必须大于零 (amount must be positive)")]
    AmountNotPositive {
        /// The field.
        field: &'static str,
        /// The amount given.
        amount: Yuan,
    },
    /// A budget adjustment of zero.
    #[error("调整金额 delta_yuan 不能为零 (adjustment must not be zero)")]
    AdjustmentZero,
    /// A 调减 that would take the line below zero.
    #[error(
        "预算行“{line_id}”调整后预算为{budget}元，调减{delta}元后将为负数 (line would go negative)"
    )]
    AdjustmentBelowZero {
        /// The line.
        line_id: String,
        /// Its adjusted budget now.
        budget: Yuan,
        /// The change requested.
        delta: Yuan,
    },
    /// An adjustment above the profile threshold without a reason.
    #[error(
        "预算行“{line_id}”调整幅度{percent}%超过{threshold}%，须填写调整原因 reason (reason required above threshold)"
    )]
    AdjustmentReasonRequired {
        /// The line.
        line_id: String,
        /// The change as % of the line's current budget (None when the line's budget is zero).
        percent: String,
        /// The profile threshold.
        threshold: Decimal,
    },
    /// A budget line id that does not exist.
    #[error("预算行 line_id=“{line_id}”不存在 (unknown budget line)")]
    UnknownLine {
        /// The id given.
        line_id: String,
    },
    /// A project code that does not exist.
    #[error("项目 project_code=“{project_code}”不存在 (unknown project)")]
    UnknownProject {
        /// The code given.
        project_code: String,
    },
    /// A payment whose project does not match its line's.
    #[error(
        "支出的项目 project_code={given} 与预算行“{line_id}”的项目 {expected} 不一致 (project does not match the line)"
    )]
    ProjectMismatch {
        /// The line.
        line_id: String,
        /// The line's project ("无" for 基本支出).
        expected: String,
        /// The project given ("无" when none).
        given: String,
    },
    /// A client id already used in this year.
    #[error("{field}=“{id}”已被使用 (duplicate id)")]
    DuplicateId {
        /// Which id field.
        field: &'static str,
        /// The id.
        id: String,
    },
    /// Reversal of a payment that does not exist.
    #[error("支出 payment_id=“{payment_id}”不存在 (unknown payment)")]
    UnknownPayment {
        /// The id given.
        payment_id: Uuid,
    },
    /// Reversal of a payment already reversed.
    #[error(
        "支出 payment_id=“{payment_id}”已于{reversed_on}红冲，不能重复红冲 (payment already reversed)"
    )]
    PaymentAlreadyReversed {
        /// The payment.
        payment_id: Uuid,
        /// When it was reversed.
        reversed_on: NaiveDate,
    },
    /// An activity id that does not exist.
    #[error("活动 activity_id=“{activity_id}”不存在 (unknown activity)")]
    UnknownActivity {
        /// The id given.
        activity_id: Uuid,
    },
    /// Correcting or withdrawing a withdrawn activity.
    #[error("活动 activity_id=“{activity_id}”已于{withdrawn_on}撤回 (activity withdrawn)")]
    ActivityAlreadyWithdrawn {
        /// The activity.
        activity_id: Uuid,
        /// When.
        withdrawn_on: NaiveDate,
    },
    /// More participants than invited.
    #[error(
        "参与人数 participants={participants} 超过邀请人数 invited={invited} (more participants than invited)"
    )]
    ParticipantsExceedInvited {
        /// Participants given.
        participants: u32,
        /// Invited given.
        invited: u32,
    },
    /// More satisfied than respondents.
    #[error(
        "满意人数 satisfied={satisfied} 超过有效问卷数 respondents={respondents} (more satisfied than respondents)"
    )]
    SatisfiedExceedRespondents {
        /// Satisfied given.
        satisfied: u32,
        /// Respondents given.
        respondents: u32,
    },
    /// A survey without any valid response.
    #[error("有效问卷数 respondents 为0，不能记录满意度调查 (no valid responses)")]
    NoRespondents,
    /// Targets approved twice for a scope.
    #[error(
        "{scope}的绩效目标已于{approved_on}批复，修改须走绩效目标调整 (targets already approved)"
    )]
    TargetsAlreadyApproved {
        /// The scope, labelled.
        scope: String,
        /// When.
        approved_on: NaiveDate,
    },
    /// Two indicators with one id in one scope.
    #[error("指标编号 indicator_id=“{indicator_id}”重复 (duplicate indicator id)")]
    DuplicateIndicator {
        /// The id.
        indicator_id: String,
    },
    /// An indicator that does not exist in that scope.
    #[error("{scope}不存在指标 indicator_id=“{indicator_id}” (unknown indicator)")]
    UnknownIndicator {
        /// The scope, labelled.
        scope: String,
        /// The id given.
        indicator_id: String,
    },
    /// 部分达成 / 未达成 without an explicit score.
    #[error("评定等级为“{grade}”时须填写得分 score (score required)")]
    ScoreRequired {
        /// The grade, labelled.
        grade: &'static str,
    },
    /// A score given without the grade it belongs to (the score would be ignored).
    #[error(
        "填写得分 score={score} 时须同时给出评定等级 grade（达成、部分达成或未达成） (grade required with a score)"
    )]
    GradeRequired {
        /// The score given.
        score: rust_decimal::Decimal,
    },
    /// A score outside its grade's band.
    #[error(
        "得分 score={score} 不在“{grade}”的分数区间[{low}, {high}{close}内（分值{weight}） (score outside its band)"
    )]
    ScoreOutsideBand {
        /// The score given.
        score: Decimal,
        /// The grade, labelled.
        grade: &'static str,
        /// Lower edge (inclusive).
        low: Decimal,
        /// Upper edge.
        high: Decimal,
        /// "]" when the upper edge is inclusive, ")" otherwise.
        close: &'static str,
        /// The indicator's weight.
        weight: Decimal,
    },
    /// A request id that does not exist.
    #[error("调整申请 request_id=“{request_id}”不存在 (unknown request)")]
    UnknownRequest {
        /// The id given.
        request_id: Uuid,
    },
    /// A request decided twice.
    #[error(
        "调整申请 request_id=“{request_id}”已处理（{status}），不能重复处理 (request already decided)"
    )]
    RequestAlreadyDecided {
        /// The request.
        request_id: Uuid,
        /// "已批准" or "已驳回".
        status: &'static str,
    },
    /// The self-evaluation of a scope cannot be computed (e.g. an assessment that no longer
    /// fits its indicator).
    #[error("{scope}的绩效自评无法计算：{message} (evaluation failed)")]
    EvaluationFailed {
        /// The scope, labelled.
        scope: String,
        /// Why, from the scoring.
        message: String,
    },
    /// Self-evaluation submitted while deviations are unexplained.
    #[error(
        "以下指标未达成且未填写偏差原因分析及改进措施：{items} (deviation explanations missing)"
    )]
    DeviationUnexplained {
        /// "项目 X：指标名; …".
        items: String,
    },
    /// Self-evaluation submitted while indicators have no actual value (they would score 0
    /// unnoticed).
    #[error("以下指标尚无实际完成值，须先评定：{items} (indicators not yet assessed)")]
    NotYetAssessed {
        /// "项目 X：指标名; …".
        items: String,
    },
    /// A 佐证材料 rule (type, size, name, count) broken.
    #[error("{0}")]
    Evidence(#[from] crate::evidence::EvidenceError),
    /// Evidence attached to an activity, survey or assessment the year does not hold.
    #[error("{target}不存在，不能补充佐证材料 (evidence target not found)")]
    EvidenceTargetNotFound {
        /// "活动 …", "满意度调查 …" or "指标评定 …".
        target: String,
    },
}

impl DomainError {
    /// Stable machine-readable code of the rule (snake_case; never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::BudgetNotApproved { .. } => "budget_not_approved",
            DomainError::BudgetAlreadyApproved { .. } => "budget_already_approved",
            DomainError::YearClosed { .. } => "year_closed",
            DomainError::YearNotClosed { .. } => "year_not_closed",
            DomainError::YearSubmitted { .. } => "year_submitted",
            DomainError::NotSubmitted { .. } => "self_evaluation_not_submitted",
            DomainError::Required { .. } => "required",
            DomainError::TextTooLong { .. } => "text_too_long",
            DomainError::TooMany { .. } => "too_many",
            DomainError::ValueTooLarge { .. } => "value_too_large",
            DomainError::PaymentOutsideYear { .. } => "payment_outside_year",
            DomainError::DateOutsideYear { .. } => "date_outside_year",
            DomainError::DateTooEarly { .. } => "date_too_early",
            DomainError::WithdrawalBeforeActivity { .. } => "withdrawal_before_activity",
            DomainError::ReversalBeforePayment { .. } => "reversal_before_payment",
            DomainError::DecisionBeforeRequest { .. } => "decision_before_request",
            DomainError::AmountNotPositive { .. } => "amount_not_positive",
            DomainError::AdjustmentZero => "adjustment_zero",
            DomainError::AdjustmentBelowZero { .. } => "adjustment_below_zero",
            DomainError::AdjustmentReasonRequired { .. } => "adjustment_reason_required",
            DomainError::UnknownLine { .. } => "unknown_line",
            DomainError::UnknownProject { .. } => "unknown_project",
            DomainError::ProjectMismatch { .. } => "project_mismatch",
            DomainError::DuplicateId { .. } => "duplicate_id",
            DomainError::UnknownPayment { .. } => "unknown_payment",
            DomainError::PaymentAlreadyReversed { .. } => "payment_already_reversed",
            DomainError::UnknownActivity { .. } => "unknown_activity",
            DomainError::ActivityAlreadyWithdrawn { .. } => "activity_withdrawn",
            DomainError::ParticipantsExceedInvited { .. } => "participants_exceed_invited",
            DomainError::SatisfiedExceedRespondents { .. } => "satisfied_exceed_respondents",
            DomainError::NoRespondents => "no_respondents",
            DomainError::TargetsAlreadyApproved { .. } => "targets_already_approved",
            DomainError::DuplicateIndicator { .. } => "duplicate_indicator",
            DomainError::UnknownIndicator { .. } => "unknown_indicator",
            DomainError::ScoreRequired { .. } => "score_required",
            DomainError::GradeRequired { .. } => "grade_required",
            DomainError::ScoreOutsideBand { .. } => "score_outside_band",
            DomainError::UnknownRequest { .. } => "unknown_request",
            DomainError::RequestAlreadyDecided { .. } => "request_already_decided",
            DomainError::DeviationUnexplained { .. } => "deviation_unexplained",
            DomainError::NotYetAssessed { .. } => "not_yet_assessed",
            DomainError::EvaluationFailed { .. } => "evaluation_failed",
            DomainError::Evidence(e) => e.code(),
            DomainError::EvidenceTargetNotFound { .. } => "evidence_target_not_found",
        }
    }

    /// The field of the command the refusal is about (as named in the API's bodies), or
    /// "body" when the rule is about the command as a whole.
    pub fn field(&self) -> &'static str {
        match self {
            DomainError::Required { field }
            | DomainError::TextTooLong { field, .. }
            | DomainError::AmountNotPositive { field, .. }
            | DomainError::ValueTooLarge { field, .. }
            | DomainError::DateOutsideYear { field, .. }
            | DomainError::DateTooEarly { field, .. } => field,
            DomainError::PaymentOutsideYear { .. } => "paid_on",
            DomainError::WithdrawalBeforeActivity { .. } => "withdrawn_on",
            DomainError::ReversalBeforePayment { .. } => "reversed_on",
            DomainError::DecisionBeforeRequest { .. } => "decided_on",
            DomainError::UnknownLine { .. } => "line_id",
            DomainError::UnknownProject { .. } | DomainError::ProjectMismatch { .. } => {
                "project_code"
            }
            DomainError::UnknownPayment { .. } | DomainError::PaymentAlreadyReversed { .. } => {
                "payment_id"
            }
            DomainError::UnknownActivity { .. } | DomainError::ActivityAlreadyWithdrawn { .. } => {
                "activity_id"
            }
            DomainError::ParticipantsExceedInvited { .. } => "participants",
            DomainError::SatisfiedExceedRespondents { .. } | DomainError::NoRespondents => {
                "satisfied"
            }
            DomainError::UnknownIndicator { .. } | DomainError::DuplicateIndicator { .. } => {
                "indicator_id"
            }
            DomainError::ScoreRequired { .. } | DomainError::ScoreOutsideBand { .. } => "score",
            DomainError::GradeRequired { .. } => "grade",
            DomainError::UnknownRequest { .. } | DomainError::RequestAlreadyDecided { .. } => {
                "request_id"
            }
            DomainError::AdjustmentZero | DomainError::AdjustmentBelowZero { .. } => "delta_yuan",
            DomainError::AdjustmentReasonRequired { .. } => "reason",
            DomainError::DeviationUnexplained { .. } => "explanations",
            DomainError::Evidence(e) => e.field(),
            DomainError::EvidenceTargetNotFound { .. } => "target",
            DomainError::BudgetNotApproved { .. }
            | DomainError::BudgetAlreadyApproved { .. }
            | DomainError::YearClosed { .. }
            | DomainError::YearNotClosed { .. }
            | DomainError::YearSubmitted { .. }
            | DomainError::NotSubmitted { .. }
            | DomainError::TooMany { .. }
            | DomainError::DuplicateId { .. }
            | DomainError::TargetsAlreadyApproved { .. }
            | DomainError::EvaluationFailed { .. }
            | DomainError::NotYetAssessed { .. } => "body",
        }
    }

    /// The unknown-indicator error for a scope and id.
    pub(crate) fn unknown_indicator(scope: &Scope, id: &IndicatorId) -> DomainError {
        DomainError::UnknownIndicator {
            scope: scope_label(scope),
            indicator_id: id.0.clone(),
        }
    }
}
