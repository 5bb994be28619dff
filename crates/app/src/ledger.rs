//! Ledger parsing (pure): rows of text as exported from accounting software (Excel or CSV) →
//! validated payments, or a row-by-row error report. No I/O: the readers in
//! [`crate::table`] turn a file's bytes into `Vec<Vec<String>>` and hand them here.
//!
//! Invariants:
//! - validation is all or nothing: [`parse_ledger`] returns either every row as a payment or
//!   every problem found (row, column, problem), never a partial result;
//! - a payment's id is derived from (unit, fiscal year, voucher number) by [`payment_id`], so
//!   importing the same ledger twice yields the same ids and the store's idempotency (plus the
//!   importer's filter on ids already present) makes the second import add nothing;
//! - amounts are `Decimal` parsed from text, never floats.

use chrono::{Datelike, NaiveDate};
use jixiao_domain::budget::{Budget, LineId, ProjectCode};
use jixiao_domain::codes::{EconomicCode, FunctionCode};
use jixiao_domain::event::PaymentRecorded;
use jixiao_domain::money::Yuan;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// Most data rows one ledger file may hold (a unit's year is a few thousand vouchers).
pub const LEDGER_ROWS_MAX: usize = 100_000;
/// Longest accepted cell text, in characters (a 摘要 is a sentence, not a document).
pub const CELL_CHARS_MAX: usize = 500;
/// Most problems listed in one report; the count of the rest is still given.
pub const REPORTED_PROBLEMS_MAX: usize = 200;
/// Excel's day zero for serial dates (1900 date system, with the 1900 leap-year bug folded in).
const EXCEL_EPOCH: (i32, u32, u32) = (1899, 12, 30);
/// Plausible range of Excel serial dates (1954-10-14 .. 2173-10-14): rules out amounts and
/// compact dates being read as serials.
const EXCEL_SERIAL_RANGE: std::ops::RangeInclusive<i64> = 20_000..=100_000;

/// A column of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// 日期.
    Date,
    /// 凭证号.
    Voucher,
    /// 经济分类 / 科目编码.
    Economic,
    /// 项目 / 项目编码 (empty for 基本支出).
    Project,
    /// 金额.
    Amount,
    /// 摘要.
    Summary,
    /// 功能分类 (optional: the budget line's when absent).
    Function,
}

impl Column {
    /// Columns that must be present in the header.
    pub const REQUIRED: [Column; 5] = [
        Column::Date,
        Column::Voucher,
        Column::Economic,
        Column::Amount,
        Column::Summary,
    ];

    /// The Chinese header name used in reports and in the template.
    pub fn label(self) -> &'static str {
        match self {
            Column::Date => "日期",
            Column::Voucher => "凭证号",
            Column::Economic => "经济分类",
            Column::Project => "项目编码",
            Column::Amount => "金额",
            Column::Summary => "摘要",
            Column::Function => "功能分类",
        }
    }

    /// Recognise a header cell (Chinese or English, case- and space-insensitive).
    pub fn from_header(text: &str) -> Option<Column> {
        let key: String = text
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .collect::<String>()
            .to_lowercase();
        let col = match key.as_str() {
            "日期" | "记账日期" | "凭证日期" | "支付日期" | "date" | "paidon" => {
                Column::Date
            }
            "凭证号" | "凭证编号" | "凭证字号" | "voucher" | "voucherno" | "vouchernumber" => {
                Column::Voucher
            }
            "经济分类"
            | "科目编码"
            | "经济分类科目"
            | "经济分类编码"
            | "经济科目"
            | "部门经济分类"
            | "economic"
            | "economiccode"
            | "economicclassification" => Column::Economic,
            "项目" | "项目编码" | "项目代码" | "project" | "projectcode" => {
                Column::Project
            }
            "金额" | "支出金额" | "借方金额" | "金额（元）" | "金额(元)" | "amount"
            | "amountyuan" => Column::Amount,
            "摘要" | "summary" | "description" | "memo" => Column::Summary,
            "功能分类" | "功能科目" | "功能分类编码" | "function" | "functioncode" => {
                Column::Function
            }
            _ => return None,
        };
        Some(col)
    }
}

