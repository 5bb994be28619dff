//! `jixiao-report`: the official forms a finance office hands in — 项目支出绩效自评表,
//! 部门（单位）整体支出绩效自评表 and 绩效监控情况表 — as XLSX, printable HTML, CSV or JSON, from
//! the form data `jixiao-app` gathers ([`jixiao_app::forms`]).
//!
//! Design: [`grid`] lays every form out once (typed cells, merged ranges, widths); [`xlsx`],
//! [`html`] and [`csv_form`] only render that grid, so the formats always carry the same rows.
//! Rounding and labels come from the domain (`Yuan::wan_display`, `Level1::name_zh`, …).
//!
//! Reproducible: rendering is a pure function of the data. The data holds no clock (the head
//! and `as_of` it was computed for), the XLSX's document properties are fixed (its creation
//! time is the `as_of` date) and the zip entries carry a fixed time, so the same export twice
//! gives the same bytes.
//!
//! Front ends call [`export`] (gather with the app, then render) and hand out the bytes with
//! [`Rendered::content_type`] and the file names.

pub mod csv_form;
pub mod grid;
pub mod html;
pub mod recheck;
pub mod templates;
pub mod xlsx;

use jixiao_app::forms::{FormData, FormRequest};
use jixiao_app::{App, AppError};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML workbook, one sheet per form page.
    Xlsx,
    /// One printable HTML document, one page per form page.
    Html,
    /// CSV, UTF-8 with BOM, the same rows as the XLSX.
    Csv,
    /// The form data as JSON.
    Json,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Xlsx, Format::Html, Format::Csv, Format::Json];

    /// The name in URLs and the CLI, also the file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// The format named by its extension.
    pub fn from_extension(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == text)
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// Why a form could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The XLSX writer failed.
    #[error("无法生成 XLSX (cannot write XLSX): {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The CSV writer failed.
    #[error("无法生成 CSV (cannot write CSV): {0}")]
    Csv(#[from] csv::Error),
    /// JSON serialisation failed.
    #[error("无法生成 JSON (cannot write JSON): {0}")]
    Json(#[from] serde_json::Error),
    /// The data could not be gathered.
    #[error("{0}")]
    App(#[from] AppError),
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> AppError {
        match e {
            ReportError::App(e) => e,
            other => AppError::internal(other),
        }
    }
}

/// A rendered form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The file content.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: Format,
    /// An ASCII file name: `261301-2024-selfeval.xlsx`.
    pub file_name: String,
    /// The Chinese file name: `焦作市产业技术科学院2024年度绩效自评表.xlsx`.
    pub file_name_zh: String,
    /// Head position the form was computed from.
    pub head_position: u64,
    /// Its hash (hex).
    pub head_hash: String,
}

impl Rendered {
    /// The media type.
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }

    /// The `Content-Disposition` of a download: `attachment` with the ASCII `filename` and the
    /// Chinese name as a UTF-8 `filename*` (RFC 6266, RFC 8187), the same for every front end.
    pub fn content_disposition(&self) -> String {
        format!(
            "attachment; filename=\"{}\"; filename*={}",
            self.file_name,
            rfc8187(&self.file_name_zh)
        )
    }
}

/// RFC 8187 encoding of a UTF-8 file name for `filename*`.
fn rfc8187(text: &str) -> String {
    let mut out = String::from("UTF-8''");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders form data.
pub fn render(data: &FormData, format: Format) -> Result<Vec<u8>, ReportError> {
    Ok(match format {
        Format::Xlsx => xlsx::render(data)?,
        Format::Html => html::render(data).into_bytes(),
        Format::Csv => csv_form::render(data)?,
        Format::Json => {
            let mut out = serde_json::to_vec_pretty(data)?;
            out.push(b'\n');
            out
        }
    })
}

/// Gathers a form's data through the application (as known at `request.known`) and renders it.
pub fn export(app: &App, request: &FormRequest, format: Format) -> Result<Rendered, ReportError> {
    let data = app.form_data(request)?;
    let bytes = render(&data, format)?;
    let ext = format.extension();
    Ok(Rendered {
        bytes,
        format,
        file_name: format!(
            "{}-{}-{}.{ext}",
            ascii_safe(&data.unit_code),
            data.fiscal_year,
            data.form.slug()
        ),
        file_name_zh: format!(
            "{}{}年度{}.{ext}",
            data.unit_name,
            data.fiscal_year,
            data.form.title_zh()
        ),
        head_position: data.head_position,
        head_hash: data.head_hash,
    })
}

/// Keeps ASCII letters, digits, '-' and '_' (a unit code is printed into a file name).
fn ascii_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
