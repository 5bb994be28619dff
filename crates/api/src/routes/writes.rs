//! Writes to a unit's fiscal year (`/api/v1/units/{unit}/years/{year}/…`): the budget import,
//! payments (single and batch), reversals, activities with corrections and withdrawals,
//! surveys, assessments, procurement, budget and target adjustment requests and decisions,
//! the monitoring report, deviation explanations, the self-evaluation, closing and reopening.
//!
//! Every write names itself with a client `event_id` (retry-safe: the same id and body answer
//! 200 with the original positions) and may send `If-Match: "<version>"` (409 with the current
//! version on mismatch). DTOs here are converted into domain commands; a conversion error is a
//! 422 naming the field, a domain refusal a 422 with the rule's code.

use crate::auth::Action;
use crate::config::{MAX_BATCH_EVENTS, MAX_BULK_BODY_BYTES};
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::{WriteResult, YearWrite};
use crate::guard::Permit;
use crate::routes::evidence::{EvidenceRefBody, evidence_refs};
use crate::startup::json_config;
use crate::strict;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use jixiao_app::Item;
use jixiao_app::import::Approval;
use jixiao_domain::aggregate::{Command, Decide, Decision, RecordPayment, SubmitSelfEvaluation};
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::codes::{EconomicCode, FunctionCode};
use jixiao_domain::event::{
    ActivityCorrected, ActivityHeld, ActivityWithdrawn, BudgetAdjustmentRequested,
    CarryOverRecorded, DeviationExplained, IndicatorAssessed, MonitoringReportFiled, MonitoringRow,
    PaymentReversed, ProcurementRecorded, SelfEvaluationReviewed, SurveyRecorded,
    TargetAdjustmentRequested, YearLockChanged,
};
use jixiao_domain::fixture::BudgetImport;
use jixiao_domain::indicator::{IndicatorId, QualGrade, Scope};
use jixiao_domain::money::Yuan;
use jixiao_domain::target::Target;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Conversions

fn yuan(field: &str, amount: Decimal) -> Result<Yuan, ApiError> {
    Yuan::new(amount).map_err(|e| {
        ApiError::field(
            field,
            e.to_string(),
            "amount in yuan with at most 2 decimals",
        )
    })
}

fn economic(field: &str, code: &str) -> Result<EconomicCode, ApiError> {
    EconomicCode::parse(code)
        .map_err(|e| ApiError::field(field, e.to_string(), "economic code must be 5 digits"))
}

fn function(field: &str, code: &str) -> Result<FunctionCode, ApiError> {
    FunctionCode::parse(code)
        .map_err(|e| ApiError::field(field, e.to_string(), "function code must be 7 digits"))
}

fn scope(project_code: &Option<String>) -> Scope {
    match project_code {
        Some(code) => Scope::Project(ProjectCode(code.trim().to_string())),
        None => Scope::Unit,
    }
}

fn project(code: &Option<String>) -> Option<ProjectCode> {
    code.as_ref().map(|c| ProjectCode(c.trim().to_string()))
}

/// Path parameters of every write.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UnitYearPath {
    /// 单位代码.
    pub unit: String,
    /// Fiscal year.
    pub year: i32,
}

// ---------------------------------------------------------------------------------------------
// Budget import

/// Query of the budget import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Client event id of the import (retry-safe).
    pub event_id: Uuid,
}

