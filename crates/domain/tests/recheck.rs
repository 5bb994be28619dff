//! 复核 of published tables (issue 14): every variant of a departing score named on a row
//! worked out by hand, the table-level findings, the reading of 实际完成值 texts, the execution
//! score rounded once, and the property that a table scored by the rules re-checks clean
//! under every built-in profile and rounding.

use jixiao_domain::Decimal;
use jixiao_domain::evaluation::Grade;
use jixiao_domain::evaluation::rules;
use jixiao_domain::profile::{ReverseVariant, ScoreRounding, ScoringProfile};
use jixiao_domain::recheck::{
    ActualReading, Finding, PublishedFunds, PublishedIndicator, PublishedTable, RowStatus,
    TableVerdict, Variant, read_actual, recheck_table, split_target_from_name,
};
use jixiao_domain::target::{Comparator, Target};
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn funds(adjusted: Decimal, executed: Decimal, weight: Decimal, score: Decimal) -> PublishedFunds {
    PublishedFunds {
        label: "年度资金总额".into(),
        initial: Some(adjusted),
        adjusted: Some(adjusted),
        executed: Some(executed),
        weight: Some(weight),
        rate_percent: None,
        score: Some(score),
    }
}

fn row(
    l1: &str,
    name: &str,
    target: &str,
    actual: &str,
    w: Decimal,
    s: Decimal,
) -> PublishedIndicator {
    PublishedIndicator {
        level1: l1.into(),
        level2: "数量指标".into(),
        name: name.into(),
        target: target.into(),
        actual: actual.into(),
        weight: Some(w),
        score: Some(s),
        location: None,
    }
}

fn check(table: &PublishedTable) -> TableVerdict {
    recheck_table(table, &ScoringProfile::default()).unwrap()
}

/// A table whose rows all follow the rules: 9.96 + 20 + 12 + 15 + 30 + 10 = 96.96, 优.
fn clean_table() -> PublishedTable {
    PublishedTable {
        name: "科技合作及基础运转经费".into(),
        funds: vec![funds(dec!(20000), dec!(19929), dec!(10), dec!(9.96))],
        indicators: vec![
            row(
                "产出指标",
                "举办活动场次",
                "≥3次",
                "3次",
                dec!(20),
                dec!(20),
            ),
            // 8 of 10: 15 × 8 / 10 = 12.
            row(
                "产出指标",
                "活动参与人数",
                "≥10人",
                "8人",
                dec!(15),
                dec!(12),
            ),
            row("产出指标", "运转质量", "良好", "良好", dec!(15), dec!(15)),
            row(
                "效益指标",
                "对产业发展的提升程度",
                "明显",
                "达成预期指标",
                dec!(30),
                dec!(30),
            ),
            row(
                "满意度指标",
                "专家、企业满意度",
                "≥80%",
                "85.5%",
                dec!(10),
                dec!(10),
            ),
        ],
        total_weight: Some(dec!(100)),
        total_score: Some(dec!(96.96)),
        grade: Some("优".into()),
    }
}

#[test]
fn a_table_that_follows_the_rules_rechecks_clean() {
    let v = check(&clean_table());
    assert!(v.clean, "{v:#?}");
    assert_eq!(v.rule_total, dec!(96.96));
    assert_eq!(v.rule_grade, Grade::Excellent);
    assert_eq!(v.weight_sum, dec!(100));
    assert_eq!(v.execution.rule_score, Some(dec!(9.96)));
    assert_eq!(v.execution.rule_score_unrounded, Some(dec!(9.9645)));
    assert_eq!(v.rows[1].rule_score_unrounded, Some(dec!(12)));
    assert!(v.rows.iter().all(|r| r.status == RowStatus::Agrees));
}

