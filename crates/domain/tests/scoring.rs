//! The year-end self-evaluation rules of 财预〔2020〕10号 (domain.md §4), table by table:
//! 正向, 反向 (both variants), 等于, 定性 bands, 时效, 预算执行率, weight splitting and rescaling,
//! grades, flags, the consistency warning and the lists that block submission.

use jixiao_domain::evaluation::*;
use jixiao_domain::indicator::{Indicator, IndicatorId, Level1, QualGrade};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::{NotApplicablePolicy, ReverseVariant, ScoringProfile};
use jixiao_domain::target::Target;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn mof() -> ScoringProfile {
    ScoringProfile::builtin("mof-2020").unwrap()
}

fn henan() -> ScoringProfile {
    ScoringProfile::builtin("henan-2024").unwrap()
}

fn indicator(id: &str, level1: Level1, target: &str) -> Indicator {
    Indicator {
        id: IndicatorId(id.to_string()),
        level1,
        level2: "数量指标".to_string(),
        name: format!("指标{id}"),
        target: Target::parse(target).unwrap(),
        weight: None,
        measure: Measure::Assessed,
        description: None,
    }
}

fn input(id: &str, level1: Level1, target: &str, actual: Actual) -> IndicatorInput {
    IndicatorInput {
        indicator: indicator(id, level1, target),
        actual,
        explanation: None,
    }
}

fn weighted(mut i: IndicatorInput, weight: Decimal) -> IndicatorInput {
    i.indicator.weight = Some(weight);
    i
}

fn explained(mut i: IndicatorInput) -> IndicatorInput {
    i.explanation = Some("受疫情影响活动延期，下年度增加场次".to_string());
    i
}

fn execution(adjusted: Decimal, executed: Decimal) -> ExecutionInput {
    ExecutionInput {
        initial_yuan: Yuan::new(adjusted).unwrap(),
        adjusted_yuan: Yuan::new(adjusted).unwrap(),
        executed_yuan: Yuan::new(executed).unwrap(),
        explanation: None,
    }
}

fn full_execution() -> ExecutionInput {
    execution(dec!(200000), dec!(200000))
}

fn assessed(grade: QualGrade, score: Option<Decimal>) -> Actual {
    Actual::Assessed {
        grade,
        score,
        text: "良好".to_string(),
        position: None,
    }
}

/// One 产出 indicator in a project under `profile`: its weight is then 产出's whole weight.
fn score_one(
    target: &str,
    actual: Actual,
    profile: &ScoringProfile,
) -> Result<IndicatorResult, EvaluationError> {
    let e = evaluate(
        EvaluationKind::Project,
        &full_execution(),
        &[input("X", Level1::Output, target, actual)],
        profile,
    )?;
    Ok(e.indicators.into_iter().next().unwrap())
}

/// A profile where 产出 carries 10 of the (rescaled) 100 when it is the only 一级: weights
/// execution 90, 产出 10.
fn w10(variant: ReverseVariant) -> ScoringProfile {
    let mut p = mof();
    p.project_weights.execution = dec!(90);
    p.project_weights.output = dec!(10);
    p.project_weights.benefit = dec!(0);
    p.project_weights.satisfaction = dec!(0);
    p.reverse_variant = variant;
    p
}

// ------------------------------------------------------------------ quantitative rules

#[test]
fn positive_targets_score_full_when_met_and_proportionally_below() {
    // (target, actual, score out of 10, met, completion %)
    let table: &[(&str, Decimal, Decimal, bool, Option<Decimal>)] = &[
        ("≥10人", dec!(10), dec!(10), true, Some(dec!(100))),
        ("≥10人", dec!(12), dec!(10), true, Some(dec!(120))),
        ("≥10人", dec!(7), dec!(7), false, Some(dec!(70))),
        ("≥10人", dec!(0), dec!(0), false, Some(dec!(0))),
        ("≥3次", dec!(2), dec!(6.67), false, Some(dec!(66.67))),
        ("≥80%", dec!(79.99), dec!(10), false, Some(dec!(99.99))),
        ("≥80%", dec!(72), dec!(9), false, Some(dec!(90))),
        (">5家", dec!(5), dec!(10), false, Some(dec!(100))),
        (">5家", dec!(6), dec!(10), true, Some(dec!(120))),
        ("≥0人", dec!(0), dec!(10), true, None),
    ];
    for (target, a, score, met, completion) in table {
        let r = score_one(target, Actual::Value(*a), &w10(ReverseVariant::Ratio)).unwrap();
        assert_eq!(r.weight, dec!(10));
        assert_eq!(
            (r.score, r.met, r.completion_percent),
            (*score, *met, *completion),
            "{target} with A = {a}"
        );
    }
}

