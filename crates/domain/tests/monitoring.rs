//! In-year monitoring as a user relies on it: 序时进度 on both bases, every warning-colour
//! boundary, the run-rate forecast on hand-worked numbers, the early warnings, the budget
//! adjustment rule and the 1-7月 report draft.

use chrono::NaiveDate;
use jixiao_domain::event::{DeviationCause, Likelihood};
use jixiao_domain::indicator::{Indicator, IndicatorId, Level1, Scope};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::monitoring::*;
use jixiao_domain::profile::{ScheduleBasis, ScoringProfile};
use jixiao_domain::target::{Comparator, Target, TargetUnit, TargetValue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// The built-in default profile, mof-2020: warnings 60/80 (execution) and 60/80/120
/// (indicators), month-end schedule, adjustment reason above 30%, explanation below 90%.
fn profile() -> ScoringProfile {
    ScoringProfile::builtin("mof-2020").unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn yuan(d: Decimal) -> Yuan {
    Yuan::new(d).unwrap()
}

fn quantitative(comparator: Comparator, value: Decimal, unit: &str) -> TargetValue {
    TargetValue::Quantitative {
        comparator,
        value,
        unit: TargetUnit(unit.to_string()),
    }
}

// ---------------------------------------------------------------- 序时进度

#[test]
fn month_end_schedule_counts_a_month_once_it_has_ended() {
    let cases = [
        (day(2024, 1, 1), Decimal::ZERO),
        (day(2024, 1, 15), Decimal::ZERO),
        (day(2024, 1, 31), dec!(1) / dec!(12)),
        // 2024 is a leap year: 28 February is not the month end, 29 February is.
        (day(2024, 2, 28), dec!(1) / dec!(12)),
        (day(2024, 2, 29), dec!(2) / dec!(12)),
        (day(2024, 7, 31), dec!(7) / dec!(12)),
        (day(2024, 8, 15), dec!(7) / dec!(12)),
        (day(2024, 8, 31), dec!(8) / dec!(12)),
        (day(2024, 12, 30), dec!(11) / dec!(12)),
        (day(2024, 12, 31), Decimal::ONE),
    ];
    for (as_of, expected) in cases {
        assert_eq!(
            schedule_progress(as_of, 2024, ScheduleBasis::MonthEnd),
            expected,
            "{as_of}"
        );
    }
    // In a common year 28 February ends the month.
    assert_eq!(
        schedule_progress(day(2023, 2, 28), 2023, ScheduleBasis::MonthEnd),
        dec!(2) / dec!(12)
    );
}

#[test]
fn elapsed_days_schedule_counts_the_day_itself_over_the_days_of_the_year() {
    let cases = [
        (day(2024, 1, 1), 2024, dec!(1) / dec!(366)),
        // 31+29+31+30+31+30+31 = 213 days to 31 July in a leap year.
        (day(2024, 7, 31), 2024, dec!(213) / dec!(366)),
        (day(2024, 12, 31), 2024, Decimal::ONE),
        (day(2023, 1, 1), 2023, dec!(1) / dec!(365)),
        (day(2023, 7, 31), 2023, dec!(212) / dec!(365)),
    ];
    for (as_of, year, expected) in cases {
        assert_eq!(
            schedule_progress(as_of, year, ScheduleBasis::ElapsedDays),
            expected,
            "{as_of}"
        );
    }
}

#[test]
fn schedule_is_zero_before_the_year_and_one_after_it_on_both_bases() {
    for basis in [ScheduleBasis::MonthEnd, ScheduleBasis::ElapsedDays] {
        assert_eq!(
            schedule_progress(day(2023, 12, 31), 2024, basis),
            Decimal::ZERO
        );
        assert_eq!(
            schedule_progress(day(2025, 1, 1), 2024, basis),
            Decimal::ONE
        );
        assert_eq!(
            schedule_progress(day(2026, 6, 1), 2024, basis),
            Decimal::ONE
        );
    }
}

#[test]
fn schedule_is_shown_as_a_percentage_and_the_report_names_its_period() {
    assert_eq!(
        progress_percent(schedule_progress(
            day(2024, 7, 31),
            2024,
            ScheduleBasis::MonthEnd
        )),
        dec!(58.33)
    );
    assert_eq!(period_label(day(2024, 7, 31), 2024), "1-7月");
    assert_eq!(period_label(day(2024, 1, 20), 2024), "1月");
    assert_eq!(period_label(day(2025, 2, 1), 2024), "1-12月");
    assert_eq!(completed_months(day(2024, 8, 15), 2024), 7);
    assert_eq!(months_begun(day(2024, 8, 15), 2024), 8);
}

// ---------------------------------------------------------------- colours

#[test]
fn colours_have_chinese_names_and_snake_case_json() {
    let names: Vec<&str> = [
        Colour::Red,
        Colour::Yellow,
        Colour::Green,
        Colour::Blue,
        Colour::Grey,
    ]
    .iter()
    .map(|c| c.name_zh())
    .collect();
    assert_eq!(names, ["红", "黄", "绿", "蓝", "灰"]);
    assert_eq!(
        serde_json::to_string(&Colour::Yellow).unwrap(),
        "\"yellow\""
    );
    assert_eq!(
        serde_json::from_str::<Colour>("\"grey\"").unwrap(),
        Colour::Grey
    );
    assert_eq!(Colour::Blue.to_string(), "蓝");
}

#[test]
fn execution_warning_turns_yellow_at_exactly_60_and_green_at_exactly_80() {
    let p = profile();
    // On 30 June the month-end schedule is 1/2, so v = rate × 2.
    let half = schedule_progress(day(2024, 6, 30), 2024, ScheduleBasis::MonthEnd);
    let cases = [
        (dec!(0), dec!(0), Colour::Red),
        (dec!(29.99), dec!(59.98), Colour::Red),
        (dec!(30), dec!(60), Colour::Yellow),
        (dec!(39.99), dec!(79.98), Colour::Yellow),
        (dec!(40), dec!(80), Colour::Green),
        (dec!(55), dec!(110), Colour::Green),
    ];
    for (rate, v, colour) in cases {
        let w = execution_warning(rate, half, &p);
        assert_eq!((w.v, w.colour), (Some(v), colour), "rate {rate}");
    }
}

#[test]
fn a_units_row_shows_its_rate_the_schedule_and_the_colour_of_v() {
    let p = profile();
    // 29,999 of 100,000 paid by 30 June (序时 50%): 29.999% → 30.00%, v = 60.00, yellow.
    let w = unit_execution_warning(
        yuan(dec!(29999)),
        yuan(dec!(100000)),
        day(2024, 6, 30),
        2024,
        &p,
    );
    assert_eq!(
        w,
        UnitWarning {
            rate_percent: Some(dec!(30.00)),
            progress_percent: dec!(50.00),
            colour: Colour::Yellow,
            v: Some(dec!(60.00)),
        }
    );
    // 29,000: 29% → v = 58, red.
    let w = unit_execution_warning(
        yuan(dec!(29000)),
        yuan(dec!(100000)),
        day(2024, 6, 30),
        2024,
        &p,
    );
    assert_eq!((w.colour, w.v), (Colour::Red, Some(dec!(58.00))));
}

#[test]
fn a_unit_without_a_budget_or_with_nothing_due_is_grey() {
    let p = profile();
    let no_budget = unit_execution_warning(yuan(dec!(10)), Yuan::ZERO, day(2024, 6, 30), 2024, &p);
    assert_eq!(
        (no_budget.rate_percent, no_budget.colour, no_budget.v),
        (None, Colour::Grey, None)
    );
    assert_eq!(no_budget.progress_percent, dec!(50.00));
    let january =
        unit_execution_warning(yuan(dec!(10)), yuan(dec!(100)), day(2024, 1, 15), 2024, &p);
    assert_eq!(
        (
            january.rate_percent,
            january.colour,
            january.progress_percent
        ),
        (Some(dec!(10.00)), Colour::Grey, dec!(0.00))
    );
}

#[test]
fn colour_names_in_english_are_the_serialised_names() {
    for c in [
        Colour::Red,
        Colour::Yellow,
        Colour::Green,
        Colour::Blue,
        Colour::Grey,
    ] {
        let json = serde_json::to_value(c).expect("serialises");
        assert_eq!(json.as_str(), Some(c.name_en()));
    }
}

#[test]
fn execution_warning_is_grey_while_nothing_is_due() {
    let p = profile();
    let january = schedule_progress(day(2024, 1, 15), 2024, ScheduleBasis::MonthEnd);
    assert_eq!(
        execution_warning(dec!(3), january, &p),
        Warning {
            v: None,
            colour: Colour::Grey
        }
    );
}

#[test]
fn execution_thresholds_come_from_the_profile() {
    let mut p = profile();
    p.warnings.execution_red_below = dec!(50);
    p.warnings.execution_yellow_below = dec!(70);
    let half = dec!(0.5);
    assert_eq!(execution_warning(dec!(27), half, &p).colour, Colour::Yellow); // v = 54
    assert_eq!(execution_warning(dec!(36), half, &p).colour, Colour::Green); // v = 72
}

#[test]
fn cumulative_indicator_colour_boundaries_are_60_80_and_120_of_the_pro_rated_target() {
    let p = profile();
    let target = quantitative(Comparator::Ge, dec!(100), "人");
    // Expected by 30 June: 100 × 1/2 = 50.
    let cases = [
        (dec!(29), dec!(58), Colour::Red),
        (dec!(30), dec!(60), Colour::Yellow),
        (dec!(39), dec!(78), Colour::Yellow),
        (dec!(40), dec!(80), Colour::Green),
        (dec!(59), dec!(118), Colour::Green),
        (dec!(60), dec!(120), Colour::Blue),
    ];
    for (a, v, colour) in cases {
        let w = indicator_progress(&target, &Measure::ParticipantSum, Some(a), dec!(0.5), &p);
        assert_eq!((w.v, w.colour), (Some(v), colour), "A = {a}");
    }
}

#[test]
fn cumulative_indicator_is_grey_before_anything_is_due_and_when_not_recorded() {
    let p = profile();
    let target = quantitative(Comparator::Ge, dec!(3), "次");
    assert_eq!(
        indicator_progress(
            &target,
            &Measure::ActivityCount,
            Some(dec!(1)),
            Decimal::ZERO,
            &p
        )
        .colour,
        Colour::Grey
    );
    assert_eq!(
        indicator_progress(&target, &Measure::ActivityCount, None, dec!(0.5), &p).colour,
        Colour::Grey
    );
}

#[test]
fn ratio_indicator_compares_actual_with_target_directly_and_unmet_is_never_green() {
    let p = profile();
    let target = quantitative(Comparator::Ge, dec!(80), "%");
    let satisfaction = Measure::Satisfaction {
        groups: vec!["专家".into(), "企业".into()],
    };
    let cases = [
        (dec!(47.99), Colour::Red),   // v = 59.99
        (dec!(48), Colour::Yellow),   // v = 60
        (dec!(79), Colour::Yellow),   // v = 98.75, not met
        (dec!(80), Colour::Green),    // met
        (dec!(95.99), Colour::Green), // v = 119.99
        (dec!(96), Colour::Blue),     // v = 120
    ];
    for (a, colour) in cases {
        // The date does not matter for a ratio: early or late in the year, same colour.
        for progress in [dec!(0.25), Decimal::ONE] {
            assert_eq!(
                indicator_progress(&target, &satisfaction, Some(a), progress, &p).colour,
                colour,
                "A = {a}"
            );
        }
    }
}

#[test]
fn reverse_ratio_indicator_is_met_at_or_below_its_cap() {
    let p = profile();
    let cap = quantitative(Comparator::Le, dec!(30), "%");
    let m = Measure::AdjustmentRate;
    let cases = [
        (dec!(0), Colour::Green),
        (dec!(20), Colour::Green),
        (dec!(30), Colour::Green),
        (dec!(40), Colour::Yellow), // v = 30/40 = 75
        (dec!(50), Colour::Yellow), // v = 60
        (dec!(51), Colour::Red),    // v = 58.82
    ];
    for (a, colour) in cases {
        assert_eq!(
            indicator_progress(&cap, &m, Some(a), dec!(0.5), &p).colour,
            colour,
            "A = {a}"
        );
    }
    let strict = quantitative(Comparator::Lt, dec!(30), "%");
    assert_eq!(
        indicator_progress(&strict, &m, Some(dec!(30)), dec!(0.5), &p).colour,
        Colour::Yellow
    );
}

#[test]
fn a_zero_target_is_judged_as_met_or_not_without_dividing_by_zero() {
    let p = profile();
    let none_allowed = quantitative(Comparator::Le, dec!(0), "%");
    assert_eq!(
        indicator_progress(
            &none_allowed,
            &Measure::Assessed,
            Some(dec!(0)),
            dec!(0.5),
            &p
        )
        .colour,
        Colour::Green
    );
    assert_eq!(
        indicator_progress(
            &none_allowed,
            &Measure::Assessed,
            Some(dec!(5)),
            dec!(0.5),
            &p
        )
        .colour,
        Colour::Red
    );
    let at_least_zero = quantitative(Comparator::Ge, dec!(0), "次");
    assert_eq!(
        indicator_progress(
            &at_least_zero,
            &Measure::ActivityCount,
            Some(dec!(0)),
            dec!(0.5),
            &p
        )
        .colour,
        Colour::Green
    );
    let exactly_zero = quantitative(Comparator::Eq, dec!(0), "次");
    assert_eq!(
        indicator_progress(
            &exactly_zero,
            &Measure::ActivityCount,
            Some(dec!(1)),
            dec!(0.5),
            &p
        )
        .colour,
        Colour::Red
    );
}

#[test]
fn cumulative_cap_spent_faster_than_schedule_warns_and_an_exceeded_cap_is_red() {
    let p = profile();
    let cap = quantitative(Comparator::Le, dec!(10), "次");
    let m = Measure::ActivityCount;
    // By 30 June 5 of the 10 allowed are on schedule.
    assert_eq!(
        indicator_progress(&cap, &m, Some(dec!(5)), dec!(0.5), &p).colour,
        Colour::Green
    );
    assert_eq!(
        indicator_progress(&cap, &m, Some(dec!(8)), dec!(0.5), &p).colour,
        Colour::Yellow
    ); // v = 62.5
    assert_eq!(
        indicator_progress(&cap, &m, Some(dec!(11)), dec!(0.5), &p).colour,
        Colour::Red
    );
    assert_eq!(
        indicator_progress(&cap, &m, Some(dec!(0)), dec!(0.5), &p).colour,
        Colour::Green
    );
}

#[test]
fn qualitative_and_time_targets_are_grey() {
    let p = profile();
    let word = TargetValue::Qualitative {
        word: "良好".into(),
    };
    assert_eq!(
        indicator_progress(&word, &Measure::Assessed, Some(dec!(1)), dec!(0.5), &p).colour,
        Colour::Grey
    );
    let year = TargetValue::Time(jixiao_domain::target::TimeTarget::WithinYear { year: 2024 });
    assert_eq!(
        indicator_progress(
            &year,
            &Measure::ActivityPeriod,
            Some(dec!(1)),
            dec!(0.5),
            &p
        )
        .colour,
        Colour::Grey
    );
}

#[test]
fn units_below_60_at_the_end_of_the_third_quarter_are_called_to_explain() {
    let p = profile();
    assert!(!called_to_explain(
        Some(dec!(50)),
        day(2024, 9, 29),
        2024,
        &p
    ));
    assert!(called_to_explain(
        Some(dec!(59.99)),
        day(2024, 9, 30),
        2024,
        &p
    ));
    assert!(!called_to_explain(
        Some(dec!(60)),
        day(2024, 9, 30),
        2024,
        &p
    ));
    assert!(called_to_explain(
        Some(dec!(40)),
        day(2024, 12, 31),
        2024,
        &p
    ));
    assert!(called_to_explain(
        Some(dec!(40)),
        day(2025, 1, 10),
        2024,
        &p
    ));
    assert!(!called_to_explain(
        Some(dec!(40)),
        day(2023, 10, 1),
        2024,
        &p
    ));
    assert!(!called_to_explain(None, day(2024, 10, 1), 2024, &p));
}

// ---------------------------------------------------------------- forecast

/// 400,000 元 spent over January–July, month by month.
fn spent_400k_by_july() -> Vec<Yuan> {
    [50_000, 60_000, 55_000, 65_000, 50_000, 60_000, 60_000]
        .into_iter()
        .map(|n| yuan(Decimal::from(n)))
        .collect()
}

#[test]
fn forty_wan_spent_by_july_of_82_34_wan_forecasts_68_57_wan_and_warns() {
    let p = profile();
    let budget = Yuan::parse_wan("82.34").unwrap();
    let f = forecast_execution(&spent_400k_by_july(), budget, day(2024, 7, 31), 2024, &p).unwrap();
    // Run-rate: 400,000 / (7/12) = 685,714.2857… → 685,714.29 元.
    assert_eq!(f.spent_yuan, yuan(dec!(400000)));
    assert_eq!(f.forecast_yuan, yuan(dec!(685714.29)));
    assert_eq!(f.method, ForecastMethod::RunRate);
    // 685,714.29 / 823,400 = 83.2784…% → 83.28%.
    assert_eq!(f.forecast_rate_percent, Some(dec!(83.28)));
    // Below the 90% target: 6.72 points short; 823,400 × 90% − 685,714.29 = 55,345.71 元.
    let w = f.early_warning.expect("forecast below 90% must warn");
    assert_eq!(w.target_rate_percent, dec!(90));
    assert_eq!(w.gap_percent, dec!(6.72));
    assert_eq!(w.gap_yuan, yuan(dec!(55345.71)));
    assert!(w.message_zh().contains("83.28%"), "{}", w.message_zh());
}

#[test]
fn forecast_is_capped_at_the_adjusted_budget_and_never_below_what_was_spent() {
    let p = profile();
    let budget = Yuan::parse_wan("82.34").unwrap();
    // 600,000 by July runs at 1,028,571.43: capped at the budget, no warning.
    let fast: Vec<Yuan> = [100_000, 100_000, 100_000, 100_000, 100_000, 50_000, 50_000]
        .into_iter()
        .map(|n| yuan(Decimal::from(n)))
        .collect();
    let f = forecast_execution(&fast, budget, day(2024, 7, 31), 2024, &p).unwrap();
    assert_eq!(f.forecast_yuan, budget);
    assert_eq!(f.forecast_rate_percent, Some(dec!(100)));
    assert_eq!(f.early_warning, None);
    // Already overspent: the forecast is what was spent.
    let over = vec![yuan(dec!(900000))];
    let f = forecast_execution(&over, budget, day(2024, 7, 31), 2024, &p).unwrap();
    assert_eq!(f.forecast_yuan, yuan(dec!(900000)));
}

#[test]
fn month_end_forecast_extrapolates_completed_months_only() {
    let p = profile();
    let budget = Yuan::parse_wan("82.34").unwrap();
    let mut series = spent_400k_by_july();
    series.push(yuan(dec!(100000))); // the first half of August
    let f = forecast_execution(&series, budget, day(2024, 8, 15), 2024, &p).unwrap();
    // Spent includes August so far; the run-rate uses January–July over 7/12.
    assert_eq!(f.spent_yuan, yuan(dec!(500000)));
    assert_eq!(f.forecast_yuan, yuan(dec!(685714.29)));
}

#[test]
fn elapsed_days_forecast_extrapolates_over_the_days_of_the_year() {
    let mut p = profile();
    p.schedule_basis = ScheduleBasis::ElapsedDays;
    let budget = Yuan::parse_wan("82.34").unwrap();
    let f = forecast_execution(&spent_400k_by_july(), budget, day(2024, 7, 31), 2024, &p).unwrap();
    // 400,000 / (213/366) = 687,323.9436… → 687,323.94; / 823,400 = 83.47%.
    assert_eq!(f.forecast_yuan, yuan(dec!(687323.94)));
    assert_eq!(f.forecast_rate_percent, Some(dec!(83.47)));
}

#[test]
fn forecast_ignores_months_after_as_of_and_has_no_basis_in_january() {
    let p = profile();
    let budget = yuan(dec!(120000));
    let twelve: Vec<Yuan> = (0..12).map(|_| yuan(dec!(10000))).collect();
    let f = forecast_execution(&twelve, budget, day(2024, 3, 31), 2024, &p).unwrap();
    assert_eq!(f.spent_yuan, yuan(dec!(30000)));
    assert_eq!(f.forecast_yuan, yuan(dec!(120000)));
    let f = forecast_execution(&twelve, budget, day(2024, 1, 15), 2024, &p).unwrap();
    assert_eq!(
        (f.method, f.forecast_yuan),
        (ForecastMethod::NoBasis, yuan(dec!(10000)))
    );
}

#[test]
fn forecast_refuses_more_than_twelve_months_and_absurd_amounts() {
    let p = profile();
    let thirteen: Vec<Yuan> = (0..13).map(|_| yuan(dec!(1))).collect();
    assert_eq!(
        forecast_execution(&thirteen, yuan(dec!(100)), day(2024, 7, 31), 2024, &p),
        Err(MonitoringError::TooManyMonths(13))
    );
    let huge = vec![yuan(MAX_AMOUNT_YUAN + dec!(1))];
    assert!(matches!(
        forecast_execution(&huge, yuan(dec!(100)), day(2024, 7, 31), 2024, &p),
        Err(MonitoringError::ValueTooLarge { .. })
    ));
}

#[test]
fn cumulative_indicator_forecast_is_the_run_rate_not_rounded_down() {
    let p = profile();
    let activities = quantitative(Comparator::Ge, dec!(3), "次");
    let so_far = SoFar::Monthly {
        months: vec![
            dec!(0),
            dec!(1),
            dec!(0),
            dec!(0),
            dec!(1),
            dec!(0),
            dec!(0),
        ],
    };
    let f = forecast_indicator(
        &activities,
        &Measure::ActivityCount,
        &so_far,
        day(2024, 7, 31),
        2024,
        &p,
    )
    .unwrap();
    // 2 / (7/12) = 3.43 activities, shown as computed (not rounded down to 3): meets ≥3.
    assert_eq!(
        (f.value_so_far, f.forecast, f.early_warning),
        (Some(dec!(2)), Some(dec!(3.43)), None)
    );

    let people = quantitative(Comparator::Ge, dec!(10), "人");
    let so_far = SoFar::Monthly {
        months: vec![dec!(0), dec!(4)],
    };
    let f = forecast_indicator(
        &people,
        &Measure::ParticipantSum,
        &so_far,
        day(2024, 7, 31),
        2024,
        &p,
    )
    .unwrap();
    // 4 / (7/12) = 6.86 people: 3.14 short of ≥10.
    assert_eq!(f.forecast, Some(dec!(6.86)));
    let w = f.early_warning.expect("6.86 of 10 must warn");
    assert_eq!(
        (w.target, w.forecast, w.gap),
        (dec!(10), dec!(6.86), dec!(3.14))
    );
}

#[test]
fn ratio_indicator_forecast_is_its_current_value() {
    let p = profile();
    let target = quantitative(Comparator::Ge, dec!(80), "%");
    let m = Measure::Satisfaction { groups: vec![] };
    let f = forecast_indicator(
        &target,
        &m,
        &SoFar::Current { value: dec!(75) },
        day(2024, 7, 31),
        2024,
        &p,
    )
    .unwrap();
    assert_eq!(
        (f.forecast, f.method),
        (Some(dec!(75)), ForecastMethod::CurrentValue)
    );
    assert_eq!(f.early_warning.map(|w| w.gap), Some(dec!(5)));
    let f = forecast_indicator(
        &target,
        &m,
        &SoFar::Current { value: dec!(85) },
        day(2024, 7, 31),
        2024,
        &p,
    )
    .unwrap();
    assert_eq!(f.early_warning, None);
}

// ---------------------------------------------------------------- adjustments

#[test]
fn an_adjustment_above_30_percent_of_the_line_needs_a_reason() {
    let p = profile();
    let cases = [
        (dec!(100), dec!(30), false),
        (dec!(100), dec!(30.01), true),
        (dec!(100), dec!(-30), false),
        (dec!(100), dec!(-31), true),
        (dec!(100), dec!(0), false),
        (dec!(0), dec!(0.01), true),
        (dec!(0), dec!(0), false),
    ];
    for (before, delta, needs) in cases {
        assert_eq!(
            adjustment_needs_reason(yuan(before), yuan(delta), &p),
            needs,
            "{before} {delta}"
        );
    }
    let mut lenient = profile();
    lenient.adjustment_reason_percent = dec!(50);
    assert!(!adjustment_needs_reason(
        yuan(dec!(100)),
        yuan(dec!(40)),
        &lenient
    ));
}

#[test]
fn adjustment_rate_adds_increases_and_cuts_alike_over_the_initial_budget() {
    let initial = Yuan::parse_wan("82.34").unwrap();
    // (50,000 + 20,000) / 823,400 = 8.5013…% → 8.50%.
    assert_eq!(
        adjustment_rate_percent(initial, &[yuan(dec!(50000)), yuan(dec!(-20000))]),
        Some(dec!(8.50))
    );
    assert_eq!(adjustment_rate_percent(initial, &[]), Some(dec!(0)));
    assert_eq!(adjustment_rate_percent(Yuan::ZERO, &[yuan(dec!(1))]), None);
}

// ---------------------------------------------------------------- the 1-7月 draft

fn indicator(
    id: &str,
    level1: Level1,
    level2: &str,
    name: &str,
    target: &str,
    measure: Measure,
) -> Indicator {
    Indicator {
        id: IndicatorId(id.into()),
        level1,
        level2: level2.into(),
        name: name.into(),
        target: Target::parse(target).unwrap(),
        weight: None,
        measure,
        description: None,
    }
}

fn seed_project_inputs() -> Vec<IndicatorMonitoringInput> {
    let scope = Scope::Project(jixiao_domain::budget::ProjectCode(
        "410800240000000053204".into(),
    ));
    let row = |indicator, so_far| IndicatorMonitoringInput {
        scope: scope.clone(),
        indicator,
        so_far,
    };
    vec![
        row(
            indicator(
                "P-OUT-01",
                Level1::Output,
                "数量指标",
                "举办活动场次",
                "≥3次",
                Measure::ActivityCount,
            ),
            SoFar::Monthly {
                months: vec![
                    dec!(0),
                    dec!(1),
                    dec!(0),
                    dec!(0),
                    dec!(1),
                    dec!(0),
                    dec!(0),
                ],
            },
        ),
        row(
            indicator(
                "P-OUT-02",
                Level1::Output,
                "数量指标",
                "活动参与人数",
                "≥10人",
                Measure::ParticipantSum,
            ),
            SoFar::Monthly {
                months: vec![
                    dec!(0),
                    dec!(4),
                    dec!(0),
                    dec!(0),
                    dec!(0),
                    dec!(0),
                    dec!(0),
                ],
            },
        ),
        row(
            indicator(
                "P-OUT-03",
                Level1::Output,
                "质量指标",
                "运转质量",
                "良好",
                Measure::Assessed,
            ),
            SoFar::Nothing,
        ),
        row(
            indicator(
                "P-SAT-01",
                Level1::Satisfaction,
                "服务对象满意度",
                "专家、企业满意度",
                "≥80%",
                Measure::Satisfaction {
                    groups: vec!["专家".into(), "企业".into()],
                },
            ),
            SoFar::Current { value: dec!(85) },
        ),
    ]
}

#[test]
fn the_july_draft_fills_the_funds_block_and_flags_the_lagging_indicator() {
    let p = profile();
    let funds = FundsInput {
        initial_yuan: Yuan::parse_wan("82.34").unwrap(),
        adjusted_yuan: Yuan::parse_wan("82.34").unwrap(),
        monthly_paid_yuan: spent_400k_by_july(),
    };
    let draft =
        monitoring_draft(day(2024, 7, 31), 2024, &funds, &seed_project_inputs(), &p).unwrap();

    assert_eq!(draft.period_label, "1-7月");
    assert_eq!(draft.schedule_progress_percent, dec!(58.33));
    assert_eq!(draft.funds.spent_yuan.wan_display(), "40.00");
    // 400,000 / 823,400 = 48.58%; v = 48.58 / (7/12) = 83.28 → green.
    assert_eq!(draft.funds.execution_rate_percent, Some(dec!(48.58)));
    assert_eq!(
        draft.funds.warning,
        Warning {
            v: Some(dec!(83.28)),
            colour: Colour::Green
        }
    );
    assert_eq!(draft.funds.forecast.forecast_yuan.wan_display(), "68.57");
    // Green today, but the forecast rate 83.28% is below 90%: the unit must explain, so the
    // draft says it is called to explain.
    assert!(draft.funds.needs_explanation);
    assert!(draft.called_to_explain);

    let by_id = |id: &str| draft.rows.iter().find(|r| r.indicator_id.0 == id).unwrap();

    let activities = by_id("P-OUT-01");
    // 2 held against 3 × 7/12 = 1.75 expected: v = 114.29, green; forecast 3.43 meets ≥3.
    assert_eq!(
        (
            activities.value_so_far_text.as_str(),
            activities.expected_full_year_text.as_str()
        ),
        ("2次", "3.43次")
    );
    assert_eq!(activities.progress.colour, Colour::Green);
    assert_eq!(activities.likelihood, Likelihood::Certain);
    assert!(!activities.deviation_cause_required);

    let people = by_id("P-OUT-02");
    // 4 against 10 × 7/12 = 5.83: v = 68.57, yellow; forecast 6.86 of 10.
    assert_eq!(
        people.progress,
        Warning {
            v: Some(dec!(68.57)),
            colour: Colour::Yellow
        }
    );
    assert_eq!(people.expected_full_year_text, "6.86人");
    assert_eq!(people.likelihood, Likelihood::Possible);
    assert!(people.deviation_cause_required);

    let quality = by_id("P-OUT-03");
    assert_eq!(quality.progress.colour, Colour::Grey);
    assert_eq!(
        (
            quality.value_so_far_text.as_str(),
            quality.expected_full_year_text.as_str()
        ),
        ("未评定", "待评定")
    );
    assert_eq!(quality.likelihood, Likelihood::Possible);
    assert_eq!(quality.forecast.method, ForecastMethod::ByPerson);
    assert!(!quality.deviation_cause_required);

    let satisfaction = by_id("P-SAT-01");
    assert_eq!(satisfaction.value_so_far_text, "85.00%");
    assert_eq!(satisfaction.progress.colour, Colour::Green);
    assert_eq!(satisfaction.likelihood, Likelihood::Certain);

    // The unit files the lagging row with its cause.
    let filed = people.to_monitoring_row(
        Some(DeviationCause::Staffing),
        Likelihood::Possible,
        "下半年加大宣传".into(),
    );
    assert_eq!(
        (
            filed.value_so_far.as_str(),
            filed.expected_full_year.as_str()
        ),
        ("4人", "6.86人")
    );
    assert_eq!(filed.deviation_cause, Some(DeviationCause::Staffing));
    assert_eq!(
        deviation_cause_name_zh(DeviationCause::Staffing),
        "人员保障"
    );
    assert_eq!(likelihood_name_zh(filed.likelihood), "有可能");
}

#[test]
fn after_the_year_a_missed_target_is_impossible_and_a_met_one_certain() {
    let p = profile();
    let funds = FundsInput {
        initial_yuan: yuan(dec!(200000)),
        adjusted_yuan: yuan(dec!(200000)),
        monthly_paid_yuan: vec![yuan(dec!(10000)); 12],
    };
    let draft =
        monitoring_draft(day(2025, 1, 5), 2024, &funds, &seed_project_inputs(), &p).unwrap();
    let people = draft
        .rows
        .iter()
        .find(|r| r.indicator_id.0 == "P-OUT-02")
        .unwrap();
    assert_eq!(people.likelihood, Likelihood::Impossible);
    // 120,000 of 200,000 at year end: v = 60 → yellow, not below the bureau's 60; but the
    // yellow funds row requires a deviation cause, so the unit is called to explain.
    assert_eq!(
        draft.funds.warning,
        Warning {
            v: Some(dec!(60)),
            colour: Colour::Yellow
        }
    );
    assert!(draft.funds.needs_explanation);
    assert!(draft.called_to_explain);
    let satisfaction = draft
        .rows
        .iter()
        .find(|r| r.indicator_id.0 == "P-SAT-01")
        .unwrap();
    assert_eq!(satisfaction.likelihood, Likelihood::Certain);
}

#[test]
fn a_unit_far_behind_at_the_third_quarter_is_called_to_explain_in_the_draft() {
    let p = profile();
    let funds = FundsInput {
        initial_yuan: yuan(dec!(1200000)),
        adjusted_yuan: yuan(dec!(1200000)),
        monthly_paid_yuan: vec![yuan(dec!(40000)); 9],
    };
    // 360,000 / 1,200,000 = 30% against 序时 75%: v = 40 → red, called to explain.
    let draft = monitoring_draft(day(2024, 9, 30), 2024, &funds, &[], &p).unwrap();
    assert_eq!(
        draft.funds.warning,
        Warning {
            v: Some(dec!(40)),
            colour: Colour::Red
        }
    );
    assert!(draft.called_to_explain);
}

#[test]
fn a_draft_refuses_more_indicators_than_its_limit() {
    let p = profile();
    let funds = FundsInput {
        initial_yuan: Yuan::ZERO,
        adjusted_yuan: Yuan::ZERO,
        monthly_paid_yuan: vec![],
    };
    let one = seed_project_inputs().remove(0);
    let many = vec![one; MAX_INDICATORS_PER_REPORT + 1];
    assert_eq!(
        monitoring_draft(day(2024, 7, 31), 2024, &funds, &many, &p),
        Err(MonitoringError::TooManyIndicators {
            count: MAX_INDICATORS_PER_REPORT + 1,
            max: MAX_INDICATORS_PER_REPORT
        })
    );
    // A zero budget is not an error: no rate, no colour.
    let draft = monitoring_draft(day(2024, 7, 31), 2024, &funds, &[], &p).unwrap();
    assert_eq!(
        (
            draft.funds.execution_rate_percent,
            draft.funds.warning.colour
        ),
        (None, Colour::Grey)
    );
}

// ---------------------------------------------------------------- invariants

mod invariants {
    use super::*;
    use proptest::prelude::*;

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (2023i32..=2025, 1u32..=366)
            .prop_filter_map("valid ordinal", |(y, o)| NaiveDate::from_yo_opt(y, o))
    }

    fn rank(c: Colour) -> u8 {
        match c {
            Colour::Grey => 0,
            Colour::Red => 1,
            Colour::Yellow => 2,
            Colour::Green => 3,
            Colour::Blue => 4,
        }
    }

    proptest! {
        #[test]
        fn schedule_never_goes_back_and_stays_between_zero_and_one(a in any_day(), b in any_day(), days in any::<bool>()) {
            let basis = if days { ScheduleBasis::ElapsedDays } else { ScheduleBasis::MonthEnd };
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            let (pe, pl) = (schedule_progress(early, 2024, basis), schedule_progress(late, 2024, basis));
            prop_assert!(Decimal::ZERO <= pe && pe <= pl && pl <= Decimal::ONE);
        }

        #[test]
        fn execution_forecast_lies_between_spent_and_the_larger_of_budget_and_spent(
            months in proptest::collection::vec(0u32..200_000, 0..=12),
            budget in 0u32..2_000_000,
            as_of in any_day(),
            days in any::<bool>(),
        ) {
            let mut p = profile();
            p.schedule_basis = if days { ScheduleBasis::ElapsedDays } else { ScheduleBasis::MonthEnd };
            let series: Vec<Yuan> = months.iter().map(|m| yuan(Decimal::from(*m))).collect();
            let budget = yuan(Decimal::from(budget));
            let f = forecast_execution(&series, budget, as_of, 2024, &p).unwrap();
            prop_assert!(f.spent_yuan <= f.forecast_yuan);
            prop_assert!(f.forecast_yuan <= budget.max(f.spent_yuan));
        }

        #[test]
        fn doing_more_never_worsens_a_positive_indicator_colour(
            a in 0u32..1_000, extra in 0u32..100, t in 1u32..500, month in 1u32..=12, cumulative in any::<bool>(),
        ) {
            let p = profile();
            let target = quantitative(Comparator::Ge, Decimal::from(t), "次");
            let measure = if cumulative { Measure::ActivityCount } else { Measure::Assessed };
            let progress = Decimal::from(month) / dec!(12);
            let less = indicator_progress(&target, &measure, Some(Decimal::from(a)), progress, &p);
            let more = indicator_progress(&target, &measure, Some(Decimal::from(a + extra)), progress, &p);
            prop_assert!(rank(less.colour) <= rank(more.colour), "{less:?} then {more:?}");
        }
    }
}

#[test]
fn monitoring_and_scoring_agree_on_whether_a_target_is_met() {
    use jixiao_domain::evaluation::rules;
    use jixiao_domain::profile::ReverseVariant;
    let p = profile();
    let as_of = day(2024, 7, 31);
    for comparator in [
        Comparator::Ge,
        Comparator::Gt,
        Comparator::Le,
        Comparator::Lt,
        Comparator::Eq,
    ] {
        for t in [dec!(0), dec!(10)] {
            for a in [dec!(0), dec!(5), dec!(10), dec!(15)] {
                let target = quantitative(comparator, t, "%");
                let scored_met =
                    rules::quantitative(dec!(10), comparator, t, a, ReverseVariant::Ratio).met;
                let colour =
                    indicator_progress(&target, &Measure::Assessed, Some(a), dec!(0.5), &p).colour;
                let shown_met = matches!(colour, Colour::Green | Colour::Blue);
                let forecast = forecast_indicator(
                    &target,
                    &Measure::Assessed,
                    &SoFar::Current { value: a },
                    as_of,
                    2024,
                    &p,
                )
                .unwrap();
                let case = format!("{comparator:?} T={t} A={a}: colour {colour:?}");
                assert_eq!(shown_met, scored_met, "{case}");
                assert_eq!(forecast.early_warning.is_none(), scored_met, "{case}");
            }
        }
    }
}

#[test]
fn an_execution_rate_on_schedule_mid_year_is_green_not_behind_its_year_end_target() {
    let profile = ScoringProfile::default();
    let target = jixiao_domain::target::Target::parse("≥90%").unwrap();
    // End of June: 序时进度 1/2. 45% executed is exactly on the pace to reach 90%.
    let half = dec!(0.5);
    let on_pace = jixiao_domain::monitoring::indicator_progress(
        target.value(),
        &Measure::ExecutionRate,
        Some(dec!(45)),
        half,
        &profile,
    );
    assert_eq!(on_pace.colour, Colour::Green);
    // 20% by the end of June is far behind the pace (v = 20 / 45 = 44.44 → red).
    let behind = jixiao_domain::monitoring::indicator_progress(
        target.value(),
        &Measure::ExecutionRate,
        Some(dec!(20)),
        half,
        &profile,
    );
    assert_eq!(behind.colour, Colour::Red);
    // A satisfaction rate is compared with its target directly, whatever the date.
    let satisfaction = jixiao_domain::monitoring::indicator_progress(
        target.value(),
        &Measure::Satisfaction { groups: vec![] },
        Some(dec!(45)),
        half,
        &profile,
    );
    assert_eq!(satisfaction.colour, Colour::Red);
}

#[test]
fn a_carry_over_rate_stays_grey_until_the_year_is_over() {
    let profile = ScoringProfile::default();
    let target = jixiao_domain::target::Target::parse("≤10%").unwrap();
    let mid_year = jixiao_domain::monitoring::indicator_progress(
        target.value(),
        &Measure::CarryOverRate,
        Some(dec!(55)),
        dec!(0.5),
        &profile,
    );
    assert_eq!(mid_year.colour, Colour::Grey);
    let year_end = jixiao_domain::monitoring::indicator_progress(
        target.value(),
        &Measure::CarryOverRate,
        Some(dec!(5)),
        dec!(1),
        &profile,
    );
    assert_eq!(year_end.colour, Colour::Green);
}

#[test]
fn a_draft_with_nothing_requiring_a_cause_does_not_call_the_unit_to_explain() {
    let p = profile();
    // Everything spent evenly and on track by 31 July: 7/12 of the budget.
    let funds = FundsInput {
        initial_yuan: yuan(dec!(120000)),
        adjusted_yuan: yuan(dec!(120000)),
        monthly_paid_yuan: vec![yuan(dec!(10000)); 7],
    };
    let draft = monitoring_draft(day(2024, 7, 31), 2024, &funds, &[], &p).unwrap();
    assert!(!draft.funds.needs_explanation);
    assert!(!draft.called_to_explain);
    // The rate is printed with its two decimals.
    assert_eq!(
        draft.funds.execution_rate_percent.map(|r| r.to_string()),
        Some("58.33".to_string())
    );
}

#[test]
fn a_whole_rate_keeps_its_two_decimals() {
    assert_eq!(
        jixiao_domain::money::ratio_percent(dec!(21), dec!(100)).map(|r| r.to_string()),
        Some("21.00".to_string())
    );
}

#[test]
fn the_budget_execution_indicator_shows_the_progress_of_the_funds_row_for_the_same_money() {
    let p = profile();
    let progress = dec!(7) / dec!(12);
    // 400,000 of 823,400 by 31 July: 48.58%.
    let rate = dec!(48.58);
    let funds = jixiao_domain::monitoring::execution_warning(rate, progress, &p);
    let indicator = jixiao_domain::monitoring::indicator_progress(
        &quantitative(Comparator::Ge, dec!(90), "%"),
        &Measure::ExecutionRate,
        Some(rate),
        progress,
        &p,
    );
    assert_eq!(indicator, funds);
    assert_eq!(funds.v, Some(dec!(83.28)));
}
