//! The year-end workflow's reads (`/api/v1/units/{unit}/years/{year}/self-evaluation/…`): where
//! the year stands with every step and the self-evaluation exactly as submitted
//! (`…/submitted`), and its recheck (复核, `…/recheck`): the submission recomputed from the log
//! as known at the submission and as known now, with every row that differs. The steps
//! themselves (submit, return, approve, close, reopen) are writes in [`super::writes`].

use crate::auth::{Action, Auth};
use crate::dto;
use crate::error::{ApiError, Problem};
use crate::guard::Permit;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use jixiao_domain::aggregate::{Workflow, WorkflowStep};
use jixiao_domain::evaluation::RecheckRow;
use jixiao_domain::event::{SelfEvaluationSubmitted, SubmittedEvaluation, SubmittedRow};
use jixiao_store::StreamId;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// The state of the year-end workflow: `draft` (草稿), `submitted` (已上报), `returned` (已退回),
/// `approved` (已审核), `closed` (已关闭).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowState {
    /// 草稿.
    Draft,
    /// 已上报: the unit's writes are refused.
    Submitted,
    /// 已退回: the unit corrects and submits again.
    Returned,
    /// 已审核: the unit's writes stay refused.
    Approved,
    /// 已关闭: every write is refused until reopened.
    Closed,
}

impl From<Workflow> for WorkflowState {
    fn from(w: Workflow) -> Self {
        match w {
            Workflow::Draft => WorkflowState::Draft,
            Workflow::Submitted => WorkflowState::Submitted,
            Workflow::Returned => WorkflowState::Returned,
            Workflow::Approved => WorkflowState::Approved,
            Workflow::Closed => WorkflowState::Closed,
        }
    }
}

/// One step of the workflow.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowStepView {
    /// The state the step led to.
    pub state: WorkflowState,
    /// The state in Chinese.
    pub state_zh: String,
    /// Date of the step.
    pub on: NaiveDate,
    /// Who took it (empty for events of the first release).
    pub by: String,
    /// Reason or note (empty for a submission).
    pub reason: String,
}

impl From<&WorkflowStep> for WorkflowStepView {
    fn from(s: &WorkflowStep) -> Self {
        WorkflowStepView {
            state: s.state.into(),
            state_zh: s.state.label().to_string(),
            on: s.on,
            by: s.by.clone(),
            reason: s.reason.clone(),
        }
    }
}

/// One row of a submitted evaluation: the execution row (`indicator_id` null) or an indicator.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmittedRowView {
    /// The indicator; null for the execution row.
    pub indicator_id: Option<String>,
    /// Name.
    pub name: String,
    /// 年度指标值.
    pub target_text: String,
    /// 实际完成值.
    pub actual_text: String,
    /// 分值.
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// Flags as shown to people.
    pub flags: Vec<String>,
}

impl From<&SubmittedRow> for SubmittedRowView {
    fn from(r: &SubmittedRow) -> Self {
        SubmittedRowView {
            indicator_id: r.indicator_id.as_ref().map(|i| i.0.clone()),
            name: r.name.clone(),
            target_text: r.target_text.clone(),
            actual_text: r.actual_text.clone(),
            weight: r.weight,
            score: r.score,
            flags: r.flags.clone(),
        }
    }
}

/// One scope of a submitted evaluation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmittedEvaluationView {
    /// Whose evaluation.
    pub scope: dto::Scope,
    /// 自评得分.
    pub total: Decimal,
    /// 优/良/中/差.
    pub grade: String,
    /// The consistency warning was raised.
    pub consistency_warning: bool,
    /// The execution row first, then the indicators.
    pub rows: Vec<SubmittedRowView>,
}

impl From<&SubmittedEvaluation> for SubmittedEvaluationView {
    fn from(e: &SubmittedEvaluation) -> Self {
        SubmittedEvaluationView {
            scope: dto::Scope::from(&e.scope),
            total: e.total,
            grade: e.grade.clone(),
            consistency_warning: e.consistency_warning,
            rows: e.rows.iter().map(SubmittedRowView::from).collect(),
        }
    }
}

/// A submission exactly as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionView {
    /// Scoring profile id.
    pub profile_id: String,
    /// Profile version.
    pub profile_version: u32,
    /// Date of submission (the as-of date of the scores).
    pub submitted_on: NaiveDate,
    /// Who submitted.
    pub submitted_by: String,
    /// Stream version the scores were computed from (0 for a first-release event).
    pub known_at_version: u64,
    /// Global log position the scores were computed from (`known_at` of the views).
    pub known_at_position: Option<u64>,
    /// Every scope with every score.
    pub evaluations: Vec<SubmittedEvaluationView>,
}

fn submission_view(s: &SelfEvaluationSubmitted, known_at_position: Option<u64>) -> SubmissionView {
    SubmissionView {
        profile_id: s.profile_id.clone(),
        profile_version: s.profile_version,
        submitted_on: s.submitted_on,
        submitted_by: s.submitted_by.clone(),
        known_at_version: s.known_at_version,
        known_at_position,
        evaluations: s
            .evaluations
            .iter()
            .map(SubmittedEvaluationView::from)
            .collect(),
    }
}

