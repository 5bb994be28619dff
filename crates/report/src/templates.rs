//! Blank workbooks people fill in for an import: the ledger (会计账目) template, one header
//! row of the columns `jixiao_app::ledger` reads, with an example on a separate sheet (a row
//! left in the ledger sheet would be imported as a real payment); and the budget (年初预算)
//! workbook in the layout `jixiao_app::budget_file` reads, empty or filled with an import as
//! an example. Used by the CLI (`jixiao import template ledger|budget`) and the web pages'
//! downloads.

use crate::ReportError;
use jixiao_app::budget_file::{
    GOAL_COLS, GOAL_KINDS, GOALS_SHEET, LINE_COLS, LINE_KEYS, LINES_SHEET, PROJECT_COLS,
    PROJECT_KEYS, PROJECTS_SHEET, TARGET_COLS, TARGETS_SHEET, UNIT_KEYS, UNIT_SCOPE, UNIT_SHEET,
    UNIT_SHEET_COLS, measure_text, text_of,
};
use jixiao_app::ledger::Column;
use jixiao_domain::fixture::BudgetImport;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::Value;

/// Width of each template column, in characters.
const COLUMN_WIDTH: f64 = 16.0;

/// The template's fixed creation date (year, month, day): the same bytes every time.
const TEMPLATE_CREATED: (u16, u8, u8) = (2024, 1, 1);

/// The ASCII file name of the ledger template.
pub const LEDGER_TEMPLATE_FILE_NAME: &str = "ledger-template.xlsx";
/// The ASCII file name of the empty budget template.
pub const BUDGET_TEMPLATE_FILE_NAME: &str = "budget-template.xlsx";
/// The ASCII file name of the budget template filled with the 焦作 2024 example.
pub const BUDGET_EXAMPLE_FILE_NAME: &str = "budget-example-jiaozuo-2024.xlsx";
/// Width of the budget template's columns, in characters.
const BUDGET_COLUMN_WIDTH: f64 = 18.0;
/// Width of the 单位 sheet's label column, in characters.
const UNIT_LABEL_WIDTH: f64 = 32.0;

/// The ledger template as XLSX bytes: the sheet 账目 with the header row, the sheet 说明 with
/// one example row; reproducible (fixed document properties).
pub fn ledger_template() -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let (y, m, d) = TEMPLATE_CREATED;
    wb.set_properties(
        &DocProperties::new()
            .set_title("会计账目导入模板")
            .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?),
    );
    let bold = Format::new().set_bold();
    let cols = [
        Column::Date,
        Column::Voucher,
        Column::Economic,
        Column::Project,
        Column::Amount,
        Column::Summary,
        Column::Function,
    ];
    let sheet = wb.add_worksheet();
    sheet.set_name("账目")?;
    for (i, c) in cols.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(0);
        sheet.write_string_with_format(0, col, c.label(), &bold)?;
        sheet.set_column_width(col, COLUMN_WIDTH)?;
    }
    let example = [
        "2024-01-15",
        "记-001",
        "30201",
        "",
        "1200.00",
        "购买办公用品",
        "",
    ];
    let notes = wb.add_worksheet();
    notes.set_name("说明")?;
    notes.write_string_with_format(
        0,
        0,
        "示例（填写在「账目」工作表中，本表不导入） (example; fill in the 账目 sheet)",
        &bold,
    )?;
    for (i, (c, v)) in cols.iter().zip(example).enumerate() {
        let col = u16::try_from(i).unwrap_or(0);
        notes.write_string_with_format(1, col, c.label(), &bold)?;
        notes.write_string(2, col, v)?;
        notes.set_column_width(col, COLUMN_WIDTH)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn header(sheet: &mut Worksheet, cols: &[&str], bold: &Format) -> Result<(), ReportError> {
    for (i, c) in cols.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, *c, bold)?;
        sheet.set_column_width(col, BUDGET_COLUMN_WIDTH)?;
    }
    Ok(())
}

fn get<'a>(v: &'a Value, dotted: &str) -> &'a Value {
    dotted
        .split('.')
        .fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

fn write_rows(sheet: &mut Worksheet, rows: &[Vec<String>]) -> Result<(), ReportError> {
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r, u16::try_from(c).unwrap_or(u16::MAX), v)?;
            }
        }
    }
    Ok(())
}

