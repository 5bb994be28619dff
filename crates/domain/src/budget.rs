//! A unit's budget year: 基本支出 (人员经费, 公用经费) and 项目支出 lines, 年初 amounts,
//! 追加/调减 adjustments, 上年结转; the adjusted budget per line, per project and in total.
//!
//! [`Budget`] is a plain value: it is built from approved lines and changed only by
//! [`Budget::apply_adjustment`] and [`Budget::apply_carry_over`], which never fail — whoever
//! records an adjustment (the aggregate) validates it first. Structural checks of a set of
//! lines (unique ids, positive amounts, kinds consistent with the codes, projects declared)
//! live in [`validate_lines`], shared by the importer and the aggregate.
//!
//! The adjusted budget (调整后预算, 全年预算数) of a line is
//! 年初 + 追加 − 调减 + 上年结转 (domain notes §4).

use crate::codes::{EconomicCode, FunctionCode, UnitKind};
use crate::money::Yuan;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

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

impl SpendingKind {
    /// The kind of a 基本支出 line from its economic code: 301 工资福利支出 and 303 对个人和家庭
    /// 的补助 are 人员经费 (as 预算03's column groups show), everything else 公用经费.
    pub fn for_basic_economic_code(code: &EconomicCode) -> SpendingKind {
        match code.class() {
            "301" | "303" => SpendingKind::Personnel,
            _ => SpendingKind::Public,
        }
    }

    /// "人员经费", "公用经费" or "项目支出".
    pub fn name(self) -> &'static str {
        match self {
            SpendingKind::Personnel => "人员经费",
            SpendingKind::Public => "公用经费",
            SpendingKind::Project => "项目支出",
        }
    }

    /// True for 人员经费 and 公用经费 (基本支出).
    pub fn is_basic(self) -> bool {
        !matches!(self, SpendingKind::Project)
    }
}

/// The money of one line, or a sum over lines: 年初, 追加, 调减, 上年结转.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LineAmounts {
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// Σ 追加 (positive adjustments).
    pub added_yuan: Yuan,
    /// Σ 调减 (negative adjustments, as a positive amount).
    pub reduced_yuan: Yuan,
    /// Σ 上年结转.
    pub carried_over_yuan: Yuan,
}

impl LineAmounts {
    /// 调整后预算 (全年预算数) = 年初 + 追加 − 调减 + 上年结转.
    pub fn adjusted_yuan(&self) -> Yuan {
        self.initial_yuan + self.added_yuan - self.reduced_yuan + self.carried_over_yuan
    }

    /// 预算调整数: Σ|adjustment| (追加 and 调减 both count, for 预算调整率).
    pub fn adjustment_abs_yuan(&self) -> Yuan {
        self.added_yuan + self.reduced_yuan
    }
}

impl std::ops::Add for LineAmounts {
    type Output = LineAmounts;
    fn add(self, rhs: LineAmounts) -> LineAmounts {
        LineAmounts {
            initial_yuan: self.initial_yuan + rhs.initial_yuan,
            added_yuan: self.added_yuan + rhs.added_yuan,
            reduced_yuan: self.reduced_yuan + rhs.reduced_yuan,
            carried_over_yuan: self.carried_over_yuan + rhs.carried_over_yuan,
        }
    }
}

/// The budget of a unit's year: approved lines with their adjustments and carry-overs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "BudgetWire")]
pub struct Budget {
    /// Lines in approval order.
    lines: Vec<BudgetLine>,
    /// The money of `lines[i]` (年初 copied from the line, then adjustments and carry-overs).
    amounts: Vec<LineAmounts>,
    /// Line id → index; when ids repeat (which `validate_lines` rejects) the first line wins.
    #[serde(skip)]
    index: HashMap<LineId, usize>,
}

/// The serialized shape of a [`Budget`]; deserializing rebuilds the index.
#[derive(Deserialize)]
struct BudgetWire {
    lines: Vec<BudgetLine>,
    amounts: Vec<LineAmounts>,
}

impl TryFrom<BudgetWire> for Budget {
    type Error = String;
    fn try_from(wire: BudgetWire) -> Result<Budget, String> {
        if wire.lines.len() != wire.amounts.len() {
            return Err(format!(
                "预算行数{}与金额记录数{}不一致 (lines and amounts differ in length)",
                wire.lines.len(),
                wire.amounts.len()
            ));
        }
        let mut budget = Budget {
            lines: wire.lines,
            amounts: wire.amounts,
            index: HashMap::new(),
        };
        budget.reindex();
        Ok(budget)
    }
}

