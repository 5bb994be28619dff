//! The target value grammar (年度指标值): `≥10人`, `≥3次`, `≤30%`, `=100%`, `良好`, `2024年`,
//! `12月底前`, a date, a period. Parsed into a typed [`Target`] that keeps its original text.
//!
//! The grammar (domain.md §3; with examples in `docs/targets.md`), after folding look-alike
//! characters (full-width forms `＞＜＝％０-９．`, the small forms `﹥﹤﹦﹪`, the box-drawing
//! `═`, `≧≦⩾⩽`, `≮≯`) and removing spaces:
//!
//! - **quantitative**: an optional comparator (`≥ > ≤ < =`, their ASCII and full-width forms, or
//!   words such as `不低于`, `不少于`, `大于等于`, `不超过`, `不高于`, `小于等于`), a non-negative
//!   number, a known unit ([`KNOWN_UNITS`], their aliases `M` for 米 and `百分比` for %, and any
//!   of them after 万: `万次`, `万册`) and an optional `以上`/`以下`/`以内` suffix. Without
//!   any comparator the number is read as `=` ("100%" means exactly 100%; "10人" means 10 人,
//!   which scores like ≥ when the target is positive — see [`Comparator::meets`]), except under
//!   成本指标 where a bare amount is a cap ([`Target::parse_in`], [`TargetCategory::Cost`]);
//! - **time** (时效): `2024年`/`2024年度` (within the year), `12月底前`/`12月前`/`年底前`/
//!   `12月底到位`/`上半年` (by the end of a month of the fiscal year), `2024年6月30日前`/
//!   `2024-06-30`/`2024年6月底前`/`2023年12月`/`2021年12月完成` (by a date), and periods:
//!   `2023.07-2024.01`, `2021年1月-12月`, `2024年1-6月` ([`TimeTarget::Between`]) or
//!   `1-6月` ([`TimeTarget::MonthsOfYear`]);
//! - **qualitative** (定性): a text without digits that is or contains a known word
//!   ([`QUALITATIVE_WORDS`]: 良好, 明显, 相关, 合规, 提供保障, 达成预期, 是, 否, …).
//!
//! Anything else is rejected with a message naming the part that could not be read.
//!
//! Whether an actual value meets a quantitative target is decided once, by
//! [`Comparator::meets`]: [`Target::is_met_by`] and the evaluation's scoring both call it. An
//! actual value written as text (实际完成值) is read by [`read_actual`], which refuses a bound
//! ("≥90%") with [`TargetError::BoundAsActual`] instead of reading it as its number.

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

/// A time target: a year ("2024年"), a month-end deadline ("12月底前"), a date, or a period
/// ("2023.07-2024.01", "2024年1-6月", "1-6月").
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
    /// Everything happens within a period, both ends included ("2023.07-2024.01" is from 1 July
    /// 2023 to 31 January 2024; "2021年1月-12月", "2024年1-6月").
    Between {
        /// The first day.
        from: chrono::NaiveDate,
        /// The last day.
        to: chrono::NaiveDate,
    },
    /// Everything happens within a range of months of the fiscal year ("1-6月", "3月至5月").
    MonthsOfYear {
        /// The first month, 1-12.
        from_month: u32,
        /// The last month, from_month-12.
        to_month: u32,
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
        /// What could not be read, in Chinese (e.g. "未知计量单位“桶”").
        problem: String,
    },
    /// An actual value (实际完成值) written as a bound ("≥90%"): it states what was aimed at,
    /// not what was reached, so it is not read as its number (see [`read_actual`]).
    #[error(
        "实际完成值“{text}”写成了比较式（{}），应填写实际达到的数值 (actual value written as a bound)",
        .comparator.symbol()
    )]
    BoundAsActual {
        /// The whole text.
        text: String,
        /// The comparator it was written with.
        comparator: Comparator,
    },
}

/// What an indicator's 一级/二级 say about reading its target: under 成本指标 a bare amount
/// ("250万元") is a cap and reads as ≤, elsewhere a bare number reads as =.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetCategory {
    /// Any indicator but a cost one.
    #[default]
    General,
    /// 成本指标 (as 一级, or as 二级 under 产出 in the 2020 framework).
    Cost,
}

impl TargetCategory {
    /// The category of an indicator from its 一级 and 二级 names as printed: [`Cost`] when
    /// either names 成本 ("成本指标", "经济成本", "产出指标 / 成本指标").
    ///
    /// [`Cost`]: TargetCategory::Cost
    pub fn of_names(level1: &str, level2: &str) -> Self {
        if level1.contains(COST_MARK) || level2.contains(COST_MARK) {
            TargetCategory::Cost
        } else {
            TargetCategory::General
        }
    }

    /// The category of an indicator from its parsed 一级 and its 二级 name.
    pub fn of_level(level1: crate::indicator::Level1, level2: &str) -> Self {
        Self::of_names(level1.name_zh(), level2)
    }
}

/// What marks a cost indicator in its 一级 or 二级 name.
const COST_MARK: &str = "成本";

/// Units of a bare amount that reads as a cap under 成本指标 (money, 万 alone meaning 万元, or
/// no unit at all, the table's header then giving it).
const COST_CAP_UNITS: &[&str] = &["", "元", "千元", "万元", "亿元", "万"];

/// A 实际完成值 read with the target grammar (by [`read_actual`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ActualText {
    /// A number and its unit: "97.30%" is 97.3 and `%`, "2089人" is 2089 and `人`.
    Number {
        /// The number (for `%`, the percentage).
        value: Decimal,
        /// The unit.
        unit: TargetUnit,
    },
    /// A qualitative word or phrase ("达成预期指标", "有效", "是").
    Qualitative {
        /// The word, normalised.
        word: String,
    },
    /// A date or period ("2024年11月", "2024年1-6月").
    Time(TimeTarget),
}

