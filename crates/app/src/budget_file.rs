//! A unit's year-start budget (年初预算批复 + 绩效目标) imported from a file — the one path by
//! which a unit comes into being, shared by the CLI (`jixiao import budget FILE`), the admin's
//! 单位 page and `POST /api/v1/units/import`.
//!
//! Files: the project's import format as TOML or JSON (`jixiao_domain::fixture`), or the budget
//! workbook (XLSX) whose layout is defined here ([`UNIT_SHEET`] … [`GOAL_COLS`]) and written by
//! `jixiao_report::templates::budget_template`. A workbook is read cell by cell: every typed
//! cell (codes, amounts, dates, 一级指标, 取值方式) is checked on its own, so each problem names
//! its sheet, row and column; what is checked across rows (duplicate ids, undeclared projects,
//! unreadable targets) is located back to its row by the fixture's paths. Published disclosure
//! totals are not part of the workbook (use TOML for a cross-checked transcription).
//!
//! [`App::import_budget_file`] reads, checks and previews ([`BudgetPreview`]); a dry run stops
//! there, after deciding the approval on the empty year exactly as the real run would. A
//! unit-year that already has events is refused ([`BudgetFileError::Exists`]): a budget is
//! never approved twice. A retry with the same event id (a double submit) is a replay: it
//! writes nothing and answers as the first did.

use crate::App;
use crate::error::{AppError, FieldError};
use crate::import::{Approval, ImportError, decide_all};
use crate::ledger::derived_uuid;
use crate::write::{Actor, Write, Written};
use calamine::Reader;
use chrono::NaiveDate;
use jixiao_domain::aggregate::Command;
use jixiao_domain::codes::{EconomicCode, FunctionCode};
use jixiao_domain::fixture::{
    BudgetImport, DecimalText, FixtureError, Level1Text, MAX_IMPORT_BYTES, UnitKindText, Wan,
};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_store::KnownAt;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::io::Cursor;
use uuid::Uuid;

/// Most data rows read from one sheet.
pub const SHEET_ROWS_MAX: usize = 20_000;
/// Most problems reported for one file (the rest are counted).
pub const BUDGET_PROBLEMS_MAX: usize = 200;

/// The sheet of the unit's key/value pairs.
pub const UNIT_SHEET: &str = "单位";
/// The sheet of budget lines.
pub const LINES_SHEET: &str = "预算行";
/// The sheet of projects.
pub const PROJECTS_SHEET: &str = "项目";
/// The sheet of indicators (部门整体 and per project).
pub const TARGETS_SHEET: &str = "绩效指标";
/// The sheet of 履职目标 and 主要任务.
pub const GOALS_SHEET: &str = "履职目标与任务";
/// The header of the 单位 sheet.
pub const UNIT_SHEET_COLS: [&str; 2] = ["项目", "值"];
/// (label in the 单位 sheet, key in the import format).
pub const UNIT_KEYS: [(&str, &str); 11] = [
    ("单位代码", "unit.code"),
    ("单位名称", "unit.name"),
    ("主管部门", "unit.department"),
    ("单位类型（行政单位/事业单位）", "unit.kind"),
    ("预算年度", "fiscal_year"),
    ("批复日期（YYYY-MM-DD）", "approved_on"),
    ("政府采购预算（万元）", "procurement_budget_wan"),
    ("因公出国（境）费（万元）", "sangong.overseas_travel_wan"),
    ("公务用车购置费（万元）", "sangong.vehicle_purchase_wan"),
    (
        "公务用车运行维护费（万元）",
        "sangong.vehicle_operation_wan",
    ),
    ("公务接待费（万元）", "sangong.reception_wan"),
];
/// Columns of the 预算行 sheet.
pub const LINE_COLS: [&str; 6] = [
    "行编号",
    "功能分类",
    "经济分类",
    "项目编码",
    "金额（万元）",
    "名称",
];
/// Keys of the import format, column by column of [`LINE_COLS`].
pub const LINE_KEYS: [&str; 6] = [
    "id",
    "function_code",
    "economic_code",
    "project",
    "amount_wan",
    "name",
];
/// Columns of the 项目 sheet.
pub const PROJECT_COLS: [&str; 4] = ["项目编码", "项目名称", "项目类型", "年度总体目标"];
/// Keys of the import format, column by column of [`PROJECT_COLS`].
pub const PROJECT_KEYS: [&str; 4] = ["code", "name", "category", "overall_goal"];
/// Columns of the 绩效指标 sheet.
pub const TARGET_COLS: [&str; 9] = [
    "范围（部门整体或项目编码）",
    "指标编号",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "取值方式",
    "分值",
    "指标值说明",
];
/// Keys of the import format, column by column of [`TARGET_COLS`] (the scope has none).
pub const TARGET_KEYS: [&str; 9] = [
    "",
    "id",
    "level1",
    "level2",
    "name",
    "target",
    "measure",
    "weight",
    "description",
];
/// Columns of the 履职目标与任务 sheet.
pub const GOAL_COLS: [&str; 3] = ["类型（履职目标/主要任务）", "名称", "内容"];
/// The 范围 of a 部门整体 indicator.
pub const UNIT_SCOPE: &str = "部门整体";
/// The two kinds of row of the 履职目标与任务 sheet.
pub const GOAL_KINDS: [&str; 2] = ["履职目标", "主要任务"];

