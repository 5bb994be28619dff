//! Scoring profiles: every rule tagged [P] or [C] in the domain notes is a setting here, not a
//! constant in code. `mof-2020` (default) and `henan-2024` are built in; custom profiles load
//! from TOML.
//!
//! The built-in profiles are the TOML files under `crates/domain/profiles/`, embedded at compile
//! time, so the settings and their sources are readable without reading code. Every profile,
//! built in or custom, passes [`ScoringProfile::validate`] before use: weights add up to 100,
//! thresholds are ordered, percentages lie in their ranges. Errors name the TOML field.

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

/// How the 复核 rounds a rule score ([`crate::recheck`]): half-up to 0.01 (the rule, default),
/// to 0.1, or to an integer — for a bureau whose published tables print scores that way. The
/// self-evaluation computed from the log always rounds to 0.01.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreRounding {
    /// Half-up to 2 decimals.
    #[default]
    Cents,
    /// Half-up to 1 decimal.
    Tenths,
    /// Half-up to an integer.
    Integer,
}

impl ScoreRounding {
    /// Every rounding, the default first.
    pub const ALL: [ScoreRounding; 3] = [
        ScoreRounding::Cents,
        ScoreRounding::Tenths,
        ScoreRounding::Integer,
    ];

    /// Decimals kept.
    pub fn decimals(self) -> u32 {
        match self {
            ScoreRounding::Cents => 2,
            ScoreRounding::Tenths => 1,
            ScoreRounding::Integer => 0,
        }
    }

    /// Round half-up (away from zero at .5).
    pub fn apply(self, value: Decimal) -> Decimal {
        value.round_dp_with_strategy(
            self.decimals(),
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        )
    }

    /// The setting's name as written in TOML and on the command line: cents, tenths, integer.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreRounding::Cents => "cents",
            ScoreRounding::Tenths => "tenths",
            ScoreRounding::Integer => "integer",
        }
    }

    /// Read a setting's name (cents, tenths, integer; also 0.01, 0.1, 1).
    pub fn parse(text: &str) -> Option<ScoreRounding> {
        match text.trim() {
            "cents" | "0.01" => Some(ScoreRounding::Cents),
            "tenths" | "0.1" => Some(ScoreRounding::Tenths),
            "integer" | "1" => Some(ScoreRounding::Integer),
            _ => None,
        }
    }

    /// In Chinese: 保留两位小数, 保留一位小数, 取整.
    pub fn name_zh(self) -> &'static str {
        match self {
            ScoreRounding::Cents => "四舍五入保留两位小数",
            ScoreRounding::Tenths => "四舍五入保留一位小数",
            ScoreRounding::Integer => "四舍五入取整",
        }
    }
}

/// 一级 weights of a project self-evaluation (must add up to 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectWeights {
    /// 预算执行率.
    pub execution: Decimal,
    /// 成本指标. 0 means 成本 is a 二级 under 产出 (the 2020 framework): 成本 indicators are
    /// then scored within 产出 and share its weight.
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
#[serde(deny_unknown_fields)]
pub struct UnitWeights {
    /// 投入管理指标 (预算执行率 among them).
    pub input: Decimal,
    /// 产出指标.
    pub output: Decimal,
    /// 效益指标.
    pub benefit: Decimal,
    /// 满意度指标.
    pub satisfaction: Decimal,
    /// The weight (分值) of the unit-wide 预算执行率 indicator within 投入管理指标 [C]: a visible
    /// setting, so a reader of the profile sees how much unspent money can cost the unit. Unset,
    /// it takes an equal share of 投入管理 like the other 投入管理 indicators. At most `input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_indicator: Option<Decimal>,
}

/// Grade cut-offs on the total score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
    /// How the 复核 rounds a rule score (cents unless set).
    #[serde(default)]
    pub score_rounding: ScoreRounding,
}

/// The default profile's id.
pub const DEFAULT_PROFILE_ID: &str = "mof-2020";