/// The workflow of a year and its latest submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmittedView {
    /// Where the workflow stands.
    pub workflow: WorkflowState,
    /// The state in Chinese (草稿, 已上报, 已退回, 已审核, 已关闭).
    pub workflow_zh: String,
    /// Every step in order.
    pub steps: Vec<WorkflowStepView>,
    /// The latest submission, null when none.
    pub submission: Option<SubmissionView>,
}

/// One row that differs in a recheck.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecheckRowView {
    /// Whose evaluation.
    pub scope: dto::Scope,
    /// The indicator; null for the execution row and the total.
    pub indicator_id: Option<String>,
    /// Name ("自评得分" for the total).
    pub name: String,
    /// As submitted (null when the row was not there).
    pub submitted: Option<SubmittedRowView>,
    /// As recomputed (null when the row is gone).
    pub recomputed: Option<SubmittedRowView>,
    /// What differs: weight, score, actual, flags, target, row.
    pub changed: Vec<String>,
}

impl From<&RecheckRow> for RecheckRowView {
    fn from(r: &RecheckRow) -> Self {
        RecheckRowView {
            scope: dto::Scope::from(&r.scope),
            indicator_id: r.indicator_id.as_ref().map(|i| i.0.clone()),
            name: r.name.clone(),
            submitted: r.submitted.as_ref().map(SubmittedRowView::from),
            recomputed: r.recomputed.as_ref().map(SubmittedRowView::from),
            changed: r.changed.iter().map(|c| (*c).to_string()).collect(),
        }
    }
}

/// A submission recomputed (复核).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecheckView {
    /// The submission as recorded.
    pub submission: SubmissionView,
    /// Recomputed from the log as known at the submission.
    pub at_submission: Vec<SubmittedEvaluationView>,
    /// Recomputed from the log as known now (same profile and date).
    pub now: Vec<SubmittedEvaluationView>,
    /// Rows where the recorded scores differ from the recomputation at submission.
    pub recorded_vs_at_submission: Vec<RecheckRowView>,
    /// Rows that differ between the submission and the log now.
    pub differences: Vec<RecheckRowView>,
}

fn stream(auth: &Auth, path: web::Path<(String, i32)>) -> Result<StreamId, ApiError> {
    let (unit, year) = path.into_inner();
    auth.0.require_unit(Action::Read, &unit)?;
    Ok(StreamId::new(unit, year))
}

async fn blocking<T: Send + 'static>(
    state: &web::Data<AppState>,
    f: impl FnOnce(&jixiao_app::App) -> Result<T, jixiao_app::AppError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = state.app.clone();
    web::block(move || f(&app))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// Where the year-end workflow stands, every step (who, when, why) and the latest submission
/// exactly as submitted, with every score.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path)), responses(
    (status = 200, description = "workflow and submission", body = SubmittedView),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get(
    "/api/v1/units/{unit}/years/{year}/self-evaluation/submitted",
    wrap = "Permit(Action::Read)"
)]
pub async fn submitted(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let stream = stream(&auth, path)?;
    let w = blocking(&state, move |app| app.workflow(&stream)).await?;
    Ok(HttpResponse::Ok().json(SubmittedView {
        workflow: w.state.into(),
        workflow_zh: w.state.label().to_string(),
        steps: w.steps.iter().map(WorkflowStepView::from).collect(),
        submission: w
            .submission
            .as_ref()
            .map(|s| submission_view(s, w.known_at_position)),
    }))
}

/// The recheck (复核) of the latest submission: recomputed from the log as known at the
/// submission and as known now, with every row (score, actual, weight, flags) that differs.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path)), responses(
    (status = 200, description = "recheck", body = RecheckView),
    (status = 404, description = "no budget imported or nothing submitted", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "the submission cannot be recomputed (first-release event, custom profile)", body = Problem, content_type = "application/problem+json"),
))]
#[get(
    "/api/v1/units/{unit}/years/{year}/self-evaluation/recheck",
    wrap = "Permit(Action::Read)"
)]
pub async fn recheck(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let stream = stream(&auth, path)?;
    let r = blocking(&state, move |app| app.recheck(&stream)).await?;
    let rows = |rows: &[RecheckRow]| rows.iter().map(RecheckRowView::from).collect();
    let evaluations =
        |e: &[SubmittedEvaluation]| e.iter().map(SubmittedEvaluationView::from).collect();
    Ok(HttpResponse::Ok().json(RecheckView {
        submission: submission_view(&r.submission, r.known_at_position),
        at_submission: evaluations(&r.at_submission),
        now: evaluations(&r.now),
        recorded_vs_at_submission: rows(&r.recorded_vs_at_submission),
        differences: rows(&r.differences),
    }))
}
