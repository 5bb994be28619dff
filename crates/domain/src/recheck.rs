//! 复核: re-check a published 项目支出绩效自评表 — a table from outside the log, as a unit
//! printed it — against the rules (domain.md §8), as pure functions.
//!
//! Input: a [`PublishedTable`] (funds block, indicator rows with their texts, 分值 and 得分, the
//! printed 总分 and grade; readers in `jixiao-app` build it from XLSX, CSV or JSON). The table
//! is scored with **its own** 分值 (never rescaled to a profile's 一级 weights: their sums are
//! reported instead), its own execution weight, the profile's rules (反向 variant, 80/60 bands,
//! grade cut-offs) and the profile's [`ScoreRounding`]. Every rule score is shown unrounded
//! beside the rounded one. Execution is min(全年执行数 / 全年预算数, 1) × 分值, rounded once.
//!
//! Output: a [`TableVerdict`]: per row the rule's score beside the published one and, when they
//! differ, the [`Variant`]s that reproduce the published score (integer rounding or floor, one
//! decimal rounding or truncation, the 80/60 band rule, 分值 × actual%, a rate rounded before
//! the execution score, a deduction on a met row that no rule explains, a score above its
//! weight); per table the [`Finding`]s (Σ分值 ≠ 100, Σ得分 ≠ 总分, an empty or zero execution
//! row beside non-zero amounts, a grade that does not follow from the total, …).
//!
//! 实际完成值 cells are read by [`read_actual`] ("97.30%", "2089人", "达成预期指标", "有效", a
//! text identical to the target; "≥90%" is flagged as a bound, not read as its number), with
//! the units of [`Target::parse`].

use crate::evaluation::Grade;
use crate::evaluation::rules;
use crate::indicator::Level1;
use crate::money::round2;
use crate::profile::{NotApplicablePolicy, ScoreRounding, ScoringProfile};
use crate::target::{Comparator, Target, TargetCategory, TargetValue, TimeTarget};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Most indicator rows in one published table.
pub const ROWS_PER_TABLE_MAX: usize = 500;

/// Most funds rows in one published table (年度资金总额 and its 其中 rows).
pub const FUNDS_ROWS_MAX: usize = 20;

/// Longest text of one cell, in characters.
pub const CELL_CHARS_MAX: usize = 2000;

/// One row of the funds block (年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金), as printed.
/// Amounts in the table's unit (万元 on the standard form; the ratio does not depend on it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedFunds {
    /// The row label ("年度资金总额", "其中：当年财政拨款").
    pub label: String,
    /// 年初预算数.
    #[serde(default)]
    pub initial: Option<Decimal>,
    /// 全年预算数.
    #[serde(default)]
    pub adjusted: Option<Decimal>,
    /// 全年执行数.
    #[serde(default)]
    pub executed: Option<Decimal>,
    /// 分值.
    #[serde(default)]
    pub weight: Option<Decimal>,
    /// 执行率 as printed, in % (99.65 for 99.65%).
    #[serde(default)]
    pub rate_percent: Option<Decimal>,
    /// 得分.
    #[serde(default)]
    pub score: Option<Decimal>,
}

/// One indicator row, as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedIndicator {
    /// 一级指标 (a blank cell under a merged one already filled in by the reader).
    #[serde(default)]
    pub level1: String,
    /// 二级指标.
    #[serde(default)]
    pub level2: String,
    /// 三级指标 (may hold the target: "活动场次（≥3次）").
    pub name: String,
    /// 年度指标值.
    #[serde(default)]
    pub target: String,
    /// 实际完成值.
    #[serde(default)]
    pub actual: String,
    /// 分值.
    #[serde(default)]
    pub weight: Option<Decimal>,
    /// 得分.
    #[serde(default)]
    pub score: Option<Decimal>,
    /// Where the row was read ("Sheet1!A12", "line 7"), for messages; set by readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// A 项目支出绩效自评表 as published: what the 复核 reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedTable {
    /// 项目名称 (or the sheet's name when the form has none).
    pub name: String,
    /// The funds block, the 年度资金总额 row first when the table has one.
    #[serde(default)]
    pub funds: Vec<PublishedFunds>,
    /// The indicator rows.
    #[serde(default)]
    pub indicators: Vec<PublishedIndicator>,
    /// The printed 总分 column (100 on the standard form), if printed.
    #[serde(default)]
    pub total_weight: Option<Decimal>,
    /// The printed total score (自评得分).
    #[serde(default)]
    pub total_score: Option<Decimal>,
    /// The printed grade text ("优", "自评等级：良").
    #[serde(default)]
    pub grade: Option<String>,
}

/// What a 实际完成值 cell says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ActualReading {
    /// A number (in the unit written, "%" for a percentage: 97.3 for "97.30%").
    Number {
        /// The number.
        value: Decimal,
        /// The unit as written ("人", "%", "" for none).
        unit: String,
    },
    /// A bound ("≥90%"): not a value; met only when every value within it meets the target.
    Bound {
        /// The comparator written.
        comparator: Comparator,
        /// The number.
        value: Decimal,
        /// The unit.
        unit: String,
    },
    /// The same text as the target ("≥3次" under "≥3次"): read as met.
    SameAsTarget,
    /// A text that says the target was reached ("达成预期指标", "有效", "良好", "按期完成").
    Achieved,
    /// A text that says it was not ("未完成", "否", "延期").
    NotAchieved,
    /// A date or period ("2024年12月").
    Time {
        /// The period as read.
        time: TimeTarget,
    },
    /// "不适用", "不涉及": the measure does not apply.
    NotApplicable,
    /// Blank, "—" or "/".
    Missing,
    /// Could not be read.
    Unreadable {
        /// Why, in Chinese.
        problem: String,
    },
}

