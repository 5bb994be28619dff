//! Operations endpoints: liveness, readiness (the database answers) and Prometheus metrics.

use crate::error::{ApiError, Problem};
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

/// Liveness and readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Last position of the event log (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_position: Option<u64>,
}

/// The process is alive.
#[utoipa::path(tag = "ops", responses((status = 200, description = "alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        head_position: None,
    })
}

/// The database is reachable.
#[utoipa::path(tag = "ops", responses(
    (status = 200, description = "ready", body = Health),
    (status = 503, description = "database unavailable", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let head = web::block(move || store.head())
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "readiness check failed");
            ApiError::unavailable("数据库不可用 (database unavailable)")
        })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        head_position: Some(head.position),
    }))
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(tag = "ops", responses((status = 200, description = "metrics", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.run_upkeep();
    // The store's writer: how many transactions its group commit took for how many appends
    // (this server's store, written beside the process-wide recorder's text).
    let w = state.store.writer_stats();
    let mut text = state.metrics.render();
    for (name, help, value) in [
        (
            "store_group_commits_total",
            "Transactions committed by the store's group commit.",
            w.groups_committed,
        ),
        (
            "store_append_requests_total",
            "Append requests the store's writer answered.",
            w.requests,
        ),
        (
            "store_events_written_total",
            "Events the store's writer wrote.",
            w.events_written,
        ),
    ] {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