/// One problem of a ledger file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The column, or None for a whole-file problem.
    pub column: Option<Column>,
    /// What is wrong, in Chinese.
    pub problem: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "第{}行「{}」列：{}", self.row, c.label(), self.problem),
            None if self.row == 0 => write!(f, "文件：{}", self.problem),
            None => write!(f, "第{}行：{}", self.row, self.problem),
        }
    }
}

/// A ledger that failed validation: nothing of it may be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("账目文件校验未通过：{} 个问题，未写入任何数据 (ledger rejected, nothing written)", .problems.len() + .omitted)]
pub struct LedgerRejected {
    /// The problems, in file order (at most [`REPORTED_PROBLEMS_MAX`]).
    pub problems: Vec<RowProblem>,
    /// How many more problems were found but not listed.
    pub omitted: usize,
}

impl LedgerRejected {
    /// The full report, one problem per line.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for p in &self.problems {
            out.push_str(&p.to_string());
            out.push('\n');
        }
        if self.omitted > 0 {
            out.push_str(&format!("……另有 {} 个问题未列出\n", self.omitted));
        }
        out
    }
}

/// A validated ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Spreadsheet row number.
    pub row: usize,
    /// The payment event to record.
    pub payment: PaymentRecorded,
}

/// Why an (经济分类, 项目) pair has no budget line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveProblem {
    /// No 基本支出 line with this 经济分类.
    UnknownEconomic,
    /// No such project in the budget.
    UnknownProject,
}

/// The budget line a payment is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedLine {
    /// The line.
    pub line_id: LineId,
    /// The line's 功能分类 (used when the ledger has none).
    pub function_code: FunctionCode,
}

/// Finds the budget line of a ledger row. Implemented for the approved budget; tests may
/// implement it with a table.
pub trait LineResolver {
    /// The line for this 经济分类, optional project and optional 功能分类.
    fn resolve(
        &self,
        economic: &EconomicCode,
        project: Option<&ProjectCode>,
        function: Option<&FunctionCode>,
    ) -> Result<ResolvedLine, ResolveProblem>;
}

impl LineResolver for Budget {
    /// Delegates to [`Budget::resolve_line`]; a project with no line at all is reported as an
    /// unknown project rather than an unknown 经济分类.
    fn resolve(
        &self,
        economic: &EconomicCode,
        project: Option<&ProjectCode>,
        function: Option<&FunctionCode>,
    ) -> Result<ResolvedLine, ResolveProblem> {
        if let Some(p) = project
            && !self
                .lines()
                .iter()
                .any(|l| l.project_code.as_ref() == Some(p))
        {
            return Err(ResolveProblem::UnknownProject);
        }
        self.resolve_line(economic, project, function)
            .map(|l| ResolvedLine {
                line_id: l.line_id.clone(),
                function_code: l.function_code.clone(),
            })
            .ok_or(ResolveProblem::UnknownEconomic)
    }
}

/// What the ledger is imported into.
#[derive(Debug, Clone)]
pub struct LedgerTarget<'a, R: LineResolver> {
    /// 单位代码 (part of the payment id).
    pub unit_code: &'a str,
    /// The fiscal year: every date must fall within it.
    pub fiscal_year: i32,
    /// The budget lines.
    pub resolver: &'a R,
}

