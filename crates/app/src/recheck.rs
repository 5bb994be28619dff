//! 复核 of published self-evaluation tables: the readers that turn a file's bytes into the
//! domain's [`PublishedTable`]s, and the re-check of each with
//! [`jixiao_domain::recheck::recheck_table`].
//!
//! Readers (every front end passes bytes and a file name; no file is opened here):
//!
//! - **XLSX** (and XLS/ODS through calamine) in the 项目支出绩效自评表 layout: the one
//!   `jixiao-report` exports and hand-made variants — title rows above the headers, merged
//!   一级/二级 cells (a blank cell below inherits the one above), blank cells, the target written
//!   inside the indicator name, extra 其中 rows in the funds block. Every sheet is read, and a
//!   sheet may hold several tables one below the other.
//! - **CSV** with the same rows (UTF-8, BOM optional, or GB18030), as `jixiao-report` writes it.
//! - **JSON**: one [`PublishedTable`], an array of them, or `{"tables": [...]}` (docs/recheck.md).
//!
//! Columns are found by their header text (年初预算数, 全年预算数, 全年执行数, 分值, 执行率,
//! 得分; 一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分), so their order and
//! extra columns do not matter. What cannot be read is reported as a [`ReadProblem`] naming the
//! file, the sheet and the cell (A1 notation), and reading goes on with the rest.

use crate::table::{IMPORT_FILE_BYTES_MAX, decode_csv};
use calamine::{Data, Reader};
use jixiao_domain::Decimal;
use jixiao_domain::profile::ScoringProfile;
use jixiao_domain::recheck::{
    CELL_CHARS_MAX, FUNDS_ROWS_MAX, PublishedFunds, PublishedIndicator, PublishedTable,
    ROWS_PER_TABLE_MAX, TableVerdict, recheck_table,
};
use serde::Serialize;
use std::io::Cursor;

/// Largest file the 复核 reads.
pub const RECHECK_FILE_BYTES_MAX: u64 = IMPORT_FILE_BYTES_MAX;

/// Most tables read from one file (sheets and tables within them).
pub const TABLES_PER_FILE_MAX: usize = 200;

/// Most rows of one sheet looked at.
pub const SHEET_ROWS_MAX: usize = 5000;

/// Most columns of one sheet looked at.
pub const SHEET_COLUMNS_MAX: usize = 40;

/// The kind of a file, by its name or its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// A workbook (XLSX, XLSM, XLS, ODS).
    Workbook,
    /// CSV text.
    Csv,
    /// JSON (docs/recheck.md).
    Json,
}

impl InputFormat {
    /// By extension when it is a known one, else by the first bytes (a zip or OLE header is a
    /// workbook, `{`/`[` JSON, anything else CSV).
    pub fn detect(file_name: &str, bytes: &[u8]) -> InputFormat {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "xlsx" | "xlsm" | "xls" | "ods" => return InputFormat::Workbook,
            "csv" | "txt" | "tsv" => return InputFormat::Csv,
            "json" => return InputFormat::Json,
            _ => {}
        }
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return InputFormat::Workbook;
        }
        let text = bytes
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(bytes)
            .trim_ascii_start();
        if text.starts_with(b"{") || text.starts_with(b"[") {
            InputFormat::Json
        } else {
            InputFormat::Csv
        }
    }
}

/// Something that could not be read: the file, the sheet, the cell, and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadProblem {
    /// The file's name.
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    /// The cell in A1 notation ("G12"), or the JSON line and column ("第3行第5列").
    pub cell: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, "，工作表“{s}”")?;
        }
        if let Some(c) = &self.cell {
            write!(f, "，{c}")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// A table and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcedTable {
    /// The file's name.
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    /// The first row of the table (1-based), for a workbook or CSV.
    pub first_row: Option<usize>,
    /// The table.
    pub table: PublishedTable,
}

/// What a file held: the tables read and the problems met.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadOutcome {
    /// The tables, in file order.
    pub tables: Vec<SourcedTable>,
    /// What could not be read.
    pub problems: Vec<ReadProblem>,
}

/// The verdict on one table and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcedVerdict {
    /// The file's name.
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    /// The first row of the table.
    pub first_row: Option<usize>,
    /// The verdict.
    pub verdict: TableVerdict,
}

/// The 复核 of one or more files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecheckReport {
    /// Profile id used.
    pub profile_id: String,
    /// One verdict per table read.
    pub tables: Vec<SourcedVerdict>,
    /// What could not be read.
    pub problems: Vec<ReadProblem>,
}

