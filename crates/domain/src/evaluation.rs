//! The year-end self-evaluation (绩效自评) of 财预〔2020〕10号, as pure functions over inputs.
//!
//! The caller (the aggregate) computes the actual values from the event log and passes them
//! in; [`evaluate`] turns them, with a [`ScoringProfile`], into an [`Evaluation`]: per-indicator
//! weight, score, completion, met flag and flags; the 预算执行率 row; the total and its grade;
//! the consistency warning; what still needs an explanation or an assessment.
//!
//! Rules (domain.md §4; every [P]/[C] choice is a profile setting or documented here):
//!
//! - **Weights.** Project: 预算执行率 plus the profile's 一级 weights; 成本 indicators count within
//!   产出 when the profile's 成本 weight is 0 (2020 framework). Unit (部门整体): the unit weights;
//!   预算执行率 is an indicator under 投入管理, and 成本 indicators count within 产出. A 一级 with
//!   no indicator drops out and the remaining weights (预算执行率 included) are rescaled to 100;
//!   then each 一级 weight is split over its indicators: explicit weights are kept, the rest of
//!   the 一级 weight is split equally over the unweighted ones (explicit weights are therefore
//!   exact when the 一级 is not rescaled; when it is, or when explicit weights do not add up to
//!   the 一级 weight, all parts scale in proportion). Every split is rounded to 0.01 with the
//!   largest-remainder method so that the parts add up EXACTLY ([`weights::split_exact`]).
//! - **Scores.** 正向, 反向 (`ratio` or `linear`), 等于, 定性 bands, 时效: see [`rules`]. Every score
//!   is capped to [0, W] and rounded half-up to 0.01; the total is the sum of the rounded scores.
//! - **Not applicable** (a measure with a zero denominator): the profile either gives the full
//!   weight (flagged 不适用) or excludes the indicator, whose 一级 is then split over the others
//!   (and drops out, with rescaling, if it had no other indicator).
//! - **Missing** actual values score 0 and are listed as not yet assessed.
//! - **Deviation.** Every indicator not fully met (not met, or below its weight) without an
//!   explanation is listed; so is 预算执行率 below the profile's threshold without one.
//! - **Consistency** (red warning, [P]): (S/Sw − B/Bw)/(S/Sw) above the profile's percentage,
//!   S, Sw the indicator score and weight totals and B/Bw the execution score over its weight
//!   (for the unit, and when the execution weight is 0: min(执行率, 100%)).

pub mod rules;
pub mod weights;

use crate::indicator::{Indicator, IndicatorId, Level1, QualGrade};
use crate::money::{Yuan, ratio_percent, round2};
use crate::profile::{NotApplicablePolicy, ProfileError, ScoringProfile};
use crate::target::{Direction, TargetValue};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Most indicators in one evaluation (预算14 has about 25; a project rarely more than 30).
pub const INDICATORS_PER_EVALUATION_MAX: usize = 500;

/// The total weight of an evaluation.
pub const TOTAL_WEIGHT: Decimal = Decimal::ONE_HUNDRED;

/// The actual value (实际完成值) of one indicator, as computed or entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actual {
    /// A number in the target's unit (for `%` targets the percentage: 85.5 for 85.5%).
    Value(Decimal),
    /// Graded by a person (定性, a 时效 override, or any indicator an assessor grades).
    Assessed {
        /// The grade.
        grade: QualGrade,
        /// The score; required for 部分达成 and 未达成, optional for 达成 (W when absent).
        score: Option<Decimal>,
        /// 实际完成值 as shown in the form ("良好", "明显提升").
        text: String,
        /// Where the score lies in its grade's band (0 = low end, 1 = high end), as the
        /// assessment recorded it: when given, the score is placed at this point of the band
        /// the profile's weight gives, so every profile scores the same judgement (and `score`,
        /// written under another weight, is not checked against this one).
        position: Option<Decimal>,
    },
    /// A 时效 target: whether everything happened within the period.
    Timeliness {
        /// Met or not.
        met: bool,
    },
    /// The measure does not apply (its denominator is zero).
    NotApplicable,
    /// Not yet known (no data, no assessment).
    Missing,
}

/// One indicator with its actual value and its 偏差原因分析及改进措施, if written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorInput {
    /// The indicator (target and weight).
    pub indicator: Indicator,
    /// Its actual value.
    pub actual: Actual,
    /// The deviation explanation, if any (blank counts as none).
    pub explanation: Option<String>,
}