/// Import the year's budget and targets (body: the fixture format as JSON). Published totals
/// that the lines do not reproduce are refused with a 422 listing every mismatch.
#[utoipa::path(post, path = "/api/v1/units/{unit}/years/{year}/import", tag = "writes", security(("bearer" = [])),
    params(UnitYearPath, ImportQuery),
    request_body(content = Object, description = "budget and targets in the fixture format (JSON)"),
    responses(
        (status = 201, description = "recorded", body = WriteResult),
        (status = 200, description = "retry of a recorded import", body = WriteResult),
        (status = 422, description = "mismatched totals or invalid content", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "body over 8 MiB", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_budget(
    w: YearWrite,
    query: web::Query<ImportQuery>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Import)?;
    let text = body.into_inner().to_string();
    let import = BudgetImport::from_json_str(&text).map_err(|e| {
        ApiError::unprocessable(
            "invalid_import",
            e.to_string(),
            vec![FieldError::new("body", e.to_string(), "cannot read import")],
        )
    })?;
    let approval = Approval::of(&import)?;
    approval.check_addressed(w.unit(), w.year())?;
    w.run(approval.items(query.event_id)).await
}

// ---------------------------------------------------------------------------------------------
// Payments

/// A payment (支出).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Client event id (retry-safe).
    pub event_id: Uuid,
    /// Id of the payment (defaults to `event_id`); reversals name it.
    #[serde(default)]
    pub payment_id: Option<Uuid>,
    /// Business date.
    #[serde(deserialize_with = "strict::date::paid_on")]
    pub paid_on: NaiveDate,
    /// Budget line charged.
    #[serde(deserialize_with = "strict::text::line_id")]
    pub line_id: String,
    /// 部门经济分类 (5 digits); the line's when omitted.
    #[serde(default, deserialize_with = "strict::opt_text::economic_code")]
    pub economic_code: Option<String>,
    /// 功能分类 (7 digits); the line's when omitted.
    #[serde(default, deserialize_with = "strict::opt_text::function_code")]
    pub function_code: Option<String>,
    /// Project, for 项目支出 (the line's when omitted).
    #[serde(default, deserialize_with = "strict::opt_text::project_code")]
    pub project_code: Option<String>,
    /// Amount in 元 (positive, at most 2 decimals), as a string written plainly ("1234.56").
    #[schema(value_type = String, pattern = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$", example = "1234.56")]
    #[serde(deserialize_with = "strict::amount::amount_yuan")]
    pub amount_yuan: Decimal,
    /// 凭证号.
    #[serde(default, deserialize_with = "strict::opt_text::voucher_no")]
    pub voucher_no: Option<String>,
    /// 摘要.
    #[serde(default, deserialize_with = "strict::text::summary")]
    pub summary: String,
}

impl PaymentBody {
    /// The command, without the state: the domain fills omitted codes and project from the
    /// budget line (and refuses an unknown line). `prefix` names the item in a batch.
    fn to_command(&self, prefix: &str) -> Result<Command, ApiError> {
        let f = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let economic_code = self
            .economic_code
            .as_deref()
            .map(|c| economic(&f("economic_code"), c))
            .transpose()?;
        let function_code = self
            .function_code
            .as_deref()
            .map(|c| function(&f("function_code"), c))
            .transpose()?;
        Ok(Command::RecordPayment(RecordPayment {
            payment_id: self.payment_id.unwrap_or(self.event_id),
            paid_on: self.paid_on,
            line_id: LineId(self.line_id.trim().to_string()),
            economic_code,
            function_code,
            project_code: project(&self.project_code),
            amount_yuan: yuan(&f("amount_yuan"), self.amount_yuan)?,
            voucher_no: self.voucher_no.clone(),
            summary: self.summary.clone(),
        }))
    }
}

/// Record a payment.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = PaymentBody,
    responses(
        (status = 201, description = "recorded", body = WriteResult),
        (status = 200, description = "retry of a recorded write", body = WriteResult),
        (status = 401, description = "no valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "role or unit not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "version conflict (If-Match) or event id reused", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid input or rule broken", body = Problem, content_type = "application/problem+json"),
    ))]
#[post(
    "/api/v1/units/{unit}/years/{year}/payments",
    wrap = "Permit(Action::Record)"
)]
pub async fn record_payment(
    w: YearWrite,
    body: web::Json<PaymentBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.to_command("")?).await
}

/// A batch of payments (≤ 1000), recorded all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBatch {
    /// The payments.
    pub items: Vec<PaymentBody>,
}

/// Record a batch of payments (all or nothing, at most 1000).
#[utoipa::path(post, path = "/api/v1/units/{unit}/years/{year}/payments/batch", tag = "writes", security(("bearer" = [])),
    params(UnitYearPath), request_body = PaymentBatch,
    responses(
        (status = 201, description = "recorded", body = WriteResult),
        (status = 200, description = "retry of a recorded batch", body = WriteResult),
        (status = 422, description = "invalid item (field `items[i].…`) or too many items", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_payment_batch(
    w: YearWrite,
    body: web::Json<PaymentBatch>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let items = body.into_inner().items;
    if items.is_empty() || items.len() > MAX_BATCH_EVENTS {
        return Err(ApiError::field(
            "items",
            format!(
                "一批须有 1 至 {MAX_BATCH_EVENTS} 笔支出，本次 {} 笔",
                items.len()
            ),
            format!("a batch holds 1 to {MAX_BATCH_EVENTS} payments"),
        ));
    }
    let items = items
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let field = format!("items[{i}]");
            Ok(Item {
                event_id: p.event_id,
                command: p.to_command(&field)?,
                field,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    w.run(items).await
}

/// 红冲: reverse a payment in full.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Business date of the reversal.
    #[serde(deserialize_with = "strict::date::reversed_on")]
    pub reversed_on: NaiveDate,
    /// Why.
    #[serde(deserialize_with = "strict::text::reason")]
    pub reason: String,
}

/// Reverse a payment (红冲).
#[utoipa::path(tag = "writes", security(("bearer" = [])),
    params(("unit" = String, Path), ("year" = i32, Path), ("payment_id" = Uuid, Path)), request_body = ReversalBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "unknown or reversed payment", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/payments/{payment_id}/reversal",
    wrap = "Permit(Action::Record)"
)]
pub async fn reverse_payment(
    w: YearWrite,
    path: web::Path<(String, i32, Uuid)>,
    body: web::Json<ReversalBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.into_command(path.2)).await
}