#[test]
fn reverse_targets_score_by_the_profile_variant() {
    use ReverseVariant::{Linear, Ratio};
    // (variant, target, actual, score out of 10, met)
    let table: &[(ReverseVariant, &str, Decimal, Decimal, bool)] = &[
        (Ratio, "≤30%", dec!(30), dec!(10), true),
        (Ratio, "≤30%", dec!(0), dec!(10), true),
        (Ratio, "≤30%", dec!(10), dec!(10), true),
        (Ratio, "≤30%", dec!(40), dec!(7.5), false),
        (Ratio, "≤30%", dec!(60), dec!(5), false),
        (Ratio, "≤30%", dec!(90), dec!(3.33), false),
        (Linear, "≤30%", dec!(30), dec!(10), true),
        (Linear, "≤30%", dec!(0), dec!(10), true),
        (Linear, "≤30%", dec!(40), dec!(6.67), false),
        (Linear, "≤30%", dec!(45), dec!(5), false),
        (Linear, "≤30%", dec!(59.7), dec!(0.1), false),
        (Linear, "≤30%", dec!(59.99), dec!(0), false),
        (Linear, "≤30%", dec!(60), dec!(0), false),
        (Linear, "≤30%", dec!(90), dec!(0), false),
        (Ratio, "<10%", dec!(10), dec!(10), false),
        (Ratio, "<10%", dec!(9.9), dec!(10), true),
        (Ratio, "≤0次", dec!(0), dec!(10), true),
        (Ratio, "≤0次", dec!(1), dec!(0), false),
        (Linear, "≤0次", dec!(1), dec!(0), false),
    ];
    for (variant, target, a, score, met) in table {
        let r = score_one(target, Actual::Value(*a), &w10(*variant)).unwrap();
        assert_eq!(
            (r.score, r.met),
            (*score, *met),
            "{variant:?} {target} with A = {a}"
        );
    }
}

#[test]
fn equal_targets_score_as_positive_above_zero_and_all_or_nothing_at_zero() {
    // (target, actual, score out of 10, met, over-achievement flagged)
    let table: &[(&str, Decimal, Decimal, bool, bool)] = &[
        ("=100%", dec!(100), dec!(10), true, false),
        ("100%", dec!(90), dec!(9), false, false),
        ("100%", dec!(0), dec!(0), false, false),
        ("=5场", dec!(6), dec!(10), true, false),
        ("=5场", dec!(6.01), dec!(10), true, true),
        ("=0次", dec!(0), dec!(10), true, false),
        ("=0次", dec!(1), dec!(0), false, false),
    ];
    for (target, a, score, met, over) in table {
        let r = score_one(target, Actual::Value(*a), &w10(ReverseVariant::Ratio)).unwrap();
        assert_eq!(
            (r.score, r.met, r.flags.contains(&Flag::OverAchievement)),
            (*score, *met, *over),
            "{target} with A = {a}"
        );
    }
}

#[test]
fn over_achievement_is_flagged_only_beyond_the_threshold_and_never_deducted() {
    // (target, actual, flagged)
    let table: &[(&str, Decimal, bool)] = &[
        ("≥10人", dec!(12), false),
        ("≥10人", dec!(12.01), true),
        ("≥10人", dec!(30), true),
        ("≤10%", dec!(2), false),
        ("≤10%", dec!(30), false),
    ];
    for (target, a, flagged) in table {
        let e = evaluate(
            EvaluationKind::Project,
            &full_execution(),
            &[input("X", Level1::Output, target, Actual::Value(*a))],
            &mof(),
        )
        .unwrap();
        let r = &e.indicators[0];
        assert_eq!(
            r.flags.contains(&Flag::OverAchievement),
            *flagged,
            "{target} with A = {a}"
        );
        assert_eq!(e.over_achieved.len(), usize::from(*flagged));
        if *flagged {
            assert_eq!(r.score, r.weight, "over-achievement is not deducted");
            assert_eq!(Flag::OverAchievement.message_zh(), "目标值可能设置偏低");
        }
    }
}

// ------------------------------------------------------------------ qualitative and 时效