/// Which self-evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationKind {
    /// 项目支出绩效自评 (预算15 targets).
    Project,
    /// 部门整体支出绩效自评 (预算14 targets).
    Unit,
}

/// The money of the year: 年初预算数, 全年预算数 (adjusted, 年初 + 追加 − 调减 + 上年结转) and
/// 全年执行数.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionInput {
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数.
    pub adjusted_yuan: Yuan,
    /// 全年执行数.
    pub executed_yuan: Yuan,
    /// Explanation of a low execution rate, if written.
    pub explanation: Option<String>,
}

/// A flag on an indicator result, shown beside it in the forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// A/T above the profile threshold: "目标值可能设置偏低" (for review; no deduction).
    OverAchievement,
    /// The measure does not apply; scored its full weight.
    NotApplicable,
    /// The measure does not apply; left out of the scoring (weight 0).
    Excluded,
    /// No actual value yet; scored 0.
    NotYetAssessed,
    /// Scored from a person's grade rather than a computed value.
    Graded,
}

impl Flag {
    /// The flag as shown to people.
    pub fn message_zh(self) -> &'static str {
        match self {
            Flag::OverAchievement => "目标值可能设置偏低",
            Flag::NotApplicable => "不适用（按满分计）",
            Flag::Excluded => "不适用（不计分）",
            Flag::NotYetAssessed => "尚未评价",
            Flag::Graded => "人工评定",
        }
    }
}

/// The 预算执行率 row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionResult {
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数.
    pub adjusted_yuan: Yuan,
    /// 全年执行数.
    pub executed_yuan: Yuan,
    /// 执行率 in %, rounded to 0.01; `None` when the adjusted budget is not positive.
    pub rate_percent: Option<Decimal>,
    /// 分值 after rescaling (0 for the unit-wide evaluation, where 预算执行率 is an indicator).
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// The adjusted budget is zero: scored per the profile's not-applicable policy.
    pub not_applicable: bool,
    /// Below the profile's threshold and not explained.
    pub needs_explanation: bool,
}

/// One 一级 of the evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelResult {
    /// The 一级.
    pub level1: Level1,
    /// Its weight in the profile.
    pub profile_weight: Decimal,
    /// Its weight after dropping empty 一级 and rescaling to 100 (0 when dropped).
    pub weight: Decimal,
    /// Sum of its indicators' scores.
    pub score: Decimal,
    /// Indicators scored under it (excluded ones not counted).
    pub indicator_count: usize,
}

/// One indicator's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorResult {
    /// Which indicator.
    pub id: IndicatorId,
    /// 一级 as published.
    pub level1: Level1,
    /// 一级 whose weight it shares (产出 for a 成本 indicator under the 2020 framework).
    pub scored_under: Level1,
    /// 二级.
    pub level2: String,
    /// 三级 name.
    pub name: String,
    /// 年度指标值 as written.
    pub target_text: String,
    /// 实际完成值 as shown ("12人", "85.5%", "良好", "按期完成", "不适用", "").
    pub actual_text: String,
    /// Scoring direction.
    pub direction: Direction,
    /// The grade, when graded by a person.
    pub grade: Option<QualGrade>,
    /// 分值.
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// A / T in %, rounded to 0.01 (quantitative targets with T ≠ 0 only).
    pub completion_percent: Option<Decimal>,
    /// The target is met.
    pub met: bool,
    /// Flags for review.
    pub flags: Vec<Flag>,
    /// 偏差原因分析及改进措施, if written.
    pub explanation: Option<String>,
    /// Not fully met and not explained.
    pub needs_explanation: bool,
}

/// What still needs 偏差原因分析及改进措施.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "indicator_id")]
pub enum DeviationItem {
    /// 预算执行率 below the threshold.
    ExecutionRate,
    /// An indicator not fully met.
    Indicator(IndicatorId),
}

/// The consistency check between targets met and money spent ([P]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsistencyCheck {
    /// S / Sw in %, rounded.
    pub indicator_percent: Decimal,
    /// B / Bw in %, rounded.
    pub execution_percent: Decimal,
    /// (S/Sw − B/Bw) / (S/Sw) in %, rounded.
    pub gap_percent: Decimal,
    /// Red warning: the gap exceeds the profile's percentage.
    pub warning: bool,
}

impl ConsistencyCheck {
    /// The warning text.
    pub const WARNING_ZH: &'static str =
        "绩效目标完成情况与预算执行不一致：指标显示已完成，但资金未相应支出";
}

/// The grade of the total (优/良/中/差).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优.
    Excellent,
    /// 良.
    Good,
    /// 中.
    Fair,
    /// 差.
    Poor,
}

