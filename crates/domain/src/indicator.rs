//! Performance indicators (绩效指标): the 一级/二级/三级 hierarchy of project targets (预算15)
//! and unit-wide targets (预算14), each with a parsed [`Target`] and a [`Measure`] binding.
//!
//! Also the Chinese names used in the forms: 一级 names ([`Level1::name_zh`],
//! [`Level1::parse_zh`]), the known 二级 names per 一级 ([`known_level2`], [`check_level2`]) and
//! the assessor's grades ([`QualGrade::name_zh`]).

use crate::budget::ProjectCode;
use crate::measure::Measure;
use crate::target::Target;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Identifier of an indicator, unique within its scope (e.g. "P1-OUT-01").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IndicatorId(pub String);

/// Whose targets: one project's (预算15) or the unit as a whole (预算14).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "project_code")]
pub enum Scope {
    /// 部门（单位）整体.
    Unit,
    /// One 项目支出 project.
    Project(ProjectCode),
}

/// 一级指标.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level1 {
    /// 投入管理指标 (unit-wide only).
    Input,
    /// 成本指标.
    Cost,
    /// 产出指标.
    Output,
    /// 效益指标.
    Benefit,
    /// 满意度指标.
    Satisfaction,
}

/// One 三级 indicator with its target and measure binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Unique id within the scope.
    pub id: IndicatorId,
    /// 一级指标.
    pub level1: Level1,
    /// 二级指标 (数量指标, 质量指标, 时效指标, 社会效益, 服务对象满意度, 预算和财务管理, …).
    pub level2: String,
    /// 三级指标 name as published.
    pub name: String,
    /// 年度指标值. In the aggregate's state it is read in the indicator's category
    /// ([`Indicator::target_category`]); stored events hold it as text.
    pub target: Target,
    /// Explicit weight (分值) when the targets give one; otherwise split equally.
    pub weight: Option<Decimal>,
    /// Where the actual value comes from.
    pub measure: Measure,
    /// 指标值说明 (formula or explanation), if any.
    pub description: Option<String>,
}

/// The grade an assessor gives a qualitative (or manually assessed) indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualGrade {
    /// 达成: score in [0.8W, W]; W when no score is given.
    Achieved,
    /// 部分达成: explicit score in [0.6W, 0.8W).
    Partial,
    /// 未达成: explicit score in [0, 0.6W).
    NotAchieved,
}

/// Why a 一级/二级 name or a grade name is not one we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorNameError {
    /// Not a 一级指标 name.
    #[error("未知的一级指标“{0}”（应为投入管理指标、成本指标、产出指标、效益指标或满意度指标）")]
    UnknownLevel1(String),
    /// Not a 二级 name known under that 一级.
    #[error("二级指标“{name}”不属于{level1}（可选：{allowed}）")]
    UnknownLevel2 {
        /// The 一级's Chinese name.
        level1: &'static str,
        /// The rejected 二级 name.
        name: String,
        /// The known names, joined by "、".
        allowed: String,
    },
    /// Not a grade name.
    #[error("未知的评价等级“{0}”（应为达成、部分达成或未达成）")]
    UnknownGrade(String),
}

impl Level1 {
    /// Every 一级, in the order of the forms.
    pub const ALL: [Level1; 5] = [
        Level1::Input,
        Level1::Cost,
        Level1::Output,
        Level1::Benefit,
        Level1::Satisfaction,
    ];

    /// The Chinese name as printed in the forms: 投入管理指标, 成本指标, 产出指标, 效益指标,
    /// 满意度指标.
    pub fn name_zh(self) -> &'static str {
        match self {
            Level1::Input => "投入管理指标",
            Level1::Cost => "成本指标",
            Level1::Output => "产出指标",
            Level1::Benefit => "效益指标",
            Level1::Satisfaction => "满意度指标",
        }
    }

    /// Parse a Chinese 一级 name; the short form without 指标 ("产出") is accepted too, and so is
    /// 投入指标 / 投入管理 for the unit-wide 一级. Surrounding spaces are ignored.
    pub fn parse_zh(text: &str) -> Result<Level1, IndicatorNameError> {
        let t = text.trim();
        let short = t.strip_suffix("指标").unwrap_or(t);
        match short {
            "投入管理" | "投入" => Ok(Level1::Input),
            "成本" => Ok(Level1::Cost),
            "产出" => Ok(Level1::Output),
            "效益" | "效果" => Ok(Level1::Benefit),
            "满意度" => Ok(Level1::Satisfaction),
            _ => Err(IndicatorNameError::UnknownLevel1(t.to_string())),
        }
    }
}

impl std::fmt::Display for Level1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name_zh())
    }
}

