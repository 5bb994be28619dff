//! Given/when/then tests of every rule of the aggregate: what a unit's year accepts, what it
//! records, and what it refuses (by stable code, with a Chinese message naming field and value).

mod aggregate_support;

use aggregate_support::*;
use jixiao_domain::aggregate::{Command, Decide, Decision, UnitYear};
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::event::*;
use jixiao_domain::indicator::{IndicatorId, QualGrade, Scope};
use jixiao_domain::money::Yuan;
use jixiao_domain::target::Target;
use rust_decimal_macros::dec;

fn lock(on: chrono::NaiveDate, reason: &str) -> YearLockChanged {
    YearLockChanged {
        on,
        reason: reason.into(),
        by: String::new(),
    }
}

// ----- budget approval ----------------------------------------------------------------------

#[test]
fn an_approved_budget_is_recorded_as_given() {
    given([])
        .when(Command::ApproveBudget(match budget_approved() {
            Event::BudgetApproved(b) => b,
            _ => unreachable!(),
        }))
        .then_expect(vec![budget_approved()]);
}

#[test]
fn a_second_budget_approval_is_refused() {
    let Event::BudgetApproved(b) = budget_approved() else {
        unreachable!()
    };
    let err = given([budget_approved()])
        .when(Command::ApproveBudget(b))
        .then_reject("budget_already_approved");
    assert!(err.to_string().contains("2024-01-15"), "{err}");
}

#[test]
fn nothing_but_the_budget_approval_is_accepted_before_it() {
    let err = given([])
        .when(Command::RecordPayment(
            payment(1, d(2024, 3, 1), dec!(100)).into(),
        ))
        .then_reject("budget_not_approved");
    assert!(err.to_string().contains("记录支出"), "{err}");
    given([])
        .when(Command::ApproveTargets(match project_targets() {
            Event::TargetsApproved(t) => t,
            _ => unreachable!(),
        }))
        .then_reject("budget_not_approved");
}

#[test]
fn a_budget_with_two_lines_of_one_id_is_refused() {
    let Event::BudgetApproved(mut b) = budget_approved() else {
        unreachable!()
    };
    let dup = b.lines[0].clone();
    b.lines.push(dup);
    given([])
        .when(Command::ApproveBudget(b))
        .then_reject("duplicate_id");
}

#[test]
fn a_budget_line_of_an_undeclared_project_is_refused() {
    let Event::BudgetApproved(mut b) = budget_approved() else {
        unreachable!()
    };
    b.projects.clear();
    given([])
        .when(Command::ApproveBudget(b))
        .then_reject("unknown_project");
}

// ----- payments -----------------------------------------------------------------------------

#[test]
fn a_payment_within_the_year_is_recorded() {
    let p = payment(1, d(2024, 3, 1), dec!(1234.50));
    given(approved_year())
        .when(Command::RecordPayment(p.clone().into()))
        .then_expect(vec![Event::PaymentRecorded(p)]);
}

#[test]
fn a_payment_dated_outside_the_fiscal_year_is_refused_naming_the_date() {
    let err = given(approved_year())
        .when(Command::RecordPayment(
            payment(1, d(2025, 1, 2), dec!(100)).into(),
        ))
        .then_reject("payment_outside_year");
    let msg = err.to_string();
    assert!(
        msg.contains("paid_on=2025-01-02") && msg.contains("2024"),
        "{msg}"
    );
    given(approved_year())
        .when(Command::RecordPayment(
            payment(1, d(2023, 12, 31), dec!(100)).into(),
        ))
        .then_reject("payment_outside_year");
}

#[test]
fn a_zero_or_negative_payment_is_refused() {
    given(approved_year())
        .when(Command::RecordPayment(
            payment(1, d(2024, 3, 1), dec!(0)).into(),
        ))
        .then_reject("amount_not_positive");
    let err = given(approved_year())
        .when(Command::RecordPayment(
            payment(1, d(2024, 3, 1), dec!(-5)).into(),
        ))
        .then_reject("amount_not_positive");
    assert!(err.to_string().contains("amount_yuan=-5.00"), "{err}");
}

#[test]
fn a_payment_on_an_unknown_line_or_project_is_refused() {
    let mut p = payment(1, d(2024, 3, 1), dec!(100));
    p.line_id = LineId("NOPE".into());
    let err = given(approved_year())
        .when(Command::RecordPayment(p.into()))
        .then_reject("unknown_line");
    assert!(err.to_string().contains("NOPE"), "{err}");
    let mut p = payment(1, d(2024, 3, 1), dec!(100));
    p.project_code = Some(ProjectCode("P9".into()));
    given(approved_year())
        .when(Command::RecordPayment(p.into()))
        .then_reject("unknown_project");
}