impl Grade {
    /// The grade of a total under the profile's cut-offs.
    pub fn of(total: Decimal, profile: &ScoringProfile) -> Grade {
        let g = &profile.grades;
        if total >= g.excellent {
            Grade::Excellent
        } else if total >= g.good {
            Grade::Good
        } else if total >= g.fair {
            Grade::Fair
        } else {
            Grade::Poor
        }
    }

    /// 优, 良, 中, 差.
    pub fn name_zh(self) -> &'static str {
        match self {
            Grade::Excellent => "优",
            Grade::Good => "良",
            Grade::Fair => "中",
            Grade::Poor => "差",
        }
    }
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name_zh())
    }
}

/// A computed self-evaluation. `Serialize` (with its parts) only for the JSON export of
/// `jixiao-app`, a file format; the API serves its own DTOs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Project or unit.
    pub kind: EvaluationKind,
    /// Profile id used.
    pub profile_id: String,
    /// Profile version used.
    pub profile_version: u32,
    /// The 预算执行率 row.
    pub execution: ExecutionResult,
    /// The 一级 rows, in form order.
    pub levels: Vec<LevelResult>,
    /// The indicator rows, in input order.
    pub indicators: Vec<IndicatorResult>,
    /// 自评得分: the sum of the rounded scores.
    pub total: Decimal,
    /// Its grade.
    pub grade: Grade,
    /// The consistency check; `None` when undefined (no execution rate, or S = 0).
    pub consistency: Option<ConsistencyCheck>,
    /// What still needs 偏差原因分析及改进措施 before submission.
    pub needs_explanation: Vec<DeviationItem>,
    /// Indicators with no actual value yet.
    pub not_yet_assessed: Vec<IndicatorId>,
    /// Indicators flagged "目标值可能设置偏低".
    pub over_achieved: Vec<IndicatorId>,
}

impl Evaluation {
    /// The evaluation as a submission records it: every row's weight, score, actual and flags.
    pub fn as_submitted(
        &self,
        scope: crate::indicator::Scope,
    ) -> crate::event::SubmittedEvaluation {
        use crate::event::{SubmittedEvaluation, SubmittedRow};
        let execution = SubmittedRow {
            indicator_id: None,
            name: EXECUTION_ROW_ZH.to_string(),
            target_text: "100%".to_string(),
            actual_text: self.execution.rate_percent.map_or_else(
                || "—".to_string(),
                |r| format!("{}%", crate::money::round2(r).round_dp(2)),
            ),
            weight: self.execution.weight,
            score: self.execution.score,
            flags: Vec::new(),
        };
        let rows = std::iter::once(execution)
            .chain(self.indicators.iter().map(|r| SubmittedRow {
                indicator_id: Some(r.id.clone()),
                name: r.name.clone(),
                target_text: r.target_text.clone(),
                actual_text: r.actual_text.clone(),
                weight: r.weight,
                score: r.score,
                flags: r.flags.iter().map(|f| f.message_zh().to_string()).collect(),
            }))
            .collect();
        SubmittedEvaluation {
            scope,
            total: self.total,
            grade: self.grade.name_zh().to_string(),
            consistency_warning: self.consistency.as_ref().is_some_and(|c| c.warning),
            rows,
        }
    }

    /// Whether the self-evaluation may be submitted: everything assessed and every deviation
    /// explained.
    pub fn ready_to_submit(&self) -> bool {
        self.needs_explanation.is_empty() && self.not_yet_assessed.is_empty()
    }
}

/// The name of the execution row (the funds block: 全年执行数 / 全年预算数) wherever it is listed
/// beside indicators, distinct from the unit-wide 预算执行率 indicator, which keeps its name.
pub const EXECUTION_ROW_ZH: &str = "预算执行率（资金执行）";

/// One row that differs between a submitted self-evaluation and the same evaluation
/// recomputed (复核): the row as submitted and as recomputed (None where it is missing on
/// that side), and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckRow {
    /// Whose evaluation.
    pub scope: crate::indicator::Scope,
    /// The indicator; None for the 预算执行率 row or the total.
    pub indicator_id: Option<IndicatorId>,
    /// The row's name ("自评得分" for the total).
    pub name: String,
    /// As submitted.
    pub submitted: Option<crate::event::SubmittedRow>,
    /// As recomputed.
    pub recomputed: Option<crate::event::SubmittedRow>,
    /// What differs: "weight", "score", "actual", "flags", "target", "row" (only on one side).
    pub changed: Vec<&'static str>,
}

