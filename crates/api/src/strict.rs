//! Strict reading of request body fields, through the domain's one parser of each kind:
//! amounts ([`Yuan::parse_plain`]: a JSON string written plainly, at most two decimals; a JSON
//! number is refused, since many clients hold numbers as binary floats), business dates
//! ([`input::parse_iso_date`]: `YYYY-MM-DD` exactly) and free text ([`input::check_text`]: no
//! control characters, NUL or bidirectional overrides).
//!
//! Path years and the date, year and position query parameters are read by
//! [`request_problem`], which the route guard [`crate::guard::Permit`] calls once the caller is
//! authorised (so a caller without the right learns nothing of a route's parameters) and before
//! any handler, so every route reads them alike.
//!
//! serde's messages do not say which field failed, so each field has a reader of its own
//! (`#[serde(deserialize_with = "strict::amount::amount_yuan")]`) whose error names it as
//! ``field `amount_yuan`: …``; [`crate::error::json_error`] turns that into a 422 problem whose
//! `errors[0].field` is the field.

use crate::config::{MAX_LOG_POSITION, MAX_PAGE_SIZE};
use crate::error::{ApiError, FieldError};
use actix_web::web;
use chrono::NaiveDate;
use jixiao_domain::input;
use jixiao_domain::money::Yuan;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// The error of a field, in the form [`crate::error::json_error`] reads the field from.
fn field_error<E: de::Error>(field: &str, message: impl fmt::Display) -> E {
    E::custom(format_args!("field `{field}`: {message}"))
}

/// Reads a JSON string, naming `field` when the value is of another type.
struct StringOf<'a> {
    field: &'a str,
    expected: &'a str,
}

