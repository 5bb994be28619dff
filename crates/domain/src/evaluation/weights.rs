//! Exact splitting of weights: a total (in 0.01 steps) is divided in proportion to shares so
//! that the rounded parts add up to the total EXACTLY (largest-remainder method).
//!
//! Why exact integers: a weight split that is off by 0.01 makes the printed 分值 column add up
//! to 99.99 or 100.01, which reviewers reject. The split therefore runs on integers (cents and
//! share mantissas), so no decimal division rounding can push a part across a cent boundary.

use rust_decimal::Decimal;

/// Most parts in one split (guards the integer arithmetic; evaluations have far fewer).
pub const SPLIT_PARTS_MAX: usize = 10_000;

/// Split `total` (rounded half-up to 0.01 first) in proportion to `shares`, each part a
/// multiple of 0.01, the parts adding up exactly to the total.
///
/// Each part is first truncated to the cent; the cents left over go one each to the parts with
/// the largest truncated remainders, ties to the earlier part. So "50 over 3 equal shares" is
/// 16.67 + 16.67 + 16.66, and with unequal shares every part is its half-up rounding whenever
/// that already adds up.
///
/// `None` when there are no shares, more than [`SPLIT_PARTS_MAX`], a negative share or total,
/// or all shares are zero.
pub fn split_exact(total: Decimal, shares: &[Decimal]) -> Option<Vec<Decimal>> {
    if shares.is_empty() || shares.len() > SPLIT_PARTS_MAX || total.is_sign_negative() {
        return None;
    }
    if shares.iter().any(|s| s.is_sign_negative() && !s.is_zero()) {
        return None;
    }
    let mut total_cents = crate::money::round2(total);
    total_cents.rescale(2);
    let total_cents = total_cents.mantissa();
    // Bring every share to one common scale so their mantissas are comparable integers.
    let scale = shares
        .iter()
        .map(|s| s.normalize().scale())
        .max()
        .unwrap_or(0);
    let units: Vec<i128> = shares
        .iter()
        .map(|s| {
            let mut s = s.normalize();
            s.rescale(scale);
            s.mantissa()
        })
        .collect();
    let sum: i128 = units.iter().sum();
    if sum <= 0 {
        return None;
    }
    let mut cents: Vec<i128> = Vec::with_capacity(units.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        let product = total_cents.checked_mul(*u)?;
        cents.push(product / sum);
        remainders.push((product % sum, i));
    }
    let left_over = total_cents - cents.iter().sum::<i128>();
    // Largest remainder first; ties keep the earlier part first (stable order by index).
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders
        .iter()
        .take(usize::try_from(left_over).unwrap_or(0))
    {
        cents[*i] += 1;
    }
    Some(
        cents
            .into_iter()
            .map(|c| Decimal::from_i128_with_scale(c, 2))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fifty_over_three_gives_the_extra_cents_to_the_first_parts() {
        let parts = split_exact(dec!(50), &[dec!(1), dec!(1), dec!(1)]).unwrap();
        assert_eq!(parts, [dec!(16.67), dec!(16.67), dec!(16.66)]);
    }

    #[test]
    fn parts_always_add_up_to_the_total() {
        let table: &[(Decimal, &[Decimal])] = &[
            (dec!(100), &[dec!(1); 7]),
            (dec!(30), &[dec!(1); 11]),
            (dec!(100), &[dec!(30), dec!(30), dec!(25), dec!(5)]),
            (dec!(16.67), &[dec!(2), dec!(3.5), dec!(0.25)]),
            (dec!(0.01), &[dec!(1), dec!(1)]),
            (dec!(0), &[dec!(1), dec!(2)]),
        ];
        for (total, shares) in table {
            let parts = split_exact(*total, shares).unwrap();
            assert_eq!(
                parts.iter().sum::<Decimal>(),
                *total,
                "{total} over {shares:?}"
            );
            assert!(parts.iter().all(|p| p.scale() == 2));
        }
    }

    #[test]
    fn rescaling_henan_weights_without_cost_rounds_each_part_half_up() {
        let parts = split_exact(dec!(100), &[dec!(30), dec!(30), dec!(25), dec!(5)]).unwrap();
        assert_eq!(parts, [dec!(33.33), dec!(33.33), dec!(27.78), dec!(5.56)]);
    }

    #[test]
    fn an_empty_zero_or_negative_split_is_refused() {
        assert_eq!(split_exact(dec!(10), &[]), None);
        assert_eq!(split_exact(dec!(10), &[dec!(0), dec!(0)]), None);
        assert_eq!(split_exact(dec!(10), &[dec!(1), dec!(-1)]), None);
        assert_eq!(split_exact(dec!(-10), &[dec!(1)]), None);
    }
}
