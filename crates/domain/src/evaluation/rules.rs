//! The scoring rules of 财预〔2020〕10号 for one indicator, as pure functions of the weight W,
//! the target T and the actual A (domain.md §4). Scores returned here are capped to [0, W] and
//! rounded half-up to 0.01.

use crate::indicator::QualGrade;
use crate::money::round2;
use crate::profile::{ReverseVariant, ScoringProfile};
use crate::target::Comparator;
use rust_decimal::Decimal;

/// The outcome of scoring a quantitative indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantitativeScore {
    /// Score in [0, W], rounded to 0.01.
    pub score: Decimal,
    /// Whether the target is met.
    pub met: bool,
    /// A / T as a percentage rounded to 0.01; `None` when T = 0 (see [`completion_percent`]).
    pub completion_percent: Option<Decimal>,
}

/// Cap a raw score to [0, W] and round it half-up to 0.01.
pub fn cap_and_round(raw: Decimal, weight: Decimal) -> Decimal {
    round2(raw.max(Decimal::ZERO).min(weight))
}

/// 正向 (≥, >): met → W, otherwise W × A / T (0 when T ≤ 0 and unmet).
///
/// A strict `>` target reached exactly (A = T) is *not met* — it still scores W × A / T = W, but
/// it is listed for 偏差原因分析 like any other unmet target.
pub fn positive(
    weight: Decimal,
    comparator: Comparator,
    target: Decimal,
    actual: Decimal,
) -> Decimal {
    if comparator.meets(actual, target) {
        return cap_and_round(weight, weight);
    }
    if target <= Decimal::ZERO || actual <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    // Unmet means 0 < A ≤ T here, so W × A / T ≤ W: checked only so that no input can panic.
    weight
        .checked_mul(actual)
        .and_then(|wa| wa.checked_div(target))
        .map_or(Decimal::ZERO, |raw| cap_and_round(raw, weight))
}

/// 反向 (≤, <): met (or A = 0) → W, otherwise by the profile's variant: `ratio` W × T / A, or
/// `linear` W × (1 − (A − T)/T) and 0 once A ≥ 2T. An unmet target of 0 scores 0.
pub fn reverse(
    weight: Decimal,
    comparator: Comparator,
    target: Decimal,
    actual: Decimal,
    variant: ReverseVariant,
) -> Decimal {
    if comparator.meets(actual, target) {
        return cap_and_round(weight, weight);
    }
    if target <= Decimal::ZERO || actual <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    // Unmet means A ≥ T > 0 here, so T / A ≤ 1 and (A − T) / T < 1 below 2T: the checked
    // arithmetic never fails on a real value, it only keeps an absurd one from panicking.
    let raw = match variant {
        ReverseVariant::Ratio => weight
            .checked_mul(target)
            .and_then(|wt| wt.checked_div(actual)),
        ReverseVariant::Linear => match target.checked_mul(Decimal::TWO) {
            Some(double) if actual < double => (actual - target)
                .checked_div(target)
                .and_then(|over| weight.checked_mul(Decimal::ONE - over)),
            _ => Some(Decimal::ZERO),
        },
    };
    raw.map_or(Decimal::ZERO, |raw| cap_and_round(raw, weight))
}

/// 等于 (=). T = 0: W when A = 0, else 0. T > 0 is scored as 正向 (our documented choice,
/// domain.md §4 [P]): A ≥ T is met and earns W (A above T is then judged by the
/// over-achievement flag, not by a deduction); A below T earns W × A / T.
pub fn equal(weight: Decimal, target: Decimal, actual: Decimal) -> (Decimal, bool) {
    if target.is_zero() {
        let met = actual.is_zero();
        return (
            if met {
                cap_and_round(weight, weight)
            } else {
                Decimal::ZERO
            },
            met,
        );
    }
    let met = Comparator::Eq.meets(actual, target);
    (positive(weight, Comparator::Ge, target, actual), met)
}

