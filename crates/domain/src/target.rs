//! The target value grammar (年度指标值): `≥10人`, `≥3次`, `≤30%`, `=100%`, `良好`, `2024年`,
//! `12月底前`, a date. Parsed into a typed [`Target`] that keeps its original text.
//!
//! The grammar (domain.md §3), after normalising full-width characters and removing spaces:
//!
//! - **quantitative**: an optional comparator (`≥ > ≤ < =`, their ASCII and full-width forms, or
//!   words such as `不低于`, `不少于`, `大于等于`, `不超过`, `不高于`, `小于等于`), a non-negative
//!   number, a known unit ([`KNOWN_UNITS`]) and an optional `以上`/`以下`/`以内` suffix. Without
//!   any comparator the number is read as `=` ("100%" means exactly 100%; "10人" means 10 人,
//!   which scores like ≥ when the target is positive — see the evaluation rules);
//! - **time** (时效): `2024年`/`2024年度` (within the year), `12月底前`/`12月前`/`年底前`/`上半年`
//!   (by the end of a month of the fiscal year), `2024年6月30日前`/`2024-06-30`/`2024年6月底前`
//!   (by a date);
//! - **qualitative** (定性): a text without digits that is or contains a known word
//!   ([`QUALITATIVE_WORDS`]: 良好, 明显, 相关, 合规, 提供保障, 是, …).
//!
//! Anything else is rejected with a message naming the part that could not be read.

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
    ///
    /// The original text is kept (trimmed) for display; the typed value comes from a normalised
    /// copy (full-width characters folded, spaces removed).
    pub fn parse(text: &str) -> Result<Self, TargetError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(TargetError::Empty);
        }
        let unreadable = |problem: String| TargetError::Unreadable {
            text: trimmed.to_string(),
            problem,
        };
        if trimmed.chars().count() > TARGET_TEXT_CHARS_MAX {
            return Err(unreadable(format!("长度超过{TARGET_TEXT_CHARS_MAX}个字符")));
        }
        let normalized = normalize(trimmed);
        let value = parse_value(&normalized).map_err(unreadable)?;
        Ok(Target {
            text: trimmed.to_string(),
            value,
        })
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

    /// Whether an actual value meets a quantitative target (`None` for other targets).
    pub fn is_met_by(&self, actual: Decimal) -> Option<bool> {
        self.threshold().map(|(c, t)| c.is_met(actual, t))
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

    /// Whether `actual` satisfies `actual <comparator> target`.
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

/// Units a quantitative target may carry. Longer units come before their prefixes so that the
/// longest match wins ("人次" before "人", "万元" before "万人"…). `%` is the only percentage unit.
pub const KNOWN_UNITS: &[&str] = &[
    "个百分点",
    "平方米",
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

/// Fold full-width and look-alike characters to one spelling and drop all white space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '，' => ',',
            '％' => '%',
            '＞' => '>',
            '＜' => '<',
            '＝' => '=',
            '≧' | '⩾' => '≥',
            '≦' | '⩽' => '≤',
            '－' | '—' | '–' => '-',
            '／' => '/',
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

fn parse_value(text: &str) -> Result<TargetValue, String> {
    if let Some(time) = parse_time(text) {
        return time.map(TargetValue::Time);
    }
    let (prefix, rest) = match COMPARATOR_PREFIXES
        .iter()
        .find(|(p, _)| text.starts_with(p))
    {
        Some((p, c)) => (Some(*c), &text[p.len()..]),
        None => (None, text),
    };
    if prefix.is_none() && !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_qualitative(text);
    }
    parse_quantitative(prefix, rest)
}

fn parse_quantitative(prefix: Option<Comparator>, rest: &str) -> Result<TargetValue, String> {
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
    if let Some((s, c)) = COMPARATOR_SUFFIXES
        .iter()
        .find(|(s, _)| unit_text.ends_with(s))
    {
        suffix = Some(*c);
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
    let unit = if unit_text.is_empty() {
        ""
    } else {
        KNOWN_UNITS
            .iter()
            .find(|u| **u == unit_text)
            .copied()
            .ok_or_else(|| format!("未知计量单位“{unit_text}”"))?
    };
    Ok(TargetValue::Quantitative {
        comparator,
        value: value.normalize(),
        unit: TargetUnit(unit.to_string()),
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
    let core = text.strip_suffix("完成").unwrap_or(text);
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
            "" | "度" | "内" | "全年" | "年内" if !deadline => {
                Some(Ok(TimeTarget::WithinYear { year }))
            }
            "底" | "末" | "年底" | "年末" => Some(ymd(year, 12, 31)),
            _ => parse_month_day(after_year, deadline).map(|md| {
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
    chrono::NaiveDate::from_ymd_opt(year, month, day)
        .map(|date| TimeTarget::ByDate { date })
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