// ---------------------------------------------------------------------------------------------
// Activities, surveys, assessments, procurement

/// An activity held under a project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Id of the activity (defaults to `event_id`).
    #[serde(default)]
    pub activity_id: Option<Uuid>,
    /// The project.
    #[serde(deserialize_with = "strict::text::project_code")]
    pub project_code: String,
    /// Date held.
    #[serde(deserialize_with = "strict::date::held_on")]
    pub held_on: NaiveDate,
    /// Title.
    #[serde(deserialize_with = "strict::text::title")]
    pub title: String,
    /// People invited.
    pub invited: u32,
    /// People who took part (≤ invited).
    pub participants: u32,
    /// 佐证材料 uploaded before (`…/evidence`), as the upload answered them.
    #[serde(default)]
    pub evidence: Vec<EvidenceRefBody>,
}

/// Record an activity.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = ActivityBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/activities",
    wrap = "Permit(Action::Record)"
)]
pub async fn hold_activity(
    w: YearWrite,
    body: web::Json<ActivityBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// 更正: an activity's facts replaced.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityCorrectionBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Corrected date.
    #[serde(deserialize_with = "strict::date::held_on")]
    pub held_on: NaiveDate,
    /// Corrected title.
    #[serde(deserialize_with = "strict::text::title")]
    pub title: String,
    /// Corrected invited.
    pub invited: u32,
    /// Corrected participants.
    pub participants: u32,
    /// Why.
    #[serde(deserialize_with = "strict::text::reason")]
    pub reason: String,
}

/// Correct an activity.
#[utoipa::path(tag = "writes", security(("bearer" = [])),
    params(("unit" = String, Path), ("year" = i32, Path), ("activity_id" = Uuid, Path)), request_body = ActivityCorrectionBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/activities/{activity_id}/correction",
    wrap = "Permit(Action::Record)"
)]
pub async fn correct_activity(
    w: YearWrite,
    path: web::Path<(String, i32, Uuid)>,
    body: web::Json<ActivityCorrectionBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.into_command(path.2)).await
}

/// Withdraw an activity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Date of the withdrawal.
    #[serde(deserialize_with = "strict::date::withdrawn_on")]
    pub withdrawn_on: NaiveDate,
    /// Why.
    #[serde(deserialize_with = "strict::text::reason")]
    pub reason: String,
}

/// Withdraw an activity (recorded in error, or did not happen).
#[utoipa::path(tag = "writes", security(("bearer" = [])),
    params(("unit" = String, Path), ("year" = i32, Path), ("activity_id" = Uuid, Path)), request_body = WithdrawalBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/activities/{activity_id}/withdrawal",
    wrap = "Permit(Action::Record)"
)]
pub async fn withdraw_activity(
    w: YearWrite,
    path: web::Path<(String, i32, Uuid)>,
    body: web::Json<WithdrawalBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.into_command(path.2)).await
}

/// A satisfaction survey's result.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Id of the survey (defaults to `event_id`).
    #[serde(default)]
    pub survey_id: Option<Uuid>,
    /// The project (omit for a unit-wide survey).
    #[serde(default, deserialize_with = "strict::opt_text::project_code")]
    pub project_code: Option<String>,
    /// Date.
    #[serde(deserialize_with = "strict::date::surveyed_on")]
    pub surveyed_on: NaiveDate,
    /// 专家, 企业, 工作人员, 服务对象, …
    #[serde(deserialize_with = "strict::text::respondent_group")]
    pub respondent_group: String,
    /// Valid responses.
    pub respondents: u32,
    /// Satisfied responses (≤ respondents).
    pub satisfied: u32,
    /// 佐证材料 uploaded before (`…/evidence`), as the upload answered them.
    #[serde(default)]
    pub evidence: Vec<EvidenceRefBody>,
}