/// The kinds of budget file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetFileKind {
    /// The import format as TOML.
    Toml,
    /// The import format as JSON.
    Json,
    /// The budget workbook (XLSX).
    Workbook,
}

impl BudgetFileKind {
    /// The kind of a file name by its extension (case-insensitive), if it is one.
    pub fn of_file_name(name: &str) -> Option<BudgetFileKind> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "toml" => Some(BudgetFileKind::Toml),
            "json" => Some(BudgetFileKind::Json),
            "xlsx" => Some(BudgetFileKind::Workbook),
            _ => None,
        }
    }
}

/// One problem of a budget file, where a person finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetProblem {
    /// The sheet of a workbook (empty for TOML/JSON).
    pub sheet: String,
    /// Spreadsheet row (or text line), when one.
    pub row: Option<usize>,
    /// Column label of a workbook, the column number or field path of a text file.
    pub column: String,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl BudgetProblem {
    fn new(sheet: &str, row: Option<usize>, column: &str, message: impl Into<String>) -> Self {
        BudgetProblem {
            sheet: sheet.to_string(),
            row,
            column: column.to_string(),
            message: message.into(),
        }
    }

    /// Where, in Chinese: `工作表“预算行”第5行“金额（万元）”列`, `第12行第5列`, or a field path.
    pub fn location(&self) -> String {
        let mut out = String::new();
        if !self.sheet.is_empty() {
            out.push_str(&format!("工作表“{}”", self.sheet));
        }
        if let Some(row) = self.row {
            out.push_str(&format!("第{row}行"));
        }
        if !self.column.is_empty() {
            if self.sheet.is_empty() && self.column.chars().all(|c| c.is_ascii_digit()) {
                out.push_str(&format!("第{}列", self.column));
            } else if self.sheet.is_empty() {
                out.push_str(&self.column);
            } else {
                out.push_str(&format!("“{}”列", self.column));
            }
        }
        out
    }
}

impl std::fmt::Display for BudgetProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.location();
        if at.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{at}：{}", self.message)
        }
    }
}

/// Why a budget file was not imported; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetFileError {
    /// Problems of the file, each located (at most [`BUDGET_PROBLEMS_MAX`]).
    #[error("预算文件有 {} 处问题，未写入任何数据 (invalid budget file; nothing written)", .0.len())]
    Rejected(Vec<BudgetProblem>),
    /// The unit-year already has a budget (or other records).
    #[error(
        "单位 {unit} 的 {fiscal_year} 年度已有预算，不能重复导入 (this unit-year already has a budget)"
    )]
    Exists {
        /// 单位代码.
        unit: String,
        /// Fiscal year.
        fiscal_year: i32,
    },
    /// Anything else.
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<BudgetFileError> for AppError {
    fn from(e: BudgetFileError) -> AppError {
        match e {
            BudgetFileError::Rejected(problems) => AppError::rejected(
                "invalid_budget_file",
                format!(
                    "预算文件有 {} 处问题，未写入任何数据 (invalid budget file; nothing written)",
                    problems.len()
                ),
                problems
                    .iter()
                    .map(|p| {
                        let field = if p.location().is_empty() {
                            "body".to_string()
                        } else {
                            p.location()
                        };
                        FieldError::new(field, p.message.clone(), "invalid budget file content")
                    })
                    .collect(),
            ),
            e @ BudgetFileError::Exists { .. } => {
                AppError::conflict("unit_year_exists", e.to_string())
            }
            BudgetFileError::App(e) => e,
        }
    }
}

/// One budget line of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLine {
    /// Line id.
    pub line_id: String,
    /// 功能分类 code.
    pub function_code: String,
    /// 经济分类 code.
    pub economic_code: String,
    /// Display name.
    pub name: String,
    /// 项目编码, for 项目支出.
    pub project: Option<String>,
    /// 年初预算数.
    pub amount: Yuan,
}

/// One project of the preview, with the total of its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewProject {
    /// 项目编码.
    pub code: String,
    /// 项目名称.
    pub name: String,
    /// 项目类型.
    pub category: String,
    /// Sum of its lines.
    pub total: Yuan,
}