/// A deterministic UUID from text parts: the first 16 bytes of SHA-256 over the length-prefixed
/// parts, shaped as a version-5-like UUID (version nibble 5, RFC 4122 variant). Used for ids
/// that must come out the same on every run (ledger payments, the demo year).
pub fn derived_uuid(parts: &[&str]) -> Uuid {
    let mut h = Sha256::new();
    for part in parts {
        // Length-prefix each part so ("ab","c") and ("a","bc") never collide.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// Deterministic payment id of a ledger row: derived from (unit, fiscal year, voucher number)
/// only, so a re-import of the same ledger produces the same ids.
pub fn payment_id(unit_code: &str, fiscal_year: i32, voucher_no: &str) -> Uuid {
    derived_uuid(&[
        "jixiao-ledger",
        unit_code,
        &fiscal_year.to_string(),
        voucher_no,
    ])
}

/// Parse a date as accounting software writes it: 2024-03-05, 2024/3/5, 2024.3.5, 20240305,
/// 2024年3月5日, an Excel serial (45356, also "45356.0"), with an optional time part.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    if t.chars().all(|c| c.is_ascii_digit()) && t.len() == 8 {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    if let Some(serial) = excel_serial(t) {
        let (y, m, d) = EXCEL_EPOCH;
        return NaiveDate::from_ymd_opt(y, m, d)?
            .checked_add_days(chrono::Days::new(u64::try_from(serial).ok()?));
    }
    let normalized: String = t
        .trim_end_matches('日')
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let mut parts = normalized.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// An Excel serial day number ("45356" or "45356.0"; a fractional time of day is dropped).
fn excel_serial(t: &str) -> Option<i64> {
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    EXCEL_SERIAL_RANGE.contains(&n).then_some(n)
}

/// Parse an amount in 元: thousands separators, a currency sign, full-width digits' commas.
pub fn parse_amount(text: &str) -> Result<Yuan, String> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() {
        return Err("金额为空".into());
    }
    let amount = Yuan::parse_yuan(&cleaned).map_err(|e| e.to_string())?;
    if !amount.is_positive() {
        return Err(format!(
            "金额“{}”必须大于零（冲销请用红冲功能）",
            text.trim()
        ));
    }
    Ok(amount)
}

/// Normalise a project code: spaces removed ("4108002400000000532 04" → "410800240000000053204").
fn project_code(text: &str) -> Option<ProjectCode> {
    let code: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (!code.is_empty()).then_some(ProjectCode(code))
}

/// Rows searched for the header: exported ledgers often put a title and the unit's name above it.
const HEADER_SEARCH_ROWS: usize = 20;
/// Recognised column headers that make a row the header row.
const HEADER_COLUMNS_MIN: usize = 3;

/// The index of the header row: the first of the top rows with at least three recognised
/// column names, else the first row (whose missing columns are then reported).
fn header_row(rows: &[Vec<String>]) -> usize {
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| {
            r.iter()
                .filter(|c| Column::from_header(c).is_some())
                .count()
                >= HEADER_COLUMNS_MIN
        })
        .unwrap_or(0)
}

/// What differs between a payment already recorded under a voucher and the ledger row that
/// carries the same voucher again (empty when the row is the same payment). A re-import skips
/// identical rows; a changed row must not be skipped silently, because the ledger and the log
/// would then disagree without anyone noticing.
pub fn differences(recorded: &PaymentRecorded, incoming: &PaymentRecorded) -> Vec<String> {
    let mut out = Vec::new();
    let mut differ = |what: &str, was: String, now: String| {
        if was != now {
            out.push(format!("{what}：已记录“{was}”，本文件为“{now}”"));
        }
    };
    differ(
        "日期",
        recorded.paid_on.to_string(),
        incoming.paid_on.to_string(),
    );
    differ(
        "金额",
        recorded.amount_yuan.to_string(),
        incoming.amount_yuan.to_string(),
    );
    differ(
        "经济分类",
        recorded.economic_code.to_string(),
        incoming.economic_code.to_string(),
    );
    let project = |p: &PaymentRecorded| {
        p.project_code
            .as_ref()
            .map_or(String::new(), |c| c.0.clone())
    };
    differ("项目", project(recorded), project(incoming));
    differ(
        "功能分类",
        recorded.function_code.to_string(),
        incoming.function_code.to_string(),
    );
    differ("摘要", recorded.summary.clone(), incoming.summary.clone());
    out
}