impl Budget {
    /// A budget from its approved lines (validated by the caller with [`validate_lines`]).
    pub fn new(lines: Vec<BudgetLine>) -> Budget {
        let amounts = lines
            .iter()
            .map(|l| LineAmounts {
                initial_yuan: l.initial_yuan,
                ..LineAmounts::default()
            })
            .collect();
        let mut budget = Budget {
            lines,
            amounts,
            index: HashMap::new(),
        };
        budget.reindex();
        budget
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (i, line) in self.lines.iter().enumerate() {
            self.index.entry(line.line_id.clone()).or_insert(i);
        }
    }

    fn position(&self, id: &LineId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Every line, in approval order.
    pub fn lines(&self) -> &[BudgetLine] {
        &self.lines
    }

    /// The line with this id.
    pub fn line(&self, id: &LineId) -> Option<&BudgetLine> {
        self.position(id).map(|i| &self.lines[i])
    }

    /// The money of one line.
    pub fn line_amounts(&self, id: &LineId) -> Option<LineAmounts> {
        self.position(id).map(|i| self.amounts[i])
    }

    /// 调整后预算 of one line.
    pub fn adjusted_line(&self, id: &LineId) -> Option<Yuan> {
        self.line_amounts(id).map(|a| a.adjusted_yuan())
    }

    /// The money of every line the predicate selects, summed.
    pub fn amounts_where(&self, mut select: impl FnMut(&BudgetLine) -> bool) -> LineAmounts {
        self.lines
            .iter()
            .zip(&self.amounts)
            .filter(|(line, _)| select(line))
            .fold(LineAmounts::default(), |sum, (_, a)| sum + *a)
    }

    /// The money of the whole budget.
    pub fn amounts(&self) -> LineAmounts {
        self.amounts_where(|_| true)
    }

    /// The money of one project (all its lines).
    pub fn project_amounts(&self, project: &ProjectCode) -> LineAmounts {
        self.amounts_where(|l| l.project_code.as_ref() == Some(project))
    }

    /// 调整后预算 of one project.
    pub fn adjusted_project(&self, project: &ProjectCode) -> Yuan {
        self.project_amounts(project).adjusted_yuan()
    }

    /// 调整后预算 of one kind of spending (人员, 公用 or 项目).
    pub fn adjusted_kind(&self, kind: SpendingKind) -> Yuan {
        self.amounts_where(|l| l.kind == kind).adjusted_yuan()
    }

    /// 调整后预算 of one 部门经济分类 code (基本 and 项目 lines alike).
    pub fn adjusted_economic(&self, code: &EconomicCode) -> Yuan {
        self.amounts_where(|l| &l.economic_code == code)
            .adjusted_yuan()
    }

    /// 调整后预算 (全年预算数) of the whole budget.
    pub fn adjusted_total(&self) -> Yuan {
        self.amounts().adjusted_yuan()
    }

    /// 年初预算数 of the whole budget.
    pub fn initial_total(&self) -> Yuan {
        self.amounts().initial_yuan
    }

    /// 年初预算数 of one kind of spending.
    pub fn initial_kind(&self, kind: SpendingKind) -> Yuan {
        self.amounts_where(|l| l.kind == kind).initial_yuan
    }

    /// 预算调整数: Σ|adjustment| over the whole budget (numerator of 预算调整率).
    pub fn adjustment_abs_total(&self) -> Yuan {
        self.amounts().adjustment_abs_yuan()
    }

    /// Σ 上年结转 over the whole budget.
    pub fn carry_over_total(&self) -> Yuan {
        self.amounts().carried_over_yuan
    }

    /// 年初 机关（机构）运行经费 (预算13): 公用经费 lines whose code counts as running cost.
    pub fn initial_running_cost(&self) -> Yuan {
        self.amounts_where(|l| l.kind == SpendingKind::Public && l.economic_code.is_running_cost())
            .initial_yuan
    }

    /// The distinct projects that have lines, in order of first appearance.
    pub fn project_codes(&self) -> Vec<&ProjectCode> {
        let mut seen = BTreeSet::new();
        self.lines
            .iter()
            .filter_map(|l| l.project_code.as_ref())
            .filter(|c| seen.insert(*c))
            .collect()
    }

    /// The line a payment is charged to, as ledger import resolves it.
    ///
    /// A project payment (`project_code` given) goes to that project's line with the same
    /// economic code, else with the same 功能分类, else the project's first line (project
    /// money is approved per project; its economic code in the ledger may differ from the
    /// line's). A basic payment goes to the 基本支出 line with the same economic code,
    /// preferring one with the same 功能分类 (the 焦作 budget has 30216 under 2050803 only, but
    /// e.g. 30113 could sit under two 功能分类). `None` when no line fits.
    pub fn resolve_line(
        &self,
        economic_code: &EconomicCode,
        project_code: Option<&ProjectCode>,
        function_code: Option<&FunctionCode>,
    ) -> Option<&BudgetLine> {
        let same_function = |l: &&BudgetLine| function_code.is_some_and(|f| &l.function_code == f);
        match project_code {
            Some(project) => {
                let lines: Vec<&BudgetLine> = self
                    .lines
                    .iter()
                    .filter(|l| {
                        l.kind == SpendingKind::Project && l.project_code.as_ref() == Some(project)
                    })
                    .collect();
                let same_economic: Vec<&BudgetLine> = lines
                    .iter()
                    .copied()
                    .filter(|l| &l.economic_code == economic_code)
                    .collect();
                same_economic
                    .iter()
                    .copied()
                    .find(same_function)
                    .or_else(|| same_economic.first().copied())
                    .or_else(|| lines.iter().copied().find(same_function))
                    .or_else(|| lines.first().copied())
            }
            None => {
                let candidates: Vec<&BudgetLine> = self
                    .lines
                    .iter()
                    .filter(|l| l.kind.is_basic() && &l.economic_code == economic_code)
                    .collect();
                candidates
                    .iter()
                    .copied()
                    .find(same_function)
                    .or_else(|| candidates.first().copied())
            }
        }
    }

    /// Apply an approved 追加 (positive `delta`) or 调减 (negative). Never fails: an unknown line
    /// is ignored (the aggregate checked the line before recording the adjustment).
    pub fn apply_adjustment(&mut self, line: &LineId, delta: Yuan) {
        if let Some(i) = self.position(line) {
            let amounts = &mut self.amounts[i];
            if delta.is_positive() {
                amounts.added_yuan += delta;
            } else {
                amounts.reduced_yuan += delta.abs();
            }
        }
    }

    /// Add 上年结转 to a line. Never fails: an unknown line is ignored.
    pub fn apply_carry_over(&mut self, line: &LineId, amount: Yuan) {
        if let Some(i) = self.position(line) {
            self.amounts[i].carried_over_yuan += amount;
        }
    }
}

/// Most lines a unit's budget may hold: a large 部门 has a few hundred; far more is a mistake.
pub const MAX_BUDGET_LINES: usize = 5_000;

/// Longest line id, in characters.
pub const MAX_LINE_ID_CHARS: usize = 64;

/// What is wrong with a set of budget lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// More lines than [`MAX_BUDGET_LINES`].
    #[error("预算行数{count}超过上限{max} (too many budget lines)")]
    TooManyLines {
        /// Lines given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An empty, over-long or repeated line id.
    #[error("预算行编号“{0}”为空、过长或含空白字符 (bad line id)")]
    BadLineId(String),
    /// Two lines share an id.
    #[error("预算行编号“{0}”重复 (duplicate line id)")]
    DuplicateLineId(String),
    /// 年初 amount not above zero.
    #[error("预算行“{line}”的年初预算数{amount}元应大于零 (amount must be positive)")]
    NonPositiveAmount {
        /// The line.
        line: String,
        /// Its amount in 元.
        amount: String,
    },
    /// A 项目支出 line without a project, or a 基本支出 line with one.
    #[error(
        "预算行“{0}”：项目支出必须注明项目编码，基本支出不得注明 (project code must match the kind)"
    )]
    ProjectCodeMismatch(String),
    /// A project line's project is not declared.
    #[error("预算行“{line}”引用了未声明的项目“{project}” (unknown project)")]
    UnknownProject {
        /// The line.
        line: String,
        /// The project code.
        project: String,
    },
    /// A 基本支出 line whose kind contradicts its economic code (301/303 are 人员经费).
    #[error(
        "预算行“{line}”：经济分类{code}属于{expected}，不是{given} (kind contradicts the economic code)"
    )]
    KindMismatch {
        /// The line.
        line: String,
        /// The economic code.
        code: String,
        /// The kind the code implies.
        expected: &'static str,
        /// The kind given.
        given: &'static str,
    },
    /// A declared project has no budget line.
    #[error("项目“{0}”没有任何预算行 (project without budget lines)")]
    ProjectWithoutLines(String),
}