/// Texts that say a target was reached (the cell holds no number).
const ACHIEVED_WORDS: &[&str] = &[
    "达成", "达到", "完成", "实现", "有效", "是", "按期", "按时", "如期", "良好", "满意", "符合",
    "合格", "达标", "明显", "提升", "提高", "保障", "规范", "健全", "及时", "已",
];

/// Texts that say the measure does not apply.
const NOT_APPLICABLE_WORDS: &[&str] =
    &["不适用", "不涉及", "不适用（按满分计）", "不适用（不计分）"];

/// Texts that say it was not (checked first: "未完成" holds "完成").
const NOT_ACHIEVED_WORDS: &[&str] = &[
    "未",
    "否",
    "没有",
    "不达标",
    "不合格",
    "不满意",
    "不及时",
    "延期",
    "滞后",
    "逾期",
    "无效",
];

fn is_dash(text: &str) -> bool {
    matches!(text, "" | "—" | "-" | "－" | "/" | "／" | "——" | "无")
}

fn has_digit(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

/// Whether the text opens with a comparator (a bound, not a value).
fn opens_with_comparator(text: &str) -> bool {
    const OPENERS: &[&str] = &[
        "≥",
        ">",
        "≤",
        "<",
        "＞",
        "＜",
        "≧",
        "≦",
        "⩾",
        "⩽",
        "不低于",
        "不少于",
        "不超过",
        "不高于",
        "大于",
        "小于",
        "超过",
        "高于",
        "低于",
        "少于",
        "至少",
        "最多",
    ];
    OPENERS.iter().any(|o| text.starts_with(o)) || text.ends_with("以上") || text.ends_with("以下")
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '≧' | '⩾' => '≥',
            '≦' | '⩽' => '≤',
            '＞' => '>',
            '＜' => '<',
            '％' => '%',
            c => c,
        })
        .collect()
}

/// A leading number and the rest ("5吨" → (5, "吨")), for an actual whose unit the target
/// grammar does not know.
fn leading_number(text: &str) -> Option<(Decimal, String)> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(text.len(), |(i, _)| i);
    let number: String = text[..end].chars().filter(|c| *c != ',').collect();
    let value = number.parse::<Decimal>().ok()?;
    Some((value, text[end..].trim().to_string()))
}

/// Read a 实际完成值 cell, leniently: a number with a unit (through [`Target::parse`], so the
/// same units and full-width forms are known), a bound (flagged), the target's own text, a word
/// that says met or not met, a date, or blank. `target` is the row's target when known.
pub fn read_actual(text: &str, target: Option<&Target>) -> ActualReading {
    let t = text.trim().trim_end_matches(['。', '.', '；', ';']).trim();
    if is_dash(t) {
        return ActualReading::Missing;
    }
    if t.chars().count() > CELL_CHARS_MAX {
        return ActualReading::Unreadable {
            problem: format!("超过{CELL_CHARS_MAX}个字符"),
        };
    }
    let squashed = squash(t);
    if NOT_APPLICABLE_WORDS.contains(&squashed.as_str()) {
        return ActualReading::NotApplicable;
    }
    if let Some(target) = target
        && squash(target.text()) == squashed
    {
        return ActualReading::SameAsTarget;
    }
    if !has_digit(&squashed) && NOT_ACHIEVED_WORDS.iter().any(|w| squashed.contains(w)) {
        return ActualReading::NotAchieved;
    }
    match Target::parse(t) {
        Ok(parsed) => match parsed.value() {
            TargetValue::Quantitative {
                comparator,
                value,
                unit,
            } => {
                if *comparator != Comparator::Eq || opens_with_comparator(&squashed) {
                    ActualReading::Bound {
                        comparator: *comparator,
                        value: *value,
                        unit: unit.as_str().to_string(),
                    }
                } else {
                    ActualReading::Number {
                        value: *value,
                        unit: unit.as_str().to_string(),
                    }
                }
            }
            TargetValue::Qualitative { .. } => ActualReading::Achieved,
            TargetValue::Time(time) => ActualReading::Time { time: time.clone() },
        },
        Err(e) => {
            if !has_digit(&squashed) && ACHIEVED_WORDS.iter().any(|w| squashed.contains(w)) {
                return ActualReading::Achieved;
            }
            if !opens_with_comparator(&squashed)
                && let Some((value, unit)) = leading_number(&squashed)
            {
                return ActualReading::Number { value, unit };
            }
            ActualReading::Unreadable {
                problem: e.to_string(),
            }
        }
    }
}

/// The target written inside an indicator name ("活动场次（≥3次）", "满意度(≥90%)"): the name
/// without it and the target text, when the last bracket holds a readable target.
pub fn split_target_from_name(name: &str) -> Option<(String, String)> {
    let name = name.trim();
    let (open, close) = if name.ends_with('）') {
        ('（', '）')
    } else if name.ends_with(')') {
        ('(', ')')
    } else {
        return None;
    };
    let start = name.rfind(open)?;
    let inner = &name[start + open.len_utf8()..name.len() - close.len_utf8()];
    Target::parse(inner).ok()?;
    Some((name[..start].trim().to_string(), inner.trim().to_string()))
}