#[test]
fn a_payment_charging_a_basic_line_with_a_project_is_refused() {
    let mut p = payment(1, d(2024, 3, 1), dec!(100));
    p.line_id = LineId(OFFICE_LINE.into());
    let err = given(approved_year())
        .when(Command::RecordPayment(p.into()))
        .then_reject("project_mismatch");
    assert!(
        err.to_string().contains("P1") && err.to_string().contains("无"),
        "{err}"
    );
}

#[test]
fn a_payment_id_used_twice_is_refused() {
    let p = payment(1, d(2024, 3, 1), dec!(100));
    given([budget_approved(), Event::PaymentRecorded(p.clone())])
        .when(Command::RecordPayment(
            payment(1, d(2024, 4, 1), dec!(200)).into(),
        ))
        .then_reject("duplicate_id");
}

#[test]
fn a_payment_is_reversed_once() {
    let p = payment(1, d(2024, 3, 1), dec!(100));
    let r = PaymentReversed {
        payment_id: id(1),
        reversed_on: d(2024, 3, 5),
        reason: "凭证错误".into(),
    };
    let year = given([budget_approved(), Event::PaymentRecorded(p.clone())])
        .when(Command::ReversePayment(r.clone()))
        .then_expect(vec![Event::PaymentReversed(r.clone())]);
    let err = Given {
        year,
        profile: profile(),
    }
    .when(Command::ReversePayment(r))
    .then_reject("payment_already_reversed");
    assert!(err.to_string().contains("2024-03-05"), "{err}");
}

#[test]
fn reversing_an_unknown_payment_is_refused() {
    let r = PaymentReversed {
        payment_id: id(9),
        reversed_on: d(2024, 3, 5),
        reason: "错误".into(),
    };
    given(approved_year())
        .when(Command::ReversePayment(r))
        .then_reject("unknown_payment");
}

#[test]
fn a_reversal_dated_before_its_payment_is_refused() {
    let p = payment(1, d(2024, 3, 1), dec!(100));
    let r = PaymentReversed {
        payment_id: id(1),
        reversed_on: d(2024, 2, 1),
        reason: "错误".into(),
    };
    let err = given([budget_approved(), Event::PaymentRecorded(p)])
        .when(Command::ReversePayment(r))
        .then_reject("reversal_before_payment");
    assert_eq!(err.field(), "reversed_on");
    let msg = err.to_string();
    assert!(
        msg.contains("reversed_on=2024-02-01") && msg.contains("paid_on=2024-03-01"),
        "{msg}"
    );
}

// ----- activities and surveys ---------------------------------------------------------------

#[test]
fn an_activity_with_more_participants_than_invited_is_refused() {
    let err = given(approved_year())
        .when(Command::HoldActivity(activity(1, d(2024, 4, 1), 10, 11)))
        .then_reject("participants_exceed_invited");
    assert!(
        err.to_string().contains("participants=11") && err.to_string().contains("invited=10"),
        "{err}"
    );
}

#[test]
fn an_activity_on_an_unknown_project_is_refused() {
    let mut a = activity(1, d(2024, 4, 1), 10, 8);
    a.project_code = ProjectCode("P9".into());
    given(approved_year())
        .when(Command::HoldActivity(a))
        .then_reject("unknown_project");
}

#[test]
fn an_activity_id_used_twice_is_refused() {
    given([
        budget_approved(),
        Event::ActivityHeld(activity(1, d(2024, 4, 1), 10, 8)),
    ])
    .when(Command::HoldActivity(activity(1, d(2024, 5, 1), 10, 8)))
    .then_reject("duplicate_id");
}

#[test]
fn a_correction_replaces_the_facts_and_must_respect_invited() {
    let c = ActivityCorrected {
        activity_id: id(1),
        held_on: d(2024, 4, 2),
        title: "活动1".into(),
        invited: 12,
        participants: 9,
        reason: "人数录错".into(),
    };
    let year = given([
        budget_approved(),
        Event::ActivityHeld(activity(1, d(2024, 4, 1), 10, 8)),
    ])
    .when(Command::CorrectActivity(c.clone()))
    .then_expect(vec![Event::ActivityCorrected(c.clone())]);
    let a = year.activity(&id(1)).expect("activity kept");
    assert_eq!(
        (
            a.activity.invited,
            a.activity.participants,
            a.activity.held_on
        ),
        (12, 9, d(2024, 4, 2))
    );
    let bad = ActivityCorrected {
        participants: 13,
        ..c
    };
    given([
        budget_approved(),
        Event::ActivityHeld(activity(1, d(2024, 4, 1), 10, 8)),
    ])
    .when(Command::CorrectActivity(bad))
    .then_reject("participants_exceed_invited");
}

