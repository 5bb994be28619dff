//! The budget import as an Excel workbook: [`write`] produces the template (empty, or filled
//! with an existing import as an example) and [`read`] turns a filled workbook back into the
//! project's import format, so the XLSX route gets exactly the same validation as TOML/JSON
//! (`BudgetImport::from_json_str`, `check`, `into_events`).
//!
//! Sheets (headers in row 1): 单位 (key/value), 预算行, 项目, 绩效指标, 履职目标与任务. Published
//! disclosure totals are not part of the workbook (use TOML for a cross-checked transcription).

use crate::exit::{CliResult, Failure};
use anyhow::Context as _;
use calamine::Reader;
use jixiao_domain::fixture::BudgetImport;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::Path;

/// Most data rows read from one sheet.
pub const SHEET_ROWS_MAX: usize = 20_000;

const UNIT_SHEET: &str = "单位";
const LINES_SHEET: &str = "预算行";
const PROJECTS_SHEET: &str = "项目";
const TARGETS_SHEET: &str = "绩效指标";
const GOALS_SHEET: &str = "履职目标与任务";

/// (label in the 单位 sheet, key in the import format).
const UNIT_KEYS: [(&str, &str); 11] = [
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
const LINE_COLS: [&str; 6] = [
    "行编号",
    "功能分类",
    "经济分类",
    "项目编码",
    "金额（万元）",
    "名称",
];
const PROJECT_COLS: [&str; 4] = ["项目编码", "项目名称", "项目类型", "年度总体目标"];
const TARGET_COLS: [&str; 9] = [
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
const GOAL_COLS: [&str; 3] = ["类型（履职目标/主要任务）", "名称", "内容"];
const UNIT_SCOPE: &str = "部门整体";

fn xl<T>(r: Result<T, rust_xlsxwriter::XlsxError>) -> CliResult<T> {
    r.map_err(|e| Failure::from(anyhow::anyhow!("XLSX: {e}")))
}

fn header(sheet: &mut Worksheet, cols: &[&str], bold: &Format) -> CliResult {
    for (i, c) in cols.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        xl(sheet.write_string_with_format(0, col, *c, bold))?;
        xl(sheet.set_column_width(col, 18))?;
    }
    Ok(())
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn get<'a>(v: &'a Value, dotted: &str) -> &'a Value {
    dotted
        .split('.')
        .fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

/// "assessed", "satisfaction:专家,企业", … ⇄ the import format's `measure` table.
fn measure_text(m: &Value) -> String {
    let kind = text_of(get(m, "kind"));
    match get(m, "groups").as_array() {
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

fn write_rows(sheet: &mut Worksheet, rows: &[Vec<String>]) -> CliResult {
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                xl(sheet.write_string(r, u16::try_from(c).unwrap_or(u16::MAX), v))?;
            }
        }
    }
    Ok(())
}