/// Record a satisfaction survey.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = SurveyBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/surveys",
    wrap = "Permit(Action::Record)"
)]
pub async fn record_survey(
    w: YearWrite,
    body: web::Json<SurveyBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// A person's assessment of an indicator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentBody {
    /// Client event id.
    pub event_id: Uuid,
    /// The project (omit for a unit-wide indicator).
    #[serde(default, deserialize_with = "strict::opt_text::project_code")]
    pub project_code: Option<String>,
    /// The indicator.
    #[serde(deserialize_with = "strict::text::indicator_id")]
    pub indicator_id: String,
    /// Date.
    #[serde(deserialize_with = "strict::date::assessed_on")]
    pub assessed_on: NaiveDate,
    /// `achieved`, `partial` or `not_achieved`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub grade: Option<QualGrade>,
    /// Explicit score (required for partial / not achieved; must lie in the band).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub score: Option<Decimal>,
    /// Numeric actual value for a quantitative assessed indicator.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub actual_value: Option<Decimal>,
    /// 实际完成值 as text.
    #[serde(default, deserialize_with = "strict::text::actual_text")]
    pub actual_text: String,
    /// Note.
    #[serde(default, deserialize_with = "strict::text::note")]
    pub note: String,
    /// 佐证材料 uploaded before (`…/evidence`), as the upload answered them.
    #[serde(default)]
    pub evidence: Vec<EvidenceRefBody>,
}

/// Assess an indicator.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = AssessmentBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid (e.g. score outside its band)", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/assessments",
    wrap = "Permit(Action::Record)"
)]
pub async fn assess_indicator(
    w: YearWrite,
    body: web::Json<AssessmentBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// A 政府采购 contract executed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcurementBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Id (defaults to `event_id`).
    #[serde(default)]
    pub procurement_id: Option<Uuid>,
    /// Date.
    #[serde(deserialize_with = "strict::date::procured_on")]
    pub procured_on: NaiveDate,
    /// The project, if any.
    #[serde(default, deserialize_with = "strict::opt_text::project_code")]
    pub project_code: Option<String>,
    /// Amount in 元.
    #[schema(value_type = String, pattern = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$", example = "50000.00")]
    #[serde(deserialize_with = "strict::amount::amount_yuan")]
    pub amount_yuan: Decimal,
    /// What was procured.
    #[serde(deserialize_with = "strict::text::description")]
    pub description: String,
}

/// Record a procurement.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = ProcurementBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/procurements",
    wrap = "Permit(Action::Record)"
)]
pub async fn record_procurement(
    w: YearWrite,
    body: web::Json<ProcurementBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

// ---------------------------------------------------------------------------------------------
// Adjustments

/// 追加 (positive) or 调减 (negative) of one line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetAdjustmentBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Id of the request (defaults to `event_id`); the decision names it.
    #[serde(default)]
    pub request_id: Option<Uuid>,
    /// The line.
    #[serde(deserialize_with = "strict::text::line_id")]
    pub line_id: String,
    /// Signed change in 元.
    #[schema(value_type = String, pattern = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$", example = "-20000.00")]
    #[serde(deserialize_with = "strict::amount::delta_yuan")]
    pub delta_yuan: Decimal,
    /// Reason (required above the profile's threshold).
    #[serde(default, deserialize_with = "strict::text::reason")]
    pub reason: String,
    /// Date.
    #[serde(deserialize_with = "strict::date::requested_on")]
    pub requested_on: NaiveDate,
}

/// Request a budget adjustment (unit head).
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = BudgetAdjustmentBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/budget-adjustments",
    wrap = "Permit(Action::UnitHeadAct)"
)]
pub async fn request_budget_adjustment(
    w: YearWrite,
    body: web::Json<BudgetAdjustmentBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::UnitHeadAct)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// 上年结转: money carried over from last year onto one line (raises its 全年预算数).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryOverBody {
    /// Client event id.
    pub event_id: Uuid,
    /// The line.
    #[serde(deserialize_with = "strict::text::line_id")]
    pub line_id: String,
    /// Amount carried over in 元 (positive, at most 2 decimals).
    #[schema(value_type = String, pattern = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$", example = "30000.00")]
    #[serde(deserialize_with = "strict::amount::amount_yuan")]
    pub amount_yuan: Decimal,
    /// Date recorded (within the fiscal year).
    #[serde(deserialize_with = "strict::date::recorded_on")]
    pub recorded_on: NaiveDate,
}