/// What a budget file would create: the unit, its year, lines and projects with totals, and
/// how many indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetPreview {
    /// 单位代码.
    pub unit_code: String,
    /// 单位名称.
    pub unit_name: String,
    /// 主管部门.
    pub department: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// 批复日期.
    pub approved_on: NaiveDate,
    /// The lines.
    pub lines: Vec<PreviewLine>,
    /// The projects.
    pub projects: Vec<PreviewProject>,
    /// Sum of every line.
    pub total: Yuan,
    /// Indicators (部门整体 and every project's).
    pub targets: usize,
}

impl BudgetPreview {
    fn of(approval: &Approval) -> BudgetPreview {
        let b = &approval.budget;
        let lines: Vec<PreviewLine> = b
            .lines
            .iter()
            .map(|l| PreviewLine {
                line_id: l.line_id.0.clone(),
                function_code: l.function_code.to_string(),
                economic_code: l.economic_code.to_string(),
                name: l.name.clone(),
                project: l.project_code.as_ref().map(|p| p.0.clone()),
                amount: l.initial_yuan,
            })
            .collect();
        let projects = b
            .projects
            .iter()
            .map(|p| PreviewProject {
                code: p.code.0.clone(),
                name: p.name.clone(),
                category: p.category.clone(),
                total: lines
                    .iter()
                    .filter(|l| l.project.as_deref() == Some(p.code.0.as_str()))
                    .map(|l| l.amount)
                    .sum(),
            })
            .collect();
        BudgetPreview {
            unit_code: b.unit.code.clone(),
            unit_name: b.unit.name.clone(),
            department: b.unit.department.clone(),
            fiscal_year: b.fiscal_year,
            approved_on: b.approved_on,
            total: lines.iter().map(|l| l.amount).sum(),
            lines,
            projects,
            targets: approval.targets.iter().map(|t| t.indicators.len()).sum(),
        }
    }
}

/// How a budget file import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetFileImported {
    /// What the file holds.
    pub preview: BudgetPreview,
    /// What was written (None in a dry run); `replayed` for a retry of a recorded import.
    pub written: Option<Written>,
}

/// The fields of one place in a workbook: its sheet, row and the column label of each key.
#[derive(Debug, Clone)]
struct Place {
    sheet: &'static str,
    row: Option<usize>,
    columns: &'static [(&'static str, &'static str)],
}

const LINE_FIELDS: &[(&str, &str)] = &[
    ("id", LINE_COLS[0]),
    ("function_code", LINE_COLS[1]),
    ("economic_code", LINE_COLS[2]),
    ("project", LINE_COLS[3]),
    ("amount", LINE_COLS[4]),
    ("amount_wan", LINE_COLS[4]),
    ("name", LINE_COLS[5]),
];
const PROJECT_FIELDS: &[(&str, &str)] = &[
    ("code", PROJECT_COLS[0]),
    ("name", PROJECT_COLS[1]),
    ("category", PROJECT_COLS[2]),
    ("overall_goal", PROJECT_COLS[3]),
];
const TARGET_FIELDS: &[(&str, &str)] = &[
    ("project", TARGET_COLS[0]),
    ("id", TARGET_COLS[1]),
    ("level1", TARGET_COLS[2]),
    ("level2", TARGET_COLS[3]),
    ("name", TARGET_COLS[4]),
    ("target", TARGET_COLS[5]),
    ("measure", TARGET_COLS[6]),
    ("weight", TARGET_COLS[7]),
    ("description", TARGET_COLS[8]),
];
const UNIT_FIELDS: &[(&str, &str)] = &[("", "值")];

/// Where the fixture's paths (`lines[B-30101].amount`, `unit_targets[U-06].target`) are in a
/// workbook.
#[derive(Debug, Default)]
struct Locator {
    places: HashMap<String, Place>,
}

impl Locator {
    fn add(&mut self, path: String, place: Place) {
        self.places.entry(path).or_insert(place);
    }

    /// The problem at `path`: the longest known prefix gives the sheet and row, the rest the
    /// column; a path with no place is reported as it is.
    fn problem(&self, path: &str, message: String) -> BudgetProblem {
        let mut best: Option<(&str, &Place)> = None;
        for (prefix, place) in &self.places {
            let fits = path == prefix
                || (path.starts_with(prefix.as_str())
                    && path[prefix.len()..].starts_with(['.', '[']));
            if fits && best.is_none_or(|(b, _)| prefix.len() > b.len()) {
                best = Some((prefix, place));
            }
        }
        match best {
            Some((prefix, place)) => {
                let rest = path[prefix.len()..].trim_start_matches('.');
                let column = place
                    .columns
                    .iter()
                    .find(|(key, _)| *key == rest)
                    .map_or("", |(_, label)| label);
                BudgetProblem::new(place.sheet, place.row, column, message)
            }
            None => {
                let sheet = match path.split(['[', '.']).next().unwrap_or("") {
                    "lines" => LINES_SHEET,
                    "projects" => PROJECTS_SHEET,
                    "unit_targets" | "project_targets" => TARGETS_SHEET,
                    "annual_duty_goals" | "annual_tasks" => GOALS_SHEET,
                    _ => UNIT_SHEET,
                };
                BudgetProblem::new(sheet, None, "", message)
            }
        }
    }
}

