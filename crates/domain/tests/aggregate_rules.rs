//! Given/when/then tests of the rules that used to live outside the domain: every command's
//! business date in its window of the fiscal year (one check for all commands, each window's
//! edges), the order of dates (a withdrawal not before its activity, a decision not before its
//! request), a reason to close or reopen a year, and a payment's codes defaulting to its line's.

mod aggregate_support;

use aggregate_support::*;
use chrono::{Days, NaiveDate};
use jixiao_domain::aggregate::{
    Command, Context, Decide, Decision, DomainError, RecordPayment, UnitYear,
};
use jixiao_domain::budget::LineId;
use jixiao_domain::codes::EconomicCode;
use jixiao_domain::event::*;
use jixiao_domain::indicator::Scope;
use rust_decimal_macros::dec;

fn is_date_refusal(e: &DomainError) -> bool {
    matches!(e.code(), "date_outside_year" | "payment_outside_year")
}

/// The state a command of `every_command` is decided against.
fn state_for(command: &Command) -> UnitYear {
    match command {
        Command::ApproveBudget(_) => UnitYear::new(),
        _ => UnitYear::replay(&busy_year()),
    }
}

fn lock(on: NaiveDate, reason: &str) -> YearLockChanged {
    YearLockChanged {
        on,
        reason: reason.into(),
        by: String::new(),
    }
}

// ----- one date rule for every command ------------------------------------------------------

#[test]
fn every_command_names_at_least_one_business_date_and_its_sample_is_in_its_window() {
    let commands = every_command();
    assert_eq!(commands.len(), 23, "one sample per command variant");
    for c in &commands {
        let dates = c.business_dates();
        assert!(!dates.is_empty(), "{} has no business date", c.label());
        assert_eq!(c.business_date(), Some(dates[0].date));
        for b in dates {
            assert!(b.window.contains(2024, b.date), "{}: {b:?}", c.label());
        }
    }
}

#[test]
fn every_command_is_accepted_on_the_edges_of_its_window_and_refused_a_day_outside() {
    let p = profile();
    let ctx = Context { profile: &p };
    for command in every_command() {
        let state = state_for(&command);
        for b in command.business_dates() {
            let (first, last) = b.window.bounds(2024).expect("bounds of 2024");
            for inside in [first, last] {
                let c = redated(&command, b.field, inside);
                if let Err(e) = state.handle(c, &ctx) {
                    assert!(
                        !is_date_refusal(&e),
                        "{} {}={inside} refused: {e}",
                        command.label(),
                        b.field
                    );
                }
            }
            let outside = [
                first.checked_sub_days(Days::new(1)).expect("day before"),
                last.checked_add_days(Days::new(1)).expect("day after"),
            ];
            for date in outside {
                let err = state
                    .handle(redated(&command, b.field, date), &ctx)
                    .expect_err("a date outside the window is refused");
                assert!(is_date_refusal(&err), "{}: {err}", command.label());
                assert_eq!(err.field(), b.field, "{}: {err}", command.label());
                assert!(err.to_string().contains(&date.to_string()), "{err}");
            }
        }
    }
}

#[test]
fn an_activity_dated_in_another_year_is_refused_and_never_counts() {
    // The case of issue 11: an activity of 2019 counted towards 2024's 举办活动场次.
    let err = given(approved_year())
        .when(Command::HoldActivity(activity(1, d(2019, 4, 1), 10, 8)))
        .then_reject("date_outside_year");
    assert_eq!(err.field(), "held_on");
    let msg = err.to_string();
    assert!(
        msg.contains("held_on=2019-04-01") && msg.contains("2024-01-01至2024-12-31"),
        "{msg}"
    );
}

#[test]
fn an_activity_on_the_first_and_last_day_of_the_year_is_recorded() {
    for held_on in [d(2024, 1, 1), d(2024, 12, 31)] {
        let a = activity(1, held_on, 10, 8);
        given(approved_year())
            .when(Command::HoldActivity(a.clone()))
            .then_expect(vec![Event::ActivityHeld(a)]);
    }
}

#[test]
fn a_survey_dated_2030_is_refused_but_one_held_for_the_self_evaluation_in_june_is_recorded() {
    let mut s = survey(1, "专家", 10, 9);
    s.surveyed_on = d(2030, 5, 1);
    let err = given(approved_year())
        .when(Command::RecordSurvey(s.clone()))
        .then_reject("date_outside_year");
    assert_eq!(err.field(), "surveyed_on");
    s.surveyed_on = d(2025, 6, 30);
    given(approved_year())
        .when(Command::RecordSurvey(s.clone()))
        .then_expect(vec![Event::SurveyRecorded(s.clone())]);
    s.surveyed_on = d(2025, 7, 1);
    given(approved_year())
        .when(Command::RecordSurvey(s))
        .then_reject("date_outside_year");
}

