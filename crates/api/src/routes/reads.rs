//! Reads: the units list, a year's event log (paged, filtered, time-travelled), execution
//! against 序时进度, indicator status with provenance, the self-evaluation, the 1-7月
//! monitoring draft, the finance bureau's monitoring view over all units, and chain
//! verification.
//!
//! Two time axes: `as_of` (a business date: what had happened by then) and `known_at` (a log
//! position or an RFC 3339 instant: what the log held then). Without `as_of`, a year in
//! progress is viewed as of "today" (the configured business date) and a past year at its end.
//! View bodies are the domain's serialisable views (`jixiao_domain::aggregate` views), described
//! in OpenAPI by the mirrors in [`crate::schemas`].

use crate::auth::{Action, Auth};
use crate::cache::Loaded;
use crate::config::{DEFAULT_PAGE_SIZE, MAX_LOG_POSITION, MAX_PAGE_SIZE};
use crate::error::{ApiError, FieldError, Problem};
use crate::service;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jixiao_domain::aggregate::{IndicatorStatus, UnitYear};
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::indicator::Scope;
use jixiao_domain::monitoring::{self, Colour};
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, Page, ReadFilter, RecordedEvent, StoreError, StreamId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest list of event types in one filter.
const MAX_TYPE_FILTERS: usize = 32;

fn store_error(e: StoreError) -> ApiError {
    crate::service::store_error(e)
}

fn parse_known_at(text: Option<&str>) -> Result<KnownAt, ApiError> {
    let Some(text) = text else {
        return Ok(KnownAt::Now);
    };
    if let Ok(p) = text.parse::<u64>() {
        // Beyond the last storable position the log held everything there is.
        return Ok(KnownAt::Position(p.min(MAX_LOG_POSITION)));
    }
    DateTime::parse_from_rfc3339(text).map(|t| KnownAt::RecordedAt(t.with_timezone(&Utc))).map_err(|_| {
        ApiError::bad_request(
            "invalid_query",
            format!("known_at“{text}”应为日志位置（整数）或 RFC 3339 时间 (known_at must be a position or an RFC 3339 time)"),
            vec![FieldError::new("known_at", "应为日志位置或 RFC 3339 时间", "a position or RFC 3339 time")],
        )
    })
}

fn profile(state: &AppState, id: Option<&str>) -> Result<ScoringProfile, ApiError> {
    let id = id.unwrap_or(&state.config.default_profile);
    ScoringProfile::builtin(id).map_err(|e| {
        ApiError::bad_request(
            "invalid_query",
            e.to_string(),
            vec![FieldError::new(
                "profile",
                e.to_string(),
                "unknown scoring profile",
            )],
        )
    })
}