#[test]
fn a_withdrawn_activity_can_be_neither_corrected_nor_withdrawn_again() {
    let w = ActivityWithdrawn {
        activity_id: id(1),
        withdrawn_on: d(2024, 5, 1),
        reason: "未举办".into(),
    };
    let log = vec![
        budget_approved(),
        Event::ActivityHeld(activity(1, d(2024, 4, 1), 10, 8)),
        Event::ActivityWithdrawn(w.clone()),
    ];
    given(log.clone())
        .when(Command::WithdrawActivity(w))
        .then_reject("activity_withdrawn");
    let c = ActivityCorrected {
        activity_id: id(1),
        held_on: d(2024, 4, 2),
        title: "x".into(),
        invited: 1,
        participants: 1,
        reason: "r".into(),
    };
    given(log)
        .when(Command::CorrectActivity(c))
        .then_reject("activity_withdrawn");
}

#[test]
fn correcting_an_unknown_activity_is_refused() {
    let w = ActivityWithdrawn {
        activity_id: id(7),
        withdrawn_on: d(2024, 5, 1),
        reason: "未举办".into(),
    };
    given(approved_year())
        .when(Command::WithdrawActivity(w))
        .then_reject("unknown_activity");
}

#[test]
fn a_survey_with_more_satisfied_than_respondents_is_refused() {
    let err = given(approved_year())
        .when(Command::RecordSurvey(survey(1, "专家", 10, 11)))
        .then_reject("satisfied_exceed_respondents");
    assert!(err.to_string().contains("satisfied=11"), "{err}");
    given(approved_year())
        .when(Command::RecordSurvey(survey(1, "专家", 0, 0)))
        .then_reject("no_respondents");
}

#[test]
fn a_survey_id_used_twice_is_refused() {
    given([
        budget_approved(),
        Event::SurveyRecorded(survey(1, "专家", 10, 9)),
    ])
    .when(Command::RecordSurvey(survey(1, "企业", 10, 9)))
    .then_reject("duplicate_id");
}

// ----- assessments --------------------------------------------------------------------------

fn assess(grade: Option<QualGrade>, score: Option<rust_decimal::Decimal>) -> Command {
    Command::AssessIndicator(IndicatorAssessed {
        evidence: Vec::new(),
        scope: project_scope(),
        indicator_id: IndicatorId("BEN-1".into()),
        assessed_on: d(2024, 12, 20),
        grade,
        score,
        actual_value: None,
        actual_text: "明显".into(),
        note: String::new(),
        band_position: None,
    })
}

#[test]
fn a_score_is_checked_in_its_band_as_printed_so_evaluation_never_rejects_it_later() {
    // W = 30: 部分达成 is [18, 24). 23.996 lies inside before rounding but prints as 24.00,
    // which the evaluation would reject; the aggregate must refuse it up front.
    let year = || given(approved_year());
    year()
        .when(assess(Some(QualGrade::Partial), Some(dec!(23.996))))
        .then_reject("score_outside_band");
    assert!(
        year()
            .when(assess(Some(QualGrade::Partial), Some(dec!(23.994))))
            .result
            .is_ok()
    );
}

#[test]
fn a_score_without_a_grade_is_refused_because_scoring_reads_the_grade() {
    given(approved_year())
        .when(assess(None, Some(dec!(25))))
        .then_reject("grade_required");
}

#[test]
fn a_qualitative_score_must_lie_in_its_grade_band() {
    // BEN-1 is the only 效益 indicator: W = 30 (mof-2020). 达成 [24, 30], 部分达成 [18, 24), 未达成 [0, 18).
    let year = || given(approved_year());
    let w =
        year()
            .year
            .indicator_weight(&project_scope(), &IndicatorId("BEN-1".into()), &profile());
    assert_eq!(w, Some(dec!(30)));
    year()
        .when(assess(Some(QualGrade::Achieved), None))
        .then_expect(vec![match assess(Some(QualGrade::Achieved), None) {
            Command::AssessIndicator(a) => Event::IndicatorAssessed(a),
            _ => unreachable!(),
        }]);
    assert!(
        year()
            .when(assess(Some(QualGrade::Achieved), Some(dec!(24))))
            .result
            .is_ok()
    );
    let err = year()
        .when(assess(Some(QualGrade::Achieved), Some(dec!(23.99))))
        .then_reject("score_outside_band");
    assert!(
        err.to_string().contains("score=23.99") && err.to_string().contains("达成"),
        "{err}"
    );
    year()
        .when(assess(Some(QualGrade::Achieved), Some(dec!(30.01))))
        .then_reject("score_outside_band");
    assert!(
        year()
            .when(assess(Some(QualGrade::Partial), Some(dec!(18))))
            .result
            .is_ok()
    );
    year()
        .when(assess(Some(QualGrade::Partial), Some(dec!(24))))
        .then_reject("score_outside_band");
    year()
        .when(assess(Some(QualGrade::NotAchieved), Some(dec!(18))))
        .then_reject("score_outside_band");
    year()
        .when(assess(Some(QualGrade::NotAchieved), Some(dec!(-1))))
        .then_reject("score_outside_band");
    assert!(
        year()
            .when(assess(Some(QualGrade::NotAchieved), Some(dec!(0))))
            .result
            .is_ok()
    );
}