/// Record a carry-over from last year (上年结转) onto a line (finance). It raises the line's
/// 全年预算数, the denominator the unit's execution is judged against, so like a budget
/// adjustment it is the finance bureau's act, not the unit's.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = CarryOverBody,
    responses(
        (status = 201, description = "recorded", body = WriteResult),
        (status = 200, description = "retry of a recorded write", body = WriteResult),
        (status = 403, description = "not finance", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "unknown line, amount not positive, date outside the year, year closed", body = Problem, content_type = "application/problem+json"),
    ))]
#[post(
    "/api/v1/units/{unit}/years/{year}/carry-overs",
    wrap = "Permit(Action::CarryOver)"
)]
pub async fn record_carry_over(
    w: YearWrite,
    body: web::Json<CarryOverBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::CarryOver)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// The finance bureau's decision on a request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Date of the decision.
    #[serde(deserialize_with = "strict::date::decided_on")]
    pub decided_on: NaiveDate,
    /// `approve` or `reject`.
    pub decision: String,
    /// Note (approve) or reason (reject, required).
    #[serde(default, deserialize_with = "strict::text::note")]
    pub note: String,
}

impl DecisionBody {
    fn decide(&self, request_id: Uuid) -> Result<Decide, ApiError> {
        let decision = match self.decision.as_str() {
            "approve" => Decision::Approve {
                note: self.note.clone(),
            },
            "reject" => Decision::Reject {
                reason: self.note.clone(),
            },
            other => {
                return Err(ApiError::field(
                    "decision",
                    format!("“{other}”无效，应为 approve 或 reject"),
                    "must be approve or reject",
                ));
            }
        };
        Ok(Decide {
            request_id,
            decided_on: self.decided_on,
            decision,
        })
    }
}

/// Decide a budget adjustment (finance).
#[utoipa::path(tag = "writes", security(("bearer" = [])),
    params(("unit" = String, Path), ("year" = i32, Path), ("request_id" = Uuid, Path)), request_body = DecisionBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/budget-adjustments/{request_id}/decision",
    wrap = "Permit(Action::Decide)"
)]
pub async fn decide_budget_adjustment(
    w: YearWrite,
    path: web::Path<(String, i32, Uuid)>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Decide)?;
    let b = body.into_inner();
    let decide = b.decide(path.2)?;
    w.one(b.event_id, Command::DecideBudgetAdjustment(decide))
        .await
}

/// A request to change one indicator's target.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetAdjustmentBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Id of the request (defaults to `event_id`).
    #[serde(default)]
    pub request_id: Option<Uuid>,
    /// The project (omit for a unit-wide indicator).
    #[serde(default, deserialize_with = "strict::opt_text::project_code")]
    pub project_code: Option<String>,
    /// The indicator.
    #[serde(deserialize_with = "strict::text::indicator_id")]
    pub indicator_id: String,
    /// The new target text (`≥12次`, `良好`, …).
    #[serde(deserialize_with = "strict::text::new_target")]
    pub new_target: String,
    /// Why.
    #[serde(deserialize_with = "strict::text::reason")]
    pub reason: String,
    /// Date.
    #[serde(deserialize_with = "strict::date::requested_on")]
    pub requested_on: NaiveDate,
}

/// Request a target adjustment (unit head).
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = TargetAdjustmentBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid (e.g. unreadable target)", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/target-adjustments",
    wrap = "Permit(Action::UnitHeadAct)"
)]
pub async fn request_target_adjustment(
    w: YearWrite,
    body: web::Json<TargetAdjustmentBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::UnitHeadAct)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// Decide a target adjustment (finance).
#[utoipa::path(tag = "writes", security(("bearer" = [])),
    params(("unit" = String, Path), ("year" = i32, Path), ("request_id" = Uuid, Path)), request_body = DecisionBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/target-adjustments/{request_id}/decision",
    wrap = "Permit(Action::Decide)"
)]
pub async fn decide_target_adjustment(
    w: YearWrite,
    path: web::Path<(String, i32, Uuid)>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Decide)?;
    let b = body.into_inner();
    let decide = b.decide(path.2)?;
    w.one(b.event_id, Command::DecideTargetAdjustment(decide))
        .await
}

// ---------------------------------------------------------------------------------------------
// Monitoring, explanations, self-evaluation, year lock