/// Write the template; filled with `example` when given.
pub fn write(path: &Path, example: Option<&BudgetImport>) -> CliResult {
    let v: Value = match example {
        Some(i) => serde_json::from_str(&i.to_json_string().map_err(|e| anyhow::anyhow!("{e}"))?)?,
        None => Value::Null,
    };
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();

    let sheet = wb.add_worksheet();
    xl(sheet.set_name(UNIT_SHEET))?;
    header(sheet, &["项目", "值"], &bold)?;
    xl(sheet.set_column_width(0, 32))?;
    let rows: Vec<Vec<String>> = UNIT_KEYS
        .iter()
        .map(|(label, key)| vec![(*label).to_string(), text_of(get(&v, key))])
        .collect();
    write_rows(sheet, &rows)?;

    let sheet = wb.add_worksheet();
    xl(sheet.set_name(LINES_SHEET))?;
    header(sheet, &LINE_COLS, &bold)?;
    let rows: Vec<Vec<String>> = get(&v, "lines")
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| {
                    [
                        "id",
                        "function_code",
                        "economic_code",
                        "project",
                        "amount_wan",
                        "name",
                    ]
                    .iter()
                    .map(|k| text_of(get(l, k)))
                    .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    write_rows(sheet, &rows)?;

    let sheet = wb.add_worksheet();
    xl(sheet.set_name(PROJECTS_SHEET))?;
    header(sheet, &PROJECT_COLS, &bold)?;
    let rows: Vec<Vec<String>> = get(&v, "projects")
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    ["code", "name", "category", "overall_goal"]
                        .iter()
                        .map(|k| text_of(get(p, k)))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    write_rows(sheet, &rows)?;

    let sheet = wb.add_worksheet();
    xl(sheet.set_name(TARGETS_SHEET))?;
    header(sheet, &TARGET_COLS, &bold)?;
    let indicator_row = |scope: &str, i: &Value| -> Vec<String> {
        vec![
            scope.to_string(),
            text_of(get(i, "id")),
            text_of(get(i, "level1")),
            text_of(get(i, "level2")),
            text_of(get(i, "name")),
            text_of(get(i, "target")),
            measure_text(get(i, "measure")),
            text_of(get(i, "weight")),
            text_of(get(i, "description")),
        ]
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for i in get(&v, "unit_targets").as_array().into_iter().flatten() {
        rows.push(indicator_row(UNIT_SCOPE, i));
    }
    for p in get(&v, "project_targets").as_array().into_iter().flatten() {
        let code = text_of(get(p, "project"));
        for i in get(p, "indicators").as_array().into_iter().flatten() {
            rows.push(indicator_row(&code, i));
        }
    }
    write_rows(sheet, &rows)?;

    let sheet = wb.add_worksheet();
    xl(sheet.set_name(GOALS_SHEET))?;
    header(sheet, &GOAL_COLS, &bold)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for g in get(&v, "annual_duty_goals")
        .as_array()
        .into_iter()
        .flatten()
    {
        rows.push(vec!["履职目标".to_string(), String::new(), text_of(g)]);
    }
    for t in get(&v, "annual_tasks").as_array().into_iter().flatten() {
        rows.push(vec![
            "主要任务".to_string(),
            text_of(get(t, "name")),
            text_of(get(t, "content")),
        ]);
    }
    write_rows(sheet, &rows)?;

    wb.save(path)
        .map_err(|e| anyhow::anyhow!("无法写入 {} (cannot write): {e}", path.display()))?;
    Ok(())
}

/// One sheet as (spreadsheet row number, header → cell text), blank rows skipped.
fn sheet_records(
    wb: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> CliResult<Vec<(usize, HashMap<String, String>)>> {
    let range = wb
        .worksheet_range(name)
        .map_err(|e| Failure::validation(format!("缺少工作表“{name}” (missing sheet): {e}")))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        if i >= SHEET_ROWS_MAX {
            return Err(Failure::validation(format!(
                "工作表“{name}”超过 {SHEET_ROWS_MAX} 行 (too many rows)"
            )));
        }
        let cells: Vec<String> = row
            .iter()
            .map(|c| c.to_string().trim().to_string())
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let record = headers.iter().cloned().zip(cells).collect();
        out.push((first_row + i + 2, record));
    }
    Ok(out)
}

fn cell<'a>(r: &'a HashMap<String, String>, col: &str) -> &'a str {
    r.get(col).map_or("", String::as_str)
}

fn opt(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_string())
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

