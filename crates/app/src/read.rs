//! Reads of one unit-year and of all units: the year now (the shared state, caught up with the
//! log) or as the log held it at a position or instant (`known_at`, replayed from the log), and
//! the views front ends show — execution against 序时进度, indicators with provenance, the
//! self-evaluation, the 1-7月 monitoring draft, the bureau's all-units rows.
//!
//! A view of the year now is computed under the stream's lock from the shared state (no copy):
//! its cost depends on the year's shape (lines, projects, indicators), and provenance is
//! summarised — the count of the facts behind a value and the log positions of the most recent
//! [`MAX_SOURCES_LISTED`] — never a list as long as the year.

use crate::App;
use crate::cache::{Year, lock};
use crate::error::{AppError, FieldError};
use crate::write::validate_stream;
use chrono::{Datelike, NaiveDate};
use jixiao_domain::aggregate::{ExecutionSummary, IndicatorStatus, UnitYear, Workflow};
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::evaluation::{DeviationItem, Evaluation};
use jixiao_domain::indicator::Scope;
use jixiao_domain::monitoring::{self, MonitoringReportDraft, UnitWarning};
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, ReadFilter, StreamId, UnitSummary};

/// Most sources an indicator lists with their log positions (the most recent ones).
pub const MAX_SOURCES_LISTED: usize = 100;

/// Events per page when scanning the log for approved budgets.
const SCAN_PAGE_EVENTS: usize = 1_000;

/// Month and day the 1-7月 monitoring report covers up to.
pub const MONITORING_PERIOD_END: (u32, u32) = (7, 31);

/// One indicator's status with the log positions of the events its value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorView {
    /// The status; `sources` lists at most [`MAX_SOURCES_LISTED`] facts, the most recent.
    pub status: IndicatorStatus,
    /// How many facts the value came from in all.
    pub source_count: usize,
    /// Log positions of the events behind the listed sources, ascending.
    pub source_positions: Vec<u64>,
}

/// The self-evaluation of a year: unit-wide and per project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfEvaluation {
    /// 部门整体 (None when the unit has no unit-wide targets).
    pub unit: Option<Evaluation>,
    /// Per project.
    pub projects: Vec<(ProjectCode, Evaluation)>,
    /// Everything not fully met that still lacks 偏差原因分析 (blocks submission).
    pub missing_explanations: Vec<DeviationItem>,
    /// The same items with their scope and a label that tells the execution row from the
    /// unit-wide 预算执行率 indicator.
    pub missing_explanations_scoped: Vec<MissingExplanation>,
    /// Where the year-end workflow stands.
    pub workflow: Workflow,
}

/// One item still needing 偏差原因分析, with its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingExplanation {
    /// Whose evaluation.
    pub scope: Scope,
    /// The execution row or an indicator.
    pub item: DeviationItem,
    /// How people see it ("项目 4108…：专家满意度", "部门整体：预算执行率（资金执行）").
    pub label: String,
}

/// Units whose lagging items are kept by [`App::lagging`] (all are dropped when more arrive).
pub const LAGGING_KEPT: usize = 16_384;

/// The lagging items computed last, per unit: the stream version and date they were computed
/// for, under one profile (another profile starts afresh).
#[derive(Default)]
pub(crate) struct LaggingMemo {
    profile: Option<ScoringProfile>,
    units: std::collections::HashMap<StreamId, (u64, Option<NaiveDate>, UnitLagging)>,
}

