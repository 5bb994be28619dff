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
    /// A number, but not written plainly: an exponent, a `+` sign, `_` separators, leading
    /// zeros, a bare decimal point, or more integer digits than any budget holds.
    #[error(
        "金额“{0}”写法无效：应为普通十进制数，如 100、100.5、-20.00（不可用指数、正号、下划线、前导零） (amount must be written plainly, e.g. 100.50)"
    )]
    NotPlain(String),
}

/// Most integer digits of an amount in 元 (up to 10¹⁵ − 1 元: far beyond any budget, far
/// within `Decimal`).
pub const MAX_YUAN_INTEGER_DIGITS: usize = 15;
/// Most fraction digits of an amount in 元 (分).
pub const MAX_YUAN_FRACTION_DIGITS: usize = 2;
/// The grammar of [`Yuan::parse_plain`] as a regular expression, for API schemas.
pub const PLAIN_YUAN_PATTERN: &str = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$";

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

    /// The one parser of an amount in 元 as a person or client writes it: an optional `-`,
    /// the integer part without leading zeros (at most [`MAX_YUAN_INTEGER_DIGITS`] digits), and
    /// optionally a point with one or two digits (分). "100", "100.5", "100.50", "0.01", "-20"
    /// are amounts; "1e3", "1_000", "0.1e1", "+100", ".5", "5.", "00100", "1.234", " 1" are not.
    /// Every front end (API, ledger import, web forms) reads amounts through it.
    pub fn parse_plain(text: &str) -> Result<Self, MoneyError> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (int, frac) = match digits.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (digits, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let plain_int = all_digits(int)
            && int.len() <= MAX_YUAN_INTEGER_DIGITS
            && (int == "0" || !int.starts_with('0'));
        if !plain_int || frac.is_some_and(|f| !all_digits(f)) {
            return Err(MoneyError::NotPlain(text.to_string()));
        }
        if frac.is_some_and(|f| f.len() > MAX_YUAN_FRACTION_DIGITS) {
            return Err(MoneyError::TooPrecise(text.to_string()));
        }
        let d: Decimal = text
            .parse()
            .map_err(|_| MoneyError::NotANumber(text.to_string()))?;
        Yuan::new(d)
    }

    /// Parse a text amount in 元 as found in ledgers and forms ("1234.56", "1,234.56", "-20"):
    /// thousands separators and spaces are dropped, then [`Yuan::parse_plain`] reads the rest.
    pub fn parse_yuan(text: &str) -> Result<Self, MoneyError> {
        let cleaned: String = text
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，' && *c != ' ')
            .collect();
        Yuan::parse_plain(&cleaned).map_err(|e| match e {
            // Without a single digit it is no number at all, not a number written oddly.
            MoneyError::NotPlain(_) if !cleaned.bytes().any(|b| b.is_ascii_digit()) => {
                MoneyError::NotANumber(text.to_string())
            }
            MoneyError::NotPlain(_) => MoneyError::NotPlain(text.to_string()),
            MoneyError::TooPrecise(_) => MoneyError::TooPrecise(text.to_string()),
            other => other,
        })
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
    fn plainly_written_amounts_are_accepted() {
        for (text, value) in [
            ("100", dec!(100)),
            ("100.5", dec!(100.5)),
            ("100.50", dec!(100.5)),
            ("0.01", dec!(0.01)),
            ("0", dec!(0)),
            ("-20.00", dec!(-20)),
            ("999999999999999.99", dec!(999999999999999.99)),
        ] {
            assert_eq!(Yuan::parse_plain(text).unwrap().yuan(), value, "{text}");
        }
    }

    #[test]
    fn amounts_not_written_plainly_are_refused() {
        for text in [
            "1e3",
            "1E3",
            "1_000",
            "0.1e1",
            "+100",
            ".5",
            "5.",
            "00100",
            "01",
            "-",
            "",
            " 1",
            "1 ",
            "1,000",
            "--1",
            "-+1",
            "0x10",
            "NaN",
            "inf",
            "１００",
            "1.2.3",
            "1000000000000000",
        ] {
            assert!(
                matches!(Yuan::parse_plain(text), Err(MoneyError::NotPlain(_))),
                "{text:?} was not refused as not plain: {:?}",
                Yuan::parse_plain(text)
            );
        }
        assert!(matches!(
            Yuan::parse_plain("1.234"),
            Err(MoneyError::TooPrecise(_))
        ));
    }

    #[test]
    fn ledger_and_form_amounts_keep_their_separators_but_not_exponents() {
        assert_eq!(Yuan::parse_yuan("1,234.50").unwrap().yuan(), dec!(1234.5));
        assert_eq!(Yuan::parse_yuan(" 12 000 ").unwrap().yuan(), dec!(12000));
        assert!(matches!(
            Yuan::parse_yuan("1e3"),
            Err(MoneyError::NotPlain(_))
        ));
        assert!(matches!(
            Yuan::parse_yuan("+100"),
            Err(MoneyError::NotPlain(_))
        ));
        assert!(matches!(
            Yuan::parse_yuan("00100"),
            Err(MoneyError::NotPlain(_))
        ));
        assert!(matches!(
            Yuan::parse_yuan("abc"),
            Err(MoneyError::NotANumber(_))
        ));
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