/// What a cell must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Text,
    Function,
    Economic,
    Wan,
    Level1,
    Measure,
    Decimal,
    UnitKind,
    Year,
    Date,
}

/// "assessed", "satisfaction:专家,企业", … ⇄ the import format's `measure` table.
pub fn measure_text(m: &Value) -> String {
    let kind = text_of(m.get("kind").unwrap_or(&Value::Null));
    match m.get("groups").and_then(Value::as_array) {
        Some(groups) if !groups.is_empty() => {
            format!(
                "{kind}:{}",
                groups.iter().map(text_of).collect::<Vec<_>>().join(",")
            )
        }
        _ => kind,
    }
}

fn measure_value(text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() {
        return json!({ "kind": "assessed" });
    }
    match text.split_once([':', '：']) {
        Some((kind, groups)) => json!({
            "kind": kind.trim(),
            "groups": groups.split([',', '，', '、']).map(str::trim).filter(|g| !g.is_empty()).collect::<Vec<_>>(),
        }),
        None if text == "satisfaction" => json!({ "kind": "satisfaction", "groups": [] }),
        None => json!({ "kind": text }),
    }
}

/// A JSON value as the text of a cell.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn check_as<T: serde::de::DeserializeOwned>(v: Value) -> Result<Value, String> {
    match serde_json::from_value::<T>(v.clone()) {
        Ok(_) => Ok(v),
        Err(e) => Err(e.to_string()),
    }
}

/// The value of a non-empty cell, checked by its type.
fn cell_value(kind: Cell, text: &str) -> Result<Value, String> {
    let s = json!(text);
    match kind {
        Cell::Text => Ok(s),
        Cell::Function => check_as::<FunctionCode>(s),
        Cell::Economic => check_as::<EconomicCode>(s),
        Cell::Wan => check_as::<Wan>(s),
        Cell::Level1 => check_as::<Level1Text>(s),
        Cell::Measure => check_as::<Measure>(measure_value(text)),
        Cell::Decimal => check_as::<DecimalText>(s),
        Cell::UnitKind => check_as::<UnitKindText>(s),
        Cell::Year => text
            .trim_end_matches(".0")
            .parse::<i32>()
            .map(|y| json!(y))
            .map_err(|_| format!("“{text}”不是年份")),
        Cell::Date => crate::ledger::parse_date(text)
            .map(|d| json!(d.to_string()))
            .ok_or_else(|| format!("日期“{text}”无法识别，请写作 YYYY-MM-DD")),
    }
}

fn set(obj: &mut Map<String, Value>, dotted: &str, value: Value) {
    match dotted.split_once('.') {
        Some((head, rest)) => {
            let child = obj.entry(head).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = child {
                set(m, rest, value);
            }
        }
        None => {
            obj.insert(dotted.to_string(), value);
        }
    }
}

type Sheets = calamine::Sheets<Cursor<Vec<u8>>>;
/// One row of a sheet: its spreadsheet row number and its cells by header.
type Record = (usize, HashMap<String, String>);

/// One sheet as (spreadsheet row number, cells by header), blank rows skipped; a missing sheet
/// or header column is a problem.
fn sheet_records(
    wb: &mut Sheets,
    name: &'static str,
    columns: &[&str],
) -> Result<Vec<Record>, BudgetProblem> {
    let range = wb.worksheet_range(name).map_err(|_| {
        BudgetProblem::new(name, None, "", "缺少此工作表：请使用下载的预算模板填写")
    })?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
        .unwrap_or_default();
    if let Some(missing) = columns.iter().find(|c| !headers.iter().any(|h| h == *c)) {
        return Err(BudgetProblem::new(
            name,
            Some(first_row + 1),
            missing,
            "表头缺少此列：请使用下载的预算模板填写",
        ));
    }
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        if i >= SHEET_ROWS_MAX {
            return Err(BudgetProblem::new(
                name,
                None,
                "",
                format!("超过 {SHEET_ROWS_MAX} 行"),
            ));
        }
        let cells: Vec<String> = row
            .iter()
            .map(|c| c.to_string().trim().to_string())
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        out.push((
            first_row + i + 2,
            headers.iter().cloned().zip(cells).collect(),
        ));
    }
    Ok(out)
}