/// The as-of date of a view: the one asked for, "today" in a year in progress, else the year end.
/// A date outside the fiscal year is refused: the figures of a year are judged within it, and
/// a date in another year is almost always a typing slip a person should see.
fn view_as_of(
    state: &AppState,
    year: i32,
    as_of: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, ApiError> {
    match as_of {
        Some(date) => within_year(year, date).map(Some),
        None => {
            let today = state.business_today();
            Ok((today.year() == year).then_some(today))
        }
    }
}

/// `date` if it lies in fiscal year `year` (1 January to 31 December), else a 400 naming `as_of`.
fn within_year(year: i32, date: NaiveDate) -> Result<NaiveDate, ApiError> {
    if date.year() == year {
        return Ok(date);
    }
    Err(ApiError::bad_request(
        "as_of_outside_year",
        format!(
            "as_of“{date}”不在 {year} 年度内，应在 {year}-01-01 至 {year}-12-31 之间 (as_of must lie within fiscal year {year})"
        ),
        vec![FieldError::new(
            "as_of",
            format!("应在 {year}-01-01 至 {year}-12-31 之间"),
            format!("must lie within fiscal year {year}"),
        )],
    ))
}

/// Loads a stream's state now (cached) or as the log held it at `known`.
async fn load_state(
    state: &web::Data<AppState>,
    stream: StreamId,
    known: KnownAt,
) -> Result<UnitYear, ApiError> {
    let st = state.clone();
    web::block(move || -> Result<UnitYear, ApiError> {
        match known {
            KnownAt::Now => service::load(&st, &stream).map(|l: Loaded| l.state),
            other => {
                let recorded = st.store.read_stream(&stream, other).map_err(store_error)?;
                Ok(UnitYear::replay(recorded.iter().map(|e| &e.event)))
            }
        }
    })
    .await
    .map_err(ApiError::internal)?
}

/// What every view of one unit's year starts with: the reader may read the unit, the profile is
/// known, the state is the year as the log held it at `known_at`, and a budget was imported.
async fn view_year(
    state: &web::Data<AppState>,
    auth: &Auth,
    unit: &str,
    year: i32,
    profile_id: Option<&str>,
    known_at: Option<&str>,
) -> Result<(UnitYear, ScoringProfile), ApiError> {
    auth.0.require_unit(Action::Read, unit)?;
    let profile = profile(state, profile_id)?;
    let agg = load_state(
        state,
        StreamId::new(unit.to_string(), year),
        parse_known_at(known_at)?,
    )
    .await?;
    require_budget(&agg, unit, year)?;
    Ok((agg, profile))
}

fn require_budget(state: &UnitYear, unit: &str, year: i32) -> Result<(), ApiError> {
    if state.budget().is_none() {
        return Err(ApiError::not_found(format!(
            "单位“{unit}”{year}年度尚未导入预算 (no budget for this unit and year)"
        )));
    }
    Ok(())
}

/// Query of the views of one year.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ViewQuery {
    /// Business date the figures are as of (default: today in a year in progress, else the year end).
    pub as_of: Option<NaiveDate>,
    /// What the log held: a position or an RFC 3339 time (default: now).
    pub known_at: Option<String>,
    /// Scoring profile id (default: the server's).
    pub profile: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Units

/// Query of the units list and the monitoring view.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitsQuery {
    /// Fiscal year (default: the year of `as_of`, else this business year).
    pub year: Option<i32>,
    /// Business date (default: today in a year in progress, else the year end).
    pub as_of: Option<NaiveDate>,
    /// Sort of the monitoring view: `v` (lagging first, default), `rate`, `unit`.
    pub sort: Option<String>,
    /// Units skipped (paging).
    pub offset: Option<usize>,
    /// Page size (≤ 500).
    pub limit: Option<usize>,
    /// Scoring profile id.
    pub profile: Option<String>,
}

/// One unit's year at a glance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitRow {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub unit_name: String,
    /// 主管部门.
    pub department: String,
    /// 年初预算数 (元).
    #[schema(value_type = String)]
    pub initial_yuan: rust_decimal::Decimal,
    /// 全年预算数 (元, adjusted as of).
    #[schema(value_type = String)]
    pub adjusted_yuan: rust_decimal::Decimal,
    /// 执行数 (元, as of).
    #[schema(value_type = String)]
    pub paid_yuan: rust_decimal::Decimal,
    /// 执行率 in %.
    #[schema(value_type = Option<String>)]
    pub rate_percent: Option<rust_decimal::Decimal>,
    /// 序时进度 in %.
    #[schema(value_type = String)]
    pub schedule_progress_percent: rust_decimal::Decimal,
    /// v = 执行率 / 序时进度 × 100.
    #[schema(value_type = Option<String>)]
    pub v: Option<rust_decimal::Decimal>,
    /// red, yellow, green, blue or grey.
    pub colour: String,
    /// 红, 黄, 绿, 蓝, 灰.
    pub colour_zh: String,
}