/// Largest custom profile accepted, in bytes (a profile is a page of settings).
pub const PROFILE_TOML_BYTES_MAX: usize = 64 * 1024;

/// Longest profile id, in characters.
pub const PROFILE_ID_CHARS_MAX: usize = 64;

/// Longest profile title, in characters.
pub const PROFILE_TITLE_CHARS_MAX: usize = 200;

/// The built-in profiles: (id, TOML text).
const BUILTIN_TOML: &[(&str, &str)] = &[
    ("mof-2020", include_str!("../profiles/mof-2020.toml")),
    ("henan-2024", include_str!("../profiles/henan-2024.toml")),
];

/// One problem with one setting of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The TOML field, e.g. "project_weights.output".
    pub field: String,
    /// What is wrong, in Chinese.
    pub problem: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.field, self.problem)
    }
}

/// Why a profile cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// No built-in profile has this id.
    #[error("未知的评分方案“{id}”（可选：{known}） (unknown scoring profile)")]
    UnknownBuiltin {
        /// The requested id.
        id: String,
        /// The built-in ids, joined by "、".
        known: String,
    },
    /// The TOML text is larger than [`PROFILE_TOML_BYTES_MAX`].
    #[error("评分方案文件过大：{bytes} 字节，上限 {max} 字节 (profile too large)")]
    TooLarge {
        /// Size of the text.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The TOML could not be read (syntax, a missing or unknown field, a wrong type).
    #[error("评分方案格式错误：{0} (invalid profile TOML)")]
    Toml(String),
    /// The settings are inconsistent; every problem is listed with its field.
    #[error("评分方案设置有误：{} (invalid profile settings)", join_problems(.0))]
    Invalid(Vec<FieldProblem>),
}

fn join_problems(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("；")
}

impl ScoringProfile {
    /// The default profile's id (财预〔2020〕10号): used by every front end when none is chosen.
    pub const DEFAULT_ID: &'static str = DEFAULT_PROFILE_ID;

    /// A built-in profile by id ("mof-2020", "henan-2024").
    ///
    /// Each embedded file is parsed and validated once per process and then cloned: a request
    /// names its profile, and parsing TOML on every request showed in the HTTP profile.
    pub fn builtin(id: &str) -> Result<ScoringProfile, ProfileError> {
        static PARSED: std::sync::OnceLock<Vec<Result<ScoringProfile, ProfileError>>> =
            std::sync::OnceLock::new();
        let parsed = PARSED.get_or_init(|| {
            BUILTIN_TOML
                .iter()
                .map(|(_, text)| ScoringProfile::from_toml_str(text))
                .collect()
        });
        match BUILTIN_TOML.iter().position(|(bid, _)| *bid == id) {
            Some(i) => parsed[i].clone(),
            None => Err(ProfileError::UnknownBuiltin {
                id: id.to_string(),
                known: BUILTIN_TOML
                    .iter()
                    .map(|(bid, _)| *bid)
                    .collect::<Vec<_>>()
                    .join("、"),
            }),
        }
    }

    /// Every built-in profile, the default first. The embedded files are checked by tests; one
    /// that failed to load would be skipped here rather than take the service down.
    pub fn builtins() -> Vec<ScoringProfile> {
        BUILTIN_TOML
            .iter()
            .filter_map(|(_, text)| ScoringProfile::from_toml_str(text).ok())
            .collect()
    }

