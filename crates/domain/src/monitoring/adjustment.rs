//! Budget adjustment rules: when a 追加/调减 needs a stated reason, and the 预算调整率.

use crate::money::{Yuan, round2};
use crate::profile::ScoringProfile;
use rust_decimal::Decimal;

/// Whether an adjustment of `delta` to a line whose budget is `line_budget_before` needs a
/// stated reason: when |delta| / budget before × 100 is strictly above the profile's
/// `adjustment_reason_percent` (30: a move of exactly 30% needs none). A line with no budget
/// that gets (or loses) money always needs one: there is no base to measure the move against.
/// A zero delta never needs one.
pub fn adjustment_needs_reason(
    line_budget_before: Yuan,
    delta: Yuan,
    profile: &ScoringProfile,
) -> bool {
    let delta = delta.abs().yuan();
    if delta.is_zero() {
        return false;
    }
    let before = line_budget_before.abs().yuan();
    if before.is_zero() {
        return true;
    }
    // Compare delta × 100 with before × threshold instead of dividing: exact, no rounding.
    match (
        delta.checked_mul(Decimal::ONE_HUNDRED),
        before.checked_mul(profile.adjustment_reason_percent),
    ) {
        (Some(moved), Some(allowed)) => moved > allowed,
        // Amounts near the limit of `Decimal` (no real budget): fall back to dividing; a move
        // too large even for that certainly needs a reason.
        _ => delta
            .checked_div(before)
            .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
            .is_none_or(|percent| percent > profile.adjustment_reason_percent),
    }
}

/// 预算调整率 in %: Σ |adjustment| (追加 and 调减 alike) / 年初预算数 × 100, rounded half-up
/// to 2 decimals. None when the initial budget is zero, or when the amounts are so large
/// (beyond the range of `Decimal`, far beyond any budget) that the rate cannot be computed.
pub fn adjustment_rate_percent(initial_total: Yuan, adjustments: &[Yuan]) -> Option<Decimal> {
    let moved = adjustments
        .iter()
        .try_fold(Decimal::ZERO, |sum, a| sum.checked_add(a.abs().yuan()))?;
    let initial = initial_total.yuan();
    if initial.is_zero() {
        return None;
    }
    moved
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(initial)
        .map(round2)
}