#[test]
fn the_execution_score_is_rounded_once_and_a_rate_rounded_first_is_named() {
    // 19,929 of 20,000 at weight 10: 9.9645 → 9.96; the rate rounded first (99.65%) gives 9.97.
    let mut t = clean_table();
    t.funds[0].score = Some(dec!(9.97));
    t.funds[0].rate_percent = Some(dec!(99.65));
    t.total_score = Some(dec!(96.97));
    let v = check(&t);
    assert_eq!(v.execution.status, RowStatus::Differs);
    assert_eq!(v.execution.rule_score, Some(dec!(9.96)));
    assert_eq!(v.execution.variants, vec![Variant::RateRoundedFirst]);
    assert!(!v.execution.rate_differs, "99.65% follows from the amounts");
    assert!(v.findings.contains(&Finding::TotalDiffers {
        published: dec!(96.97),
        rule: dec!(96.96)
    }));
}

/// One row under test: target, actual, weight, published score → the variants expected.
fn variants_of(target: &str, actual: &str, w: Decimal, published: Decimal) -> Vec<Variant> {
    let t = PublishedTable {
        name: "变体".into(),
        funds: vec![funds(dec!(100), dec!(100), dec!(10), dec!(10))],
        indicators: vec![row("产出指标", "指标", target, actual, w, published)],
        total_weight: None,
        total_score: None,
        grade: None,
    };
    let v = check(&t);
    assert_eq!(
        v.rows[0].status,
        RowStatus::Differs,
        "{target} {actual} {published}"
    );
    v.rows[0].variants.clone()
}

#[test]
fn a_proportional_score_rounded_to_an_integer_is_named() {
    // 2 of ≥3 at weight 10: 6.666… → the rule prints 6.67; 7 is integer rounding.
    assert_eq!(
        variants_of("≥3次", "2次", dec!(10), dec!(7)),
        vec![Variant::IntegerRounding]
    );
}

#[test]
fn a_proportional_score_floored_to_an_integer_is_named() {
    // 3 of ≥4 at weight 10: 7.5; rounded to an integer 8, floored 7 (the band rule gives 6).
    assert_eq!(
        variants_of("≥4次", "3次", dec!(10), dec!(7)),
        vec![Variant::IntegerFloor]
    );
}

#[test]
fn a_proportional_score_rounded_or_cut_to_one_decimal_is_named() {
    assert_eq!(
        variants_of("≥3次", "2次", dec!(10), dec!(6.7)),
        vec![Variant::OneDecimalRounding]
    );
    assert_eq!(
        variants_of("≥3次", "2次", dec!(10), dec!(6.6)),
        vec![Variant::OneDecimalTruncation]
    );
}

#[test]
fn the_80_60_band_rule_on_the_completion_ratio_is_named() {
    // 95 of ≥100 at weight 15: the rule gives 14.25; the band rule 0.8 × 15 = 12.
    assert_eq!(
        variants_of("≥100人", "95人", dec!(15), dec!(12)),
        vec![Variant::BandRule]
    );
}

#[test]
fn weight_times_the_actual_percentage_ignoring_the_target_is_named() {
    // 95% meets ≥90%: the rule gives the full 10; 10 × 95% = 9.5.
    assert_eq!(
        variants_of("≥90%", "95%", dec!(10), dec!(9.5)),
        vec![Variant::WeightTimesActualPercent]
    );
}

#[test]
fn a_met_row_marked_down_is_a_deduction_no_rule_explains() {
    assert_eq!(
        variants_of("≥3次", "5次", dec!(10), dec!(9)),
        vec![Variant::DiscretionaryDeduction]
    );
}

#[test]
fn a_score_above_its_weight_is_named() {
    assert_eq!(
        variants_of("≥3次", "3次", dec!(10), dec!(12)),
        vec![Variant::AboveWeight]
    );
}

#[test]
fn a_score_no_variant_reproduces_is_unexplained() {
    // 50 of ≥100 at weight 10: the rule gives 5; the band rule 0; 3 follows from nothing.
    assert_eq!(
        variants_of("≥100人", "50人", dec!(10), dec!(3)),
        vec![Variant::Unexplained]
    );
}