/// Score a quantitative target: dispatch on the comparator, with the met flag and A / T.
pub fn quantitative(
    weight: Decimal,
    comparator: Comparator,
    target: Decimal,
    actual: Decimal,
    variant: ReverseVariant,
) -> QuantitativeScore {
    let (score, met) = match comparator {
        // Whether it is met is the one rule, `Comparator::meets` (also `Target::is_met_by`).
        Comparator::Ge | Comparator::Gt => (
            positive(weight, comparator, target, actual),
            comparator.meets(actual, target),
        ),
        Comparator::Le | Comparator::Lt => (
            reverse(weight, comparator, target, actual, variant),
            comparator.meets(actual, target),
        ),
        Comparator::Eq => equal(weight, target, actual),
    };
    QuantitativeScore {
        score,
        met,
        completion_percent: completion_percent(actual, target),
    }
}

/// A / T × 100, rounded half-up to 0.01; `None` when T = 0 or when the quotient lies beyond
/// the range of `Decimal` (an actual no real indicator reaches; it must not panic).
pub fn completion_percent(actual: Decimal, target: Decimal) -> Option<Decimal> {
    if target.is_zero() {
        return None;
    }
    match actual.checked_mul(Decimal::ONE_HUNDRED) {
        Some(hundred_a) => hundred_a.checked_div(target),
        None => actual
            .checked_div(target)
            .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)),
    }
    .map(round2)
}

/// Whether A / T exceeds the profile's over-achievement threshold ("目标值可能设置偏低"). Only
/// 正向 and 等于 targets above zero can be over-achieved; for 反向 a large A / T is a miss.
pub fn is_over_achieved(
    comparator: Comparator,
    target: Decimal,
    actual: Decimal,
    profile: &ScoringProfile,
) -> bool {
    if !matches!(comparator, Comparator::Ge | Comparator::Gt | Comparator::Eq)
        || target <= Decimal::ZERO
        || actual <= target
    {
        return false;
    }
    let threshold = profile.over_achievement_percent;
    // Compare A × 100 with T × threshold: exact. Either product can only overflow for absurd
    // values (or a custom threshold far beyond any sense); compare the quotients then.
    match (
        actual.checked_mul(Decimal::ONE_HUNDRED),
        target.checked_mul(threshold),
    ) {
        (Some(a100), Some(allowed)) => a100 > allowed,
        _ => match actual.checked_div(target) {
            Some(ratio) => ratio
                .checked_mul(Decimal::ONE_HUNDRED)
                .is_none_or(|percent| percent > threshold),
            // A / T beyond the range of Decimal: beyond any threshold.
            None => true,
        },
    }
}

/// The band of scores a grade allows, as (low, high, high_inclusive):
/// 达成 [a·W, W], 部分达成 [p·W, a·W), 未达成 [0, p·W), with a and p the profile's percentages.
pub fn band(
    weight: Decimal,
    grade: QualGrade,
    profile: &ScoringProfile,
) -> (Decimal, Decimal, bool) {
    let achieved = weight * profile.qualitative_achieved_percent / Decimal::ONE_HUNDRED;
    let partial = weight * profile.qualitative_partial_percent / Decimal::ONE_HUNDRED;
    match grade {
        QualGrade::Achieved => (achieved, weight, true),
        QualGrade::Partial => (partial, achieved, false),
        QualGrade::NotAchieved => (Decimal::ZERO, partial, false),
    }
}

/// Digits kept of a band position (enough to give back every score in cents exactly under the
/// weight it was given with: the error is below 10⁻⁶ of the band's width).
pub const BAND_POSITION_DIGITS: u32 = 8;

/// Where a graded score lies in its grade's band under `weight`: 0 at the low end, 1 at the
/// high end, clamped to [0, 1]; `None` when the band has no width (W = 0).
pub fn band_position(
    weight: Decimal,
    grade: QualGrade,
    score: Decimal,
    profile: &ScoringProfile,
) -> Option<Decimal> {
    let (low, high, _) = band(weight, grade, profile);
    let width = high - low;
    if width <= Decimal::ZERO {
        return None;
    }
    let position = (round2(score) - low).checked_div(width)?;
    Some(
        position
            .max(Decimal::ZERO)
            .min(Decimal::ONE)
            .round_dp(BAND_POSITION_DIGITS),
    )
}