#[test]
fn qualitative_grades_must_score_inside_their_band() {
    use QualGrade::{Achieved, NotAchieved, Partial};
    // W = 10: 达成 [8, 10], 部分达成 [6, 8), 未达成 [0, 6).
    let ok: &[(QualGrade, Option<Decimal>, Decimal)] = &[
        (Achieved, None, dec!(10)),
        (Achieved, Some(dec!(10)), dec!(10)),
        (Achieved, Some(dec!(8)), dec!(8)),
        (Partial, Some(dec!(7.99)), dec!(7.99)),
        (Partial, Some(dec!(6)), dec!(6)),
        (NotAchieved, Some(dec!(5.99)), dec!(5.99)),
        (NotAchieved, Some(dec!(0)), dec!(0)),
    ];
    for (grade, score, expected) in ok {
        let r = score_one(
            "良好",
            assessed(*grade, *score),
            &w10(ReverseVariant::Ratio),
        )
        .unwrap();
        assert_eq!(r.score, *expected, "{grade:?} {score:?}");
        assert_eq!(r.met, *grade == Achieved);
        assert_eq!(r.grade, Some(*grade));
        assert!(r.flags.contains(&Flag::Graded));
    }
    let outside: &[(QualGrade, Decimal, &str)] = &[
        (Achieved, dec!(7.99), "[8, 10]"),
        (Achieved, dec!(10.01), "[8, 10]"),
        (Partial, dec!(8), "[6, 8)"),
        (Partial, dec!(5.99), "[6, 8)"),
        (NotAchieved, dec!(6), "[0, 6)"),
        (NotAchieved, dec!(-1), "[0, 6)"),
    ];
    for (grade, score, band) in outside {
        let err = score_one(
            "良好",
            assessed(*grade, Some(*score)),
            &w10(ReverseVariant::Ratio),
        )
        .unwrap_err();
        assert!(
            matches!(&err, EvaluationError::ScoreOutsideBand { id, band: b, .. } if id == "X" && b == band),
            "{grade:?} {score}: {err:?}"
        );
        assert!(
            err.to_string().contains("指标X"),
            "the message names the indicator: {err}"
        );
    }
    for grade in [Partial, NotAchieved] {
        let err =
            score_one("明显", assessed(grade, None), &w10(ReverseVariant::Ratio)).unwrap_err();
        assert!(
            matches!(err, EvaluationError::ScoreRequired { .. }),
            "{grade:?}: {err:?}"
        );
    }
}

#[test]
fn timeliness_scores_full_when_met_nothing_otherwise_unless_graded() {
    let p = w10(ReverseVariant::Ratio);
    let met = score_one("2024年", Actual::Timeliness { met: true }, &p).unwrap();
    assert_eq!(
        (met.score, met.met, met.actual_text.as_str()),
        (dec!(10), true, "按期完成")
    );
    let late = score_one("12月底前", Actual::Timeliness { met: false }, &p).unwrap();
    assert_eq!((late.score, late.met), (dec!(0), false));
    let graded = score_one("12月底前", assessed(QualGrade::Partial, Some(dec!(7))), &p).unwrap();
    assert_eq!(graded.score, dec!(7));
}

#[test]
fn an_actual_of_the_wrong_kind_is_rejected_naming_the_indicator() {
    let p = mof();
    let table: &[(&str, Actual)] = &[
        ("良好", Actual::Value(dec!(1))),
        ("2024年", Actual::Value(dec!(1))),
        ("≥10人", Actual::Timeliness { met: true }),
    ];
    for (target, actual) in table {
        let err = score_one(target, actual.clone(), &p).unwrap_err();
        assert!(
            matches!(&err, EvaluationError::ActualMismatch { id, .. } if id == "X"),
            "{target}: {err:?}"
        );
    }
}

// ------------------------------------------------------------------ 预算执行率

#[test]
fn the_execution_rate_scores_its_share_of_the_weight_capped_at_full() {
    // (adjusted, executed, rate %, score out of 10, needs explanation)
    let table: &[(Decimal, Decimal, Decimal, Decimal, bool)] = &[
        (dec!(200000), dec!(200000), dec!(100), dec!(10), false),
        (dec!(200000), dec!(180000), dec!(90), dec!(9), false),
        (dec!(200000), dec!(179999.99), dec!(90), dec!(9), false),
        (dec!(200000), dec!(179979.99), dec!(89.99), dec!(9), true),
        (dec!(200000), dec!(170000), dec!(85), dec!(8.5), true),
        (dec!(200000), dec!(240000), dec!(120), dec!(10), false),
        (dec!(200000), dec!(0), dec!(0), dec!(0), true),
        (dec!(300000), dec!(100000), dec!(33.33), dec!(3.33), true),
        // Rounded once from the amounts (issue 14): 19,929 / 20,000 × 10 = 9.9645 → 9.96, not
        // the 9.97 of the rate rounded first to 99.65%.
        (dec!(20000), dec!(19929), dec!(99.65), dec!(9.96), false),
    ];
    for (adjusted, executed, rate, score, needs) in table {
        let e = evaluate(
            EvaluationKind::Project,
            &execution(*adjusted, *executed),
            &seed_project(),
            &mof(),
        )
        .unwrap();
        let x = &e.execution;
        assert_eq!(
            (x.rate_percent, x.weight, x.score, x.needs_explanation),
            (Some(*rate), dec!(10), *score, *needs),
            "{executed} of {adjusted}"
        );
        assert_eq!(
            e.needs_explanation.contains(&DeviationItem::ExecutionRate),
            *needs
        );
    }
}