/// Read a 实际完成值 text with the target grammar: a number with its unit, a qualitative word
/// or a time. An actual written as a bound ("≥90%", "90%以上") is refused with
/// [`TargetError::BoundAsActual`]; "达到95%" reads as 95% (what was reached).
pub fn read_actual(text: &str) -> Result<ActualText, TargetError> {
    let trimmed = text.trim();
    let normalized = checked_normalized(trimmed)?;
    let unreadable = |problem: String| TargetError::Unreadable {
        text: trimmed.to_string(),
        problem,
    };
    let parsed = parse_value(&normalized).map_err(unreadable)?;
    if let Some((written, comparator)) = parsed.written
        && !ACTUAL_NOT_BOUND_WORDS.contains(&written)
    {
        return Err(TargetError::BoundAsActual {
            text: trimmed.to_string(),
            comparator,
        });
    }
    Ok(match parsed.value {
        TargetValue::Quantitative { value, unit, .. } => ActualText::Number { value, unit },
        TargetValue::Qualitative { word } => ActualText::Qualitative { word },
        TargetValue::Time(t) => ActualText::Time(t),
    })
}

/// Comparator words that, in an actual value, say what was reached rather than a bound.
const ACTUAL_NOT_BOUND_WORDS: &[&str] = &["达到"];

impl Target {
    /// Parse a target text (`≥10人`, `≤30%`, `良好`, `2024年`, `12月底前`, …) of an indicator
    /// that is not a cost one (see [`Target::parse_in`]).
    ///
    /// The original text is kept (trimmed) for display; the typed value comes from a normalised
    /// copy (full-width characters folded, spaces removed).
    pub fn parse(text: &str) -> Result<Self, TargetError> {
        Self::parse_in(text, TargetCategory::General)
    }

    /// Parse a target text of an indicator of the given category: under 成本指标 a bare amount
    /// ("250万元", "250") is a cap and reads as ≤ (a written "=" stays =); otherwise as
    /// [`Target::parse`].
    pub fn parse_in(text: &str, category: TargetCategory) -> Result<Self, TargetError> {
        let trimmed = text.trim();
        let normalized = checked_normalized(trimmed)?;
        let parsed = parse_value(&normalized).map_err(|problem| TargetError::Unreadable {
            text: trimmed.to_string(),
            problem,
        })?;
        let value = match parsed.value {
            TargetValue::Quantitative {
                comparator: Comparator::Eq,
                value,
                unit,
            } if category == TargetCategory::Cost
                && parsed.written.is_none()
                && COST_CAP_UNITS.contains(&unit.as_str()) =>
            {
                TargetValue::Quantitative {
                    comparator: Comparator::Le,
                    value,
                    unit,
                }
            }
            other => other,
        };
        Ok(Target {
            text: trimmed.to_string(),
            value,
        })
    }

    /// This target read again in a category (a target parsed without its indicator's category,
    /// e.g. from stored JSON, read as the indicator's 一级/二级 say).
    pub fn in_category(&self, category: TargetCategory) -> Target {
        // The text parsed once, so it parses again; keep this reading if it somehow does not.
        Target::parse_in(&self.text, category).unwrap_or_else(|_| self.clone())
    }
    /// The original text, as written.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The typed value.
    pub fn value(&self) -> &TargetValue {
        &self.value
    }

    /// The scoring direction: ≥ and > are 正向, ≤ and < are 反向, = is 等于, words are 定性,
    /// time targets are 时效.
    pub fn direction(&self) -> Direction {
        match &self.value {
            TargetValue::Quantitative { comparator, .. } => comparator.direction(),
            TargetValue::Qualitative { .. } => Direction::Qualitative,
            TargetValue::Time(_) => Direction::Timeliness,
        }
    }

    /// The comparator and the number of a quantitative target (T in the scoring rules).
    pub fn threshold(&self) -> Option<(Comparator, Decimal)> {
        match &self.value {
            TargetValue::Quantitative {
                comparator, value, ..
            } => Some((*comparator, *value)),
            _ => None,
        }
    }

    /// The unit of a quantitative target.
    pub fn unit(&self) -> Option<&TargetUnit> {
        match &self.value {
            TargetValue::Quantitative { unit, .. } => Some(unit),
            _ => None,
        }
    }

    /// Whether an actual value meets a quantitative target (`None` for other targets), by the
    /// scoring rules' one rule, [`Comparator::meets`]: a bare "90%" is met by 100.
    pub fn is_met_by(&self, actual: Decimal) -> Option<bool> {
        self.threshold().map(|(c, t)| c.meets(actual, t))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Comparator {
    /// The symbol as printed in the forms: `≥ > ≤ < =`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Ge => "≥",
            Comparator::Gt => ">",
            Comparator::Le => "≤",
            Comparator::Lt => "<",
            Comparator::Eq => "=",
        }
    }

    /// The scoring direction this comparator implies.
    pub fn direction(self) -> Direction {
        match self {
            Comparator::Ge | Comparator::Gt => Direction::Positive,
            Comparator::Le | Comparator::Lt => Direction::Reverse,
            Comparator::Eq => Direction::Equal,
        }
    }

