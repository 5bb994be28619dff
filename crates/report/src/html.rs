//! The forms as one printable HTML document: one page per form page (a CSS page break after
//! each), A4 print CSS, every style inline in the document (no outside resource: no link,
//! script, font or image), every text escaped.

use crate::grid::{self, Grid, Style, Value};
use jixiao_app::forms::FormData;
use std::fmt::Write as _;

/// The print and screen style of every form.
const CSS: &str = "\
@page { size: A4 portrait; margin: 12mm 10mm; }
@page landscape { size: A4 landscape; }
body { font-family: 'SimSun', 'Songti SC', 'Noto Serif CJK SC', serif; font-size: 10.5pt; color: #000; margin: 0; }
section.form { padding: 8mm 6mm; break-after: page; page-break-after: always; }
section.form:last-child { break-after: auto; page-break-after: auto; }
section.landscape { page: landscape; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
thead { display: table-header-group; }
td { border: 1px solid #000; padding: 2px 4px; vertical-align: middle; word-break: break-all; }
td.title { border: none; font-size: 16pt; font-weight: bold; text-align: center; padding: 4px 0; }
td.subtitle { border: none; text-align: center; }
td.header { font-weight: bold; text-align: center; background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; }
td.dash { text-align: center; }
td.wrap { vertical-align: top; white-space: pre-wrap; }
td.note { border: none; font-size: 9pt; white-space: pre-wrap; }
@media print { td.header { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
";

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class_of(style: Style, value: &Value) -> &'static str {
    match (style, value) {
        (Style::Title, _) => "title",
        (Style::Subtitle, _) => "subtitle",
        (Style::Header, _) => "header",
        (Style::Note, _) => "note",
        (_, Value::Wan(_) | Value::Number(_) | Value::Percent(_)) => "num",
        (_, Value::Dash) => "dash",
        (Style::Wrap, _) => "wrap",
        (Style::Body, _) => "text",
    }
}

/// Renders every sheet of the form data as one HTML document.
pub fn render(data: &FormData) -> String {
    let title = format!(
        "{}{}年度{}",
        data.unit_name,
        data.fiscal_year,
        data.form.title_zh()
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"jixiao\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    for g in grid::layout(data) {
        sheet(&mut out, &g);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn sheet(out: &mut String, g: &Grid) {
    let landscape = if g.landscape { " landscape" } else { "" };
    let _ = writeln!(
        out,
        "<section class=\"form{landscape}\" data-sheet=\"{}\">\n<table>",
        escape(&g.sheet_name)
    );
    out.push_str("<colgroup>");
    let total: u32 = g.widths.iter().map(|w| u32::from(*w)).sum();
    for w in &g.widths {
        // Per mille of the width, as integers: no floating point.
        let permille = u32::from(*w) * 1000 / total.max(1);
        let _ = write!(
            out,
            "<col style=\"width:{}.{}%\">",
            permille / 10,
            permille % 10
        );
    }
    out.push_str("</colgroup>\n");
    let (repeat_first, repeat_last) = g.repeat_rows;
    for (r, row) in g.rows.iter().enumerate() {
        let r = r as u32;
        if r == repeat_first {
            out.push_str("<thead>\n");
        }
        out.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            if g.merges.iter().any(|m| m.covers(r, c)) {
                continue;
            }
            let mut attrs = String::new();
            if let Some(m) = g
                .merges
                .iter()
                .find(|m| m.first_row == r && m.first_col == c)
            {
                if m.last_col > m.first_col {
                    let _ = write!(attrs, " colspan=\"{}\"", m.last_col - m.first_col + 1);
                }
                if m.last_row > m.first_row {
                    let _ = write!(attrs, " rowspan=\"{}\"", m.last_row - m.first_row + 1);
                }
            }
            let _ = write!(
                out,
                "<td class=\"{}\"{attrs}>{}</td>",
                class_of(cell.style, &cell.value),
                escape(&cell.value.display())
            );
        }
        out.push_str("</tr>\n");
        if r == repeat_last {
            out.push_str("</thead>\n<tbody>\n");
        }
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}
