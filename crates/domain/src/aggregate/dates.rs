//! When a command may be dated: the business date of every command lies in a window around its
//! fiscal year, checked once at the top of [`super::UnitYear::handle`] before any other rule.
//!
//! The rule table ([`Command::date_window`]) gives each command one of three windows:
//!
//! - [`DateWindow::Year`] — 1 January to 31 December of the fiscal year. Facts that count towards
//!   the year's figures on their own date: payments and reversals, carry-overs, activities and
//!   their corrections and withdrawals, procurement, budget and target adjustment requests, the
//!   approval of an adjustment (it takes effect on its date: one dated after 31 December would
//!   never be seen by the year-end figures), and the 1-7月 monitoring report's `as_of`.
//! - [`DateWindow::Approval`] — from [`APPROVAL_FROM_MONTH`]/[`APPROVAL_FROM_DAY`] (1 October) of
//!   the previous year to 31 December of the fiscal year: the budget and the performance targets
//!   are drafted and approved from the autumn before (the 人大 often approves in January, some
//!   budgets are published in December).
//! - [`DateWindow::YearEndWork`] — 1 January of the fiscal year to
//!   [`YEAR_END_WORK_UNTIL_MONTH`]/[`YEAR_END_WORK_UNTIL_DAY`] (30 June) of the next year: the
//!   year-end work that happens after the year is over — the self-evaluation (Jan–Mar of the next
//!   year, by the finance bureau's calendar), assessments of indicators, satisfaction surveys
//!   held for the self-evaluation, deviation explanations, submitting, returning and approving
//!   the self-evaluation, closing and reopening the year, the rejection of a still pending
//!   request (it changes nothing, so clearing it after the year is harmless), and the filing date of the monitoring report. The bound leaves a quarter of slack
//!   after the usual deadline for late evaluations and corrections by the bureau.
//!
//! A date outside its window is refused with [`DomainError::DateOutsideYear`] naming the field,
//! the date and the window (a payment keeps its historical code `payment_outside_year`).

use super::command::{Command, Decision};
use super::error::DomainError;
use chrono::NaiveDate;

/// Month of the previous year from which the budget and targets may be approved (October).
pub const APPROVAL_FROM_MONTH: u32 = 10;
/// Day of [`APPROVAL_FROM_MONTH`] from which the budget and targets may be approved (the 1st).
pub const APPROVAL_FROM_DAY: u32 = 1;
/// Month of the next year until which year-end work may be dated (June).
pub const YEAR_END_WORK_UNTIL_MONTH: u32 = 6;
/// Day of [`YEAR_END_WORK_UNTIL_MONTH`] until which year-end work may be dated (the 30th).
pub const YEAR_END_WORK_UNTIL_DAY: u32 = 30;

/// Which dates a command may carry, relative to its fiscal year (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateWindow {
    /// 1 January – 31 December of the fiscal year.
    Year,
    /// 1 October of the previous year – 31 December of the fiscal year.
    Approval,
    /// 1 January of the fiscal year – 30 June of the next year.
    YearEndWork,
}

impl DateWindow {
    /// The first and the last date allowed (both inclusive) for a fiscal year; None only for a
    /// year outside chrono's range.
    pub fn bounds(self, fiscal_year: i32) -> Option<(NaiveDate, NaiveDate)> {
        let first_day = NaiveDate::from_ymd_opt(fiscal_year, 1, 1)?;
        let last_day = NaiveDate::from_ymd_opt(fiscal_year, 12, 31)?;
        Some(match self {
            DateWindow::Year => (first_day, last_day),
            DateWindow::Approval => (
                NaiveDate::from_ymd_opt(fiscal_year - 1, APPROVAL_FROM_MONTH, APPROVAL_FROM_DAY)?,
                last_day,
            ),
            DateWindow::YearEndWork => (
                first_day,
                NaiveDate::from_ymd_opt(
                    fiscal_year + 1,
                    YEAR_END_WORK_UNTIL_MONTH,
                    YEAR_END_WORK_UNTIL_DAY,
                )?,
            ),
        })
    }

