//! The year-end workflow's reads: where a year stands (草稿, 已上报, 已退回, 已审核, 已关闭) with
//! every step, the self-evaluation exactly as it was submitted, and its recheck (复核) — the
//! same evaluation recomputed from the log as known at the submission and as known now, with
//! every row that differs. The steps themselves are commands written like any other
//! ([`crate::App::write`]); the rules are the domain's.

use crate::App;
use crate::error::{AppError, FieldError};
use jixiao_domain::aggregate::{UnitYear, Workflow, WorkflowStep};
use jixiao_domain::evaluation::{RecheckRow, recheck};
use jixiao_domain::event::{SelfEvaluationSubmitted, SubmittedEvaluation};
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, StreamId};

/// Where a year's workflow stands, with the latest submission.
#[derive(Debug, Clone)]
pub struct WorkflowView {
    /// The state now.
    pub state: Workflow,
    /// Every step (submit, return, approve, close, reopen) in order.
    pub steps: Vec<WorkflowStep>,
    /// The latest submission exactly as recorded, if any.
    pub submission: Option<SelfEvaluationSubmitted>,
    /// The global log position of the last event the submission was computed from (its
    /// known-at), when the submission records it.
    pub known_at_position: Option<u64>,
}

/// A submission recomputed (复核).
#[derive(Debug, Clone)]
pub struct Recheck {
    /// The submission as recorded.
    pub submission: SelfEvaluationSubmitted,
    /// The global log position the submission was computed from.
    pub known_at_position: Option<u64>,
    /// The evaluation recomputed from the log as known at the submission.
    pub at_submission: Vec<SubmittedEvaluation>,
    /// The evaluation recomputed from the log as known now (same profile and as-of date).
    pub now: Vec<SubmittedEvaluation>,
    /// Rows where the recorded submission differs from the recomputation at submission (empty
    /// unless the rules changed since: the recorded scores are what the unit signed).
    pub recorded_vs_at_submission: Vec<RecheckRow>,
    /// Rows that differ between the submission and the log now: what changed since.
    pub differences: Vec<RecheckRow>,
}

fn not_submitted(stream: &StreamId) -> AppError {
    AppError::not_found(format!(
        "单位“{}”{}年度尚未上报绩效自评 (no self-evaluation submitted)",
        stream.unit, stream.fiscal_year
    ))
}

/// Every scope's evaluation of `year` as the submission computed it (its profile and date).
fn evaluations(
    year: &UnitYear,
    profile: &ScoringProfile,
    submission: &SelfEvaluationSubmitted,
) -> Result<Vec<SubmittedEvaluation>, AppError> {
    year.submitted_evaluations(profile, submission.submitted_on)
        .map_err(|e| AppError::rejected(e.code(), e.to_string(), vec![]))
}

impl App {
    /// The workflow of a unit's year now, with its latest submission.
    pub fn workflow(&self, stream: &StreamId) -> Result<WorkflowView, AppError> {
        let (state, steps, submission) = self.with_budgeted_year(stream, KnownAt::Now, |y| {
            Ok((
                y.state.workflow(),
                y.state.workflow_steps().to_vec(),
                y.state.latest_submission().cloned(),
            ))
        })?;
        let known_at_position = match &submission {
            Some(s) => self.position_of_version(stream, s.known_at_version)?,
            None => None,
        };
        Ok(WorkflowView {
            state,
            steps,
            submission,
            known_at_position,
        })
    }

    /// The latest submission recomputed as known at the submission and as known now, with
    /// every row that differs (the bureau's first 复核). 404 when nothing was submitted; 422
    /// when the submission's profile is not a built-in one or it records no known-at (an event
    /// of the first release).
    pub fn recheck(&self, stream: &StreamId) -> Result<Recheck, AppError> {
        let (submission, profile, now) = self.with_budgeted_year(stream, KnownAt::Now, |y| {
            let submission = y
                .state
                .latest_submission()
                .cloned()
                .ok_or_else(|| not_submitted(stream))?;
            if submission.known_at_version == 0 {
                return Err(AppError::rejected(
                    "recheck_unavailable",
                    "该次上报未记录计算依据的日志位置（早期版本的上报），无法复核 (submission records no known-at)",
                    vec![],
                ));
            }
            let profile = ScoringProfile::builtin(&submission.profile_id).map_err(|e| {
                AppError::rejected(
                    "recheck_unavailable",
                    format!("上报所用评分方案不可用：{e} (submission's profile unavailable)"),
                    vec![FieldError::new(
                        "profile",
                        "上报所用评分方案不可用",
                        "submission's profile unavailable",
                    )],
                )
            })?;
            let now = evaluations(&y.state, &profile, &submission)?;
            Ok((submission, profile, now))
        })?;
        let limit = usize::try_from(submission.known_at_version).unwrap_or(usize::MAX);
        let recorded = self
            .store
            .read_stream_page(stream, 0, limit, KnownAt::Now)?;
        let known_at_position = recorded.last().map(|e| e.position);
        let then_year = UnitYear::replay(recorded.iter().map(|e| &e.event));
        let at_submission = evaluations(&then_year, &profile, &submission)?;
        Ok(Recheck {
            recorded_vs_at_submission: recheck(&submission.evaluations, &at_submission),
            differences: recheck(&submission.evaluations, &now),
            submission,
            known_at_position,
            at_submission,
            now,
        })
    }

    /// The global log position of a stream version (None for version 0).
    fn position_of_version(
        &self,
        stream: &StreamId,
        version: u64,
    ) -> Result<Option<u64>, AppError> {
        if version == 0 {
            return Ok(None);
        }
        let page = self
            .store
            .read_stream_page(stream, version - 1, 1, KnownAt::Now)?;
        Ok(page.first().map(|e| e.position))
    }
}
