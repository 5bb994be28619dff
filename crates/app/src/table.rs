//! Spreadsheets and CSV files as rows of text, from their bytes (callers read the file or
//! receive the upload): XLSX/XLSM/XLS/ODS through calamine, CSV as UTF-8 (optional BOM) or
//! else GB18030, the legacy encoding Chinese accounting software writes. Rows are numbered as
//! the spreadsheet numbers them, so a problem report's row and column match what a person sees.

use crate::ledger::LEDGER_ROWS_MAX;
use calamine::{Data, Reader};
use std::io::Cursor;

/// Largest file an import reads.
pub const IMPORT_FILE_BYTES_MAX: u64 = 32 << 20;

/// Rows of text and how the file was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The rows; row `i` is the spreadsheet's row `i + 1`.
    pub rows: Vec<Vec<String>>,
    /// True when a CSV was GBK/GB18030 rather than UTF-8.
    pub legacy_encoding: bool,
}

/// Why a file could not be read as a table (a message for a person, in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TableError(pub String);

/// The kinds of file a table is read from, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// A workbook.
    Workbook,
    /// Comma- or tab-separated text.
    Csv,
}

impl TableKind {
    /// The kind of a file name's extension (case-insensitive), if it is one.
    pub fn of_extension(extension: &str) -> Option<TableKind> {
        match extension.to_ascii_lowercase().as_str() {
            "xlsx" | "xlsm" | "xls" | "ods" => Some(TableKind::Workbook),
            "csv" | "txt" | "tsv" => Some(TableKind::Csv),
            _ => None,
        }
    }
}

/// The text of a CSV file and whether it was in the legacy Chinese encoding.
#[derive(Debug)]
pub struct DecodedText {
    /// The text.
    pub text: String,
    /// True when the file was GBK/GB18030 rather than UTF-8.
    pub legacy: bool,
}

/// UTF-8 first (what "CSV UTF-8" and most tools write); otherwise GB18030, a superset of GBK,
/// which Chinese accounting software (and Excel's plain "CSV" on a Chinese Windows) writes.
/// Text that is neither, decoded without replacement characters, is refused: guessing would
/// import garbled 摘要 silently.
pub fn decode_csv(bytes: &[u8]) -> Result<DecodedText, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(DecodedText {
            text: text.to_string(),
            legacy: false,
        });
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(DecodedText {
            text: text.into_owned(),
            legacy: true,
        }),
        None => Err(
            "文件既不是 UTF-8 也不是 GBK 编码，请在表格软件中另存为“CSV UTF-8” (neither UTF-8 nor GBK)"
                .to_string(),
        ),
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Shortest round-trip text of the number: 1234.5 → "1234.5", 45356 → "45356". The
        // ledger parser reads it as a decimal; no float arithmetic touches money.
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // A date-formatted cell: its serial day number, which the date parser understands.
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}

/// Rows of text from a workbook's sheet (the first, or the one named).
pub fn read_workbook(bytes: &[u8], sheet: Option<&str>) -> Result<Table, TableError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| TableError(format!("无法打开工作簿 (cannot open workbook): {e}")))?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| TableError("工作簿中没有工作表 (no sheet)".to_string()))?,
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| TableError(format!("无法读取工作表“{name}” (cannot read sheet): {e}")))?;
    // Rows are reported as the spreadsheet numbers them: pad the rows and columns above and
    // left of the used range (calamine's range starts at the first non-empty cell).
    let start_row = range.start().map_or(0, |(r, _)| r as usize);
    let start_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); start_row.min(LEDGER_ROWS_MAX)];
    for row in range.rows() {
        let mut cells = vec![String::new(); start_col];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Ok(Table {
        rows,
        legacy_encoding: false,
    })
}

/// Rows of text from a CSV file (UTF-8, optional BOM, or GB18030; comma, or tab when the
/// header has tabs and no commas).
pub fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let decoded = decode_csv(bytes).map_err(TableError)?;
    let text = decoded.text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec
            .map_err(|e| TableError(format!("第{}行 CSV 格式错误 (malformed CSV): {e}", i + 1)))?;
        rows.push(rec.iter().map(str::to_string).collect());
        if rows.len() > LEDGER_ROWS_MAX + 1 {
            break;
        }
    }
    Ok(Table {
        rows,
        legacy_encoding: decoded.legacy,
    })
}

/// Rows of a file of the given kind.
pub fn read_table(kind: TableKind, bytes: &[u8], sheet: Option<&str>) -> Result<Table, TableError> {
    match kind {
        TableKind::Workbook => read_workbook(bytes, sheet),
        TableKind::Csv => read_csv(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_csv_is_read_as_gb18030_and_says_so() {
        let (bytes, _, _) = encoding_rs::GBK.encode("凭证号,金额\n记-001,100.00\n");
        let table = read_csv(&bytes).unwrap();
        assert!(table.legacy_encoding);
        assert_eq!(table.rows[1], vec!["记-001", "100.00"]);
    }

    #[test]
    fn a_utf8_csv_with_bom_and_tabs_is_split_on_tabs() {
        let table = read_csv("\u{feff}凭证号\t金额\n记-001\t100.00\n".as_bytes()).unwrap();
        assert!(!table.legacy_encoding);
        assert_eq!(table.rows[0], vec!["凭证号", "金额"]);
    }

    #[test]
    fn bytes_that_are_no_workbook_say_so() {
        assert!(read_workbook(b"not a workbook", None).is_err());
    }
}