#[test]
fn the_budget_may_be_approved_from_the_first_of_october_before_its_year() {
    let Event::BudgetApproved(mut b) = budget_approved() else {
        unreachable!()
    };
    b.approved_on = d(2023, 10, 1);
    given([])
        .when(Command::ApproveBudget(b.clone()))
        .then_expect(vec![Event::BudgetApproved(b.clone())]);
    b.approved_on = d(2023, 9, 30);
    let err = given([])
        .when(Command::ApproveBudget(b))
        .then_reject("date_outside_year");
    assert_eq!(err.field(), "approved_on");
    assert!(err.to_string().contains("2023-10-01至2024-12-31"), "{err}");
}

#[test]
fn a_year_is_closed_and_reopened_until_the_end_of_june_of_the_next_year() {
    let closed = given(approved_year())
        .when(Command::CloseYear(lock(d(2025, 1, 20), "自评完成")))
        .then_expect(vec![Event::YearClosed(lock(d(2025, 1, 20), "自评完成"))]);
    let mut log = approved_year();
    log.push(Event::YearClosed(lock(d(2025, 1, 20), "自评完成")));
    assert_eq!(closed, UnitYear::replay(&log));
    given(log.clone())
        .when(Command::ReopenYear(lock(d(2025, 6, 30), "财政复核")))
        .then_expect(vec![Event::YearReopened(lock(d(2025, 6, 30), "财政复核"))]);
    let err = given(log)
        .when(Command::ReopenYear(lock(d(2025, 7, 1), "财政复核")))
        .then_reject("date_outside_year");
    assert!(err.to_string().contains("2024-01-01至2025-06-30"), "{err}");
    given(approved_year())
        .when(Command::CloseYear(lock(d(2025, 7, 1), "迟到的锁定")))
        .then_reject("date_outside_year");
}

#[test]
fn a_pending_request_may_be_rejected_after_the_year_but_not_approved() {
    let reject = Decide {
        request_id: id(3),
        decided_on: d(2025, 1, 10),
        decision: Decision::Reject {
            reason: "年度已结束".into(),
        },
    };
    given(busy_year())
        .when(Command::DecideBudgetAdjustment(reject.clone()))
        .then_expect(vec![Event::BudgetAdjustmentRejected(RequestRejected {
            request_id: id(3),
            decided_on: d(2025, 1, 10),
            reason: "年度已结束".into(),
        })]);
    let approve = Decide {
        decision: Decision::Approve {
            note: "同意".into(),
        },
        ..reject
    };
    let err = given(busy_year())
        .when(Command::DecideBudgetAdjustment(approve.clone()))
        .then_reject("date_outside_year");
    assert_eq!(err.field(), "decided_on");
    let approve_target = Decide {
        request_id: id(5),
        ..approve
    };
    given(busy_year())
        .when(Command::DecideTargetAdjustment(approve_target))
        .then_reject("date_outside_year");
}

#[test]
fn a_monitoring_report_filed_after_june_of_the_next_year_is_refused() {
    let err = given(approved_year())
        .when(Command::FileMonitoringReport(MonitoringReportFiled {
            as_of: d(2024, 7, 31),
            filed_on: d(2025, 7, 1),
            expected_full_year_yuan: yuan(dec!(1000)),
            rows: vec![],
        }))
        .then_reject("date_outside_year");
    assert_eq!(err.field(), "filed_on");
}

// ----- the order of dates -------------------------------------------------------------------

#[test]
fn a_withdrawal_dated_before_its_activity_is_refused_naming_both_dates() {
    let withdraw = |on| {
        Command::WithdrawActivity(ActivityWithdrawn {
            activity_id: id(10),
            withdrawn_on: on,
            reason: "未实际举办".into(),
        })
    };
    let err = given(busy_year())
        .when(withdraw(d(2024, 5, 4)))
        .then_reject("withdrawal_before_activity");
    assert_eq!(err.field(), "withdrawn_on");
    let msg = err.to_string();
    assert!(
        msg.contains("withdrawn_on=2024-05-04") && msg.contains("held_on=2024-05-05"),
        "{msg}"
    );
    given(busy_year())
        .when(withdraw(d(2024, 5, 5)))
        .then_expect(vec![Event::ActivityWithdrawn(ActivityWithdrawn {
            activity_id: id(10),
            withdrawn_on: d(2024, 5, 5),
            reason: "未实际举办".into(),
        })]);
}

#[test]
fn a_withdrawal_is_ordered_against_the_corrected_date_of_its_activity() {
    let mut log = busy_year();
    log.push(Event::ActivityCorrected(ActivityCorrected {
        activity_id: id(10),
        held_on: d(2024, 9, 1),
        title: "活动10".into(),
        invited: 20,
        participants: 15,
        reason: "日期录错".into(),
    }));
    given(log)
        .when(Command::WithdrawActivity(ActivityWithdrawn {
            activity_id: id(10),
            withdrawn_on: d(2024, 8, 31),
            reason: "未实际举办".into(),
        }))
        .then_reject("withdrawal_before_activity");
}