/// The 1-7月 绩效监控 report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringReportBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Last business date covered (e.g. 2024-07-31).
    #[serde(deserialize_with = "strict::date::as_of")]
    pub as_of: NaiveDate,
    /// Date filed.
    #[serde(deserialize_with = "strict::date::filed_on")]
    pub filed_on: NaiveDate,
    /// 全年预计执行数 in 元.
    #[schema(value_type = String, pattern = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$")]
    #[serde(deserialize_with = "strict::amount::expected_full_year_yuan")]
    pub expected_full_year_yuan: Decimal,
    /// Indicator rows: {scope, indicator_id, value_so_far, expected_full_year, deviation_cause
    /// (funding|institutional|staffing|facilities|other|null), likelihood (certain|possible|impossible), explanation}.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<MonitoringRow>,
}

/// File the monitoring report (unit head).
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = MonitoringReportBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/monitoring-reports",
    wrap = "Permit(Action::UnitHeadAct)"
)]
pub async fn file_monitoring_report(
    w: YearWrite,
    body: web::Json<MonitoringReportBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::UnitHeadAct)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// 偏差原因分析及改进措施.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationBody {
    /// Client event id.
    pub event_id: Uuid,
    /// The project (omit for a unit-wide indicator or the unit's execution rate).
    #[serde(default, deserialize_with = "strict::opt_text::project_code")]
    pub project_code: Option<String>,
    /// The indicator; omit for 预算执行率.
    #[serde(default, deserialize_with = "strict::opt_text::indicator_id")]
    pub indicator_id: Option<String>,
    /// The explanation.
    #[serde(deserialize_with = "strict::text::explanation")]
    pub explanation: String,
    /// Date.
    #[serde(deserialize_with = "strict::date::explained_on")]
    pub explained_on: NaiveDate,
}

/// Explain a deviation (staff or unit head).
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = DeviationBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/deviation-explanations",
    wrap = "Permit(Action::Record)"
)]
pub async fn explain_deviation(
    w: YearWrite,
    body: web::Json<DeviationBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

/// Submit the self-evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Date of submission (also the as-of date of the scores).
    #[serde(deserialize_with = "strict::date::submitted_on")]
    pub submitted_on: NaiveDate,
    /// Scoring profile id (the server's default when omitted).
    #[serde(default)]
    pub profile: Option<String>,
}

/// Submit (上报) the year-end self-evaluation (unit head): the event holds every score, the
/// profile and the stream version it was computed from; the unit's writes are then refused
/// (`year_submitted`) until the finance bureau returns it. Refused while deviations are
/// unexplained or indicators unassessed.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = SubmitBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "deviation explanations missing, already submitted (year_submitted)", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/self-evaluation",
    wrap = "Permit(Action::SubmitSelfEvaluation)"
)]
pub async fn submit_self_evaluation(
    w: YearWrite,
    body: web::Json<SubmitBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::SubmitSelfEvaluation)?;
    let b = body.into_inner();
    let command = Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
        submitted_on: b.submitted_on,
        submitted_by: w.actor().to_string(),
    });
    w.with_profile(b.profile.as_deref())?
        .one(b.event_id, command)
        .await
}

/// Return (退回) or approve (审核通过) a submitted self-evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Date of the decision.
    #[serde(deserialize_with = "strict::date::on")]
    pub on: NaiveDate,
    /// Why it is returned (required to return), or the approver's note (may be empty).
    #[serde(default, deserialize_with = "strict::text::reason")]
    pub reason: String,
}

impl ReviewBody {
    fn into_review(self, by: &str) -> SelfEvaluationReviewed {
        SelfEvaluationReviewed {
            on: self.on,
            by: by.to_string(),
            reason: self.reason,
        }
    }
}

/// Return (退回) the submitted self-evaluation to the unit (finance; reason required): the unit
/// may edit again and submits anew.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = ReviewBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "not submitted (self_evaluation_not_submitted), reason missing", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/self-evaluation:return",
    wrap = "Permit(Action::ReviewSelfEvaluation)"
)]
pub async fn return_self_evaluation(
    w: YearWrite,
    body: web::Json<ReviewBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::ReviewSelfEvaluation)?;
    let b = body.into_inner();
    let event_id = b.event_id;
    let command = Command::ReturnSelfEvaluation(b.into_review(w.actor()));
    w.one(event_id, command).await
}