/// A way a published score departs from the rule, named when it reproduces the printed score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// The rule's score rounded half-up to an integer.
    IntegerRounding,
    /// The rule's score rounded down to an integer.
    IntegerFloor,
    /// The rule's score rounded half-up to 1 decimal.
    OneDecimalRounding,
    /// The rule's score cut to 1 decimal.
    OneDecimalTruncation,
    /// The rule's score rounded half-up to 2 decimals (a table printed at 0.01 under a
    /// profile that rounds coarser).
    CentsRounding,
    /// The 80/60 band rule on the completion ratio (≥100% → W, ≥80% → 0.8W, ≥60% → 0.6W,
    /// else 0) where the rule is proportional.
    BandRule,
    /// 分值 × the actual percentage, ignoring the target.
    WeightTimesActualPercent,
    /// The execution score from the rate rounded to 0.01% first (rounded twice).
    RateRoundedFirst,
    /// A met row marked down: no rule explains it.
    DiscretionaryDeduction,
    /// The score exceeds its weight.
    AboveWeight,
    /// No known variant reproduces the printed score.
    Unexplained,
}

impl Variant {
    /// The reason in Chinese, as the clerk reads it.
    pub fn message_zh(self) -> &'static str {
        match self {
            Variant::IntegerRounding => "得分按四舍五入取整",
            Variant::IntegerFloor => "得分向下取整",
            Variant::OneDecimalRounding => "得分四舍五入保留一位小数",
            Variant::OneDecimalTruncation => "得分截尾保留一位小数",
            Variant::CentsRounding => "得分四舍五入保留两位小数（与评分方案的取舍不同）",
            Variant::BandRule => "按完成比例分档计分（80%/60%），而规则为按比例计分",
            Variant::WeightTimesActualPercent => "按分值×实际完成百分比计分，未与年度指标值比较",
            Variant::RateRoundedFirst => "执行率先四舍五入再计分（两次舍入）",
            Variant::DiscretionaryDeduction => "指标已完成却被扣分，无规则依据",
            Variant::AboveWeight => "得分超过分值",
            Variant::Unexplained => "得分与规则不符，原因不明",
        }
    }
}

/// How a row compares with the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// The printed score equals the rule's.
    Agrees,
    /// It differs (see the variants).
    Differs,
    /// The rule cannot score it (an assessor's grade, an unreadable cell): not compared.
    Unchecked,
}

/// The verdict on one indicator row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowVerdict {
    /// 一级指标 as printed.
    pub level1: String,
    /// 二级指标.
    pub level2: String,
    /// 三级指标 (without a target read from it).
    pub name: String,
    /// 年度指标值 as printed, or as read from the name.
    pub target_text: String,
    /// 实际完成值 as printed.
    pub actual_text: String,
    /// How the actual was read.
    pub actual: ActualReading,
    /// 分值 as printed.
    pub weight: Option<Decimal>,
    /// 得分 as printed.
    pub published_score: Option<Decimal>,
    /// The rule's score before rounding.
    pub rule_score_unrounded: Option<Decimal>,
    /// The rule's score, rounded as the profile says.
    pub rule_score: Option<Decimal>,
    /// Whether the rule counts the target as met.
    pub met: Option<bool>,
    /// The comparison.
    pub status: RowStatus,
    /// What explains a difference (empty when the row agrees or is unchecked).
    pub variants: Vec<Variant>,
    /// Notes in Chinese (how a cell was read, why a row is unchecked).
    pub notes: Vec<String>,
    /// Where the row was read.
    pub location: Option<String>,
}

/// The verdict on the 预算执行率 row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionVerdict {
    /// The label of the row scored ("年度资金总额").
    pub label: String,
    /// 全年预算数 used.
    pub adjusted: Option<Decimal>,
    /// 全年执行数 used.
    pub executed: Option<Decimal>,
    /// 分值 used (the table's; the profile's when the table prints none).
    pub weight: Decimal,
    /// 执行率 as printed.
    pub published_rate_percent: Option<Decimal>,
    /// 执行率 before rounding, in %.
    pub rate_percent_unrounded: Option<Decimal>,
    /// 执行率 rounded to 0.01%.
    pub rate_percent: Option<Decimal>,
    /// 得分 as printed.
    pub published_score: Option<Decimal>,
    /// min(rate, 1) × W before rounding.
    pub rule_score_unrounded: Option<Decimal>,
    /// The same, rounded once as the profile says.
    pub rule_score: Option<Decimal>,
    /// The comparison of the scores.
    pub status: RowStatus,
    /// What explains a difference.
    pub variants: Vec<Variant>,
    /// The printed rate differs from the amounts' rate at 0.01%.
    pub rate_differs: bool,
    /// Notes in Chinese.
    pub notes: Vec<String>,
}

/// The sum of one 一级's 分值 beside the profile's weight for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelWeight {
    /// 一级 as printed ("预算执行率" for the execution row).
    pub level1: String,
    /// Σ分值 of its rows.
    pub weight: Decimal,
    /// The profile's weight, when the 一级 is known to it.
    pub profile_weight: Option<Decimal>,
}

/// A finding about the table as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Finding {
    /// Σ分值 (execution and indicators) is not 100.
    WeightsNotHundred {
        /// The sum.
        sum: Decimal,
    },
    /// Some 一级's Σ分值 differs from the profile's (a notice: the table's weights are used).
    LevelWeightsDiffer,
    /// Σ得分 of the printed rows is not the printed total.
    ScoresDoNotAddUp {
        /// Σ得分.
        sum: Decimal,
        /// The printed total.
        total: Decimal,
    },
    /// No total is printed.
    TotalMissing,
    /// The execution row is empty while the amounts are not.
    ExecutionRowEmpty,
    /// The execution row holds zero while the amounts do not.
    ExecutionRowZero,
    /// The printed grade is not the grade of the printed total.
    GradeDoesNotFollow {
        /// As printed.
        printed: String,
        /// The grade of the printed total.
        expected: Grade,
    },
    /// The rule's total differs from the printed total.
    TotalDiffers {
        /// The printed total.
        published: Decimal,
        /// The rule's total.
        rule: Decimal,
    },
    /// The table has no indicator row.
    NoIndicators,
}