impl RecheckReport {
    /// Tables whose rows all agree with the rule and that have no finding but notices.
    pub fn clean_tables(&self) -> usize {
        self.tables.iter().filter(|t| t.verdict.clean).count()
    }

    /// Whether every table is clean and nothing was left unread.
    pub fn all_clean(&self) -> bool {
        self.problems.is_empty() && self.tables.iter().all(|t| t.verdict.clean)
    }
}

/// A cell reference in A1 notation from 0-based row and column ("A1", "AB12").
pub fn a1(row: usize, col: usize) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// A cell as read: its text and whether the workbook stored it as a number.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cell {
    text: String,
    numeric: bool,
}

fn cell_of(d: &Data) -> Cell {
    let (text, numeric) = match d {
        Data::Empty => (String::new(), false),
        Data::String(s) => (s.clone(), false),
        // Shortest round-trip text of the double: 9.96 → "9.96"; no arithmetic in floats.
        Data::Float(f) => (f.to_string(), true),
        Data::Int(i) => (i.to_string(), true),
        Data::Bool(b) => (b.to_string(), false),
        Data::DateTime(dt) => (dt.as_f64().to_string(), true),
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), false),
        Data::Error(e) => (format!("#ERROR {e:?}"), false),
    };
    let text = if text.chars().count() > CELL_CHARS_MAX {
        text.chars().take(CELL_CHARS_MAX).collect()
    } else {
        text
    };
    Cell { text, numeric }
}

/// Header text without spaces, line breaks or a unit in brackets ("分值（分）" → "分值").
fn key(text: &str) -> String {
    let squashed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    match squashed.find(['（', '(']) {
        Some(i) if i > 0 => squashed[..i].to_string(),
        _ => squashed,
    }
}

/// Where one sheet's problems go.
struct Context<'a> {
    file: &'a str,
    sheet: Option<&'a str>,
    problems: &'a mut Vec<ReadProblem>,
}

impl Context<'_> {
    fn problem(&mut self, cell: Option<String>, message: impl Into<String>) {
        self.problems.push(ReadProblem {
            file: self.file.to_string(),
            sheet: self.sheet.map(str::to_string),
            cell,
            message: message.into(),
        });
    }
}

/// A number cell: "20.00", "1,234.5", "99.65%", "9.96分"; blank or a dash is `None`.
/// `percent`: a rate column, where a workbook number at most [`PERCENT_AS_RATIO_MAX`] is a
/// ratio formatted as a percentage (0.9965 shown as 99.65%).
fn number(
    cells: &[Cell],
    row: usize,
    col: Option<usize>,
    percent: bool,
    ctx: &mut Context<'_>,
) -> Option<Decimal> {
    let col = col?;
    let cell = cells.get(col)?;
    let t: String = cell
        .text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .collect();
    if matches!(t.as_str(), "" | "—" | "-" | "－" | "/" | "——" | "／") {
        return None;
    }
    let (body, had_percent) = match t.strip_suffix(['%', '％']) {
        Some(b) => (b, true),
        None => (
            t.trim_end_matches(['分', '元']).trim_end_matches('万'),
            false,
        ),
    };
    match body.parse::<Decimal>() {
        Ok(v) if v.is_sign_negative() => {
            ctx.problem(Some(a1(row, col)), format!("“{}”为负数", cell.text.trim()));
            None
        }
        Ok(v) => {
            let v = if percent && cell.numeric && !had_percent && v <= PERCENT_AS_RATIO_MAX {
                v * Decimal::ONE_HUNDRED
            } else {
                v
            };
            // A workbook double carries binary noise past the printed decimals.
            Some(if cell.numeric {
                v.round_dp(6).normalize()
            } else {
                v
            })
        }
        Err(_) => {
            ctx.problem(
                Some(a1(row, col)),
                format!("“{}”不是数字", cell.text.trim()),
            );
            None
        }
    }
}

/// A workbook number in a rate column at most this is a ratio (1.5 = 150%).
pub const PERCENT_AS_RATIO_MAX: Decimal = Decimal::from_parts(15, 0, 0, false, 1);

fn text(cells: &[Cell], col: Option<usize>) -> String {
    col.and_then(|c| cells.get(c))
        .map(|c| c.text.trim().to_string())
        .unwrap_or_default()
}