/// Check a set of approved lines against the projects declared with them. Returns every
/// problem found (empty when the lines are fine), so an importer can report them all at once.
pub fn validate_lines(lines: &[BudgetLine], projects: &[ProjectCode]) -> Vec<BudgetError> {
    let mut errors = Vec::new();
    if lines.len() > MAX_BUDGET_LINES {
        errors.push(BudgetError::TooManyLines {
            count: lines.len(),
            max: MAX_BUDGET_LINES,
        });
        return errors;
    }
    let declared: BTreeSet<&ProjectCode> = projects.iter().collect();
    let mut ids = BTreeSet::new();
    let mut funded = BTreeSet::new();
    for line in lines {
        let id = &line.line_id.0;
        if id.is_empty()
            || id.chars().count() > MAX_LINE_ID_CHARS
            || id.chars().any(char::is_whitespace)
        {
            errors.push(BudgetError::BadLineId(id.clone()));
        } else if !ids.insert(id) {
            errors.push(BudgetError::DuplicateLineId(id.clone()));
        }
        if !line.initial_yuan.is_positive() {
            errors.push(BudgetError::NonPositiveAmount {
                line: id.clone(),
                amount: line.initial_yuan.to_string(),
            });
        }
        match (line.kind, &line.project_code) {
            (SpendingKind::Project, Some(project)) => {
                if declared.contains(project) {
                    funded.insert(project);
                } else {
                    errors.push(BudgetError::UnknownProject {
                        line: id.clone(),
                        project: project.0.clone(),
                    });
                }
            }
            (SpendingKind::Project, None)
            | (SpendingKind::Personnel | SpendingKind::Public, Some(_)) => {
                errors.push(BudgetError::ProjectCodeMismatch(id.clone()));
            }
            (kind, None) => {
                let expected = SpendingKind::for_basic_economic_code(&line.economic_code);
                if expected != kind {
                    errors.push(BudgetError::KindMismatch {
                        line: id.clone(),
                        code: line.economic_code.to_string(),
                        expected: expected.name(),
                        given: kind.name(),
                    });
                }
            }
        }
    }
    for project in projects {
        if !funded.contains(project) {
            errors.push(BudgetError::ProjectWithoutLines(project.0.clone()));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wan(text: &str) -> Yuan {
        Yuan::parse_wan(text).unwrap()
    }

    fn basic(id: &str, function: &str, economic: &str, amount_wan: &str) -> BudgetLine {
        let economic_code = EconomicCode::parse(economic).unwrap();
        BudgetLine {
            line_id: LineId(id.to_string()),
            kind: SpendingKind::for_basic_economic_code(&economic_code),
            function_code: FunctionCode::parse(function).unwrap(),
            name: economic_code.name().unwrap_or_default().to_string(),
            economic_code,
            project_code: None,
            initial_yuan: wan(amount_wan),
        }
    }

    fn project(id: &str, code: &str, economic: &str, amount_wan: &str) -> BudgetLine {
        BudgetLine {
            line_id: LineId(id.to_string()),
            kind: SpendingKind::Project,
            function_code: FunctionCode::parse("2060401").unwrap(),
            economic_code: EconomicCode::parse(economic).unwrap(),
            project_code: Some(ProjectCode(code.to_string())),
            name: "科技合作及基础运转经费".to_string(),
            initial_yuan: wan(amount_wan),
        }
    }

    fn id(text: &str) -> LineId {
        LineId(text.to_string())
    }

    /// A small budget shaped like the 焦作 one: personnel, public, one project.
    fn sample() -> Budget {
        Budget::new(vec![
            basic("B-30101", "2060401", "30101", "18.40"),
            basic("B-30113", "2210201", "30113", "3.34"),
            basic("B-30201", "2060401", "30201", "0.30"),
            basic("B-30216", "2050803", "30216", "0.26"),
            basic("B-30228", "2060401", "30228", "0.56"),
            project("P-1-30201", "P1", "30201", "20.00"),
        ])
    }

    #[test]
    fn totals_per_kind_and_in_total_add_up_the_initial_lines() {
        let b = sample();
        assert_eq!(b.initial_total(), wan("42.86"));
        assert_eq!(b.initial_kind(SpendingKind::Personnel), wan("21.74"));
        assert_eq!(b.initial_kind(SpendingKind::Public), wan("1.12"));
        assert_eq!(b.adjusted_kind(SpendingKind::Project), wan("20.00"));
        assert_eq!(b.adjusted_total(), b.initial_total());
        assert_eq!(
            b.adjusted_economic(&EconomicCode::parse("30201").unwrap()),
            wan("20.30")
        );
        assert_eq!(b.initial_running_cost(), wan("0.56"));
    }

    #[test]
    fn adjusted_budget_is_initial_plus_additions_minus_reductions_plus_carry_over() {
        let mut b = sample();
        let line = id("P-1-30201");
        b.apply_adjustment(&line, wan("5.00"));
        b.apply_adjustment(&line, -wan("2.00"));
        b.apply_carry_over(&line, wan("1.50"));
        assert_eq!(b.adjusted_line(&line), Some(wan("24.50")));
        let project = ProjectCode("P1".to_string());
        assert_eq!(b.adjusted_project(&project), wan("24.50"));
        assert_eq!(b.project_amounts(&project).initial_yuan, wan("20.00"));
        assert_eq!(b.adjusted_total(), b.initial_total() + wan("4.50"));
        // 预算调整率 counts both directions: |+5| + |−2|.
        assert_eq!(b.adjustment_abs_total(), wan("7.00"));
        assert_eq!(b.carry_over_total(), wan("1.50"));
        let amounts = b.line_amounts(&line).unwrap();
        assert_eq!(
            (amounts.added_yuan, amounts.reduced_yuan),
            (wan("5.00"), wan("2.00"))
        );
    }

    #[test]
    fn adjusting_an_unknown_line_changes_nothing_and_does_not_fail() {
        let mut b = sample();
        let before = b.clone();
        b.apply_adjustment(&id("nope"), wan("1.00"));
        b.apply_carry_over(&id("nope"), wan("1.00"));
        assert_eq!(b, before);
        assert_eq!(b.line(&id("nope")), None);
    }

    #[test]
    fn a_project_payment_resolves_to_its_project_line() {
        let b = sample();
        let project = ProjectCode("P1".to_string());
        let office = EconomicCode::parse("30201").unwrap();
        let travel = EconomicCode::parse("30211").unwrap();
        assert_eq!(
            b.resolve_line(&office, Some(&project), None)
                .unwrap()
                .line_id,
            id("P-1-30201")
        );
        // Project spending may be booked under another economic code: still the project's line.
        assert_eq!(
            b.resolve_line(&travel, Some(&project), None)
                .unwrap()
                .line_id,
            id("P-1-30201")
        );
        assert!(
            b.resolve_line(&office, Some(&ProjectCode("P2".into())), None)
                .is_none()
        );
    }

    #[test]
    fn a_project_with_several_lines_prefers_the_matching_economic_code_then_the_first() {
        let b = Budget::new(vec![
            project("P-a", "P1", "30227", "10.00"),
            project("P-b", "P1", "30201", "10.00"),
        ]);
        let project = ProjectCode("P1".to_string());
        let office = EconomicCode::parse("30201").unwrap();
        let other = EconomicCode::parse("30299").unwrap();
        assert_eq!(
            b.resolve_line(&office, Some(&project), None)
                .unwrap()
                .line_id,
            id("P-b")
        );
        assert_eq!(
            b.resolve_line(&other, Some(&project), None)
                .unwrap()
                .line_id,
            id("P-a")
        );
    }

    #[test]
    fn a_basic_payment_resolves_by_economic_code_preferring_the_function_code() {
        let b = Budget::new(vec![
            basic("B-30113-a", "2210201", "30113", "3.00"),
            basic("B-30113-b", "2060401", "30113", "1.00"),
            project("P-1-30201", "P1", "30201", "20.00"),
        ]);
        let housing = EconomicCode::parse("30113").unwrap();
        let f = FunctionCode::parse("2060401").unwrap();
        assert_eq!(
            b.resolve_line(&housing, None, Some(&f)).unwrap().line_id,
            id("B-30113-b")
        );
        assert_eq!(
            b.resolve_line(&housing, None, None).unwrap().line_id,
            id("B-30113-a")
        );
        // A basic payment never lands on a project line, even with the same economic code.
        let office = EconomicCode::parse("30201").unwrap();
        assert!(b.resolve_line(&office, None, None).is_none());
    }

    #[test]
    fn basic_spending_kind_follows_the_economic_class() {
        let kind =
            |c: &str| SpendingKind::for_basic_economic_code(&EconomicCode::parse(c).unwrap());
        assert_eq!(kind("30101"), SpendingKind::Personnel);
        assert_eq!(kind("30302"), SpendingKind::Personnel);
        assert_eq!(kind("30201"), SpendingKind::Public);
        assert_eq!(kind("31002"), SpendingKind::Public);
    }

    #[test]
    fn a_budget_survives_a_json_round_trip_and_still_finds_its_lines() {
        let mut b = sample();
        b.apply_adjustment(&id("B-30101"), wan("1.00"));
        let json = serde_json::to_string(&b).unwrap();
        let back: Budget = serde_json::from_str(&json).unwrap();
        assert_eq!(back.adjusted_line(&id("B-30101")), Some(wan("19.40")));
        assert_eq!(back.lines(), b.lines());
    }

    #[test]
    fn a_stored_budget_whose_amounts_do_not_match_its_lines_is_refused() {
        let json = serde_json::to_value(sample()).unwrap();
        let mut broken = json.clone();
        broken["amounts"].as_array_mut().unwrap().pop();
        let err = serde_json::from_value::<Budget>(broken).unwrap_err();
        assert!(err.to_string().contains("不一致"), "{err}");
        assert!(serde_json::from_value::<Budget>(json).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn totals_always_equal_the_sum_of_the_lines(
            changes in proptest::collection::vec((0usize..6, -500_000i64..500_000, proptest::bool::ANY), 0..40)
        ) {
            let mut b = sample();
            let ids: Vec<LineId> = b.lines().iter().map(|l| l.line_id.clone()).collect();
            let mut abs_sum = Yuan::ZERO;
            let mut net = Yuan::ZERO;
            for (line, cents, is_carry_over) in changes {
                let amount = Yuan::new(rust_decimal::Decimal::new(cents, 2)).unwrap();
                if is_carry_over {
                    b.apply_carry_over(&ids[line], amount);
                } else {
                    b.apply_adjustment(&ids[line], amount);
                    abs_sum += amount.abs();
                }
                net += amount;
            }
            let per_line: Yuan = ids.iter().map(|id| b.adjusted_line(id).unwrap()).sum();
            proptest::prop_assert_eq!(b.adjusted_total(), per_line);
            proptest::prop_assert_eq!(b.adjusted_total(), b.initial_total() + net);
            proptest::prop_assert_eq!(b.adjustment_abs_total(), abs_sum);
            let by_kind: Yuan = [SpendingKind::Personnel, SpendingKind::Public, SpendingKind::Project]
                .into_iter()
                .map(|k| b.adjusted_kind(k))
                .sum();
            proptest::prop_assert_eq!(by_kind, per_line);
        }
    }

    #[test]
    fn validation_reports_every_structural_problem() {
        let mut bad_kind = basic("B-1", "2060401", "30101", "1.00");
        bad_kind.kind = SpendingKind::Public;
        let zero = basic("B-2", "2060401", "30201", "0.00");
        let dup = basic("B-2", "2060401", "30205", "1.00");
        let orphan = project("P-x", "PX", "30201", "1.00");
        let mut basic_with_project = basic("B-3", "2060401", "30206", "1.00");
        basic_with_project.project_code = Some(ProjectCode("P1".into()));
        let lines = [bad_kind, zero, dup, orphan, basic_with_project];
        let errors = validate_lines(&lines, &[ProjectCode("P1".into())]);
        assert_eq!(
            errors,
            vec![
                BudgetError::KindMismatch {
                    line: "B-1".into(),
                    code: "30101".into(),
                    expected: "人员经费",
                    given: "公用经费"
                },
                BudgetError::NonPositiveAmount {
                    line: "B-2".into(),
                    amount: "0.00".into()
                },
                BudgetError::DuplicateLineId("B-2".into()),
                BudgetError::UnknownProject {
                    line: "P-x".into(),
                    project: "PX".into()
                },
                BudgetError::ProjectCodeMismatch("B-3".into()),
                BudgetError::ProjectWithoutLines("P1".into()),
            ]
        );
        assert!(validate_lines(sample().lines(), &[ProjectCode("P1".into())]).is_empty());
    }
}
