//! Measures computed from a year's events: each measure's formula, its zero-denominator cases,
//! "as of" a business date (only facts dated on or before it count), and the payments by month.

mod aggregate_support;

use aggregate_support::*;
use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::budget::LineId;
use jixiao_domain::codes::EconomicCode;
use jixiao_domain::event::*;
use jixiao_domain::indicator::{Level1, Scope};
use jixiao_domain::measure::{Measure, MeasureValue, measure, payments_by_month};
use jixiao_domain::money::Yuan;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn value_of(
    log: &[Event],
    scope: &Scope,
    m: Measure,
    target: &str,
    as_of: Option<chrono::NaiveDate>,
) -> MeasureValue {
    let year = UnitYear::replay(log);
    let ind = indicator("X", Level1::Output, "数量指标", "x", target, m);
    measure(&year, scope, &ind, as_of).value
}

fn num(v: Decimal) -> MeasureValue {
    MeasureValue::Number { value: v }
}

#[test]
fn participation_rate_is_participants_over_invited_of_activities_held() {
    let mut log = approved_year();
    log.push(Event::ActivityHeld(activity(1, d(2024, 3, 1), 10, 8)));
    log.push(Event::ActivityHeld(activity(2, d(2024, 4, 1), 20, 10)));
    // (8 + 10) / (10 + 20) = 60%.
    assert_eq!(
        value_of(
            &log,
            &project_scope(),
            Measure::ParticipationRate,
            "≥60%",
            None
        ),
        num(dec!(60))
    );
    // Before any activity there is nothing to measure.
    assert_eq!(
        value_of(
            &log,
            &project_scope(),
            Measure::ParticipationRate,
            "≥60%",
            Some(d(2024, 2, 1))
        ),
        MeasureValue::NoData
    );
}

