//! The state of one unit's fiscal year, built only by applying events in order.
//!
//! `apply` never fails and never decides: every check happened in `handle` before the event was
//! recorded. An event that refers to something unknown (which `handle` would never have produced,
//! but an old or hand-made log might hold) is applied as far as it makes sense and otherwise
//! ignored, so replaying any stored log always succeeds.

use crate::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, UnitInfo};
use crate::event::{
    ActivityHeld, AnnualTask, BudgetAdjustmentRequested, DeviationExplained, Event,
    IndicatorAssessed, MonitoringReportFiled, PaymentRecorded, ProcurementRecorded,
    SelfEvaluationReviewed, SelfEvaluationSubmitted, SurveyRecorded, TargetAdjustmentRequested,
    YearLockChanged,
};
use crate::indicator::{Indicator, IndicatorId, Scope};
use crate::money::Yuan;
use crate::target::Target;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// One approved budget line with its history of changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineState {
    /// The line as approved.
    pub line: BudgetLine,
    /// Approved adjustments: (effective date, request id, signed change).
    pub adjustments: Vec<(NaiveDate, Uuid, Yuan)>,
    /// 上年结转 added: (date, amount).
    pub carry_overs: Vec<(NaiveDate, Yuan)>,
}

impl LineState {
    /// 调整后预算 as of a date: 年初 + adjustments and carry-overs dated ≤ as_of (all when None).
    pub fn adjusted_yuan(&self, as_of: Option<NaiveDate>) -> Yuan {
        let counts = |d: &NaiveDate| as_of.is_none_or(|a| *d <= a);
        self.line.initial_yuan
            + self
                .adjustments
                .iter()
                .filter(|(d, _, _)| counts(d))
                .map(|(_, _, y)| *y)
                .sum::<Yuan>()
            + self
                .carry_overs
                .iter()
                .filter(|(d, _)| counts(d))
                .map(|(_, y)| *y)
                .sum::<Yuan>()
    }

    /// 上年结转 as of a date.
    pub fn carry_over_yuan(&self, as_of: Option<NaiveDate>) -> Yuan {
        self.carry_overs
            .iter()
            .filter(|(d, _)| as_of.is_none_or(|a| *d <= a))
            .map(|(_, y)| *y)
            .sum()
    }

    /// Σ|adjustment| as of a date (预算调整数: 追加 and 调减 both count).
    pub fn adjustment_abs_yuan(&self, as_of: Option<NaiveDate>) -> Yuan {
        self.adjustments
            .iter()
            .filter(|(d, _, _)| as_of.is_none_or(|a| *d <= a))
            .map(|(_, _, y)| y.abs())
            .sum()
    }
}

/// The approved budget of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetState {
    /// The unit.
    pub unit: UnitInfo,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// 批复日期.
    pub approved_on: NaiveDate,
    /// Lines in approval order.
    pub lines: Vec<LineState>,
    /// Line index by id.
    pub line_index: HashMap<LineId, usize>,
    /// Projects in approval order.
    pub projects: Vec<ProjectInfo>,
    /// "三公"经费 budget.
    pub sangong_budget_yuan: Yuan,
    /// 政府采购 budget.
    pub procurement_budget_yuan: Yuan,
    /// 年度履职目标.
    pub annual_duty_goals: Vec<String>,
    /// 年度主要任务.
    pub annual_tasks: Vec<AnnualTask>,
}

impl BudgetState {
    /// A line by id.
    pub fn line(&self, id: &LineId) -> Option<&LineState> {
        self.line_index.get(id).and_then(|i| self.lines.get(*i))
    }
    /// A project by code.
    pub fn project(&self, code: &ProjectCode) -> Option<&ProjectInfo> {
        self.projects.iter().find(|p| &p.code == code)
    }
    /// Lines belonging to a scope (all lines for the unit, the project's lines otherwise).
    pub fn lines_of<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a LineState> + 'a {
        self.lines.iter().filter(move |l| match scope {
            Scope::Unit => true,
            Scope::Project(code) => l.line.project_code.as_ref() == Some(code),
        })
    }
}

