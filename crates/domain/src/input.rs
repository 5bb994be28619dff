//! Strict reading of what people and clients type, shared by every front end (API, ledger
//! import, web forms): business dates are ISO `YYYY-MM-DD` exactly, fiscal years are four plain
//! digits, and free text holds no control characters (NUL included) and no bidirectional
//! overrides or isolates, which would make a stored text display differently from what it is.
//! Amounts are read by [`crate::money::Yuan::parse_plain`].

use chrono::NaiveDate;

/// The grammar of [`parse_iso_date`] as a regular expression, for API schemas.
pub const ISO_DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// The grammar of [`parse_year`] as a regular expression, for API schemas.
pub const YEAR_PATTERN: &str = r"^[0-9]{4}$";
/// Earliest fiscal year (the store keeps none before it).
pub const FISCAL_YEAR_MIN: i32 = 1900;
/// Latest fiscal year (the last of four digits).
pub const FISCAL_YEAR_MAX: i32 = 9999;

/// Why typed input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not an ISO date `YYYY-MM-DD` (or no such day).
    #[error("日期“{0}”无效：应为 YYYY-MM-DD，如 2024-06-01 (date must be YYYY-MM-DD)")]
    NotIsoDate(String),
    /// Not a fiscal year of four plain digits.
    #[error(
        "年度“{0}”无效：应为 1900 至 9999 的四位数字，如 2024 (year must be four digits from 1900)"
    )]
    NotYear(String),
    /// A control character, NUL or bidirectional override in free text (code point given).
    #[error(
        "文本含有不允许的字符 U+{0:04X}（控制字符或双向文本控制符） (text holds a control or bidirectional character)"
    )]
    ForbiddenCharacter(u32),
}

/// Reads a business date written exactly `YYYY-MM-DD` ("2024-06-01"); "2024-6-1",
/// "+002024-06-01", "2024-06-01T00:00" and impossible days are refused.
pub fn parse_iso_date(text: &str) -> Result<NaiveDate, InputError> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(InputError::NotIsoDate(text.to_string()));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| InputError::NotIsoDate(text.to_string()))
}

/// Reads a fiscal year written as four plain digits from [`FISCAL_YEAR_MIN`] ("2024"; not
/// "+2024", "02024", "24" or "1899").
pub fn parse_year(text: &str) -> Result<i32, InputError> {
    let refused = || InputError::NotYear(text.to_string());
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    let year: i32 = text.parse().map_err(|_| refused())?;
    if (FISCAL_YEAR_MIN..=FISCAL_YEAR_MAX).contains(&year) {
        Ok(year)
    } else {
        Err(refused())
    }
}

/// True for a character free text must not hold: C0 and C1 control characters (NUL, escape,
/// carriage return, line feed and tab among them), the bidirectional embeddings and overrides
/// U+202A–U+202E and the isolates U+2066–U+2069.
pub fn is_forbidden_in_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks free text (titles, reasons, notes, summaries, names): refused with the first
/// forbidden character ([`is_forbidden_in_text`]).
pub fn check_text(text: &str) -> Result<(), InputError> {
    match text.chars().find(|c| is_forbidden_in_text(*c)) {
        Some(c) => Err(InputError::ForbiddenCharacter(u32::from(c))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iso_date_is_read_and_nothing_looser() {
        assert_eq!(
            parse_iso_date("2024-06-01").unwrap(),
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
        );
        for text in [
            "2024-6-1",
            "+002024-06-01",
            "2024-06-01T00:00:00",
            " 2024-06-01",
            "2024/06/01",
            "2024-02-30",
            "20240601",
            "",
            "２０２４-06-01",
        ] {
            assert!(
                matches!(parse_iso_date(text), Err(InputError::NotIsoDate(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_year_is_four_plain_digits() {
        assert_eq!(parse_year("2024"), Ok(2024));
        assert_eq!(parse_year("1900"), Ok(1900));
        for text in [
            "+2024",
            "02024",
            "24",
            "-2024",
            "2024 ",
            "",
            "２０２４",
            "1899",
            "0999",
        ] {
            assert!(
                matches!(parse_year(text), Err(InputError::NotYear(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_with_control_or_bidirectional_characters_is_refused() {
        assert_eq!(check_text("专家评审会（第 2 次）"), Ok(()));
        assert_eq!(check_text(""), Ok(()));
        for (text, code) in [
            ("a\u{0}b", 0x0),
            ("line\nbreak", 0xA),
            ("tab\there", 0x9),
            ("esc\u{1b}[31m", 0x1B),
            ("c1\u{85}", 0x85),
            ("evil\u{202E}txt.exe", 0x202E),
            ("\u{202A}x", 0x202A),
            ("iso\u{2066}late", 0x2066),
            ("iso\u{2069}", 0x2069),
            ("del\u{7f}", 0x7F),
        ] {
            assert_eq!(
                check_text(text),
                Err(InputError::ForbiddenCharacter(code)),
                "{text:?}"
            );
        }
    }
}