    /// Ids of the built-in profiles, the default first.
    pub fn builtin_ids() -> Vec<&'static str> {
        BUILTIN_TOML.iter().map(|(id, _)| *id).collect()
    }

    /// Read and validate a profile from TOML (the shape of the built-in files; numbers may be
    /// written as strings "90" or as TOML numbers 90).
    pub fn from_toml_str(text: &str) -> Result<ScoringProfile, ProfileError> {
        if text.len() > PROFILE_TOML_BYTES_MAX {
            return Err(ProfileError::TooLarge {
                bytes: text.len(),
                max: PROFILE_TOML_BYTES_MAX,
            });
        }
        let profile: ScoringProfile =
            toml::from_str(text).map_err(|e| ProfileError::Toml(e.to_string()))?;
        profile.validate()?;
        Ok(profile)
    }

    /// The profile as TOML (the format [`ScoringProfile::from_toml_str`] reads).
    pub fn to_toml_string(&self) -> Result<String, ProfileError> {
        toml::to_string(self).map_err(|e| ProfileError::Toml(e.to_string()))
    }

    /// Check every setting; all problems are returned together, each naming its field.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let mut problems = Vec::new();
        let mut bad = |field: &str, problem: String| {
            problems.push(FieldProblem {
                field: field.to_string(),
                problem,
            })
        };
        let hundred = Decimal::ONE_HUNDRED;

        let id_ok = !self.id.is_empty()
            && self.id.chars().count() <= PROFILE_ID_CHARS_MAX
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            bad(
                "id",
                format!("须为1至{PROFILE_ID_CHARS_MAX}个小写字母、数字或连字符（如 mof-2020）"),
            );
        }
        if self.version == 0 {
            bad("version", "版本号须不小于1".to_string());
        }
        if self.title.trim().is_empty() || self.title.chars().count() > PROFILE_TITLE_CHARS_MAX {
            bad("title", format!("须为1至{PROFILE_TITLE_CHARS_MAX}个字符"));
        }

        let pw = &self.project_weights;
        let project_parts = [
            ("project_weights.execution", pw.execution),
            ("project_weights.cost", pw.cost),
            ("project_weights.output", pw.output),
            ("project_weights.benefit", pw.benefit),
            ("project_weights.satisfaction", pw.satisfaction),
        ];
        let uw = &self.unit_weights;
        let unit_parts = [
            ("unit_weights.input", uw.input),
            ("unit_weights.output", uw.output),
            ("unit_weights.benefit", uw.benefit),
            ("unit_weights.satisfaction", uw.satisfaction),
        ];
        for (field, w) in project_parts.iter().chain(unit_parts.iter()) {
            if *w < Decimal::ZERO || *w > hundred {
                bad(field, format!("权重 {w} 须在0至100之间"));
            } else if w.normalize().scale() > 2 {
                bad(field, format!("权重 {w} 最多两位小数"));
            }
        }
        if let Some(w) = uw.execution_indicator
            && (w < Decimal::ZERO || w > uw.input || w.normalize().scale() > 2)
        {
            bad(
                "unit_weights.execution_indicator",
                format!(
                    "权重 {w} 须在0至投入管理权重 {} 之间，最多两位小数",
                    uw.input
                ),
            );
        }
        let project_sum: Decimal = project_parts.iter().map(|(_, w)| *w).sum();
        if project_sum != hundred {
            bad(
                "project_weights",
                format!("各一级权重合计为 {project_sum}，应为 100"),
            );
        }
        let unit_sum: Decimal = unit_parts.iter().map(|(_, w)| *w).sum();
        if unit_sum != hundred {
            bad(
                "unit_weights",
                format!("各一级权重合计为 {unit_sum}，应为 100"),
            );
        }

        if self.over_achievement_percent <= hundred {
            bad(
                "over_achievement_percent",
                format!("超额完成阈值 {} 须大于 100", self.over_achievement_percent),
            );
        }
        let qa = self.qualitative_achieved_percent;
        let qp = self.qualitative_partial_percent;
        if !(qp > Decimal::ZERO && qp < qa && qa <= hundred) {
            bad(
                "qualitative_partial_percent",
                format!("须满足 0 < 部分达成下限 ({qp}) < 达成下限 ({qa}) ≤ 100"),
            );
        }
        let g = &self.grades;
        if !(g.fair > Decimal::ZERO
            && g.fair < g.good
            && g.good < g.excellent
            && g.excellent <= hundred)
        {
            bad(
                "grades",
                format!(
                    "须满足 0 < 中 ({}) < 良 ({}) < 优 ({}) ≤ 100",
                    g.fair, g.good, g.excellent
                ),
            );
        }
        let w = &self.warnings;
        if !(w.execution_red_below >= Decimal::ZERO
            && w.execution_red_below < w.execution_yellow_below)
        {
            bad(
                "warnings.execution_yellow_below",
                format!(
                    "须满足 0 ≤ 红色 ({}) < 黄色 ({})",
                    w.execution_red_below, w.execution_yellow_below
                ),
            );
        }
        if !(w.indicator_red_below >= Decimal::ZERO
            && w.indicator_red_below < w.indicator_yellow_below
            && w.indicator_yellow_below < w.indicator_blue_at_or_above)
        {
            bad(
                "warnings.indicator_blue_at_or_above",
                format!(
                    "须满足 0 ≤ 红色 ({}) < 黄色 ({}) < 蓝色 ({})",
                    w.indicator_red_below, w.indicator_yellow_below, w.indicator_blue_at_or_above
                ),
            );
        }
        if self.adjustment_reason_percent < Decimal::ZERO {
            bad("adjustment_reason_percent", "须不小于 0".to_string());
        }
        for (field, v) in [
            (
                "execution_explanation_below_percent",
                self.execution_explanation_below_percent,
            ),
            (
                "consistency_warning_percent",
                self.consistency_warning_percent,
            ),
        ] {
            if v < Decimal::ZERO || v > hundred {
                bad(field, format!("{v} 须在0至100之间"));
            }
        }

        if problems.is_empty() {
            Ok(())
        } else {
            Err(ProfileError::Invalid(problems))
        }
    }
}