/// An indicator with the history of its target (approved target, then each approved change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorState {
    /// The indicator with its current target.
    pub indicator: Indicator,
    /// (effective date, target) in order; the first is the approved target.
    pub target_history: Vec<(NaiveDate, Target)>,
}

impl IndicatorState {
    /// The indicator as it stood on a date: the latest target effective ≤ as_of (the approved
    /// one when none is, or for None the current one).
    pub fn as_of(&self, as_of: Option<NaiveDate>) -> Indicator {
        let mut ind = self.indicator.clone();
        if let Some(a) = as_of
            && let Some((_, t)) = self
                .target_history
                .iter()
                .rev()
                .find(|(d, _)| *d <= a)
                .or(self.target_history.first())
        {
            ind.target = t.clone();
        }
        ind
    }
}

/// The targets of one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSet {
    /// 年度总体目标 (projects).
    pub overall_goal: String,
    /// 批复日期.
    pub approved_on: NaiveDate,
    /// Indicators in approval order.
    pub indicators: Vec<IndicatorState>,
}

impl TargetSet {
    /// An indicator by id.
    pub fn indicator(&self, id: &IndicatorId) -> Option<&IndicatorState> {
        self.indicators.iter().find(|i| &i.indicator.id == id)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// Waiting for the finance bureau.
    Pending,
    /// Approved on the date.
    Approved(NaiveDate),
    /// Rejected on the date.
    Rejected(NaiveDate),
}

impl RequestStatus {
    /// "待审批", "已批准", "已驳回".
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "待审批",
            RequestStatus::Approved(_) => "已批准",
            RequestStatus::Rejected(_) => "已驳回",
        }
    }
}

/// A budget adjustment request and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRequest {
    /// The request.
    pub request: BudgetAdjustmentRequested,
    /// Its status.
    pub status: RequestStatus,
}

/// A target adjustment request and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRequest {
    /// The request.
    pub request: TargetAdjustmentRequested,
    /// Its status.
    pub status: RequestStatus,
}

/// A payment and its reversal, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentState {
    /// The payment.
    pub payment: PaymentRecorded,
    /// (date, reason) of the 红冲.
    pub reversed: Option<(NaiveDate, String)>,
}

impl PaymentState {
    /// The amount counted as of a date: the payment when paid ≤ as_of, minus it again when
    /// reversed ≤ as_of (a 红冲 is booked on its own date, as in the ledger).
    pub fn net_yuan(&self, as_of: Option<NaiveDate>) -> Yuan {
        let counts = |d: NaiveDate| as_of.is_none_or(|a| d <= a);
        let mut net = Yuan::ZERO;
        if counts(self.payment.paid_on) {
            net += self.payment.amount_yuan;
        }
        if let Some((d, _)) = &self.reversed
            && counts(*d)
        {
            net -= self.payment.amount_yuan;
        }
        net
    }
}

/// An activity with its corrections applied, and its withdrawal, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityState {
    /// The activity's facts (the latest correction replaces the date, title and counts: a
    /// correction fixes what was wrongly recorded, so it holds retroactively).
    pub activity: ActivityHeld,
    /// Number of corrections applied.
    pub corrections: u32,
    /// (date, reason) of the withdrawal; it counts from its own date on.
    pub withdrawn: Option<(NaiveDate, String)>,
}

impl ActivityState {
    /// Held and not withdrawn as of the date.
    pub fn counts_as_of(&self, as_of: Option<NaiveDate>) -> bool {
        let counts = |d: NaiveDate| as_of.is_none_or(|a| d <= a);
        counts(self.activity.held_on) && !self.withdrawn.as_ref().is_some_and(|(d, _)| counts(*d))
    }
}