fn find_col(keys: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| keys.iter().position(|k| k == n))
        .or_else(|| {
            names
                .iter()
                .find_map(|n| keys.iter().position(|k| k.starts_with(n)))
        })
}

struct FundsCols {
    initial: Option<usize>,
    adjusted: Option<usize>,
    executed: Option<usize>,
    weight: Option<usize>,
    rate: Option<usize>,
    score: Option<usize>,
}

struct IndicatorCols {
    level1: Option<usize>,
    level2: Option<usize>,
    name: usize,
    target: Option<usize>,
    actual: Option<usize>,
    weight: Option<usize>,
    score: Option<usize>,
}

fn funds_header(keys: &[String]) -> Option<FundsCols> {
    let adjusted = find_col(keys, &["全年预算数", "调整后预算数", "全年预算"])?;
    let executed = find_col(keys, &["全年执行数", "实际执行数", "执行数"])?;
    Some(FundsCols {
        initial: find_col(keys, &["年初预算数", "年初预算"]),
        adjusted: Some(adjusted),
        executed: Some(executed),
        weight: find_col(keys, &["分值", "权重"]),
        rate: find_col(keys, &["执行率", "预算执行率"]),
        score: find_col(keys, &["得分", "自评得分"]),
    })
}

fn indicator_header(keys: &[String]) -> Option<IndicatorCols> {
    let name = find_col(keys, &["三级指标", "指标名称"])?;
    let level1 = find_col(keys, &["一级指标"]);
    level1.or_else(|| find_col(keys, &["二级指标"]))?;
    Some(IndicatorCols {
        level1,
        level2: find_col(keys, &["二级指标"]),
        name,
        target: find_col(
            keys,
            &["年度指标值", "指标值", "年度目标值", "目标值", "预期目标"],
        ),
        actual: find_col(keys, &["实际完成值", "实际完成情况", "完成值", "实际值"]),
        weight: find_col(keys, &["分值", "权重"]),
        score: find_col(keys, &["得分", "自评得分"]),
    })
}

/// Labels that end the funds block.
const FUNDS_STOP: &[&str] = &[
    "执行率偏低原因说明",
    "年度主要任务",
    "年度总体目标",
    "绩效指标",
    "一级指标",
];

fn is_footer(keys: &[String]) -> bool {
    keys.iter()
        .take(SHEET_COLUMNS_MAX)
        .any(|k| k == "总分" || k == "合计" || k.starts_with("总分") || k == "自评总分")
}

/// The grade written on a footer row or just below it.
fn grade_in(keys: &[String]) -> Option<String> {
    for (i, k) in keys.iter().enumerate() {
        if k.contains("等级") || k.contains("评价结果") {
            if let Some((_, g)) = k.split_once(['：', ':'])
                && !g.is_empty()
            {
                return Some(g.to_string());
            }
            if let Some(next) = keys[i + 1..].iter().find(|k| !k.is_empty()) {
                return Some(next.clone());
            }
        }
    }
    keys.iter()
        .find(|k| {
            matches!(
                k.as_str(),
                "优" | "良" | "中" | "差" | "优秀" | "良好" | "合格"
            )
        })
        .cloned()
}

/// Reads the tables of one sheet (or CSV) from its rows.
fn tables_of_rows(
    rows: &[Vec<Cell>],
    fallback_name: &str,
    ctx: &mut Context<'_>,
) -> Vec<(usize, PublishedTable)> {
    let mut out = Vec::new();
    let mut skipped = false;
    let mut r = 0;
    let rows = &rows[..rows.len().min(SHEET_ROWS_MAX)];
    while r < rows.len() && out.len() < TABLES_PER_FILE_MAX {
        let start = r;
        let mut table = PublishedTable::default();
        let mut name: Option<String> = None;
        let mut unit_wide = false;
        // Header part: the name, the funds block, up to the indicator header.
        let mut ind_cols = None;
        while r < rows.len() {
            let keys: Vec<String> = rows[r].iter().map(|c| key(&c.text)).collect();
            if rows[r]
                .iter()
                .any(|c| c.text.contains("整体支出绩效自评表"))
            {
                unit_wide = true;
            }
            if let Some(i) = keys.iter().position(|k| k.starts_with("项目名称")) {
                // "项目名称 | X" or "项目名称：X" in one cell.
                let inline = rows[r][i]
                    .text
                    .trim()
                    .trim_start_matches("项目名称")
                    .trim_start_matches(['：', ':'])
                    .trim();
                name = if inline.is_empty() {
                    rows[r][i + 1..]
                        .iter()
                        .map(|c| c.text.trim())
                        .find(|t| !t.is_empty())
                        .map(str::to_string)
                } else {
                    Some(inline.to_string())
                };
            }
            if let Some(cols) = funds_header(&keys) {
                r += 1;
                read_funds(rows, &mut r, &cols, &mut table, ctx);
                continue;
            }
            if let Some(cols) = indicator_header(&keys) {
                ind_cols = Some(cols);
                r += 1;
                break;
            }
            r += 1;
        }
        let Some(cols) = ind_cols else {
            if out.is_empty() && !skipped {
                ctx.problem(
                    None,
                    "找不到指标表头（一级指标、二级指标、三级指标所在的行），该表未复核",
                );
            }
            break;
        };
        read_indicators(rows, &mut r, &cols, &mut table, ctx);
        if unit_wide {
            ctx.problem(
                Some(a1(start, 0)),
                "部门整体支出绩效自评表不在项目支出复核之列，已跳过",
            );
            skipped = true;
            continue;
        }
        table.name = name.unwrap_or_else(|| fallback_name.to_string());
        out.push((start + 1, table));
    }
    out
}