    /// Whether an actual value meets a target with this comparator, as the scoring rules read
    /// it (domain.md §4) — the one rule for "met", used by [`Target::is_met_by`] and by the
    /// evaluation: ≥ and > literally; ≤ and < literally or when A = 0 (nothing spent, nothing
    /// exceeded); = with T = 0 only by A = 0, with T > 0 by any A ≥ T (scored as 正向).
    pub fn meets(self, actual: Decimal, target: Decimal) -> bool {
        match self {
            Comparator::Ge | Comparator::Gt => self.is_met(actual, target),
            Comparator::Le | Comparator::Lt => self.is_met(actual, target) || actual.is_zero(),
            Comparator::Eq if target.is_zero() => actual.is_zero(),
            Comparator::Eq => actual >= target,
        }
    }

    /// Whether `actual` satisfies `actual <comparator> target` literally (= is exact equality);
    /// whether a target is *met* is [`Comparator::meets`].
    pub fn is_met(self, actual: Decimal, target: Decimal) -> bool {
        match self {
            Comparator::Ge => actual >= target,
            Comparator::Gt => actual > target,
            Comparator::Le => actual <= target,
            Comparator::Lt => actual < target,
            Comparator::Eq => actual == target,
        }
    }
}

impl Direction {
    /// Chinese name: 正向, 反向, 等于, 定性, 时效.
    pub fn name_zh(self) -> &'static str {
        match self {
            Direction::Positive => "正向",
            Direction::Reverse => "反向",
            Direction::Equal => "等于",
            Direction::Qualitative => "定性",
            Direction::Timeliness => "时效",
        }
    }
}

impl TargetUnit {
    /// The unit text ("人", "%", "万元"; empty for a bare number).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a percentage target (the value is then the percentage, 80 for 80%).
    pub fn is_percent(&self) -> bool {
        self.0 == "%"
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

/// Longest target text accepted, in characters (the forms' cells are short; a paragraph is a
/// description, not a target).
pub const TARGET_TEXT_CHARS_MAX: usize = 60;

/// Most digits accepted in a target number (keeps `Decimal` parsing far from overflow).
const NUMBER_DIGITS_MAX: usize = 15;

/// Units a quantitative target may carry (the whole text after the number must be one of them,
/// one of [`UNIT_ALIASES`], or one of them after 万: "万次", "万册"). `%` is the only
/// percentage unit.
pub const KNOWN_UNITS: &[&str] = &[
    "个百分点",
    "平方米",
    "立方米",
    "平方公里",
    "万次",
    "万人次",
    "人次",
    "场次",
    "篇次",
    "户次",
    "件次",
    "万人",
    "万元",
    "亿元",
    "千元",
    "个月",
    "小时",
    "分钟",
    "课时",
    "学时",
    "公里",
    "千米",
    "厘米",
    "毫米",
    "米",
    "亩",
    "吨",
    "例",
    "万",
    "人",
    "次",
    "场",
    "个",
    "家",
    "项",
    "篇",
    "元",
    "天",
    "日",
    "周",
    "月",
    "年",
    "件",
    "份",
    "户",
    "所",
    "台",
    "套",
    "册",
    "本",
    "部",
    "期",
    "批",
    "条",
    "座",
    "处",
    "辆",
    "名",
    "位",
    "门",
    "类",
    "班",
    "张",
    "间",
    "分",
    "%",
    "‰",
];

/// Other spellings of known units, as real tables print them: `M`/`m` for 米, `百分比` for %.
pub const UNIT_ALIASES: &[(&str, &str)] = &[
    ("M", "米"),
    ("m", "米"),
    ("CM", "厘米"),
    ("cm", "厘米"),
    ("KM", "千米"),
    ("km", "千米"),
    ("百分比", "%"),
];

/// The prefix that multiplies a known unit ("万次", "万册"): the unit is kept as written.
const TEN_THOUSAND: char = '万';

/// The unit as the grammar keeps it: a known unit, an alias's unit, or 万 before a known unit;
/// `None` for anything else.
fn known_unit(unit_text: &str) -> Option<String> {
    if unit_text.is_empty() || KNOWN_UNITS.contains(&unit_text) {
        return Some(unit_text.to_string());
    }
    if let Some((_, unit)) = UNIT_ALIASES.iter().find(|(alias, _)| *alias == unit_text) {
        return Some((*unit).to_string());
    }
    let after = unit_text.strip_prefix(TEN_THOUSAND)?;
    (KNOWN_UNITS.contains(&after) && !after.starts_with(TEN_THOUSAND) && after != "%")
        .then(|| unit_text.to_string())
}

/// Words (or parts of phrases) accepted as qualitative targets. One-character words must be
/// the whole text ("是"); longer ones may appear inside a phrase ("明显提升", "效果显著").
pub const QUALITATIVE_WORDS: &[&str] = &[
    "良好",
    "较好",
    "优秀",
    "优良",
    "明显",
    "较明显",
    "显著",
    "达标",
    "达成",
    "预期",
    "合格",
    "相关",
    "科学",
    "合理",
    "完整",
    "真实",
    "合规",
    "健全",
    "公开",
    "规范",
    "加深",
    "提升",
    "提高",
    "提供保障",
    "保障",
    "有效",
    "改善",
    "增强",
    "促进",
    "推动",
    "降低",
    "减少",
    "增加",
    "及时",
    "准确",
    "到位",
    "落实",
    "完善",
    "稳定",
    "安全",
    "符合",
    "满足",
    "按时",
    "按期",
    "完成",
    "实现",
    "持续",
    "长期",
    "可持续",
    "满意",
    "是",
    "否",
    "无",
    "高",
    "好",
];

/// Comparator words and symbols, longest first so that "大于等于" is not read as "大于".
const COMPARATOR_PREFIXES: &[(&str, Comparator)] = &[
    ("大于或等于", Comparator::Ge),
    ("小于或等于", Comparator::Le),
    ("大于等于", Comparator::Ge),
    ("小于等于", Comparator::Le),
    ("不低于", Comparator::Ge),
    ("不少于", Comparator::Ge),
    ("不小于", Comparator::Ge),
    ("不高于", Comparator::Le),
    ("不超过", Comparator::Le),
    ("不大于", Comparator::Le),
    ("不多于", Comparator::Le),
    ("至少", Comparator::Ge),
    ("达到", Comparator::Ge),
    ("大于", Comparator::Gt),
    ("高于", Comparator::Gt),
    ("多于", Comparator::Gt),
    ("超过", Comparator::Gt),
    ("至多", Comparator::Le),
    ("小于", Comparator::Lt),
    ("低于", Comparator::Lt),
    ("少于", Comparator::Lt),
    ("等于", Comparator::Eq),
    (">=", Comparator::Ge),
    ("<=", Comparator::Le),
    ("≥", Comparator::Ge),
    ("≤", Comparator::Le),
    (">", Comparator::Gt),
    ("<", Comparator::Lt),
    ("=", Comparator::Eq),
];

/// Trailing comparator words: "10人以上", "5%以内".
const COMPARATOR_SUFFIXES: &[(&str, Comparator)] = &[
    ("及以上", Comparator::Ge),
    ("及以下", Comparator::Le),
    ("以上", Comparator::Ge),
    ("以下", Comparator::Le),
    ("以内", Comparator::Le),
];

/// How far the full-width forms of ASCII (U+FF01-U+FF5E) lie from ASCII.
const FULL_WIDTH_OFFSET: u32 = 0xFEE0;

/// Check a text's length and fold it (see [`normalize`]); the errors name the text.
fn checked_normalized(trimmed: &str) -> Result<String, TargetError> {
    if trimmed.is_empty() {
        return Err(TargetError::Empty);
    }
    if trimmed.chars().count() > TARGET_TEXT_CHARS_MAX {
        return Err(TargetError::Unreadable {
            text: trimmed.to_string(),
            problem: format!("长度超过{TARGET_TEXT_CHARS_MAX}个字符"),
        });
    }
    Ok(normalize(trimmed))
}

/// Fold full-width and look-alike characters to one spelling and drop all white space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            // Full-width ASCII (０-９, ％, ＞, ＜, ＝, ．, ，, －, ／, ～, Ｍ, …).
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - FULL_WIDTH_OFFSET).unwrap_or(c),
            // Small forms, box drawing and the other comparators real tables print.
            '\u{FE50}' => ',',
            '\u{FE52}' => '.',
            '\u{FE63}' => '-',
            '\u{FE64}' => '<',
            '\u{FE65}' => '>',
            '\u{FE66}' | '\u{2550}' => '=',
            '\u{FE6A}' => '%',
            '≧' | '⩾' | '≮' => '≥',
            '≦' | '⩽' | '≯' => '≤',
            '—' | '–' | '−' => '-',
            c if c.is_whitespace() => continue,
            c => c,
        };
        out.push(folded);
    }
    if !out.contains('=') {
        // Nothing to fold below (every pattern has '='): no four copies of the text.
        return out;
    }
    out.replace(">=", "≥")
        .replace("<=", "≤")
        .replace("≥=", "≥")
        .replace("≤=", "≤")
}