#[test]
fn partial_and_not_achieved_grades_need_a_score() {
    given(approved_year())
        .when(assess(Some(QualGrade::Partial), None))
        .then_reject("score_required");
    given(approved_year())
        .when(assess(Some(QualGrade::NotAchieved), None))
        .then_reject("score_required");
}

#[test]
fn assessing_an_unknown_indicator_is_refused() {
    let Command::AssessIndicator(mut a) = assess(None, None) else {
        unreachable!()
    };
    a.indicator_id = IndicatorId("NOPE".into());
    given(approved_year())
        .when(Command::AssessIndicator(a))
        .then_reject("unknown_indicator");
}

// ----- targets ------------------------------------------------------------------------------

#[test]
fn targets_are_approved_once_per_scope() {
    let Event::TargetsApproved(t) = project_targets() else {
        unreachable!()
    };
    given(approved_year())
        .when(Command::ApproveTargets(t.clone()))
        .then_reject("targets_already_approved");
    let mut other = t;
    other.scope = Scope::Project(ProjectCode("P9".into()));
    given([budget_approved()])
        .when(Command::ApproveTargets(other))
        .then_reject("unknown_project");
}

#[test]
fn targets_with_two_indicators_of_one_id_are_refused() {
    let Event::TargetsApproved(mut t) = project_targets() else {
        unreachable!()
    };
    let dup = t.indicators[0].clone();
    t.indicators.push(dup);
    given([budget_approved()])
        .when(Command::ApproveTargets(t))
        .then_reject("duplicate_indicator");
}

fn target_request(n: u128) -> TargetAdjustmentRequested {
    TargetAdjustmentRequested {
        request_id: id(n),
        scope: project_scope(),
        indicator_id: IndicatorId("OUT-1".into()),
        new_target: Target::parse("≥2次").expect("target"),
        reason: "疫情影响".into(),
        requested_on: d(2024, 6, 1),
    }
}

fn decide(n: u128, on: chrono::NaiveDate, decision: Decision) -> Decide {
    Decide {
        request_id: id(n),
        decided_on: on,
        decision,
    }
}

#[test]
fn an_approved_target_adjustment_applies_the_new_target_from_its_date() {
    let mut log = approved_year();
    log.push(Event::TargetAdjustmentRequested(target_request(5)));
    let approved = TargetAdjustmentApproved {
        request_id: id(5),
        decided_on: d(2024, 6, 10),
        note: "同意".into(),
    };
    let year = given(log)
        .when(Command::DecideTargetAdjustment(decide(
            5,
            d(2024, 6, 10),
            Decision::Approve {
                note: "同意".into(),
            },
        )))
        .then_expect(vec![Event::TargetAdjustmentApproved(approved)]);
    let ind = year
        .targets(&project_scope())
        .and_then(|t| t.indicator(&IndicatorId("OUT-1".into())))
        .expect("indicator");
    assert_eq!(ind.indicator.target.text(), "≥2次");
    assert_eq!(ind.as_of(Some(d(2024, 6, 9))).target.text(), "≥3次");
    assert_eq!(ind.as_of(Some(d(2024, 6, 10))).target.text(), "≥2次");
}

#[test]
fn a_rejected_target_adjustment_leaves_the_target() {
    let mut log = approved_year();
    log.push(Event::TargetAdjustmentRequested(target_request(5)));
    let year = given(log)
        .when(Command::DecideTargetAdjustment(decide(
            5,
            d(2024, 6, 10),
            Decision::Reject {
                reason: "理由不足".into(),
            },
        )))
        .then_expect(vec![Event::TargetAdjustmentRejected(RequestRejected {
            request_id: id(5),
            decided_on: d(2024, 6, 10),
            reason: "理由不足".into(),
        })]);
    let ind = year
        .targets(&project_scope())
        .and_then(|t| t.indicator(&IndicatorId("OUT-1".into())))
        .expect("indicator");
    assert_eq!(ind.indicator.target.text(), "≥3次");
}