#[test]
fn weights_adding_up_to_110_are_reported_with_each_level_sum() {
    let mut t = clean_table();
    t.indicators[0].weight = Some(dec!(30));
    t.indicators[0].score = Some(dec!(30));
    t.total_score = Some(dec!(106.96));
    let v = check(&t);
    assert!(
        v.findings
            .contains(&Finding::WeightsNotHundred { sum: dec!(110) })
    );
    assert!(v.findings.contains(&Finding::LevelWeightsDiffer));
    let output = v
        .level_weights
        .iter()
        .find(|l| l.level1 == "产出指标")
        .unwrap();
    assert_eq!(
        (output.weight, output.profile_weight),
        (dec!(60), Some(dec!(50)))
    );
    // Scored with the table's own weights, not rescaled: the row keeps its 30.
    assert_eq!(v.rows[0].rule_score, Some(dec!(30)));
    assert!(!v.clean);
}

#[test]
fn row_scores_that_do_not_add_up_to_the_printed_total_are_reported() {
    let mut t = clean_table();
    t.total_score = Some(dec!(95));
    let v = check(&t);
    assert!(v.findings.contains(&Finding::ScoresDoNotAddUp {
        sum: dec!(96.96),
        total: dec!(95)
    }));
}

#[test]
fn an_empty_execution_row_beside_filled_part_rows_is_reported_and_scored_from_the_parts() {
    let mut t = clean_table();
    t.funds = vec![
        PublishedFunds {
            label: "年度资金总额".into(),
            initial: Some(dec!(20000)),
            adjusted: Some(dec!(20000)),
            weight: Some(dec!(10)),
            ..PublishedFunds::default()
        },
        PublishedFunds {
            label: "其中：当年财政拨款".into(),
            adjusted: Some(dec!(20000)),
            executed: Some(dec!(19929)),
            ..PublishedFunds::default()
        },
    ];
    t.total_score = Some(dec!(87));
    let v = check(&t);
    assert!(v.findings.contains(&Finding::ExecutionRowEmpty));
    assert_eq!(v.execution.rule_score, Some(dec!(9.96)));
    assert_eq!(v.execution.status, RowStatus::Differs);
}

#[test]
fn a_zero_execution_score_beside_spent_money_is_reported() {
    let mut t = clean_table();
    t.funds[0].score = Some(dec!(0));
    t.total_score = Some(dec!(87));
    let v = check(&t);
    assert!(v.findings.contains(&Finding::ExecutionRowZero));
    assert_eq!(v.execution.variants, vec![Variant::Unexplained]);
}

#[test]
fn a_grade_that_does_not_follow_from_the_total_is_reported() {
    let mut t = clean_table();
    t.grade = Some("自评等级：良".into());
    let v = check(&t);
    assert!(v.findings.contains(&Finding::GradeDoesNotFollow {
        printed: "自评等级：良".into(),
        expected: Grade::Excellent
    }));
}

#[test]
fn the_rounding_is_a_profile_setting() {
    // Under integer rounding, 2 of ≥3 at weight 10 is 7, and a printed 6.67 is named as
    // rounded to cents.
    let p = ScoringProfile {
        score_rounding: ScoreRounding::Integer,
        ..ScoringProfile::default()
    };
    let mut t = clean_table();
    t.indicators = vec![row("产出指标", "场次", "≥3次", "2次", dec!(10), dec!(7))];
    let v = recheck_table(&t, &p).unwrap();
    assert_eq!(v.rows[0].rule_score, Some(dec!(7)));
    assert_eq!(v.rows[0].status, RowStatus::Agrees);
    t.indicators[0].score = Some(dec!(6.67));
    let v = recheck_table(&t, &p).unwrap();
    assert_eq!(v.rows[0].variants, vec![Variant::CentsRounding]);
}

#[test]
fn a_target_written_inside_the_name_is_read_from_it() {
    assert_eq!(
        split_target_from_name("活动场次（≥3次）"),
        Some(("活动场次".into(), "≥3次".into()))
    );
    assert_eq!(
        split_target_from_name("满意度(≥90%)"),
        Some(("满意度".into(), "≥90%".into()))
    );
    assert_eq!(split_target_from_name("培训（含线上）"), None);
    let mut t = clean_table();
    t.indicators[0].name = "举办活动场次（≥3次）".into();
    t.indicators[0].target = String::new();
    let v = check(&t);
    assert_eq!(v.rows[0].target_text, "≥3次");
    assert_eq!(v.rows[0].name, "举办活动场次");
    assert!(v.clean);
}