    /// Whether `date` lies in the window of `fiscal_year`.
    pub fn contains(self, fiscal_year: i32, date: NaiveDate) -> bool {
        self.bounds(fiscal_year)
            .is_some_and(|(first, last)| first <= date && date <= last)
    }
}

/// One business date of a command: the field it is in, the date and its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessDate {
    /// The command's field (as in the API body), e.g. "paid_on".
    pub field: &'static str,
    /// The date given.
    pub date: NaiveDate,
    /// Where it may lie.
    pub window: DateWindow,
}

impl Command {
    /// The business date of the command: the date its fact happened (None for no command today;
    /// every command carries one). See [`Command::business_dates`] for every dated field.
    pub fn business_date(&self) -> Option<NaiveDate> {
        self.business_dates().first().map(|b| b.date)
    }

    /// The rule table: every dated field of the command with the window it must lie in.
    pub fn business_dates(&self) -> Vec<BusinessDate> {
        use DateWindow::{Approval, Year, YearEndWork};
        let one = |field, date, window| {
            vec![BusinessDate {
                field,
                date,
                window,
            }]
        };
        match self {
            Command::ApproveBudget(e) => one("approved_on", e.approved_on, Approval),
            Command::RecordCarryOver(e) => one("recorded_on", e.recorded_on, Year),
            Command::ApproveTargets(e) => one("approved_on", e.approved_on, Approval),
            Command::RequestBudgetAdjustment(e) => one("requested_on", e.requested_on, Year),
            Command::RequestTargetAdjustment(e) => one("requested_on", e.requested_on, Year),
            Command::DecideBudgetAdjustment(d) | Command::DecideTargetAdjustment(d) => {
                let window = match d.decision {
                    Decision::Approve { .. } => Year,
                    Decision::Reject { .. } => YearEndWork,
                };
                one("decided_on", d.decided_on, window)
            }
            Command::RecordPayment(p) => one("paid_on", p.paid_on, Year),
            Command::ReversePayment(e) => one("reversed_on", e.reversed_on, Year),
            Command::HoldActivity(e) => one("held_on", e.held_on, Year),
            Command::CorrectActivity(e) => one("held_on", e.held_on, Year),
            Command::WithdrawActivity(e) => one("withdrawn_on", e.withdrawn_on, Year),
            Command::RecordSurvey(e) => one("surveyed_on", e.surveyed_on, YearEndWork),
            Command::AssessIndicator(e) => one("assessed_on", e.assessed_on, YearEndWork),
            Command::RecordProcurement(e) => one("procured_on", e.procured_on, Year),
            Command::FileMonitoringReport(e) => vec![
                BusinessDate {
                    field: "as_of",
                    date: e.as_of,
                    window: Year,
                },
                BusinessDate {
                    field: "filed_on",
                    date: e.filed_on,
                    window: YearEndWork,
                },
            ],
            Command::ExplainDeviation(e) => one("explained_on", e.explained_on, YearEndWork),
            Command::SubmitSelfEvaluation(s) => one("submitted_on", s.submitted_on, YearEndWork),
            Command::ReturnSelfEvaluation(e) | Command::ApproveSelfEvaluation(e) => {
                one("on", e.on, YearEndWork)
            }
            Command::CloseYear(e) | Command::ReopenYear(e) => one("on", e.on, YearEndWork),
            Command::AttachEvidence(e) => one("attached_on", e.attached_on, YearEndWork),
        }
    }
}

/// The one date check of `handle`: every dated field of `command` in its window of
/// `fiscal_year`.
pub(crate) fn check_dates(command: &Command, fiscal_year: i32) -> Result<(), DomainError> {
    for b in command.business_dates() {
        if b.window.contains(fiscal_year, b.date) {
            continue;
        }
        if b.field == "paid_on" {
            // The code documented for payments since the first release (docs/api.md).
            return Err(DomainError::PaymentOutsideYear {
                date: b.date,
                fiscal_year,
            });
        }
        let (earliest, latest) = b.window.bounds(fiscal_year).unwrap_or((b.date, b.date));
        return Err(DomainError::DateOutsideYear {
            field: b.field,
            date: b.date,
            fiscal_year,
            earliest,
            latest,
        });
    }
    Ok(())
}
