//! The target grammar reads what real published tables print (issue 14 point 4): look-alike
//! comparators, more units, a year and month, periods, deadlines written with 到位, phrases such
//! as 达成预期指标, a bare amount under 成本指标 read as a cap, one rule for "met" shared with the
//! evaluation, and an actual value written as a bound flagged rather than read as its number.
//! Every test is named given / when / then; every parsed target keeps its original text.

mod aggregate_support;

use aggregate_support::{budget_approved, d, id, indicator, project_scope, project_targets};
use chrono::NaiveDate;
use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::evaluation::{
    Actual, EvaluationKind, ExecutionInput, IndicatorInput, evaluate, rules,
};
use jixiao_domain::event::{Event, TargetAdjustmentApproved, TargetAdjustmentRequested};
use jixiao_domain::indicator::{IndicatorId, Level1};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::{ReverseVariant, ScoringProfile};
use jixiao_domain::target::{
    ActualText, Comparator, Direction, Target, TargetCategory, TargetError, TargetUnit,
    TargetValue, TimeTarget, read_actual,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn quant(comparator: Comparator, value: Decimal, unit: &str) -> TargetValue {
    TargetValue::Quantitative {
        comparator,
        value,
        unit: TargetUnit(unit.to_string()),
    }
}

fn date(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

fn between(from: NaiveDate, to: NaiveDate) -> TargetValue {
    TargetValue::Time(TimeTarget::Between { from, to })
}

/// Parse each text and check its value and that the original text is kept.
fn assert_reads(table: &[(&str, TargetValue)]) {
    for (text, expected) in table {
        let t = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(t.value(), expected, "{text}");
        assert_eq!(t.text(), text.trim(), "{text} keeps its original text");
    }
}

/// Parse each text and check that the error names the part that could not be read.
fn assert_refused(table: &[(&str, &str)]) {
    for (text, fragment) in table {
        match Target::parse(text) {
            Err(TargetError::Unreadable { text: t, problem }) => {
                assert_eq!(t, *text);
                assert!(
                    problem.contains(fragment),
                    "{text}: problem “{problem}” lacks “{fragment}”"
                );
            }
            other => panic!("{text}: expected an error, got {other:?}"),
        }
    }
}

#[test]
fn given_look_alike_comparators_real_tables_print_when_parsed_then_they_read_as_the_plain_ones() {
    use Comparator::*;
    assert_reads(&[
        ("═100%", quant(Eq, dec!(100), "%")),
        ("﹦100%", quant(Eq, dec!(100), "%")),
        ("＝１００％", quant(Eq, dec!(100), "%")),
        ("﹥5家", quant(Gt, dec!(5), "家")),
        ("﹤3天", quant(Lt, dec!(3), "天")),
        ("＞＝90%", quant(Ge, dec!(90), "%")),
        ("＜═10%", quant(Le, dec!(10), "%")),
        ("≧95％", quant(Ge, dec!(95), "%")),
        ("≦10%", quant(Le, dec!(10), "%")),
        ("⩾80%", quant(Ge, dec!(80), "%")),
        ("⩽5%", quant(Le, dec!(5), "%")),
        ("≮80%", quant(Ge, dec!(80), "%")),
        ("≯5%", quant(Le, dec!(5), "%")),
        ("≥９５．５%", quant(Ge, dec!(95.5), "%")),
        ("≤10﹪", quant(Le, dec!(10), "%")),
        ("≥１，２００人次", quant(Ge, dec!(1200), "人次")),
    ]);
}

#[test]
fn given_lengths_counts_and_ten_thousands_when_parsed_then_their_units_are_known() {
    use Comparator::*;
    assert_reads(&[
        ("≥100米", quant(Ge, dec!(100), "米")),
        ("≤5厘米", quant(Le, dec!(5), "厘米")),
        ("≥30例", quant(Ge, dec!(30), "例")),
        ("≥500M", quant(Ge, dec!(500), "米")),
        ("≥500Ｍ", quant(Ge, dec!(500), "米")),
        ("≥2万", quant(Ge, dec!(2), "万")),
        ("≥3万次", quant(Ge, dec!(3), "万次")),
        ("≥1.5万人", quant(Ge, dec!(1.5), "万人")),
        ("≥5万册", quant(Ge, dec!(5), "万册")),
        ("≤200万元", quant(Le, dec!(200), "万元")),
        ("≥90百分比", quant(Ge, dec!(90), "%")),
        ("95百分比以上", quant(Ge, dec!(95), "%")),
    ]);
    let percent = Target::parse("≥90百分比").unwrap();
    assert!(percent.unit().unwrap().is_percent());
    assert_refused(&[
        ("≥5万桶", "未知计量单位“万桶”"),
        ("≥2万%", "未知计量单位“万%”"),
    ]);
}

#[test]
fn given_a_year_and_month_when_parsed_then_it_is_a_deadline_at_the_end_of_that_month() {
    let by = |y, m, day| {
        TargetValue::Time(TimeTarget::ByDate {
            date: date(y, m, day),
        })
    };
    assert_reads(&[
        ("2023年12月", by(2023, 12, 31)),
        ("2021年12月完成", by(2021, 12, 31)),
        ("2023年12月前", by(2023, 12, 31)),
        ("2024年2月", by(2024, 2, 29)),
        ("2024年6月份", by(2024, 6, 30)),
        ("2023.12", by(2023, 12, 31)),
        ("2024.6", by(2024, 6, 30)),
        ("2024年12月底到位", by(2024, 12, 31)),
        (
            "2024年度内",
            TargetValue::Time(TimeTarget::WithinYear { year: 2024 }),
        ),
    ]);
    // No misleading unknown-unit message: the month itself is named.
    assert_refused(&[("2023年13月", "月份“13”无效")]);
}

#[test]
fn given_a_range_of_months_or_dates_when_parsed_then_it_reads_as_a_period() {
    let months = |from_month, to_month| {
        TargetValue::Time(TimeTarget::MonthsOfYear {
            from_month,
            to_month,
        })
    };
    assert_reads(&[
        (
            "2023.07-2024.01",
            between(date(2023, 7, 1), date(2024, 1, 31)),
        ),
        (
            "2023.07—2024.01",
            between(date(2023, 7, 1), date(2024, 1, 31)),
        ),
        (
            "2021年1月-12月",
            between(date(2021, 1, 1), date(2021, 12, 31)),
        ),
        ("2024年1-6月", between(date(2024, 1, 1), date(2024, 6, 30))),
        (
            "2024年1月至2024年6月",
            between(date(2024, 1, 1), date(2024, 6, 30)),
        ),
        (
            "2024年3月1日-5月15日",
            between(date(2024, 3, 1), date(2024, 5, 15)),
        ),
        (
            "2024.1.1-2024.6.30",
            between(date(2024, 1, 1), date(2024, 6, 30)),
        ),
        ("2023-2024年", between(date(2023, 1, 1), date(2024, 12, 31))),
        (
            "2024年1-6月完成",
            between(date(2024, 1, 1), date(2024, 6, 30)),
        ),
        ("1-6月", months(1, 6)),
        ("3月至5月", months(3, 5)),
        ("1月～12月", months(1, 12)),
    ]);
    for text in ["2023.07-2024.01", "1-6月"] {
        assert_eq!(
            Target::parse(text).unwrap().direction(),
            Direction::Timeliness
        );
    }
    assert_refused(&[
        ("2024年6月-3月", "起点晚于终点"),
        ("6月-3月", "起始月份晚于结束月份"),
        ("2024年1-13月", "月份“13”无效"),
        ("1月1日-6月30日", "缺少年份"),
        ("2024年2月1日-2月30日", "不存在"),
        // Ranges of quantities are still refused, naming the range.
        ("90%-100%", "不支持区间值"),
        ("3-5人", "不支持区间值"),
    ]);
}

#[test]
fn given_a_month_deadline_written_with_dao_wei_or_wan_cheng_when_parsed_then_it_is_a_deadline_of_the_fiscal_year()
 {
    let by_month = |month| TargetValue::Time(TimeTarget::ByMonthEnd { month });
    assert_reads(&[
        ("12月底到位", by_month(12)),
        ("年底前完成", by_month(12)),
        ("年底前到位", by_month(12)),
        ("10月底前完工", by_month(10)),
        ("6月底前完成", by_month(6)),
    ]);
}

#[test]
fn given_phrases_of_achievement_and_yes_or_no_when_parsed_then_they_are_qualitative() {
    for text in [
        "达成预期指标",
        "达到预期",
        "达成预期",
        "有效",
        "是",
        "否",
        " 是 ",
    ] {
        let t = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            t.value(),
            &TargetValue::Qualitative {
                word: text.trim().to_string()
            },
            "{text}"
        );
        assert_eq!(t.direction(), Direction::Qualitative, "{text}");
        assert_eq!(t.is_met_by(Decimal::ONE), None, "{text}");
    }
    // A comparator word before an unknown phrase still says what is missing.
    assert_refused(&[("不低于上年", "比较符后缺少数值（“上年”）")]);
}

#[test]
fn given_a_bare_amount_under_a_cost_indicator_when_parsed_in_its_category_then_it_is_a_cap() {
    use Comparator::*;
    let cost = TargetCategory::of_names("成本指标", "经济成本");
    assert_eq!(cost, TargetCategory::Cost);
    let table: &[(&str, TargetValue)] = &[
        ("250万元", quant(Le, dec!(250), "万元")),
        ("≤250万元", quant(Le, dec!(250), "万元")),
        ("250万", quant(Le, dec!(250), "万")),
        ("3000元", quant(Le, dec!(3000), "元")),
        ("250", quant(Le, dec!(250), "")),
        // A written "=" stays =, and a percentage is not an amount.
        ("=250万元", quant(Eq, dec!(250), "万元")),
        ("100%", quant(Eq, dec!(100), "%")),
        ("≥2万元", quant(Ge, dec!(2), "万元")),
    ];
    for (text, expected) in table {
        let t = Target::parse_in(text, cost).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(t.value(), expected, "{text}");
        assert_eq!(t.text(), *text, "{text} keeps its original text");
    }
    let capped = Target::parse_in("250万元", cost).unwrap();
    assert_eq!(capped.direction(), Direction::Reverse);
    assert_eq!(capped.is_met_by(dec!(240)), Some(true));
    assert_eq!(capped.is_met_by(dec!(260)), Some(false));
    // Outside 成本 (and through the old entry point) a bare amount is still =.
    let plain = Target::parse("250万元").unwrap();
    assert_eq!(plain.value(), &quant(Eq, dec!(250), "万元"));
    assert_eq!(
        Target::parse_in("250万元", TargetCategory::General).unwrap(),
        plain
    );
    assert_eq!(plain.in_category(cost), capped);
}

#[test]
fn given_the_names_of_an_indicator_when_its_category_is_asked_then_cost_is_read_from_either_level()
{
    assert_eq!(
        TargetCategory::of_names("产出指标", "成本指标"),
        TargetCategory::Cost
    );
    assert_eq!(
        TargetCategory::of_level(Level1::Cost, "社会成本"),
        TargetCategory::Cost
    );
    assert_eq!(
        TargetCategory::of_names("产出指标", "数量指标"),
        TargetCategory::General
    );
    let ind = indicator(
        "C",
        Level1::Cost,
        "经济成本",
        "项目总成本",
        "250万元",
        Measure::Assessed,
    );
    assert_eq!(ind.target_category(), TargetCategory::Cost);
}

fn cost_targets_approved(target: &str) -> Event {
    let Event::TargetsApproved(mut e) = project_targets() else {
        unreachable!("project_targets approves targets")
    };
    e.indicators.push(indicator(
        "COST-1",
        Level1::Cost,
        "经济成本",
        "项目总成本",
        target,
        Measure::Assessed,
    ));
    Event::TargetsApproved(e)
}

fn cost_target_in(year: &UnitYear) -> Target {
    year.targets(&project_scope())
        .and_then(|set| set.indicator(&IndicatorId("COST-1".into())))
        .expect("the cost indicator is approved")
        .indicator
        .target
        .clone()
}

#[test]
fn given_approved_targets_with_a_bare_cost_amount_when_applied_or_replayed_from_json_then_the_year_reads_a_cap()
 {
    let events = vec![budget_approved(), cost_targets_approved("250万元")];
    let live = UnitYear::replay(&events);
    // Stored events hold the target as text, read back without the indicator's category.
    let stored: Vec<Event> = events
        .iter()
        .map(|e| serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap())
        .collect();
    let replayed = UnitYear::replay(&stored);
    for year in [&live, &replayed] {
        let t = cost_target_in(year);
        assert_eq!(t.threshold(), Some((Comparator::Le, dec!(250))));
        assert_eq!(t.text(), "250万元");
    }
}

#[test]
fn given_an_approved_adjustment_of_a_cost_target_when_applied_then_the_new_bare_amount_is_a_cap_too()
 {
    let request_id = id(900);
    let events = vec![
        budget_approved(),
        cost_targets_approved("≤250万元"),
        Event::TargetAdjustmentRequested(TargetAdjustmentRequested {
            request_id,
            scope: project_scope(),
            indicator_id: IndicatorId("COST-1".into()),
            new_target: Target::parse("300万元").unwrap(),
            reason: "材料涨价".into(),
            requested_on: d(2024, 6, 1),
        }),
        Event::TargetAdjustmentApproved(TargetAdjustmentApproved {
            request_id,
            decided_on: d(2024, 6, 10),
            note: "同意".into(),
        }),
    ];
    let year = UnitYear::replay(&events);
    let t = cost_target_in(&year);
    assert_eq!(t.threshold(), Some((Comparator::Le, dec!(300))));
    assert_eq!(t.text(), "300万元");
}

#[test]
fn given_a_bare_percentage_when_the_actual_exceeds_it_then_is_met_by_and_the_scoring_both_say_met()
{
    let t = Target::parse("90%").unwrap();
    assert_eq!(t.is_met_by(dec!(100)), Some(true));
    assert_eq!(t.is_met_by(dec!(90)), Some(true));
    assert_eq!(t.is_met_by(dec!(89.99)), Some(false));
    let zero = Target::parse("=0次").unwrap();
    assert_eq!(zero.is_met_by(Decimal::ZERO), Some(true));
    assert_eq!(zero.is_met_by(Decimal::ONE), Some(false));
    // A cap of zero is met by nothing spent, as the scoring has it.
    assert_eq!(
        Target::parse("<0%").unwrap().is_met_by(Decimal::ZERO),
        Some(true)
    );
    let r = met_by_evaluation(&t, dec!(100));
    assert!(r, "evaluate scores a bare 90% met by 100");
}

/// Whether `evaluate` marks one 产出 indicator with this target met by the actual.
fn met_by_evaluation(target: &Target, actual: Decimal) -> bool {
    let mut ind = indicator(
        "X",
        Level1::Output,
        "数量指标",
        "指标",
        "≥1人",
        Measure::Assessed,
    );
    ind.target = target.clone();
    let input = IndicatorInput {
        indicator: ind,
        actual: Actual::Value(actual),
        explanation: None,
    };
    let execution = ExecutionInput {
        initial_yuan: Yuan::ZERO,
        adjusted_yuan: Yuan::new(dec!(1000)).unwrap(),
        executed_yuan: Yuan::new(dec!(1000)).unwrap(),
        explanation: None,
    };
    let e = evaluate(
        EvaluationKind::Project,
        &execution,
        &[input],
        &ScoringProfile::default(),
    )
    .expect("one quantitative indicator scores");
    e.indicators[0].met
}

/// Comparators as real tables write them, bare included.
const WRITTEN_COMPARATORS: &[&str] = &[
    "",
    "≥",
    ">",
    "≤",
    "<",
    "=",
    "＞＝",
    "﹦",
    "═",
    "不低于",
    "不超过",
    "低于",
    "大于",
];
const UNITS: &[&str] = &["%", "人", "万元", "米", "例", "万次", ""];

proptest! {
    #[test]
    fn given_any_quantitative_target_and_actual_when_met_is_asked_then_is_met_by_and_the_evaluation_agree(
        c in 0..WRITTEN_COMPARATORS.len(), u in 0..UNITS.len(),
        t_cents in 0i64..20_000, a_cents in 0i64..40_000, same in any::<bool>(),
        cost in any::<bool>(),
    ) {
        let t = Decimal::new(t_cents, 2);
        // Often exactly at the target, where comparators differ.
        let a = if same { t } else { Decimal::new(a_cents, 2) };
        let text = format!("{}{}{}", WRITTEN_COMPARATORS[c], t.normalize(), UNITS[u]);
        let category = if cost { TargetCategory::Cost } else { TargetCategory::General };
        let target = Target::parse_in(&text, category).unwrap();
        let met = target.is_met_by(a).expect("quantitative");
        prop_assert_eq!(met, met_by_evaluation(&target, a), "{} with A = {}", text, a);
        let (comparator, value) = target.threshold().unwrap();
        for variant in [ReverseVariant::Ratio, ReverseVariant::Linear] {
            let q = rules::quantitative(dec!(10), comparator, value, a, variant);
            prop_assert_eq!(met, q.met, "{} with A = {} ({:?})", text, a, variant);
        }
    }
}

#[test]
fn given_an_actual_written_as_a_bound_when_read_then_it_is_flagged_not_read_as_its_number() {
    for (text, comparator) in [
        ("≥90%", Comparator::Ge),
        ("＞＝90％", Comparator::Ge),
        ("≤5%", Comparator::Le),
        ("90%以上", Comparator::Ge),
        ("不低于90%", Comparator::Ge),
    ] {
        match read_actual(text) {
            Err(TargetError::BoundAsActual {
                text: t,
                comparator: c,
            }) => {
                assert_eq!(t, text);
                assert_eq!(c, comparator, "{text}");
            }
            other => panic!("{text}: expected a bound, got {other:?}"),
        }
    }
    let message = read_actual("≥90%").unwrap_err().to_string();
    assert!(
        message.contains("“≥90%”") && message.contains("比较式"),
        "{message}"
    );
}

#[test]
fn given_an_actual_written_as_a_number_word_or_date_when_read_then_it_reads_as_such() {
    let number = |value, unit: &str| ActualText::Number {
        value,
        unit: TargetUnit(unit.to_string()),
    };
    let table: &[(&str, ActualText)] = &[
        ("97.30%", number(dec!(97.3), "%")),
        ("９７．３０％", number(dec!(97.3), "%")),
        ("2089人", number(dec!(2089), "人")),
        ("1.2万人次", number(dec!(1.2), "万人次")),
        ("达到95%", number(dec!(95), "%")),
        ("245.6万元", number(dec!(245.6), "万元")),
        (
            "达成预期指标",
            ActualText::Qualitative {
                word: "达成预期指标".into(),
            },
        ),
        (
            "有效",
            ActualText::Qualitative {
                word: "有效".into(),
            },
        ),
        (
            "2024年11月",
            ActualText::Time(TimeTarget::ByDate {
                date: date(2024, 11, 30),
            }),
        ),
    ];
    for (text, expected) in table {
        assert_eq!(
            &read_actual(text).unwrap_or_else(|e| panic!("{text}: {e}")),
            expected,
            "{text}"
        );
    }
    assert_eq!(read_actual("  "), Err(TargetError::Empty));
    assert!(matches!(
        read_actual("≥5桶"),
        Err(TargetError::Unreadable { problem, .. }) if problem.contains("未知计量单位“桶”")
    ));
}
