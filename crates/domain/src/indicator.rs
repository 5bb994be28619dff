//! Performance indicators (绩效指标): the 一级/二级/三级 hierarchy of project targets (预算15)
//! and unit-wide targets (预算14), each with a parsed [`Target`] and a [`Measure`] binding.
//!
//! CONTRACT (filled in by the domain-scoring work): keep these types and signatures.

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
    /// 年度指标值.
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