fn limit_of(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request(
            "invalid_query",
            format!("limit 须在 1 至 {MAX_PAGE_SIZE} 之间，收到 {n} (page size out of range)"),
            vec![FieldError::new(
                "limit",
                format!("须在 1 至 {MAX_PAGE_SIZE} 之间"),
                "page size out of range",
            )],
        )),
    }
}

fn colour_names(c: Colour) -> (String, String) {
    (c.name_en().to_string(), c.name_zh().to_string())
}

async fn unit_rows(
    state: &web::Data<AppState>,
    auth: &Auth,
    q: &UnitsQuery,
) -> Result<(i32, Option<NaiveDate>, Vec<UnitRow>), ApiError> {
    // Without a year, the year `as_of` names, else this business year.
    let year = q.year.unwrap_or_else(|| {
        q.as_of
            .map_or_else(|| state.business_today().year(), |d| d.year())
    });
    let as_of = view_as_of(state, year, q.as_of)?;
    let profile = profile(state, q.profile.as_deref())?;
    let st = state.clone();
    let summaries = web::block(move || st.store.unit_summaries(year, as_of))
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)?;
    let date = as_of
        .or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
        .unwrap_or_default();
    let rows = summaries
        .into_iter()
        .filter(|s| auth.0.sees_all_units() || auth.0.unit.as_deref() == Some(s.unit.as_str()))
        .map(|s| {
            let warning = monitoring::unit_execution_warning(
                s.paid_yuan,
                s.adjusted_yuan,
                date,
                year,
                &profile,
            );
            let (colour, colour_zh) = colour_names(warning.colour);
            UnitRow {
                fiscal_year: year,
                unit: s.unit,
                unit_name: s.unit_name,
                department: s.department,
                initial_yuan: s.initial_yuan.yuan(),
                adjusted_yuan: s.adjusted_yuan.yuan(),
                paid_yuan: s.paid_yuan.yuan(),
                rate_percent: warning.rate_percent,
                schedule_progress_percent: warning.progress_percent,
                v: warning.v,
                colour,
                colour_zh,
            }
        })
        .collect();
    Ok((year, as_of, rows))
}

/// The units of a year with execution against 序时进度 (staff and unit heads see their own).
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(UnitsQuery), responses(
    (status = 200, description = "units", body = [UnitRow]),
    (status = 401, description = "no valid token", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units")]
pub async fn list_units(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<UnitsQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ListUnits)?;
    let (_, _, rows) = unit_rows(&state, &auth, &q).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// One unit in the monitoring view.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoredUnit {
    /// Execution against 序时进度.
    #[serde(flatten)]
    pub unit: UnitRow,
    /// Projects whose execution is red or yellow: (code, name, colour).
    pub lagging_projects: Vec<Lagging>,
    /// Indicators whose progress is red or yellow.
    pub lagging_indicators: Vec<Lagging>,
}

/// Something behind schedule.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Lagging {
    /// Project code or `project/indicator` id.
    pub key: String,
    /// Name.
    pub name: String,
    /// red or yellow.
    pub colour: String,
    /// v, when computed.
    #[schema(value_type = Option<String>)]
    pub v: Option<rust_decimal::Decimal>,
}

/// The monitoring view.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringView {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// As of (null: the year end).
    pub as_of: Option<NaiveDate>,
    /// Units in the page.
    pub units: Vec<MonitoredUnit>,
    /// Units in total (before paging).
    pub total_units: usize,
}

/// The finance bureau's monitoring view over all units: execution against 序时进度 with colours,
/// lagging projects and indicators; `sort` = v (default, lagging first), rate or unit.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(UnitsQuery), responses(
    (status = 200, description = "monitoring view", body = MonitoringView),
    (status = 403, description = "not finance or auditor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/monitoring")]