#[test]
fn a_low_execution_rate_with_an_explanation_is_not_listed() {
    let mut ex = execution(dec!(100000), dec!(50000));
    ex.explanation = Some("政府采购流程未完成，资金于次年初支付".to_string());
    let e = evaluate(EvaluationKind::Project, &ex, &seed_project(), &mof()).unwrap();
    assert!(!e.execution.needs_explanation);
    assert!(e.needs_explanation.is_empty());
    assert!(e.ready_to_submit());
}

#[test]
fn a_zero_budget_follows_the_not_applicable_policy() {
    let inds = seed_project();
    let full = evaluate(
        EvaluationKind::Project,
        &execution(dec!(0), dec!(0)),
        &inds,
        &mof(),
    )
    .unwrap();
    assert_eq!(
        (
            full.execution.rate_percent,
            full.execution.score,
            full.execution.not_applicable
        ),
        (None, dec!(10), true)
    );
    assert_eq!(full.total, dec!(100));
    assert_eq!(full.consistency, None, "no rate, nothing to compare");

    let mut p = mof();
    p.not_applicable = NotApplicablePolicy::Exclude;
    let excluded = evaluate(
        EvaluationKind::Project,
        &execution(dec!(0), dec!(0)),
        &inds,
        &p,
    )
    .unwrap();
    assert_eq!(
        (excluded.execution.weight, excluded.execution.score),
        (dec!(0), dec!(0))
    );
    // 产出 50, 效益 30, 满意度 10 rescaled over 90.
    let level = |l: Level1| {
        excluded
            .levels
            .iter()
            .find(|r| r.level1 == l)
            .unwrap()
            .weight
    };
    assert_eq!(
        (
            level(Level1::Output),
            level(Level1::Benefit),
            level(Level1::Satisfaction)
        ),
        (dec!(55.56), dec!(33.33), dec!(11.11))
    );
    assert_eq!(excluded.total, dec!(100));
}

// ------------------------------------------------------------------ weights

/// The seed project 科技合作及基础运转经费 (预算15), all targets met.
fn seed_project() -> Vec<IndicatorInput> {
    vec![
        input("P-OUT-1", Level1::Output, "≥10人", Actual::Value(dec!(45))),
        input("P-OUT-2", Level1::Output, "≥3次", Actual::Value(dec!(3))),
        input(
            "P-OUT-3",
            Level1::Output,
            "良好",
            assessed(QualGrade::Achieved, None),
        ),
        input(
            "P-OUT-4",
            Level1::Output,
            "2024年",
            Actual::Timeliness { met: true },
        ),
        input(
            "P-BEN-1",
            Level1::Benefit,
            "明显",
            assessed(QualGrade::Achieved, None),
        ),
        input(
            "P-SAT-1",
            Level1::Satisfaction,
            "≥80%",
            Actual::Value(dec!(92)),
        ),
        input(
            "P-SAT-2",
            Level1::Satisfaction,
            "≥70%",
            Actual::Value(dec!(85)),
        ),
        input(
            "P-SAT-3",
            Level1::Satisfaction,
            "≥60%",
            Actual::Value(dec!(75)),
        ),
    ]
}

fn weights_of(e: &Evaluation) -> Vec<Decimal> {
    e.indicators.iter().map(|r| r.weight).collect()
}