/// Where the year-end self-evaluation stands (domain.md §7): 草稿 → 已上报 → 已退回 (the unit
/// corrects and submits again) or 已审核 → 已关闭; reopening a closed year puts it back to 草稿.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Workflow {
    /// 草稿: the unit records and edits; nothing submitted (or reopened since).
    #[default]
    Draft,
    /// 已上报: submitted; the unit's writes are refused until the bureau returns it.
    Submitted,
    /// 已退回: returned by the bureau with a reason; the unit corrects and submits again.
    Returned,
    /// 已审核: approved by the bureau; the unit's writes stay refused.
    Approved,
    /// 已关闭: closed by the bureau; every write is refused until it reopens the year.
    Closed,
}

impl Workflow {
    /// 草稿, 已上报, 已退回, 已审核, 已关闭.
    pub fn label(self) -> &'static str {
        match self {
            Workflow::Draft => "草稿",
            Workflow::Submitted => "已上报",
            Workflow::Returned => "已退回",
            Workflow::Approved => "已审核",
            Workflow::Closed => "已关闭",
        }
    }

    /// Stable machine-readable name: draft, submitted, returned, approved, closed.
    pub fn code(self) -> &'static str {
        match self {
            Workflow::Draft => "draft",
            Workflow::Submitted => "submitted",
            Workflow::Returned => "returned",
            Workflow::Approved => "approved",
            Workflow::Closed => "closed",
        }
    }

    /// Whether the unit's own writes are refused in this state.
    pub fn locks_unit_writes(self) -> bool {
        matches!(
            self,
            Workflow::Submitted | Workflow::Approved | Workflow::Closed
        )
    }
}

/// One step of the workflow as recorded: the state it led to, the date, who and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowStep {
    /// The state after the step.
    pub state: Workflow,
    /// Date of the step.
    pub on: NaiveDate,
    /// Who took it (empty for events of the first release).
    pub by: String,
    /// The reason or note (empty for a submission).
    pub reason: String,
}

/// The state of one unit's fiscal year (the aggregate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitYear {
    pub(crate) version: u64,
    pub(crate) budget: Option<BudgetState>,
    pub(crate) targets: BTreeMap<Scope, TargetSet>,
    pub(crate) budget_requests: BTreeMap<Uuid, BudgetRequest>,
    pub(crate) target_requests: BTreeMap<Uuid, TargetRequest>,
    pub(crate) payments: Vec<PaymentState>,
    pub(crate) payment_index: HashMap<Uuid, usize>,
    pub(crate) voucher_nos: HashMap<String, Uuid>,
    pub(crate) activities: Vec<ActivityState>,
    pub(crate) activity_index: HashMap<Uuid, usize>,
    pub(crate) surveys: Vec<SurveyRecorded>,
    pub(crate) survey_ids: HashSet<Uuid>,
    pub(crate) assessments: Vec<IndicatorAssessed>,
    pub(crate) procurements: Vec<ProcurementRecorded>,
    pub(crate) procurement_ids: HashSet<Uuid>,
    pub(crate) monitoring_reports: Vec<MonitoringReportFiled>,
    pub(crate) deviations: BTreeMap<(Scope, Option<IndicatorId>), DeviationExplained>,
    pub(crate) submissions: Vec<SelfEvaluationSubmitted>,
    pub(crate) closed: bool,
    pub(crate) evidence: super::evidence::EvidenceIndex,
    /// The review state apart from closing (草稿, 已上报, 已退回, 已审核).
    pub(crate) review: Workflow,
    /// Every workflow step in order.
    pub(crate) workflow_steps: Vec<WorkflowStep>,
    /// Payment measures maintained as payments and reversals are folded in.
    pub(crate) totals: super::totals::PaymentTotals,
}

impl UnitYear {
    /// An empty year (no budget yet, version 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuild the state from a stored log, in order.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut s = Self::new();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// Number of events applied: the stream version an append expects.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The approved budget, if any.
    pub fn budget(&self) -> Option<&BudgetState> {
        self.budget.as_ref()
    }