pub async fn monitoring_view(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<UnitsQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::MonitorAll)?;
    let limit = limit_of(q.limit)?;
    let (year, as_of, mut rows) = unit_rows(&state, &auth, &q).await?;
    match q.sort.as_deref().unwrap_or("v") {
        "v" => rows.sort_by(|a, b| a.v.cmp(&b.v).then_with(|| a.unit.cmp(&b.unit))),
        "rate" => rows.sort_by(|a, b| {
            a.rate_percent
                .cmp(&b.rate_percent)
                .then_with(|| a.unit.cmp(&b.unit))
        }),
        "unit" => rows.sort_by(|a, b| a.unit.cmp(&b.unit)),
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("sort“{other}”无效，应为 v、rate 或 unit (unknown sort)"),
                vec![FieldError::new(
                    "sort",
                    "应为 v、rate 或 unit",
                    "must be v, rate or unit",
                )],
            ));
        }
    }
    let total_units = rows.len();
    let profile = profile(&state, q.profile.as_deref())?;
    let mut units = Vec::new();
    for row in rows.into_iter().skip(q.offset.unwrap_or(0)).take(limit) {
        let agg = load_state(&state, StreamId::new(row.unit.clone(), year), KnownAt::Now).await?;
        let mut lagging_projects = Vec::new();
        if let Some(summary) = agg.execution_summary(as_of, &profile) {
            for p in summary
                .by_project
                .iter()
                .filter(|p| p.warning.colour.is_behind())
            {
                lagging_projects.push(Lagging {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    colour: colour_names(p.warning.colour).0,
                    v: p.warning.v,
                });
            }
        }
        let lagging_indicators = agg
            .indicator_status(as_of, &profile)
            .into_iter()
            .filter(|i| i.progress.colour.is_behind())
            .map(|i| Lagging {
                key: match &i.scope {
                    Scope::Unit => format!("unit/{}", i.indicator_id.0),
                    Scope::Project(ProjectCode(c)) => format!("{c}/{}", i.indicator_id.0),
                },
                name: i.name.clone(),
                colour: colour_names(i.progress.colour).0,
                v: i.progress.v,
            })
            .collect();
        units.push(MonitoredUnit {
            unit: row,
            lagging_projects,
            lagging_indicators,
        });
    }
    Ok(HttpResponse::Ok().json(MonitoringView {
        fiscal_year: year,
        as_of,
        units,
        total_units,
    }))
}

// ---------------------------------------------------------------------------------------------
// One unit's year

/// Query of the event log.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EventsQuery {
    /// Start after this position (default 0).
    pub after: Option<u64>,
    /// Page size (≤ 500).
    pub limit: Option<usize>,
    /// Comma-separated event types (e.g. `payment_recorded,payment_reversed`).
    #[serde(rename = "type")]
    pub types: Option<String>,
    /// Business date on or after.
    pub from_date: Option<NaiveDate>,
    /// Business date on or before.
    pub to_date: Option<NaiveDate>,
    /// What the log held: a position or an RFC 3339 time.
    pub known_at: Option<String>,
}

/// One recorded event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventDto {
    /// Global position.
    pub position: u64,
    /// Version of the stream after this event.
    pub stream_version: u64,
    /// Client event id.
    pub event_id: uuid::Uuid,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Schema version as stored.
    pub schema_version: u32,
    /// Business date.
    pub business_date: NaiveDate,
    /// When recorded (UTC).
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub actor: String,
    /// Request that carried it.
    pub request_id: String,
    /// The payload (current schema).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Chain hash (hex).
    pub hash: String,
}

/// A page of events.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    /// Events in position order.
    pub events: Vec<EventDto>,
    /// Pass as `after` for the next page; null at the end.
    pub next_after: Option<u64>,
}