impl Finding {
    /// A notice informs and leaves the table clean.
    pub fn is_notice(&self) -> bool {
        matches!(self, Finding::LevelWeightsDiffer | Finding::TotalMissing)
    }

    /// The finding in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Finding::WeightsNotHundred { sum } => format!("各项分值合计为{sum}，不等于100"),
            Finding::LevelWeightsDiffer => "一级指标分值与评分方案不同（按表内分值复核）".into(),
            Finding::ScoresDoNotAddUp { sum, total } => {
                format!("各项得分合计为{sum}，与总分{total}不符")
            }
            Finding::TotalMissing => "表中未填总分".into(),
            Finding::ExecutionRowEmpty => "预算执行率一行为空，但资金数额不为空".into(),
            Finding::ExecutionRowZero => "预算执行率一行为零，但资金数额不为零".into(),
            Finding::GradeDoesNotFollow { printed, expected } => {
                format!(
                    "评价等级“{printed}”与总分不符，应为“{}”",
                    expected.name_zh()
                )
            }
            Finding::TotalDiffers { published, rule } => {
                format!("总分{published}与按规则复核的{rule}不符")
            }
            Finding::NoIndicators => "表中没有绩效指标行".into(),
        }
    }
}

/// The verdict on a whole table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableVerdict {
    /// 项目名称.
    pub name: String,
    /// Profile id.
    pub profile_id: String,
    /// The rounding of rule scores.
    pub rounding: ScoreRounding,
    /// The 预算执行率 row.
    pub execution: ExecutionVerdict,
    /// The indicator rows.
    pub rows: Vec<RowVerdict>,
    /// Σ分值 (execution and indicators).
    pub weight_sum: Decimal,
    /// Σ分值 per 一级, beside the profile's.
    pub level_weights: Vec<LevelWeight>,
    /// Σ得分 as printed (execution and indicators).
    pub published_score_sum: Decimal,
    /// The printed total.
    pub published_total: Option<Decimal>,
    /// The printed grade.
    pub published_grade: Option<String>,
    /// The rule's total: Σ of the rule's rounded scores (an unchecked row counts as printed,
    /// capped to its weight).
    pub rule_total: Decimal,
    /// The grade of the rule's total.
    pub rule_grade: Grade,
    /// Table-level findings.
    pub findings: Vec<Finding>,
    /// Rows that differ (the execution row included).
    pub rows_differing: usize,
    /// Rows the rule cannot score.
    pub rows_unchecked: usize,
    /// No row differs and no finding other than a notice.
    pub clean: bool,
}

/// Why a table cannot be re-checked at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecheckError {
    /// More rows than [`ROWS_PER_TABLE_MAX`] or funds rows than [`FUNDS_ROWS_MAX`].
    #[error("表格行数过多：{count}行，上限{max}行 (too many rows)")]
    TooManyRows {
        /// Rows given.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// Half the last printed unit of an amount or a percentage (the form prints 万元 and % with 2
/// decimals): a value printed as 19.93 lies in [19.925, 19.935].
pub const PRINTED_HALF_UNIT: Decimal = Decimal::from_parts(5, 0, 0, false, 3);

/// Whether two printed scores are the same at 0.01.
fn same(a: Decimal, b: Decimal) -> bool {
    round2(a) == round2(b)
}

/// The variants that reproduce `published` from the rule's unrounded score `raw`.
fn rounding_variants(raw: Decimal, published: Decimal, rounding: ScoreRounding) -> Vec<Variant> {
    let mut out = Vec::new();
    let candidates = [
        (
            Variant::IntegerRounding,
            ScoreRounding::Integer.apply(raw),
            ScoreRounding::Integer,
        ),
        (Variant::IntegerFloor, raw.floor(), ScoreRounding::Integer),
        (
            Variant::OneDecimalRounding,
            ScoreRounding::Tenths.apply(raw),
            ScoreRounding::Tenths,
        ),
        (
            Variant::OneDecimalTruncation,
            raw.round_dp_with_strategy(1, RoundingStrategy::ToZero),
            ScoreRounding::Tenths,
        ),
        (Variant::CentsRounding, round2(raw), ScoreRounding::Cents),
    ];
    for (variant, value, as_rounding) in candidates {
        let is_the_rule = as_rounding == rounding && variant != Variant::IntegerFloor;
        if !is_the_rule && same(value, published) {
            out.push(variant);
        }
    }
    out
}

/// The 80/60 band rule's score for a completion ratio (1 = 100%).
fn band_score(weight: Decimal, ratio: Decimal, profile: &ScoringProfile) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let percent = ratio * hundred;
    if percent >= hundred {
        weight
    } else if percent >= profile.qualitative_achieved_percent {
        weight * profile.qualitative_achieved_percent / hundred
    } else if percent >= profile.qualitative_partial_percent {
        weight * profile.qualitative_partial_percent / hundred
    } else {
        Decimal::ZERO
    }
}

/// A rule score and what the comparison needs to name variants.
struct Scored {
    raw: Option<Decimal>,
    met: Option<bool>,
    /// Completion ratio (A/T for 正向, T/A for 反向), when quantitative.
    ratio: Option<Decimal>,
    /// The actual percentage, when the actual is one.
    actual_percent: Option<Decimal>,
    /// The raw scores of a printed percentage's lowest and highest true values.
    range: Option<(Decimal, Decimal)>,
    notes: Vec<String>,
}