#[test]
fn satisfaction_counts_the_chosen_groups_or_all_when_none_are_chosen() {
    let mut log = approved_year();
    log.push(Event::SurveyRecorded(survey(1, "专家", 10, 9)));
    log.push(Event::SurveyRecorded(survey(2, "企业", 10, 6)));
    log.push(Event::SurveyRecorded(survey(3, "工作人员", 20, 10)));
    let sat = |groups: &[&str]| Measure::Satisfaction {
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    // 专家 + 企业: 15/20 = 75%; all: 25/40 = 62.5%; a group never surveyed: no data.
    assert_eq!(
        value_of(&log, &project_scope(), sat(&["专家", "企业"]), "≥80%", None),
        num(dec!(75))
    );
    assert_eq!(
        value_of(&log, &project_scope(), sat(&[]), "≥80%", None),
        num(dec!(62.5))
    );
    assert_eq!(
        value_of(&log, &project_scope(), sat(&["社会公众"]), "≥80%", None),
        MeasureValue::NoData
    );
}

#[test]
fn the_activity_period_is_met_only_when_every_activity_is_inside_it() {
    let mut log = approved_year();
    let period = |log: &[Event], target: &str| {
        value_of(log, &project_scope(), Measure::ActivityPeriod, target, None)
    };
    assert_eq!(
        period(&log, "2024年"),
        MeasureValue::Met { met: false },
        "none held: not met"
    );
    log.push(Event::ActivityHeld(activity(1, d(2024, 5, 31), 10, 8)));
    assert_eq!(period(&log, "5月底前"), MeasureValue::Met { met: true });
    log.push(Event::ActivityHeld(activity(2, d(2024, 6, 1), 10, 8)));
    assert_eq!(period(&log, "5月底前"), MeasureValue::Met { met: false });
    assert_eq!(period(&log, "2024年"), MeasureValue::Met { met: true });
}

#[test]
fn a_withdrawn_activity_counts_until_its_withdrawal_date() {
    let mut log = approved_year();
    log.push(Event::ActivityHeld(activity(1, d(2024, 3, 1), 10, 8)));
    log.push(Event::ActivityHeld(activity(2, d(2024, 4, 1), 10, 8)));
    log.push(Event::ActivityWithdrawn(ActivityWithdrawn {
        activity_id: id(2),
        withdrawn_on: d(2024, 8, 1),
        reason: "误录".into(),
    }));
    let count = |as_of| {
        value_of(
            &log,
            &project_scope(),
            Measure::ActivityCount,
            "≥3次",
            as_of,
        )
    };
    assert_eq!(count(Some(d(2024, 7, 31))), num(dec!(2)));
    assert_eq!(count(None), num(dec!(1)));
}

#[test]
fn execution_rate_is_net_payments_over_the_adjusted_budget_of_the_scope() {
    let mut log = approved_year();
    log.push(Event::PaymentRecorded(payment(
        1,
        d(2024, 3, 1),
        dec!(100000),
    )));
    log.push(Event::PaymentRecorded(payment(
        2,
        d(2024, 4, 1),
        dec!(20000),
    )));
    log.push(Event::PaymentReversed(PaymentReversed {
        payment_id: id(2),
        reversed_on: d(2024, 8, 1),
        reason: "红冲".into(),
    }));
    let mut salary = payment(3, d(2024, 3, 1), dec!(55000));
    salary.line_id = LineId(SALARY_LINE.into());
    salary.project_code = None;
    log.push(Event::PaymentRecorded(salary));
    log.push(Event::CarryOverRecorded(CarryOverRecorded {
        line_id: LineId(PROJECT_LINE.into()),
        amount_yuan: yuan(dec!(50000)),
        recorded_on: d(2024, 2, 1),
    }));
    // Project: (100,000 + 20,000 − 20,000) / (200,000 + 50,000) = 40%.
    assert_eq!(
        value_of(&log, &project_scope(), Measure::ExecutionRate, "≥90%", None),
        num(dec!(40))
    );
    // As of 31 July the reversal (1 August) has not happened: 120,000 / 250,000 = 48%.
    assert_eq!(
        value_of(
            &log,
            &project_scope(),
            Measure::ExecutionRate,
            "≥90%",
            Some(d(2024, 7, 31))
        ),
        num(dec!(48))
    );
    // Unit: (100,000 + 55,000) / (100,000 + 10,000 + 250,000) = 43.06%.
    assert_eq!(
        value_of(&log, &Scope::Unit, Measure::ExecutionRate, "≥90%", None),
        num(dec!(43.06))
    );
    // 结转结余率 of the project: (250,000 − 100,000) / 250,000 = 60%.
    assert_eq!(
        value_of(&log, &project_scope(), Measure::CarryOverRate, "≤10%", None),
        num(dec!(60))
    );
}

#[test]
fn adjustment_rate_counts_additions_and_reductions_over_the_initial_budget() {
    let mut log = approved_year();
    for (n, delta) in [(1u128, dec!(2000)), (2, dec!(-1000))] {
        log.push(Event::BudgetAdjustmentRequested(
            BudgetAdjustmentRequested {
                request_id: id(n),
                line_id: LineId(OFFICE_LINE.into()),
                delta_yuan: yuan(delta),
                reason: String::new(),
                requested_on: d(2024, 6, 1),
            },
        ));
        log.push(Event::BudgetAdjusted(BudgetAdjusted {
            request_id: id(n),
            line_id: LineId(OFFICE_LINE.into()),
            delta_yuan: yuan(delta),
            adjusted_on: d(2024, 6, 5),
            note: String::new(),
        }));
    }
    // (2,000 + 1,000) / 310,000 = 0.97%.
    assert_eq!(
        value_of(&log, &Scope::Unit, Measure::AdjustmentRate, "≤30%", None),
        num(dec!(0.97))
    );
    assert_eq!(
        value_of(
            &log,
            &Scope::Unit,
            Measure::AdjustmentRate,
            "≤30%",
            Some(d(2024, 6, 4))
        ),
        num(dec!(0))
    );
}

#[test]
fn sangong_and_procurement_without_a_budget_do_not_apply_unless_money_was_spent() {
    let mut log = approved_year();
    assert_eq!(
        value_of(
            &log,
            &Scope::Unit,
            Measure::SangongControlRate,
            "≤100%",
            None
        ),
        MeasureValue::NotApplicable
    );
    assert_eq!(
        value_of(
            &log,
            &Scope::Unit,
            Measure::ProcurementExecutionRate,
            "≥80%",
            None
        ),
        MeasureValue::NotApplicable
    );
    let mut reception = payment(1, d(2024, 3, 1), dec!(800));
    reception.economic_code = EconomicCode::parse("30217").expect("公务接待费");
    log.push(Event::PaymentRecorded(reception));
    assert_eq!(
        value_of(
            &log,
            &Scope::Unit,
            Measure::SangongControlRate,
            "≤100%",
            None
        ),
        MeasureValue::Unbounded
    );
}

#[test]
fn payments_by_month_book_a_reversal_in_its_own_month() {
    let mut log = approved_year();
    log.push(Event::PaymentRecorded(payment(
        1,
        d(2024, 1, 20),
        dec!(100),
    )));
    log.push(Event::PaymentRecorded(payment(2, d(2024, 3, 1), dec!(50))));
    log.push(Event::PaymentReversed(PaymentReversed {
        payment_id: id(1),
        reversed_on: d(2024, 4, 2),
        reason: "红冲".into(),
    }));
    let year = UnitYear::replay(&log);
    let months: Vec<Yuan> = payments_by_month(&year, &project_scope(), Some(d(2024, 4, 30)));
    assert_eq!(
        months,
        vec![
            yuan(dec!(100)),
            Yuan::ZERO,
            yuan(dec!(50)),
            yuan(dec!(-100))
        ]
    );
    assert_eq!(payments_by_month(&year, &project_scope(), None).len(), 12);
}
