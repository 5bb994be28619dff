//! `POST /api/v1/units/import`: a new unit's year-start budget from a file — the budget
//! workbook (XLSX from the template), or the import format as TOML or JSON — the same
//! operation as the admin's 单位 page and `jixiao import budget FILE`
//! (`App::import_budget_file`). With `dry_run=true` it answers the preview and writes nothing;
//! otherwise it writes all or nothing (201), a retry with the same `event_id` writes nothing
//! (200, `replayed`), and a unit-year that already has a budget is refused (409). Every
//! problem of the file is a 422 field error whose `field` names its sheet, row and column.

use crate::auth::{Action, Auth};
use crate::error::{ApiError, Problem};
use crate::guard::Permit;
use crate::startup::AppState;
use crate::telemetry::RequestId;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use jixiao_app::Actor;
use jixiao_app::budget_file::{BudgetFileImported, BudgetFileKind};
use jixiao_domain::fixture::MAX_IMPORT_BYTES;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The format of the uploaded budget file.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BudgetFileFormat {
    /// The budget workbook filled from the template.
    Xlsx,
    /// The import format as TOML.
    Toml,
    /// The import format as JSON.
    Json,
}

/// Query of the import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitImportQuery {
    /// Client event id of the import (a retry with the same id writes nothing).
    pub event_id: Uuid,
    /// The file's format.
    pub format: BudgetFileFormat,
    /// Check and preview only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One project of the imported budget.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitImportProject {
    /// 项目编码.
    pub code: String,
    /// 项目名称.
    pub name: String,
    /// 项目类型.
    pub category: String,
    /// Sum of its lines, in 元.
    #[schema(value_type = String, example = "120000.00")]
    pub total_yuan: String,
}

/// What the file holds and what was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitImportResult {
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub unit_name: String,
    /// 主管部门.
    pub department: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// 批复日期.
    pub approved_on: NaiveDate,
    /// Budget lines.
    pub lines: usize,
    /// Sum of every line, in 元.
    #[schema(value_type = String, example = "705300.00")]
    pub total_yuan: String,
    /// The projects with their totals.
    pub projects: Vec<UnitImportProject>,
    /// Indicators (部门整体 and every project's).
    pub targets: usize,
    /// True for a dry run (nothing written).
    pub dry_run: bool,
    /// True when this retried a recorded import (nothing new written).
    pub replayed: bool,
    /// Version of the unit-year's stream afterwards (absent in a dry run).
    pub stream_version: Option<u64>,
    /// Log positions of the recorded events.
    pub positions: Vec<u64>,
}

impl From<BudgetFileImported> for UnitImportResult {
    fn from(done: BudgetFileImported) -> Self {
        let p = done.preview;
        UnitImportResult {
            unit: p.unit_code,
            unit_name: p.unit_name,
            department: p.department,
            fiscal_year: p.fiscal_year,
            approved_on: p.approved_on,
            lines: p.lines.len(),
            total_yuan: p.total.to_string(),
            projects: p
                .projects
                .into_iter()
                .map(|x| UnitImportProject {
                    code: x.code,
                    name: x.name,
                    category: x.category,
                    total_yuan: x.total.to_string(),
                })
                .collect(),
            targets: p.targets,
            dry_run: done.written.is_none(),
            replayed: done.written.as_ref().is_some_and(|w| w.replayed),
            stream_version: done.written.as_ref().map(|w| w.stream_version),
            positions: done.written.map(|w| w.positions).unwrap_or_default(),
        }
    }
}

/// Create a unit by importing its year-start budget and targets from a file (the body): the
/// budget workbook, or the import format as TOML/JSON. Every problem is listed with its sheet,
/// row and column; nothing is written unless the whole file passes.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitImportQuery),
    request_body(content = Vec<u8>, description = "the budget file (XLSX from the template, or TOML/JSON in the import format), at most 4 MiB", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "imported", body = UnitImportResult),
        (status = 200, description = "dry run, or a retry of a recorded import", body = UnitImportResult),
        (status = 403, description = "the role may not import budgets", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the unit-year already has a budget", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "over 4 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "problems of the file, each with its sheet, row and column", body = Problem, content_type = "application/problem+json")))]
#[post("/api/v1/units/import", wrap = "Permit(Action::Import)")]
pub async fn import_unit(
    req: HttpRequest,
    auth: Auth,
    request_id: RequestId,
    query: web::Query<UnitImportQuery>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let instance = req.path().to_string();
    auth.0
        .require(Action::Import)
        .map_err(|e| ApiError::from(e).with_instance(&instance))?;
    let bytes = match payload.to_bytes_limited(MAX_IMPORT_BYTES).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(ApiError::internal(e)),
        Err(_) => {
            return Err(ApiError::from(jixiao_app::AppError::too_large(format!(
                "预算文件超过 {} MiB (budget file too large)",
                MAX_IMPORT_BYTES >> 20
            )))
            .with_instance(&instance));
        }
    };
    let query = query.into_inner();
    let kind = match query.format {
        BudgetFileFormat::Xlsx => BudgetFileKind::Workbook,
        BudgetFileFormat::Toml => BudgetFileKind::Toml,
        BudgetFileFormat::Json => BudgetFileKind::Json,
    };
    let actor = Actor {
        name: auth.0.sub.clone(),
        request_id: request_id.0,
    };
    let app = state.app.clone();
    let done = web::block(move || {
        app.import_budget_file(kind, &bytes, Some(query.event_id), query.dry_run, &actor)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::from(jixiao_app::AppError::from(e)).with_instance(&instance))?;
    let created = done.written.as_ref().is_some_and(|w| !w.replayed);
    let body = UnitImportResult::from(done);
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
