//! The 单位 page (单位管理): the units of a year, and 新增单位（导入年初预算） — download the budget
//! workbook (empty, or the 焦作 2024 example), upload a filled one (or a TOML/JSON fixture),
//! see the application's dry run (`App::import_budget_file` with `dry_run`: the unit, its
//! lines and projects with totals, how many indicators, every problem with its sheet, row and
//! column), and confirm to import all or nothing.
//!
//! Who may: the one role table's [`Action::Import`] (the admin, who sets up units, and the
//! finance bureau). The confirm form carries the file (hex, as the ledger page does: nothing is
//! kept on the server between the two steps) and the event id of the upload form, so a double
//! submit is a replay that writes once; a unit-year that already has a budget is refused.

use crate::error::WebError;
use crate::ledger::{MAX_FIELD_BYTES, MAX_LEDGER_UPLOAD_BYTES};
use crate::nav::Section;
use crate::pages::{Chrome, blocking, html, state};
use crate::session::Session;
use crate::upload::read_form;
use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use jixiao_app::auth::Action;
use jixiao_app::budget_file::{BudgetFileError, BudgetFileKind, BudgetPreview, BudgetProblem};
use jixiao_app::{Actor, AppError};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_report::Format;
use jixiao_report::templates::{
    BUDGET_EXAMPLE_FILE_NAME, BUDGET_TEMPLATE_FILE_NAME, budget_template,
};
use serde::Deserialize;
use uuid::Uuid;

/// Earliest and latest fiscal year the page lists (a bound on the query).
pub const YEARS_LISTED: std::ops::RangeInclusive<i32> = 2000..=2100;

/// One unit of the list (no figures).
pub struct UnitRow {
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub name: String,
    /// 主管部门.
    pub department: String,
}

/// The preview of an uploaded budget, as the page shows it.
pub struct PreviewView {
    /// The application's preview.
    pub preview: BudgetPreview,
    /// Its total in 万元, as the domain displays it.
    pub total_wan: String,
    /// Each line: id, 功能分类, 经济分类, name, project, 万元.
    pub lines: Vec<[String; 6]>,
    /// Each project: code, name, type, 万元.
    pub projects: Vec<[String; 4]>,
    /// The uploaded file's name, for the confirm form.
    pub file_name: String,
    /// The uploaded file as hex, for the confirm form.
    pub content: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    chrome: Chrome,
    year: i32,
    units: Vec<UnitRow>,
    /// The upload form's event id (the confirm form repeats it).
    event_id: String,
    /// The error beside the file field.
    file_error: Option<String>,
    /// Every located problem of the file.
    problems: Vec<BudgetProblem>,
    /// The dry run passed.
    ready: Option<PreviewView>,
}

/// Query of the page.
#[derive(Debug, Deserialize)]
pub struct UnitsQuery {
    /// Fiscal year listed (the business year when omitted).
    pub year: Option<i32>,
    /// The unit just imported, for the notice.
    pub imported: Option<String>,
}

async fn render(
    req: &HttpRequest,
    s: &Session,
    year: i32,
    status: StatusCode,
    fill: impl FnOnce(&mut UnitsPage),
) -> Result<HttpResponse, WebError> {
    let st = state(req)?;
    let units = blocking(&st.app, move |app| {
        Ok(app.store().unit_summaries(year, None)?)
    })
    .await?;
    let mut page = UnitsPage {
        chrome: Chrome::for_section(s, "单位管理", year, Section::Units),
        year,
        units: units
            .into_iter()
            .map(|u| UnitRow {
                unit: u.unit,
                name: u.unit_name,
                department: u.department,
            })
            .collect(),
        event_id: Uuid::new_v4().to_string(),
        file_error: None,
        problems: Vec::new(),
        ready: None,
    };
    fill(&mut page);
    Ok(html(status, page.render()))
}

/// `GET /admin/units`: the units of the year and the upload form.
pub async fn units_page(
    req: HttpRequest,
    s: Session,
    query: web::Query<UnitsQuery>,
) -> Result<HttpResponse, WebError> {
    s.require(Action::Import)?;
    let st = state(&req)?;
    let year = query
        .year
        .filter(|y| YEARS_LISTED.contains(y))
        .unwrap_or_else(|| st.app.business_today().year());
    let notice = query
        .imported
        .as_deref()
        .filter(|u| u.chars().count() <= jixiao_domain::fixture::MAX_ID_CHARS)
        .map(|u| format!("已导入单位 {u} 的 {year} 年度预算。"));
    render(&req, &s, year, StatusCode::OK, |p| p.chrome.notice = notice).await
}