/// A normalised text read by the grammar: the value, and the comparator as written (a prefix
/// such as "≥" or "不低于", else a suffix such as "以上"), `None` when none was written.
struct Parsed {
    value: TargetValue,
    written: Option<(&'static str, Comparator)>,
}

fn parse_value(text: &str) -> Result<Parsed, String> {
    if let Some(time) = parse_time(text) {
        return time.map(|t| Parsed {
            value: TargetValue::Time(t),
            written: None,
        });
    }
    let found = COMPARATOR_PREFIXES
        .iter()
        .find(|(p, _)| text.starts_with(p))
        .copied();
    let rest = found.map_or(text, |(p, _)| &text[p.len()..]);
    let qualitative = || {
        parse_qualitative(text).map(|value| Parsed {
            value,
            written: None,
        })
    };
    let starts_with_digit = rest.starts_with(|c: char| c.is_ascii_digit());
    match found {
        None if !starts_with_digit => qualitative(),
        // A comparator word before words ("达到预期", "不低于上年水平"): a phrase when it reads
        // as one, otherwise the comparator lacks its number.
        Some((word, _)) if !starts_with_digit && !is_symbol(word) => {
            qualitative().or_else(|_| parse_quantitative(found, rest))
        }
        _ => parse_quantitative(found, rest),
    }
}

/// True for a comparator written as a symbol (`≥`, `>=`, `<`, …), not a word (`达到`, `不低于`).
fn is_symbol(comparator: &str) -> bool {
    comparator
        .chars()
        .all(|c| matches!(c, '≥' | '≤' | '>' | '<' | '='))
}

fn parse_quantitative(
    found: Option<(&'static str, Comparator)>,
    rest: &str,
) -> Result<Parsed, String> {
    let prefix = found.map(|(_, c)| c);
    if rest.starts_with('-') {
        return Err("指标值不能为负数".to_string());
    }
    let number_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(rest.len(), |(i, _)| i);
    let number_text = &rest[..number_len];
    if number_text.is_empty() {
        return Err(format!("比较符后缺少数值（“{rest}”）"));
    }
    let digits: String = number_text.chars().filter(|c| *c != ',').collect();
    if digits.chars().filter(char::is_ascii_digit).count() > NUMBER_DIGITS_MAX {
        return Err(format!("数值“{number_text}”位数过多"));
    }
    let value: Decimal = digits
        .parse()
        .map_err(|_| format!("数值“{number_text}”不是有效的数字"))?;
    let mut unit_text = &rest[number_len..];
    let mut suffix = None;
    let mut suffix_written = None;
    if let Some((s, c)) = COMPARATOR_SUFFIXES
        .iter()
        .find(|(s, _)| unit_text.ends_with(s))
    {
        suffix = Some(*c);
        suffix_written = Some((*s, *c));
        unit_text = &unit_text[..unit_text.len() - s.len()];
    }
    let comparator = match (prefix, suffix) {
        (Some(p), Some(s)) if p.direction() != s.direction() => {
            return Err(format!("比较符“{}”与后缀方向矛盾", p.symbol()));
        }
        (Some(p), _) => p,
        (None, Some(s)) => s,
        (None, None) => Comparator::Eq,
    };
    if unit_text
        .chars()
        .any(|c| matches!(c, '-' | '~' | '～' | '至' | '到'))
        && unit_text.chars().any(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "不支持区间值（“{rest}”），请拆为一个比较符和一个数值"
        ));
    }
    let unit = known_unit(unit_text).ok_or_else(|| format!("未知计量单位“{unit_text}”"))?;
    Ok(Parsed {
        value: TargetValue::Quantitative {
            comparator,
            value: value.normalize(),
            unit: TargetUnit(unit),
        },
        written: found.or(suffix_written),
    })
}