/// The label of a total row in a recheck.
pub const TOTAL_ROW_ZH: &str = "自评得分";

/// Every row that differs between two sets of submitted evaluations (复核): rows matched by
/// scope and indicator (the 预算执行率 row by scope), plus each scope's total as a row of its
/// own when it differs. Empty when they agree.
pub fn recheck(
    submitted: &[crate::event::SubmittedEvaluation],
    recomputed: &[crate::event::SubmittedEvaluation],
) -> Vec<RecheckRow> {
    use crate::event::SubmittedRow;
    let mut out = Vec::new();
    let mut scopes: Vec<&crate::indicator::Scope> = submitted.iter().map(|e| &e.scope).collect();
    for e in recomputed {
        if !scopes.contains(&&e.scope) {
            scopes.push(&e.scope);
        }
    }
    let total_row = |e: &crate::event::SubmittedEvaluation| SubmittedRow {
        indicator_id: None,
        name: TOTAL_ROW_ZH.to_string(),
        target_text: String::new(),
        actual_text: e.grade.clone(),
        weight: TOTAL_WEIGHT,
        score: e.total,
        flags: Vec::new(),
    };
    for scope in scopes {
        let before = submitted.iter().find(|e| &e.scope == scope);
        let after = recomputed.iter().find(|e| &e.scope == scope);
        let rows = |e: Option<&crate::event::SubmittedEvaluation>| -> Vec<SubmittedRow> {
            e.map(|e| e.rows.clone()).unwrap_or_default()
        };
        let (b_rows, a_rows) = (rows(before), rows(after));
        let mut ids: Vec<Option<IndicatorId>> =
            b_rows.iter().map(|r| r.indicator_id.clone()).collect();
        for r in &a_rows {
            if !ids.contains(&r.indicator_id) {
                ids.push(r.indicator_id.clone());
            }
        }
        for id in ids {
            let b = b_rows.iter().find(|r| r.indicator_id == id).cloned();
            let a = a_rows.iter().find(|r| r.indicator_id == id).cloned();
            if let Some(row) = compare_rows(scope, id, b, a) {
                out.push(row);
            }
        }
        if let Some(row) = compare_rows(scope, None, before.map(total_row), after.map(total_row)) {
            out.push(RecheckRow {
                name: TOTAL_ROW_ZH.to_string(),
                ..row
            });
        }
    }
    out
}

fn compare_rows(
    scope: &crate::indicator::Scope,
    indicator_id: Option<IndicatorId>,
    submitted: Option<crate::event::SubmittedRow>,
    recomputed: Option<crate::event::SubmittedRow>,
) -> Option<RecheckRow> {
    let changed: Vec<&'static str> = match (&submitted, &recomputed) {
        (Some(b), Some(a)) => [
            ("weight", b.weight != a.weight),
            ("score", b.score != a.score),
            ("actual", b.actual_text != a.actual_text),
            ("flags", b.flags != a.flags),
            ("target", b.target_text != a.target_text),
        ]
        .into_iter()
        .filter_map(|(what, differs)| differs.then_some(what))
        .collect(),
        (None, None) => Vec::new(),
        _ => vec!["row"],
    };
    if changed.is_empty() {
        return None;
    }
    let name = submitted
        .as_ref()
        .or(recomputed.as_ref())
        .map(|r| r.name.clone())
        .unwrap_or_default();
    Some(RecheckRow {
        scope: scope.clone(),
        indicator_id,
        name,
        submitted,
        recomputed,
        changed,
    })
}

