//! The forms as an XLSX workbook (rust_xlsxwriter): one sheet per form page, merged header
//! cells, borders, amounts in 万元 and rates as percentages — real numbers with number formats,
//! 2 decimals — codes as text, A4 with the title rows repeated on every page, fit to the page
//! width, a wide wrapped explanation column.
//!
//! Numbers are written from their decimal text (`"17.94".parse::<f64>()`): the cell holds the
//! double nearest the decimal, which is what Excel would store had a person typed it. No
//! arithmetic is done in floating point.
//!
//! Reproducible: the document properties are fixed (creation time = the `as_of` date, a fixed
//! author), and rust_xlsxwriter stamps every zip entry with the same fixed time.

use crate::grid::{self, Grid, Style, Value};
use chrono::Datelike;
use jixiao_app::forms::FormData;
use jixiao_domain::Decimal;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// Excel's paper size code for A4.
pub const PAPER_A4: u8 = 9;

/// Number format of amounts in 万元 and of scores.
pub const NUMBER_FORMAT: &str = "0.00";

/// Number format of rates.
pub const PERCENT_FORMAT: &str = "0.00%";

/// The font of every cell (a Chinese font; Excel substitutes when it is missing).
pub const FONT: &str = "宋体";

/// The author written into the document properties.
pub const AUTHOR: &str = "jixiao";

struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    text: Format,
    wrap: Format,
    note: Format,
    number: Format,
    percent: Format,
    dash: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(10);
        let cell = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            title: base
                .clone()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle: base.clone().set_align(FormatAlign::Center),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(0xF2F2F2),
            text: cell.clone().set_text_wrap(),
            wrap: cell
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
            note: base.clone().set_text_wrap().set_align(FormatAlign::Left),
            number: cell
                .clone()
                .set_num_format(NUMBER_FORMAT)
                .set_align(FormatAlign::Right),
            percent: cell
                .clone()
                .set_num_format(PERCENT_FORMAT)
                .set_align(FormatAlign::Right),
            dash: cell.clone().set_align(FormatAlign::Center),
        }
    }

    fn text_of(&self, style: Style) -> &Format {
        match style {
            Style::Title => &self.title,
            Style::Subtitle => &self.subtitle,
            Style::Header => &self.header,
            Style::Body => &self.text,
            Style::Wrap => &self.wrap,
            Style::Note => &self.note,
        }
    }
}

/// The double nearest a decimal, from its text.
fn number(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or_default()
}

/// Renders every sheet of the form data into one workbook.
pub fn render(data: &FormData) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(
        u16::try_from(data.as_of.year()).unwrap_or(2000),
        data.as_of.month() as u8,
        data.as_of.day() as u8,
    )?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "{}{}年度{}",
                data.unit_name,
                data.fiscal_year,
                data.form.title_zh()
            ))
            .set_author(AUTHOR)
            .set_company(&data.unit_name)
            .set_comment(format!(
                "profile {} v{}; as_of {}; log head {} {}",
                data.profile_id,
                data.profile_version,
                data.as_of,
                data.head_position,
                data.head_hash
            ))
            .set_creation_datetime(&created),
    );
    let formats = Formats::new();
    for grid in grid::layout(data) {
        let sheet = workbook.add_worksheet();
        write_sheet(sheet, &grid, &formats)?;
    }
    workbook.save_to_buffer()
}

fn write_sheet(sheet: &mut Worksheet, g: &Grid, f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(&g.sheet_name)?;
    for (c, w) in g.widths.iter().enumerate() {
        sheet.set_column_width(c as u16, f64::from(*w))?;
    }
    // Merged ranges first (they format every cell of the range), then the values.
    for m in &g.merges {
        let cell = &g.rows[m.first_row as usize][m.first_col as usize];
        let fmt = value_format(f, cell.style, &cell.value);
        sheet.merge_range(m.first_row, m.first_col, m.last_row, m.last_col, "", fmt)?;
    }
    for (r, row) in g.rows.iter().enumerate() {
        let r = r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            if g.merges.iter().any(|m| m.covers(r, c)) {
                continue;
            }
            let fmt = value_format(f, cell.style, &cell.value);
            match &cell.value {
                Value::Blank => {
                    sheet.write_blank(r, c, fmt)?;
                }
                Value::Text(t) => {
                    sheet.write_string_with_format(r, c, t, fmt)?;
                }
                Value::Dash => {
                    sheet.write_string_with_format(r, c, grid::DASH, fmt)?;
                }
                Value::Wan(y) => {
                    sheet.write_number_with_format(r, c, number(y.wan_rounded()), fmt)?;
                }
                Value::Number(n) => {
                    sheet.write_number_with_format(r, c, number(*n), fmt)?;
                }
                Value::Percent(p) => {
                    let ratio = *p / Decimal::ONE_HUNDRED;
                    sheet.write_number_with_format(r, c, number(ratio), fmt)?;
                }
            }
        }
        let lines = g.row_lines(r);
        if r == 0 {
            sheet.set_row_height(r, 28)?;
        } else if lines > 1 {
            sheet.set_row_height(r, f64::from(lines * grid::LINE_HEIGHT_POINTS))?;
        }
    }
    sheet.set_paper_size(PAPER_A4);
    if g.landscape {
        sheet.set_landscape();
    } else {
        sheet.set_portrait();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    sheet.set_repeat_rows(g.repeat_rows.0, g.repeat_rows.1)?;
    sheet.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn value_format<'a>(f: &'a Formats, style: Style, value: &Value) -> &'a Format {
    match value {
        Value::Wan(_) | Value::Number(_) => &f.number,
        Value::Percent(_) => &f.percent,
        Value::Dash if style == Style::Body => &f.dash,
        _ => f.text_of(style),
    }
}
