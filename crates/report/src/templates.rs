//! Blank workbooks people fill in for an import: the ledger (会计账目) template, one header
//! row of the columns `jixiao_app::ledger` reads, with an example on a separate sheet (a row
//! left in the ledger sheet would be imported as a real payment). Used by the CLI
//! (`jixiao import template ledger`) and the web pages' download.

use crate::ReportError;
use jixiao_app::ledger::Column;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// Width of each template column, in characters.
const COLUMN_WIDTH: f64 = 16.0;

/// The template's fixed creation date (year, month, day): the same bytes every time.
const TEMPLATE_CREATED: (u16, u8, u8) = (2024, 1, 1);

/// The ASCII file name of the ledger template.
pub const LEDGER_TEMPLATE_FILE_NAME: &str = "ledger-template.xlsx";

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

#[cfg(test)]
mod tests {
    use super::*;

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