/// `GET /admin/units/budget-template.xlsx` (`example=1`: filled with the 焦作 2024 budget).
pub async fn budget_template_download(
    req: HttpRequest,
    s: Session,
) -> Result<HttpResponse, WebError> {
    s.require(Action::Import)?;
    let example = req.query_string().split('&').any(|kv| kv == "example=1");
    let bytes = web::block(move || {
        let example = if example {
            Some(BudgetImport::from_toml_str(JIAOZUO_2024_TOML).map_err(AppError::internal)?)
        } else {
            None
        };
        budget_template(example.as_ref()).map_err(AppError::from)
    })
    .await??;
    let name = if example {
        BUDGET_EXAMPLE_FILE_NAME
    } else {
        BUDGET_TEMPLATE_FILE_NAME
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, Format::Xlsx.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

fn preview_view(preview: BudgetPreview, file_name: String, bytes: &[u8]) -> PreviewView {
    PreviewView {
        total_wan: preview.total.wan_display(),
        lines: preview
            .lines
            .iter()
            .map(|l| {
                [
                    l.line_id.clone(),
                    l.function_code.clone(),
                    l.economic_code.clone(),
                    l.name.clone(),
                    l.project.clone().unwrap_or_default(),
                    l.amount.wan_display(),
                ]
            })
            .collect(),
        projects: preview
            .projects
            .iter()
            .map(|p| {
                [
                    p.code.clone(),
                    p.name.clone(),
                    p.category.clone(),
                    p.total.wan_display(),
                ]
            })
            .collect(),
        preview,
        file_name,
        content: hex::encode(bytes),
    }
}

/// `POST /admin/units/import`: the dry run of an uploaded budget file, or (with `confirm`) its
/// import.
pub async fn import_upload(
    req: HttpRequest,
    s: Session,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    s.require(Action::Import)?;
    let st = state(&req)?;
    let year = st.app.business_today().year();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let (fields, file) = match read_form(form, MAX_LEDGER_UPLOAD_BYTES, MAX_FIELD_BYTES).await {
        Ok(read) => read,
        Err(message) => {
            return render(&req, &s, year, unprocessable, |p| {
                p.file_error = Some(message)
            })
            .await;
        }
    };
    s.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or(""))?;
    let confirm = fields.get("confirm").is_some_and(|v| v == "1");
    let event_id = fields
        .get("event_id")
        .and_then(|v| Uuid::parse_str(v.trim()).ok());
    let (file_name, bytes) = match (file, fields.get("content"), fields.get("file_name")) {
        (Some((name, bytes)), _, _) if !bytes.is_empty() => (name, bytes),
        (_, Some(content), Some(name)) if confirm => {
            (name.clone(), hex::decode(content).unwrap_or_default())
        }
        _ => (String::new(), Vec::new()),
    };
    let kind = BudgetFileKind::of_file_name(&file_name);
    let (Some(kind), false, Some(event_id)) = (kind, bytes.is_empty(), event_id) else {
        return render(&req, &s, year, unprocessable, |p| {
            p.file_error =
                Some("请选择由预算模板填写的 .xlsx，或 .toml/.json 格式的预算文件".to_string())
        })
        .await;
    };
    let actor = Actor {
        name: s.claims.sub.clone(),
        request_id: format!("web-{}", Uuid::new_v4()),
    };
    let app = st.app.clone();
    let upload = bytes.clone();
    let outcome =
        web::block(move || app.import_budget_file(kind, &upload, Some(event_id), !confirm, &actor))
            .await?;
    match outcome {
        Ok(done) if confirm => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!(
                    "/admin/units?year={}&imported={}",
                    done.preview.fiscal_year, done.preview.unit_code
                ),
            ))
            .finish()),
        Ok(done) => {
            let shown = done.preview.fiscal_year;
            let view = preview_view(done.preview, file_name, &bytes);
            render(&req, &s, shown, StatusCode::OK, |p| {
                p.event_id = event_id.to_string();
                p.ready = Some(view);
            })
            .await
        }
        Err(BudgetFileError::Rejected(problems)) => {
            render(&req, &s, year, unprocessable, |p| {
                p.file_error = Some(format!(
                    "预算文件有 {} 处问题，未写入任何数据（见下表）",
                    problems.len()
                ));
                p.problems = problems;
            })
            .await
        }
        Err(BudgetFileError::Exists { unit, fiscal_year }) => {
            render(&req, &s, fiscal_year, StatusCode::CONFLICT, |p| {
                p.file_error = Some(format!(
                    "单位 {unit} 的 {fiscal_year} 年度已有预算，不能重复导入；未写入任何数据"
                ));
            })
            .await
        }
        Err(BudgetFileError::App(e)) => Err(e.into()),
    }
}