    /// The fiscal year, once the budget is approved.
    pub fn fiscal_year(&self) -> Option<i32> {
        self.budget.as_ref().map(|b| b.fiscal_year)
    }

    /// True when the year is locked.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Where the year-end workflow stands (已关闭 while closed).
    pub fn workflow(&self) -> Workflow {
        if self.closed {
            Workflow::Closed
        } else {
            self.review
        }
    }

    /// Every workflow step (submit, return, approve, close, reopen) in order.
    pub fn workflow_steps(&self) -> &[WorkflowStep] {
        &self.workflow_steps
    }

    /// The latest submission, if any.
    pub fn latest_submission(&self) -> Option<&SelfEvaluationSubmitted> {
        self.submissions.last()
    }

    /// The targets of a scope.
    pub fn targets(&self, scope: &Scope) -> Option<&TargetSet> {
        self.targets.get(scope)
    }

    /// Every scope with approved targets (the unit first, then projects by code).
    pub fn target_scopes(&self) -> impl Iterator<Item = &Scope> {
        self.targets.keys()
    }

    /// Payments in recorded order.
    pub fn payments(&self) -> &[PaymentState] {
        &self.payments
    }

    /// The payment measures maintained incrementally (per scope, line, class and day).
    pub fn payment_totals(&self) -> &super::totals::PaymentTotals {
        &self.totals
    }

    /// Activities in recorded order.
    pub fn activities(&self) -> &[ActivityState] {
        &self.activities
    }

    /// Surveys in recorded order.
    pub fn surveys(&self) -> &[SurveyRecorded] {
        &self.surveys
    }

    /// Assessments in recorded order.
    pub fn assessments(&self) -> &[IndicatorAssessed] {
        &self.assessments
    }

    /// Procurements in recorded order.
    pub fn procurements(&self) -> &[ProcurementRecorded] {
        &self.procurements
    }

    /// Budget adjustment requests by id.
    pub fn budget_requests(&self) -> &BTreeMap<Uuid, BudgetRequest> {
        &self.budget_requests
    }

    /// Target adjustment requests by id.
    pub fn target_requests(&self) -> &BTreeMap<Uuid, TargetRequest> {
        &self.target_requests
    }

    /// Filed 1-7月 reports.
    pub fn monitoring_reports(&self) -> &[MonitoringReportFiled] {
        &self.monitoring_reports
    }

    /// The latest deviation explanation of an indicator (None = 预算执行率) of a scope.
    pub fn deviation(
        &self,
        scope: &Scope,
        indicator_id: Option<&IndicatorId>,
    ) -> Option<&DeviationExplained> {
        self.deviations.get(&(scope.clone(), indicator_id.cloned()))
    }

    /// Submitted self-evaluations.
    pub fn submissions(&self) -> &[SelfEvaluationSubmitted] {
        &self.submissions
    }

    /// A payment by id.
    pub fn payment(&self, id: &Uuid) -> Option<&PaymentState> {
        self.payment_index
            .get(id)
            .and_then(|i| self.payments.get(*i))
    }

    /// The payment recorded with a 凭证号, if any (a ledger re-import skips those already there).
    pub fn payment_by_voucher(&self, voucher_no: &str) -> Option<&PaymentState> {
        self.voucher_nos
            .get(voucher_no)
            .and_then(|id| self.payment(id))
    }

    /// An activity by id.
    pub fn activity(&self, id: &Uuid) -> Option<&ActivityState> {
        self.activity_index
            .get(id)
            .and_then(|i| self.activities.get(*i))
    }

