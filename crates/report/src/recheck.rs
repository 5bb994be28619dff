//! The 复核 verdict for the clerk, as CSV and XLSX: per table the 预算执行率 row and every
//! indicator row with the published score beside the rule's (unrounded and rounded), the
//! conclusion and the reasons in Chinese, then the table's findings; a summary sheet first.
//! In the XLSX a cell that differs from the rule is highlighted.
//!
//! Both formats are laid out once ([`layout`]) and only rendered here, like the forms. The
//! XLSX's document properties are fixed, so the same report gives the same bytes.

use crate::xlsx::FONT;
use jixiao_app::recheck::{RecheckReport, SourcedVerdict};
use jixiao_domain::Decimal;
use jixiao_domain::recheck::{ExecutionVerdict, RowStatus, RowVerdict, Variant};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};

/// Columns of a verdict sheet.
pub const COLUMNS: [&str; 12] = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "所填得分",
    "规则得分（未舍入）",
    "规则得分",
    "结论",
    "原因",
    "说明",
];

/// Column widths of a verdict sheet.
const WIDTHS: [u16; 12] = [10, 12, 22, 12, 14, 8, 9, 12, 9, 8, 36, 40];

/// The fill of a cell that differs from the rule (light red).
pub const DIFFERS_FILL: u32 = 0xFFC7CE;

/// Longest sheet name Excel accepts.
const SHEET_NAME_CHARS_MAX: usize = 31;

/// A cell of the verdict layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A number (score, weight).
    Number(Decimal),
    /// Nothing.
    Blank,
}

impl Value {
    /// As CSV prints it.
    pub fn display(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Number(n) => n.normalize().to_string(),
            Value::Blank => String::new(),
        }
    }
}

/// One cell and whether it is highlighted as differing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The value.
    pub value: Value,
    /// Differs from the rule.
    pub differs: bool,
}

/// One table's verdict laid out: a heading, the column row, the rows, the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Sheet name (unique, ≤ 31 characters).
    pub name: String,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

fn t(s: impl Into<String>) -> Cell {
    Cell {
        value: Value::Text(s.into()),
        differs: false,
    }
}

fn n(d: Option<Decimal>) -> Cell {
    Cell {
        value: d.map_or(Value::Blank, Value::Number),
        differs: false,
    }
}

fn status_zh(s: RowStatus) -> &'static str {
    match s {
        RowStatus::Agrees => "相符",
        RowStatus::Differs => "不符",
        RowStatus::Unchecked => "未复核",
    }
}

fn reasons(variants: &[Variant]) -> String {
    variants
        .iter()
        .map(|v| v.message_zh())
        .collect::<Vec<_>>()
        .join("；")
}

fn execution_row(e: &ExecutionVerdict) -> Vec<Cell> {
    let differs = e.status == RowStatus::Differs;
    let mut published = n(e.published_score);
    published.differs = differs;
    let rate = |p: Option<Decimal>| p.map_or(String::new(), |p| format!("{:.2}%", round2(p)));
    let mut note = e.notes.join("；");
    if e.rate_differs {
        published.differs = true;
    }
    if let Some(p) = e.published_rate_percent {
        note = format!("所填执行率{}；{note}", rate(Some(p)));
    }
    vec![
        t("预算执行率"),
        t(e.label.clone()),
        t(format!(
            "全年预算数{}，全年执行数{}",
            e.adjusted.map_or("—".into(), |d| d.normalize().to_string()),
            e.executed.map_or("—".into(), |d| d.normalize().to_string())
        )),
        t("100%"),
        t(rate(e.rate_percent)),
        n(Some(e.weight)),
        published,
        n(e.rule_score_unrounded.map(|d| d.round_dp(6).normalize())),
        n(e.rule_score),
        t(status_zh(e.status)),
        t(reasons(&e.variants)),
        t(note.trim_end_matches('；').to_string()),
    ]
}

fn round2(d: Decimal) -> Decimal {
    jixiao_domain::money::round2(d)
}

fn indicator_row(r: &RowVerdict) -> Vec<Cell> {
    let mut published = n(r.published_score);
    published.differs = r.status == RowStatus::Differs;
    vec![
        t(r.level1.clone()),
        t(r.level2.clone()),
        t(r.name.clone()),
        t(r.target_text.clone()),
        t(r.actual_text.clone()),
        n(r.weight),
        published,
        n(r.rule_score_unrounded.map(|d| d.round_dp(6).normalize())),
        n(r.rule_score),
        t(status_zh(r.status)),
        t(reasons(&r.variants)),
        t(r.notes.join("；")),
    ]
}