/// The 二级 names known under a 一级: project indicators (财预〔2021〕101号, with 成本指标 as a
/// 二级 under 产出 as in the 2020 framework) and unit-wide indicators (预算14 as published, e.g.
/// 工作目标管理, 重点工作任务完成, 履职效益).
pub fn known_level2(level1: Level1) -> &'static [&'static str] {
    match level1 {
        Level1::Input => &["工作目标管理", "预算和财务管理", "绩效管理"],
        Level1::Cost => &["经济成本", "社会成本", "生态环境成本"],
        Level1::Output => &[
            "数量指标",
            "质量指标",
            "时效指标",
            "成本指标",
            "重点工作任务完成",
            "履职目标实现",
        ],
        Level1::Benefit => &[
            "经济效益",
            "社会效益",
            "生态效益",
            "可持续影响",
            "经济效益指标",
            "社会效益指标",
            "生态效益指标",
            "可持续影响指标",
            "履职效益",
        ],
        Level1::Satisfaction => &["服务对象满意度", "服务对象满意度指标", "满意度"],
    }
}

/// Check that a 二级 name is known under its 一级 (spaces ignored); the error lists the names
/// that are.
pub fn check_level2(level1: Level1, name: &str) -> Result<(), IndicatorNameError> {
    let known = known_level2(level1);
    if known.contains(&name.trim()) {
        Ok(())
    } else {
        Err(IndicatorNameError::UnknownLevel2 {
            level1: level1.name_zh(),
            name: name.trim().to_string(),
            allowed: known.join("、"),
        })
    }
}

impl Indicator {
    /// The scoring direction of this indicator's target.
    pub fn direction(&self) -> crate::target::Direction {
        self.target.direction()
    }

    /// How this indicator's 一级/二级 read its target: [`TargetCategory::Cost`] under 成本
    /// (a bare amount is then a cap, see [`Target::parse_in`]).
    ///
    /// [`TargetCategory::Cost`]: crate::target::TargetCategory::Cost
    pub fn target_category(&self) -> crate::target::TargetCategory {
        crate::target::TargetCategory::of_level(self.level1, &self.level2)
    }
}

impl QualGrade {
    /// Every grade, best first.
    pub const ALL: [QualGrade; 3] = [
        QualGrade::Achieved,
        QualGrade::Partial,
        QualGrade::NotAchieved,
    ];

    /// The Chinese name: 达成, 部分达成, 未达成.
    pub fn name_zh(self) -> &'static str {
        match self {
            QualGrade::Achieved => "达成",
            QualGrade::Partial => "部分达成",
            QualGrade::NotAchieved => "未达成",
        }
    }

    /// Parse a Chinese grade name (spaces ignored).
    pub fn parse_zh(text: &str) -> Result<QualGrade, IndicatorNameError> {
        let t = text.trim();
        QualGrade::ALL
            .into_iter()
            .find(|g| g.name_zh() == t)
            .ok_or_else(|| IndicatorNameError::UnknownGrade(t.to_string()))
    }
}

impl std::fmt::Display for QualGrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name_zh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level1_names_round_trip_through_their_chinese_names() {
        for l in Level1::ALL {
            assert_eq!(Level1::parse_zh(l.name_zh()), Ok(l));
            assert_eq!(l.to_string(), l.name_zh());
        }
        assert_eq!(Level1::parse_zh(" 产出 "), Ok(Level1::Output));
        assert_eq!(Level1::parse_zh("投入管理"), Ok(Level1::Input));
    }

    #[test]
    fn an_unknown_level1_name_is_rejected_with_the_name() {
        let err = Level1::parse_zh("过程指标").unwrap_err();
        assert!(err.to_string().contains("过程指标"));
    }

    #[test]
    fn level2_names_of_the_seed_tables_are_known_under_their_level1() {
        let table = [
            (Level1::Input, "工作目标管理"),
            (Level1::Input, "预算和财务管理"),
            (Level1::Input, "绩效管理"),
            (Level1::Output, "数量指标"),
            (Level1::Output, "质量指标"),
            (Level1::Output, "时效指标"),
            (Level1::Output, "成本指标"),
            (Level1::Output, "重点工作任务完成"),
            (Level1::Output, "履职目标实现"),
            (Level1::Cost, "经济成本"),
            (Level1::Benefit, "社会效益"),
            (Level1::Benefit, "履职效益"),
            (Level1::Satisfaction, "服务对象满意度"),
            (Level1::Satisfaction, "满意度"),
        ];
        for (l1, l2) in table {
            assert_eq!(check_level2(l1, l2), Ok(()), "{l1} / {l2}");
        }
    }

    #[test]
    fn a_level2_under_the_wrong_level1_is_rejected_listing_the_known_names() {
        let err = check_level2(Level1::Benefit, "数量指标").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("数量指标") && msg.contains("效益指标") && msg.contains("社会效益"));
    }

    #[test]
    fn grades_have_chinese_names_and_parse_back() {
        assert_eq!(QualGrade::Achieved.name_zh(), "达成");
        assert_eq!(QualGrade::Partial.name_zh(), "部分达成");
        assert_eq!(QualGrade::NotAchieved.name_zh(), "未达成");
        for g in QualGrade::ALL {
            assert_eq!(QualGrade::parse_zh(g.name_zh()), Ok(g));
        }
        assert!(QualGrade::parse_zh("优").is_err());
    }
}