/// Read a filled template into the import format.
pub fn read(path: &Path) -> CliResult<BudgetImport> {
    let mut wb = calamine::open_workbook_auto(path)
        .with_context(|| format!("无法打开工作簿 {} (cannot open workbook)", path.display()))?;
    let mut root = Map::new();
    root.insert(
        "format_version".into(),
        json!(jixiao_domain::fixture::FORMAT_VERSION),
    );

    let labels: HashMap<&str, &str> = UNIT_KEYS.iter().copied().collect();
    for (row, r) in sheet_records(&mut wb, UNIT_SHEET)? {
        let label = cell(&r, "项目");
        let Some(key) = labels.get(label) else {
            return Err(Failure::validation(format!(
                "工作表“{UNIT_SHEET}”第{row}行：未知项目“{label}”"
            )));
        };
        let value = cell(&r, "值");
        let v = match *key {
            "fiscal_year" => json!(value.trim_end_matches(".0").parse::<i32>().map_err(|_| {
                Failure::validation(format!(
                    "工作表“{UNIT_SHEET}”第{row}行：预算年度“{value}”不是年份"
                ))
            })?),
            "approved_on" => match jixiao_app::ledger::parse_date(value) {
                Some(d) => json!(d.to_string()),
                None => {
                    return Err(Failure::validation(format!(
                        "工作表“{UNIT_SHEET}”第{row}行：批复日期“{value}”无法识别"
                    )));
                }
            },
            _ if value.is_empty() => continue,
            _ => json!(value),
        };
        set(&mut root, key, v);
    }

    let mut lines = Vec::new();
    for (_, r) in sheet_records(&mut wb, LINES_SHEET)? {
        let mut l = Map::new();
        for (col, key) in LINE_COLS.iter().zip([
            "id",
            "function_code",
            "economic_code",
            "project",
            "amount_wan",
            "name",
        ]) {
            if let v @ Value::String(_) = opt(cell(&r, col)) {
                l.insert(key.to_string(), v);
            }
        }
        lines.push(Value::Object(l));
    }
    root.insert("lines".into(), Value::Array(lines));

    let mut projects = Vec::new();
    for (_, r) in sheet_records(&mut wb, PROJECTS_SHEET)? {
        projects.push(json!({
            "code": cell(&r, PROJECT_COLS[0]),
            "name": cell(&r, PROJECT_COLS[1]),
            "category": cell(&r, PROJECT_COLS[2]),
            "overall_goal": cell(&r, PROJECT_COLS[3]),
        }));
    }
    root.insert("projects".into(), Value::Array(projects));

    let mut unit_targets = Vec::new();
    let mut by_project: Vec<(String, Vec<Value>)> = Vec::new();
    for (_, r) in sheet_records(&mut wb, TARGETS_SHEET)? {
        let mut i = Map::new();
        i.insert("id".into(), json!(cell(&r, TARGET_COLS[1])));
        i.insert("level1".into(), json!(cell(&r, TARGET_COLS[2])));
        i.insert("level2".into(), json!(cell(&r, TARGET_COLS[3])));
        i.insert("name".into(), json!(cell(&r, TARGET_COLS[4])));
        i.insert("target".into(), json!(cell(&r, TARGET_COLS[5])));
        i.insert("measure".into(), measure_value(cell(&r, TARGET_COLS[6])));
        if let v @ Value::String(_) = opt(cell(&r, TARGET_COLS[7])) {
            i.insert("weight".into(), v);
        }
        if let v @ Value::String(_) = opt(cell(&r, TARGET_COLS[8])) {
            i.insert("description".into(), v);
        }
        let scope = cell(&r, TARGET_COLS[0]);
        if scope == UNIT_SCOPE || scope.is_empty() {
            unit_targets.push(Value::Object(i));
        } else {
            match by_project.iter_mut().find(|(c, _)| c == scope) {
                Some((_, v)) => v.push(Value::Object(i)),
                None => by_project.push((scope.to_string(), vec![Value::Object(i)])),
            }
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

    let mut goals = Vec::new();
    let mut tasks = Vec::new();
    for (row, r) in sheet_records(&mut wb, GOALS_SHEET)? {
        match cell(&r, GOAL_COLS[0]) {
            "履职目标" => goals.push(json!(cell(&r, GOAL_COLS[2]))),
            "主要任务" => tasks
                .push(json!({ "name": cell(&r, GOAL_COLS[1]), "content": cell(&r, GOAL_COLS[2]) })),
            other => {
                return Err(Failure::validation(format!(
                    "工作表“{GOALS_SHEET}”第{row}行：类型“{other}”应为“履职目标”或“主要任务”"
                )));
            }
        }
    }
    root.insert("annual_duty_goals".into(), Value::Array(goals));
    root.insert("annual_tasks".into(), Value::Array(tasks));

    BudgetImport::from_json_str(&Value::Object(root).to_string()).map_err(|e| match e {
        // The JSON is generated: its line/column mean nothing to the person who filled the
        // workbook; the message names the field (lines[i] = 预算行 row i+2).
        jixiao_domain::fixture::FixtureError::Syntax { message, .. } => Failure::validation(
            format!("预算工作簿内容无效 (invalid budget workbook): {message}"),
        ),
        other => Failure::validation(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_domain::fixture::JIAOZUO_2024_TOML;

    #[test]
    fn the_jiaozuo_budget_survives_a_round_trip_through_the_workbook() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("budget.xlsx");
        let original = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).unwrap();
        write(&path, Some(&original)).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.into_events().unwrap(), original.into_events().unwrap());
    }

    #[test]
    fn an_empty_template_reads_back_as_an_incomplete_budget() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.xlsx");
        write(&path, None).unwrap();
        let err = read(&path).unwrap_err();
        assert_eq!(err.code, crate::exit::VALIDATION);
    }

    #[test]
    fn measures_are_written_and_read_as_short_text() {
        let m = json!({ "kind": "satisfaction", "groups": ["专家", "企业"] });
        assert_eq!(measure_text(&m), "satisfaction:专家,企业");
        assert_eq!(measure_value("satisfaction：专家，企业"), m);
        assert_eq!(measure_value(""), json!({ "kind": "assessed" }));
    }
}