fn read_funds(
    rows: &[Vec<Cell>],
    r: &mut usize,
    cols: &FundsCols,
    table: &mut PublishedTable,
    ctx: &mut Context<'_>,
) {
    let first_amount = [cols.initial, cols.adjusted, cols.executed]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
    while *r < rows.len() && table.funds.len() < FUNDS_ROWS_MAX {
        let cells = &rows[*r];
        let keys: Vec<String> = cells.iter().map(|c| key(&c.text)).collect();
        if keys
            .iter()
            .any(|k| FUNDS_STOP.iter().any(|s| k.starts_with(s)))
        {
            return;
        }
        let label = cells[..first_amount.min(cells.len())]
            .iter()
            .map(|c| c.text.trim())
            .find(|t| !t.is_empty())
            .unwrap_or("")
            .to_string();
        let any_amount = [cols.initial, cols.adjusted, cols.executed, cols.score]
            .into_iter()
            .flatten()
            .any(|c| cells.get(c).is_some_and(|c| !c.text.trim().is_empty()));
        if label.is_empty() && !any_amount {
            *r += 1;
            if table.funds.is_empty() {
                continue;
            }
            return;
        }
        let row = *r;
        table.funds.push(PublishedFunds {
            label,
            initial: number(cells, row, cols.initial, false, ctx),
            adjusted: number(cells, row, cols.adjusted, false, ctx),
            executed: number(cells, row, cols.executed, false, ctx),
            weight: number(cells, row, cols.weight, false, ctx),
            rate_percent: number(cells, row, cols.rate, true, ctx),
            score: number(cells, row, cols.score, false, ctx),
        });
        *r += 1;
    }
}

fn read_indicators(
    rows: &[Vec<Cell>],
    r: &mut usize,
    cols: &IndicatorCols,
    table: &mut PublishedTable,
    ctx: &mut Context<'_>,
) {
    let (mut level1, mut level2) = (String::new(), String::new());
    while *r < rows.len() {
        let cells = &rows[*r];
        let row = *r;
        *r += 1;
        let keys: Vec<String> = cells.iter().map(|c| key(&c.text)).collect();
        if is_footer(&keys) {
            table.total_weight = number(cells, row, cols.weight, false, ctx);
            table.total_score = number(cells, row, cols.score, false, ctx);
            if table.total_score.is_none() {
                // A hand-made footer: "总分 | 100 | 95.5" wherever the numbers stand.
                let numbers: Vec<Decimal> = cells
                    .iter()
                    .filter_map(|c| c.text.trim().parse::<Decimal>().ok())
                    .collect();
                match numbers.as_slice() {
                    [w, s, ..] => {
                        table.total_weight = Some(*w);
                        table.total_score = Some(*s);
                    }
                    [s] => table.total_score = Some(*s),
                    [] => {}
                }
            }
            table.grade = grade_in(&keys).or_else(|| {
                rows.get(*r).and_then(|next| {
                    grade_in(&next.iter().map(|c| key(&c.text)).collect::<Vec<_>>())
                })
            });
            return;
        }
        if indicator_header(&keys).is_some() || funds_header(&keys).is_some() {
            // The next table begins without a footer to this one.
            *r -= 1;
            return;
        }
        let l1 = text(cells, cols.level1);
        let l2 = text(cells, cols.level2);
        let name = text(cells, Some(cols.name));
        let target = text(cells, cols.target);
        let actual = text(cells, cols.actual);
        let has_numbers = [cols.weight, cols.score]
            .into_iter()
            .flatten()
            .any(|c| cells.get(c).is_some_and(|c| !c.text.trim().is_empty()));
        if !l1.is_empty() {
            level1 = l1;
            level2 = l2.clone();
        } else if !l2.is_empty() {
            level2 = l2;
        }
        if name.is_empty() && target.is_empty() && !has_numbers {
            continue;
        }
        if name.is_empty() {
            ctx.problem(
                Some(a1(row, cols.name)),
                "三级指标为空，该行仍按所填分值、得分复核",
            );
        }
        if table.indicators.len() >= ROWS_PER_TABLE_MAX {
            ctx.problem(
                Some(a1(row, 0)),
                format!("指标行超过{ROWS_PER_TABLE_MAX}行，其后各行未读"),
            );
            return;
        }
        let sheet = ctx.sheet.map(|s| format!("{s}!")).unwrap_or_default();
        table.indicators.push(PublishedIndicator {
            level1: level1.clone(),
            level2: level2.clone(),
            name,
            target,
            actual,
            weight: number(cells, row, cols.weight, false, ctx),
            score: number(cells, row, cols.score, false, ctx),
            location: Some(format!("{sheet}{}", a1(row, 0))),
        });
    }
}

