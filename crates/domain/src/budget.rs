//! A unit's budget year: 基本支出 (人员经费, 公用经费) and 项目支出 lines, 年初 amounts,
//! 追加/调减 adjustments, 上年结转; the adjusted budget per line, per project and in total.
//!
//! CONTRACT (filled in by the domain-foundation work): keep these types and signatures.

use crate::codes::{EconomicCode, FunctionCode, UnitKind};
use crate::money::Yuan;
use serde::{Deserialize, Serialize};

/// Identifier of a budget line, unique within a unit's year (e.g. "B-30101" or "P-410800240000000532-30201").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LineId(pub String);

/// 项目编码 of a 项目支出 project (e.g. "410800240000000532 04" as published, stored without spaces).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProjectCode(pub String);

/// The three kinds of spending of a budget unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendingKind {
    /// 基本支出 · 人员经费 (301, 303).
    Personnel,
    /// 基本支出 · 公用经费 (302, 310 under 基本支出).
    Public,
    /// 项目支出.
    Project,
}

/// One approved budget line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// Unique id within the year.
    pub line_id: LineId,
    /// 人员 / 公用 / 项目.
    pub kind: SpendingKind,
    /// 功能分类.
    pub function_code: FunctionCode,
    /// 部门经济分类.
    pub economic_code: EconomicCode,
    /// The project, for 项目支出 lines.
    pub project_code: Option<ProjectCode>,
    /// Display name (科目名称 or 项目名称).
    pub name: String,
    /// 年初预算数.
    pub initial_yuan: Yuan,
}

/// A 项目支出 project with its identity (its targets live in `indicator`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// 项目编码.
    pub code: ProjectCode,
    /// 项目名称.
    pub name: String,
    /// 项目类型 (其他运转类, 特定目标类).
    pub category: String,
    /// 年度总体目标 (预期目标).
    pub overall_goal: String,
}

/// The identity of a budget unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    /// 单位代码 (e.g. "261301").
    pub code: String,
    /// 单位名称.
    pub name: String,
    /// 主管部门.
    pub department: String,
    /// 行政 / 事业.
    pub kind: UnitKind,
}
