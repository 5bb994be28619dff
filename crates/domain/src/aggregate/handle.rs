//! Deciding: [`UnitYear::handle`] checks a command against the state and the scoring profile
//! and returns the events to record. It never mutates; the caller appends the events (with the
//! version it read) and then applies them.

use super::command::{Command, Decide, Decision};
use super::error::{DomainError, grade_label, scope_label};
use super::state::{RequestStatus, UnitYear};
use super::views::deviation_label;
use crate::event::{
    BudgetAdjusted, Event, IndicatorAssessed, PaymentRecorded, RequestRejected,
    SelfEvaluationSubmitted, TargetAdjustmentApproved,
};
use crate::indicator::{IndicatorId, QualGrade, Scope};
use crate::money::Yuan;
use crate::profile::ScoringProfile;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Longest free text (reasons, notes, explanations, summaries), in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Longest title or name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest short label (respondent group, voucher number), in characters.
pub const MAX_LABEL_CHARS: usize = 64;
/// Most people invited to one activity or answering one survey: far above any real event,
/// low enough that sums over a year cannot overflow.
pub const MAX_PEOPLE: u32 = 1_000_000;
/// Largest single amount in 元 (1万亿): above any unit's whole budget.
pub const MAX_AMOUNT_YUAN: i64 = 1_000_000_000_000;
/// Most budget lines in one year's approval.
pub const MAX_LINES: usize = 10_000;
/// Most projects in one year's approval.
pub const MAX_PROJECTS: usize = 1_000;
/// Most indicators in one scope's targets.
pub const MAX_INDICATORS_PER_SCOPE: usize = 200;
/// Most rows in one monitoring report.
pub const MAX_MONITORING_ROWS: usize = 2_000;
/// Most events in one unit's year: a stream longer than this is a runaway import, not a year.
pub const MAX_EVENTS_PER_YEAR: u64 = 1_000_000;

/// What `handle` needs besides the state: the scoring profile of the year.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The scoring profile selected for the fiscal year.
    pub profile: &'a ScoringProfile,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    let len = value.chars().count();
    if len > max {
        Err(DomainError::TextTooLong { field, len, max })
    } else {
        Ok(())
    }
}

fn required(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::Required { field });
    }
    text(field, value, max)
}

fn positive(field: &'static str, amount: Yuan) -> Result<(), DomainError> {
    if !amount.is_positive() {
        return Err(DomainError::AmountNotPositive { field, amount });
    }
    not_too_large(field, amount)
}

fn not_too_large(field: &'static str, amount: Yuan) -> Result<(), DomainError> {
    let max = Decimal::from(MAX_AMOUNT_YUAN);
    if amount.yuan().abs() > max {
        return Err(DomainError::ValueTooLarge {
            field,
            value: amount.to_string(),
            max: max.to_string(),
        });
    }
    Ok(())
}

fn people(field: &'static str, n: u32) -> Result<(), DomainError> {
    if n > MAX_PEOPLE {
        return Err(DomainError::ValueTooLarge {
            field,
            value: n.to_string(),
            max: MAX_PEOPLE.to_string(),
        });
    }
    Ok(())
}

fn participants_within(participants: u32, invited: u32) -> Result<(), DomainError> {
    people("invited", invited)?;
    if participants > invited {
        return Err(DomainError::ParticipantsExceedInvited {
            participants,
            invited,
        });
    }
    Ok(())
}

