//! The views of one unit-year — execution against 序时进度, indicators with provenance, the
//! self-evaluation, the 1-7月 monitoring draft — each computed from the year's state by one
//! function ([`YearView::compute`], behind the one budget check of [`answer`]), reached two ways:
//!
//! - [`App::view`], blocking: the year as the log holds it now (the shared state, locked and
//!   caught up with the log) or held it at `known_at` (replayed from the log);
//! - [`App::try_view_now`], never blocking, for async callers on their own thread: the answer
//!   when it needs neither I/O nor a wait — the year is cached, current (the version the store's
//!   writer last published for the stream is the year's own: the catch-up rule of
//!   [`App::with_year`], under which the blocking path would read nothing from the log either),
//!   its lock is free (`try_lock`), the view is of the log now (no `known_at`), and the year
//!   holds few enough listed facts that the view is cheap ([`MAX_LISTED_FACTS_NOW`]); `None`
//!   otherwise, and the caller runs [`App::view`] on a blocking pool.
//!
//! Either way the view is the same value: the same function computes it from the same state.
//! A view never scans the log: the payment figures come from the aggregate's incrementally
//! maintained totals (`jixiao_domain::aggregate`), and only the year's activities, surveys,
//! procurements and assessments are walked one by one.

use crate::App;
use crate::cache::Year;
use crate::error::{AppError, FieldError};
use crate::read::{IndicatorView, MAX_SOURCES_LISTED, SelfEvaluation, indicator_view, no_budget};
use crate::write::validate_stream;
use chrono::NaiveDate;
use jixiao_domain::aggregate::{ExecutionSummary, UnitYear};
use jixiao_domain::indicator::Scope;
use jixiao_domain::monitoring::MonitoringReportDraft;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, StreamId};
use std::sync::TryLockError;

/// Most activities, surveys, procurements and assessments (together) a year may hold for its
/// views to be computed on the caller's thread by [`App::try_view_now`]: the views walk these
/// lists once per indicator that reads them, so a year with more goes to the blocking pool
/// (a year holds tens of them; its payments, however many, cost nothing here). Measured on the
/// 焦作 2024 year in a debug build: the indicators view took 0.2 ms with no activity and
/// 1–1.6 ms with 1,000 (a release build is about ten times faster).
pub const MAX_LISTED_FACTS_NOW: usize = 1_000;

/// A view of one unit-year with an imported budget.
pub trait YearView {
    /// What the view is.
    type Output;

    /// Computes the view from the year's state (its budget already checked).
    fn compute(&self, stream: &StreamId, year: &Year) -> Result<Self::Output, AppError>;
}

/// The one way a view is answered from a year, on either path: 404 without a budget, else the
/// view.
pub fn answer<V: YearView>(
    view: &V,
    stream: &StreamId,
    year: &Year,
) -> Result<V::Output, AppError> {
    if year.state.budget().is_none() {
        return Err(no_budget(stream));
    }
    view.compute(stream, year)
}

/// The facts a view walks one by one (see [`MAX_LISTED_FACTS_NOW`]).
pub fn listed_facts(state: &UnitYear) -> usize {
    state.activities().len()
        + state.surveys().len()
        + state.procurements().len()
        + state.assessments().len()
}

/// 预算执行 of a unit's year (None without budget lines).
#[derive(Debug, Clone)]
pub struct Execution {
    /// The business date the figures are as of (None: the year end).
    pub as_of: Option<NaiveDate>,
    /// The scoring profile (colours).
    pub profile: ScoringProfile,
}

impl YearView for Execution {
    type Output = Option<ExecutionSummary>;

    fn compute(&self, _: &StreamId, year: &Year) -> Result<Self::Output, AppError> {
        Ok(year.state.execution_summary(self.as_of, &self.profile))
    }
}

/// The indicators of a unit's year with summarised provenance.
#[derive(Debug, Clone)]
pub struct Indicators {
    /// The business date the values are as of (None: the year end).
    pub as_of: Option<NaiveDate>,
    /// The scoring profile (projected scores, colours).
    pub profile: ScoringProfile,
}

impl YearView for Indicators {
    type Output = Vec<IndicatorView>;