/// The event log of a unit's year, paged and filtered.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), EventsQuery), responses(
    (status = 200, description = "events", body = EventPage),
    (status = 400, description = "bad query", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no events for this unit and year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units/{unit}/years/{year}/events")]
pub async fn events(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    auth.0.require_unit(Action::Read, &unit)?;
    let limit = limit_of(q.limit)?;
    let known = parse_known_at(q.known_at.as_deref())?;
    let types: Vec<String> = q
        .types
        .as_deref()
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if types.len() > MAX_TYPE_FILTERS {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("最多 {MAX_TYPE_FILTERS} 个事件类型"),
            vec![FieldError::new("type", "事件类型过多", "too many types")],
        ));
    }
    if let (Some(from), Some(to)) = (q.from_date, q.to_date)
        && to < from
    {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("to_date {to} 早于 from_date {from} (to_date is before from_date)"),
            vec![FieldError::new(
                "to_date",
                "不得早于 from_date",
                "must not be before from_date",
            )],
        ));
    }
    let stream = StreamId::new(unit.clone(), year);
    let filter = ReadFilter {
        types,
        from_date: q.from_date,
        to_date: q.to_date,
        stream: Some(stream.clone()),
    };
    let after = q.after.unwrap_or(0);
    let st = state.clone();
    let page = web::block(move || -> Result<Option<Page>, StoreError> {
        if st.store.stream_version(&stream)? == 0 {
            return Ok(None);
        }
        // Past the head there is nothing to read (and `after + 1` may not even be a position).
        if after >= st.store.head()?.position {
            return Ok(Some(Page {
                events: Vec::new(),
                next_position: None,
            }));
        }
        st.store.read_all(after + 1, limit, &filter).map(Some)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(store_error)?
    .ok_or_else(|| {
        ApiError::not_found(format!(
            "单位“{unit}”{year}年度没有任何记录 (no events for this unit and year)"
        ))
    })?;
    let mut next_after = page.next_position.map(|p| p.saturating_sub(1));
    let mut out = Vec::with_capacity(page.events.len());
    for e in page.events {
        let visible = match known {
            KnownAt::Now => true,
            KnownAt::Position(p) => e.position <= p,
            KnownAt::RecordedAt(t) => e.recorded_at <= t,
        };
        if !visible {
            next_after = None;
            break;
        }
        out.push(EventDto {
            position: e.position,
            stream_version: e.stream_version,
            event_id: e.event_id,
            event_type: e.event_type.clone(),
            schema_version: e.stored_schema_version,
            business_date: e.business_date,
            recorded_at: e.recorded_at,
            actor: e.actor.clone(),
            request_id: e.request_id.clone(),
            data: e.event.payload(),
            hash: hex::encode(e.hash),
        });
    }
    Ok(HttpResponse::Ok().json(EventPage {
        events: out,
        next_after,
    }))
}

/// 预算执行 of a unit's year: by line, project, kind, economic class and month, with 序时进度 and
/// colours.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), ViewQuery), responses(
    (status = 200, description = "execution summary", body = crate::schemas::ExecutionSummary),
    (status = 400, description = "bad query (e.g. `as_of` outside the fiscal year, unknown `profile`, bad `known_at`)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units/{unit}/years/{year}/execution")]
pub async fn execution(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    let (agg, profile) = view_year(
        &state,
        &auth,
        &unit,
        year,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )
    .await?;
    let summary = agg.execution_summary(view_as_of(&state, year, q.as_of)?, &profile);
    Ok(HttpResponse::Ok().json(summary))
}

/// One indicator's status with the log positions of the events its value came from.
#[derive(Debug, Serialize)]
struct IndicatorWithPositions {
    #[serde(flatten)]
    status: IndicatorStatus,
    /// Positions of the events behind `sources`, ascending.
    source_positions: Vec<u64>,
}

/// The log positions of the events behind an indicator's sources, ascending.
fn source_positions(status: &IndicatorStatus, log: &[RecordedEvent]) -> Vec<u64> {
    log.iter()
        .filter(|e| {
            status
                .sources
                .iter()
                .any(|s| s.is_source_of(&e.event, &status.scope))
        })
        .map(|e| e.position)
        .collect()
}