/// Approve (审核通过) the submitted self-evaluation (finance); the unit's writes stay refused.
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = ReviewBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "not submitted (self_evaluation_not_submitted)", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/self-evaluation:approve",
    wrap = "Permit(Action::ReviewSelfEvaluation)"
)]
pub async fn approve_self_evaluation(
    w: YearWrite,
    body: web::Json<ReviewBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::ReviewSelfEvaluation)?;
    let b = body.into_inner();
    let event_id = b.event_id;
    let command = Command::ApproveSelfEvaluation(b.into_review(w.actor()));
    w.one(event_id, command).await
}

/// Close or reopen a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LockBody {
    /// Client event id.
    pub event_id: Uuid,
    /// Date.
    #[serde(deserialize_with = "strict::date::on")]
    pub on: NaiveDate,
    /// Why (required).
    #[serde(deserialize_with = "strict::text::reason")]
    pub reason: String,
}

/// Close (lock) the year (finance).
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = LockBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/close",
    wrap = "Permit(Action::CloseYear)"
)]
pub async fn close_year(w: YearWrite, body: web::Json<LockBody>) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::CloseYear)?;
    let b = body.into_inner();
    let by = w.actor().to_string();
    w.one(b.event_id, b.into_command(true, by)).await
}

/// Reopen (unlock) the year (finance; reason required).
#[utoipa::path(tag = "writes", security(("bearer" = [])), params(UnitYearPath), request_body = LockBody,
    responses((status = 201, description = "recorded", body = WriteResult), (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/reopen",
    wrap = "Permit(Action::CloseYear)"
)]
pub async fn reopen_year(
    w: YearWrite,
    body: web::Json<LockBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::CloseYear)?;
    let b = body.into_inner();
    let by = w.actor().to_string();
    w.one(b.event_id, b.into_command(false, by)).await
}

// ---------------------------------------------------------------------------------------------
// Bodies into commands

impl ReversalBody {
    fn into_command(self, payment_id: Uuid) -> Command {
        Command::ReversePayment(PaymentReversed {
            payment_id,
            reversed_on: self.reversed_on,
            reason: self.reason,
        })
    }
}

impl TryFrom<ActivityBody> for Command {
    type Error = ApiError;
    fn try_from(b: ActivityBody) -> Result<Self, ApiError> {
        Ok(Command::HoldActivity(ActivityHeld {
            evidence: evidence_refs(b.evidence)?,
            activity_id: b.activity_id.unwrap_or(b.event_id),
            project_code: ProjectCode(b.project_code.trim().to_string()),
            held_on: b.held_on,
            title: b.title,
            invited: b.invited,
            participants: b.participants,
        }))
    }
}

impl ActivityCorrectionBody {
    fn into_command(self, activity_id: Uuid) -> Command {
        Command::CorrectActivity(ActivityCorrected {
            activity_id,
            held_on: self.held_on,
            title: self.title,
            invited: self.invited,
            participants: self.participants,
            reason: self.reason,
        })
    }
}

impl WithdrawalBody {
    fn into_command(self, activity_id: Uuid) -> Command {
        Command::WithdrawActivity(ActivityWithdrawn {
            activity_id,
            withdrawn_on: self.withdrawn_on,
            reason: self.reason,
        })
    }
}

impl TryFrom<SurveyBody> for Command {
    type Error = ApiError;
    fn try_from(b: SurveyBody) -> Result<Self, ApiError> {
        Ok(Command::RecordSurvey(SurveyRecorded {
            evidence: evidence_refs(b.evidence)?,
            survey_id: b.survey_id.unwrap_or(b.event_id),
            project_code: project(&b.project_code),
            surveyed_on: b.surveyed_on,
            respondent_group: b.respondent_group,
            respondents: b.respondents,
            satisfied: b.satisfied,
        }))
    }
}

impl TryFrom<AssessmentBody> for Command {
    type Error = ApiError;
    fn try_from(b: AssessmentBody) -> Result<Self, ApiError> {
        Ok(Command::AssessIndicator(IndicatorAssessed {
            evidence: evidence_refs(b.evidence)?,
            scope: scope(&b.project_code),
            indicator_id: IndicatorId(b.indicator_id.trim().to_string()),
            assessed_on: b.assessed_on,
            grade: b.grade,
            score: b.score,
            actual_value: b.actual_value,
            actual_text: b.actual_text,
            note: b.note,
            band_position: None,
        }))
    }
}