impl UnitYear {
    /// Decide a command: the events to record, or the rule it breaks. Never mutates.
    ///
    /// The rules common to every command come first, in this order: the year's event limit,
    /// the budget approved (once), the year not closed (but for a reopening), and every
    /// business date in its window of the fiscal year ([`Command::business_dates`]); then the
    /// command's own rules.
    pub fn handle(&self, command: Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
        let label = command.label();
        if self.version >= MAX_EVENTS_PER_YEAR {
            return Err(DomainError::TooMany {
                what: "本年度事件",
                max: MAX_EVENTS_PER_YEAR as usize,
            });
        }
        if let (Command::ApproveBudget(_), Some(b)) = (&command, &self.budget) {
            return Err(DomainError::BudgetAlreadyApproved {
                fiscal_year: b.fiscal_year,
                approved_on: b.approved_on,
            });
        }
        let fiscal_year = match (&command, &self.budget) {
            (Command::ApproveBudget(e), _) => e.fiscal_year,
            (_, Some(b)) => b.fiscal_year,
            (_, None) => return Err(DomainError::BudgetNotApproved { command: label }),
        };
        if self.closed && !matches!(command, Command::ReopenYear(_)) {
            return Err(DomainError::YearClosed {
                fiscal_year,
                command: label,
            });
        }
        // Submitted or approved: the unit's own writes wait for the bureau (domain.md §7).
        if command.is_unit_write() && self.review.locks_unit_writes() {
            let submission = self.submissions.last();
            return Err(DomainError::YearSubmitted {
                command: label,
                state: self.review.label(),
                by: submission
                    .map(|s| s.submitted_by.clone())
                    .filter(|b| !b.trim().is_empty())
                    .unwrap_or_else(|| "未署名".to_string()),
                on: submission.map_or(NaiveDate::MIN, |s| s.submitted_on),
            });
        }
        // The one date rule: every business date in its window of the fiscal year.
        super::dates::check_dates(&command, fiscal_year)?;
        let budget = match command {
            Command::ApproveBudget(e) => return self.approve_budget(e),
            _ => match self.budget.as_ref() {
                Some(b) => b,
                None => return Err(DomainError::BudgetNotApproved { command: label }),
            },
        };
        let known_project = |code: &crate::budget::ProjectCode| {
            if budget.project(code).is_some() {
                Ok(())
            } else {
                Err(DomainError::UnknownProject {
                    project_code: code.0.clone(),
                })
            }
        };
        let event = match command {
            Command::ApproveBudget(_) => unreachable!("handled above"),
            Command::RecordCarryOver(e) => {
                if budget.line(&e.line_id).is_none() {
                    return Err(DomainError::UnknownLine {
                        line_id: e.line_id.0.clone(),
                    });
                }
                positive("amount_yuan", e.amount_yuan)?;
                Event::CarryOverRecorded(e)
            }
            Command::ApproveTargets(e) => {
                if let Scope::Project(code) = &e.scope {
                    known_project(code)?;
                }
                if let Some(set) = self.targets.get(&e.scope) {
                    return Err(DomainError::TargetsAlreadyApproved {
                        scope: scope_label(&e.scope),
                        approved_on: set.approved_on,
                    });
                }
                if e.indicators.len() > MAX_INDICATORS_PER_SCOPE {
                    return Err(DomainError::TooMany {
                        what: "绩效指标",
                        max: MAX_INDICATORS_PER_SCOPE,
                    });
                }
                text("overall_goal", &e.overall_goal, MAX_TEXT_CHARS)?;
                let mut seen = std::collections::HashSet::new();
                for ind in &e.indicators {
                    if !seen.insert(&ind.id) {
                        return Err(DomainError::DuplicateIndicator {
                            indicator_id: ind.id.0.clone(),
                        });
                    }
                    required("name", &ind.name, MAX_NAME_CHARS)?;
                    text("level2", &ind.level2, MAX_NAME_CHARS)?;
                }
                Event::TargetsApproved(e)
            }
            Command::RequestBudgetAdjustment(e) => {
                let Some(line) = budget.line(&e.line_id) else {
                    return Err(DomainError::UnknownLine {
                        line_id: e.line_id.0.clone(),
                    });
                };
                if self.budget_requests.contains_key(&e.request_id) {
                    return Err(DomainError::DuplicateId {
                        field: "request_id",
                        id: e.request_id.to_string(),
                    });
                }
                if e.delta_yuan.yuan().is_zero() {
                    return Err(DomainError::AdjustmentZero);
                }
                not_too_large("delta_yuan", e.delta_yuan)?;
                text("reason", &e.reason, MAX_TEXT_CHARS)?;
                let before = line.adjusted_yuan(None);
                if (before + e.delta_yuan).yuan().is_sign_negative() {
                    return Err(DomainError::AdjustmentBelowZero {
                        line_id: e.line_id.0.clone(),
                        budget: before,
                        delta: e.delta_yuan,
                    });
                }
                if e.reason.trim().is_empty()
                    && crate::monitoring::adjustment_needs_reason(before, e.delta_yuan, ctx.profile)
                {
                    let percent =
                        crate::money::ratio_percent(e.delta_yuan.yuan().abs(), before.yuan())
                            .map_or_else(|| "∞".to_string(), |p| p.to_string());
                    return Err(DomainError::AdjustmentReasonRequired {
                        line_id: e.line_id.0.clone(),
                        percent,
                        threshold: ctx.profile.adjustment_reason_percent,
                    });
                }
                Event::BudgetAdjustmentRequested(e)
            }
            Command::DecideBudgetAdjustment(d) => {
                let Some(r) = self.budget_requests.get(&d.request_id) else {
                    return Err(DomainError::UnknownRequest {
                        request_id: d.request_id,
                    });
                };
                check_decidable(&d, r.status, r.request.requested_on)?;
                match d.decision {
                    Decision::Approve { note } => {
                        text("note", &note, MAX_TEXT_CHARS)?;
                        // Another adjustment may have been approved since the request: recheck.
                        let before = budget
                            .line(&r.request.line_id)
                            .map(|l| l.adjusted_yuan(None))
                            .unwrap_or_default();
                        if (before + r.request.delta_yuan).yuan().is_sign_negative() {
                            return Err(DomainError::AdjustmentBelowZero {
                                line_id: r.request.line_id.0.clone(),
                                budget: before,
                                delta: r.request.delta_yuan,
                            });
                        }
                        Event::BudgetAdjusted(BudgetAdjusted {
                            request_id: d.request_id,
                            line_id: r.request.line_id.clone(),
                            delta_yuan: r.request.delta_yuan,
                            adjusted_on: d.decided_on,
                            note,
                        })
                    }
                    Decision::Reject { reason } => {
                        required("reason", &reason, MAX_TEXT_CHARS)?;
                        Event::BudgetAdjustmentRejected(RequestRejected {
                            request_id: d.request_id,
                            decided_on: d.decided_on,
                            reason,
                        })
                    }
                }
            }
            Command::RequestTargetAdjustment(e) => {
                self.indicator_exists(&e.scope, &e.indicator_id)?;
                if self.target_requests.contains_key(&e.request_id) {
                    return Err(DomainError::DuplicateId {
                        field: "request_id",
                        id: e.request_id.to_string(),
                    });
                }
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                Event::TargetAdjustmentRequested(e)
            }
            Command::DecideTargetAdjustment(d) => {
                let Some(r) = self.target_requests.get(&d.request_id) else {
                    return Err(DomainError::UnknownRequest {
                        request_id: d.request_id,
                    });
                };
                check_decidable(&d, r.status, r.request.requested_on)?;
                match d.decision {
                    Decision::Approve { note } => {
                        text("note", &note, MAX_TEXT_CHARS)?;
                        Event::TargetAdjustmentApproved(TargetAdjustmentApproved {
                            request_id: d.request_id,
                            decided_on: d.decided_on,
                            note,
                        })
                    }
                    Decision::Reject { reason } => {
                        required("reason", &reason, MAX_TEXT_CHARS)?;
                        Event::TargetAdjustmentRejected(RequestRejected {
                            request_id: d.request_id,
                            decided_on: d.decided_on,
                            reason,
                        })
                    }
                }
            }
            Command::RecordPayment(p) => {
                if self.payment_index.contains_key(&p.payment_id) {
                    return Err(DomainError::DuplicateId {
                        field: "payment_id",
                        id: p.payment_id.to_string(),
                    });
                }
                positive("amount_yuan", p.amount_yuan)?;
                let Some(line) = budget.line(&p.line_id) else {
                    return Err(DomainError::UnknownLine {
                        line_id: p.line_id.0.clone(),
                    });
                };
                let line = &line.line;
                if let Some(code) = &p.project_code {
                    known_project(code)?;
                    if line.project_code.as_ref() != Some(code) {
                        return Err(DomainError::ProjectMismatch {
                            line_id: p.line_id.0.clone(),
                            expected: line
                                .project_code
                                .as_ref()
                                .map_or("无".to_string(), |c| c.0.clone()),
                            given: code.0.clone(),
                        });
                    }
                }
                text("summary", &p.summary, MAX_TEXT_CHARS)?;
                if let Some(v) = &p.voucher_no {
                    text("voucher_no", v, MAX_LABEL_CHARS)?;
                }
                // Defaults from the line: the line's codes and project where none were given.
                Event::PaymentRecorded(PaymentRecorded {
                    economic_code: p
                        .economic_code
                        .unwrap_or_else(|| line.economic_code.clone()),
                    function_code: p
                        .function_code
                        .unwrap_or_else(|| line.function_code.clone()),
                    project_code: p.project_code.or_else(|| line.project_code.clone()),
                    payment_id: p.payment_id,
                    paid_on: p.paid_on,
                    line_id: p.line_id,
                    amount_yuan: p.amount_yuan,
                    voucher_no: p.voucher_no,
                    summary: p.summary,
                })
            }
            Command::ReversePayment(e) => {
                let Some(p) = self.payment(&e.payment_id) else {
                    return Err(DomainError::UnknownPayment {
                        payment_id: e.payment_id,
                    });
                };
                if let Some((reversed_on, _)) = &p.reversed {
                    return Err(DomainError::PaymentAlreadyReversed {
                        payment_id: e.payment_id,
                        reversed_on: *reversed_on,
                    });
                }
                if e.reversed_on < p.payment.paid_on {
                    return Err(DomainError::ReversalBeforePayment {
                        payment_id: e.payment_id,
                        reversed_on: e.reversed_on,
                        paid_on: p.payment.paid_on,
                    });
                }
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                Event::PaymentReversed(e)
            }
            Command::HoldActivity(e) => {
                if self.activity_index.contains_key(&e.activity_id) {
                    return Err(DomainError::DuplicateId {
                        field: "activity_id",
                        id: e.activity_id.to_string(),
                    });
                }
                known_project(&e.project_code)?;
                required("title", &e.title, MAX_NAME_CHARS)?;
                participants_within(e.participants, e.invited)?;
                crate::evidence::check_refs(&e.evidence)?;
                Event::ActivityHeld(e)
            }
            Command::CorrectActivity(e) => {
                // A correction carries no date of its own: its `held_on` replaces the
                // activity's (checked in the year above), so there is no order to keep.
                self.activity_exists(&e.activity_id)?;
                required("title", &e.title, MAX_NAME_CHARS)?;
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                participants_within(e.participants, e.invited)?;
                Event::ActivityCorrected(e)
            }
            Command::WithdrawActivity(e) => {
                let held_on = self.activity_exists(&e.activity_id)?.activity.held_on;
                if e.withdrawn_on < held_on {
                    return Err(DomainError::WithdrawalBeforeActivity {
                        activity_id: e.activity_id,
                        withdrawn_on: e.withdrawn_on,
                        held_on,
                    });
                }
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                Event::ActivityWithdrawn(e)
            }
            Command::RecordSurvey(e) => {
                if self.survey_ids.contains(&e.survey_id) {
                    return Err(DomainError::DuplicateId {
                        field: "survey_id",
                        id: e.survey_id.to_string(),
                    });
                }
                if let Some(code) = &e.project_code {
                    known_project(code)?;
                }
                required("respondent_group", &e.respondent_group, MAX_LABEL_CHARS)?;
                people("respondents", e.respondents)?;
                if e.respondents == 0 {
                    return Err(DomainError::NoRespondents);
                }
                if e.satisfied > e.respondents {
                    return Err(DomainError::SatisfiedExceedRespondents {
                        satisfied: e.satisfied,
                        respondents: e.respondents,
                    });
                }
                crate::evidence::check_refs(&e.evidence)?;
                Event::SurveyRecorded(e)
            }
            Command::AssessIndicator(e) => {
                self.indicator_exists(&e.scope, &e.indicator_id)?;
                text("actual_text", &e.actual_text, MAX_NAME_CHARS)?;
                text("note", &e.note, MAX_TEXT_CHARS)?;
                if let Some(v) = e.actual_value
                    && v.abs() > crate::monitoring::MAX_INDICATOR_VALUE
                {
                    // Beyond any count or percentage; the monitoring refuses such values and
                    // the scoring has no use for them.
                    return Err(DomainError::ValueTooLarge {
                        field: "actual_value",
                        value: v.to_string(),
                        max: crate::monitoring::MAX_INDICATOR_VALUE.to_string(),
                    });
                }
                self.check_assessment_score(&e, ctx.profile)?;
                crate::evidence::check_refs(&e.evidence)?;
                // Recorded with its place in the band, so every profile can score it.
                let band_position = self.band_position_of(&e, ctx.profile);
                Event::IndicatorAssessed(IndicatorAssessed { band_position, ..e })
            }
            Command::RecordProcurement(e) => {
                if self.procurement_ids.contains(&e.procurement_id) {
                    return Err(DomainError::DuplicateId {
                        field: "procurement_id",
                        id: e.procurement_id.to_string(),
                    });
                }
                positive("amount_yuan", e.amount_yuan)?;
                if let Some(code) = &e.project_code {
                    known_project(code)?;
                }
                required("description", &e.description, MAX_TEXT_CHARS)?;
                Event::ProcurementRecorded(e)
            }
            Command::FileMonitoringReport(e) => {
                if e.rows.len() > MAX_MONITORING_ROWS {
                    return Err(DomainError::TooMany {
                        what: "监控报告指标行",
                        max: MAX_MONITORING_ROWS,
                    });
                }
                if e.filed_on < e.as_of {
                    return Err(DomainError::DateTooEarly {
                        field: "filed_on",
                        date: e.filed_on,
                        earlier_label: "监控截止日期",
                        earlier: e.as_of,
                    });
                }
                if e.expected_full_year_yuan.yuan().is_sign_negative() {
                    return Err(DomainError::AmountNotPositive {
                        field: "expected_full_year_yuan",
                        amount: e.expected_full_year_yuan,
                    });
                }
                not_too_large("expected_full_year_yuan", e.expected_full_year_yuan)?;
                for row in &e.rows {
                    self.indicator_exists(&row.scope, &row.indicator_id)?;
                    text("value_so_far", &row.value_so_far, MAX_NAME_CHARS)?;
                    text(
                        "expected_full_year",
                        &row.expected_full_year,
                        MAX_NAME_CHARS,
                    )?;
                    text("explanation", &row.explanation, MAX_TEXT_CHARS)?;
                }
                Event::MonitoringReportFiled(e)
            }
            Command::ExplainDeviation(e) => {
                match &e.indicator_id {
                    Some(id) => self.indicator_exists(&e.scope, id)?,
                    None => {
                        if let Scope::Project(code) = &e.scope {
                            known_project(code)?;
                        }
                    }
                }
                required("explanation", &e.explanation, MAX_TEXT_CHARS)?;
                Event::DeviationExplained(e)
            }
            Command::SubmitSelfEvaluation(s) => {
                let evaluations = self.evaluations_for_submission(ctx.profile, s.submitted_on)?;
                let missing: Vec<String> = evaluations
                    .iter()
                    .flat_map(|(scope, e)| {
                        e.needs_explanation
                            .iter()
                            .map(move |item| deviation_label(self, scope, item))
                    })
                    .collect();
                if !missing.is_empty() {
                    return Err(DomainError::DeviationUnexplained {
                        items: missing.join("；"),
                    });
                }
                let unassessed: Vec<String> = evaluations
                    .iter()
                    .flat_map(|(scope, e)| {
                        e.not_yet_assessed.iter().map(move |id| {
                            deviation_label(
                                self,
                                scope,
                                &crate::evaluation::DeviationItem::Indicator(id.clone()),
                            )
                        })
                    })
                    .collect();
                if !unassessed.is_empty() {
                    return Err(DomainError::NotYetAssessed {
                        items: unassessed.join("；"),
                    });
                }
                text("submitted_by", &s.submitted_by, MAX_LABEL_CHARS)?;
                let scores = evaluations
                    .iter()
                    .map(|(scope, e)| {
                        let key = match scope {
                            Scope::Unit => "unit".to_string(),
                            Scope::Project(code) => code.0.clone(),
                        };
                        (key, e.total)
                    })
                    .collect();
                Event::SelfEvaluationSubmitted(SelfEvaluationSubmitted {
                    profile_id: ctx.profile.id.clone(),
                    profile_version: ctx.profile.version,
                    submitted_on: s.submitted_on,
                    scores,
                    submitted_by: s.submitted_by,
                    known_at_version: self.version,
                    evaluations: evaluations
                        .into_iter()
                        .map(|(scope, e)| e.as_submitted(scope))
                        .collect(),
                })
            }
            Command::ReturnSelfEvaluation(_) | Command::ApproveSelfEvaluation(_)
                if self.review != super::state::Workflow::Submitted =>
            {
                return Err(DomainError::NotSubmitted {
                    command: label,
                    state: self.review.label(),
                });
            }
            Command::ReturnSelfEvaluation(e) => {
                required("by", &e.by, MAX_LABEL_CHARS)?;
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                self.review_not_before_submission(&e)?;
                Event::SelfEvaluationReturned(e)
            }
            Command::ApproveSelfEvaluation(e) => {
                required("by", &e.by, MAX_LABEL_CHARS)?;
                text("reason", &e.reason, MAX_TEXT_CHARS)?;
                self.review_not_before_submission(&e)?;
                Event::SelfEvaluationApproved(e)
            }
            Command::CloseYear(e) => {
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                text("by", &e.by, MAX_LABEL_CHARS)?;
                Event::YearClosed(e)
            }
            Command::ReopenYear(e) => {
                if !self.closed {
                    return Err(DomainError::YearNotClosed { fiscal_year });
                }
                required("reason", &e.reason, MAX_TEXT_CHARS)?;
                text("by", &e.by, MAX_LABEL_CHARS)?;
                Event::YearReopened(e)
            }
            Command::AttachEvidence(e) => self.attach_evidence(e)?,
        };
        Ok(vec![event])
    }