#[test]
fn actual_texts_are_read_with_their_units_and_a_bound_is_flagged() {
    let pct = Target::parse("≥90%").unwrap();
    assert_eq!(
        read_actual("97.30%", Some(&pct)),
        ActualReading::Number {
            value: dec!(97.30),
            unit: "%".into()
        }
    );
    assert_eq!(
        read_actual("2089人", None),
        ActualReading::Number {
            value: dec!(2089),
            unit: "人".into()
        }
    );
    assert_eq!(read_actual("达成预期指标", None), ActualReading::Achieved);
    assert_eq!(read_actual("有效", None), ActualReading::Achieved);
    assert_eq!(read_actual("未完成", None), ActualReading::NotAchieved);
    assert_eq!(
        read_actual(" ≥ 90% ", Some(&pct)),
        ActualReading::SameAsTarget
    );
    assert_eq!(
        read_actual("≥95%", Some(&pct)),
        ActualReading::Bound {
            comparator: Comparator::Ge,
            value: dec!(95),
            unit: "%".into()
        }
    );
    assert_eq!(read_actual("不适用", None), ActualReading::NotApplicable);
    assert_eq!(read_actual("—", None), ActualReading::Missing);
    assert_eq!(read_actual("", None), ActualReading::Missing);
}

#[test]
fn a_bound_scores_full_only_when_every_value_in_it_meets_the_target() {
    let mut t = clean_table();
    t.indicators[4].actual = "≥90%".into(); // every value ≥ 90% meets ≥ 80%
    assert!(check(&t).rows[4].status == RowStatus::Agrees);
    t.indicators[4].actual = "≥70%".into(); // 70% would not
    let v = check(&t);
    assert_eq!(v.rows[4].status, RowStatus::Unchecked);
    assert_eq!(v.rows[4].rule_score, None);
}

#[test]
fn a_qualitative_row_not_achieved_is_left_to_the_assessor() {
    let mut t = clean_table();
    t.indicators[2].actual = "未达到预期".into();
    t.indicators[2].score = Some(dec!(10));
    t.total_score = Some(dec!(91.96));
    let v = check(&t);
    assert_eq!(v.rows[2].status, RowStatus::Unchecked);
    assert_eq!(v.rows_unchecked, 1);
    // The unchecked row counts as printed in the rule's total.
    assert_eq!(v.rule_total, dec!(91.96));
    assert!(v.clean);
}

// ---- property: a table scored by the rules re-checks clean -------------------------------

#[derive(Debug, Clone)]
enum RowKind {
    AtLeast { target: u32, actual: u32 },
    AtMost { target: u32, actual: u32 },
    Percent { target: u32, actual_hundredths: u32 },
    Word,
}

fn row_kind() -> impl Strategy<Value = RowKind> {
    prop_oneof![
        (1u32..200, 0u32..300).prop_map(|(target, actual)| RowKind::AtLeast { target, actual }),
        (1u32..200, 0u32..500).prop_map(|(target, actual)| RowKind::AtMost { target, actual }),
        (50u32..100, 0u32..10000).prop_map(|(target, actual_hundredths)| RowKind::Percent {
            target,
            actual_hundredths
        }),
        Just(RowKind::Word),
    ]
}

fn rule_row(kind: &RowKind, w: Decimal, p: &ScoringProfile) -> (String, String, Decimal) {
    let r = p.score_rounding;
    let q = |c, t: Decimal, a: Decimal| {
        r.apply(rules::quantitative_raw(w, c, t, a, p.reverse_variant).0)
    };
    match kind {
        RowKind::AtLeast { target, actual } => (
            format!("≥{target}人"),
            format!("{actual}人"),
            q(Comparator::Ge, (*target).into(), (*actual).into()),
        ),
        RowKind::AtMost { target, actual } => (
            format!("≤{target}天"),
            format!("{actual}天"),
            q(Comparator::Le, (*target).into(), (*actual).into()),
        ),
        RowKind::Percent {
            target,
            actual_hundredths,
        } => {
            let a = Decimal::new(i64::from(*actual_hundredths), 2);
            (
                format!("≥{target}%"),
                format!("{a}%"),
                q(Comparator::Ge, (*target).into(), a),
            )
        }
        RowKind::Word => ("良好".into(), "良好".into(), r.apply(w)),
    }
}

