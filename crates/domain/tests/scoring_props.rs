//! Property tests of the scoring rules: a score stays within [0, W]; the total within [0, 100]
//! and the weights add up to exactly 100; 正向 scores never fall as A rises and 反向 scores
//! never rise (both variants); exact weight splits.

use jixiao_domain::evaluation::rules;
use jixiao_domain::evaluation::weights::split_exact;
use jixiao_domain::evaluation::*;
use jixiao_domain::indicator::{Indicator, IndicatorId, Level1, QualGrade};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::{NotApplicablePolicy, ReverseVariant, ScoringProfile};
use jixiao_domain::target::{Comparator, Target};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// A decimal with 2 places in [0, max_cents / 100].
fn cents(max_cents: i64) -> impl Strategy<Value = Decimal> {
    (0..=max_cents).prop_map(|c| Decimal::new(c, 2))
}

fn comparator() -> impl Strategy<Value = Comparator> {
    prop_oneof![
        Just(Comparator::Ge),
        Just(Comparator::Gt),
        Just(Comparator::Le),
        Just(Comparator::Lt),
        Just(Comparator::Eq),
    ]
}

fn variant() -> impl Strategy<Value = ReverseVariant> {
    prop_oneof![Just(ReverseVariant::Ratio), Just(ReverseVariant::Linear)]
}

proptest! {
    #[test]
    fn a_quantitative_score_lies_within_zero_and_its_weight(
        w in cents(10_000), t in cents(1_000_000), a in cents(2_000_000),
        c in comparator(), v in variant(),
    ) {
        let q = rules::quantitative(w, c, t, a, v);
        prop_assert!(q.score >= Decimal::ZERO && q.score <= w, "{c:?} T={t} A={a} W={w}: {}", q.score);
        prop_assert!(q.score.scale() <= 2);
    }

    #[test]
    fn positive_scores_never_fall_as_the_actual_rises(
        w in cents(10_000), t in cents(1_000_000), a1 in cents(2_000_000), a2 in cents(2_000_000),
        c in prop_oneof![Just(Comparator::Ge), Just(Comparator::Gt), Just(Comparator::Eq)],
    ) {
        prop_assume!(c != Comparator::Eq || !t.is_zero());
        let (lo, hi) = if a1 <= a2 { (a1, a2) } else { (a2, a1) };
        let s_lo = rules::quantitative(w, c, t, lo, ReverseVariant::Ratio).score;
        let s_hi = rules::quantitative(w, c, t, hi, ReverseVariant::Ratio).score;
        prop_assert!(s_lo <= s_hi, "{c:?} T={t}: A={lo} → {s_lo} but A={hi} → {s_hi}");
    }

    #[test]
    fn reverse_scores_never_rise_as_the_actual_rises(
        w in cents(10_000), t in cents(1_000_000), a1 in cents(2_000_000), a2 in cents(2_000_000),
        c in prop_oneof![Just(Comparator::Le), Just(Comparator::Lt)], v in variant(),
    ) {
        let (lo, hi) = if a1 <= a2 { (a1, a2) } else { (a2, a1) };
        let s_lo = rules::quantitative(w, c, t, lo, v).score;
        let s_hi = rules::quantitative(w, c, t, hi, v).score;
        prop_assert!(s_lo >= s_hi, "{v:?} {c:?} T={t}: A={lo} → {s_lo} but A={hi} → {s_hi}");
    }

    #[test]
    fn an_exact_split_adds_up_and_each_part_is_within_a_cent_of_its_share(
        total in cents(10_000), shares in prop::collection::vec(cents(10_000), 1..40),
    ) {
        let sum: Decimal = shares.iter().sum();
        prop_assume!(!sum.is_zero());
        let parts = split_exact(total, &shares).unwrap();
        prop_assert_eq!(parts.iter().sum::<Decimal>(), total);
        for (p, s) in parts.iter().zip(&shares) {
            let exact = total * s / sum;
            prop_assert!((*p - exact).abs() < Decimal::new(1, 2), "part {p} vs exact {exact}");
        }
    }
}

const TARGETS: &[&str] = &[
    "≥10人", ">5家", "≤30%", "<10%", "=100%", "良好", "2024年", "≥0人", "≤0次", "=0次",
];
const LEVELS: &[Level1] = &[
    Level1::Cost,
    Level1::Output,
    Level1::Benefit,
    Level1::Satisfaction,
    Level1::Input,
];

/// (level index, target index, actual kind, value, explicit weight?)
fn indicator_spec() -> impl Strategy<Value = (usize, usize, u8, Decimal, Option<Decimal>)> {
    (
        0..LEVELS.len(),
        0..TARGETS.len(),
        0u8..5,
        cents(50_000),
        prop::option::weighted(0.2, cents(1_000)),
    )
}

