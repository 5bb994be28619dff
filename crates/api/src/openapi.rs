//! The OpenAPI 3.1 document, generated from the `#[utoipa::path]` annotations of every handler
//! and the `ToSchema` DTOs. Served at `/api-docs/openapi.json` and committed as
//! `openapi/openapi.json` (a test fails when the two drift).

use crate::contract::Contract;
use crate::error::{FieldError, Problem};
use crate::routes;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Adds the bearer security scheme.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".to_string());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "jixiao 绩效目标跟踪 API", description = "预算绩效管理：事件日志、执行监控、绩效自评。Errors are RFC 9457 application/problem+json."),
    modifiers(&BearerScheme, &Contract),
    paths(
        routes::ops::healthz,
        routes::ops::readyz,
        routes::ops::metrics,
        routes::users::token,
        routes::users::list_users,
        routes::users::create_user,
        routes::users::set_password,
        routes::users::set_role,
        routes::users::set_disabled,
        routes::reads::list_units,
        routes::reads::monitoring_view,
        routes::reads::events,
        routes::reads::execution,
        routes::reads::indicators,
        routes::reads::evaluation,
        routes::reads::monitoring_draft,
        routes::reads::verify,
        routes::forms::form,
        routes::review::submitted,
        routes::review::recheck,
        routes::recheck::recheck_upload,
        routes::writes::import_budget,
        routes::units::import_unit,
        routes::bulk::bulk_load,
        routes::writes::record_payment,
        routes::writes::record_payment_batch,
        routes::writes::reverse_payment,
        routes::writes::hold_activity,
        routes::writes::correct_activity,
        routes::writes::withdraw_activity,
        routes::writes::record_survey,
        routes::writes::assess_indicator,
        routes::writes::record_procurement,
        routes::writes::request_budget_adjustment,
        routes::writes::record_carry_over,
        routes::writes::decide_budget_adjustment,
        routes::writes::request_target_adjustment,
        routes::writes::decide_target_adjustment,
        routes::writes::file_monitoring_report,
        routes::writes::explain_deviation,
        routes::writes::submit_self_evaluation,
        routes::writes::return_self_evaluation,
        routes::writes::approve_self_evaluation,
        routes::writes::close_year,
        routes::writes::reopen_year,
        routes::evidence::upload_evidence,
        routes::evidence::download_evidence,
        routes::evidence::attach_evidence,
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "ops", description = "健康检查与监控指标 (health and metrics)"),
        (name = "auth", description = "登录 (login)"),
        (name = "users", description = "用户管理 (admin)"),
        (name = "reads", description = "查询：事件日志、执行、指标、自评、监控 (as_of = business date, known_at = log position or time)"),
        (name = "writes", description = "记录业务事件 (record events; event_id makes retries safe; If-Match pins the stream version)"),
        (name = "recheck", description = "复核：上传外来的项目支出绩效自评表，逐行与规则比对 (re-check published self-evaluation tables)"),
        (name = "evidence", description = "佐证材料：上传、补充、下载 (evidence files: upload, attach, download)"),
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON, as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}