/// Indicators of a unit's year: target, actual, completion %, colour, projected score and the
/// events the value came from (`sources` by id, `source_positions` in the log).
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), ViewQuery), responses(
    (status = 200, description = "indicator status list", body = [crate::schemas::IndicatorStatus]),
    (status = 400, description = "bad query (e.g. `as_of` outside the fiscal year, unknown `profile`, bad `known_at`)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units/{unit}/years/{year}/indicators")]
pub async fn indicators(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    auth.0.require_unit(Action::Read, &unit)?;
    let profile = profile(&state, q.profile.as_deref())?;
    let as_of = view_as_of(&state, year, q.as_of)?;
    let known = parse_known_at(q.known_at.as_deref())?;
    let stream = StreamId::new(unit.clone(), year);
    let agg = load_state(&state, stream.clone(), known).await?;
    require_budget(&agg, &unit, year)?;
    // The log as far as the state reflects it: the events the values came from are among these.
    let st = state.clone();
    let version = agg.version();
    let log = web::block(move || st.store.read_stream(&stream, known))
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)?
        .into_iter()
        .filter(|e| e.stream_version <= version)
        .collect::<Vec<_>>();
    let out: Vec<IndicatorWithPositions> = agg
        .indicator_status(as_of, &profile)
        .into_iter()
        .map(|status| IndicatorWithPositions {
            source_positions: source_positions(&status, &log),
            status,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Query of the monitoring draft.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DraftQuery {
    /// `unit` (部门整体: the unit's funds and 预算14 indicators, the default) or a project code
    /// (one project's funds and 预算15 indicators).
    pub scope: Option<String>,
    /// Last business date covered (default: 31 July of the year, or today when that is earlier
    /// in a year in progress).
    pub as_of: Option<NaiveDate>,
    /// What the log held: a position or an RFC 3339 time (default: now).
    pub known_at: Option<String>,
    /// Scoring profile id (default: the server's).
    pub profile: Option<String>,
}

/// Month and day the 1-7月 monitoring report covers up to.
const MONITORING_PERIOD_END: (u32, u32) = (7, 31);

/// The content of the 1-7月 绩效监控情况表 for the unit or one project, as the domain drafts it:
/// the funds block (budget, spent, 执行率, full-year forecast, warning) and one row per indicator
/// with the value so far, the forecast and a suggested 完成目标可能性. The unit head adjusts it and
/// files it with `POST …/monitoring-reports`.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), DraftQuery), responses(
    (status = 200, description = "monitoring report draft", body = crate::schemas::MonitoringReportDraft),
    (status = 400, description = "bad query (e.g. unknown project in `scope`)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units/{unit}/years/{year}/monitoring-draft")]
pub async fn monitoring_draft(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<DraftQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    let (agg, profile) = view_year(
        &state,
        &auth,
        &unit,
        year,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )
    .await?;
    let scope = match q.scope.as_deref().map(str::trim) {
        None | Some("") | Some("unit") => Scope::Unit,
        Some(code) => {
            let code = ProjectCode(code.to_string());
            if agg.budget().and_then(|b| b.project(&code)).is_none() {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("项目“{}”不在本单位预算中 (unknown project)", code.0),
                    vec![FieldError::new(
                        "scope",
                        "应为 unit 或本单位的项目代码",
                        "unit or a project code of this unit",
                    )],
                ));
            }
            Scope::Project(code)
        }
    };
    let as_of = match q.as_of {
        Some(d) => within_year(year, d)?,
        None => {
            let (m, d) = MONITORING_PERIOD_END;
            let period_end = NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
            let today = state.business_today();
            if today.year() == year {
                today.min(period_end)
            } else {
                period_end
            }
        }
    };
    let draft = agg
        .monitoring_draft(&scope, as_of, &profile)
        .map_err(|e| ApiError::unprocessable("monitoring_draft", e.to_string(), vec![]))?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "单位“{unit}”{year}年度尚未导入预算 (no budget for this unit and year)"
            ))
        })?;
    Ok(HttpResponse::Ok().json(draft))
}

