//! Scoring profiles: every rule tagged [P] or [C] in the domain notes is a setting here, not a
//! constant in code. `mof-2020` (default) and `henan-2024` are built in; custom profiles load
//! from TOML.
//!
//! CONTRACT (filled in by the domain-scoring work): keep the field names; add settings as needed.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which variant scores an unmet 反向 (≤, <) indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReverseVariant {
    /// W × T / A [R].
    Ratio,
    /// W × (1 − (A − T)/T), 0 when A ≥ 2T [P].
    Linear,
}

/// What 序时进度 is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleBasis {
    /// month / 12 at the end of each month (a month counts once it has ended).
    MonthEnd,
    /// elapsed days / days in the year.
    ElapsedDays,
}

/// How an indicator whose measure has a zero denominator (e.g. 政府采购执行率 with no
/// procurement budget) is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotApplicablePolicy {
    /// Scores its full weight, flagged 不适用.
    FullScore,
    /// Drops out; the remaining weights are rescaled.
    Exclude,
}

/// 一级 weights of a project self-evaluation (must add up to 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectWeights {
    /// 预算执行率.
    pub execution: Decimal,
    /// 成本指标 (0 when 成本 is a 二级 under 产出, as in 2020).
    pub cost: Decimal,
    /// 产出指标.
    pub output: Decimal,
    /// 效益指标.
    pub benefit: Decimal,
    /// 满意度指标.
    pub satisfaction: Decimal,
}

/// 一级 weights of the unit-wide (部门整体) self-evaluation (must add up to 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitWeights {
    /// 投入管理指标 (预算执行率 among them).
    pub input: Decimal,
    /// 产出指标.
    pub output: Decimal,
    /// 效益指标.
    pub benefit: Decimal,
    /// 满意度指标.
    pub satisfaction: Decimal,
}

/// Grade cut-offs on the total score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeCutoffs {
    /// 优 at or above.
    pub excellent: Decimal,
    /// 良 at or above.
    pub good: Decimal,
    /// 中 at or above; below is 差.
    pub fair: Decimal,
}

/// Warning thresholds for monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningThresholds {
    /// Execution: red below this v (= 执行率 / 序时进度 × 100).
    pub execution_red_below: Decimal,
    /// Execution: yellow below this v, green at or above.
    pub execution_yellow_below: Decimal,
    /// Indicator progress: red below.
    pub indicator_red_below: Decimal,
    /// Indicator progress: yellow below.
    pub indicator_yellow_below: Decimal,
    /// Indicator progress: blue (over-run) at or above; green below.
    pub indicator_blue_at_or_above: Decimal,
}

/// A named, versioned scoring profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringProfile {
    /// Name, e.g. "mof-2020".
    pub id: String,
    /// Version of this profile's settings.
    pub version: u32,
    /// Human-readable source, e.g. "财预〔2020〕10号".
    pub title: String,
    /// Project 一级 weights.
    pub project_weights: ProjectWeights,
    /// Unit-wide 一级 weights.
    pub unit_weights: UnitWeights,
    /// Unmet 反向 scoring variant.
    pub reverse_variant: ReverseVariant,
    /// A/T above this percentage flags "目标值可能设置偏低" (120).
    pub over_achievement_percent: Decimal,
    /// Qualitative band lower edges as a percentage of W: 达成 ≥ 80, 部分达成 ≥ 60.
    pub qualitative_achieved_percent: Decimal,
    /// See `qualitative_achieved_percent`.
    pub qualitative_partial_percent: Decimal,
    /// Grade cut-offs.
    pub grades: GradeCutoffs,
    /// Monitoring warning thresholds.
    pub warnings: WarningThresholds,
    /// 序时进度 basis.
    pub schedule_basis: ScheduleBasis,
    /// A budget adjustment moving a line by more than this % needs a stated reason (30).
    pub adjustment_reason_percent: Decimal,
    /// An execution rate below this % needs an explanation (90).
    pub execution_explanation_below_percent: Decimal,
    /// Consistency warning when (S/Sw − B/Bw)/(S/Sw) exceeds this % (5).
    pub consistency_warning_percent: Decimal,
    /// Zero-denominator measures.
    pub not_applicable: NotApplicablePolicy,
}