    fn approve_budget(&self, e: crate::event::BudgetApproved) -> Result<Vec<Event>, DomainError> {
        // Already approved and the date window are checked by `handle` before.
        required("unit.name", &e.unit.name, MAX_NAME_CHARS)?;
        required("unit.code", &e.unit.code, MAX_LABEL_CHARS)?;
        if e.lines.len() > MAX_LINES {
            return Err(DomainError::TooMany {
                what: "预算行",
                max: MAX_LINES,
            });
        }
        if e.projects.len() > MAX_PROJECTS {
            return Err(DomainError::TooMany {
                what: "项目",
                max: MAX_PROJECTS,
            });
        }
        let mut codes = std::collections::HashSet::new();
        for p in &e.projects {
            if !codes.insert(&p.code) {
                return Err(DomainError::DuplicateId {
                    field: "project_code",
                    id: p.code.0.clone(),
                });
            }
            required("project.name", &p.name, MAX_NAME_CHARS)?;
        }
        let mut ids = std::collections::HashSet::new();
        for l in &e.lines {
            if !ids.insert(&l.line_id) {
                return Err(DomainError::DuplicateId {
                    field: "line_id",
                    id: l.line_id.0.clone(),
                });
            }
            if let Some(code) = &l.project_code
                && !codes.contains(code)
            {
                return Err(DomainError::UnknownProject {
                    project_code: code.0.clone(),
                });
            }
            if l.initial_yuan.yuan().is_sign_negative() {
                return Err(DomainError::AmountNotPositive {
                    field: "initial_yuan",
                    amount: l.initial_yuan,
                });
            }
            not_too_large("initial_yuan", l.initial_yuan)?;
        }
        for (field, amount) in [
            ("sangong_budget_yuan", e.sangong_budget_yuan),
            ("procurement_budget_yuan", e.procurement_budget_yuan),
        ] {
            if amount.yuan().is_sign_negative() {
                return Err(DomainError::AmountNotPositive { field, amount });
            }
            not_too_large(field, amount)?;
        }
        Ok(vec![Event::BudgetApproved(e)])
    }