#[test]
fn a_target_adjustment_without_a_pending_request_is_refused() {
    given(approved_year())
        .when(Command::DecideTargetAdjustment(decide(
            5,
            d(2024, 6, 10),
            Decision::Approve {
                note: String::new(),
            },
        )))
        .then_reject("unknown_request");
    let mut log = approved_year();
    log.push(Event::TargetAdjustmentRequested(target_request(5)));
    log.push(Event::TargetAdjustmentApproved(TargetAdjustmentApproved {
        request_id: id(5),
        decided_on: d(2024, 6, 10),
        note: String::new(),
    }));
    let err = given(log)
        .when(Command::DecideTargetAdjustment(decide(
            5,
            d(2024, 6, 11),
            Decision::Reject {
                reason: "撤销".into(),
            },
        )))
        .then_reject("request_already_decided");
    assert!(err.to_string().contains("已批准"), "{err}");
}

#[test]
fn a_target_adjustment_request_needs_a_reason_and_a_known_indicator() {
    let mut r = target_request(5);
    r.reason = "  ".into();
    given(approved_year())
        .when(Command::RequestTargetAdjustment(r))
        .then_reject("required");
    let mut r = target_request(5);
    r.indicator_id = IndicatorId("NOPE".into());
    given(approved_year())
        .when(Command::RequestTargetAdjustment(r))
        .then_reject("unknown_indicator");
}

// ----- budget adjustments -------------------------------------------------------------------

fn budget_request(
    n: u128,
    line: &str,
    delta: rust_decimal::Decimal,
    reason: &str,
) -> BudgetAdjustmentRequested {
    BudgetAdjustmentRequested {
        request_id: id(n),
        line_id: LineId(line.into()),
        delta_yuan: yuan(delta),
        reason: reason.into(),
        requested_on: d(2024, 7, 1),
    }
}

#[test]
fn a_budget_adjustment_above_the_threshold_needs_a_reason() {
    // 办公费 is 10,000: 30% is 3,000. Moving 3,000 needs no reason; 3,000.01 does.
    let r = budget_request(3, OFFICE_LINE, dec!(3000), "");
    given(approved_year())
        .when(Command::RequestBudgetAdjustment(r.clone()))
        .then_expect(vec![Event::BudgetAdjustmentRequested(r)]);
    let err = given(approved_year())
        .when(Command::RequestBudgetAdjustment(budget_request(
            3,
            OFFICE_LINE,
            dec!(-3000.01),
            "",
        )))
        .then_reject("adjustment_reason_required");
    assert!(
        err.to_string().contains(OFFICE_LINE) && err.to_string().contains("30"),
        "{err}"
    );
    let r = budget_request(3, OFFICE_LINE, dec!(5000), "新增办公设备");
    given(approved_year())
        .when(Command::RequestBudgetAdjustment(r.clone()))
        .then_expect(vec![Event::BudgetAdjustmentRequested(r)]);
}

#[test]
fn a_budget_adjustment_cannot_take_a_line_below_zero_or_be_zero() {
    given(approved_year())
        .when(Command::RequestBudgetAdjustment(budget_request(
            3,
            OFFICE_LINE,
            dec!(-10000.01),
            "调减",
        )))
        .then_reject("adjustment_below_zero");
    given(approved_year())
        .when(Command::RequestBudgetAdjustment(budget_request(
            3,
            OFFICE_LINE,
            dec!(0),
            "",
        )))
        .then_reject("adjustment_zero");
    given(approved_year())
        .when(Command::RequestBudgetAdjustment(budget_request(
            3,
            "NOPE",
            dec!(10),
            "",
        )))
        .then_reject("unknown_line");
}

#[test]
fn an_approved_budget_adjustment_changes_the_line_budget() {
    let mut log = approved_year();
    log.push(Event::BudgetAdjustmentRequested(budget_request(
        3,
        OFFICE_LINE,
        dec!(2000),
        "",
    )));
    let year = given(log)
        .when(Command::DecideBudgetAdjustment(decide(
            3,
            d(2024, 7, 5),
            Decision::Approve {
                note: "同意".into(),
            },
        )))
        .then_expect(vec![Event::BudgetAdjusted(BudgetAdjusted {
            request_id: id(3),
            line_id: LineId(OFFICE_LINE.into()),
            delta_yuan: yuan(dec!(2000)),
            adjusted_on: d(2024, 7, 5),
            note: "同意".into(),
        })]);
    let line = year
        .budget()
        .and_then(|b| b.line(&LineId(OFFICE_LINE.into())))
        .expect("line");
    assert_eq!(line.adjusted_yuan(None), yuan(dec!(12000)));
    assert_eq!(line.adjusted_yuan(Some(d(2024, 7, 4))), yuan(dec!(10000)));
}