fn rows_of(v: &Value, list: &str, keys: &[&str]) -> Vec<Vec<String>> {
    get(v, list)
        .as_array()
        .map(|a| {
            a.iter()
                .map(|item| keys.iter().map(|k| text_of(get(item, k))).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// The budget workbook as XLSX bytes (sheets 单位, 预算行, 项目, 绩效指标, 履职目标与任务, headers
/// in row 1), empty or filled with `example`; what `jixiao_app::budget_file` reads back.
/// Reproducible (fixed document properties).
pub fn budget_template(example: Option<&BudgetImport>) -> Result<Vec<u8>, ReportError> {
    let v: Value = match example {
        Some(i) => serde_json::to_value(i)?,
        None => Value::Null,
    };
    let mut wb = Workbook::new();
    let (y, m, d) = TEMPLATE_CREATED;
    wb.set_properties(
        &DocProperties::new()
            .set_title("年初预算导入模板")
            .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?),
    );
    let bold = Format::new().set_bold();

    let sheet = wb.add_worksheet();
    sheet.set_name(UNIT_SHEET)?;
    header(sheet, &UNIT_SHEET_COLS, &bold)?;
    sheet.set_column_width(0, UNIT_LABEL_WIDTH)?;
    let rows: Vec<Vec<String>> = UNIT_KEYS
        .iter()
        .map(|(label, key)| vec![(*label).to_string(), text_of(get(&v, key))])
        .collect();
    write_rows(sheet, &rows)?;

    let sheet = wb.add_worksheet();
    sheet.set_name(LINES_SHEET)?;
    header(sheet, &LINE_COLS, &bold)?;
    write_rows(sheet, &rows_of(&v, "lines", &LINE_KEYS))?;

    let sheet = wb.add_worksheet();
    sheet.set_name(PROJECTS_SHEET)?;
    header(sheet, &PROJECT_COLS, &bold)?;
    write_rows(sheet, &rows_of(&v, "projects", &PROJECT_KEYS))?;

    let sheet = wb.add_worksheet();
    sheet.set_name(TARGETS_SHEET)?;
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
    sheet.set_name(GOALS_SHEET)?;
    header(sheet, &GOAL_COLS, &bold)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for g in get(&v, "annual_duty_goals")
        .as_array()
        .into_iter()
        .flatten()
    {
        rows.push(vec![GOAL_KINDS[0].to_string(), String::new(), text_of(g)]);
    }
    for t in get(&v, "annual_tasks").as_array().into_iter().flatten() {
        rows.push(vec![
            GOAL_KINDS[1].to_string(),
            text_of(get(t, "name")),
            text_of(get(t, "content")),
        ]);
    }
    write_rows(sheet, &rows)?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_app::budget_file::{BudgetFileKind, read_budget_file};
    use jixiao_domain::fixture::JIAOZUO_2024_TOML;

    #[test]
    fn the_jiaozuo_budget_survives_a_round_trip_through_the_workbook() {
        let original = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).unwrap();
        let bytes = budget_template(Some(&original)).unwrap();
        let back = read_budget_file(BudgetFileKind::Workbook, &bytes).unwrap();
        assert_eq!(back.into_events().unwrap(), original.into_events().unwrap());
    }

    #[test]
    fn an_empty_budget_template_reads_back_as_the_unit_rows_still_to_fill() {
        let bytes = budget_template(None).unwrap();
        let problems = read_budget_file(BudgetFileKind::Workbook, &bytes).unwrap_err();
        assert!(
            problems.iter().any(|p| p.sheet == UNIT_SHEET
                && p.row == Some(2)
                && p.message.contains("单位代码")),
            "{problems:?}"
        );
    }

    /// The workbook `bytes` rewritten with the cell (sheet, 0-based row, column) set to `text`.
    fn with_cell(bytes: &[u8], at: (&str, usize, usize), text: &str) -> Vec<u8> {
        use calamine::{Reader, Xlsx};
        let mut wb = Workbook::new();
        let names = [
            UNIT_SHEET,
            LINES_SHEET,
            PROJECTS_SHEET,
            TARGETS_SHEET,
            GOALS_SHEET,
        ];
        for name in names {
            let mut x = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let range = x.worksheet_range(name).unwrap();
            let sheet = wb.add_worksheet();
            sheet.set_name(name).unwrap();
            for (r, row) in range.rows().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let value = if (name, r, c) == at {
                        text.to_string()
                    } else {
                        cell.to_string()
                    };
                    let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                    sheet.write_string(r, c, value).unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn a_bad_cell_of_the_budget_workbook_is_reported_at_its_sheet_row_and_column() {
        let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).unwrap();
        let bytes = with_cell(
            &budget_template(Some(&import)).unwrap(),
            (LINES_SHEET, 3, 2),
            "3020",
        );
        let problems = read_budget_file(BudgetFileKind::Workbook, &bytes).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (
                problems[0].sheet.as_str(),
                problems[0].row,
                problems[0].column.as_str()
            ),
            (LINES_SHEET, Some(4), "经济分类")
        );
    }

    #[test]
    fn an_unreadable_target_is_reported_at_its_row_of_the_indicator_sheet() {
        let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).unwrap();
        let bytes = with_cell(
            &budget_template(Some(&import)).unwrap(),
            (TARGETS_SHEET, 2, 5),
            "大概吧",
        );
        let problems = read_budget_file(BudgetFileKind::Workbook, &bytes).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (
                problems[0].sheet.as_str(),
                problems[0].row,
                problems[0].column.as_str()
            ),
            (TARGETS_SHEET, Some(3), "指标值")
        );
        assert!(problems[0].message.contains("大概吧"), "{problems:?}");
    }

    #[test]
    fn the_ledger_template_is_a_workbook_whose_first_sheet_holds_only_the_header_row() {
        use calamine::{Reader, Xlsx};
        let bytes = ledger_template().unwrap();
        let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["账目", "说明"]);
        let range = wb.worksheet_range("账目").unwrap();
        assert_eq!(range.height(), 1, "no example row in the imported sheet");
        assert_eq!(
            range.get((0, 0)).map(|c| c.to_string()),
            Some(Column::Date.label().to_string())
        );
    }
}