fn parse_qualitative(text: &str) -> Result<TargetValue, String> {
    if text.chars().any(|c| c.is_ascii_digit()) {
        return Err("含有数字但没有可识别的比较符、数值和单位".to_string());
    }
    let known = QUALITATIVE_WORDS.iter().any(|w| {
        if w.chars().count() == 1 {
            text == *w
        } else {
            text.contains(w)
        }
    });
    if known {
        Ok(TargetValue::Qualitative {
            word: text.to_string(),
        })
    } else {
        Err(format!(
            "“{text}”不是可识别的定性指标值（如良好、明显、达标、合规、是）"
        ))
    }
}

/// A time target, `None` when the text does not look like one at all, `Some(Err)` when it
/// does but names an impossible date.
fn parse_time(text: &str) -> Option<Result<TimeTarget, String>> {
    let core = TIME_DONE_SUFFIXES
        .iter()
        .find_map(|m| text.strip_suffix(m))
        .unwrap_or(text);
    let (core, deadline) = match ["之前", "以前", "前"]
        .iter()
        .find_map(|m| core.strip_suffix(m))
    {
        Some(c) => (c, true),
        None => (core, false),
    };
    if matches!(
        core,
        "年底" | "年末" | "年内" | "当年" | "本年" | "本年度" | "全年" | "下半年"
    ) {
        return Some(Ok(TimeTarget::ByMonthEnd { month: 12 }));
    }
    if core == "上半年" {
        return Some(Ok(TimeTarget::ByMonthEnd { month: 6 }));
    }
    if let Some(q) = parse_quarter(core) {
        return Some(Ok(TimeTarget::ByMonthEnd { month: q * 3 }));
    }
    if let Some(date) = parse_iso_like_date(core) {
        return Some(date.map(|date| TimeTarget::ByDate { date }));
    }
    if let Some(period) = parse_period(core) {
        return Some(period);
    }
    if let Some(point) = parse_point(core)
        && point.dotted
        && point.day.is_none()
        && let (Some(year), Some(month)) = (point.year, point.month)
    {
        // "2023.12": a year and month, read like "2023年12月" (by the end of that month).
        return Some(last_day_of_month(year, month).map(|date| TimeTarget::ByDate { date }));
    }
    let (lead, after) = leading_number(core);
    if lead.is_empty() {
        return None;
    }
    if let Some(after_year) = after.strip_prefix('年') {
        // Only a plausible calendar year makes "YYYY年" a time target; "3年" is a duration.
        let year: i32 = lead.parse().ok()?;
        if lead.len() != 4 || !(YEAR_MIN..=YEAR_MAX).contains(&year) {
            return None;
        }
        return match after_year {
            "" | "度" | "内" | "度内" | "全年" | "年内" if !deadline => {
                Some(Ok(TimeTarget::WithinYear { year }))
            }
            "底" | "末" | "年底" | "年末" => Some(ymd(year, 12, 31)),
            // A year and month is a deadline with or without 前: "2023年12月", "2021年12月完成".
            _ => parse_month_day(after_year, true).map(|md| {
                md.and_then(|(month, day)| match day {
                    Some(d) => ymd(year, month, d),
                    None => last_day_of_month(year, month).map(|date| TimeTarget::ByDate { date }),
                })
            }),
        };
    }
    parse_month_day(core, deadline).map(|md| {
        md.and_then(|(month, day)| match day {
            None => Ok(TimeTarget::ByMonthEnd { month }),
            // Without a year only a month's last day can be represented (as a month end);
            // February counts with its 28th or 29th.
            Some(d) if d >= days_in_month_any_year(month) => Ok(TimeTarget::ByMonthEnd { month }),
            Some(_) => Err("截止日期缺少年份（如“2024年6月15日前”）".to_string()),
        })
    })
}

/// Words after a time that say the work is done by then: "10月底前完成", "12月底到位".
const TIME_DONE_SUFFIXES: &[&str] = &["完成", "到位", "完工", "完毕", "建成"];

/// What separates the two ends of a period: "2023.07-2024.01", "1月至6月", "1~6月".
const PERIOD_SEPARATORS: &[char] = &['-', '~', '至', '到'];

/// One end of a period as written: "2023.07", "2024年1月", "2024年", "12月", "6月30日", or a
/// bare number ("1" of "2024年1-6月", "2023" of "2023-2024年").
#[derive(Debug, Default, Clone, Copy)]
struct Point {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    /// Written with 年, 月, 日 or as a dotted date: a time for sure.
    marked: bool,
    /// Written as "YYYY.MM" or "YYYY/MM(/DD)".
    dotted: bool,
}