fn cell<'a>(r: &'a HashMap<String, String>, col: &str) -> &'a str {
    r.get(col).map_or("", String::as_str)
}

/// Reads the cells of one row into an object, checking each; problems are collected.
fn row_object(
    sheet: &'static str,
    row: usize,
    record: &HashMap<String, String>,
    columns: &[(&str, &str, Cell, bool)],
    problems: &mut Vec<BudgetProblem>,
) -> Map<String, Value> {
    let mut obj = Map::new();
    for (label, key, kind, required) in columns {
        let text = cell(record, label);
        if text.is_empty() {
            if *required {
                problems.push(BudgetProblem::new(sheet, Some(row), label, "不能为空"));
            }
            continue;
        }
        match cell_value(*kind, text) {
            Ok(v) => {
                obj.insert((*key).to_string(), v);
            }
            Err(message) => problems.push(BudgetProblem::new(sheet, Some(row), label, message)),
        }
    }
    obj
}

/// Reads a filled budget workbook into the import format, with the place of every row.
fn read_workbook(bytes: &[u8]) -> Result<(BudgetImport, Locator), Vec<BudgetProblem>> {
    let mut wb =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
            vec![BudgetProblem::new(
                "",
                None,
                "",
                format!("无法读取工作簿（须为由预算模板填写的 .xlsx）：{e}"),
            )]
        })?;
    let mut problems = Vec::new();
    let mut locator = Locator::default();
    let mut root = Map::new();
    root.insert(
        "format_version".into(),
        json!(jixiao_domain::fixture::FORMAT_VERSION),
    );
    let read = |wb: &mut Sheets, name, cols: &[&str], problems: &mut Vec<BudgetProblem>| {
        sheet_records(wb, name, cols).unwrap_or_else(|p| {
            problems.push(p);
            Vec::new()
        })
    };

    // 单位: key/value rows.
    let unit_rows = read(&mut wb, UNIT_SHEET, &UNIT_SHEET_COLS, &mut problems);
    let mut seen_keys = Vec::new();
    for (row, r) in &unit_rows {
        let label = cell(r, UNIT_SHEET_COLS[0]);
        let Some((_, key)) = UNIT_KEYS.iter().find(|(l, _)| *l == label) else {
            problems.push(BudgetProblem::new(
                UNIT_SHEET,
                Some(*row),
                UNIT_SHEET_COLS[0],
                format!("未知项目“{label}”"),
            ));
            continue;
        };
        seen_keys.push(*key);
        locator.add(
            (*key).to_string(),
            Place {
                sheet: UNIT_SHEET,
                row: Some(*row),
                columns: UNIT_FIELDS,
            },
        );
        let value = cell(r, UNIT_SHEET_COLS[1]);
        let kind = match *key {
            "fiscal_year" => Cell::Year,
            "approved_on" => Cell::Date,
            "unit.kind" => Cell::UnitKind,
            k if k.ends_with("_wan") => Cell::Wan,
            _ => Cell::Text,
        };
        if value.is_empty() {
            if !key.ends_with("_wan") {
                problems.push(BudgetProblem::new(
                    UNIT_SHEET,
                    Some(*row),
                    UNIT_SHEET_COLS[1],
                    format!("“{label}”不能为空"),
                ));
            }
            continue;
        }
        match cell_value(kind, value) {
            Ok(v) => set(&mut root, key, v),
            Err(message) => problems.push(BudgetProblem::new(
                UNIT_SHEET,
                Some(*row),
                UNIT_SHEET_COLS[1],
                format!("“{label}”：{message}"),
            )),
        }
    }
    for (label, key) in UNIT_KEYS.iter().take(6) {
        if !seen_keys.contains(key) {
            problems.push(BudgetProblem::new(
                UNIT_SHEET,
                None,
                UNIT_SHEET_COLS[0],
                format!("缺少“{label}”一行"),
            ));
        }
    }

    // 预算行.
    let line_columns = [
        (LINE_COLS[0], LINE_KEYS[0], Cell::Text, true),
        (LINE_COLS[1], LINE_KEYS[1], Cell::Function, true),
        (LINE_COLS[2], LINE_KEYS[2], Cell::Economic, true),
        (LINE_COLS[3], LINE_KEYS[3], Cell::Text, false),
        (LINE_COLS[4], LINE_KEYS[4], Cell::Wan, true),
        (LINE_COLS[5], LINE_KEYS[5], Cell::Text, false),
    ];
    let mut lines = Vec::new();
    for (i, (row, r)) in read(&mut wb, LINES_SHEET, &LINE_COLS, &mut problems)
        .iter()
        .enumerate()
    {
        let place = Place {
            sheet: LINES_SHEET,
            row: Some(*row),
            columns: LINE_FIELDS,
        };
        locator.add(format!("lines[{}]", cell(r, LINE_COLS[0])), place.clone());
        locator.add(format!("lines[{i}]"), place);
        lines.push(Value::Object(row_object(
            LINES_SHEET,
            *row,
            r,
            &line_columns,
            &mut problems,
        )));
    }
    root.insert("lines".into(), Value::Array(lines));

    // 项目.
    let project_columns = [
        (PROJECT_COLS[0], PROJECT_KEYS[0], Cell::Text, true),
        (PROJECT_COLS[1], PROJECT_KEYS[1], Cell::Text, true),
        (PROJECT_COLS[2], PROJECT_KEYS[2], Cell::Text, true),
        (PROJECT_COLS[3], PROJECT_KEYS[3], Cell::Text, false),
    ];
    let mut projects = Vec::new();
    for (i, (row, r)) in read(&mut wb, PROJECTS_SHEET, &PROJECT_COLS, &mut problems)
        .iter()
        .enumerate()
    {
        let place = Place {
            sheet: PROJECTS_SHEET,
            row: Some(*row),
            columns: PROJECT_FIELDS,
        };
        locator.add(
            format!("projects[{}]", cell(r, PROJECT_COLS[0])),
            place.clone(),
        );
        locator.add(format!("projects[{i}]"), place);
        projects.push(Value::Object(row_object(
            PROJECTS_SHEET,
            *row,
            r,
            &project_columns,
            &mut problems,
        )));
    }
    root.insert("projects".into(), Value::Array(projects));

    // 绩效指标: 部门整体 rows, then one group per project in the order first seen.
    let target_columns = [
        (TARGET_COLS[1], TARGET_KEYS[1], Cell::Text, true),
        (TARGET_COLS[2], TARGET_KEYS[2], Cell::Level1, true),
        (TARGET_COLS[3], TARGET_KEYS[3], Cell::Text, true),
        (TARGET_COLS[4], TARGET_KEYS[4], Cell::Text, true),
        (TARGET_COLS[5], TARGET_KEYS[5], Cell::Text, true),
        (TARGET_COLS[6], TARGET_KEYS[6], Cell::Measure, false),
        (TARGET_COLS[7], TARGET_KEYS[7], Cell::Decimal, false),
        (TARGET_COLS[8], TARGET_KEYS[8], Cell::Text, false),
    ];
    let mut unit_targets = Vec::new();
    let mut by_project: Vec<(String, Vec<Value>)> = Vec::new();
    for (row, r) in read(&mut wb, TARGETS_SHEET, &TARGET_COLS, &mut problems) {
        let mut obj = row_object(TARGETS_SHEET, row, &r, &target_columns, &mut problems);
        obj.entry("measure").or_insert_with(|| measure_value(""));
        let place = Place {
            sheet: TARGETS_SHEET,
            row: Some(row),
            columns: TARGET_FIELDS,
        };
        let id = cell(&r, TARGET_COLS[1]);
        let scope = cell(&r, TARGET_COLS[0]);
        if scope == UNIT_SCOPE || scope.is_empty() {
            locator.add(format!("unit_targets[{id}]"), place.clone());
            locator.add(format!("unit_targets[{}]", unit_targets.len()), place);
            unit_targets.push(Value::Object(obj));
        } else {
            let k = match by_project.iter().position(|(c, _)| c == scope) {
                Some(k) => k,
                None => {
                    by_project.push((scope.to_string(), Vec::new()));
                    by_project.len() - 1
                }
            };
            let group = &mut by_project[k].1;
            locator.add(format!("project_targets[{k}]"), place.clone());
            locator.add(format!("project_targets[{scope}]"), place.clone());
            locator.add(
                format!("project_targets[{scope}].indicators[{id}]"),
                place.clone(),
            );
            locator.add(
                format!("project_targets[{scope}].indicators[{}]", group.len()),
                place,
            );
            group.push(Value::Object(obj));
        }
    }
    root.insert("unit_targets".into(), Value::Array(unit_targets));
    root.insert(
        "project_targets".into(),
        Value::Array(
            by_project
                .into_iter()
                .map(|(p, i)| json!({ "project": p, "indicators": i }))
                .collect(),
        ),
    );

    // 履职目标与任务.
    let mut goals = Vec::new();
    let mut tasks = Vec::new();
    for (row, r) in read(&mut wb, GOALS_SHEET, &GOAL_COLS, &mut problems) {
        let content = cell(&r, GOAL_COLS[2]);
        match cell(&r, GOAL_COLS[0]) {
            k if k == GOAL_KINDS[0] => goals.push(json!(content)),
            k if k == GOAL_KINDS[1] => {
                tasks.push(json!({ "name": cell(&r, GOAL_COLS[1]), "content": content }))
            }
            other => problems.push(BudgetProblem::new(
                GOALS_SHEET,
                Some(row),
                GOAL_COLS[0],
                format!("类型“{other}”应为“履职目标”或“主要任务”"),
            )),
        }
    }
    root.insert("annual_duty_goals".into(), Value::Array(goals));
    root.insert("annual_tasks".into(), Value::Array(tasks));

    if !problems.is_empty() {
        return Err(problems);
    }
    match BudgetImport::from_json_str(&Value::Object(root).to_string()) {
        Ok(import) => Ok((import, locator)),
        // Every cell was checked: what is left is about the whole (its position in the
        // generated JSON would mean nothing to the person who filled the workbook).
        Err(FixtureError::Syntax { message, .. }) => Err(vec![BudgetProblem::new(
            "",
            None,
            "",
            format!("预算工作簿内容无效：{message}"),
        )]),
        Err(other) => Err(vec![BudgetProblem::new("", None, "", other.to_string())]),
    }
}

