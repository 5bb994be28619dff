//! The target value grammar (年度指标值): `≥10人`, `≥3次`, `≤30%`, `=100%`, `良好`, `2024年`,
//! `12月底前`, a date. Parsed into a typed [`Target`] that keeps its original text.
//!
//! CONTRACT (filled in by the domain-scoring work): keep these types and signatures.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Comparator of a quantitative target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// ≥
    Ge,
    /// >
    Gt,
    /// ≤
    Le,
    /// <
    Lt,
    /// =
    Eq,
}

/// Scoring direction, which follows the comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 正向 (≥, >).
    Positive,
    /// 反向 (≤, <).
    Reverse,
    /// 等于 (=).
    Equal,
    /// 定性 (a qualitative word).
    Qualitative,
    /// 时效 (a period or deadline).
    Timeliness,
}

/// The unit of a quantitative target: 人, 次, 场, 个, 项, %, 万元, 元, 天, 月, 年, or none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TargetUnit(pub String);

/// A time target: a year ("2024年"), a month-end deadline ("12月底前"), or a date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimeTarget {
    /// Everything happens within the calendar year.
    WithinYear {
        /// The year.
        year: i32,
    },
    /// Done by the end of the month (of the fiscal year).
    ByMonthEnd {
        /// Month 1-12.
        month: u32,
    },
    /// Done on or before the date.
    ByDate {
        /// The deadline.
        date: chrono::NaiveDate,
    },
}

/// The typed meaning of a target text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TargetValue {
    /// A comparator, a number and a unit. For `%`, `value` is the percentage (80 for 80%).
    Quantitative {
        /// ≥ > ≤ < =
        comparator: Comparator,
        /// The number.
        value: Decimal,
        /// The unit.
        unit: TargetUnit,
    },
    /// A qualitative word (良好, 明显, 相关, …).
    Qualitative {
        /// The word.
        word: String,
    },
    /// A time target.
    Time(TimeTarget),
}

/// A parsed target: the typed value and the original text (shown to people as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Target {
    text: String,
    value: TargetValue,
}

/// Why a target text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The text is empty.
    #[error("指标值为空 (target value is empty)")]
    Empty,
    /// A specific part could not be read.
    #[error("无法识别指标值“{text}”：{problem} (cannot read target)")]
    Unreadable {
        /// The whole text.
        text: String,
        /// What could not be read, in Chinese (e.g. "未知计量单位“吨”").
        problem: String,
    },
}

impl Target {
    /// Parse a target text (`≥10人`, `≤30%`, `良好`, `2024年`, `12月底前`, …).
    pub fn parse(text: &str) -> Result<Self, TargetError> {
        let _ = text;
        Err(TargetError::Empty) // CONTRACT: to be implemented by the domain-scoring work.
    }
    /// The original text, as written.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The typed value.
    pub fn value(&self) -> &TargetValue {
        &self.value
    }
}

impl TryFrom<String> for Target {
    type Error = TargetError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Target::parse(&s)
    }
}
impl From<Target> for String {
    fn from(t: Target) -> String {
        t.text
    }
}