/// The self-evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfEvaluationView {
    /// 部门整体 (null when the unit has no unit-wide targets).
    #[schema(value_type = Option<crate::schemas::Evaluation>)]
    pub unit: Option<serde_json::Value>,
    /// Per project: {project_code, evaluation}.
    #[schema(value_type = Vec<crate::schemas::ProjectEvaluation>)]
    pub projects: Vec<serde_json::Value>,
    /// Everything not fully met that still lacks 偏差原因分析 (blocks submission).
    #[schema(value_type = Vec<crate::schemas::DeviationItem>)]
    pub missing_explanations: Vec<serde_json::Value>,
}

/// The self-evaluation per project and unit-wide: scores, grade, flags, missing explanations.
/// `profile` selects the scoring profile.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), ViewQuery), responses(
    (status = 200, description = "self-evaluation", body = SelfEvaluationView),
    (status = 400, description = "bad query (e.g. `as_of` outside the fiscal year, unknown `profile`, bad `known_at`)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units/{unit}/years/{year}/evaluation")]
pub async fn evaluation(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    let (agg, profile) = view_year(
        &state,
        &auth,
        &unit,
        year,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )
    .await?;
    // The self-evaluation is judged at the year end unless a date is asked for.
    let as_of = q.as_of.map(|d| within_year(year, d)).transpose()?;
    let mut missing_explanations = Vec::new();
    let unit_eval = if agg.targets(&Scope::Unit).is_some() {
        let ev = agg
            .unit_evaluation(as_of, &profile)
            .map_err(|e| ApiError::unprocessable("evaluation", e.to_string(), vec![]))?;
        missing_explanations.extend(ev.needs_explanation.iter().map(to_json));
        Some(to_json(&ev))
    } else {
        None
    };
    let mut projects = Vec::new();
    for scope in agg.target_scopes().cloned().collect::<Vec<_>>() {
        if let Scope::Project(code) = &scope {
            let ev = agg
                .project_evaluation(code, as_of, &profile)
                .map_err(|e| ApiError::unprocessable("evaluation", e.to_string(), vec![]))?;
            missing_explanations.extend(ev.needs_explanation.iter().map(to_json));
            projects
                .push(serde_json::json!({ "project_code": code.0, "evaluation": to_json(&ev) }));
        }
    }
    Ok(HttpResponse::Ok().json(SelfEvaluationView {
        unit: unit_eval,
        projects,
        missing_explanations,
    }))
}

/// A view as JSON (views are plain data; a failure would be a bug, shown as null).
fn to_json<T: Serialize>(view: &T) -> serde_json::Value {
    serde_json::to_value(view).unwrap_or(serde_json::Value::Null)
}

/// Result of a chain verification.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerifyResult {
    /// True when every event's hash follows from its predecessor.
    pub ok: bool,
    /// Events checked.
    pub events_checked: u64,
    /// Last good position.
    pub head_position: u64,
    /// Hash at that position (hex).
    pub head_hash: String,
    /// First position whose hash does not follow, if any.
    pub first_broken: Option<u64>,
}

/// Verify the hash chain of the whole log (auditor, finance, admin).
#[utoipa::path(tag = "reads", security(("bearer" = [])), responses(
    (status = 200, description = "verification", body = VerifyResult),
    (status = 403, description = "role not allowed", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/verify")]
pub async fn verify(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::Verify)?;
    let st = state.clone();
    let report = web::block(move || st.store.verify())
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)?;
    Ok(HttpResponse::Ok().json(VerifyResult {
        ok: report.first_broken.is_none(),
        events_checked: report.events_checked,
        head_position: report.head.position,
        head_hash: report.head.hash_hex(),
        first_broken: report.first_broken,
    }))
}