impl Default for ScoringProfile {
    /// The `mof-2020` profile. Falls back to the same settings written in code should the
    /// embedded file ever fail to load (a test keeps the two equal).
    fn default() -> Self {
        ScoringProfile::builtin(DEFAULT_PROFILE_ID).unwrap_or_else(|_| mof_2020_in_code())
    }
}

/// `mof-2020` written out in code: the fallback of [`Default`], kept equal to the TOML by a test.
fn mof_2020_in_code() -> ScoringProfile {
    let d = Decimal::from;
    ScoringProfile {
        id: DEFAULT_PROFILE_ID.to_string(),
        version: 1,
        title: "财预〔2020〕10号 项目支出绩效评价管理办法（财政部默认）".to_string(),
        project_weights: ProjectWeights {
            execution: d(10),
            cost: d(0),
            output: d(50),
            benefit: d(30),
            satisfaction: d(10),
        },
        unit_weights: UnitWeights {
            input: d(30),
            output: d(40),
            benefit: d(20),
            satisfaction: d(10),
            execution_indicator: None,
        },
        reverse_variant: ReverseVariant::Ratio,
        over_achievement_percent: d(120),
        qualitative_achieved_percent: d(80),
        qualitative_partial_percent: d(60),
        grades: GradeCutoffs {
            excellent: d(90),
            good: d(80),
            fair: d(60),
        },
        warnings: WarningThresholds {
            execution_red_below: d(60),
            execution_yellow_below: d(80),
            indicator_red_below: d(60),
            indicator_yellow_below: d(80),
            indicator_blue_at_or_above: d(120),
        },
        schedule_basis: ScheduleBasis::MonthEnd,
        adjustment_reason_percent: d(30),
        execution_explanation_below_percent: d(90),
        consistency_warning_percent: d(5),
        not_applicable: NotApplicablePolicy::FullScore,
        score_rounding: ScoreRounding::Cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_equals_the_fallback_written_in_code() {
        assert_eq!(
            ScoringProfile::builtin(DEFAULT_PROFILE_ID).unwrap(),
            mof_2020_in_code()
        );
    }
}