/// Why an evaluation cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    /// The profile is invalid.
    #[error("评分方案无效：{0}")]
    Profile(#[from] ProfileError),
    /// Too many indicators.
    #[error("指标数量 {count} 超过上限 {max} (too many indicators)")]
    TooManyIndicators {
        /// Given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Two indicators share an id.
    #[error("指标编号“{0}”重复 (duplicate indicator id)")]
    DuplicateIndicator(String),
    /// 投入管理指标 in a project evaluation.
    #[error(
        "项目支出绩效自评不含投入管理指标：“{name}”({id}) (input indicators are unit-wide only)"
    )]
    InputInProject {
        /// Indicator id.
        id: String,
        /// Indicator name.
        name: String,
    },
    /// The actual value does not fit the target.
    #[error(
        "指标“{name}”({id})的实际完成值与指标值类型不符：{problem} (actual does not fit target)"
    )]
    ActualMismatch {
        /// Indicator id.
        id: String,
        /// Indicator name.
        name: String,
        /// What does not fit.
        problem: String,
    },
    /// 部分达成 / 未达成 without a score.
    #[error("指标“{name}”({id})评为{grade}时须给出得分，得分区间为 {band} (score required)")]
    ScoreRequired {
        /// Indicator id.
        id: String,
        /// Indicator name.
        name: String,
        /// The grade's Chinese name.
        grade: &'static str,
        /// The band, e.g. "[6.00, 8.00)".
        band: String,
    },
    /// A graded score outside its band.
    #[error("指标“{name}”({id})评为{grade}，得分 {score} 不在区间 {band} 内 (score outside band)")]
    ScoreOutsideBand {
        /// Indicator id.
        id: String,
        /// Indicator name.
        name: String,
        /// The grade's Chinese name.
        grade: &'static str,
        /// The score given.
        score: Decimal,
        /// The band, e.g. "[6.00, 8.00)".
        band: String,
    },
    /// An explicit weight outside [0, 100].
    #[error("指标“{name}”({id})的分值 {weight} 无效，应在 0 至 100 之间 (invalid weight)")]
    InvalidWeight {
        /// Indicator id.
        id: String,
        /// Indicator name.
        name: String,
        /// The weight given.
        weight: Decimal,
    },
    /// Explicit weights leave nothing for the unweighted indicators of a 一级.
    #[error(
        "{level1}中已指定的分值合计 {explicit} 不小于该一级权重 {weight}，其余未指定分值的指标无分可分 (explicit weights exhaust the level)"
    )]
    ExplicitWeightsExhaustLevel {
        /// The 一级's Chinese name.
        level1: &'static str,
        /// Sum of explicit weights.
        explicit: Decimal,
        /// The 一级's profile weight.
        weight: Decimal,
    },
    /// No indicator carries any weight.
    #[error("没有可计分的绩效指标 (nothing to score)")]
    NothingToScore,
}