/// Reads a budget file (TOML, JSON or the budget workbook) into the import format and checks
/// it as the approval's events would be built (ids, projects, targets); every problem located
/// (sheet, row and column; line and column of a text file). Published totals are checked by
/// the import itself.
pub fn read_budget_file(
    kind: BudgetFileKind,
    bytes: &[u8],
) -> Result<BudgetImport, Vec<BudgetProblem>> {
    let (import, locator) = read_located(kind, bytes)?;
    import
        .into_events()
        .map_err(|e| fixture_problems(e, &locator))?;
    Ok(import)
}

fn read_located(
    kind: BudgetFileKind,
    bytes: &[u8],
) -> Result<(BudgetImport, Locator), Vec<BudgetProblem>> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(vec![BudgetProblem::new(
            "",
            None,
            "",
            format!("文件过大：上限 {} MiB", MAX_IMPORT_BYTES >> 20),
        )]);
    }
    let text = || {
        std::str::from_utf8(bytes).map_err(|_| {
            vec![BudgetProblem::new(
                "",
                None,
                "",
                "无法读取：TOML/JSON 文件须为 UTF-8 编码",
            )]
        })
    };
    let read = match kind {
        BudgetFileKind::Workbook => return read_workbook(bytes),
        BudgetFileKind::Toml => BudgetImport::from_toml_str(text()?),
        BudgetFileKind::Json => BudgetImport::from_json_str(text()?),
    };
    read.map(|i| (i, Locator::default()))
        .map_err(|e| fixture_problems(e, &Locator::default()))
}