fn bound_implies(target_cmp: Comparator, t: Decimal, cmp: Comparator, v: Decimal) -> bool {
    match target_cmp {
        Comparator::Ge | Comparator::Eq => {
            matches!(cmp, Comparator::Ge | Comparator::Gt | Comparator::Eq) && v >= t
        }
        Comparator::Gt => {
            (cmp == Comparator::Gt && v >= t)
                || (matches!(cmp, Comparator::Ge | Comparator::Eq) && v > t)
        }
        Comparator::Le => matches!(cmp, Comparator::Le | Comparator::Lt | Comparator::Eq) && v <= t,
        Comparator::Lt => {
            (cmp == Comparator::Lt && v <= t)
                || (matches!(cmp, Comparator::Le | Comparator::Eq) && v < t)
        }
    }
}

/// Whether an actual period meets a time target (`None` when the two cannot be compared).
fn time_met(actual: &TimeTarget, target: &TimeTarget) -> Option<bool> {
    use chrono::Datelike;
    match (actual, target) {
        (TimeTarget::WithinYear { year: a }, TimeTarget::WithinYear { year: t }) => Some(a <= t),
        (TimeTarget::ByDate { date }, TimeTarget::WithinYear { year }) => {
            Some(date.year() <= *year)
        }
        (TimeTarget::ByDate { date: a }, TimeTarget::ByDate { date: t }) => Some(a <= t),
        (TimeTarget::ByDate { date }, TimeTarget::ByMonthEnd { month }) => {
            Some(date.month() <= *month)
        }
        (TimeTarget::ByMonthEnd { month: a }, TimeTarget::ByMonthEnd { month: t }) => Some(a <= t),
        (TimeTarget::ByMonthEnd { .. }, TimeTarget::WithinYear { .. }) => Some(true),
        _ => None,
    }
}

fn score_row_with(
    target: Option<&Target>,
    actual: &ActualReading,
    weight: Decimal,
    profile: &ScoringProfile,
) -> Scored {
    let mut s = Scored {
        raw: None,
        met: None,
        ratio: None,
        actual_percent: None,
        range: None,
        notes: Vec::new(),
    };
    let Some(target) = target else {
        s.notes
            .push("年度指标值为空或无法识别，无法按规则计分".into());
        return s;
    };
    let full = |s: &mut Scored, note: &str| {
        s.raw = Some(weight);
        s.met = Some(true);
        if !note.is_empty() {
            s.notes.push(note.to_string());
        }
    };
    match (target.value(), actual) {
        (_, ActualReading::Missing) => {
            s.raw = Some(Decimal::ZERO);
            s.met = Some(false);
            s.notes.push("实际完成值为空，按规则得0分".into());
        }
        (_, ActualReading::NotApplicable) => match profile.not_applicable {
            NotApplicablePolicy::FullScore => full(&mut s, "不适用，按评分方案计满分"),
            NotApplicablePolicy::Exclude => {
                s.notes
                    .push("不适用，评分方案不计分（应不列入本表），未复核".into());
            }
        },
        (_, ActualReading::Unreadable { problem }) => {
            s.notes.push(format!("实际完成值无法识别：{problem}"));
        }
        (_, ActualReading::SameAsTarget) => full(&mut s, "实际完成值与年度指标值相同，按达成计"),
        (TargetValue::Quantitative { .. }, ActualReading::Achieved) => {
            full(&mut s, "实际完成值为文字表述，按达成计");
        }
        (
            TargetValue::Quantitative {
                comparator,
                value,
                unit,
            },
            ActualReading::Number { value: a, unit: au },
        ) => {
            let (raw, met) =
                rules::quantitative_raw(weight, *comparator, *value, *a, profile.reverse_variant);
            s.raw = Some(raw);
            s.met = Some(met);
            s.ratio = match comparator {
                Comparator::Le | Comparator::Lt if !a.is_zero() => value.checked_div(*a),
                Comparator::Le | Comparator::Lt => None,
                _ if value.is_zero() => None,
                _ => a.checked_div(*value),
            };
            if au == "%" {
                s.actual_percent = Some(*a);
                let at = |a: Decimal| {
                    rules::quantitative_raw(weight, *comparator, *value, a, profile.reverse_variant)
                        .0
                };
                let (x, y) = (at(*a - PRINTED_HALF_UNIT), at(*a + PRINTED_HALF_UNIT));
                s.range = Some((x.min(y), x.max(y)));
            }
            if !au.is_empty() && !unit.as_str().is_empty() && au != unit.as_str() {
                s.notes.push(format!(
                    "实际完成值单位“{au}”与年度指标值单位“{}”不同，按数值比较",
                    unit.as_str()
                ));
            }
        }
        (
            TargetValue::Quantitative {
                comparator, value, ..
            },
            ActualReading::Bound {
                comparator: c,
                value: v,
                ..
            },
        ) => {
            if bound_implies(*comparator, *value, *c, *v) {
                full(
                    &mut s,
                    "实际完成值写作区间，区间内任一数值均达成目标，按达成计",
                );
            } else {
                s.notes.push("实际完成值写作区间而非数值，无法计分".into());
            }
        }
        (TargetValue::Quantitative { .. }, _) => {
            s.notes.push("实际完成值不是数值，需人工评定".into());
        }
        (TargetValue::Qualitative { .. } | TargetValue::Time(_), ActualReading::Achieved) => {
            full(&mut s, "");
        }
        (TargetValue::Time(_), ActualReading::NotAchieved) => {
            s.raw = Some(Decimal::ZERO);
            s.met = Some(false);
            s.notes.push("时效指标未按期完成，得0分".into());
        }
        (TargetValue::Time(t), ActualReading::Time { time }) => match time_met(time, t) {
            Some(true) => full(&mut s, ""),
            Some(false) => {
                s.raw = Some(Decimal::ZERO);
                s.met = Some(false);
                s.notes.push("时效指标未按期完成，得0分".into());
            }
            None => s
                .notes
                .push("实际完成时间无法与年度指标值比较，需人工评定".into()),
        },
        (TargetValue::Qualitative { .. }, ActualReading::NotAchieved) => {
            s.notes
                .push("定性指标未达成，得分由评价人在档内评定".into());
        }
        _ => s
            .notes
            .push("实际完成值与年度指标值类型不同，需人工评定".into()),
    }
    s
}