#[test]
fn a_budget_request_is_decided_once_and_a_rejection_needs_a_reason() {
    let mut log = approved_year();
    log.push(Event::BudgetAdjustmentRequested(budget_request(
        3,
        OFFICE_LINE,
        dec!(2000),
        "",
    )));
    given(log.clone())
        .when(Command::DecideBudgetAdjustment(decide(
            3,
            d(2024, 7, 5),
            Decision::Reject {
                reason: String::new(),
            },
        )))
        .then_reject("required");
    log.push(Event::BudgetAdjustmentRejected(RequestRejected {
        request_id: id(3),
        decided_on: d(2024, 7, 5),
        reason: "无依据".into(),
    }));
    given(log)
        .when(Command::DecideBudgetAdjustment(decide(
            3,
            d(2024, 7, 6),
            Decision::Approve {
                note: String::new(),
            },
        )))
        .then_reject("request_already_decided");
    given(approved_year())
        .when(Command::DecideBudgetAdjustment(decide(
            4,
            d(2024, 7, 6),
            Decision::Approve {
                note: String::new(),
            },
        )))
        .then_reject("unknown_request");
}

#[test]
fn a_budget_request_id_used_twice_is_refused() {
    let mut log = approved_year();
    log.push(Event::BudgetAdjustmentRequested(budget_request(
        3,
        OFFICE_LINE,
        dec!(2000),
        "",
    )));
    given(log)
        .when(Command::RequestBudgetAdjustment(budget_request(
            3,
            OFFICE_LINE,
            dec!(100),
            "",
        )))
        .then_reject("duplicate_id");
}

// ----- procurement, carry-over --------------------------------------------------------------

#[test]
fn a_procurement_id_used_twice_or_a_non_positive_procurement_is_refused() {
    let p = ProcurementRecorded {
        procurement_id: id(1),
        procured_on: d(2024, 5, 1),
        project_code: Some(project()),
        amount_yuan: yuan(dec!(5000)),
        description: "设备".into(),
    };
    given(approved_year())
        .when(Command::RecordProcurement(ProcurementRecorded {
            amount_yuan: Yuan::ZERO,
            ..p.clone()
        }))
        .then_reject("amount_not_positive");
    let mut log = approved_year();
    log.push(Event::ProcurementRecorded(p.clone()));
    given(log)
        .when(Command::RecordProcurement(p))
        .then_reject("duplicate_id");
}

#[test]
fn a_carry_over_adds_to_the_line_budget() {
    let c = CarryOverRecorded {
        line_id: LineId(PROJECT_LINE.into()),
        amount_yuan: yuan(dec!(5000)),
        recorded_on: d(2024, 2, 1),
    };
    let year = given(approved_year())
        .when(Command::RecordCarryOver(c.clone()))
        .then_expect(vec![Event::CarryOverRecorded(c)]);
    let line = year
        .budget()
        .and_then(|b| b.line(&LineId(PROJECT_LINE.into())))
        .expect("line");
    assert_eq!(line.adjusted_yuan(None), yuan(dec!(205000)));
}

// ----- year lock ----------------------------------------------------------------------------

#[test]
fn after_the_year_is_closed_only_reopening_is_accepted() {
    let mut log = approved_year();
    log.push(Event::YearClosed(lock(d(2025, 2, 1), "自评完成")));
    let err = given(log.clone())
        .when(Command::RecordPayment(
            payment(1, d(2024, 12, 1), dec!(100)).into(),
        ))
        .then_reject("year_closed");
    assert!(
        err.to_string().contains("2024") && err.to_string().contains("记录支出"),
        "{err}"
    );
    given(log.clone())
        .when(Command::CloseYear(lock(d(2025, 2, 2), "再次锁定")))
        .then_reject("year_closed");
    given(log.clone())
        .when(Command::ReopenYear(lock(d(2025, 2, 3), "")))
        .then_reject("required");
    let year = given(log)
        .when(Command::ReopenYear(lock(d(2025, 2, 3), "财政抽查要求更正")))
        .then_expect(vec![Event::YearReopened(lock(
            d(2025, 2, 3),
            "财政抽查要求更正",
        ))]);
    assert!(!year.is_closed());
}

#[test]
fn reopening_a_year_that_is_not_closed_is_refused() {
    given(approved_year())
        .when(Command::ReopenYear(lock(d(2025, 2, 3), "无")))
        .then_reject("year_not_closed");
}