/// One end of a period; `None` when the text is not of that shape. Numbers are checked when
/// the period is built.
fn parse_point(text: &str) -> Option<Point> {
    if text.contains(['.', '/']) {
        let sep = if text.contains('.') { '.' } else { '/' };
        let parts: Vec<&str> = text.split(sep).collect();
        if !(2..=3).contains(&parts.len())
            || parts[0].len() != 4
            || parts[1..].iter().any(|p| p.is_empty() || p.len() > 2)
            || parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit()))
        {
            return None;
        }
        return Some(Point {
            year: Some(plausible_year(parts[0])?),
            month: Some(parts[1].parse().ok()?),
            day: parts.get(2).and_then(|d| d.parse().ok()),
            marked: true,
            dotted: true,
        });
    }
    let mut point = Point::default();
    let (mut number, mut after) = leading_number(text);
    if number.is_empty() || number.len() > 4 {
        return None;
    }
    if let Some(after_year) = after.strip_prefix('年') {
        point.year = Some(plausible_year(number)?);
        point.marked = true;
        if matches!(after_year, "" | "度") {
            return Some(point);
        }
        (number, after) = leading_number(after_year);
        if number.is_empty() || number.len() > 2 {
            return None;
        }
    }
    if after.is_empty() {
        // A bare number: a year when it has four digits, else a month.
        if number.len() == 4 && point.year.is_none() {
            point.year = Some(plausible_year(number)?);
        } else if number.len() <= 2 {
            point.month = Some(number.parse().ok()?);
        } else {
            return None;
        }
        return Some(point);
    }
    let after_month = after.strip_prefix('月')?;
    if number.len() > 2 {
        return None;
    }
    point.month = Some(number.parse().ok()?);
    point.marked = true;
    if matches!(after_month, "" | "底" | "末" | "份") {
        return Some(point);
    }
    let (day, rest) = leading_number(after_month);
    if day.is_empty() || day.len() > 2 || !matches!(rest, "日" | "号") {
        return None;
    }
    point.day = Some(day.parse().ok()?);
    Some(point)
}

/// A four-digit year within [`YEAR_MIN`]..=[`YEAR_MAX`].
fn plausible_year(digits: &str) -> Option<i32> {
    let year: i32 = digits.parse().ok()?;
    (digits.len() == 4 && (YEAR_MIN..=YEAR_MAX).contains(&year)).then_some(year)
}

/// A period: two ends separated by one of [`PERIOD_SEPARATORS`], at least one written as a
/// time. With a year on either end: the days from the first day of the start to the last day
/// of the end ([`TimeTarget::Between`]); without: months of the fiscal year
/// ([`TimeTarget::MonthsOfYear`]). `None` when the text is not of that shape.
fn parse_period(text: &str) -> Option<Result<TimeTarget, String>> {
    let (at, sep) = text
        .char_indices()
        .find(|(_, c)| PERIOD_SEPARATORS.contains(c))?;
    let (left_text, right_text) = (&text[..at], &text[at + sep.len_utf8()..]);
    let start = parse_point(left_text)?;
    let end = parse_point(right_text)?;
    if !(start.marked || end.marked) {
        return None;
    }
    let check_month = |m: Option<u32>| match m {
        Some(m) if !(1..=12).contains(&m) => Err(format!("期间中的月份“{m}”无效")),
        _ => Ok(()),
    };
    if let Err(e) = check_month(start.month).and_then(|()| check_month(end.month)) {
        return Some(Err(e));
    }
    let (from_year, to_year) = (start.year.or(end.year), end.year.or(start.year));
    let (Some(from_year), Some(to_year)) = (from_year, to_year) else {
        if start.day.is_some() || end.day.is_some() {
            return Some(Err(format!(
                "期间“{text}”缺少年份（如“2024年6月1日-6月30日”）"
            )));
        }
        let (Some(from_month), Some(to_month)) = (start.month, end.month) else {
            return None;
        };
        return Some(if from_month <= to_month {
            Ok(TimeTarget::MonthsOfYear {
                from_month,
                to_month,
            })
        } else {
            Err(format!("期间“{text}”的起始月份晚于结束月份"))
        });
    };
    let to_month = end.month.unwrap_or(12);
    let ends =
        date_ymd(from_year, start.month.unwrap_or(1), start.day.unwrap_or(1)).and_then(|from| {
            let to = match end.day {
                Some(d) => date_ymd(to_year, to_month, d),
                None => last_day_of_month(to_year, to_month),
            };
            to.map(|to| (from, to))
        });
    Some(ends.and_then(|(from, to)| {
        if from <= to {
            Ok(TimeTarget::Between { from, to })
        } else {
            Err(format!("期间“{text}”的起点晚于终点"))
        }
    }))
}

/// Years accepted in a time target.
const YEAR_MIN: i32 = 1990;
/// See [`YEAR_MIN`].
const YEAR_MAX: i32 = 2200;

/// "M月底", "M月末", "M月份", "M月" (the last only with a deadline marker: "M月前"),
/// "M月D日", "M月D号". `None` when the text is not of that shape.
fn parse_month_day(text: &str, deadline: bool) -> Option<Result<(u32, Option<u32>), String>> {
    let (m, after) = leading_number(text);
    let after = after.strip_prefix('月')?;
    let month: u32 = m.parse().ok()?;
    if !(1..=12).contains(&month) {
        return Some(Err(format!("月份“{m}”无效")));
    }
    match after {
        "底" | "末" | "份" => Some(Ok((month, None))),
        "" if deadline => Some(Ok((month, None))),
        _ => {
            let (d, rest) = leading_number(after);
            if d.is_empty() || !matches!(rest, "日" | "号") {
                return None;
            }
            let day: u32 = d.parse().ok()?;
            if !(1..=31).contains(&day) {
                return Some(Err(format!("日期“{d}”无效")));
            }
            Some(Ok((month, Some(day))))
        }
    }
}