fn sheet_of(v: &SourcedVerdict) -> Vec<Vec<Cell>> {
    let verdict = &v.verdict;
    let mut rows = Vec::new();
    let place = match (&v.sheet, v.first_row) {
        (Some(s), Some(r)) => format!("{}，工作表“{s}”第{r}行起", v.file),
        (None, Some(r)) => format!("{}第{r}行起", v.file),
        _ => v.file.clone(),
    };
    rows.push(vec![t(format!("复核：{}", verdict.name)), t(place)]);
    rows.push(vec![t(format!(
        "评分方案：{}　得分取舍：{}　结论：{}",
        verdict.profile_id,
        verdict.rounding.name_zh(),
        if verdict.clean {
            "与规则相符".to_string()
        } else {
            format!("{}行不符", verdict.rows_differing)
        }
    ))]);
    rows.push(COLUMNS.iter().map(|c| t(*c)).collect());
    rows.push(execution_row(&verdict.execution));
    rows.extend(verdict.rows.iter().map(indicator_row));
    let mut total_published = n(verdict.published_total);
    total_published.differs = verdict.published_total.is_some_and(|p| {
        round2(p) != round2(verdict.rule_total) || round2(p) != round2(verdict.published_score_sum)
    });
    rows.push(vec![
        t("总分"),
        t(""),
        t(format!(
            "所填各项得分合计{}",
            verdict.published_score_sum.normalize()
        )),
        t(""),
        t(""),
        n(Some(verdict.weight_sum)),
        total_published,
        t(""),
        n(Some(verdict.rule_total)),
        t(format!(
            "所填等级：{}；规则等级：{}",
            verdict.published_grade.as_deref().unwrap_or("—"),
            verdict.rule_grade.name_zh()
        )),
    ]);
    rows.push(vec![t("")]);
    rows.push(vec![t("一级指标分值"), t("表内合计"), t("评分方案")]);
    for l in &verdict.level_weights {
        let mut sum = n(Some(l.weight));
        sum.differs = l.profile_weight != Some(l.weight);
        rows.push(vec![t(l.level1.clone()), sum, n(l.profile_weight)]);
    }
    if !verdict.findings.is_empty() {
        rows.push(vec![t("")]);
        rows.push(vec![t("全表问题")]);
        for f in &verdict.findings {
            let mut c = t(f.message_zh());
            c.differs = !f.is_notice();
            rows.push(vec![c]);
        }
    }
    rows
}

fn unique_name(base: &str, used: &mut Vec<String>) -> String {
    let clean: String = base
        .chars()
        .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
        .take(SHEET_NAME_CHARS_MAX)
        .collect();
    let mut name = clean.clone();
    let mut i = 2;
    while used.contains(&name) {
        let suffix = format!("({i})");
        let keep = SHEET_NAME_CHARS_MAX - suffix.chars().count();
        name = format!("{}{suffix}", clean.chars().take(keep).collect::<String>());
        i += 1;
    }
    used.push(name.clone());
    name
}

/// The report laid out: a summary sheet, then one sheet per table.
pub fn layout(report: &RecheckReport) -> Vec<Sheet> {
    let mut used = Vec::new();
    let mut summary = vec![
        vec![t(format!(
            "复核汇总：{}张表，{}张相符，评分方案{}",
            report.tables.len(),
            report.clean_tables(),
            report.profile_id
        ))],
        vec![
            t("文件"),
            t("工作表"),
            t("项目名称"),
            t("所填总分"),
            t("规则总分"),
            t("不符行数"),
            t("未复核行数"),
            t("结论"),
        ],
    ];
    for v in &report.tables {
        let mut total = n(v.verdict.published_total);
        total.differs = !v.verdict.clean;
        summary.push(vec![
            t(v.file.clone()),
            t(v.sheet.clone().unwrap_or_default()),
            t(v.verdict.name.clone()),
            total,
            n(Some(v.verdict.rule_total)),
            n(Some(Decimal::from(v.verdict.rows_differing))),
            n(Some(Decimal::from(v.verdict.rows_unchecked))),
            t(if v.verdict.clean { "相符" } else { "不符" }),
        ]);
    }
    if !report.problems.is_empty() {
        summary.push(vec![t("")]);
        summary.push(vec![t("未能读取")]);
        for p in &report.problems {
            let mut c = t(p.to_string());
            c.differs = true;
            summary.push(vec![c]);
        }
    }
    let mut sheets = vec![Sheet {
        name: unique_name("复核汇总", &mut used),
        rows: summary,
    }];
    for (i, v) in report.tables.iter().enumerate() {
        sheets.push(Sheet {
            name: unique_name(&format!("{}-{}", i + 1, v.verdict.name), &mut used),
            rows: sheet_of(v),
        });
    }
    sheets
}

/// The report as CSV (UTF-8 with a BOM): the sheets one after another, an empty row between.
pub fn render_csv(report: &RecheckReport) -> Result<Vec<u8>, csv::Error> {
    let mut out = crate::csv_form::BOM.as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for (i, sheet) in layout(report).iter().enumerate() {
            if i > 0 {
                w.write_record([""])?;
            }
            for row in &sheet.rows {
                w.write_record(row.iter().map(|c| c.value.display()))?;
            }
        }
        w.flush()?;
    }
    Ok(out)
}

/// The report as an XLSX workbook; differing cells filled light red.
pub fn render_xlsx(report: &RecheckReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title("复核结果")
            .set_author(crate::xlsx::AUTHOR)
            .set_creation_datetime(&rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let base = Format::new().set_font_name(FONT).set_font_size(10);
    let cell = base.clone().set_border(FormatBorder::Thin).set_text_wrap();
    let differs = cell.clone().set_background_color(Color::RGB(DIFFERS_FILL));
    let number = cell.clone().set_num_format("0.00####");
    let number_differs = differs.clone().set_num_format("0.00####");
    for sheet in layout(report) {
        let ws = workbook.add_worksheet();
        ws.set_name(&sheet.name)?;
        for (c, w) in WIDTHS.iter().enumerate() {
            ws.set_column_width(c as u16, f64::from(*w))?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32;
            for (c, value) in row.iter().enumerate() {
                let c = c as u16;
                match &value.value {
                    Value::Text(s) if s.is_empty() && !value.differs => {}
                    Value::Text(s) => {
                        let f = if value.differs { &differs } else { &cell };
                        ws.write_string_with_format(r, c, s, f)?;
                    }
                    Value::Number(d) => {
                        let f = if value.differs {
                            &number_differs
                        } else {
                            &number
                        };
                        let x: f64 = d.to_string().parse().unwrap_or_default();
                        ws.write_number_with_format(r, c, x, f)?;
                    }
                    Value::Blank => {
                        let f = if value.differs { &differs } else { &cell };
                        ws.write_blank(r, c, f)?;
                    }
                }
            }
        }
    }
    workbook.save_to_buffer()
}
