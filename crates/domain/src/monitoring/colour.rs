//! Warning colours of in-year monitoring: the execution warning (执行率 against 序时进度), the
//! progress colour of one indicator, and the finance bureau's third-quarter call to explain.
//!
//! Every threshold is read from the profile's `warnings`. A v value is rounded half-up to
//! 2 decimals before it is compared, so the colour always agrees with the v people see
//! (a v shown as 60.00 is yellow, never red).

use crate::measure::Measure;
use crate::money::{Yuan, ratio_percent, round2};
use crate::profile::ScoringProfile;
use crate::target::{Comparator, TargetValue};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A monitoring warning colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// 红: seriously behind.
    Red,
    /// 黄: behind.
    Yellow,
    /// 绿: on track.
    Green,
    /// 蓝: over-run (the target may be set too low).
    Blue,
    /// 灰: not yet due, not assessed, or qualitative.
    Grey,
}

impl Colour {
    /// The Chinese name shown on the forms: 红, 黄, 绿, 蓝, 灰.
    pub fn name_zh(self) -> &'static str {
        match self {
            Colour::Red => "红",
            Colour::Yellow => "黄",
            Colour::Green => "绿",
            Colour::Blue => "蓝",
            Colour::Grey => "灰",
        }
    }

    /// The English name, as serialised: red, yellow, green, blue, grey.
    pub fn name_en(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Yellow => "yellow",
            Colour::Green => "green",
            Colour::Blue => "blue",
            Colour::Grey => "grey",
        }
    }

    /// What the colour means, in Chinese, for a legend.
    pub fn meaning_zh(self) -> &'static str {
        match self {
            Colour::Red => "严重滞后",
            Colour::Yellow => "进度滞后",
            Colour::Green => "正常",
            Colour::Blue => "超进度（目标值可能设置偏低）",
            Colour::Grey => "未到期或未评定",
        }
    }

    /// True for red and yellow: behind schedule, a deviation cause is expected.
    pub fn is_behind(self) -> bool {
        matches!(self, Colour::Red | Colour::Yellow)
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_zh())
    }
}

/// A colour with the v it was derived from (None when there is no v: grey, or a target met
/// in a way that has no ratio, e.g. A = 0 against a ≤ target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// v, rounded half-up to 2 decimals.
    pub v: Option<Decimal>,
    /// The colour.
    pub colour: Colour,
}

impl Warning {
    const GREY: Warning = Warning {
        v: None,
        colour: Colour::Grey,
    };
}

/// The execution warning: v = 执行率 / 序时进度 × 100, with 执行率 a percentage and 序时进度 a
/// fraction (so a rate of 35% on 30 June, 序时 1/2, gives v = 70). Red below the profile's
/// `execution_red_below`, yellow below `execution_yellow_below`, green at or above. When
/// 序时进度 is 0 (January before its month end, or before the year) nothing is due yet: grey.
pub fn execution_warning(
    execution_rate_percent: Decimal,
    progress: Decimal,
    profile: &ScoringProfile,
) -> Warning {
    if progress <= Decimal::ZERO {
        return Warning::GREY;
    }
    let Some(v) = execution_rate_percent.checked_div(progress).map(round2) else {
        return Warning::GREY;
    };
    let w = &profile.warnings;
    let colour = if v < w.execution_red_below {
        Colour::Red
    } else if v < w.execution_yellow_below {
        Colour::Yellow
    } else {
        Colour::Green
    };
    Warning { v: Some(v), colour }
}

/// A unit's execution against 序时进度 on a day, as the finance bureau's list of units shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitWarning {
    /// 执行率 in % (paid / adjusted budget, rounded half-up to 2 decimals); None when the
    /// adjusted budget is zero.
    pub rate_percent: Option<Decimal>,
    /// 序时进度 in %, rounded half-up to 2 decimals.
    pub progress_percent: Decimal,
    /// The colour: grey when there is no rate or nothing is due yet.
    pub colour: Colour,
    /// v = 执行率 / 序时进度 × 100, when defined.
    pub v: Option<Decimal>,
}