/// The score at `position` of the grade's band under `weight`, rounded half-up to 0.01 and
/// kept inside the band as printed (at least the low end rounded up to a cent; below an open
/// high end by a cent). With W = 0 it is 0.
pub fn placed_in_band(
    weight: Decimal,
    grade: QualGrade,
    position: Decimal,
    profile: &ScoringProfile,
) -> Decimal {
    if weight <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let (low, high, inclusive) = band(weight, grade, profile);
    let position = position.max(Decimal::ZERO).min(Decimal::ONE);
    let cent = Decimal::new(1, 2);
    let lowest = low.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToPositiveInfinity);
    let highest = if inclusive {
        high.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToNegativeInfinity)
    } else {
        high.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToPositiveInfinity) - cent
    };
    let raw = round2(low + position * (high - low));
    cap_and_round(raw.min(highest).max(lowest), weight)
}

/// Why an assessed score cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandProblem {
    /// 部分达成 / 未达成 without a score.
    ScoreRequired,
    /// The (rounded) score lies outside the grade's band.
    OutsideBand,
}

/// Score a graded indicator (定性, or any indicator graded by a person): 达成 without a score
/// earns W; otherwise the score, rounded to 0.01, must lie inside the grade's band. With W = 0
/// every grade scores 0 (there is nothing to grade against).
pub fn graded(
    weight: Decimal,
    grade: QualGrade,
    score: Option<Decimal>,
    profile: &ScoringProfile,
) -> Result<Decimal, BandProblem> {
    if weight.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let Some(given) = score else {
        return match grade {
            QualGrade::Achieved => Ok(cap_and_round(weight, weight)),
            QualGrade::Partial | QualGrade::NotAchieved => Err(BandProblem::ScoreRequired),
        };
    };
    // The check applies to the score as printed (rounded), so a printed score always lies in
    // its printed band.
    let rounded = round2(given);
    let (low, high, high_inclusive) = band(weight, grade, profile);
    let below_high = if high_inclusive {
        rounded <= high
    } else {
        rounded < high
    };
    if rounded >= low && below_high {
        Ok(rounded)
    } else {
        Err(BandProblem::OutsideBand)
    }
}

/// 预算执行率 score from a rate percentage: min(rate, 100%) × W, rounded half-up to 0.01; a
/// negative rate scores 0. Given a rate already rounded to 0.01%, this rounds twice; the
/// self-evaluation scores from the amounts with [`execution_from_amounts`] (rounded once).
pub fn execution(weight: Decimal, rate_percent: Decimal) -> Decimal {
    let capped = rate_percent.max(Decimal::ZERO).min(Decimal::ONE_HUNDRED);
    cap_and_round(weight * capped / Decimal::ONE_HUNDRED, weight)
}

/// 预算执行率 score before rounding: min(全年执行数 / 全年预算数, 1) × W, at least 0; `None`
/// when the budget is not positive (the rate does not exist).
pub fn execution_raw(weight: Decimal, executed: Decimal, adjusted: Decimal) -> Option<Decimal> {
    if adjusted <= Decimal::ZERO {
        return None;
    }
    let rate = executed
        .checked_div(adjusted)
        .unwrap_or(Decimal::ONE)
        .max(Decimal::ZERO)
        .min(Decimal::ONE);
    Some((weight * rate).max(Decimal::ZERO).min(weight))
}

/// 预算执行率 score: min(全年执行数 / 全年预算数, 1) × W, rounded half-up to 0.01 **once**
/// (19,929 of 20,000 at W = 10 scores 9.96, not the 9.97 a rate rounded first to 99.65% gives).
pub fn execution_from_amounts(
    weight: Decimal,
    executed: Decimal,
    adjusted: Decimal,
) -> Option<Decimal> {
    execution_raw(weight, executed, adjusted).map(|raw| cap_and_round(raw, weight))
}