/// Compute a self-evaluation. See the module documentation for the rules.
pub fn evaluate(
    kind: EvaluationKind,
    execution: &ExecutionInput,
    indicators: &[IndicatorInput],
    profile: &ScoringProfile,
) -> Result<Evaluation, EvaluationError> {
    profile.validate()?;
    if indicators.len() > INDICATORS_PER_EVALUATION_MAX {
        return Err(EvaluationError::TooManyIndicators {
            count: indicators.len(),
            max: INDICATORS_PER_EVALUATION_MAX,
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for input in indicators {
        let ind = &input.indicator;
        if !seen.insert(&ind.id) {
            return Err(EvaluationError::DuplicateIndicator(ind.id.0.clone()));
        }
        if let Some(w) = ind.weight
            && (w < Decimal::ZERO || w > TOTAL_WEIGHT)
        {
            return Err(EvaluationError::InvalidWeight {
                id: ind.id.0.clone(),
                name: ind.name.clone(),
                weight: w,
            });
        }
    }

    // 部门整体: the profile may give the 预算执行率 indicator its own weight within 投入管理.
    let patched: Vec<IndicatorInput>;
    let indicators = match (kind, profile.unit_weights.execution_indicator) {
        (EvaluationKind::Unit, Some(w)) => {
            patched = indicators
                .iter()
                .cloned()
                .map(|mut i| {
                    if i.indicator.measure == crate::measure::Measure::ExecutionRate
                        && i.indicator.level1 == Level1::Input
                        && i.indicator.weight.is_none()
                    {
                        i.indicator.weight = Some(w);
                    }
                    i
                })
                .collect();
            &patched[..]
        }
        _ => indicators,
    };

    // The 一级 rows of this kind, with their profile weights, and where each indicator goes.
    let levels = level_weights(kind, profile);
    let scored_under = indicators
        .iter()
        .map(|i| scored_under(kind, profile, &i.indicator))
        .collect::<Result<Vec<_>, _>>()?;
    let excluded: Vec<bool> = indicators
        .iter()
        .map(|i| {
            matches!(i.actual, Actual::NotApplicable)
                && profile.not_applicable == NotApplicablePolicy::Exclude
        })
        .collect();

    // 预算执行率.
    let rate_percent = if execution.adjusted_yuan.is_positive() {
        ratio_percent(
            execution.executed_yuan.yuan(),
            execution.adjusted_yuan.yuan(),
        )
    } else {
        None
    };
    let execution_profile_weight = match kind {
        EvaluationKind::Project => profile.project_weights.execution,
        EvaluationKind::Unit => Decimal::ZERO,
    };
    let execution_present = match kind {
        EvaluationKind::Project => {
            rate_percent.is_some() || profile.not_applicable == NotApplicablePolicy::FullScore
        }
        EvaluationKind::Unit => false,
    };

    // Drop empty 一级 and rescale what is left (预算执行率 included) to 100.
    let members: Vec<Vec<usize>> = levels
        .iter()
        .map(|(level, _)| {
            (0..indicators.len())
                .filter(|i| scored_under[*i] == *level && !excluded[*i])
                .collect()
        })
        .collect();
    let mut shares = Vec::new();
    if execution_present {
        shares.push(execution_profile_weight);
    }
    for ((_, w), m) in levels.iter().zip(&members) {
        if !m.is_empty() {
            shares.push(*w);
        }
    }
    if members.iter().all(Vec::is_empty) {
        return Err(EvaluationError::NothingToScore);
    }
    let mut rescaled =
        weights::split_exact(TOTAL_WEIGHT, &shares).ok_or(EvaluationError::NothingToScore)?;
    rescaled.reverse(); // pop from the front, in the order pushed
    let execution_weight = if execution_present {
        rescaled.pop().unwrap_or(Decimal::ZERO)
    } else {
        Decimal::ZERO
    };

    // Split each 一级 over its indicators.
    let mut indicator_weights = vec![Decimal::ZERO; indicators.len()];
    let mut level_rows = Vec::with_capacity(levels.len());
    for ((level, profile_weight), m) in levels.iter().zip(&members) {
        let level_weight = if m.is_empty() {
            Decimal::ZERO
        } else {
            rescaled.pop().unwrap_or(Decimal::ZERO)
        };
        if !m.is_empty() {
            let parts = split_level(*level, *profile_weight, level_weight, m, indicators)?;
            for (i, w) in m.iter().zip(parts) {
                indicator_weights[*i] = w;
            }
        }
        level_rows.push(LevelResult {
            level1: *level,
            profile_weight: *profile_weight,
            weight: level_weight,
            score: Decimal::ZERO,
            indicator_count: m.len(),
        });
    }

    // Score every indicator.
    let mut results = Vec::with_capacity(indicators.len());
    for (i, input) in indicators.iter().enumerate() {
        let r = score_indicator(
            input,
            indicator_weights[i],
            excluded[i],
            scored_under[i],
            profile,
        )?;
        if let Some(row) = level_rows.iter_mut().find(|l| l.level1 == r.scored_under) {
            row.score += r.score;
        }
        results.push(r);
    }

    // 预算执行率 row.
    // Scored from the amounts and rounded once (not from the rate rounded to 0.01% first).
    let execution_score = match rules::execution_from_amounts(
        execution_weight,
        execution.executed_yuan.yuan(),
        execution.adjusted_yuan.yuan(),
    ) {
        Some(score) if rate_percent.is_some() => score,
        _ => execution_weight, // not applicable, full score (or weight 0 when excluded)
    };
    let explained = |e: &Option<String>| e.as_deref().is_some_and(|t| !t.trim().is_empty());
    let execution_needs_explanation = rate_percent
        .is_some_and(|r| r < profile.execution_explanation_below_percent)
        && !explained(&execution.explanation);
    let execution_row = ExecutionResult {
        initial_yuan: execution.initial_yuan,
        adjusted_yuan: execution.adjusted_yuan,
        executed_yuan: execution.executed_yuan,
        rate_percent,
        weight: execution_weight,
        score: execution_score,
        not_applicable: rate_percent.is_none(),
        needs_explanation: execution_needs_explanation,
    };

    let total = execution_score + results.iter().map(|r| r.score).sum::<Decimal>();
    let consistency = consistency(&results, &execution_row, profile);
    let mut needs_explanation = Vec::new();
    if execution_needs_explanation {
        needs_explanation.push(DeviationItem::ExecutionRate);
    }
    needs_explanation.extend(
        results
            .iter()
            .filter(|r| r.needs_explanation)
            .map(|r| DeviationItem::Indicator(r.id.clone())),
    );
    let with_flag = |flag: Flag| -> Vec<IndicatorId> {
        results
            .iter()
            .filter(|r| r.flags.contains(&flag))
            .map(|r| r.id.clone())
            .collect()
    };
    let not_yet_assessed = with_flag(Flag::NotYetAssessed);
    let over_achieved = with_flag(Flag::OverAchievement);
    debug_assert!(total <= TOTAL_WEIGHT, "total {total} exceeds 100");
    Ok(Evaluation {
        kind,
        profile_id: profile.id.clone(),
        profile_version: profile.version,
        execution: execution_row,
        levels: level_rows,
        indicators: results,
        total,
        grade: Grade::of(total, profile),
        consistency,
        needs_explanation,
        not_yet_assessed,
        over_achieved,
    })
}

/// The 一级 rows of an evaluation kind with their profile weights, in form order. A project's
/// 成本 row exists only when the profile gives 成本 its own weight.
fn level_weights(kind: EvaluationKind, profile: &ScoringProfile) -> Vec<(Level1, Decimal)> {
    match kind {
        EvaluationKind::Project => {
            let w = &profile.project_weights;
            let mut v = Vec::with_capacity(4);
            if !w.cost.is_zero() {
                v.push((Level1::Cost, w.cost));
            }
            v.extend([
                (Level1::Output, w.output),
                (Level1::Benefit, w.benefit),
                (Level1::Satisfaction, w.satisfaction),
            ]);
            v
        }
        EvaluationKind::Unit => {
            let w = &profile.unit_weights;
            vec![
                (Level1::Input, w.input),
                (Level1::Output, w.output),
                (Level1::Benefit, w.benefit),
                (Level1::Satisfaction, w.satisfaction),
            ]
        }
    }
}

/// The 一级 whose weight an indicator shares.
fn scored_under(
    kind: EvaluationKind,
    profile: &ScoringProfile,
    indicator: &Indicator,
) -> Result<Level1, EvaluationError> {
    Ok(match (kind, indicator.level1) {
        (EvaluationKind::Project, Level1::Input) => {
            return Err(EvaluationError::InputInProject {
                id: indicator.id.0.clone(),
                name: indicator.name.clone(),
            });
        }
        (EvaluationKind::Project, Level1::Cost) if profile.project_weights.cost.is_zero() => {
            Level1::Output
        }
        (EvaluationKind::Unit, Level1::Cost) => Level1::Output,
        (_, level) => level,
    })
}

/// Split one 一级's (rescaled) weight over its indicators; see the module documentation.
fn split_level(
    level: Level1,
    profile_weight: Decimal,
    level_weight: Decimal,
    members: &[usize],
    indicators: &[IndicatorInput],
) -> Result<Vec<Decimal>, EvaluationError> {
    let explicit: Decimal = members
        .iter()
        .filter_map(|i| indicators[*i].indicator.weight)
        .sum();
    let unweighted = members
        .iter()
        .filter(|i| indicators[**i].indicator.weight.is_none())
        .count();
    // Shares are scaled by the number of unweighted indicators so that they stay exact
    // decimals: explicit e becomes e × n, each unweighted one gets (P − Σe).
    let n = Decimal::from(unweighted.max(1));
    let rest = profile_weight - explicit;
    if unweighted > 0 && rest <= Decimal::ZERO && !profile_weight.is_zero() {
        return Err(EvaluationError::ExplicitWeightsExhaustLevel {
            level1: level.name_zh(),
            explicit,
            weight: profile_weight,
        });
    }
    let mut shares: Vec<Decimal> = members
        .iter()
        .map(|i| match indicators[*i].indicator.weight {
            Some(e) => e * n,
            None => rest,
        })
        .collect();
    if shares.iter().all(Decimal::is_zero) {
        // Nothing distinguishes the indicators (a 一级 of weight 0, or explicit zeros): split
        // equally, which gives zeros for a zero weight.
        shares = vec![Decimal::ONE; members.len()];
    }
    weights::split_exact(level_weight, &shares).ok_or(EvaluationError::NothingToScore)
}

fn band_text(weight: Decimal, grade: QualGrade, profile: &ScoringProfile) -> String {
    let (low, high, inclusive) = rules::band(weight, grade, profile);
    format!(
        "[{}, {}{}",
        low.normalize(),
        high.normalize(),
        if inclusive { "]" } else { ")" }
    )
}

fn score_indicator(
    input: &IndicatorInput,
    weight: Decimal,
    excluded: bool,
    scored_under: Level1,
    profile: &ScoringProfile,
) -> Result<IndicatorResult, EvaluationError> {
    let ind = &input.indicator;
    let id = || ind.id.0.clone();
    let mismatch = |problem: &str| EvaluationError::ActualMismatch {
        id: id(),
        name: ind.name.clone(),
        problem: problem.to_string(),
    };
    let mut flags = Vec::new();
    let mut completion_percent = None;
    let mut grade = None;
    let (score, met, actual_text) = match &input.actual {
        Actual::Missing => {
            flags.push(Flag::NotYetAssessed);
            (Decimal::ZERO, false, String::new())
        }
        Actual::NotApplicable if excluded => {
            flags.push(Flag::Excluded);
            (Decimal::ZERO, true, "不适用".to_string())
        }
        Actual::NotApplicable => {
            flags.push(Flag::NotApplicable);
            (weight, true, "不适用".to_string())
        }
        Actual::Value(a) => match ind.target.value() {
            TargetValue::Quantitative {
                comparator,
                value,
                unit,
            } => {
                let q =
                    rules::quantitative(weight, *comparator, *value, *a, profile.reverse_variant);
                completion_percent = q.completion_percent;
                if rules::is_over_achieved(*comparator, *value, *a, profile) {
                    flags.push(Flag::OverAchievement);
                }
                (
                    q.score,
                    q.met,
                    format!("{}{}", a.normalize(), unit.as_str()),
                )
            }
            TargetValue::Qualitative { .. } => {
                return Err(mismatch("定性指标须由评价人评定等级，不能填写数值"));
            }
            TargetValue::Time(_) => {
                return Err(mismatch("时效指标须填写是否按期完成，不能填写数值"));
            }
        },
        Actual::Timeliness { met } => match ind.target.value() {
            TargetValue::Time(_) => {
                let score = if *met { weight } else { Decimal::ZERO };
                let text = if *met {
                    crate::measure::TIMELY_MET_ZH
                } else {
                    crate::measure::TIMELY_NOT_MET_ZH
                };
                (score, *met, text.to_string())
            }
            _ => return Err(mismatch("只有时效指标可以填写是否按期完成")),
        },
        Actual::Assessed {
            grade: g,
            score,
            text,
            position,
        } => {
            flags.push(Flag::Graded);
            grade = Some(*g);
            let placed = position.map(|p| rules::placed_in_band(weight, *g, p, profile));
            let s = match placed {
                Some(s) => Ok(s),
                None => rules::graded(weight, *g, *score, profile),
            };
            let s = s.map_err(|p| match p {
                rules::BandProblem::ScoreRequired => EvaluationError::ScoreRequired {
                    id: id(),
                    name: ind.name.clone(),
                    grade: g.name_zh(),
                    band: band_text(weight, *g, profile),
                },
                rules::BandProblem::OutsideBand => EvaluationError::ScoreOutsideBand {
                    id: id(),
                    name: ind.name.clone(),
                    grade: g.name_zh(),
                    score: score.unwrap_or_default(),
                    band: band_text(weight, *g, profile),
                },
            })?;
            (s, *g == QualGrade::Achieved, text.clone())
        }
    };
    let score = rules::cap_and_round(score, weight);
    let assessed = !flags.contains(&Flag::NotYetAssessed) && !flags.contains(&Flag::Excluded);
    let explained = input
        .explanation
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty());
    let needs_explanation = assessed && (!met || score < weight) && !explained;
    Ok(IndicatorResult {
        id: ind.id.clone(),
        level1: ind.level1,
        scored_under,
        level2: ind.level2.clone(),
        name: ind.name.clone(),
        target_text: ind.target.text().to_string(),
        actual_text,
        direction: ind.target.direction(),
        grade,
        weight,
        score,
        completion_percent,
        met,
        flags,
        explanation: input.explanation.clone(),
        needs_explanation,
    })
}

/// The consistency check; `None` when there is no execution rate or no indicator score.
fn consistency(
    results: &[IndicatorResult],
    execution: &ExecutionResult,
    profile: &ScoringProfile,
) -> Option<ConsistencyCheck> {
    let rate = execution.rate_percent?;
    let counted = results
        .iter()
        .filter(|r| !r.flags.contains(&Flag::Excluded));
    let (s, sw) = counted.fold((Decimal::ZERO, Decimal::ZERO), |(s, w), r| {
        (s + r.score, w + r.weight)
    });
    if s.is_zero() || sw.is_zero() {
        return None;
    }
    let indicator_ratio = s / sw;
    let execution_ratio = if execution.weight.is_zero() {
        rate.max(Decimal::ZERO).min(Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED
    } else {
        execution.score / execution.weight
    };
    let gap_percent =
        round2((indicator_ratio - execution_ratio) / indicator_ratio * Decimal::ONE_HUNDRED);
    Some(ConsistencyCheck {
        indicator_percent: round2(indicator_ratio * Decimal::ONE_HUNDRED),
        execution_percent: round2(execution_ratio * Decimal::ONE_HUNDRED),
        gap_percent,
        warning: gap_percent > profile.consistency_warning_percent,
    })
}
