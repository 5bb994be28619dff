//! Money in 元 with 分 precision, displayed in 万元 with two decimals.
//!
//! Amounts are `rust_decimal::Decimal`, never floats. A [`Yuan`] always holds at most two
//! decimal places (分); values parsed with more precision are rejected, not rounded, so a
//! typo never silently changes an amount.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in 元 (yuan), with at most 2 decimal places (分). May be negative
/// (a reversal or a 调减); commands that need a positive amount check it themselves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Yuan(Decimal);

/// Why a text or number is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a decimal number at all.
    #[error("金额“{0}”不是有效的数字 (not a number)")]
    NotANumber(String),
    /// More than two decimal places in 元 (finer than 分).
    #[error("金额“{0}”精度超过分（最多两位小数） (more than 2 decimals in yuan)")]
    TooPrecise(String),
}

/// 10,000: one 万元 in 元.
pub const YUAN_PER_WAN: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

impl Yuan {
    /// Zero yuan.
    pub const ZERO: Yuan = Yuan(Decimal::ZERO);

    /// From a decimal number of 元; rejects more than 2 decimal places.
    pub fn new(yuan: Decimal) -> Result<Self, MoneyError> {
        let normalized = yuan.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(yuan.to_string()));
        }
        Ok(Yuan(normalized))
    }

    /// Parse a text amount in 元 ("1234.56", "1,234.56", "-20").
    pub fn parse_yuan(text: &str) -> Result<Self, MoneyError> {
        let cleaned: String = text
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，' && *c != ' ')
            .collect();
        let d: Decimal = cleaned
            .parse()
            .map_err(|_| MoneyError::NotANumber(text.to_string()))?;
        Yuan::new(d)
    }

    /// From an amount in 万元 as published in the budget tables ("82.34" → 823,400.00 元).
    pub fn from_wan(wan: Decimal) -> Result<Self, MoneyError> {
        Yuan::new(wan * YUAN_PER_WAN)
    }

    /// Parse a text amount in 万元.
    pub fn parse_wan(text: &str) -> Result<Self, MoneyError> {
        let cleaned: String = text
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != ' ')
            .collect();
        let d: Decimal = cleaned
            .parse()
            .map_err(|_| MoneyError::NotANumber(text.to_string()))?;
        Yuan::from_wan(d)
    }

    /// The amount in 元.
    pub fn yuan(self) -> Decimal {
        self.0
    }

    /// The amount in 万元, rounded half-up to 2 decimals (as the budget tables show it).
    pub fn wan_rounded(self) -> Decimal {
        (self.0 / YUAN_PER_WAN).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }

    /// "82.34": the amount in 万元 with exactly 2 decimals.
    pub fn wan_display(self) -> String {
        format!("{:.2}", self.wan_rounded())
    }

    /// True when strictly above zero.
    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }

    /// Absolute value.
    pub fn abs(self) -> Yuan {
        Yuan(self.0.abs())
    }
}

impl TryFrom<Decimal> for Yuan {
    type Error = MoneyError;
    fn try_from(d: Decimal) -> Result<Self, Self::Error> {
        Yuan::new(d)
    }
}

impl From<Yuan> for Decimal {
    fn from(y: Yuan) -> Decimal {
        y.0
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl std::ops::Add for Yuan {
    type Output = Yuan;
    fn add(self, rhs: Yuan) -> Yuan {
        Yuan((self.0 + rhs.0).normalize())
    }
}

impl std::ops::AddAssign for Yuan {
    fn add_assign(&mut self, rhs: Yuan) {
        self.0 = (self.0 + rhs.0).normalize();
    }
}

impl std::ops::Sub for Yuan {
    type Output = Yuan;
    fn sub(self, rhs: Yuan) -> Yuan {
        Yuan((self.0 - rhs.0).normalize())
    }
}

impl std::ops::SubAssign for Yuan {
    fn sub_assign(&mut self, rhs: Yuan) {
        self.0 = (self.0 - rhs.0).normalize();
    }
}

impl std::ops::Neg for Yuan {
    type Output = Yuan;
    fn neg(self) -> Yuan {
        Yuan(-self.0)
    }
}

impl std::iter::Sum for Yuan {
    fn sum<I: Iterator<Item = Yuan>>(iter: I) -> Yuan {
        iter.fold(Yuan::ZERO, |a, b| a + b)
    }
}

/// Round half-up (away from zero at .5) to 2 decimals: the rounding of every score and rate.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A ratio as a percentage rounded half-up to 2 decimals, always with its two decimals:
/// `ratio_percent(1, 3)` = 33.33, `ratio_percent(21, 100)` = 21.00.
/// `None` when the denominator is zero, or when the percentage lies beyond the range of
/// `Decimal` (amounts no real budget reaches; an absurd input must not panic).
pub fn ratio_percent(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        return None;
    }
    match numerator.checked_mul(Decimal::ONE_HUNDRED) {
        Some(hundred_n) => hundred_n.checked_div(denominator),
        // Divide first: exact enough for a number this large.
        None => numerator
            .checked_div(denominator)
            .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)),
    }
    .map(|p| {
        // Always printed with its two decimals ("21.00", never "21").
        let mut p = round2(p);
        p.rescale(2);
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn wan_amounts_convert_to_yuan_and_back() {
        let y = Yuan::parse_wan("82.34").unwrap();
        assert_eq!(y.yuan(), dec!(823400));
        assert_eq!(y.wan_display(), "82.34");
    }

    #[test]
    fn finer_than_fen_is_rejected() {
        assert!(matches!(
            Yuan::parse_yuan("1.234"),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            Yuan::parse_yuan("abc"),
            Err(MoneyError::NotANumber(_))
        ));
        assert_eq!(Yuan::parse_yuan("1,234.50").unwrap().yuan(), dec!(1234.5));
    }

    #[test]
    fn sums_serialize_like_parsed_amounts_so_stored_json_is_canonical() {
        let a = Yuan::parse_yuan("51.50").unwrap() + Yuan::parse_yuan("0.50").unwrap();
        let b = Yuan::parse_yuan("52").unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let c = Yuan::parse_yuan("52.50").unwrap() - Yuan::parse_yuan("0.50").unwrap();
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn wan_display_rounds_half_up() {
        assert_eq!(Yuan::parse_yuan("5").unwrap().wan_display(), "0.00");
        assert_eq!(Yuan::parse_yuan("50").unwrap().wan_display(), "0.01");
        assert_eq!(round2(dec!(2.345)), dec!(2.35));
        assert_eq!(ratio_percent(dec!(1), dec!(3)), Some(dec!(33.33)));
        assert_eq!(ratio_percent(dec!(1), dec!(0)), None);
    }

    #[test]
    fn a_ratio_beyond_the_range_of_decimal_is_none_instead_of_a_panic() {
        assert_eq!(ratio_percent(Decimal::MAX, dec!(0.01)), None);
        assert_eq!(ratio_percent(Decimal::MAX, Decimal::MAX), Some(dec!(100)));
        assert_eq!(
            ratio_percent(dec!(1), dec!(0.0000000000000000000000000001)),
            None
        );
    }
}