impl LaggingMemo {
    fn get(
        &self,
        stream: &StreamId,
        version: u64,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Option<UnitLagging> {
        if self.profile.as_ref() != Some(profile) {
            return None;
        }
        self.units
            .get(stream)
            .filter(|(v, date, _)| *v == version && *date == as_of)
            .map(|(_, _, l)| l.clone())
    }

    fn put(
        &mut self,
        stream: &StreamId,
        version: u64,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
        lagging: UnitLagging,
    ) {
        if self.profile.as_ref() != Some(profile) {
            self.profile = Some(profile.clone());
            self.units.clear();
        }
        if self.units.len() >= LAGGING_KEPT && !self.units.contains_key(stream) {
            self.units.clear();
        }
        self.units.insert(stream.clone(), (version, as_of, lagging));
    }
}

/// Sets of unit rows kept by [`App::unit_rows`].
pub const ROWS_CACHED: usize = 4;

/// What a set of unit rows was computed for.
pub(crate) struct RowsKey {
    checkpoint: u64,
    year: i32,
    as_of: Option<NaiveDate>,
    profile: ScoringProfile,
}

/// The unit rows computed last, with what they were computed for.
pub(crate) type RowsCache = Vec<(RowsKey, std::sync::Arc<Vec<UnitRow>>)>;

/// One unit in the bureau's list: its budget and execution against 序时进度.
#[derive(Debug, Clone)]
pub struct UnitRow {
    /// The unit's summary from the read models.
    pub summary: UnitSummary,
    /// Its execution, 序时进度 and warning, as the domain judges them.
    pub warning: UnitWarning,
}

/// Something behind schedule in the bureau's view.
#[derive(Debug, Clone)]
pub struct Lagging {
    /// Project code or `scope/indicator` id.
    pub key: String,
    /// Name.
    pub name: String,
    /// The colour (red or yellow).
    pub colour: monitoring::Colour,
    /// v, when computed.
    pub v: Option<rust_decimal::Decimal>,
}

/// Lagging projects and indicators of one unit.
#[derive(Debug, Clone, Default)]
pub struct UnitLagging {
    /// Projects whose execution is red or yellow.
    pub projects: Vec<Lagging>,
    /// Indicators whose progress is red or yellow.
    pub indicators: Vec<Lagging>,
}

/// Asia/Shanghai's offset from UTC in seconds: China has one time zone, UTC+8, without daylight
/// saving (so a fixed offset is exact and needs no time-zone database).
pub const SHANGHAI_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The calendar date in Asia/Shanghai at an instant.
pub fn shanghai_date(instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    match chrono::FixedOffset::east_opt(SHANGHAI_UTC_OFFSET_SECONDS) {
        Some(offset) => instant.with_timezone(&offset).date_naive(),
        None => instant.date_naive(),
    }
}

pub(crate) fn no_budget(stream: &StreamId) -> AppError {
    AppError::not_found(format!(
        "单位“{}”{}年度尚未导入预算 (no budget for this unit and year)",
        stream.unit, stream.fiscal_year
    ))
}

impl App {
    /// "Today" for business purposes: the configured override (demos and tests), else the
    /// real date in Asia/Shanghai.
    pub fn business_today(&self) -> NaiveDate {
        self.config
            .business_today
            .unwrap_or_else(|| shanghai_date(chrono::Utc::now()))
    }

    /// A scoring profile by id, or the configured default.
    pub fn profile(
        &self,
        id: Option<&str>,
    ) -> Result<ScoringProfile, jixiao_domain::profile::ProfileError> {
        ScoringProfile::builtin(id.unwrap_or(&self.config.default_profile))
    }

    /// A date within the fiscal year, or an error naming `field`: the figures of a year are
    /// judged within it, and a date in another year is almost always a typing slip. A rule
    /// about the path's year, not unreadable input: `rejected` (the API's 422), so a request
    /// its schema admits is never a 400.
    pub fn within_year(year: i32, date: NaiveDate, field: &str) -> Result<NaiveDate, AppError> {
        if date.year() == year {
            return Ok(date);
        }
        Err(AppError::rejected(
            "as_of_outside_year",
            format!(
                "{field}“{date}”不在 {year} 年度内，应在 {year}-01-01 至 {year}-12-31 之间 ({field} must lie within fiscal year {year})"
            ),
            vec![FieldError::new(
                field,
                format!("应在 {year}-01-01 至 {year}-12-31 之间"),
                format!("must lie within fiscal year {year}"),
            )],
        ))
    }