/// The variants explaining a differing row.
fn row_variants(
    scored: &Scored,
    weight: Decimal,
    published: Decimal,
    profile: &ScoringProfile,
) -> Vec<Variant> {
    let mut out = Vec::new();
    if published > weight {
        out.push(Variant::AboveWeight);
    }
    let Some(raw) = scored.raw else {
        return out;
    };
    let rounding = profile.score_rounding;
    out.extend(rounding_variants(raw, published, rounding));
    if let Some(ratio) = scored.ratio
        && scored.met == Some(false)
    {
        let band = band_score(weight, ratio, profile);
        if same(rounding.apply(band), published) || same(band, published) {
            out.push(Variant::BandRule);
        }
    }
    if let Some(percent) = scored.actual_percent {
        let times = weight * percent / Decimal::ONE_HUNDRED;
        if same(rounding.apply(times), published) || same(times, published) {
            out.push(Variant::WeightTimesActualPercent);
        }
    }
    let explained = out.iter().any(|v| *v != Variant::AboveWeight);
    if !explained && scored.met == Some(true) && published < weight {
        out.push(Variant::DiscretionaryDeduction);
    } else if !explained && out.is_empty() {
        out.push(Variant::Unexplained);
    }
    out
}

fn is_part_label(label: &str) -> bool {
    let l = label.trim();
    l.starts_with("其中")
        || ["当年财政拨款", "上年结转", "其他资金", "财政拨款", "自筹"]
            .iter()
            .any(|w| l.contains(w))
}

fn execution_verdict(
    table: &PublishedTable,
    profile: &ScoringProfile,
    findings: &mut Vec<Finding>,
) -> ExecutionVerdict {
    let rounding = profile.score_rounding;
    let total_index = table
        .funds
        .iter()
        .position(|f| !is_part_label(&f.label))
        .unwrap_or(0);
    let empty = PublishedFunds::default();
    let total = table.funds.get(total_index).unwrap_or(&empty);
    let parts: Vec<&PublishedFunds> = table
        .funds
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != total_index)
        .map(|(_, f)| f)
        .collect();
    let sum_parts = |pick: fn(&PublishedFunds) -> Option<Decimal>| -> Option<Decimal> {
        let values: Vec<Decimal> = parts.iter().filter_map(|f| pick(f)).collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    let mut notes = Vec::new();
    let parts_executed = sum_parts(|f| f.executed);
    let parts_adjusted = sum_parts(|f| f.adjusted);
    let nonzero = |d: Option<Decimal>| d.is_some_and(|d| !d.is_zero());
    // The amounts of the table, from the total row or else its 其中 rows.
    let adjusted = total.adjusted.or(parts_adjusted);
    let executed = match total.executed {
        Some(e) => Some(e),
        None => parts_executed,
    };
    let row_empty = total.executed.is_none() || total.score.is_none();
    if !table.funds.is_empty() && row_empty && (nonzero(parts_executed) || nonzero(total.executed))
    {
        findings.push(Finding::ExecutionRowEmpty);
        if total.executed.is_none() {
            notes.push("年度资金总额的全年执行数为空，按其中各行合计复核".into());
        }
    }
    let weight = match total.weight {
        Some(w) => w,
        None => {
            notes.push(format!(
                "预算执行率未填分值，按评分方案的{}分复核",
                profile.project_weights.execution
            ));
            profile.project_weights.execution
        }
    };
    let rate_unrounded = match (executed, adjusted) {
        (Some(e), Some(a)) if a > Decimal::ZERO => (e * Decimal::ONE_HUNDRED).checked_div(a),
        _ => None,
    };
    let rate = rate_unrounded.map(round2);
    let raw = match (executed, adjusted) {
        (Some(e), Some(a)) => rules::execution_raw(weight, e, a),
        _ => None,
    };
    let rule_score = raw.map(|r| rounding.apply(r));
    let published_score = total.score;
    // A zero that does not follow from the amounts: nothing executed in the total row while
    // its 其中 rows spent, or a score of 0 where the amounts give more.
    let zero_executed = total.executed.is_some_and(|e| e.is_zero()) && nonzero(parts_executed);
    let zero_score =
        total.score.is_some_and(|s| s.is_zero()) && rule_score.is_some_and(|s| !s.is_zero());
    if !row_empty && (zero_executed || zero_score) {
        findings.push(Finding::ExecutionRowZero);
    }
    let mut variants = Vec::new();
    // The printed amounts are rounded (万元 to 0.01): a published score reachable from amounts
    // within half a unit of the printed ones follows from them.
    let reachable = |published: Decimal| match (executed, adjusted) {
        (Some(e), Some(a)) => {
            let h = PRINTED_HALF_UNIT;
            let low = rules::execution_raw(weight, e - h, a + h);
            let high = rules::execution_raw(weight, e + h, (a - h).max(h));
            matches!((low, high), (Some(lo), Some(hi))
                if rounding.apply(lo) <= published && published <= rounding.apply(hi))
        }
        _ => false,
    };
    let status = match (raw, rule_score, published_score) {
        (Some(_), Some(rule), Some(published)) if same(rule, published) => RowStatus::Agrees,
        (Some(_), Some(_), Some(published)) if reachable(published) => {
            notes.push("得分与按所印金额计算的相差一个舍入单位，在金额舍入范围内，视为相符".into());
            RowStatus::Agrees
        }
        (Some(raw), Some(_), Some(published)) => {
            if published > weight {
                variants.push(Variant::AboveWeight);
            }
            if let Some(r) = rate {
                let twice =
                    r.max(Decimal::ZERO).min(Decimal::ONE_HUNDRED) * weight / Decimal::ONE_HUNDRED;
                if same(rounding.apply(twice), published) {
                    variants.push(Variant::RateRoundedFirst);
                }
            }
            variants.extend(rounding_variants(raw, published, rounding));
            if variants.is_empty() {
                variants.push(Variant::Unexplained);
            }
            RowStatus::Differs
        }
        (Some(_), Some(_), None) => {
            notes.push("预算执行率未填得分".into());
            RowStatus::Differs
        }
        _ => {
            notes.push("缺少全年预算数或全年执行数（或全年预算数为零），无法计算执行率".into());
            RowStatus::Unchecked
        }
    };
    let rate_differs = match (executed, adjusted, total.rate_percent) {
        (Some(e), Some(a), Some(p)) if a > PRINTED_HALF_UNIT => {
            let h = PRINTED_HALF_UNIT;
            let hundred = Decimal::ONE_HUNDRED;
            let low = ((e - h) * hundred).checked_div(a + h).map(round2);
            let high = ((e + h) * hundred).checked_div(a - h).map(round2);
            !matches!((low, high), (Some(lo), Some(hi)) if lo <= p && p <= hi)
        }
        _ => false,
    };
    if rate_differs {
        notes.push("所填执行率与金额计算的执行率不符".into());
    }
    ExecutionVerdict {
        label: if total.label.is_empty() {
            "年度资金总额".into()
        } else {
            total.label.clone()
        },
        adjusted,
        executed,
        weight,
        published_rate_percent: total.rate_percent,
        rate_percent_unrounded: rate_unrounded,
        rate_percent: rate,
        published_score,
        rule_score_unrounded: raw,
        rule_score,
        status,
        variants,
        rate_differs,
        notes,
    }
}