#[test]
fn a_level_weight_is_split_equally_and_the_parts_add_up_exactly() {
    let e = evaluate(
        EvaluationKind::Project,
        &full_execution(),
        &seed_project(),
        &mof(),
    )
    .unwrap();
    assert_eq!(
        weights_of(&e),
        [
            dec!(12.5),
            dec!(12.5),
            dec!(12.5),
            dec!(12.5),
            dec!(30),
            dec!(3.34),
            dec!(3.33),
            dec!(3.33)
        ]
    );
    assert_eq!(
        e.execution.weight + weights_of(&e).iter().sum::<Decimal>(),
        dec!(100)
    );
    assert_eq!((e.total, e.grade), (dec!(100), Grade::Excellent));
}

#[test]
fn fifty_over_three_indicators_is_16_67_16_67_16_66() {
    let inds: Vec<_> = (1..=3)
        .map(|i| {
            input(
                &format!("O{i}"),
                Level1::Output,
                "≥1次",
                Actual::Value(dec!(1)),
            )
        })
        .chain([input(
            "B",
            Level1::Benefit,
            "明显",
            assessed(QualGrade::Achieved, None),
        )])
        .chain([input(
            "S",
            Level1::Satisfaction,
            "≥80%",
            Actual::Value(dec!(90)),
        )])
        .collect();
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    assert_eq!(
        &weights_of(&e)[..3],
        [dec!(16.67), dec!(16.67), dec!(16.66)]
    );
    assert_eq!(
        e.levels
            .iter()
            .find(|l| l.level1 == Level1::Output)
            .unwrap()
            .score,
        dec!(50)
    );
}

#[test]
fn an_empty_cost_level_drops_out_and_the_rest_is_rescaled_to_100() {
    // henan-2024: 执行 30, 成本 10, 产出 30, 效益 25, 满意度 5; the seed project has no 成本 row.
    let e = evaluate(
        EvaluationKind::Project,
        &full_execution(),
        &seed_project(),
        &henan(),
    )
    .unwrap();
    let level = |l: Level1| e.levels.iter().find(|r| r.level1 == l).unwrap().weight;
    assert_eq!(e.execution.weight, dec!(33.33));
    assert_eq!(level(Level1::Cost), dec!(0));
    assert_eq!(level(Level1::Output), dec!(33.33));
    assert_eq!(level(Level1::Benefit), dec!(27.78));
    assert_eq!(level(Level1::Satisfaction), dec!(5.56));
    assert_eq!(
        weights_of(&e),
        [
            dec!(8.34),
            dec!(8.33),
            dec!(8.33),
            dec!(8.33),
            dec!(27.78),
            dec!(1.86),
            dec!(1.85),
            dec!(1.85)
        ]
    );
    assert_eq!(
        e.execution.weight + weights_of(&e).iter().sum::<Decimal>(),
        dec!(100)
    );
    assert_eq!(e.total, dec!(100));
}

#[test]
fn cost_indicators_share_the_output_weight_under_the_2020_framework() {
    let mut inds = seed_project();
    inds.push(input(
        "P-COST-1",
        Level1::Cost,
        "≤20万元",
        Actual::Value(dec!(19.5)),
    ));
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    assert!(e.levels.iter().all(|l| l.level1 != Level1::Cost));
    let cost = e.indicators.last().unwrap();
    assert_eq!((cost.scored_under, cost.weight), (Level1::Output, dec!(10)));
    assert_eq!(&weights_of(&e)[..4], [dec!(10); 4]);

    let h = evaluate(EvaluationKind::Project, &full_execution(), &inds, &henan()).unwrap();
    let cost = h.indicators.last().unwrap();
    assert_eq!((cost.scored_under, cost.weight), (Level1::Cost, dec!(10)));
}

#[test]
fn explicit_weights_are_kept_and_the_rest_of_the_level_is_split() {
    let mut inds = seed_project();
    inds[0] = weighted(inds[0].clone(), dec!(20));
    inds[1] = weighted(inds[1].clone(), dec!(10));
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    assert_eq!(
        &weights_of(&e)[..4],
        [dec!(20), dec!(10), dec!(10), dec!(10)]
    );

    // All explicit but not adding up to 50: scaled in proportion so 产出 keeps its weight.
    for (i, w) in [dec!(20), dec!(10), dec!(10), dec!(5)]
        .into_iter()
        .enumerate()
    {
        inds[i] = weighted(inds[i].clone(), w);
    }
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    assert_eq!(
        &weights_of(&e)[..4],
        [dec!(22.22), dec!(11.11), dec!(11.11), dec!(5.56)]
    );
}