/// The execution warning of a whole unit as of `date`: its 执行率 from what it paid and its
/// adjusted budget, the 序时进度 of `fiscal_year` on the profile's basis, and the colour of
/// [`execution_warning`] (grey without a rate).
pub fn unit_execution_warning(
    paid: Yuan,
    adjusted: Yuan,
    date: NaiveDate,
    fiscal_year: i32,
    profile: &ScoringProfile,
) -> UnitWarning {
    let progress = super::schedule_progress(date, fiscal_year, profile.schedule_basis);
    let rate_percent = ratio_percent(paid.yuan(), adjusted.yuan());
    let warning = rate_percent.map_or(Warning::GREY, |r| execution_warning(r, progress, profile));
    UnitWarning {
        rate_percent,
        progress_percent: super::progress_percent(progress),
        colour: warning.colour,
        v: warning.v,
    }
}

/// Whether `actual` meets a quantitative target by its comparator, exactly as the scoring
/// judges it ([`crate::evaluation::rules::quantitative`]): `=` with a positive T is treated as
/// "at least T", T = 0 needs A = 0 exactly; for 反向 (≤, <) A = 0 is always met.
pub(crate) fn meets(comparator: Comparator, actual: Decimal, target: Decimal) -> bool {
    match comparator {
        Comparator::Ge => actual >= target,
        Comparator::Gt => actual > target,
        Comparator::Le => actual <= target || actual.is_zero(),
        Comparator::Lt => actual < target || actual.is_zero(),
        Comparator::Eq if target.is_zero() => actual.is_zero(),
        Comparator::Eq => actual >= target,
    }
}

/// True for the comparators where less is better (反向: ≤, <).
pub(crate) fn is_reverse(comparator: Comparator) -> bool {
    matches!(comparator, Comparator::Le | Comparator::Lt)
}

/// The progress colour of one indicator on a day with 序时进度 `progress` (a fraction).
///
/// - Qualitative and time targets, and an indicator with no actual yet (`None`): grey — a
///   person judges them.
/// - Cumulative measures (counts, sums; [`Measure::is_cumulative`]) against 正向/等于 targets:
///   v = A / (T × progress) × 100 → red below `indicator_red_below`, yellow below
///   `indicator_yellow_below`, green below `indicator_blue_at_or_above`, blue at or above.
///   Grey while progress is 0 (nothing due). T = 0: green when met, red otherwise.
/// - Cumulative against a 反向 cap (≤, <): v = (T × progress) / A × 100, so that spending the
///   cap faster than the schedule lowers v; red/yellow by the same thresholds, otherwise green
///   (being under a cap is not an over-run); already above the whole-year cap is red.
///   A = 0 is green.
/// - Money rates that accrue with spending ([`Measure::accrues_over_year`]: 预算执行率,
///   政府采购执行率) against 正向 targets are pro-rated like cumulative measures.
/// - Measures known only at year end ([`Measure::known_at_year_end_only`]: 结转结余率): grey
///   until progress reaches 1.
/// - Ratio measures (satisfaction, participation, money ratios, assessed numbers) compare A
///   with T directly, whatever the date. 正向: v = A / T × 100; met → green (blue when
///   v ≥ `indicator_blue_at_or_above`); not met → red below `indicator_red_below`, else
///   yellow. 反向: met when A ≤ T (A < T for <) → green; not met → v = T / A × 100, red below
///   `indicator_red_below`, else yellow. An unmet ratio is never green: at the year end it
///   would lose points.
pub fn indicator_progress(
    target: &TargetValue,
    measure: &Measure,
    actual: Option<Decimal>,
    progress: Decimal,
    profile: &ScoringProfile,
) -> Warning {
    let TargetValue::Quantitative {
        comparator,
        value: t,
        ..
    } = target
    else {
        return Warning::GREY;
    };
    let Some(a) = actual else {
        return Warning::GREY;
    };
    let (comparator, t) = (*comparator, *t);
    if measure.known_at_year_end_only() && progress < Decimal::ONE {
        return Warning::GREY;
    }
    if matches!(measure, Measure::ExecutionRate) {
        // The same money as the funds row: the same v (执行率 / 序时进度) and the same colour,
        // whatever the indicator's target (预算执行率 ≥ 90% is judged at the year end).
        return execution_warning(a, progress, profile);
    }
    if measure.is_cumulative() || (measure.accrues_over_year() && !is_reverse(comparator)) {
        cumulative_progress(comparator, t, a, progress, profile)
    } else {
        ratio_progress(comparator, t, a, profile)
    }
}