fn read_workbook(file: &str, bytes: &[u8], out: &mut ReadOutcome) {
    let mut wb = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            out.problems.push(ReadProblem {
                file: file.to_string(),
                sheet: None,
                cell: None,
                message: format!("无法打开工作簿：{e}"),
            });
            return;
        }
    };
    for sheet in wb.sheet_names() {
        let mut ctx = Context {
            file,
            sheet: Some(&sheet),
            problems: &mut out.problems,
        };
        let range = match wb.worksheet_range(&sheet) {
            Ok(r) => r,
            Err(e) => {
                ctx.problem(None, format!("无法读取工作表：{e}"));
                continue;
            }
        };
        if range.is_empty() {
            continue;
        }
        // Rows and columns as the spreadsheet numbers them (the range starts at the first
        // non-empty cell).
        let (start_row, start_col) = range
            .start()
            .map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); start_row.min(SHEET_ROWS_MAX)];
        for row in range.rows().take(SHEET_ROWS_MAX) {
            let mut cells = vec![Cell::default(); start_col.min(SHEET_COLUMNS_MAX)];
            cells.extend(row.iter().take(SHEET_COLUMNS_MAX).map(cell_of));
            rows.push(cells);
        }
        for (first_row, table) in tables_of_rows(&rows, &sheet, &mut ctx) {
            out.tables.push(SourcedTable {
                file: file.to_string(),
                sheet: Some(sheet.clone()),
                first_row: Some(first_row),
                table,
            });
        }
        if out.tables.len() >= TABLES_PER_FILE_MAX {
            break;
        }
    }
}

fn read_csv(file: &str, bytes: &[u8], out: &mut ReadOutcome) {
    let mut ctx = Context {
        file,
        sheet: None,
        problems: &mut out.problems,
    };
    let decoded = match decode_csv(bytes) {
        Ok(d) => d,
        Err(e) => {
            ctx.problem(None, e);
            return;
        }
    };
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
    for (i, rec) in reader.records().take(SHEET_ROWS_MAX).enumerate() {
        match rec {
            Ok(rec) => rows.push(
                rec.iter()
                    .take(SHEET_COLUMNS_MAX)
                    .map(|t| cell_of(&Data::String(t.to_string())))
                    .collect(),
            ),
            Err(e) => {
                ctx.problem(Some(format!("第{}行", i + 1)), format!("CSV 格式错误：{e}"));
                rows.push(Vec::new());
            }
        }
    }
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    for (first_row, table) in tables_of_rows(&rows, stem, &mut ctx) {
        out.tables.push(SourcedTable {
            file: file.to_string(),
            sheet: None,
            first_row: Some(first_row),
            table,
        });
    }
}