    /// Apply one recorded event. Never fails, never decides.
    pub fn apply(&mut self, event: &Event) {
        self.version += 1;
        self.evidence.note(event);
        match event {
            Event::BudgetApproved(e) => {
                // A second approval is refused by `handle`; in a hand-made log the first wins.
                if self.budget.is_some() {
                    return;
                }
                let lines: Vec<LineState> = e
                    .lines
                    .iter()
                    .map(|l| LineState {
                        line: l.clone(),
                        adjustments: Vec::new(),
                        carry_overs: Vec::new(),
                    })
                    .collect();
                let line_index = lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.line.line_id.clone(), i))
                    .collect();
                self.budget = Some(BudgetState {
                    unit: e.unit.clone(),
                    fiscal_year: e.fiscal_year,
                    approved_on: e.approved_on,
                    lines,
                    line_index,
                    projects: e.projects.clone(),
                    sangong_budget_yuan: e.sangong_budget_yuan,
                    procurement_budget_yuan: e.procurement_budget_yuan,
                    annual_duty_goals: e.annual_duty_goals.clone(),
                    annual_tasks: e.annual_tasks.clone(),
                });
            }
            Event::BudgetAdjustmentRequested(e) => {
                self.budget_requests.insert(
                    e.request_id,
                    BudgetRequest {
                        request: e.clone(),
                        status: RequestStatus::Pending,
                    },
                );
            }
            Event::BudgetAdjusted(e) => {
                if let Some(r) = self.budget_requests.get_mut(&e.request_id) {
                    r.status = RequestStatus::Approved(e.adjusted_on);
                }
                if let Some(b) = self.budget.as_mut()
                    && let Some(i) = b.line_index.get(&e.line_id).copied()
                    && let Some(l) = b.lines.get_mut(i)
                {
                    l.adjustments
                        .push((e.adjusted_on, e.request_id, e.delta_yuan));
                }
            }
            Event::BudgetAdjustmentRejected(e) => {
                if let Some(r) = self.budget_requests.get_mut(&e.request_id) {
                    r.status = RequestStatus::Rejected(e.decided_on);
                }
            }
            Event::CarryOverRecorded(e) => {
                if let Some(b) = self.budget.as_mut()
                    && let Some(i) = b.line_index.get(&e.line_id).copied()
                    && let Some(l) = b.lines.get_mut(i)
                {
                    l.carry_overs.push((e.recorded_on, e.amount_yuan));
                }
            }
            Event::TargetsApproved(e) => {
                let indicators = e
                    .indicators
                    .iter()
                    .map(|i| {
                        // A stored target is read back without its indicator's category:
                        // read it as the indicator's 一级/二级 say (a bare amount under 成本
                        // is a cap), here, so that replay and live application agree.
                        let mut indicator = i.clone();
                        indicator.target = i.target.in_category(i.target_category());
                        IndicatorState {
                            target_history: vec![(e.approved_on, indicator.target.clone())],
                            indicator,
                        }
                    })
                    .collect();
                self.targets.entry(e.scope.clone()).or_insert(TargetSet {
                    overall_goal: e.overall_goal.clone(),
                    approved_on: e.approved_on,
                    indicators,
                });
            }
            Event::TargetAdjustmentRequested(e) => {
                self.target_requests.insert(
                    e.request_id,
                    TargetRequest {
                        request: e.clone(),
                        status: RequestStatus::Pending,
                    },
                );
            }
            Event::TargetAdjustmentApproved(e) => {
                let Some(r) = self.target_requests.get_mut(&e.request_id) else {
                    return;
                };
                r.status = RequestStatus::Approved(e.decided_on);
                let req = r.request.clone();
                if let Some(set) = self.targets.get_mut(&req.scope)
                    && let Some(ind) = set
                        .indicators
                        .iter_mut()
                        .find(|i| i.indicator.id == req.indicator_id)
                {
                    let target = req.new_target.in_category(ind.indicator.target_category());
                    ind.indicator.target = target.clone();
                    ind.target_history.push((e.decided_on, target));
                }
            }
            Event::TargetAdjustmentRejected(e) => {
                if let Some(r) = self.target_requests.get_mut(&e.request_id) {
                    r.status = RequestStatus::Rejected(e.decided_on);
                }
            }
            Event::PaymentRecorded(e) => {
                if let Some(v) = &e.voucher_no {
                    self.voucher_nos.insert(v.clone(), e.payment_id);
                }
                self.payment_index.insert(e.payment_id, self.payments.len());
                self.totals.record(self.payments.len(), e);
                self.payments.push(PaymentState {
                    payment: e.clone(),
                    reversed: None,
                });
            }
            Event::PaymentReversed(e) => {
                if let Some(i) = self.payment_index.get(&e.payment_id).copied()
                    && let Some(p) = self.payments.get_mut(i)
                    && p.reversed.is_none()
                {
                    self.totals.reverse(&p.payment, e);
                    p.reversed = Some((e.reversed_on, e.reason.clone()));
                }
            }
            Event::ActivityHeld(e) => {
                self.activity_index
                    .insert(e.activity_id, self.activities.len());
                self.activities.push(ActivityState {
                    activity: e.clone(),
                    corrections: 0,
                    withdrawn: None,
                });
            }
            Event::ActivityCorrected(e) => {
                if let Some(i) = self.activity_index.get(&e.activity_id).copied()
                    && let Some(a) = self.activities.get_mut(i)
                {
                    a.activity.held_on = e.held_on;
                    a.activity.title = e.title.clone();
                    a.activity.invited = e.invited;
                    a.activity.participants = e.participants;
                    a.corrections += 1;
                }
            }
            Event::ActivityWithdrawn(e) => {
                if let Some(i) = self.activity_index.get(&e.activity_id).copied()
                    && let Some(a) = self.activities.get_mut(i)
                    && a.withdrawn.is_none()
                {
                    a.withdrawn = Some((e.withdrawn_on, e.reason.clone()));
                }
            }
            Event::SurveyRecorded(e) => {
                self.survey_ids.insert(e.survey_id);
                self.surveys.push(e.clone());
            }
            Event::IndicatorAssessed(e) => {
                let mut e = e.clone();
                if e.band_position.is_none() {
                    // Upcast of a first-release assessment: its score was checked against the
                    // weight of the default profile, so its place in the band is read there.
                    e.band_position =
                        self.band_position_of(&e, &crate::profile::ScoringProfile::default());
                }
                self.assessments.push(e);
            }
            Event::ProcurementRecorded(e) => {
                self.procurement_ids.insert(e.procurement_id);
                self.procurements.push(e.clone());
            }
            Event::MonitoringReportFiled(e) => self.monitoring_reports.push(e.clone()),
            Event::DeviationExplained(e) => {
                self.deviations
                    .insert((e.scope.clone(), e.indicator_id.clone()), e.clone());
            }
            // Noted above, with the evidence every other event carries.
            Event::EvidenceAttached(_) => {}
            Event::SelfEvaluationSubmitted(e) => {
                self.submissions.push(e.clone());
                self.review = Workflow::Submitted;
                self.workflow_steps.push(WorkflowStep {
                    state: Workflow::Submitted,
                    on: e.submitted_on,
                    by: e.submitted_by.clone(),
                    reason: String::new(),
                });
            }
            Event::SelfEvaluationReturned(e) => self.review_step(Workflow::Returned, e),
            Event::SelfEvaluationApproved(e) => self.review_step(Workflow::Approved, e),
            Event::YearClosed(e) => {
                self.closed = true;
                self.lock_step(Workflow::Closed, e);
            }
            Event::YearReopened(e) => {
                self.closed = false;
                // Reopened to be corrected: the unit may write again and submits anew.
                self.review = Workflow::Draft;
                self.lock_step(Workflow::Draft, e);
            }
        }
    }
}

impl UnitYear {
    fn review_step(&mut self, state: Workflow, e: &SelfEvaluationReviewed) {
        self.review = state;
        self.workflow_steps.push(WorkflowStep {
            state,
            on: e.on,
            by: e.by.clone(),
            reason: e.reason.clone(),
        });
    }

    fn lock_step(&mut self, state: Workflow, e: &YearLockChanged) {
        self.workflow_steps.push(WorkflowStep {
            state,
            on: e.on,
            by: e.by.clone(),
            reason: e.reason.clone(),
        });
    }
}