fn build(
    specs: &[(usize, usize, u8, Decimal, Option<Decimal>)],
    kind: EvaluationKind,
) -> Vec<IndicatorInput> {
    specs
        .iter()
        .enumerate()
        .filter(|(_, s)| kind == EvaluationKind::Unit || LEVELS[s.0] != Level1::Input)
        .map(|(i, (l, t, k, v, w))| {
            let target = Target::parse(TARGETS[*t]).unwrap();
            let actual = match (k, target.direction()) {
                (0, _) => Actual::Missing,
                (1, _) => Actual::NotApplicable,
                (2, _) => Actual::Assessed {
                    grade: QualGrade::Achieved,
                    score: None,
                    text: "达成".into(),
                    position: None,
                },
                (_, jixiao_domain::target::Direction::Qualitative) => Actual::Assessed {
                    grade: QualGrade::Achieved,
                    score: None,
                    text: "良好".into(),
                    position: None,
                },
                (_, jixiao_domain::target::Direction::Timeliness) => {
                    Actual::Timeliness { met: *k == 3 }
                }
                _ => Actual::Value(*v),
            };
            IndicatorInput {
                indicator: Indicator {
                    id: IndicatorId(format!("I{i}")),
                    level1: LEVELS[*l],
                    level2: "数量指标".into(),
                    name: format!("指标{i}"),
                    target,
                    // Tiny explicit weights only, so they never exhaust a 一级.
                    weight: w.map(|w| w / Decimal::TEN),
                    measure: Measure::Assessed,
                    description: None,
                },
                actual,
                explanation: None,
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn the_total_lies_within_zero_and_100_and_the_weights_add_up_to_exactly_100(
        specs in prop::collection::vec(indicator_spec(), 1..30),
        adjusted in cents(100_000_000), executed in cents(200_000_000),
        unit in any::<bool>(), henan in any::<bool>(), exclude in any::<bool>(),
    ) {
        let mut profile = ScoringProfile::builtin(if henan { "henan-2024" } else { "mof-2020" }).unwrap();
        if exclude {
            profile.not_applicable = NotApplicablePolicy::Exclude;
        }
        let kind = if unit { EvaluationKind::Unit } else { EvaluationKind::Project };
        let inds = build(&specs, kind);
        let execution = ExecutionInput {
            initial_yuan: Yuan::new(adjusted).unwrap(),
            adjusted_yuan: Yuan::new(adjusted).unwrap(),
            executed_yuan: Yuan::new(executed).unwrap(),
            explanation: None,
        };
        match evaluate(kind, &execution, &inds, &profile) {
            Ok(e) => {
                prop_assert!(e.total >= Decimal::ZERO && e.total <= Decimal::ONE_HUNDRED, "total {}", e.total);
                let weights: Decimal = e.execution.weight + e.indicators.iter().map(|r| r.weight).sum::<Decimal>();
                prop_assert_eq!(weights, Decimal::ONE_HUNDRED);
                prop_assert!(e.execution.score <= e.execution.weight);
                for r in &e.indicators {
                    prop_assert!(r.score >= Decimal::ZERO && r.score <= r.weight, "{:?}", r);
                }
                prop_assert_eq!(e.grade, Grade::of(e.total, &profile));
            }
            // Only when every indicator was excluded as not applicable.
            Err(EvaluationError::NothingToScore) => {
                prop_assert!(inds.is_empty() || (exclude && inds.iter().all(|i| i.actual == Actual::NotApplicable)));
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}

/// Any `Decimal` at all: every magnitude (up to ~7.9e28), every scale (0-28), either sign.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
        0u32..=28,
    )
        .prop_map(|(lo, mid, hi, negative, scale)| {
            Decimal::from_parts(lo, mid, hi, negative, scale)
        })
}

/// Targets whose T ranges from the smallest to the largest number the grammar accepts.
const EXTREME_TARGETS: &[&str] = &[
    "≥10人",
    "≤30%",
    "<0.00000000000001%",
    "≥0.00000000000001人",
    "=100%",
    ">999999999999999人",
    "≤999999999999999万元",
    "=0次",
];

proptest! {
    #[test]
    fn no_actual_value_however_large_tiny_or_negative_makes_scoring_panic_or_leave_zero_to_w(
        a in any_decimal(), t in 0..EXTREME_TARGETS.len(), v in variant(),
        over in prop_oneof![Just(Decimal::from(120)), any_decimal().prop_map(|d| d.abs().saturating_add(Decimal::from(101)))],
    ) {
        // A custom profile may set any threshold above 100.
        let profile = ScoringProfile {
            reverse_variant: v,
            over_achievement_percent: over,
            ..ScoringProfile::default()
        };
        let input = IndicatorInput {
            indicator: Indicator {
                id: IndicatorId("X".into()),
                level1: Level1::Output,
                level2: "数量指标".into(),
                name: "指标".into(),
                target: Target::parse(EXTREME_TARGETS[t]).unwrap(),
                weight: None,
                measure: Measure::Assessed,
                description: None,
            },
            actual: Actual::Value(a),
            explanation: None,
        };
        let execution = ExecutionInput {
            initial_yuan: Yuan::ZERO,
            adjusted_yuan: Yuan::new(Decimal::from(1000)).unwrap(),
            executed_yuan: Yuan::new(Decimal::from(900)).unwrap(),
            explanation: None,
        };
        let e = evaluate(EvaluationKind::Project, &execution, &[input], &profile).unwrap();
        let r = &e.indicators[0];
        prop_assert!(r.score >= Decimal::ZERO && r.score <= r.weight, "{:?}", r);
    }
}