/// Validate a whole ledger: the header row (found among the top rows, see [`header_row`]) and
/// the data rows below it. `rows[i]` is spreadsheet row `i + 1`. Blank rows are skipped.
pub fn parse_ledger<R: LineResolver>(
    rows: &[Vec<String>],
    target: &LedgerTarget<'_, R>,
) -> Result<Vec<LedgerEntry>, LedgerRejected> {
    let mut problems = Vec::new();
    let file_problem = |problem: String| LedgerRejected {
        problems: vec![RowProblem {
            row: 0,
            column: None,
            problem,
        }],
        omitted: 0,
    };
    let header_idx = header_row(rows);
    let Some(header) = rows.get(header_idx) else {
        return Err(file_problem("文件为空，缺少表头".into()));
    };
    if rows.len() - 1 - header_idx > LEDGER_ROWS_MAX {
        return Err(file_problem(format!(
            "数据行超过上限 {LEDGER_ROWS_MAX} 行，请分批导入"
        )));
    }
    let mut index: HashMap<Column, usize> = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        if let Some(col) = Column::from_header(cell)
            && index.insert(col, i).is_some()
        {
            problems.push(RowProblem {
                row: header_idx + 1,
                column: Some(col),
                problem: "表头中该列重复".into(),
            });
        }
    }
    for col in Column::REQUIRED {
        if !index.contains_key(&col) {
            problems.push(RowProblem {
                row: header_idx + 1,
                column: Some(col),
                problem: format!("缺少「{}」列（可用中文或英文表头）", col.label()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(LedgerRejected {
            problems,
            omitted: 0,
        });
    }

    let mut entries = Vec::new();
    let mut seen_vouchers: HashMap<String, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(header_idx + 1) {
        let row_no = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |col: Column| -> &str {
            index
                .get(&col)
                .and_then(|&j| row.get(j))
                .map_or("", |s| s.trim())
        };
        let mut bad = |col: Column, problem: String| {
            problems.push(RowProblem {
                row: row_no,
                column: Some(col),
                problem,
            })
        };
        for (&col, &j) in &index {
            if row
                .get(j)
                .is_some_and(|s| s.chars().count() > CELL_CHARS_MAX)
            {
                bad(col, format!("内容超过 {CELL_CHARS_MAX} 个字符"));
            }
        }

        let date = match parse_date(cell(Column::Date)) {
            None if cell(Column::Date).is_empty() => {
                bad(Column::Date, "日期为空".into());
                None
            }
            None => {
                bad(
                    Column::Date,
                    format!(
                        "无法识别日期“{}”（可用 2024-03-05、2024/3/5、20240305 或 Excel 日期）",
                        cell(Column::Date)
                    ),
                );
                None
            }
            Some(d) if d.year() != target.fiscal_year => {
                bad(
                    Column::Date,
                    format!("日期 {d} 不在 {} 年度内", target.fiscal_year),
                );
                None
            }
            Some(d) => Some(d),
        };

        let voucher = cell(Column::Voucher).to_string();
        if voucher.is_empty() {
            bad(Column::Voucher, "凭证号为空".into());
        } else if let Some(first) = seen_vouchers.get(&voucher) {
            bad(
                Column::Voucher,
                format!("凭证号“{voucher}”与第{first}行重复"),
            );
        } else {
            seen_vouchers.insert(voucher.clone(), row_no);
        }

        let economic = match EconomicCode::parse(cell(Column::Economic)) {
            Ok(c) => Some(c),
            Err(e) => {
                bad(Column::Economic, e.to_string());
                None
            }
        };
        let project = project_code(cell(Column::Project));

        let function = match cell(Column::Function) {
            "" => None,
            text => match FunctionCode::parse(text) {
                Ok(c) => Some(c),
                Err(e) => {
                    bad(Column::Function, e.to_string());
                    None
                }
            },
        };

        let line = economic.as_ref().and_then(|econ| {
            match target
                .resolver
                .resolve(econ, project.as_ref(), function.as_ref())
            {
                Ok(line) => Some(line),
                Err(ResolveProblem::UnknownEconomic) => {
                    bad(
                        Column::Economic,
                        format!("预算中没有经济分类 {econ} 的基本支出科目"),
                    );
                    None
                }
                Err(ResolveProblem::UnknownProject) => {
                    let code = project.as_ref().map_or("", |p| p.0.as_str());
                    bad(Column::Project, format!("预算中没有项目“{code}”"));
                    None
                }
            }
        });

        let amount = match parse_amount(cell(Column::Amount)) {
            Ok(a) => Some(a),
            Err(problem) => {
                bad(Column::Amount, problem);
                None
            }
        };

        if let (Some(paid_on), Some(economic_code), Some(line), Some(amount_yuan), false) =
            (date, economic, line, amount, voucher.is_empty())
        {
            entries.push(LedgerEntry {
                row: row_no,
                payment: PaymentRecorded {
                    payment_id: payment_id(target.unit_code, target.fiscal_year, &voucher),
                    paid_on,
                    line_id: line.line_id,
                    economic_code,
                    function_code: function.unwrap_or(line.function_code),
                    project_code: project,
                    amount_yuan,
                    voucher_no: Some(voucher),
                    summary: cell(Column::Summary).to_string(),
                },
            });
        }
    }
    if problems.is_empty() && entries.is_empty() {
        // Most often the wrong sheet or an empty export range: importing "nothing" successfully
        // would hide that.
        return Err(file_problem(format!(
            "第{}行表头之后没有数据行（请检查工作表或导出范围） (no data rows)",
            header_idx + 1
        )));
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        let omitted = problems.len().saturating_sub(REPORTED_PROBLEMS_MAX);
        problems.truncate(REPORTED_PROBLEMS_MAX);
        Err(LedgerRejected { problems, omitted })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// A resolver over a tiny budget: 基本支出 30201 and 30211, one project.
    struct Table;
    impl LineResolver for Table {
        fn resolve(
            &self,
            e: &EconomicCode,
            p: Option<&ProjectCode>,
            _f: Option<&FunctionCode>,
        ) -> Result<ResolvedLine, ResolveProblem> {
            let fc = FunctionCode::parse("2060401").unwrap();
            match p {
                Some(p) if p.0 == "P1" => Ok(ResolvedLine {
                    line_id: LineId("P-P1".into()),
                    function_code: fc,
                }),
                Some(_) => Err(ResolveProblem::UnknownProject),
                None if matches!(e.as_str(), "30201" | "30211") => Ok(ResolvedLine {
                    line_id: LineId(format!("B-{e}")),
                    function_code: fc,
                }),
                None => Err(ResolveProblem::UnknownEconomic),
            }
        }
    }

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect()
    }

    fn target() -> LedgerTarget<'static, Table> {
        LedgerTarget {
            unit_code: "261301",
            fiscal_year: 2024,
            resolver: &Table,
        }
    }

    #[test]
    fn dates_in_every_common_format_are_read() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5);
        for text in [
            "2024-03-05",
            "2024/3/5",
            "2024.3.5",
            "20240305",
            "2024年3月5日",
            "45356",
            "45356.0",
            "2024-03-05 00:00:00",
        ] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("3/5/2024"), None);
        assert_eq!(parse_date("1234"), None);
    }

    #[test]
    fn amounts_with_thousands_separators_and_currency_signs_are_read() {
        assert_eq!(parse_amount("12,345.60").unwrap().yuan(), dec!(12345.6));
        assert_eq!(parse_amount("￥1,000").unwrap().yuan(), dec!(1000));
        assert!(parse_amount("0").is_err());
        assert!(parse_amount("-5").is_err());
        assert!(parse_amount("1.234").is_err());
    }

    #[test]
    fn a_good_ledger_with_chinese_headers_becomes_payments() {
        let r = rows(
            "日期|凭证号|经济分类|项目编码|金额|摘要\n2024-01-15|记-001|30201||1,200.00|购买办公用品\n2024/3/5|记-002|30211|P1|3500|赴郑州参会",
        );
        let entries = parse_ledger(&r, &target()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].payment.line_id, LineId("B-30201".into()));
        assert_eq!(entries[0].payment.amount_yuan.yuan(), dec!(1200));
        assert_eq!(
            entries[1].payment.project_code,
            Some(ProjectCode("P1".into()))
        );
        assert_eq!(entries[1].row, 3);
    }

    #[test]
    fn english_headers_in_any_order_are_accepted() {
        let r = rows("Summary|Amount|Voucher No|Economic Code|Date\n办公费|10|V1|30201|20240105");
        let entries = parse_ledger(&r, &target()).unwrap();
        assert_eq!(entries[0].payment.summary, "办公费");
        assert_eq!(
            entries[0].payment.paid_on,
            NaiveDate::from_ymd_opt(2024, 1, 5).unwrap()
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_row_and_column_and_nothing_is_returned() {
        let r = rows(
            "日期|凭证号|经济分类|项目编码|金额|摘要\n\
             2024-01-15|V1|30201||100|ok\n\
             2023-12-31|V2|30201||100|last year\n\
             2024-13-01|V3|30201||100|bad date\n\
             2024-01-15|V4|30999||100|unknown econ\n\
             2024-01-15|V5|30201|P9|100|unknown project\n\
             2024-01-15|V6|30201||0|zero\n\
             2024-01-15|V1|30201||100|duplicate",
        );
        let err = parse_ledger(&r, &target()).unwrap_err();
        let got: Vec<(usize, Option<Column>)> =
            err.problems.iter().map(|p| (p.row, p.column)).collect();
        assert_eq!(
            got,
            vec![
                (3, Some(Column::Date)),
                (4, Some(Column::Date)),
                (5, Some(Column::Economic)),
                (6, Some(Column::Project)),
                (7, Some(Column::Amount)),
                (8, Some(Column::Voucher)),
            ]
        );
        assert!(
            err.report().contains("第8行「凭证号」列"),
            "{}",
            err.report()
        );
        assert!(err.report().contains("与第2行重复"));
    }

    #[test]
    fn a_title_above_the_header_is_skipped_and_rows_keep_their_spreadsheet_numbers() {
        let r = rows(
            "支出明细账|||||\n单位：261301|||||\n日期|凭证号|经济分类|项目编码|金额|摘要\n2024-01-15|V1|30201||-1|x",
        );
        let err = parse_ledger(&r, &target()).unwrap_err();
        assert_eq!(
            (err.problems[0].row, err.problems[0].column),
            (4, Some(Column::Amount))
        );
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let r = rows("日期|凭证号|金额|摘要\n2024-01-15|V1|100|x");
        let err = parse_ledger(&r, &target()).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].column, Some(Column::Economic));
    }

    #[test]
    fn payment_ids_depend_on_unit_year_and_voucher_only() {
        let a = payment_id("261301", 2024, "记-001");
        assert_eq!(a, payment_id("261301", 2024, "记-001"));
        assert_ne!(a, payment_id("261301", 2025, "记-001"));
        assert_ne!(a, payment_id("261302", 2024, "记-001"));
        assert_ne!(a, payment_id("261301", 2024, "记-002"));
        assert_eq!(a.get_version_num(), 5);
    }

    #[test]
    fn a_header_without_data_rows_is_rejected_rather_than_imported_as_nothing() {
        let r = rows("日期|凭证号|经济分类|项目编码|金额|摘要\n|||||");
        let rejected = parse_ledger(&r, &target()).unwrap_err();
        assert!(
            rejected.report().contains("没有数据行"),
            "{}",
            rejected.report()
        );
    }

    #[test]
    fn a_changed_row_names_each_field_that_differs_and_an_identical_row_none() {
        let r = rows(
            "日期|凭证号|经济分类|项目编码|金额|摘要\n2024-01-15|记-001|30201||1,200.00|购买办公用品",
        );
        let before = parse_ledger(&r, &target()).unwrap().remove(0).payment;
        assert!(differences(&before, &before).is_empty());
        let r = rows(
            "日期|凭证号|经济分类|项目编码|金额|摘要\n2024-01-16|记-001|30201||1,300.00|购买办公用品",
        );
        let after = parse_ledger(&r, &target()).unwrap().remove(0).payment;
        let d = differences(&before, &after);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].starts_with("日期") && d[1].starts_with("金额"),
            "{d:?}"
        );
    }
}