/// The grade named in a printed text ("优", "自评等级：良", "优秀").
fn printed_grade(text: &str) -> Option<Grade> {
    let t = text.rsplit(['：', ':']).next().unwrap_or(text).trim();
    [
        ("优", Grade::Excellent),
        ("良", Grade::Good),
        ("中", Grade::Fair),
        ("差", Grade::Poor),
    ]
    .into_iter()
    .find(|(w, _)| t.starts_with(w))
    .map(|(_, g)| g)
}

fn profile_level_weight(level1: Level1, profile: &ScoringProfile) -> Option<Decimal> {
    let w = &profile.project_weights;
    match level1 {
        Level1::Input => None,
        Level1::Cost if w.cost.is_zero() => None,
        Level1::Cost => Some(w.cost),
        Level1::Output => Some(w.output),
        Level1::Benefit => Some(w.benefit),
        Level1::Satisfaction => Some(w.satisfaction),
    }
}

/// Re-check one published table under a profile (its rules, bands, grades and rounding).
pub fn recheck_table(
    table: &PublishedTable,
    profile: &ScoringProfile,
) -> Result<TableVerdict, RecheckError> {
    if table.indicators.len() > ROWS_PER_TABLE_MAX {
        return Err(RecheckError::TooManyRows {
            count: table.indicators.len(),
            max: ROWS_PER_TABLE_MAX,
        });
    }
    if table.funds.len() > FUNDS_ROWS_MAX {
        return Err(RecheckError::TooManyRows {
            count: table.funds.len(),
            max: FUNDS_ROWS_MAX,
        });
    }
    let rounding = profile.score_rounding;
    let mut findings = Vec::new();
    let execution = execution_verdict(table, profile, &mut findings);

    let mut rows = Vec::with_capacity(table.indicators.len());
    for ind in &table.indicators {
        let mut notes = Vec::new();
        let (name, target_text) = if ind.target.trim().is_empty() {
            match split_target_from_name(&ind.name) {
                Some((name, target)) => {
                    notes.push("年度指标值取自三级指标名称".to_string());
                    (name, target)
                }
                None => (ind.name.trim().to_string(), String::new()),
            }
        } else {
            (ind.name.trim().to_string(), ind.target.trim().to_string())
        };
        // Under 成本指标 a bare amount is a cap (the grammar's one reading of it).
        let category = TargetCategory::of_names(&ind.level1, &ind.level2);
        let target = match Target::parse_in(&target_text, category) {
            Ok(t) => Some(t),
            Err(e) => {
                if !target_text.is_empty() {
                    notes.push(format!("年度指标值无法识别：{e}"));
                }
                None
            }
        };
        let actual = read_actual(&ind.actual, target.as_ref());
        let (status, variants, raw, rule, met) = match ind.weight {
            None => {
                notes.push("未填分值，无法计分".into());
                (RowStatus::Unchecked, Vec::new(), None, None, None)
            }
            Some(weight) => {
                let scored = score_row_with(target.as_ref(), &actual, weight, profile);
                notes.extend(scored.notes.iter().cloned());
                let rule = scored.raw.map(|r| rounding.apply(r));
                match (rule, ind.score) {
                    (Some(rule), Some(published)) if same(rule, published) => (
                        RowStatus::Agrees,
                        Vec::new(),
                        scored.raw,
                        Some(rule),
                        scored.met,
                    ),
                    (Some(rule), Some(published))
                        if scored.range.is_some_and(|(lo, hi)| {
                            rounding.apply(lo) <= published && published <= rounding.apply(hi)
                        }) =>
                    {
                        notes.push(
                            "得分在实际完成百分比的舍入范围内（所印百分比保留两位小数），视为相符"
                                .into(),
                        );
                        (
                            RowStatus::Agrees,
                            Vec::new(),
                            scored.raw,
                            Some(rule),
                            scored.met,
                        )
                    }
                    (Some(rule), Some(published)) => (
                        RowStatus::Differs,
                        row_variants(&scored, weight, published, profile),
                        scored.raw,
                        Some(rule),
                        scored.met,
                    ),
                    (Some(rule), None) => {
                        notes.push("未填得分".into());
                        (
                            RowStatus::Differs,
                            Vec::new(),
                            scored.raw,
                            Some(rule),
                            scored.met,
                        )
                    }
                    (None, published) => {
                        let variants = match published {
                            Some(p) if p > weight => vec![Variant::AboveWeight],
                            _ => Vec::new(),
                        };
                        let status = if variants.is_empty() {
                            RowStatus::Unchecked
                        } else {
                            RowStatus::Differs
                        };
                        (status, variants, None, None, scored.met)
                    }
                }
            }
        };
        rows.push(RowVerdict {
            level1: ind.level1.trim().to_string(),
            level2: ind.level2.trim().to_string(),
            name,
            target_text,
            actual_text: ind.actual.trim().to_string(),
            actual,
            weight: ind.weight,
            published_score: ind.score,
            rule_score_unrounded: raw,
            rule_score: rule,
            met,
            status,
            variants,
            notes,
            location: ind.location.clone(),
        });
    }
    if rows.is_empty() {
        findings.push(Finding::NoIndicators);
    }

    // Weights: Σ and per 一级, beside the profile's.
    let exec_weight_printed = table.funds.iter().find_map(|f| f.weight);
    let mut weight_sum = exec_weight_printed.unwrap_or(Decimal::ZERO);
    let mut level_weights = vec![LevelWeight {
        level1: "预算执行率".into(),
        weight: exec_weight_printed.unwrap_or(Decimal::ZERO),
        profile_weight: Some(profile.project_weights.execution),
    }];
    for r in &rows {
        let w = r.weight.unwrap_or(Decimal::ZERO);
        weight_sum += w;
        let known = Level1::parse_zh(&r.level1).ok();
        // 成本 under the 2020 framework shares 产出's weight.
        let key = match known {
            Some(Level1::Cost) if profile.project_weights.cost.is_zero() => {
                Level1::Output.name_zh().to_string()
            }
            Some(l) => l.name_zh().to_string(),
            None => r.level1.clone(),
        };
        match level_weights.iter_mut().find(|l| l.level1 == key) {
            Some(l) => l.weight += w,
            None => level_weights.push(LevelWeight {
                profile_weight: Level1::parse_zh(&key)
                    .ok()
                    .and_then(|l| profile_level_weight(l, profile)),
                level1: key,
                weight: w,
            }),
        }
    }
    if weight_sum != Decimal::ONE_HUNDRED {
        findings.push(Finding::WeightsNotHundred { sum: weight_sum });
    }
    if level_weights
        .iter()
        .any(|l| l.profile_weight != Some(l.weight))
    {
        findings.push(Finding::LevelWeightsDiffer);
    }

    // Totals.
    let published_score_sum = execution.published_score.unwrap_or(Decimal::ZERO)
        + rows
            .iter()
            .filter_map(|r| r.published_score)
            .sum::<Decimal>();
    let rule_total = execution.rule_score.unwrap_or(Decimal::ZERO)
        + rows
            .iter()
            .map(|r| match r.rule_score {
                Some(s) => s,
                None => r
                    .published_score
                    .unwrap_or(Decimal::ZERO)
                    .min(r.weight.unwrap_or(Decimal::ZERO))
                    .max(Decimal::ZERO),
            })
            .sum::<Decimal>();
    let rule_grade = Grade::of(rule_total, profile);
    match table.total_score {
        None => findings.push(Finding::TotalMissing),
        Some(total) => {
            if !same(total, published_score_sum) {
                findings.push(Finding::ScoresDoNotAddUp {
                    sum: published_score_sum,
                    total,
                });
            }
            if !same(total, rule_total) {
                findings.push(Finding::TotalDiffers {
                    published: total,
                    rule: rule_total,
                });
            }
        }
    }
    if let Some(text) = &table.grade {
        let expected = Grade::of(table.total_score.unwrap_or(published_score_sum), profile);
        if let Some(printed) = printed_grade(text)
            && printed != expected
        {
            findings.push(Finding::GradeDoesNotFollow {
                printed: text.trim().to_string(),
                expected,
            });
        }
    }
    let rows_differing = rows
        .iter()
        .filter(|r| r.status == RowStatus::Differs)
        .count()
        + usize::from(execution.status == RowStatus::Differs);
    let rows_unchecked = rows
        .iter()
        .filter(|r| r.status == RowStatus::Unchecked)
        .count()
        + usize::from(execution.status == RowStatus::Unchecked);
    let clean = rows_differing == 0 && findings.iter().all(Finding::is_notice);
    Ok(TableVerdict {
        name: table.name.trim().to_string(),
        profile_id: profile.id.clone(),
        rounding,
        execution,
        rows,
        weight_sum,
        level_weights,
        published_score_sum,
        published_total: table.total_score,
        published_grade: table.grade.clone(),
        rule_total,
        rule_grade,
        findings,
        rows_differing,
        rows_unchecked,
        clean,
    })
}

/// The rule's rounded score of one quantitative or textual row (for tests and for building
/// tables the rules scored): `None` when the rule cannot score it.
pub fn rule_score(
    target: &str,
    actual: &str,
    weight: Decimal,
    profile: &ScoringProfile,
) -> Option<Decimal> {
    let target = Target::parse(target).ok();
    let reading = read_actual(actual, target.as_ref());
    score_row_with(target.as_ref(), &reading, weight, profile)
        .raw
        .map(|r| profile.score_rounding.apply(r))
}