    /// The as-of date of a view: the one asked for, "today" in a year in progress, else None
    /// (the year end).
    pub fn view_as_of(
        &self,
        year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<NaiveDate>, AppError> {
        match as_of {
            Some(date) => App::within_year(year, date, "as_of").map(Some),
            None => {
                let today = self.business_today();
                Ok((today.year() == year).then_some(today))
            }
        }
    }

    /// Runs `f` on the year as the log holds it now (shared state, under the stream's lock) or
    /// held it at `known` (replayed).
    pub fn with_year<T>(
        &self,
        stream: &StreamId,
        known: KnownAt,
        f: impl FnOnce(&Year) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        validate_stream(stream)?;
        match known {
            KnownAt::Now => {
                let entry = self.cache.entry(stream);
                let mut year = lock(&entry);
                self.catch_up(stream, &mut year)?;
                self.cache.settle(stream, &entry, year.events());
                f(&year)
            }
            past => {
                let recorded = self.store.read_stream(stream, past)?;
                f(&Year::from_recorded(&recorded))
            }
        }
    }

    /// Like [`App::with_year`], for a year with an imported budget (404 otherwise).
    pub fn with_budgeted_year<T>(
        &self,
        stream: &StreamId,
        known: KnownAt,
        f: impl FnOnce(&Year) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.with_year(stream, known, |year| {
            if year.state.budget().is_none() {
                return Err(no_budget(stream));
            }
            f(year)
        })
    }

    /// 预算执行 of a unit's year ([`crate::view::Execution`]).
    pub fn execution(
        &self,
        stream: &StreamId,
        as_of: Option<NaiveDate>,
        known: KnownAt,
        profile: &ScoringProfile,
    ) -> Result<Option<ExecutionSummary>, AppError> {
        let view = crate::view::Execution {
            as_of,
            profile: profile.clone(),
        };
        self.view(stream, known, &view)
    }

    /// Indicators of a unit's year with summarised provenance ([`crate::view::Indicators`]).
    pub fn indicators(
        &self,
        stream: &StreamId,
        as_of: Option<NaiveDate>,
        known: KnownAt,
        profile: &ScoringProfile,
    ) -> Result<Vec<IndicatorView>, AppError> {
        let view = crate::view::Indicators {
            as_of,
            profile: profile.clone(),
        };
        self.view(stream, known, &view)
    }

    /// The self-evaluation per project and unit-wide, judged at the year end unless `as_of`
    /// ([`crate::view::Evaluation`]).
    pub fn evaluation(
        &self,
        stream: &StreamId,
        as_of: Option<NaiveDate>,
        known: KnownAt,
        profile: &ScoringProfile,
    ) -> Result<SelfEvaluation, AppError> {
        let view = crate::view::Evaluation {
            as_of,
            profile: profile.clone(),
        };
        self.view(stream, known, &view)
    }

    /// The 1-7月 monitoring draft of the unit or one project; `as_of` defaults to 31 July, or
    /// today when that is earlier in a year in progress ([`crate::view::MonitoringDraft`]).
    pub fn monitoring_draft(
        &self,
        stream: &StreamId,
        scope: &Scope,
        as_of: Option<NaiveDate>,
        known: KnownAt,
        profile: &ScoringProfile,
    ) -> Result<MonitoringReportDraft, AppError> {
        let view = crate::view::MonitoringDraft {
            scope: scope.clone(),
            as_of: self.draft_as_of(stream.fiscal_year, as_of)?,
            profile: profile.clone(),
        };
        self.view(stream, known, &view)
    }

    /// Every unit of a year with its execution against 序时进度 (from the read models). The
    /// rows computed last (at most [`ROWS_CACHED`] sets) are kept with the read models'
    /// checkpoint they were read at and served again while the checkpoint has not moved (the
    /// same year, date and profile): paging through the bureau's table computes 10,000 rows
    /// once, not once a page. Any event folded into the read models moves the checkpoint.
    pub fn unit_rows(
        &self,
        year: i32,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<Vec<UnitRow>, AppError> {
        // Read before the rows: rows read after it are at least as new as the key says.
        let checkpoint = self.store.read_model_checkpoint()?;
        let matches = |k: &RowsKey| {
            k.checkpoint == checkpoint
                && k.year == year
                && k.as_of == as_of
                && k.profile == *profile
        };
        if let Some(rows) = self
            .rows_cache()
            .iter()
            .find(|(k, _)| matches(k))
            .map(|(_, rows)| std::sync::Arc::clone(rows))
        {
            return Ok(rows.as_ref().clone());
        }
        let rows = self.compute_unit_rows(year, as_of, profile)?;
        let mut cache = self.rows_cache();
        cache.retain(|(k, _)| k.checkpoint == checkpoint);
        if cache.len() >= ROWS_CACHED {
            cache.remove(0);
        }
        cache.push((
            RowsKey {
                checkpoint,
                year,
                as_of,
                profile: profile.clone(),
            },
            std::sync::Arc::new(rows.clone()),
        ));
        Ok(rows)
    }

    fn rows_cache(&self) -> std::sync::MutexGuard<'_, RowsCache> {
        self.rows_cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn compute_unit_rows(
        &self,
        year: i32,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<Vec<UnitRow>, AppError> {
        let summaries = self.store.unit_summaries(year, as_of)?;
        let date = as_of
            .or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
            .unwrap_or_default();
        Ok(summaries
            .into_iter()
            .map(|summary| UnitRow {
                warning: monitoring::unit_execution_warning(
                    summary.paid_yuan,
                    summary.adjusted_yuan,
                    date,
                    year,
                    profile,
                ),
                summary,
            })
            .collect())
    }

    /// Every unit-year with an approved budget, in log order.
    pub fn budget_streams(&self) -> Result<Vec<StreamId>, AppError> {
        let filter = ReadFilter {
            types: vec!["budget_approved".to_string()],
            ..ReadFilter::default()
        };
        let mut found = Vec::new();
        let mut from = 1;
        loop {
            let page = self.store.read_all(from, SCAN_PAGE_EVENTS, &filter)?;
            for e in &page.events {
                if !found.contains(&e.stream) {
                    found.push(e.stream.clone());
                }
            }
            match page.next_position {
                Some(next) => from = next,
                None => return Ok(found),
            }
        }
    }

    /// Runs `f` on a unit-year's aggregate as the log holds it now: the cached year when it is
    /// cached (caught up), otherwise replayed on the side — neither cached (a page of the
    /// bureau's table over many units must not evict the years people work on, nor fill the
    /// memory) nor given the provenance indexes a cached year keeps (half a replay's cost).
    pub fn with_state_now<T>(
        &self,
        stream: &StreamId,
        f: impl FnOnce(&UnitYear) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        validate_stream(stream)?;
        if let Some(entry) = self.cache.cached(stream) {
            let mut year = lock(&entry);
            self.catch_up(stream, &mut year)?;
            self.cache.settle(stream, &entry, year.events());
            return f(&year.state);
        }
        let mut state = UnitYear::new();
        loop {
            let page = self.store.read_stream_page(
                stream,
                state.version(),
                crate::write::LOAD_PAGE_EVENTS,
                KnownAt::Now,
            )?;
            for e in &page {
                state.apply(&e.event);
            }
            if page.len() < crate::write::LOAD_PAGE_EVENTS {
                return f(&state);
            }
        }
    }

    /// A unit's lagging projects and indicators now, for the bureau's view. The answer is
    /// kept per unit with the stream version it was computed at (a few names, not the year)
    /// and served again while the store vouches that the stream is still at that version, for
    /// the same date and profile; otherwise it is computed from the aggregate
    /// ([`App::with_state_now`]).
    pub fn lagging(
        &self,
        stream: &StreamId,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<UnitLagging, AppError> {
        validate_stream(stream)?;
        if let Some(version) = self.store.known_stream_version(stream)
            && let Some(hit) = self.lagging_memo().get(stream, version, as_of, profile)
        {
            return Ok(hit);
        }
        let (version, out) = self.with_state_now(stream, |state| {
            Ok((state.version(), lagging(state, as_of, profile)))
        })?;
        self.lagging_memo()
            .put(stream, version, as_of, profile, out.clone());
        Ok(out)
    }

    fn lagging_memo(&self) -> std::sync::MutexGuard<'_, LaggingMemo> {
        self.lagging_memo.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn lagging(state: &UnitYear, as_of: Option<NaiveDate>, profile: &ScoringProfile) -> UnitLagging {
    let mut out = UnitLagging::default();
    if let Some(summary) = state.execution_summary(as_of, profile) {
        out.projects = summary
            .by_project
            .iter()
            .filter(|p| p.warning.colour.is_behind())
            .map(|p| Lagging {
                key: p.key.clone(),
                name: p.name.clone(),
                colour: p.warning.colour,
                v: p.warning.v,
            })
            .collect();
    }
    out.indicators = state
        .indicator_status_summarised(as_of, profile, 0)
        .into_iter()
        .map(|(status, _)| status)
        .filter(|i| i.progress.colour.is_behind())
        .map(|i| Lagging {
            key: match &i.scope {
                Scope::Unit => format!("unit/{}", i.indicator_id.0),
                Scope::Project(ProjectCode(c)) => format!("{c}/{}", i.indicator_id.0),
            },
            name: i.name.clone(),
            colour: i.progress.colour,
            v: i.progress.v,
        })
        .collect();
    out
}

pub(crate) fn self_evaluation(
    state: &UnitYear,
    as_of: Option<NaiveDate>,
    profile: &ScoringProfile,
) -> Result<SelfEvaluation, AppError> {
    let refused = |e: jixiao_domain::evaluation::EvaluationError| {
        AppError::rejected("evaluation", e.to_string(), vec![])
    };
    let mut missing_explanations = Vec::new();
    let mut missing_explanations_scoped = Vec::new();
    let mut scoped = |scope: &Scope, items: &[DeviationItem]| {
        for item in items {
            missing_explanations_scoped.push(MissingExplanation {
                scope: scope.clone(),
                item: item.clone(),
                label: state.deviation_item_label(scope, item),
            });
        }
    };
    let unit = if state.targets(&Scope::Unit).is_some() {
        let ev = state.unit_evaluation(as_of, profile).map_err(refused)?;
        missing_explanations.extend(ev.needs_explanation.iter().cloned());
        scoped(&Scope::Unit, &ev.needs_explanation);
        Some(ev)
    } else {
        None
    };
    let mut projects = Vec::new();
    for scope in state.target_scopes() {
        if let Scope::Project(code) = scope {
            let ev = state
                .project_evaluation(code, as_of, profile)
                .map_err(refused)?;
            missing_explanations.extend(ev.needs_explanation.iter().cloned());
            scoped(scope, &ev.needs_explanation);
            projects.push((code.clone(), ev));
        }
    }
    Ok(SelfEvaluation {
        unit,
        projects,
        missing_explanations,
        missing_explanations_scoped,
        workflow: state.workflow(),
    })
}

/// The status (its sources already cut by the domain to the most recent
/// [`MAX_SOURCES_LISTED`] of `source_count`) with their log positions looked up in the year's
/// provenance index.
pub(crate) fn indicator_view(
    year: &Year,
    status: IndicatorStatus,
    source_count: usize,
) -> IndicatorView {
    let mut source_positions: Vec<u64> = status
        .sources
        .iter()
        .flat_map(|s| year.source_versions(s, &status.scope).iter().copied())
        .filter_map(|v| year.position_of(v))
        .collect();
    source_positions.sort_unstable();
    source_positions.dedup();
    IndicatorView {
        status,
        source_count,
        source_positions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn kept_lagging_items_answer_only_for_their_version_date_and_profile() {
        let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
        let mut other = profile.clone();
        other.version += 1;
        let stream = StreamId::new("800001", 2024);
        let day = NaiveDate::from_ymd_opt(2024, 7, 31);
        let lagging = UnitLagging {
            projects: vec![Lagging {
                key: "P01".into(),
                name: "项目".into(),
                colour: monitoring::Colour::Red,
                v: None,
            }],
            indicators: vec![],
        };
        let mut memo = LaggingMemo::default();
        memo.put(&stream, 5, day, &profile, lagging);
        let hit = memo.get(&stream, 5, day, &profile).expect("kept");
        assert_eq!(hit.projects[0].key, "P01");
        assert!(
            memo.get(&stream, 6, day, &profile).is_none(),
            "a newer version"
        );
        assert!(
            memo.get(&stream, 5, None, &profile).is_none(),
            "another date"
        );
        assert!(
            memo.get(&stream, 5, day, &other).is_none(),
            "another profile"
        );
        assert!(
            memo.get(&StreamId::new("800002", 2024), 5, day, &profile)
                .is_none(),
            "another unit"
        );
        // Another profile starts afresh.
        memo.put(&stream, 7, day, &other, UnitLagging::default());
        assert!(memo.get(&stream, 5, day, &profile).is_none());
        assert!(memo.get(&stream, 7, day, &other).is_some());
    }

    #[test]
    fn the_business_date_turns_at_midnight_in_shanghai_not_in_utc() {
        let before = chrono::Utc
            .with_ymd_and_hms(2024, 7, 31, 15, 59, 59)
            .unwrap();
        let after = chrono::Utc.with_ymd_and_hms(2024, 7, 31, 16, 0, 0).unwrap();
        assert_eq!(
            shanghai_date(before),
            NaiveDate::from_ymd_opt(2024, 7, 31).unwrap()
        );
        assert_eq!(
            shanghai_date(after),
            NaiveDate::from_ymd_opt(2024, 8, 1).unwrap()
        );
    }
}