/// A fixture error as located problems.
fn fixture_problems(e: FixtureError, locator: &Locator) -> Vec<BudgetProblem> {
    match e {
        FixtureError::Syntax {
            line,
            column,
            message,
        } => vec![BudgetProblem::new(
            "",
            line,
            &column.map(|c| c.to_string()).unwrap_or_default(),
            message,
        )],
        FixtureError::Invalid(problems) => problems
            .into_iter()
            .map(|p| {
                if locator.places.is_empty() {
                    BudgetProblem::new("", None, &p.path, p.message)
                } else {
                    locator.problem(&p.path, p.message)
                }
            })
            .collect(),
        other => vec![BudgetProblem::new("", None, "", other.to_string())],
    }
}

/// The approval of a read import; every problem located.
fn approval_of(import: &BudgetImport, locator: &Locator) -> Result<Approval, Vec<BudgetProblem>> {
    import
        .into_events()
        .map_err(|e| fixture_problems(e, locator))?;
    Approval::of(import).map_err(|e| {
        if e.errors.is_empty() {
            vec![BudgetProblem::new("", None, "", e.detail)]
        } else {
            e.errors
                .into_iter()
                .map(|f| BudgetProblem::new("", None, &f.field, f.message_zh))
                .collect()
        }
    })
}

fn capped(mut problems: Vec<BudgetProblem>) -> BudgetFileError {
    problems.truncate(BUDGET_PROBLEMS_MAX);
    BudgetFileError::Rejected(problems)
}

