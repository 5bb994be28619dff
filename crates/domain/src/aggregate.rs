//! The per-(unit, fiscal year) aggregate: [`UnitYear`] holds the state of one budget unit's year,
//! built only by [`UnitYear::apply`]ing recorded events; [`UnitYear::handle`] checks a
//! [`Command`] against that state (and the scoring profile, where a rule needs it) and returns
//! the events to record, or a [`DomainError`] naming the rule broken. Views on the state (scores,
//! execution summary, indicator status, monitoring draft) live in [`views`].
//!
//! Invariants: `apply` never fails; `handle` never mutates; `replay(log)` equals applying the
//! same log one event at a time; nothing here reads a clock or makes an id.

mod command;
mod dates;
mod error;
mod evidence;
mod handle;
mod state;
mod totals;
mod views;

pub use command::{Command, Decide, Decision, RecordPayment, SubmitSelfEvaluation};
pub use dates::{
    APPROVAL_FROM_DAY, APPROVAL_FROM_MONTH, BusinessDate, DateWindow, YEAR_END_WORK_UNTIL_DAY,
    YEAR_END_WORK_UNTIL_MONTH,
};
pub use error::{DomainError, grade_label, scope_label};
pub use handle::{
    Context, MAX_AMOUNT_YUAN, MAX_EVENTS_PER_YEAR, MAX_INDICATORS_PER_SCOPE, MAX_LABEL_CHARS,
    MAX_LINES, MAX_MONITORING_ROWS, MAX_NAME_CHARS, MAX_PEOPLE, MAX_PROJECTS, MAX_TEXT_CHARS,
};
pub use state::{
    ActivityState, BudgetRequest, BudgetState, IndicatorState, LineState, PaymentState,
    RequestStatus, TargetRequest, TargetSet, UnitYear, Workflow, WorkflowStep,
};
pub(crate) use totals::SourcePart;
pub use totals::{DaySums, PaymentSet, PaymentTotals, ScopePayments, SourceSummary};
pub use views::{ExecutionRow, ExecutionSummary, IndicatorStatus, MonthRow};