fn read_json(file: &str, bytes: &[u8], out: &mut ReadOutcome) {
    let problem = |cell: Option<String>, message: String| ReadProblem {
        file: file.to_string(),
        sheet: None,
        cell,
        message,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(_) => {
            out.problems
                .push(problem(None, "JSON 文件须为 UTF-8 编码".to_string()));
            return;
        }
    };
    // Parse as a value first, so a syntax error names its line and column; then each table
    // on its own, so one bad table does not hide the others.
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.problems.push(problem(
                Some(format!("第{}行第{}列", e.line(), e.column())),
                format!("JSON 格式错误：{e}"),
            ));
            return;
        }
    };
    let items: Vec<serde_json::Value> = match value {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(mut o) if o.contains_key("tables") => match o.remove("tables") {
            Some(serde_json::Value::Array(a)) => a,
            _ => {
                out.problems
                    .push(problem(Some("tables".into()), "“tables”须为数组".into()));
                return;
            }
        },
        other => vec![other],
    };
    for (i, item) in items.into_iter().take(TABLES_PER_FILE_MAX).enumerate() {
        match serde_json::from_value::<PublishedTable>(item) {
            Ok(table) => out.tables.push(SourcedTable {
                file: file.to_string(),
                sheet: None,
                first_row: None,
                table,
            }),
            Err(e) => out.problems.push(problem(
                Some(format!("tables[{i}]")),
                format!("无法读取该表：{e}"),
            )),
        }
    }
}

/// Reads every table of one file.
pub fn read_tables(file_name: &str, bytes: &[u8]) -> ReadOutcome {
    let mut out = ReadOutcome::default();
    if bytes.len() as u64 > RECHECK_FILE_BYTES_MAX {
        out.problems.push(ReadProblem {
            file: file_name.to_string(),
            sheet: None,
            cell: None,
            message: format!(
                "文件过大：{} 字节，上限 {RECHECK_FILE_BYTES_MAX} 字节",
                bytes.len()
            ),
        });
        return out;
    }
    match InputFormat::detect(file_name, bytes) {
        InputFormat::Workbook => read_workbook(file_name, bytes, &mut out),
        InputFormat::Csv => read_csv(file_name, bytes, &mut out),
        InputFormat::Json => read_json(file_name, bytes, &mut out),
    }
    if out.tables.is_empty() && out.problems.is_empty() {
        out.problems.push(ReadProblem {
            file: file_name.to_string(),
            sheet: None,
            cell: None,
            message: "文件中没有可复核的项目支出绩效自评表".to_string(),
        });
    }
    out
}

/// Re-checks every table of every file (name, bytes) under the profile; what cannot be read
/// is listed and the rest goes on.
pub fn recheck_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    profile: &ScoringProfile,
) -> RecheckReport {
    let mut report = RecheckReport {
        profile_id: profile.id.clone(),
        ..RecheckReport::default()
    };
    for (name, bytes) in files {
        let outcome = read_tables(name, bytes);
        report.problems.extend(outcome.problems);
        for t in outcome.tables {
            match recheck_table(&t.table, profile) {
                Ok(verdict) => report.tables.push(SourcedVerdict {
                    file: t.file,
                    sheet: t.sheet,
                    first_row: t.first_row,
                    verdict,
                }),
                Err(e) => report.problems.push(ReadProblem {
                    file: t.file,
                    sheet: t.sheet,
                    cell: None,
                    message: e.to_string(),
                }),
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_name_written_in_its_label_cell_is_read() {
        let csv = "项目名称：乡村振兴（示范）\n一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n\
            产出指标,数量指标,村数,≥5个,5个,90,90\n总分,,,,,90,90\n";
        let out = read_tables("a.csv", csv.as_bytes());
        assert_eq!(out.tables[0].table.name, "乡村振兴（示范）");
        assert_eq!(
            out.tables[0].table.indicators[0].location.as_deref(),
            Some("A3")
        );
    }

    #[test]
    fn cells_are_named_in_a1_notation() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(11, 6), "G12");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(4, 27), "AB5");
    }

    #[test]
    fn the_format_is_told_by_the_name_or_else_the_first_bytes() {
        assert_eq!(InputFormat::detect("a.XLSX", b""), InputFormat::Workbook);
        assert_eq!(
            InputFormat::detect("upload", b"PK\x03\x04.."),
            InputFormat::Workbook
        );
        assert_eq!(
            InputFormat::detect("upload", b" {\"name\":1}"),
            InputFormat::Json
        );
        assert_eq!(
            InputFormat::detect("upload", "项目名称,x".as_bytes()),
            InputFormat::Csv
        );
    }
}