impl App {
    /// Imports a unit's year-start budget from a file: read and checked (every problem
    /// located), decided on the empty unit-year, then — unless `dry_run` — written all or
    /// nothing. A unit-year that already has events is refused, except for a retry of this
    /// very import (same `event_id`, same content), which writes nothing. Without `event_id`
    /// the ids derive from the unit and year (the CLI: importing the same file again adds
    /// nothing).
    pub fn import_budget_file(
        &self,
        kind: BudgetFileKind,
        bytes: &[u8],
        event_id: Option<Uuid>,
        dry_run: bool,
        actor: &Actor,
    ) -> Result<BudgetFileImported, BudgetFileError> {
        let (import, locator) = read_located(kind, bytes).map_err(capped)?;
        let approval = approval_of(&import, &locator).map_err(capped)?;
        let preview = BudgetPreview::of(&approval);
        let stream = approval.stream();
        let client = event_id.unwrap_or_else(|| {
            derived_uuid(&[
                "jixiao-budget",
                &stream.unit,
                &stream.fiscal_year.to_string(),
            ])
        });
        let items = approval.items(client);
        let profile = self.profile(None).map_err(AppError::internal)?;
        let exists = || BudgetFileError::Exists {
            unit: stream.unit.clone(),
            fiscal_year: stream.fiscal_year,
        };
        let decided = self.with_year(&stream, KnownAt::Now, |y| {
            let retry = items.iter().all(|i| y.version_of(&i.event_id).is_some());
            if y.state.version() > 0 {
                return Ok(if retry && !dry_run { Some(true) } else { None });
            }
            Ok(Some(match decide_all(&y.state, &items, &profile) {
                Ok(_) => false,
                Err(ImportError::Refused(refused)) => {
                    return Err(AppError::rejected(
                        "invalid_budget_file",
                        "refused",
                        refused
                            .into_iter()
                            .map(|(i, e)| {
                                let sheet = match items.get(i).map(|it| &it.command) {
                                    Some(Command::ApproveTargets(_)) => TARGETS_SHEET,
                                    _ => LINES_SHEET,
                                };
                                FieldError::new(sheet, e.to_string(), e.code())
                            })
                            .collect(),
                    ));
                }
                Err(ImportError::App(e)) => return Err(e),
            }))
        });
        match decided {
            Ok(None) => return Err(exists()),
            Ok(Some(_)) => {}
            Err(e) if e.code == "invalid_budget_file" => {
                let sheet_of = |f: &FieldError| {
                    if kind == BudgetFileKind::Workbook {
                        f.field.clone()
                    } else {
                        String::new()
                    }
                };
                return Err(capped(
                    e.errors
                        .iter()
                        .map(|f| BudgetProblem::new(&sheet_of(f), None, "", f.message_zh.clone()))
                        .collect(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        if dry_run {
            return Ok(BudgetFileImported {
                preview,
                written: None,
            });
        }
        let written = self
            .write(Write {
                stream: stream.clone(),
                if_match: None,
                items,
                actor: actor.clone(),
                profile,
            })
            .map_err(|e| {
                // Another import of this unit-year won the race since the check above.
                if e.kind == crate::ErrorKind::Rejected {
                    exists()
                } else {
                    BudgetFileError::App(e)
                }
            })?;
        Ok(BudgetFileImported {
            preview,
            written: Some(written),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_are_read_from_short_text() {
        let m = json!({ "kind": "satisfaction", "groups": ["专家", "企业"] });
        assert_eq!(measure_text(&m), "satisfaction:专家,企业");
        assert_eq!(measure_value("satisfaction：专家，企业"), m);
        assert_eq!(measure_value(""), json!({ "kind": "assessed" }));
    }

    #[test]
    fn a_fixture_path_is_located_at_its_sheet_row_and_column() {
        let mut locator = Locator::default();
        locator.add(
            "lines[B-1]".into(),
            Place {
                sheet: LINES_SHEET,
                row: Some(7),
                columns: LINE_FIELDS,
            },
        );
        let p = locator.problem("lines[B-1].amount", "缺少金额".into());
        assert_eq!(
            (p.sheet.as_str(), p.row, p.column.as_str()),
            (LINES_SHEET, Some(7), "金额（万元）")
        );
        assert_eq!(
            p.to_string(),
            "工作表“预算行”第7行“金额（万元）”列：缺少金额"
        );
        let unknown = locator.problem("lines[B-10].amount", "x".into());
        assert_eq!((unknown.sheet.as_str(), unknown.row), (LINES_SHEET, None));
    }

    #[test]
    fn a_text_files_syntax_error_is_located_by_line_and_column() {
        let problems = read_budget_file(BudgetFileKind::Toml, b"format_version = \n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].row, Some(1));
        assert!(problems[0].location().starts_with("第1行"));
    }

    #[test]
    fn file_kinds_are_known_by_extension() {
        assert_eq!(
            BudgetFileKind::of_file_name("预算.XLSX"),
            Some(BudgetFileKind::Workbook)
        );
        assert_eq!(
            BudgetFileKind::of_file_name("a.toml"),
            Some(BudgetFileKind::Toml)
        );
        assert_eq!(BudgetFileKind::of_file_name("a.csv"), None);
        assert_eq!(BudgetFileKind::of_file_name("json"), None);
    }
}
