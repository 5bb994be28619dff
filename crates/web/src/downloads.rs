//! Downloads of the official forms (项目支出绩效自评表 per project, 部门整体支出绩效自评表,
//! 绩效监控情况表) from the pages: the buttons a page lists ([`links`]) and the route that
//! renders one through `jixiao_report::export`, with the same content type and
//! `Content-Disposition` as the API's form route (both from [`jixiao_report::Rendered`]).

use crate::error::WebError;
use crate::session::Session;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use jixiao_app::auth::Action;
use jixiao_app::forms::{Form, FormRequest};
use jixiao_app::{AppError, FieldError};
use jixiao_domain::budget::ProjectCode;
use jixiao_report::Format;
use jixiao_store::{KnownAt, StreamId};
use serde::Deserialize;

/// Longest project code accepted in the query (the same bound as the API's).
pub const MAX_PROJECT_CODE_CHARS: usize = 64;

/// The formats a page offers, with their button labels.
pub const FORMATS: [(Format, &str); 3] = [
    (Format::Xlsx, "XLSX"),
    (Format::Html, "HTML"),
    (Format::Csv, "CSV"),
];

/// One download button.
pub struct DownloadLink {
    /// XLSX, HTML or CSV.
    pub label: &'static str,
    /// Where it points.
    pub href: String,
}

/// One form with its buttons.
pub struct DownloadRow {
    /// The form's Chinese name (and the project's).
    pub title: String,
    /// One button per format.
    pub links: Vec<DownloadLink>,
}

/// The buttons of one form of a unit's year, for one project when `project` is given.
pub fn row(unit: &str, year: i32, form: Form, project: Option<&str>, title: String) -> DownloadRow {
    let query = project.map(|p| format!("&project={p}")).unwrap_or_default();
    DownloadRow {
        title,
        links: FORMATS
            .iter()
            .map(|(format, label)| DownloadLink {
                label,
                href: format!(
                    "/units/{unit}/{year}/forms/{}?format={}{query}",
                    form.slug(),
                    format.extension()
                ),
            })
            .collect(),
    }
}

/// Query of a download.
#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    /// `xlsx` (default), `html` or `csv`.
    pub format: Option<String>,
    /// Only this project.
    pub project: Option<String>,
}

fn bad(field: &str, zh: &str, en: &str) -> WebError {
    WebError::App(AppError::invalid(
        "invalid_query",
        zh.to_string(),
        vec![FieldError::new(field, zh, en)],
    ))
}

/// `GET /units/{unit}/{year}/forms/{form}`: the form as a file, for the readers of the unit.
pub async fn download(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32, String)>,
    q: web::Query<DownloadQuery>,
) -> Result<HttpResponse, WebError> {
    let st = crate::pages::state(&req)?;
    let (unit, year, form) = path.into_inner();
    s.require_unit(Action::Read, &unit)?;
    let form =
        Form::from_slug(&form).ok_or_else(|| WebError::NotFound(format!("表单“{form}”不存在")))?;
    let format = match q.format.as_deref() {
        None => Format::Xlsx,
        Some(text) => FORMATS
            .iter()
            .map(|(f, _)| *f)
            .find(|f| f.extension() == text)
            .ok_or_else(|| bad("format", "格式应为 xlsx、html 或 csv", "xlsx, html or csv"))?,
    };
    let project = match q.project.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) if code.chars().count() > MAX_PROJECT_CODE_CHARS => {
            return Err(bad("project", "项目编码过长", "project code too long"));
        }
        Some(code) => Some(ProjectCode(code.to_string())),
    };
    let request = FormRequest {
        stream: StreamId::new(unit, year),
        form,
        as_of: None,
        known: KnownAt::Now,
        profile: st.app.config().default_profile.clone(),
        project,
    };
    let app = st.app.clone();
    let rendered =
        web::block(move || jixiao_report::export(&app, &request, format).map_err(AppError::from))
            .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, rendered.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, rendered.content_disposition()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(rendered.bytes))
}

/// `GET /units/{unit}/{year}/ledger-template`: the blank ledger workbook the CLI writes
/// (`jixiao_report::templates::ledger_template`), for those who record the unit's business.
pub async fn ledger_template(
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (unit, _year) = path.into_inner();
    s.require_unit(Action::Record, &unit)?;
    let bytes = jixiao_report::templates::ledger_template()
        .map_err(|e| WebError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, Format::Xlsx.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                jixiao_report::templates::LEDGER_TEMPLATE_FILE_NAME
            ),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