    /// A return or approval is not dated before the submission it decides.
    fn review_not_before_submission(
        &self,
        e: &crate::event::SelfEvaluationReviewed,
    ) -> Result<(), DomainError> {
        if let Some(s) = self.submissions.last()
            && e.on < s.submitted_on
        {
            return Err(DomainError::DateTooEarly {
                field: "on",
                date: e.on,
                earlier_label: "自评上报日期",
                earlier: s.submitted_on,
            });
        }
        Ok(())
    }

    fn indicator_exists(&self, scope: &Scope, id: &IndicatorId) -> Result<(), DomainError> {
        match self.targets.get(scope).and_then(|s| s.indicator(id)) {
            Some(_) => Ok(()),
            None => Err(DomainError::unknown_indicator(scope, id)),
        }
    }

    fn activity_exists(
        &self,
        id: &uuid::Uuid,
    ) -> Result<&super::state::ActivityState, DomainError> {
        let Some(a) = self.activity(id) else {
            return Err(DomainError::UnknownActivity { activity_id: *id });
        };
        if let Some((withdrawn_on, _)) = &a.withdrawn {
            return Err(DomainError::ActivityAlreadyWithdrawn {
                activity_id: *id,
                withdrawn_on: *withdrawn_on,
            });
        }
        Ok(a)
    }

