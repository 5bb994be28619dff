//! The project's own import format for a unit's approved budget and targets (年初预算批复 +
//! 绩效目标), in TOML or JSON: one serde model, strict (`deny_unknown_fields`), with a
//! `[published]` section holding the disclosure's own totals per table so the loader can
//! cross-check the transcription ([`BudgetImport::check`]) before anything is recorded.
//!
//! Flow: [`BudgetImport::from_toml_str`] / [`BudgetImport::from_json_str`] read the text (syntax,
//! codes and amounts are checked while reading, errors carry the line: "第12行第5列：…");
//! [`BudgetImport::check`] reports every published total the lines do not reproduce (within the
//! 四舍五入 tolerance of ±0.01 万元 per summed line); [`BudgetImport::into_events`] validates the
//! rest (unique ids, declared projects, parseable targets, positive amounts, limits) and yields
//! `BudgetApproved` followed by one `TargetsApproved` per scope. The format is documented field by
//! field in `fixtures/README.md`; the 焦作 2024 fixture is embedded as [`JIAOZUO_2024_TOML`].

mod check;
mod model;
#[cfg(test)]
mod tests;

pub use check::{GovCodeMismatch, Mismatch};
pub use model::{
    BasicEconomicRow, BasicEconomicTable, BudgetImport, ClassRow, ClassTable, DecimalText,
    EconomicRow, EconomicTable, ExplanationTotals, FunctionColumns, FunctionRow, FunctionTable,
    IndicatorSpec, KindText, Level1Text, LineSpec, ProjectRow, ProjectSpec, ProjectTable,
    ProjectTargetsSpec, Published, RunningCostRow, RunningCostTable, SangongSpec, SangongTable,
    TaskSpec, TotalOnly, UnitFundsTable, UnitKindText, UnitSpec, Wan, YuanText,
};

use crate::budget::{
    Budget, BudgetLine, LineId, ProjectCode, ProjectInfo, SpendingKind, UnitInfo, validate_lines,
};
use crate::event::{AnnualTask, BudgetApproved, Event, TargetsApproved};
use crate::indicator::{Indicator, IndicatorId, Scope, check_level2};
use crate::money::Yuan;
use crate::target::Target;
use std::collections::BTreeSet;

/// The 焦作市产业技术科学院 2024 budget and targets, transcribed from its budget disclosure.
pub const JIAOZUO_2024_TOML: &str = include_str!("../../../fixtures/jiaozuo-2024.toml");

/// The only version of the format so far; a file names it in `format_version`.
pub const FORMAT_VERSION: u32 = 1;
/// Largest import text accepted, in bytes (the 焦作 fixture is ~20 KB; a large 部门 a few hundred).
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
/// Most projects in one import.
pub const MAX_PROJECTS: usize = 1_000;
/// Most indicators in one scope (the unit, or one project).
pub const MAX_INDICATORS_PER_SCOPE: usize = 200;
/// Most entries in 年度履职目标 / 年度主要任务.
pub const MAX_GOALS: usize = 100;
/// Longest name (unit, project, indicator, line), in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest free text (goals, descriptions), in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Longest id (indicator, project code, unit code), in characters.
pub const MAX_ID_CHARS: usize = 64;
/// Most rows in one published table.
pub const MAX_PUBLISHED_ROWS: usize = 5_000;
/// Largest explicit indicator weight (分值).
const MAX_WEIGHT: rust_decimal::Decimal = rust_decimal::Decimal::ONE_HUNDRED;
/// 项目类型 the disclosures use for 项目支出.
pub const PROJECT_CATEGORIES: [&str; 2] = ["其他运转类", "特定目标类"];

/// One problem found while validating an import: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a path into the file: `lines[B-30101].amount_wan`, `unit_targets[U-06].target`.
    pub path: String,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.path, self.message)
    }
}

/// Why an import could not be read or turned into events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixtureError {
    /// The text is larger than [`MAX_IMPORT_BYTES`].
    #[error("导入文件过大：{bytes}字节，上限{max}字节 (import too large)")]
    TooLarge {
        /// Size given.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not valid TOML/JSON of this format: a syntax error, an unknown field, a bad
    /// code or amount. `line`/`column` are 1-based when known.
    #[error("{}{message} (cannot read the import file)", location(*.line, *.column))]
    Syntax {
        /// Line of the problem.
        line: Option<usize>,
        /// Column of the problem.
        column: Option<usize>,
        /// The reader's message.
        message: String,
    },
    /// The file reads but its content is not acceptable; every problem is listed.
    #[error("导入文件有{}处错误：{} (invalid import)", .0.len(), join_problems(.0))]
    Invalid(Vec<Problem>),
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("第{l}行第{c}列："),
        (Some(l), None) => format!("第{l}行："),
        _ => String::new(),
    }
}

fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("；")
}

/// 1-based (line, column) of a byte offset in a text.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl BudgetImport {
    /// Read an import written in TOML.
    pub fn from_toml_str(text: &str) -> Result<BudgetImport, FixtureError> {
        check_size(text)?;
        toml::from_str(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => {
                    let (l, c) = line_column(text, span.start);
                    (Some(l), Some(c))
                }
                None => (None, None),
            };
            FixtureError::Syntax {
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })
    }

    /// Read an import written in JSON (the same fields as the TOML form).
    pub fn from_json_str(text: &str) -> Result<BudgetImport, FixtureError> {
        check_size(text)?;
        serde_json::from_str(text).map_err(|e| {
            let full = e.to_string();
            // serde_json appends " at line L column C"; the position is reported separately.
            let message = match full.rsplit_once(" at line ") {
                Some((head, _)) => head.to_string(),
                None => full,
            };
            FixtureError::Syntax {
                line: (e.line() > 0).then_some(e.line()),
                column: (e.column() > 0).then_some(e.column()),
                message,
            }
        })
    }

    /// This import as TOML (the form the fixtures are written in).
    pub fn to_toml_string(&self) -> Result<String, FixtureError> {
        toml::to_string(self).map_err(|e| FixtureError::Syntax {
            line: None,
            column: None,
            message: e.to_string(),
        })
    }

    /// This import as pretty JSON (the form the API accepts).
    pub fn to_json_string(&self) -> Result<String, FixtureError> {
        serde_json::to_string_pretty(self).map_err(|e| FixtureError::Syntax {
            line: None,
            column: None,
            message: e.to_string(),
        })
    }

    /// The budget lines as approved (lines whose amount is missing or ambiguous are skipped;
    /// [`BudgetImport::into_events`] reports them).
    pub fn budget_lines(&self) -> Vec<BudgetLine> {
        self.lines
            .iter()
            .filter_map(|l| self.to_budget_line(l).ok())
            .collect()
    }

    /// The approved budget, for totals.
    pub fn budget(&self) -> Budget {
        Budget::new(self.budget_lines())
    }

    /// The unit as the events record it.
    pub fn unit_info(&self) -> UnitInfo {
        UnitInfo {
            code: self.unit.code.trim().to_string(),
            name: self.unit.name.trim().to_string(),
            department: self.unit.department.trim().to_string(),
            kind: self.unit.kind.0,
        }
    }

    fn project_name(&self, code: &str) -> Option<&str> {
        self.projects
            .iter()
            .find(|p| p.code.trim() == code)
            .map(|p| p.name.trim())
    }

    /// One line as a [`BudgetLine`]; the error says what is wrong with its amount or kind.
    fn to_budget_line(&self, spec: &LineSpec) -> Result<BudgetLine, String> {
        let initial_yuan = match (&spec.amount_wan, &spec.amount_yuan) {
            (Some(wan), None) => wan.to_yuan().map_err(|e| e.to_string())?,
            (None, Some(yuan)) => yuan.0,
            (Some(_), Some(_)) => return Err("amount_wan 与 amount_yuan 只能填写一个".to_string()),
            (None, None) => {
                return Err("缺少金额：请填写 amount_wan（万元）或 amount_yuan（元）".to_string());
            }
        };
        let project_code = spec
            .project
            .as_ref()
            .map(|p| ProjectCode(p.trim().to_string()));
        let inferred = if project_code.is_some() {
            SpendingKind::Project
        } else {
            SpendingKind::for_basic_economic_code(&spec.economic_code)
        };
        // A stated kind is kept as given so that validate_lines can report a contradiction.
        let kind = spec.kind.map_or(inferred, |k| k.0);
        let name = match &spec.name {
            Some(name) => name.trim().to_string(),
            None => match &project_code {
                Some(p) => self.project_name(&p.0).unwrap_or(&p.0).to_string(),
                None => spec
                    .economic_code
                    .name()
                    .map_or_else(|| spec.economic_code.to_string(), str::to_string),
            },
        };
        Ok(BudgetLine {
            line_id: LineId(spec.id.trim().to_string()),
            kind,
            function_code: spec.function_code.clone(),
            economic_code: spec.economic_code.clone(),
            project_code,
            name,
            initial_yuan,
        })
    }

    /// Every published total the lines do not reproduce; empty when the transcription agrees
    /// with the disclosure. See [`Mismatch`] for the tolerance.
    pub fn check(&self) -> Vec<Mismatch> {
        check::check(self)
    }

    /// Every 预算06/08 row whose printed 政府经济分类 differs from
    /// [`crate::codes::EconomicCode::gov_code`] for the unit's kind.
    pub fn check_gov_codes(&self) -> Vec<GovCodeMismatch> {
        check::check_gov_codes(self)
    }

    /// Validate the import and turn it into the events of an approval: one `BudgetApproved`,
    /// then `TargetsApproved` for the unit (when it has 预算14 targets) and for each project
    /// that has 预算15 targets, in the order declared. Published totals are not enforced here:
    /// call [`BudgetImport::check`] and decide.
    pub fn into_events(&self) -> Result<Vec<Event>, FixtureError> {
        let mut problems = Vec::new();
        self.validate_header(&mut problems);
        let projects = self.validate_projects(&mut problems);
        let lines = self.validate_lines(&projects, &mut problems);
        let unit_indicators =
            self.validate_indicators("unit_targets", &self.unit_targets, &mut problems);
        let mut project_targets = Vec::new();
        let mut seen_targets = BTreeSet::new();
        for (i, spec) in self.project_targets.iter().enumerate() {
            let code = spec.project.trim();
            let path = format!("project_targets[{code}]");
            if !projects.iter().any(|p| p.code.0 == code) {
                problems.push(problem(
                    format!("project_targets[{i}].project"),
                    format!("项目“{code}”未在 projects 中声明"),
                ));
            } else if !seen_targets.insert(code.to_string()) {
                problems.push(problem(
                    path.clone(),
                    "同一项目的绩效目标重复出现".to_string(),
                ));
            }
            let indicators = self.validate_indicators(
                &format!("{path}.indicators"),
                &spec.indicators,
                &mut problems,
            );
            project_targets.push((ProjectCode(code.to_string()), indicators));
        }
        if !problems.is_empty() {
            return Err(FixtureError::Invalid(problems));
        }
        let approved = BudgetApproved {
            unit: self.unit_info(),
            fiscal_year: self.fiscal_year,
            approved_on: self.approved_on,
            lines,
            projects: projects.clone(),
            sangong_budget_yuan: self.sangong.total_yuan().unwrap_or(Yuan::ZERO),
            procurement_budget_yuan: self.procurement_budget_wan.to_yuan().unwrap_or(Yuan::ZERO),
            annual_duty_goals: self
                .annual_duty_goals
                .iter()
                .map(|g| g.trim().to_string())
                .collect(),
            annual_tasks: self
                .annual_tasks
                .iter()
                .map(|t| AnnualTask {
                    name: t.name.trim().to_string(),
                    content: t.content.trim().to_string(),
                })
                .collect(),
        };
        let mut events = vec![Event::BudgetApproved(approved)];
        if !unit_indicators.is_empty() {
            events.push(Event::TargetsApproved(TargetsApproved {
                scope: Scope::Unit,
                overall_goal: String::new(),
                indicators: unit_indicators,
                approved_on: self.approved_on,
            }));
        }
        for (code, indicators) in project_targets {
            let overall_goal = projects
                .iter()
                .find(|p| p.code == code)
                .map(|p| p.overall_goal.clone())
                .unwrap_or_default();
            events.push(Event::TargetsApproved(TargetsApproved {
                scope: Scope::Project(code),
                overall_goal,
                indicators,
                approved_on: self.approved_on,
            }));
        }
        Ok(events)
    }

    fn validate_header(&self, problems: &mut Vec<Problem>) {
        if self.format_version != FORMAT_VERSION {
            problems.push(problem(
                "format_version",
                format!(
                    "不支持的格式版本{}（当前为{FORMAT_VERSION}）",
                    self.format_version
                ),
            ));
        }
        if !(2000..=2100).contains(&self.fiscal_year) {
            problems.push(problem(
                "fiscal_year",
                format!("预算年度{}不在2000–2100之间", self.fiscal_year),
            ));
        }
        // A budget is approved early in its year, at the earliest late in the year before.
        let year = chrono::Datelike::year(&self.approved_on);
        if year != self.fiscal_year && year != self.fiscal_year - 1 {
            problems.push(problem(
                "approved_on",
                format!(
                    "批复日期{}不在预算年度{}或其上一年",
                    self.approved_on, self.fiscal_year
                ),
            ));
        }
        let unit = &self.unit;
        let code = unit.code.trim();
        if code.is_empty()
            || code.chars().count() > MAX_ID_CHARS
            || !code.chars().all(|c| c.is_ascii_digit())
        {
            problems.push(problem("unit.code", format!("单位代码“{code}”应为数字")));
        }
        check_name(problems, "unit.name", &unit.name);
        check_name(problems, "unit.department", &unit.department);
        if self.annual_duty_goals.len() > MAX_GOALS {
            problems.push(problem(
                "annual_duty_goals",
                format!("年度履职目标超过{MAX_GOALS}条"),
            ));
        }
        for (i, goal) in self.annual_duty_goals.iter().enumerate() {
            check_text(problems, &format!("annual_duty_goals[{i}]"), goal, true);
        }
        if self.annual_tasks.len() > MAX_GOALS {
            problems.push(problem(
                "annual_tasks",
                format!("年度主要任务超过{MAX_GOALS}条"),
            ));
        }
        for (i, task) in self.annual_tasks.iter().enumerate() {
            check_name(problems, &format!("annual_tasks[{i}].name"), &task.name);
            check_text(
                problems,
                &format!("annual_tasks[{i}].content"),
                &task.content,
                true,
            );
        }
        for (part, amount) in self.sangong.parts() {
            if amount.is_negative() {
                problems.push(problem(
                    format!("sangong.{part}"),
                    "“三公”经费预算不能为负".to_string(),
                ));
            }
        }
        if let Err(e) = self.sangong.total_yuan() {
            problems.push(problem("sangong", e));
        }
        if self.procurement_budget_wan.is_negative() {
            problems.push(problem(
                "procurement_budget_wan",
                "政府采购预算不能为负".to_string(),
            ));
        }
        if let Err(e) = self.procurement_budget_wan.to_yuan() {
            problems.push(problem("procurement_budget_wan", e.to_string()));
        }
        let rows = self.published.row_count();
        if rows > MAX_PUBLISHED_ROWS {
            problems.push(problem(
                "published",
                format!("公开表格行数{rows}超过上限{MAX_PUBLISHED_ROWS}"),
            ));
        }
    }

    fn validate_projects(&self, problems: &mut Vec<Problem>) -> Vec<ProjectInfo> {
        if self.projects.len() > MAX_PROJECTS {
            problems.push(problem(
                "projects",
                format!("项目数{}超过上限{MAX_PROJECTS}", self.projects.len()),
            ));
            return Vec::new();
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, spec) in self.projects.iter().enumerate() {
            let code = spec.code.trim();
            let path = format!("projects[{code}]");
            if code.is_empty()
                || code.chars().count() > MAX_ID_CHARS
                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                problems.push(problem(
                    format!("projects[{i}].code"),
                    format!("项目编码“{code}”应为字母、数字或“-”"),
                ));
            } else if !seen.insert(code) {
                problems.push(problem(path.clone(), "项目编码重复".to_string()));
            }
            check_name(problems, &format!("{path}.name"), &spec.name);
            if !PROJECT_CATEGORIES.contains(&spec.category.trim()) {
                problems.push(problem(
                    format!("{path}.category"),
                    format!(
                        "项目类型“{}”应为{}",
                        spec.category.trim(),
                        PROJECT_CATEGORIES.join("或")
                    ),
                ));
            }
            check_text(
                problems,
                &format!("{path}.overall_goal"),
                &spec.overall_goal,
                false,
            );
            out.push(ProjectInfo {
                code: ProjectCode(code.to_string()),
                name: spec.name.trim().to_string(),
                category: spec.category.trim().to_string(),
                overall_goal: spec.overall_goal.trim().to_string(),
            });
        }
        out
    }

    fn validate_lines(
        &self,
        projects: &[ProjectInfo],
        problems: &mut Vec<Problem>,
    ) -> Vec<BudgetLine> {
        let mut lines = Vec::new();
        for (i, spec) in self.lines.iter().enumerate() {
            let id = spec.id.trim();
            let path = if id.is_empty() {
                format!("lines[{i}]")
            } else {
                format!("lines[{id}]")
            };
            if let Some(name) = &spec.name {
                check_name(problems, &format!("{path}.name"), name);
            }
            match self.to_budget_line(spec) {
                Ok(line) => lines.push(line),
                Err(message) => problems.push(problem(format!("{path}.amount"), message)),
            }
        }
        let codes: Vec<ProjectCode> = projects.iter().map(|p| p.code.clone()).collect();
        for error in validate_lines(&lines, &codes) {
            problems.push(problem("lines", error.to_string()));
        }
        lines
    }

    fn validate_indicators(
        &self,
        path: &str,
        specs: &[IndicatorSpec],
        problems: &mut Vec<Problem>,
    ) -> Vec<Indicator> {
        if specs.len() > MAX_INDICATORS_PER_SCOPE {
            problems.push(problem(
                path,
                format!("指标数{}超过上限{MAX_INDICATORS_PER_SCOPE}", specs.len()),
            ));
            return Vec::new();
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let id = spec.id.trim();
            let at = if id.is_empty() {
                format!("{path}[{i}]")
            } else {
                format!("{path}[{id}]")
            };
            if id.is_empty()
                || id.chars().count() > MAX_ID_CHARS
                || id.chars().any(char::is_whitespace)
            {
                problems.push(problem(
                    format!("{at}.id"),
                    format!("指标编号“{id}”为空、过长或含空白字符"),
                ));
            } else if !seen.insert(id) {
                problems.push(problem(at.clone(), "指标编号重复".to_string()));
            }
            check_name(problems, &format!("{at}.name"), &spec.name);
            if let Err(e) = check_level2(spec.level1.0, &spec.level2) {
                problems.push(problem(format!("{at}.level2"), e.to_string()));
            }
            if let Some(weight) = spec.weight
                && (weight.0 <= rust_decimal::Decimal::ZERO || weight.0 > MAX_WEIGHT)
            {
                problems.push(problem(
                    format!("{at}.weight"),
                    format!("分值{}应大于0且不超过{MAX_WEIGHT}", weight.0),
                ));
            }
            if let Some(description) = &spec.description {
                check_text(problems, &format!("{at}.description"), description, false);
            }
            match Target::parse(&spec.target) {
                Ok(target) => out.push(Indicator {
                    id: IndicatorId(id.to_string()),
                    level1: spec.level1.0,
                    level2: spec.level2.trim().to_string(),
                    name: spec.name.trim().to_string(),
                    target,
                    weight: spec.weight.map(|w| w.0),
                    measure: spec.measure.clone(),
                    description: spec
                        .description
                        .as_ref()
                        .map(|d| d.trim().to_string())
                        .filter(|d| !d.is_empty()),
                }),
                Err(e) => problems.push(problem(
                    format!("{at}.target"),
                    format!("“{}”的指标值无法识别：{e}", spec.name.trim()),
                )),
            }
        }
        out
    }
}

fn problem(path: impl Into<String>, message: String) -> Problem {
    Problem {
        path: path.into(),
        message,
    }
}

fn check_name(problems: &mut Vec<Problem>, path: &str, name: &str) {
    let n = name.trim().chars().count();
    if n == 0 {
        problems.push(problem(path, "不能为空".to_string()));
    } else if n > MAX_NAME_CHARS {
        problems.push(problem(
            path,
            format!("长度{n}超过上限{MAX_NAME_CHARS}个字符"),
        ));
    }
}

fn check_text(problems: &mut Vec<Problem>, path: &str, text: &str, required: bool) {
    let n = text.trim().chars().count();
    if required && n == 0 {
        problems.push(problem(path, "不能为空".to_string()));
    } else if n > MAX_TEXT_CHARS {
        problems.push(problem(
            path,
            format!("长度{n}超过上限{MAX_TEXT_CHARS}个字符"),
        ));
    }
}

fn check_size(text: &str) -> Result<(), FixtureError> {
    if text.len() > MAX_IMPORT_BYTES {
        Err(FixtureError::TooLarge {
            bytes: text.len(),
            max: MAX_IMPORT_BYTES,
        })
    } else {
        Ok(())
    }
}