fn parse_quarter(text: &str) -> Option<u32> {
    let t = text.strip_prefix('第').unwrap_or(text);
    let t = t
        .strip_suffix("季度末")
        .or_else(|| t.strip_suffix("季度"))?;
    match t {
        "一" | "1" => Some(1),
        "二" | "2" => Some(2),
        "三" | "3" => Some(3),
        "四" | "4" => Some(4),
        _ => None,
    }
}

/// "2024-06-30", "2024/6/30", "2024.6.30".
fn parse_iso_like_date(text: &str) -> Option<Result<chrono::NaiveDate, String>> {
    let sep = ['-', '/', '.'].into_iter().find(|s| text.contains(*s))?;
    let parts: Vec<&str> = text.split(sep).collect();
    if parts.len() != 3
        || parts[0].len() != 4
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let year: i32 = parts[0].parse().ok()?;
    let month: u32 = parts[1].parse().ok()?;
    let day: u32 = parts[2].parse().ok()?;
    Some(
        chrono::NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("日期“{text}”不存在")),
    )
}

fn ymd(year: i32, month: u32, day: u32) -> Result<TimeTarget, String> {
    date_ymd(year, month, day).map(|date| TimeTarget::ByDate { date })
}

fn date_ymd(year: i32, month: u32, day: u32) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| format!("日期“{year}年{month}月{day}日”不存在"))
}

fn last_day_of_month(year: i32, month: u32) -> Result<chrono::NaiveDate, String> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    chrono::NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| format!("日期“{year}年{month}月”无效"))
}