// ----- replay -------------------------------------------------------------------------------

#[test]
fn replay_equals_applying_events_one_by_one_and_counts_versions() {
    let mut log = approved_year();
    log.push(Event::PaymentRecorded(payment(1, d(2024, 3, 1), dec!(100))));
    log.push(Event::ActivityHeld(activity(2, d(2024, 4, 1), 10, 8)));
    let mut one_by_one = UnitYear::new();
    for e in &log {
        one_by_one.apply(e);
    }
    let replayed = UnitYear::replay(&log);
    assert_eq!(replayed, one_by_one);
    assert_eq!(replayed.version(), 4);
}

// ----- self-evaluation ----------------------------------------------------------------------

/// P1's year: 190,000 of 200,000 paid (95%), 3 activities in 2024, BEN-1 达成, 专家 survey
/// with `satisfied` of 10 satisfied.
fn scored_year(satisfied: u32) -> Vec<Event> {
    let mut log = approved_year();
    log.push(Event::PaymentRecorded(payment(
        1,
        d(2024, 4, 1),
        dec!(100000),
    )));
    log.push(Event::PaymentRecorded(payment(
        2,
        d(2024, 9, 1),
        dec!(90000),
    )));
    for (n, m) in [(11, 3), (12, 6), (13, 9)] {
        log.push(Event::ActivityHeld(activity(n, d(2024, m, 10), 10, 8)));
    }
    log.push(Event::SurveyRecorded(survey(21, "专家", 10, satisfied)));
    let Command::AssessIndicator(a) = assess(Some(QualGrade::Achieved), None) else {
        unreachable!()
    };
    log.push(Event::IndicatorAssessed(a));
    log
}

fn submit() -> Command {
    Command::SubmitSelfEvaluation(jixiao_domain::aggregate::SubmitSelfEvaluation {
        submitted_on: d(2024, 12, 30),
        submitted_by: "head".into(),
    })
}

#[test]
fn a_self_evaluation_with_everything_met_is_submitted_with_its_score() {
    // 执行 190,000/200,000 = 95% → 9.50 of 10; 产出 50 over 2 met indicators; 效益 30 (达成,
    // no score); 满意度 9/10 = 90% ≥ 80% → 10. Total 9.50 + 50 + 30 + 10 = 99.50.
    let p = profile();
    let log = scored_year(9);
    let state = UnitYear::replay(&log);
    let expected = state
        .submitted_evaluations(&p, d(2024, 12, 30))
        .expect("the year evaluates");
    given(log.clone())
        .when(submit())
        .then_expect(vec![Event::SelfEvaluationSubmitted(
            SelfEvaluationSubmitted {
                profile_id: "mof-2020".into(),
                profile_version: p.version,
                submitted_on: d(2024, 12, 30),
                scores: vec![(PROJECT.into(), dec!(99.50))],
                submitted_by: "head".into(),
                known_at_version: log.len() as u64,
                evaluations: expected.clone(),
            },
        )]);
    // Every score of the form is in the event: the execution row and each indicator.
    assert_eq!(expected.len(), 1);
    assert_eq!(expected[0].total, dec!(99.50));
    assert_eq!(expected[0].rows[0].score, dec!(9.50));
    assert_eq!(
        expected[0].rows.len(),
        1 + 4,
        "execution row + four indicators"
    );
}

#[test]
fn a_self_evaluation_is_refused_while_a_deviation_is_unexplained() {
    // 专家 7/10 = 70% < 80%: not met, needs 偏差原因分析及改进措施.
    let err = given(scored_year(7))
        .when(submit())
        .then_reject("deviation_unexplained");
    assert!(err.to_string().contains("专家满意度"), "{err}");
    let mut log = scored_year(7);
    log.push(Event::DeviationExplained(DeviationExplained {
        scope: project_scope(),
        indicator_id: Some(IndicatorId("SAT-1".into())),
        explanation: "调查样本偏少，将扩大调查范围".into(),
        explained_on: d(2024, 12, 28),
    }));
    // SAT-1 is the only 满意度 indicator, W = 10: 10 × 70/80 = 8.75.
    // Total 9.50 + 50 + 30 + 8.75 = 98.25.
    let evaluations = UnitYear::replay(&log)
        .submitted_evaluations(&profile(), d(2024, 12, 30))
        .expect("the year evaluates");
    let year = given(log.clone())
        .when(submit())
        .then_expect(vec![Event::SelfEvaluationSubmitted(
            SelfEvaluationSubmitted {
                profile_id: "mof-2020".into(),
                profile_version: profile().version,
                submitted_on: d(2024, 12, 30),
                scores: vec![(PROJECT.into(), dec!(98.25))],
                submitted_by: "head".into(),
                known_at_version: log.len() as u64,
                evaluations,
            },
        )]);
    assert_eq!(year.submissions().len(), 1);
}