#[test]
fn explicit_weights_that_leave_nothing_for_the_others_are_rejected() {
    let mut inds = seed_project();
    inds[0] = weighted(inds[0].clone(), dec!(50));
    let err = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap_err();
    assert!(
        matches!(
            err,
            EvaluationError::ExplicitWeightsExhaustLevel {
                level1: "产出指标",
                ..
            }
        ),
        "{err:?}"
    );

    let mut inds = seed_project();
    inds[0] = weighted(inds[0].clone(), dec!(101));
    let err = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap_err();
    assert!(
        matches!(err, EvaluationError::InvalidWeight { .. }),
        "{err:?}"
    );
}

// ------------------------------------------------------------------ totals and grades

#[test]
fn the_total_is_the_sum_of_the_rounded_scores() {
    // Three 满意度 indicators of 3.34/3.33/3.33 at 2/3 completion: 2.2266→2.23, 2.22, 2.22.
    let mut inds = seed_project();
    for (i, t) in [(5, dec!(53.3333)), (6, dec!(46.6667)), (7, dec!(40))] {
        inds[i].actual = Actual::Value(t);
        inds[i] = explained(inds[i].clone());
    }
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    let sat: Vec<Decimal> = e.indicators[5..].iter().map(|r| r.score).collect();
    assert_eq!(sat, [dec!(2.23), dec!(2.22), dec!(2.22)]);
    assert_eq!(e.total, dec!(90) + dec!(2.23) + dec!(2.22) + dec!(2.22));
    assert_eq!(
        e.total,
        e.execution.score + e.indicators.iter().map(|r| r.score).sum::<Decimal>()
    );
}

#[test]
fn grades_follow_the_profile_cut_offs() {
    let p = mof();
    let table = [
        (dec!(100), Grade::Excellent, "优"),
        (dec!(90), Grade::Excellent, "优"),
        (dec!(89.99), Grade::Good, "良"),
        (dec!(80), Grade::Good, "良"),
        (dec!(79.99), Grade::Fair, "中"),
        (dec!(60), Grade::Fair, "中"),
        (dec!(59.99), Grade::Poor, "差"),
        (dec!(0), Grade::Poor, "差"),
    ];
    for (total, grade, zh) in table {
        assert_eq!(Grade::of(total, &p), grade, "{total}");
        assert_eq!(grade.name_zh(), zh);
    }
}

// ------------------------------------------------------------------ not applicable, missing

#[test]
fn a_not_applicable_indicator_scores_full_or_drops_out_per_profile() {
    let mut inds = seed_project();
    inds.truncate(6); // one 满意度 indicator left
    inds[5].actual = Actual::NotApplicable;

    let full = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    let r = &full.indicators[5];
    assert_eq!(
        (r.weight, r.score, r.flags.as_slice()),
        (dec!(10), dec!(10), &[Flag::NotApplicable][..])
    );
    assert_eq!(full.total, dec!(100));

    let mut p = mof();
    p.not_applicable = NotApplicablePolicy::Exclude;
    let ex = evaluate(EvaluationKind::Project, &full_execution(), &inds, &p).unwrap();
    let r = &ex.indicators[5];
    assert_eq!(
        (r.weight, r.score, r.flags.as_slice()),
        (dec!(0), dec!(0), &[Flag::Excluded][..])
    );
    // 满意度 dropped: 10 / 50 / 30 over 90 → 11.11 / 55.56 / 33.33.
    assert_eq!(ex.execution.weight, dec!(11.11));
    assert_eq!(
        weights_of(&ex)[..5],
        [
            dec!(13.89),
            dec!(13.89),
            dec!(13.89),
            dec!(13.89),
            dec!(33.33)
        ]
    );
    assert_eq!(ex.total, dec!(100));
    assert!(ex.needs_explanation.is_empty());
}

#[test]
fn a_missing_value_scores_zero_and_blocks_submission() {
    let mut inds = seed_project();
    inds[1].actual = Actual::Missing;
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    let r = &e.indicators[1];
    assert_eq!((r.score, r.met), (dec!(0), false));
    assert!(r.flags.contains(&Flag::NotYetAssessed));
    assert_eq!(e.not_yet_assessed, [IndicatorId("P-OUT-2".to_string())]);
    assert!(
        e.needs_explanation.is_empty(),
        "a missing value needs an assessment first"
    );
    assert!(!e.ready_to_submit());
    assert_eq!(e.total, dec!(87.5));
}

// ------------------------------------------------------------------ deviations

