//! The year-end workflow (domain.md §7), given/when/then: submit (上报) → the unit's writes are
//! refused naming the submission → return (退回, with a reason) → the unit edits and submits
//! again → approve (审核通过) → close (关闭) → reopen (with a reason); each step refused where it
//! does not apply. And the submission's recheck: the rows that differ once the log moves on.

mod aggregate_support;

use aggregate_support::*;
use jixiao_domain::aggregate::{Command, Context, SubmitSelfEvaluation, UnitYear, Workflow};
use jixiao_domain::evaluation::recheck;
use jixiao_domain::event::*;
use jixiao_domain::indicator::{IndicatorId, QualGrade};
use rust_decimal_macros::dec;

/// The scored year of `aggregate.rs`: everything met, ready to submit.
fn ready_year() -> Vec<Event> {
    let mut log = approved_year();
    log.push(Event::PaymentRecorded(payment(
        1,
        d(2024, 6, 1),
        dec!(190000),
    )));
    for (n, m) in [(11, 3), (12, 6), (13, 9)] {
        log.push(Event::ActivityHeld(activity(n, d(2024, m, 10), 10, 8)));
    }
    log.push(Event::SurveyRecorded(survey(21, "专家", 10, 9)));
    log.push(Event::IndicatorAssessed(IndicatorAssessed {
        scope: project_scope(),
        indicator_id: IndicatorId("BEN-1".into()),
        assessed_on: d(2024, 12, 20),
        grade: Some(QualGrade::Achieved),
        score: None,
        actual_value: None,
        actual_text: "明显".into(),
        note: String::new(),
        band_position: None,
        evidence: Vec::new(),
    }));
    log
}

fn submit(on: (u32, u32)) -> Command {
    Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
        submitted_on: d(2024, on.0, on.1),
        submitted_by: "张主任".into(),
    })
}

fn review(on: (u32, u32), reason: &str) -> SelfEvaluationReviewed {
    SelfEvaluationReviewed {
        on: d(2024, on.0, on.1),
        by: "财政局李科长".into(),
        reason: reason.into(),
    }
}

fn lock(on: (u32, u32), reason: &str) -> YearLockChanged {
    YearLockChanged {
        on: d(2024, on.0, on.1),
        reason: reason.into(),
        by: "财政局李科长".into(),
    }
}

fn late_payment() -> Command {
    Command::RecordPayment(payment(2, d(2024, 12, 20), dec!(5000)).into())
}

/// Decides and applies one command; panics on a refusal.
fn step(state: &mut UnitYear, command: Command) -> Vec<Event> {
    let p = profile();
    let events = state
        .handle(command, &Context { profile: &p })
        .unwrap_or_else(|e| panic!("refused ({}): {e}", e.code()));
    for e in &events {
        state.apply(e);
    }
    events
}

fn refused(state: &UnitYear, command: Command) -> jixiao_domain::aggregate::DomainError {
    let p = profile();
    state
        .handle(command, &Context { profile: &p })
        .expect_err("expected a refusal")
}

#[test]
fn a_submitted_year_refuses_the_units_writes_naming_who_submitted_and_when() {
    let mut year = UnitYear::replay(&ready_year());
    assert_eq!(year.workflow(), Workflow::Draft);
    step(&mut year, submit((12, 30)));
    assert_eq!(year.workflow(), Workflow::Submitted);
    let err = refused(&year, late_payment());
    assert_eq!(err.code(), "year_submitted");
    let message = err.to_string();
    assert!(message.contains("张主任"), "{message}");
    assert!(message.contains("2024-12-30"), "{message}");
    assert!(message.contains("已上报"), "{message}");
    // Submitting twice is a unit write too.
    assert_eq!(refused(&year, submit((12, 31))).code(), "year_submitted");
}

