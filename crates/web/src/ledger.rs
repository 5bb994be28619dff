//! Ledger import in the browser: the unit uploads its 会计账目 (XLSX or CSV, multipart), the
//! page shows the application's dry-run verdict row by row (`App::import_ledger` with
//! `dry_run`), and a confirm button writes every new row or nothing. The file travels back
//! with the confirm form (hex in a hidden field), so nothing is kept on the server between the
//! two steps; the confirm runs the same checks again before it writes.

use crate::error::WebError;
use crate::pages::{Chrome, html, state};
use crate::session::Session;
use crate::upload::read_form;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use jixiao_app::auth::Action;
use jixiao_app::import::LedgerError;
use jixiao_app::table::{self, TableKind};
use jixiao_app::{Actor, AppError};
use jixiao_store::StreamId;
use uuid::Uuid;

/// Largest ledger file accepted from the browser, in bytes.
pub const MAX_LEDGER_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Largest text field of the upload form, in bytes (the confirm form's hex file included).
pub(crate) const MAX_FIELD_BYTES: usize = 2 * MAX_LEDGER_UPLOAD_BYTES + 1024;

/// One row problem of the verdict.
pub struct ProblemRow {
    /// Spreadsheet row.
    pub row: usize,
    /// Column label, if one.
    pub column: String,
    /// What is wrong, in Chinese.
    pub problem: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    unit: String,
    year: i32,
    /// The error beside the file field.
    file_error: Option<String>,
    /// Row problems of the dry run.
    problems: Vec<ProblemRow>,
    /// Problems not listed.
    omitted: usize,
    /// The dry run passed: how many rows are new and skipped, with the file to confirm.
    ready: Option<(usize, usize, String, String)>,
}

fn page(s: &Session, unit: String, year: i32) -> LedgerPage {
    LedgerPage {
        chrome: Chrome::for_page(s, "导入会计账目", year),
        unit,
        year,
        file_error: None,
        problems: Vec::new(),
        omitted: 0,
        ready: None,
    }
}

/// `GET /units/{unit}/{year}/ledger`: the upload form.
pub async fn ledger_page(
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Record, &unit)?;
    Ok(html(StatusCode::OK, page(&s, unit, year).render()))
}

/// `POST /units/{unit}/{year}/ledger`: the dry run of an uploaded file, or (with `confirm`)
/// the import of the file the dry run showed.
pub async fn ledger_upload(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Record, &unit)?;
    let mut p = page(&s, unit.clone(), year);
    let (fields, file) = match read_form(form, MAX_LEDGER_UPLOAD_BYTES, MAX_FIELD_BYTES).await {
        Ok(read) => read,
        Err(message) => {
            p.file_error = Some(message);
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.render()));
        }
    };
    s.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or(""))?;
    let confirm = fields.get("confirm").is_some_and(|v| v == "1");
    let (file_name, bytes) = match (file, fields.get("content"), fields.get("file_name")) {
        (Some((name, bytes)), _, _) if !bytes.is_empty() => (name, bytes),
        (_, Some(content), Some(name)) if confirm => match hex::decode(content) {
            Ok(bytes) => (name.clone(), bytes),
            Err(_) => (String::new(), Vec::new()),
        },
        _ => (String::new(), Vec::new()),
    };
    let kind = file_name
        .rsplit_once('.')
        .and_then(|(_, ext)| TableKind::of_extension(&ext.to_ascii_lowercase()));
    let (Some(kind), false) = (kind, bytes.is_empty()) else {
        p.file_error = Some("请选择 .xlsx 或 .csv 格式的会计账目文件".to_string());
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.render()));
    };
    let table = match table::read_table(kind, &bytes, None) {
        Ok(t) => t,
        Err(e) => {
            p.file_error = Some(e.to_string());
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.render()));
        }
    };
    let actor = Actor {
        name: s.claims.sub.clone(),
        request_id: format!("web-{}", Uuid::new_v4()),
    };
    let stream = StreamId::new(unit.clone(), year);
    let app = st.app.clone();
    let outcome = web::block(move || {
        app.import_ledger(&stream, &table.rows, !confirm, &actor, &mut |_, _| {})
    })
    .await?;
    match outcome {
        Ok(done) if confirm => Ok(HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/units/{unit}/{year}?saved=1&imported={}", done.written),
            ))
            .finish()),
        Ok(done) => {
            p.ready = Some((
                done.new_payments,
                done.skipped,
                file_name,
                hex::encode(&bytes),
            ));
            Ok(html(StatusCode::OK, p.render()))
        }
        Err(LedgerError::Rejected(r)) => {
            p.problems = r
                .problems
                .iter()
                .map(|x| ProblemRow {
                    row: x.row,
                    column: x.column.map(|c| c.label().to_string()).unwrap_or_default(),
                    problem: x.problem.clone(),
                })
                .collect();
            p.omitted = r.omitted;
            p.file_error = Some(format!(
                "有 {} 行不能导入，未写入任何支出",
                r.problems.len() + r.omitted
            ));
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.render()))
        }
        Err(LedgerError::NoBudget) => Err(WebError::App(AppError::not_found("该年度尚未批复预算"))),
        Err(LedgerError::App(e)) => Err(e.into()),
    }
}