impl TryFrom<ProcurementBody> for Command {
    type Error = ApiError;
    fn try_from(b: ProcurementBody) -> Result<Self, ApiError> {
        Ok(Command::RecordProcurement(ProcurementRecorded {
            procurement_id: b.procurement_id.unwrap_or(b.event_id),
            procured_on: b.procured_on,
            project_code: project(&b.project_code),
            amount_yuan: yuan("amount_yuan", b.amount_yuan)?,
            description: b.description,
        }))
    }
}

impl TryFrom<BudgetAdjustmentBody> for Command {
    type Error = ApiError;
    fn try_from(b: BudgetAdjustmentBody) -> Result<Self, ApiError> {
        Ok(Command::RequestBudgetAdjustment(
            BudgetAdjustmentRequested {
                request_id: b.request_id.unwrap_or(b.event_id),
                line_id: LineId(b.line_id.trim().to_string()),
                delta_yuan: yuan("delta_yuan", b.delta_yuan)?,
                reason: b.reason,
                requested_on: b.requested_on,
            },
        ))
    }
}

impl TryFrom<CarryOverBody> for Command {
    type Error = ApiError;
    fn try_from(b: CarryOverBody) -> Result<Self, ApiError> {
        Ok(Command::RecordCarryOver(CarryOverRecorded {
            line_id: LineId(b.line_id.trim().to_string()),
            amount_yuan: yuan("amount_yuan", b.amount_yuan)?,
            recorded_on: b.recorded_on,
        }))
    }
}

impl TryFrom<TargetAdjustmentBody> for Command {
    type Error = ApiError;
    fn try_from(b: TargetAdjustmentBody) -> Result<Self, ApiError> {
        let new_target = Target::parse(&b.new_target)
            .map_err(|e| ApiError::field("new_target", e.to_string(), "unreadable target"))?;
        Ok(Command::RequestTargetAdjustment(
            TargetAdjustmentRequested {
                request_id: b.request_id.unwrap_or(b.event_id),
                scope: scope(&b.project_code),
                indicator_id: IndicatorId(b.indicator_id.trim().to_string()),
                new_target,
                reason: b.reason,
                requested_on: b.requested_on,
            },
        ))
    }
}

impl TryFrom<MonitoringReportBody> for Command {
    type Error = ApiError;
    fn try_from(b: MonitoringReportBody) -> Result<Self, ApiError> {
        Ok(Command::FileMonitoringReport(MonitoringReportFiled {
            as_of: b.as_of,
            filed_on: b.filed_on,
            expected_full_year_yuan: yuan("expected_full_year_yuan", b.expected_full_year_yuan)?,
            rows: b.rows,
        }))
    }
}

impl TryFrom<DeviationBody> for Command {
    type Error = ApiError;
    fn try_from(b: DeviationBody) -> Result<Self, ApiError> {
        Ok(Command::ExplainDeviation(DeviationExplained {
            scope: scope(&b.project_code),
            indicator_id: b.indicator_id.map(|i| IndicatorId(i.trim().to_string())),
            explanation: b.explanation,
            explained_on: b.explained_on,
        }))
    }
}

impl LockBody {
    /// Closing or reopening; a missing reason is refused by the domain.
    fn into_command(self, close: bool, by: String) -> Command {
        let lock = YearLockChanged {
            on: self.on,
            reason: self.reason,
            by,
        };
        if close {
            Command::CloseYear(lock)
        } else {
            Command::ReopenYear(lock)
        }
    }
}

/// Registers the writes; the bulk ones get the 8 MiB body limit.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/units/{unit}/years/{year}/import")
            .app_data(json_config(MAX_BULK_BODY_BYTES))
            .route(web::post().to(import_budget).wrap(Permit(Action::Import))),
    )
    .service(
        web::resource("/api/v1/units/{unit}/years/{year}/payments/batch")
            .app_data(json_config(MAX_BULK_BODY_BYTES))
            .route(
                web::post()
                    .to(record_payment_batch)
                    .wrap(Permit(Action::Record)),
            ),
    )
    // `record_payment` is registered first of all, in `routes::configure`.
    .service(reverse_payment)
    .service(hold_activity)
    .service(correct_activity)
    .service(withdraw_activity)
    .service(record_survey)
    .service(assess_indicator)
    .service(record_procurement)
    .service(request_budget_adjustment)
    .service(record_carry_over)
    .service(decide_budget_adjustment)
    .service(request_target_adjustment)
    .service(decide_target_adjustment)
    .service(file_monitoring_report)
    .service(explain_deviation)
    .service(submit_self_evaluation)
    .service(return_self_evaluation)
    .service(approve_self_evaluation)
    .service(close_year)
    .service(reopen_year);
}