    fn compute(&self, _: &StreamId, year: &Year) -> Result<Self::Output, AppError> {
        Ok(year
            .state
            .indicator_status_summarised(self.as_of, &self.profile, MAX_SOURCES_LISTED)
            .into_iter()
            .map(|(status, source_count)| indicator_view(year, status, source_count))
            .collect())
    }
}

/// The self-evaluation per project and unit-wide.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The business date it is judged at (None: the year end).
    pub as_of: Option<NaiveDate>,
    /// The scoring profile.
    pub profile: ScoringProfile,
}

impl YearView for Evaluation {
    type Output = SelfEvaluation;

    fn compute(&self, _: &StreamId, year: &Year) -> Result<Self::Output, AppError> {
        crate::read::self_evaluation(&year.state, self.as_of, &self.profile)
    }
}

/// The 1-7月 monitoring draft of the unit or one project (its date resolved by
/// [`App::draft_as_of`]).
#[derive(Debug, Clone)]
pub struct MonitoringDraft {
    /// The unit or one of its projects.
    pub scope: Scope,
    /// The last business date covered.
    pub as_of: NaiveDate,
    /// The scoring profile.
    pub profile: ScoringProfile,
}

impl YearView for MonitoringDraft {
    type Output = MonitoringReportDraft;

    fn compute(&self, stream: &StreamId, year: &Year) -> Result<Self::Output, AppError> {
        if let Scope::Project(code) = &self.scope
            && year.state.budget().and_then(|b| b.project(code)).is_none()
        {
            return Err(AppError::invalid(
                "invalid_query",
                format!("项目“{}”不在本单位预算中 (unknown project)", code.0),
                vec![FieldError::new(
                    "scope",
                    "应为 unit 或本单位的项目代码",
                    "unit or a project code of this unit",
                )],
            ));
        }
        year.state
            .monitoring_draft(&self.scope, self.as_of, &self.profile)
            .map_err(|e| AppError::rejected("monitoring_draft", e.to_string(), vec![]))?
            .ok_or_else(|| no_budget(stream))
    }
}

impl App {
    /// A view of a unit-year as the log holds it now or held it at `known` (404 without a
    /// budget). Blocking: async callers try [`App::try_view_now`] first and run this on a
    /// blocking pool when it does not answer.
    pub fn view<V: YearView>(
        &self,
        stream: &StreamId,
        known: KnownAt,
        view: &V,
    ) -> Result<V::Output, AppError> {
        self.with_year(stream, known, |year| answer(view, stream, year))
    }

    /// The answer [`App::view`] would give, computed on the calling thread when that needs no
    /// I/O and no wait (see the module's documentation); `None` when it cannot be (not
    /// cached, behind the log's head, locked, `known_at`, many listed facts): then call
    /// [`App::view`] on a blocking pool. Never blocks.
    pub fn try_view_now<V: YearView>(
        &self,
        stream: &StreamId,
        known: KnownAt,
        view: &V,
    ) -> Option<Result<V::Output, AppError>> {
        if known != KnownAt::Now {
            return None;
        }
        if let Err(e) = validate_stream(stream) {
            return Some(Err(e));
        }
        let entry = self.cache.cached(stream)?;
        let year = match entry.try_lock() {
            Ok(year) => year,
            // Busy; or its holder panicked, and the blocking lock rebuilds it.
            Err(TryLockError::WouldBlock | TryLockError::Poisoned(_)) => return None,
        };
        // The catch-up rule of the blocking path: unless the store vouches that the year is
        // current, the log is read (there, not here).
        if self.store.known_stream_version(stream) != Some(year.state.version()) {
            return None;
        }
        if listed_facts(&year.state) > MAX_LISTED_FACTS_NOW {
            return None;
        }
        self.cache.settle(stream, &entry, year.events());
        Some(answer(view, stream, &year))
    }

    /// The last business date the monitoring draft covers: `as_of` checked to lie in the
    /// year, by default 31 July, or today when that is earlier in a year in progress.
    pub fn draft_as_of(&self, year: i32, as_of: Option<NaiveDate>) -> Result<NaiveDate, AppError> {
        use chrono::Datelike;
        match as_of {
            Some(d) => App::within_year(year, d, "as_of"),
            None => {
                let (m, d) = crate::read::MONITORING_PERIOD_END;
                let period_end = NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
                let today = self.business_today();
                Ok(if today.year() == year {
                    today.min(period_end)
                } else {
                    period_end
                })
            }
        }
    }
}