proptest! {
    #[test]
    fn a_table_scored_by_the_rules_reports_no_difference_under_any_profile(
        kinds in proptest::collection::vec(row_kind(), 1..8),
        exec_weight in prop_oneof![Just(10u32), Just(20u32), Just(30u32)],
        adjusted in 1u32..10_000_000,
        executed_per_mille in 0u32..1200,
        linear in any::<bool>(),
    ) {
        for mut profile in ScoringProfile::builtins() {
            if linear { profile.reverse_variant = ReverseVariant::Linear; }
            for rounding in ScoreRounding::ALL {
                profile.score_rounding = rounding;
                // Integer weights adding up to 100 with the execution weight.
                let n = kinds.len() as u32;
                let rest = 100 - exec_weight;
                let weights: Vec<Decimal> = (0..n)
                    .map(|i| Decimal::from(rest / n + u32::from(i < rest % n)))
                    .collect();
                let adjusted = Decimal::from(adjusted);
                let executed = (adjusted * Decimal::from(executed_per_mille) / Decimal::from(1000)).round_dp(2);
                let exec_w = Decimal::from(exec_weight);
                let exec_score = rounding.apply(rules::execution_raw(exec_w, executed, adjusted).unwrap());
                let mut indicators = Vec::new();
                let mut total = exec_score;
                for (k, w) in kinds.iter().zip(&weights) {
                    let (target, actual, score) = rule_row(k, *w, &profile);
                    total += score;
                    indicators.push(row("产出指标", "指标", &target, &actual, *w, score));
                }
                let table = PublishedTable {
                    name: "规则生成".into(),
                    funds: vec![funds(adjusted, executed, exec_w, exec_score)],
                    indicators,
                    total_weight: Some(dec!(100)),
                    total_score: Some(total),
                    grade: Some(Grade::of(total, &profile).name_zh().into()),
                };
                let v = recheck_table(&table, &profile).unwrap();
                prop_assert_eq!(v.rows_differing, 0, "{:#?}", v);
                prop_assert!(v.findings.iter().all(Finding::is_notice), "{:?}", v.findings);
                prop_assert!(v.clean);
            }
        }
    }
}

#[test]
fn a_row_that_does_not_apply_scores_full_under_a_full_score_profile() {
    let mut t = clean_table();
    t.indicators[4].actual = "不适用".into();
    let v = check(&t);
    assert_eq!(v.rows[4].rule_score, Some(dec!(10)));
    assert!(v.clean);
    let exclude = ScoringProfile {
        not_applicable: jixiao_domain::profile::NotApplicablePolicy::Exclude,
        ..ScoringProfile::default()
    };
    let v = recheck_table(&t, &exclude).unwrap();
    assert_eq!(v.rows[4].status, RowStatus::Unchecked);
}

/// Given a 成本指标 row whose target is a bare amount ("250万元") and a cost below it, when the
/// table is re-checked, then the grammar reads the target as a cap (≤), the row is met at full
/// weight as the rules score it, and the published full score agrees.
#[test]
fn a_bare_amount_under_a_cost_indicator_is_rechecked_as_a_cap() {
    let mut table = clean_table();
    table.indicators[0] = row(
        "成本指标",
        "活动成本",
        "250万元",
        "230万元",
        dec!(20),
        dec!(20),
    );
    let v = check(&table);
    let r = &v.rows[0];
    assert_eq!(r.met, Some(true), "{r:#?}");
    assert_eq!(r.rule_score, Some(dec!(20)), "{r:#?}");
    assert_eq!(r.status, RowStatus::Agrees, "{r:#?}");
}