    /// 定性 bands (domain §4): 达成 [a·W, W] (W when no score), 部分达成 [p·W, a·W) and
    /// 未达成 [0, p·W) with an explicit score; a score without a grade lies in [0, W].
    fn check_assessment_score(
        &self,
        e: &IndicatorAssessed,
        profile: &ScoringProfile,
    ) -> Result<(), DomainError> {
        let Some(score) = e.score else {
            return match e.grade {
                Some(g @ (QualGrade::Partial | QualGrade::NotAchieved)) => {
                    Err(DomainError::ScoreRequired {
                        grade: grade_label(g),
                    })
                }
                _ => Ok(()),
            };
        };
        let weight = self
            .indicator_weight(&e.scope, &e.indicator_id, profile)
            .unwrap_or(Decimal::ZERO);
        let (low, high, inclusive) = match e.grade {
            Some(g) => crate::evaluation::rules::band(weight, g, profile),
            // The evaluation scores a person's judgement by its grade; a bare score would be
            // silently ignored, so it is refused.
            None => return Err(DomainError::GradeRequired { score }),
        };
        let label = e.grade.map_or("评定", grade_label);
        // Checked as printed (rounded to 0.01), exactly as `evaluation::rules::graded` scores
        // it, so a score accepted here can never be rejected by the evaluation later.
        let printed = crate::money::round2(score);
        let inside = printed >= low
            && if inclusive {
                printed <= high
            } else {
                printed < high
            };
        if !inside {
            return Err(DomainError::ScoreOutsideBand {
                score,
                grade: label,
                low: crate::money::round2(low),
                high: crate::money::round2(high),
                close: if inclusive { "]" } else { ")" },
                weight,
            });
        }
        Ok(())
    }
}

fn check_decidable(
    d: &Decide,
    status: RequestStatus,
    requested_on: NaiveDate,
) -> Result<(), DomainError> {
    if status != RequestStatus::Pending {
        return Err(DomainError::RequestAlreadyDecided {
            request_id: d.request_id,
            status: status.label(),
        });
    }
    if d.decided_on < requested_on {
        return Err(DomainError::DecisionBeforeRequest {
            request_id: d.request_id,
            decided_on: d.decided_on,
            requested_on,
        });
    }
    Ok(())
}