#[test]
fn explaining_a_deviation_of_an_unknown_indicator_is_refused() {
    given(approved_year())
        .when(Command::ExplainDeviation(DeviationExplained {
            scope: project_scope(),
            indicator_id: Some(IndicatorId("NOPE".into())),
            explanation: "x".into(),
            explained_on: d(2024, 12, 28),
        }))
        .then_reject("unknown_indicator");
}

// ----- review regressions -------------------------------------------------------------------

fn assess_value(indicator: &str, value: rust_decimal::Decimal) -> IndicatorAssessed {
    IndicatorAssessed {
        evidence: Vec::new(),
        scope: project_scope(),
        indicator_id: IndicatorId(indicator.into()),
        assessed_on: d(2024, 12, 20),
        grade: None,
        score: None,
        actual_value: Some(value),
        actual_text: value.to_string(),
        note: String::new(),
        band_position: None,
    }
}

#[test]
fn an_assessed_value_beyond_any_real_indicator_is_refused_so_scores_and_monitoring_stay_computable()
{
    let limit = jixiao_domain::monitoring::MAX_INDICATOR_VALUE;
    let err = given(approved_year())
        .when(Command::AssessIndicator(assess_value(
            "BEN-1",
            limit + dec!(1),
        )))
        .then_reject("value_too_large");
    assert!(err.to_string().contains("actual_value"), "{err}");
    given(approved_year())
        .when(Command::AssessIndicator(assess_value(
            "BEN-1",
            -limit - dec!(1),
        )))
        .then_reject("value_too_large");
    assert!(
        given(approved_year())
            .when(Command::AssessIndicator(assess_value("BEN-1", limit)))
            .result
            .is_ok()
    );
}

#[test]
fn a_number_entered_for_a_qualitative_indicator_leaves_it_to_be_graded_instead_of_breaking_the_evaluation()
 {
    // BEN-1 (明显) is qualitative: a number without a grade cannot score it. The evaluation of
    // the project must still be computable, with BEN-1 waiting for a grade.
    let mut log: Vec<Event> = scored_year(9)
        .into_iter()
        .filter(|e| !matches!(e, Event::IndicatorAssessed(_)))
        .collect();
    log.push(Event::IndicatorAssessed(assess_value("BEN-1", dec!(5))));
    let year = UnitYear::replay(&log);
    let e = year
        .project_evaluation(&project(), None, &profile())
        .expect("the evaluation stays computable");
    assert_eq!(e.not_yet_assessed, [IndicatorId("BEN-1".into())]);
    let ben = e.indicators.iter().find(|r| r.id.0 == "BEN-1").unwrap();
    assert_eq!(ben.score, dec!(0));
}

#[test]
fn a_count_whose_target_was_adjusted_to_a_deadline_waits_for_a_grade_instead_of_breaking_the_evaluation()
 {
    // OUT-1 counts activities (≥3次); an approved adjustment turns its target into a deadline.
    let mut log = scored_year(9);
    let mut r = target_request(5);
    r.new_target = Target::parse("10月底前").unwrap();
    log.push(Event::TargetAdjustmentRequested(r));
    log.push(Event::TargetAdjustmentApproved(TargetAdjustmentApproved {
        request_id: id(5),
        decided_on: d(2024, 6, 10),
        note: "同意".into(),
    }));
    let year = UnitYear::replay(&log);
    let e = year
        .project_evaluation(&project(), None, &profile())
        .expect("the evaluation stays computable");
    assert_eq!(e.not_yet_assessed, [IndicatorId("OUT-1".into())]);
    // A grade settles it.
    let mut graded = assess_value("OUT-1", dec!(0));
    graded.actual_value = None;
    graded.grade = Some(QualGrade::Achieved);
    log.push(Event::IndicatorAssessed(graded));
    let e = UnitYear::replay(&log)
        .project_evaluation(&project(), None, &profile())
        .unwrap();
    assert!(e.not_yet_assessed.is_empty());
}

#[test]
fn a_self_evaluation_is_refused_while_an_indicator_is_not_yet_assessed() {
    // BEN-1 (明显) was never graded: it would score 0 silently.
    let log: Vec<Event> = scored_year(9)
        .into_iter()
        .filter(|e| !matches!(e, Event::IndicatorAssessed(_)))
        .collect();
    let err = given(log).when(submit()).then_reject("not_yet_assessed");
    assert!(err.to_string().contains("提升程度"), "{err}");
}