#[test]
fn every_indicator_not_fully_met_needs_an_explanation_until_one_is_written() {
    let mut inds = seed_project();
    inds[0].actual = Actual::Value(dec!(8)); // ≥10人: 80%
    inds[2].actual = assessed(QualGrade::Achieved, Some(dec!(11))); // 达成 but below W
    inds[3].actual = Actual::Timeliness { met: false };
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    let ids = |items: &[DeviationItem]| -> Vec<String> {
        items
            .iter()
            .map(|d| match d {
                DeviationItem::ExecutionRate => "执行率".to_string(),
                DeviationItem::Indicator(id) => id.0.clone(),
            })
            .collect()
    };
    assert_eq!(ids(&e.needs_explanation), ["P-OUT-1", "P-OUT-3", "P-OUT-4"]);
    assert!(!e.ready_to_submit());

    for i in [0, 2, 3] {
        inds[i] = explained(inds[i].clone());
    }
    inds[3].explanation = Some("   ".to_string()); // blank is no explanation
    let e = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap();
    assert_eq!(ids(&e.needs_explanation), ["P-OUT-4"]);
}

// ------------------------------------------------------------------ consistency

#[test]
fn targets_met_while_money_unspent_raise_the_consistency_warning() {
    let inds: Vec<_> = seed_project().into_iter().collect();
    // (executed of 200000, warning): indicators all met, S/Sw = 100%.
    let table = [
        (dec!(200000), false, dec!(0)),
        (dec!(191000), false, dec!(4.5)),
        (dec!(190000), false, dec!(5)),
        (dec!(189000), true, dec!(5.5)),
        (dec!(100000), true, dec!(50)),
    ];
    for (executed, warning, gap) in table {
        let e = evaluate(
            EvaluationKind::Project,
            &execution(dec!(200000), executed),
            &inds,
            &mof(),
        )
        .unwrap();
        let c = e.consistency.unwrap();
        assert_eq!(
            (c.warning, c.gap_percent),
            (warning, gap),
            "executed {executed}"
        );
        assert_eq!(c.indicator_percent, dec!(100));
    }
}

// ------------------------------------------------------------------ unit-wide, errors

#[test]
fn the_unit_evaluation_scores_execution_as_an_input_indicator() {
    let inds = vec![
        input(
            "U-IN-1",
            Level1::Input,
            "相关",
            assessed(QualGrade::Achieved, None),
        ),
        input("U-IN-2", Level1::Input, "≥90%", Actual::Value(dec!(95))),
        input("U-IN-3", Level1::Input, "≤30%", Actual::Value(dec!(0))),
        input(
            "U-OUT-1",
            Level1::Output,
            "加深",
            assessed(QualGrade::Achieved, None),
        ),
        input("U-OUT-2", Level1::Output, "≥90%", Actual::Value(dec!(90))),
        input("U-COST", Level1::Cost, "≤100%", Actual::Value(dec!(80))),
        input(
            "U-BEN-1",
            Level1::Benefit,
            "提供保障",
            assessed(QualGrade::Achieved, None),
        ),
        input(
            "U-SAT-1",
            Level1::Satisfaction,
            "≤10%",
            Actual::Value(dec!(2)),
        ),
    ];
    let e = evaluate(
        EvaluationKind::Unit,
        &execution(dec!(823400), dec!(782230)),
        &inds,
        &mof(),
    )
    .unwrap();
    assert_eq!((e.execution.weight, e.execution.score), (dec!(0), dec!(0)));
    assert_eq!(e.execution.rate_percent, Some(dec!(95)));
    assert_eq!(
        weights_of(&e),
        [
            dec!(10),
            dec!(10),
            dec!(10),
            dec!(13.34),
            dec!(13.33),
            dec!(13.33),
            dec!(20),
            dec!(10)
        ]
    );
    assert_eq!(e.indicators[5].scored_under, Level1::Output);
    assert_eq!(e.total, dec!(100));
}

#[test]
fn an_input_indicator_in_a_project_is_rejected() {
    let inds = [input("X", Level1::Input, "≥90%", Actual::Value(dec!(95)))];
    let err = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap_err();
    assert!(
        matches!(err, EvaluationError::InputInProject { .. }),
        "{err:?}"
    );
}

#[test]
fn duplicate_ids_and_empty_target_lists_are_rejected() {
    let inds = [
        input("X", Level1::Output, "≥1次", Actual::Value(dec!(1))),
        input(
            "X",
            Level1::Benefit,
            "明显",
            assessed(QualGrade::Achieved, None),
        ),
    ];
    let err = evaluate(EvaluationKind::Project, &full_execution(), &inds, &mof()).unwrap_err();
    assert_eq!(err, EvaluationError::DuplicateIndicator("X".to_string()));
    let err = evaluate(EvaluationKind::Project, &full_execution(), &[], &mof()).unwrap_err();
    assert_eq!(err, EvaluationError::NothingToScore);
}