#[test]
fn the_whole_workflow_runs_submit_return_resubmit_approve_close_reopen() {
    let mut year = UnitYear::replay(&ready_year());
    // Nothing to review before a submission.
    assert_eq!(
        refused(&year, Command::ApproveSelfEvaluation(review((12, 30), ""))).code(),
        "self_evaluation_not_submitted"
    );
    step(&mut year, submit((12, 29)));
    // Returning needs a reason; a return dated before the submission is refused.
    assert_eq!(
        refused(&year, Command::ReturnSelfEvaluation(review((12, 30), " "))).code(),
        "required"
    );
    assert_eq!(
        refused(
            &year,
            Command::ReturnSelfEvaluation(review((12, 28), "材料不全"))
        )
        .code(),
        "date_too_early"
    );
    step(
        &mut year,
        Command::ReturnSelfEvaluation(review((12, 30), "支出未入账完整")),
    );
    assert_eq!(year.workflow(), Workflow::Returned);
    // The unit edits again (the late payment) and submits anew.
    step(&mut year, late_payment());
    step(&mut year, submit((12, 31)));
    assert_eq!(year.submissions().len(), 2);
    // A second review of the same submission: approve; a return after approval is refused.
    step(
        &mut year,
        Command::ApproveSelfEvaluation(review((12, 31), "同意")),
    );
    assert_eq!(year.workflow(), Workflow::Approved);
    assert_eq!(refused(&year, late_payment()).code(), "year_submitted");
    assert_eq!(
        refused(
            &year,
            Command::ReturnSelfEvaluation(review((12, 31), "再查"))
        )
        .code(),
        "self_evaluation_not_submitted"
    );
    step(&mut year, Command::CloseYear(lock((12, 31), "年度终了")));
    assert_eq!(year.workflow(), Workflow::Closed);
    assert_eq!(refused(&year, late_payment()).code(), "year_closed");
    // Reopening needs a reason.
    assert_eq!(
        refused(&year, Command::ReopenYear(lock((12, 31), ""))).code(),
        "required"
    );
    step(&mut year, Command::ReopenYear(lock((12, 31), "审计调整")));
    assert_eq!(year.workflow(), Workflow::Draft);
    let states: Vec<Workflow> = year.workflow_steps().iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        vec![
            Workflow::Submitted,
            Workflow::Returned,
            Workflow::Submitted,
            Workflow::Approved,
            Workflow::Closed,
            Workflow::Draft,
        ]
    );
    let returned = &year.workflow_steps()[1];
    assert_eq!(
        (returned.by.as_str(), returned.reason.as_str()),
        ("财政局李科长", "支出未入账完整")
    );
}

#[test]
fn the_finance_bureaus_acts_are_not_locked_by_a_submission() {
    let mut year = UnitYear::replay(&ready_year());
    step(&mut year, submit((12, 30)));
    // A carry-over is the bureau's; it is recorded while the unit's writes wait.
    let line = jixiao_domain::budget::LineId(PROJECT_LINE.into());
    step(
        &mut year,
        Command::RecordCarryOver(CarryOverRecorded {
            line_id: line,
            amount_yuan: yuan(dec!(1000)),
            recorded_on: d(2024, 12, 30),
        }),
    );
    assert_eq!(year.workflow(), Workflow::Submitted);
}

#[test]
fn a_submission_holds_every_score_and_the_recheck_lists_the_rows_a_later_payment_changes() {
    let p = profile();
    let mut year = UnitYear::replay(&ready_year());
    let events = step(&mut year, submit((12, 30)));
    let Event::SelfEvaluationSubmitted(s) = &events[0] else {
        panic!("a submission is recorded")
    };
    assert_eq!(s.known_at_version, ready_year().len() as u64);
    assert_eq!(s.submitted_by, "张主任");
    // What was signed equals what the log as known then gives.
    let then = UnitYear::replay(&ready_year())
        .submitted_evaluations(&p, s.submitted_on)
        .expect("evaluates");
    assert_eq!(s.evaluations, then);
    assert!(recheck(&s.evaluations, &then).is_empty());
    // Returned, then a payment: the execution row and the total now differ, nothing else.
    step(
        &mut year,
        Command::ReturnSelfEvaluation(review((12, 30), "补记支出")),
    );
    step(&mut year, late_payment());
    let now = year
        .submitted_evaluations(&p, s.submitted_on)
        .expect("evaluates");
    let rows = recheck(&s.evaluations, &now);
    let names: Vec<(&Option<IndicatorId>, &str, &Vec<&str>)> = rows
        .iter()
        .map(|r| (&r.indicator_id, r.name.as_str(), &r.changed))
        .collect();
    // 190,000 → 195,000 of 200,000: 95% → 97.5%, 9.50 → 9.75; the total follows.
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(rows[0].indicator_id, None);
    assert_eq!(rows[0].changed, vec!["score", "actual"]);
    assert_eq!(
        rows[0].submitted.as_ref().map(|r| r.score),
        Some(dec!(9.50))
    );
    assert_eq!(
        rows[0].recomputed.as_ref().map(|r| r.score),
        Some(dec!(9.75))
    );
    assert_eq!(rows[1].name, "自评得分");
    assert_eq!(rows[1].changed, vec!["score"]);
}