/// The shortest length of a month in any year (28 for February).
fn days_in_month_any_year(month: u32) -> u32 {
    match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Split leading ASCII digits off.
fn leading_number(text: &str) -> (&str, &str) {
    let end = text
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(text.len(), |(i, _)| i);
    text.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn quant(c: Comparator, v: Decimal, unit: &str) -> TargetValue {
        TargetValue::Quantitative {
            comparator: c,
            value: v,
            unit: TargetUnit(unit.to_string()),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> TargetValue {
        TargetValue::Time(TimeTarget::ByDate {
            date: chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        })
    }

    #[test]
    fn real_world_quantitative_targets_parse_to_comparator_number_and_unit() {
        use Comparator::*;
        let table: &[(&str, TargetValue)] = &[
            ("≥10人", quant(Ge, dec!(10), "人")),
            ("≥3次", quant(Ge, dec!(3), "次")),
            ("≥80%", quant(Ge, dec!(80), "%")),
            ("≤30%", quant(Le, dec!(30), "%")),
            ("≤100%", quant(Le, dec!(100), "%")),
            ("100%", quant(Eq, dec!(100), "%")),
            ("=100%", quant(Eq, dec!(100), "%")),
            ("＝100％", quant(Eq, dec!(100), "%")),
            (">=90%", quant(Ge, dec!(90), "%")),
            ("<=10%", quant(Le, dec!(10), "%")),
            ("＞5家", quant(Gt, dec!(5), "家")),
            ("＜3天", quant(Lt, dec!(3), "天")),
            ("> 2 项", quant(Gt, dec!(2), "项")),
            ("≧95.5%", quant(Ge, dec!(95.5), "%")),
            ("≥ 1,200人次", quant(Ge, dec!(1200), "人次")),
            ("≥０.５万元", quant(Ge, dec!(0.5), "万元")),
            ("大于等于6场", quant(Ge, dec!(6), "场")),
            ("不低于90%", quant(Ge, dec!(90), "%")),
            ("不少于20篇", quant(Ge, dec!(20), "篇")),
            ("不高于5%", quant(Le, dec!(5), "%")),
            ("不超过20万元", quant(Le, dec!(20), "万元")),
            ("小于等于15天", quant(Le, dec!(15), "天")),
            ("大于3个", quant(Gt, dec!(3), "个")),
            ("低于2%", quant(Lt, dec!(2), "%")),
            ("10人以上", quant(Ge, dec!(10), "人")),
            ("5%以内", quant(Le, dec!(5), "%")),
            ("≥50人及以上", quant(Ge, dec!(50), "人")),
            ("≥12个月", quant(Ge, dec!(12), "个月")),
            ("≥2年", quant(Ge, dec!(2), "年")),
            ("3年", quant(Eq, dec!(3), "年")),
            ("≤1.5", quant(Le, dec!(1.5), "")),
            ("≥100件", quant(Ge, dec!(100), "件")),
            ("≥90分", quant(Ge, dec!(90), "分")),
        ];
        for (text, expected) in table {
            let t = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.value(), expected, "{text}");
            assert_eq!(t.text(), text.trim(), "{text} keeps its original text");
        }
    }

    #[test]
    fn qualitative_words_and_phrases_parse_as_qualitative() {
        for text in [
            "良好",
            "较好",
            "优秀",
            "明显",
            "较明显",
            "显著",
            "达标",
            "合格",
            "相关",
            "科学",
            "合理",
            "完整",
            "真实",
            "合规",
            "健全",
            "公开",
            "规范",
            "加深",
            "提升",
            "提高",
            "提供保障",
            "有效",
            "是",
            "否",
            "明显提升",
            "效果显著",
            "逐步提高",
            "有效提升",
            "持续改善",
        ] {
            let t = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                t.value(),
                &TargetValue::Qualitative {
                    word: text.to_string()
                },
                "{text}"
            );
            assert_eq!(t.direction(), Direction::Qualitative);
        }
    }

    #[test]
    fn time_targets_parse_as_year_month_end_or_date() {
        let by_month = |month| TargetValue::Time(TimeTarget::ByMonthEnd { month });
        let table: &[(&str, TargetValue)] = &[
            (
                "2024年",
                TargetValue::Time(TimeTarget::WithinYear { year: 2024 }),
            ),
            (
                "2024年度",
                TargetValue::Time(TimeTarget::WithinYear { year: 2024 }),
            ),
            (
                "2025年内",
                TargetValue::Time(TimeTarget::WithinYear { year: 2025 }),
            ),
            ("12月底前", by_month(12)),
            ("12月前", by_month(12)),
            ("6月底", by_month(6)),
            ("10月底前完成", by_month(10)),
            ("11月末前", by_month(11)),
            ("年底前", by_month(12)),
            ("年内", by_month(12)),
            ("年底之前", by_month(12)),
            ("上半年", by_month(6)),
            ("三季度末前", by_month(9)),
            ("第一季度", by_month(3)),
            ("6月30日前", by_month(6)),
            ("2024年6月30日前", date(2024, 6, 30)),
            ("2024年6月30日", date(2024, 6, 30)),
            ("2024-06-30", date(2024, 6, 30)),
            ("2024/6/30", date(2024, 6, 30)),
            ("2024.11.15", date(2024, 11, 15)),
            ("2024年6月底前", date(2024, 6, 30)),
            ("2024年2月底前", date(2024, 2, 29)),
            ("2024年底前", date(2024, 12, 31)),
        ];
        for (text, expected) in table {
            let t = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.value(), expected, "{text}");
            assert_eq!(t.direction(), Direction::Timeliness, "{text}");
        }
    }

    #[test]
    fn every_target_of_the_seed_disclosure_parses() {
        // 预算14 (unit-wide) and 预算15 (the project) of the 焦作 2024 disclosure, as printed.
        let seed = [
            "相关",
            "科学",
            "合理",
            "完整",
            "≥90%",
            "≥90%",
            "≤30%",
            "≤10%",
            "≤100%",
            "≥80%",
            "真实",
            "合规",
            "健全",
            "公开",
            "规范",
            "100%",
            "100%",
            "100%",
            "100%",
            "加深",
            "≥90%",
            "提供保障",
            "≤10%",
            "≥10人",
            "明显",
            "≥80%",
            "≥3次",
            "≥70%",
            "良好",
            "≥60%",
            "2024年",
        ];
        for text in seed {
            assert!(Target::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn direction_follows_the_comparator() {
        let table = [
            ("≥10人", Direction::Positive),
            (">10人", Direction::Positive),
            ("≤30%", Direction::Reverse),
            ("<30%", Direction::Reverse),
            ("=100%", Direction::Equal),
            ("100%", Direction::Equal),
            ("良好", Direction::Qualitative),
            ("2024年", Direction::Timeliness),
        ];
        for (text, d) in table {
            assert_eq!(Target::parse(text).unwrap().direction(), d, "{text}");
        }
    }

    #[test]
    fn unreadable_targets_are_rejected_naming_the_problem() {
        let table: &[(&str, &str)] = &[
            ("≥5桶", "未知计量单位“桶”"),
            ("≥10人/天", "未知计量单位“人/天”"),
            ("很棒", "“很棒”不是可识别的定性指标值"),
            ("≥", "比较符后缺少数值"),
            ("≥十人", "比较符后缺少数值"),
            ("≥-5%", "不能为负数"),
            ("90%-100%", "不支持区间值"),
            ("≥1.2.3人", "不是有效的数字"),
            ("≥10人以下", "方向矛盾"),
            ("2024年2月30日前", "不存在"),
            ("2024-13-01", "不存在"),
            ("13月底前", "月份“13”无效"),
            ("6月15日前", "缺少年份"),
            ("第3名次", "含有数字"),
            ("≥1234567890123456人", "位数过多"),
        ];
        for (text, fragment) in table {
            match Target::parse(text) {
                Err(TargetError::Unreadable { text: t, problem }) => {
                    assert_eq!(t, *text);
                    assert!(
                        problem.contains(fragment),
                        "{text}: problem “{problem}” lacks “{fragment}”"
                    );
                }
                other => panic!("{text}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn empty_and_overlong_texts_are_rejected() {
        assert_eq!(Target::parse("  "), Err(TargetError::Empty));
        let long = "良".repeat(TARGET_TEXT_CHARS_MAX + 1);
        assert!(matches!(
            Target::parse(&long),
            Err(TargetError::Unreadable { problem, .. }) if problem.contains("长度超过")
        ));
    }

    #[test]
    fn targets_serialize_as_their_original_text_and_parse_back() {
        let t = Target::parse(" ≥10人 ").unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"≥10人\"");
        let back: Target = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_str::<Target>("\"≥5桶\"").is_err());
    }

    #[test]
    fn strict_comparators_are_met_only_beyond_the_target() {
        let gt = Target::parse(">10人").unwrap();
        assert_eq!(gt.is_met_by(dec!(10)), Some(false));
        assert_eq!(gt.is_met_by(dec!(11)), Some(true));
        let le = Target::parse("≤10%").unwrap();
        assert_eq!(le.is_met_by(dec!(10)), Some(true));
        assert_eq!(le.is_met_by(dec!(10.01)), Some(false));
        assert_eq!(Target::parse("良好").unwrap().is_met_by(dec!(1)), None);
    }
}