#[test]
fn a_decision_dated_before_its_request_is_refused_for_budget_and_target_adjustments() {
    let decide = |request, on| Decide {
        request_id: id(request),
        decided_on: on,
        decision: Decision::Reject {
            reason: "不同意".into(),
        },
    };
    let err = given(busy_year())
        .when(Command::DecideBudgetAdjustment(decide(3, d(2024, 6, 30))))
        .then_reject("decision_before_request");
    assert_eq!(err.field(), "decided_on");
    let msg = err.to_string();
    assert!(
        msg.contains("decided_on=2024-06-30") && msg.contains("requested_on=2024-07-01"),
        "{msg}"
    );
    given(busy_year())
        .when(Command::DecideTargetAdjustment(decide(5, d(2024, 5, 31))))
        .then_reject("decision_before_request");
    given(busy_year())
        .when(Command::DecideTargetAdjustment(decide(5, d(2024, 6, 1))))
        .then_expect(vec![Event::TargetAdjustmentRejected(RequestRejected {
            request_id: id(5),
            decided_on: d(2024, 6, 1),
            reason: "不同意".into(),
        })]);
}

// ----- closing needs a reason ---------------------------------------------------------------

#[test]
fn closing_a_year_without_a_reason_is_refused() {
    for reason in ["", "   "] {
        let err = given(approved_year())
            .when(Command::CloseYear(lock(d(2024, 12, 31), reason)))
            .then_reject("required");
        assert_eq!(err.field(), "reason");
    }
}

#[test]
fn reopening_a_year_without_a_reason_is_refused() {
    let mut log = approved_year();
    log.push(Event::YearClosed(lock(d(2024, 12, 31), "年度结束")));
    let err = given(log)
        .when(Command::ReopenYear(lock(d(2025, 1, 5), " ")))
        .then_reject("required");
    assert_eq!(err.field(), "reason");
}

// ----- payment defaults ---------------------------------------------------------------------

fn bare_payment(line: &str) -> RecordPayment {
    RecordPayment {
        payment_id: id(1),
        paid_on: d(2024, 3, 1),
        line_id: LineId(line.into()),
        economic_code: None,
        function_code: None,
        project_code: None,
        amount_yuan: yuan(dec!(80)),
        voucher_no: None,
        summary: "差旅费".into(),
    }
}

#[test]
fn a_payment_without_codes_takes_its_lines_codes_and_project() {
    // P-P1-30211 is 功能分类 2060499, 经济分类 30211, project P1.
    given(approved_year())
        .when(Command::RecordPayment(bare_payment(PROJECT_LINE)))
        .then_expect(vec![Event::PaymentRecorded(payment(
            1,
            d(2024, 3, 1),
            dec!(80),
        ))]);
}

#[test]
fn a_payment_keeps_the_codes_it_gives() {
    let mut p = bare_payment(PROJECT_LINE);
    p.economic_code = Some(EconomicCode::parse("30215").expect("code"));
    let mut expected = payment(1, d(2024, 3, 1), dec!(80));
    expected.economic_code = EconomicCode::parse("30215").expect("code");
    given(approved_year())
        .when(Command::RecordPayment(p))
        .then_expect(vec![Event::PaymentRecorded(expected)]);
}

#[test]
fn a_payment_on_a_basic_line_without_codes_has_no_project() {
    let events = given(approved_year())
        .when(Command::RecordPayment(bare_payment(OFFICE_LINE)))
        .result
        .expect("recorded");
    let [Event::PaymentRecorded(p)] = events.as_slice() else {
        panic!("one payment expected, got {events:?}")
    };
    assert_eq!(p.project_code, None);
    assert_eq!(p.economic_code.to_string(), "30201");
}

#[test]
fn a_payment_without_codes_on_an_unknown_line_is_refused_as_unknown_line() {
    let err = given(approved_year())
        .when(Command::RecordPayment(bare_payment("NOPE")))
        .then_reject("unknown_line");
    assert_eq!(err.field(), "line_id");
    assert!(err.to_string().contains("NOPE"), "{err}");
}

#[test]
fn a_recorded_payment_turned_back_into_a_command_records_the_same_payment() {
    let p = payment(1, d(2024, 3, 1), dec!(12.34));
    given(approved_year())
        .when(Command::RecordPayment(RecordPayment::from(p.clone())))
        .then_expect(vec![Event::PaymentRecorded(p)]);
}

#[test]
fn a_unit_scope_payment_measure_is_unchanged_by_defaults() {
    // The defaulted payment counts towards the project's execution like a fully given one.
    let year = given(approved_year())
        .when(Command::RecordPayment(bare_payment(PROJECT_LINE)))
        .then_expect(vec![Event::PaymentRecorded(payment(
            1,
            d(2024, 3, 1),
            dec!(80),
        ))]);
    let (net, _) = jixiao_domain::measure::paid_yuan(&year, &project_scope(), None);
    assert_eq!(net, yuan(dec!(80)));
    let (net, _) = jixiao_domain::measure::paid_yuan(&year, &Scope::Unit, None);
    assert_eq!(net, yuan(dec!(80)));
}