/// An unmet or met quantitative target's score before rounding, capped to [0, W], with the
/// met flag: the rules of [`quantitative`] without the final rounding (the 复核 shows both).
pub fn quantitative_raw(
    weight: Decimal,
    comparator: Comparator,
    target: Decimal,
    actual: Decimal,
    variant: ReverseVariant,
) -> (Decimal, bool) {
    let cap =
        |raw: Option<Decimal>| raw.map_or(Decimal::ZERO, |r| r.max(Decimal::ZERO).min(weight));
    let proportional = |t: Decimal, a: Decimal| {
        if t <= Decimal::ZERO || a <= Decimal::ZERO {
            Decimal::ZERO
        } else {
            cap(weight.checked_mul(a).and_then(|wa| wa.checked_div(t)))
        }
    };
    match comparator {
        Comparator::Ge | Comparator::Gt => {
            let met = comparator.is_met(actual, target);
            (
                if met {
                    weight
                } else {
                    proportional(target, actual)
                },
                met,
            )
        }
        Comparator::Le | Comparator::Lt => {
            let met = comparator.is_met(actual, target) || actual.is_zero();
            if met {
                return (weight, true);
            }
            if target <= Decimal::ZERO || actual <= Decimal::ZERO {
                return (Decimal::ZERO, false);
            }
            let raw = match variant {
                ReverseVariant::Ratio => weight
                    .checked_mul(target)
                    .and_then(|wt| wt.checked_div(actual)),
                ReverseVariant::Linear => match target.checked_mul(Decimal::TWO) {
                    Some(double) if actual < double => (actual - target)
                        .checked_div(target)
                        .and_then(|over| weight.checked_mul(Decimal::ONE - over)),
                    _ => Some(Decimal::ZERO),
                },
            };
            (cap(raw), false)
        }
        Comparator::Eq if target.is_zero() => {
            let met = actual.is_zero();
            (if met { weight } else { Decimal::ZERO }, met)
        }
        Comparator::Eq => {
            let met = actual >= target;
            (
                if met {
                    weight
                } else {
                    proportional(target, actual)
                },
                met,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn an_unmet_strict_target_reached_exactly_scores_full_but_is_not_met() {
        let q = quantitative(
            dec!(10),
            Comparator::Gt,
            dec!(5),
            dec!(5),
            ReverseVariant::Ratio,
        );
        assert_eq!((q.score, q.met), (dec!(10), false));
        let q = quantitative(
            dec!(10),
            Comparator::Lt,
            dec!(5),
            dec!(5),
            ReverseVariant::Ratio,
        );
        assert_eq!((q.score, q.met), (dec!(10), false));
    }

    #[test]
    fn execution_is_rounded_once_from_the_amounts() {
        // 19,929 of 20,000 at W = 10: 9.9645 → 9.96. Rounding the rate first (99.65%) gives 9.97.
        assert_eq!(
            execution_from_amounts(dec!(10), dec!(19929), dec!(20000)),
            Some(dec!(9.96))
        );
        assert_eq!(execution(dec!(10), dec!(99.65)), dec!(9.97));
        assert_eq!(
            execution_from_amounts(dec!(10), dec!(25000), dec!(20000)),
            Some(dec!(10))
        );
        assert_eq!(execution_from_amounts(dec!(10), dec!(5), dec!(0)), None);
    }

    #[test]
    fn the_raw_quantitative_score_rounds_to_the_rounded_one() {
        for (c, t, a) in [
            (Comparator::Ge, dec!(3), dec!(2)),
            (Comparator::Le, dec!(30), dec!(45)),
            (Comparator::Eq, dec!(7), dec!(5)),
            (Comparator::Eq, dec!(0), dec!(1)),
            (Comparator::Gt, dec!(90), dec!(97.3)),
        ] {
            for v in [ReverseVariant::Ratio, ReverseVariant::Linear] {
                let (raw, met) = quantitative_raw(dec!(16.67), c, t, a, v);
                let q = quantitative(dec!(16.67), c, t, a, v);
                assert_eq!((round2(raw), met), (q.score, q.met), "{c:?} {t} {a}");
            }
        }
    }

    #[test]
    fn a_graded_score_is_checked_as_printed() {
        let p = ScoringProfile::default();
        // W = 16.67: 达成 from 13.336, so 13.335 prints as 13.34 and is 达成, not 部分达成.
        assert_eq!(
            graded(dec!(16.67), QualGrade::Partial, Some(dec!(13.335)), &p),
            Err(BandProblem::OutsideBand)
        );
        assert_eq!(
            graded(dec!(16.67), QualGrade::Achieved, Some(dec!(13.335)), &p),
            Ok(dec!(13.34))
        );
        assert_eq!(
            graded(dec!(16.67), QualGrade::Partial, Some(dec!(13.33)), &p),
            Ok(dec!(13.33))
        );
    }
}
