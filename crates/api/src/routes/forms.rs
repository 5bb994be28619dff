//! Downloads of the official forms (项目支出绩效自评表, 部门整体支出绩效自评表, 绩效监控情况表) as
//! XLSX, printable HTML, CSV or JSON: `jixiao-app` gathers the data as known at the resolved
//! log head, `jixiao-report` renders it; this handler checks the query, authorises the reader
//! of the unit and names the file (an ASCII `filename` and a UTF-8 `filename*`).

use crate::auth::{Action, Auth};
use crate::error::{ApiError, FieldError, Problem};
use crate::guard::Permit;
use crate::routes::reads::{blocking, parse_known_at};
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use jixiao_app::forms::{Form, FormRequest};
use jixiao_domain::budget::ProjectCode;
use jixiao_report::Format;
use jixiao_store::StreamId;
use serde::Deserialize;
use utoipa::IntoParams;

/// Longest project code accepted in the query (the fixture's codes have 20 digits).
const MAX_PROJECT_CODE_CHARS: usize = 64;

/// Query of a form download.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormQuery {
    /// `xlsx` (default), `html`, `csv` or `json`.
    pub format: Option<String>,
    /// Business date (default: today, at most the year end; for `monitoring` 31 July, or today
    /// when earlier in a year in progress).
    pub as_of: Option<NaiveDate>,
    /// What the log held: a position or an RFC 3339 time (default: now). The form prints the
    /// head position and hash it resolved to.
    pub known_at: Option<String>,
    /// Scoring profile id (default: the server's).
    pub profile: Option<String>,
    /// Only this project (project forms and `monitoring`).
    pub project: Option<String>,
}

fn bad_query(field: &str, detail: String, zh: &str, en: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_query",
        detail,
        vec![FieldError::new(field, zh, en)],
    )
}

/// An official form of a unit's year, ready to hand in: `selfeval` (部门整体 and every
/// project, one sheet each), `project-selfeval` (项目支出绩效自评表), `unit-selfeval`
/// (部门（单位）整体支出绩效自评表) or `monitoring` (绩效监控情况表 1-7月). Every form states the
/// profile, `as_of` and the log head (position and hash) it was computed from; the same query
/// with the same `known_at` gives the same bytes.
#[utoipa::path(tag = "reads", security(("bearer" = [])),
    params(("unit" = String, Path), ("year" = i32, Path),
        ("form" = String, Path, description = "`selfeval`, `project-selfeval`, `unit-selfeval` or `monitoring`"),
        FormQuery),
    responses(
        (status = 200, description = "the form as a file (Content-Disposition: attachment with `filename` and `filename*`)",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
                (String = "text/csv"),
                (Object = "application/json"),
            )),
        (status = 400, description = "bad query (unknown form or format, unknown `profile` or `project`, bad `known_at`; an `as_of` outside the fiscal year is a 422)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "not a reader of this unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no budget imported, or no targets for this form", body = Problem, content_type = "application/problem+json"),
    ))]
#[get(
    "/api/v1/units/{unit}/years/{year}/forms/{form}",
    wrap = "Permit(Action::Read)"
)]
pub async fn form(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32, String)>,
    q: web::Query<FormQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year, form) = path.into_inner();
    auth.0.require_unit(Action::Read, &unit)?;
    let form = Form::from_slug(&form).ok_or_else(|| {
        bad_query(
            "form",
            format!("表单“{form}”不存在，应为 selfeval、project-selfeval、unit-selfeval 或 monitoring (unknown form)"),
            "应为 selfeval、project-selfeval、unit-selfeval 或 monitoring",
            "selfeval, project-selfeval, unit-selfeval or monitoring",
        )
    })?;
    let format = match q.format.as_deref() {
        None => Format::Xlsx,
        Some(text) => Format::from_extension(text).ok_or_else(|| {
            bad_query(
                "format",
                format!("格式“{text}”不支持，应为 xlsx、html、csv 或 json (unknown format)"),
                "应为 xlsx、html、csv 或 json",
                "xlsx, html, csv or json",
            )
        })?,
    };
    let project = match q.project.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) if code.chars().count() > MAX_PROJECT_CODE_CHARS => {
            return Err(bad_query(
                "project",
                format!(
                    "项目编码过长（最多 {MAX_PROJECT_CODE_CHARS} 个字符） (project code too long)"
                ),
                "项目编码过长",
                "project code too long",
            ));
        }
        Some(code) => Some(ProjectCode(code.to_string())),
    };
    let request = FormRequest {
        stream: StreamId::new(unit, year),
        form,
        as_of: q.as_of,
        known: parse_known_at(q.known_at.as_deref())?,
        profile: q
            .profile
            .clone()
            .unwrap_or_else(|| state.app.config().default_profile.clone()),
        project,
    };
    let rendered = blocking(&state, move |app| {
        jixiao_report::export(app, &request, format).map_err(jixiao_app::AppError::from)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, rendered.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, rendered.content_disposition()))
        .insert_header(("x-jixiao-head-position", rendered.head_position.to_string()))
        .insert_header(("x-jixiao-head-hash", rendered.head_hash))
        .body(rendered.bytes))
}