impl<'de> Visitor<'de> for StringOf<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Err(self.wrong(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Err(self.wrong(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Err(self.wrong(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Err(self.wrong(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(self.wrong("null"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.wrong("an array"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.wrong("an object"))
    }
}

impl StringOf<'_> {
    fn wrong<E: de::Error>(&self, got: impl fmt::Display) -> E {
        field_error(
            self.field,
            format_args!(
                "应为字符串 {}，收到 {got} (expected a string)",
                self.expected
            ),
        )
    }
}

fn string<'de, D: Deserializer<'de>>(
    field: &str,
    expected: &str,
    d: D,
) -> Result<String, D::Error> {
    d.deserialize_any(StringOf { field, expected })
}

/// An amount in 元: a JSON string written plainly ("1234.56"), at most two decimals.
pub fn amount_named<'de, D: Deserializer<'de>>(field: &str, d: D) -> Result<Decimal, D::Error> {
    let text = string(field, "金额，如 \"1234.56\"", d)?;
    Yuan::parse_plain(&text)
        .map(Yuan::yuan)
        .map_err(|e| field_error(field, e))
}

/// A business date `YYYY-MM-DD`.
pub fn date_named<'de, D: Deserializer<'de>>(field: &str, d: D) -> Result<NaiveDate, D::Error> {
    let text = string(field, "日期 YYYY-MM-DD", d)?;
    input::parse_iso_date(&text).map_err(|e| field_error(field, e))
}

/// Free text without control or bidirectional characters.
pub fn text_named<'de, D: Deserializer<'de>>(field: &str, d: D) -> Result<String, D::Error> {
    let text = string(field, "文本", d)?;
    input::check_text(&text).map_err(|e| field_error(field, e))?;
    Ok(text)
}

/// Optional free text (`null` or absent is `None`).
pub fn opt_text_named<'de, D: Deserializer<'de>>(
    field: &str,
    d: D,
) -> Result<Option<String>, D::Error> {
    struct OptText<'a>(&'a str);
    impl<'de> Visitor<'de> for OptText<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("text or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            text_named(self.0, d).map(Some)
        }
    }
    d.deserialize_option(OptText(field))
}

/// One reader per field name, so the error names the field.
macro_rules! readers {
    ($reader:ident -> $ty:ty: $($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("The field `", stringify!($name), "`.")]
            pub fn $name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                super::$reader(stringify!($name), d)
            }
        )*
    };
}

/// Amount fields.
pub mod amount {
    readers!(amount_named -> rust_decimal::Decimal:
        amount_yuan, delta_yuan, expected_full_year_yuan);
}

/// Business date fields.
pub mod date {
    readers!(date_named -> chrono::NaiveDate:
        paid_on, reversed_on, held_on, withdrawn_on, surveyed_on, assessed_on, procured_on,
        requested_on, recorded_on, decided_on, as_of, filed_on, explained_on, submitted_on, on,
        attached_on);
}

/// Free text fields.
pub mod text {
    readers!(text_named -> String:
        summary, reason, title, respondent_group, actual_text, note, description, new_target,
        explanation, line_id, project_code, indicator_id);
}

/// Optional free text fields.
pub mod opt_text {
    readers!(opt_text_named -> Option<String>:
        voucher_no, project_code, indicator_id, economic_code, function_code);
}

/// Query parameters read strictly before any handler sees them, with what each must be.
const STRICT_QUERY_PARAMETERS: [(&str, QueryRule); 7] = [
    ("as_of", QueryRule::Date),
    ("from_date", QueryRule::Date),
    ("to_date", QueryRule::Date),
    ("year", QueryRule::Year),
    ("after", QueryRule::Position),
    ("offset", QueryRule::Position),
    ("limit", QueryRule::PageSize),
];

#[derive(Clone, Copy)]
enum QueryRule {
    Date,
    Year,
    Position,
    PageSize,
}

impl QueryRule {
    /// What is wrong with `value`, in Chinese and English, if anything.
    fn check(self, value: &str) -> Option<(String, String)> {
        match self {
            QueryRule::Date => input::parse_iso_date(value)
                .err()
                .map(|e| (e.to_string(), "must be YYYY-MM-DD".to_string())),
            QueryRule::Year => input::parse_year(value)
                .err()
                .map(|e| (e.to_string(), "must be four digits".to_string())),
            QueryRule::PageSize => {
                let plain = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                match value.parse::<usize>() {
                    Ok(n) if plain && (1..=MAX_PAGE_SIZE).contains(&n) => None,
                    _ => Some((
                        format!("每页条数“{value}”无效：应为 1 至 {MAX_PAGE_SIZE} 的整数"),
                        format!("must be an integer from 1 to {MAX_PAGE_SIZE}"),
                    )),
                }
            }
            QueryRule::Position => {
                let plain = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                match value.parse::<u64>() {
                    Ok(p) if plain && p <= MAX_LOG_POSITION => None,
                    _ => Some((
                        format!("日志位置“{value}”无效：应为 0 至 {MAX_LOG_POSITION} 的整数"),
                        format!("must be an integer from 0 to {MAX_LOG_POSITION}"),
                    )),
                }
            }
        }
    }
}

/// The first problem with the fiscal year of a unit-year path
/// (`/api/v1/units/{unit}/years/{year}/…`) or with a strictly read query parameter.
pub fn request_problem(path: &str, query: &str) -> Option<ApiError> {
    let segments: Vec<&str> = path.split('/').collect();
    if let ["", "api", "v1", "units", _, "years", year, ..] = segments.as_slice()
        && let Err(e) = input::parse_year(year)
    {
        return Some(ApiError::bad_request(
            "invalid_path",
            format!("路径参数“year”无效：{e} (invalid path parameter year)"),
            vec![FieldError::new(
                "year",
                e.to_string(),
                "must be four digits",
            )],
        ));
    }
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .ok()?
        .into_inner();
    pairs.iter().find_map(|(key, value)| {
        let (name, rule) = STRICT_QUERY_PARAMETERS
            .iter()
            .find(|(name, _)| *name == key.as_str())?;
        let (zh, en) = rule.check(value)?;
        Some(ApiError::bad_request(
            "invalid_query",
            format!("查询参数“{name}”无效：{zh} (invalid query parameter {name})"),
            vec![FieldError::new(*name, zh, en)],
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "amount::amount_yuan")]
        amount_yuan: Decimal,
        #[serde(deserialize_with = "date::paid_on")]
        paid_on: NaiveDate,
        #[serde(default, deserialize_with = "text::summary")]
        summary: String,
        #[serde(default, deserialize_with = "opt_text::voucher_no")]
        voucher_no: Option<String>,
    }

    fn read(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_plain_body_is_read() {
        let b =
            read(r#"{"amount_yuan":"100.50","paid_on":"2024-03-01","voucher_no":null}"#).unwrap();
        assert_eq!(b.amount_yuan, Decimal::new(1005, 1));
        assert_eq!(b.paid_on, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
        assert_eq!(b.summary, "");
        assert_eq!(b.voucher_no, None);
    }

    #[test]
    fn each_refusal_names_its_field() {
        for (json, field) in [
            (
                r#"{"amount_yuan":"1e3","paid_on":"2024-03-01"}"#,
                "amount_yuan",
            ),
            (
                r#"{"amount_yuan":100,"paid_on":"2024-03-01"}"#,
                "amount_yuan",
            ),
            (r#"{"amount_yuan":"1","paid_on":"2024-3-1"}"#, "paid_on"),
            (
                r#"{"amount_yuan":"1","paid_on":"2024-03-01","summary":"a\u0000"}"#,
                "summary",
            ),
            (
                r#"{"amount_yuan":"1","paid_on":"2024-03-01","voucher_no":"\u202e1"}"#,
                "voucher_no",
            ),
        ] {
            let message = read(json).unwrap_err();
            assert!(
                message.starts_with(&format!("field `{field}`")),
                "{json}: {message}"
            );
        }
    }

    #[test]
    fn path_years_and_query_values_are_read_strictly() {
        let base = "/api/v1/units/261301/years";
        assert!(request_problem(&format!("{base}/2024/execution"), "as_of=2024-06-01").is_none());
        assert!(
            request_problem("/api/v1/monitoring", "year=2024&after=9223372036854775807").is_none()
        );
        for (path, query, field) in [
            (format!("{base}/+2024/execution"), "", "year"),
            (format!("{base}/02024/payments"), "", "year"),
            (format!("{base}/2024/execution"), "as_of=2024-6-1", "as_of"),
            (
                format!("{base}/2024/events"),
                "from_date=%2B002024-06-01",
                "from_date",
            ),
            (
                format!("{base}/2024/events"),
                "after=9223372036854775808",
                "after",
            ),
            (format!("{base}/2024/events"), "after=%2B1", "after"),
            (format!("{base}/2024/events"), "limit=0", "limit"),
            ("/api/v1/units".to_string(), "limit=501", "limit"),
            ("/api/v1/monitoring".to_string(), "year=%2B2024", "year"),
        ] {
            let problem = request_problem(&path, query).expect(query).problem();
            assert_eq!(problem.status, 400, "{path}?{query}");
            assert_eq!(problem.errors[0].field, field, "{path}?{query}");
        }
    }
}