fn cumulative_progress(
    comparator: Comparator,
    t: Decimal,
    a: Decimal,
    progress: Decimal,
    profile: &ScoringProfile,
) -> Warning {
    if progress <= Decimal::ZERO {
        return Warning::GREY;
    }
    let w = &profile.warnings;
    let expected_so_far = t * progress.min(Decimal::ONE);
    if is_reverse(comparator) {
        if !meets(comparator, a, t) {
            // The whole-year cap is already exceeded and a cumulative value never falls.
            return Warning {
                v: ratio_v(expected_so_far, a),
                colour: Colour::Red,
            };
        }
        if a <= Decimal::ZERO {
            return Warning {
                v: None,
                colour: Colour::Green,
            };
        }
        let Some(v) = ratio_v(expected_so_far, a) else {
            return Warning::GREY;
        };
        return Warning {
            v: Some(v),
            colour: behind_or(v, profile, Colour::Green),
        };
    }
    if t.is_zero() || expected_so_far.is_zero() {
        let colour = if meets(comparator, a, t) {
            Colour::Green
        } else {
            Colour::Red
        };
        return Warning { v: None, colour };
    }
    let Some(v) = ratio_v(a, expected_so_far) else {
        return Warning::GREY;
    };
    let colour = if v >= w.indicator_blue_at_or_above {
        Colour::Blue
    } else {
        behind_or(v, profile, Colour::Green)
    };
    Warning { v: Some(v), colour }
}

fn ratio_progress(
    comparator: Comparator,
    t: Decimal,
    a: Decimal,
    profile: &ScoringProfile,
) -> Warning {
    let w = &profile.warnings;
    let met = meets(comparator, a, t);
    if is_reverse(comparator) {
        if met {
            return Warning {
                v: ratio_v(t, a),
                colour: Colour::Green,
            };
        }
        // Not met means A > T ≥ … so A > 0 unless T is negative; T / A is defined.
        let v = ratio_v(t, a);
        let colour = match v {
            Some(v) => behind_or(v, profile, Colour::Yellow),
            None => Colour::Red,
        };
        return Warning { v, colour };
    }
    let v = ratio_v(a, t);
    let colour = match (met, v) {
        (true, Some(v)) if v >= w.indicator_blue_at_or_above => Colour::Blue,
        (true, _) => Colour::Green,
        (false, Some(v)) => behind_or(v, profile, Colour::Yellow),
        (false, None) => Colour::Red,
    };
    Warning { v, colour }
}

/// Red or yellow when v is below the indicator thresholds, else `otherwise`.
fn behind_or(v: Decimal, profile: &ScoringProfile, otherwise: Colour) -> Colour {
    let w = &profile.warnings;
    if v < w.indicator_red_below {
        Colour::Red
    } else if v < w.indicator_yellow_below {
        Colour::Yellow
    } else {
        otherwise
    }
}

/// numerator / denominator × 100, rounded half-up to 2 decimals; None for a zero denominator
/// or an overflow.
fn ratio_v(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        return None;
    }
    numerator
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(denominator)
        .map(round2)
}

/// Finance-bureau practice: a unit whose execution v (执行率 / 序时进度 × 100) is below the
/// profile's red threshold (60) at the end of the third quarter — `as_of` on or after
/// 30 September of the fiscal year — is called to explain. No v (nothing due) is never called.
pub fn called_to_explain(
    progress_v: Option<Decimal>,
    as_of: NaiveDate,
    fiscal_year: i32,
    profile: &ScoringProfile,
) -> bool {
    let Some(v) = progress_v else {
        return false;
    };
    let third_quarter_over = as_of.year() > fiscal_year
        || (as_of.year() == fiscal_year
            && (as_of.month(), as_of.day()) >= (THIRD_QUARTER_END_MONTH, THIRD_QUARTER_END_DAY));
    third_quarter_over && v < profile.warnings.execution_red_below
}

/// The third quarter ends on 30 September.
const THIRD_QUARTER_END_MONTH: u32 = 9;
/// See [`THIRD_QUARTER_END_MONTH`].
const THIRD_QUARTER_END_DAY: u32 = 30;