#[test]
fn an_invalid_profile_is_refused() {
    let mut p = mof();
    p.project_weights.output = dec!(60);
    let err = evaluate(
        EvaluationKind::Project,
        &full_execution(),
        &seed_project(),
        &p,
    )
    .unwrap_err();
    assert!(matches!(err, EvaluationError::Profile(_)), "{err:?}");
}

#[test]
fn the_unit_consistency_warning_compares_indicator_scores_with_the_execution_rate() {
    // 部门整体: 预算执行率 has no weight of its own, so B/Bw is min(执行率, 100%). All indicators
    // met: S/Sw = 100%, the gap is 100% − rate; red beyond 5%.
    let inds = vec![
        input(
            "U-IN-1",
            Level1::Input,
            "相关",
            assessed(QualGrade::Achieved, None),
        ),
        input("U-OUT-1", Level1::Output, "≥90%", Actual::Value(dec!(95))),
    ];
    // (executed of 100000, gap %, warning)
    let table = [
        (dec!(100000), dec!(0), false),
        (dec!(95000), dec!(5), false),
        (dec!(94990), dec!(5.01), true),
        (dec!(60000), dec!(40), true),
    ];
    for (executed, gap, warning) in table {
        let e = evaluate(
            EvaluationKind::Unit,
            &execution(dec!(100000), executed),
            &inds,
            &mof(),
        )
        .unwrap();
        let c = e.consistency.expect("a rate and indicator scores exist");
        assert_eq!(
            (c.indicator_percent, c.gap_percent, c.warning),
            (dec!(100), gap, warning),
            "executed {executed}"
        );
    }
}

#[test]
fn a_unit_that_spent_a_fifth_is_warned_and_the_profile_can_weigh_its_execution_indicator() {
    // 部门整体 with three 投入管理 indicators (预算执行率 among them, A = 20%), one 产出, one 效益
    // and one 满意度, all others met: 20% spent.
    let mut rate = input("U-IN-EXEC", Level1::Input, "≥90%", Actual::Value(dec!(20)));
    rate.indicator.measure = Measure::ExecutionRate;
    let inds = vec![
        rate,
        input(
            "U-IN-2",
            Level1::Input,
            "相关",
            assessed(QualGrade::Achieved, None),
        ),
        input(
            "U-IN-3",
            Level1::Input,
            "科学",
            assessed(QualGrade::Achieved, None),
        ),
        input("U-OUT-1", Level1::Output, "≥90%", Actual::Value(dec!(95))),
        input(
            "U-BEN-1",
            Level1::Benefit,
            "明显",
            assessed(QualGrade::Achieved, None),
        ),
        input(
            "U-SAT-1",
            Level1::Satisfaction,
            "≥80%",
            Actual::Value(dec!(90)),
        ),
    ];
    let spent = execution(dec!(100000), dec!(20000));
    // An equal share of 投入管理 (10 of 30): 10 × 20/90 = 2.22, total 92.22 — 优, but warned.
    let equal = evaluate(EvaluationKind::Unit, &spent, &inds, &mof()).unwrap();
    assert_eq!(equal.indicators[0].weight, dec!(10));
    assert_eq!(equal.total, dec!(92.22));
    assert_eq!(equal.grade, Grade::Excellent);
    assert!(equal.consistency.as_ref().is_some_and(|c| c.warning));
    // The profile's visible setting: 预算执行率 weighs 26 of 投入管理's 30: 26 × 20/90 = 5.78,
    // the other two share 4; total 5.78 + 4 + 40 + 20 + 10 = 79.78 — 中.
    let mut strict = mof();
    strict.unit_weights.execution_indicator = Some(dec!(26));
    strict.validate().unwrap();
    let weighed = evaluate(EvaluationKind::Unit, &spent, &inds, &strict).unwrap();
    assert_eq!(weighed.indicators[0].weight, dec!(26));
    assert_eq!(weighed.total, dec!(79.78));
    assert_eq!(weighed.grade, Grade::Fair);
    assert!(weighed.consistency.as_ref().is_some_and(|c| c.warning));
    // A weight beyond 投入管理 is refused naming the setting.
    strict.unit_weights.execution_indicator = Some(dec!(31));
    let err = strict.validate().unwrap_err().to_string();
    assert!(err.contains("unit_weights.execution_indicator"), "{err}");
}
