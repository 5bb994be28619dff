//! Reads: the units list, a year's event log (paged, filtered, time-travelled), execution
//! against 序时进度, indicator status with provenance, the self-evaluation, the 1-7月
//! monitoring draft, the finance bureau's monitoring view over all units, and chain
//! verification.
//!
//! Two time axes: `as_of` (a business date: what had happened by then) and `known_at` (a log
//! position or an RFC 3339 instant: what the log held then). Without `as_of`, a year in
//! progress is viewed as of "today" (the configured business date) and a past year at its end.
//! View bodies are the API's DTOs ([`crate::dto`]), built from the application's views; no
//! domain type is serialised here.

use crate::auth::{Action, Auth};
use crate::config::{DEFAULT_PAGE_SIZE, MAX_LOG_POSITION, MAX_PAGE_SIZE};
use crate::dto;
use crate::error::{ApiError, FieldError, Problem};
use crate::guard::Permit;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jixiao_app::AppError;
use jixiao_app::view::{self, YearView};
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::indicator::Scope;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, Page, ReadFilter, StoreError, StreamId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest list of event types in one filter.
const MAX_TYPE_FILTERS: usize = 32;

fn store_error(e: StoreError) -> ApiError {
    ApiError::from(AppError::from(e))
}

pub(crate) fn parse_known_at(text: Option<&str>) -> Result<KnownAt, ApiError> {
    let Some(text) = text else {
        return Ok(KnownAt::Now);
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Beyond the last storable position the log held everything there is, however many
        // digits the position has.
        let p = text.parse::<u64>().unwrap_or(MAX_LOG_POSITION);
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
    state.app.profile(id).map_err(|e| {
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

/// Runs an application call on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &web::Data<AppState>,
    f: impl FnOnce(&jixiao_app::App) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = state.app.clone();
    web::block(move || f(&app))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// What every view of one unit's year starts with: the reader may read the unit, the profile is
/// known, `known_at` reads as a position or instant; [`ViewRequest::run`] then computes the
/// view — on this worker when the application can without blocking
/// ([`jixiao_app::App::try_view_now`]: the unit-year cached, current and free), else on the
/// blocking pool.
struct ViewRequest {
    state: web::Data<AppState>,
    stream: StreamId,
    profile: ScoringProfile,
    known: KnownAt,
}

impl ViewRequest {
    fn new(
        state: &web::Data<AppState>,
        auth: &Auth,
        path: web::Path<(String, i32)>,
        profile_id: Option<&str>,
        known_at: Option<&str>,
    ) -> Result<Self, ApiError> {
        let (unit, year) = path.into_inner();
        auth.0.require_unit(Action::Read, &unit)?;
        Ok(ViewRequest {
            state: state.clone(),
            profile: profile(state, profile_id)?,
            known: parse_known_at(known_at)?,
            stream: StreamId::new(unit, year),
        })
    }

    fn year(&self) -> i32 {
        self.stream.fiscal_year
    }

    /// The view `make` builds with the request's profile, computed now on this worker when
    /// the application answers without blocking, else on the blocking pool: the same view
    /// either way.
    async fn run<V>(self, make: impl FnOnce(ScoringProfile) -> V) -> Result<V::Output, ApiError>
    where
        V: YearView + Send + 'static,
        V::Output: Send + 'static,
    {
        let ViewRequest {
            state,
            stream,
            profile,
            known,
        } = self;
        let view = make(profile);
        if let Some(answer) = state.app.try_view_now(&stream, known, &view) {
            return answer.map_err(ApiError::from);
        }
        blocking(&state, move |app| app.view(&stream, known, &view)).await
    }
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

/// Query of the units list: filters, sort and page (done by the application layer, the same
/// function the bureau's page uses).
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitListQuery {
    /// Fiscal year (default: the year of `as_of`, else this business year).
    pub year: Option<i32>,
    /// Business date (default: today in a year in progress, else the year end).
    pub as_of: Option<NaiveDate>,
    /// Sort column: `unit` (default), `name`, `department`, `budget`, `paid`, `rate`, `v`
    /// (lagging first) or `colour` (red first); a leading `-` sorts descending (`-rate`).
    pub sort: Option<String>,
    /// Units skipped (paging; default 0).
    pub offset: Option<usize>,
    /// Page size, 1-500 (default 100). The total before paging is in `X-Total-Count`.
    pub limit: Option<usize>,
    /// Only units of this 主管部门 (exact).
    pub department: Option<String>,
    /// Only units of this warning colour: red, yellow, green, blue or grey.
    pub colour: Option<String>,
    /// Only units whose code or name contains this text (≤ 64 characters).
    pub q: Option<String>,
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

/// One unit without its figures: what a role that may list the units but not read them (the
/// admin, by the role table) is shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitEntry {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub unit_name: String,
    /// 主管部门.
    pub department: String,
}

impl From<UnitRow> for UnitEntry {
    fn from(r: UnitRow) -> Self {
        UnitEntry {
            fiscal_year: r.fiscal_year,
            unit: r.unit,
            unit_name: r.unit_name,
            department: r.department,
        }
    }
}

/// A row of the units list: with figures for those who may read the units
/// ([`Action::Read`]), without them for the others.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum UnitListRow {
    /// For readers of the units' figures.
    Figures(UnitRow),
    /// For those who only list the units (admin).
    Entry(UnitEntry),
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
    let as_of = state.app.view_as_of(year, q.as_of)?;
    let profile = profile(state, q.profile.as_deref())?;
    let rows = blocking(state, move |app| app.unit_rows(year, as_of, &profile)).await?;
    let rows = rows
        .into_iter()
        .filter(|r| {
            auth.0.sees_all_units() || auth.0.unit.as_deref() == Some(r.summary.unit.as_str())
        })
        .map(|r| UnitRow {
            fiscal_year: year,
            unit: r.summary.unit,
            unit_name: r.summary.unit_name,
            department: r.summary.department,
            initial_yuan: r.summary.initial_yuan.yuan(),
            adjusted_yuan: r.summary.adjusted_yuan.yuan(),
            paid_yuan: r.summary.paid_yuan.yuan(),
            rate_percent: r.warning.rate_percent,
            schedule_progress_percent: r.warning.progress_percent,
            v: r.warning.v,
            colour: r.warning.colour.name_en().to_string(),
            colour_zh: r.warning.colour.name_zh().to_string(),
        })
        .collect();
    Ok((year, as_of, rows))
}

/// Header holding the number of units that matched before paging.
pub const TOTAL_COUNT_HEADER: &str = "X-Total-Count";

/// The units of a year with execution against 序时进度 (staff and unit heads see their own),
/// filtered, sorted and paged; the number that matched is in `X-Total-Count`. A role that may
/// not read units' figures (the admin) gets each unit without its figures.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(UnitListQuery), responses(
    (status = 200, description = "one page of units", body = [UnitListRow],
        headers(("X-Total-Count" = usize, description = "units matching the filters, before paging"))),
    (status = 400, description = "unknown sort or colour, page size out of range", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no valid token", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/units", wrap = "Permit(Action::ListUnits)")]
pub async fn list_units(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<UnitListQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ListUnits)?;
    let q = q.into_inner();
    let year = q.year.unwrap_or_else(|| {
        q.as_of
            .map_or_else(|| state.business_today().year(), |d| d.year())
    });
    let as_of = state.app.view_as_of(year, q.as_of)?;
    let profile = profile(&state, q.profile.as_deref())?;
    let (sort, descending) = jixiao_app::UnitSort::parse(q.sort.as_deref().unwrap_or("unit"))?;
    let colour = q
        .colour
        .as_deref()
        .map(jixiao_app::bureau::parse_colour)
        .transpose()?;
    let query = jixiao_app::UnitQuery {
        department: q.department,
        colour,
        search: q.q,
        only_unit: if auth.0.sees_all_units() {
            None
        } else {
            // A unit-scoped token without a unit sees nothing.
            Some(auth.0.unit.clone().unwrap_or_default())
        },
        sort,
        descending,
        offset: q.offset.unwrap_or(0),
        limit: q.limit.unwrap_or(jixiao_app::bureau::DEFAULT_UNITS_PAGE),
    };
    let table = blocking(&state, move |app| {
        app.unit_table(year, as_of, &profile, query)
    })
    .await?;
    let rows: Vec<UnitRow> = table
        .rows
        .into_iter()
        .map(|r| UnitRow {
            fiscal_year: year,
            unit: r.summary.unit,
            unit_name: r.summary.unit_name,
            department: r.summary.department,
            initial_yuan: r.summary.initial_yuan.yuan(),
            adjusted_yuan: r.summary.adjusted_yuan.yuan(),
            paid_yuan: r.summary.paid_yuan.yuan(),
            rate_percent: r.warning.rate_percent,
            schedule_progress_percent: r.warning.progress_percent,
            v: r.warning.v,
            colour: r.warning.colour.name_en().to_string(),
            colour_zh: r.warning.colour.name_zh().to_string(),
        })
        .collect();
    let mut response = HttpResponse::Ok();
    response.insert_header((TOTAL_COUNT_HEADER, table.total.to_string()));
    // The role table decides who reads figures: the others get the units without them.
    if !auth.0.may(Action::Read) {
        let entries: Vec<UnitEntry> = rows.into_iter().map(UnitEntry::from).collect();
        return Ok(response.json(entries));
    }
    Ok(response.json(rows))
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
#[get("/api/v1/monitoring", wrap = "Permit(Action::MonitorAll)")]
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
        let stream = StreamId::new(row.unit.clone(), year);
        let p = profile.clone();
        let lagging = blocking(&state, move |app| app.lagging(&stream, as_of, &p)).await?;
        let to_dto = |l: jixiao_app::Lagging| Lagging {
            key: l.key,
            name: l.name,
            colour: l.colour.name_en().to_string(),
            v: l.v,
        };
        units.push(MonitoredUnit {
            unit: row,
            lagging_projects: lagging.projects.into_iter().map(to_dto).collect(),
            lagging_indicators: lagging.indicators.into_iter().map(to_dto).collect(),
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
#[get(
    "/api/v1/units/{unit}/years/{year}/events",
    wrap = "Permit(Action::Read)"
)]
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
        return Err(ApiError::unprocessable(
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
    (status = 200, description = "execution summary", body = dto::ExecutionSummary),
    (status = 400, description = "bad query (e.g. unknown `profile`, bad `known_at`; an `as_of` outside the fiscal year is a 422)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get(
    "/api/v1/units/{unit}/years/{year}/execution",
    wrap = "Permit(Action::Read)"
)]
pub async fn execution(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = ViewRequest::new(
        &state,
        &auth,
        path,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )?;
    let as_of = state.app.view_as_of(request.year(), q.as_of)?;
    let summary = request
        .run(|profile| view::Execution { as_of, profile })
        .await?;
    Ok(HttpResponse::Ok().json(summary.as_ref().map(dto::ExecutionSummary::from)))
}

/// Indicators of a unit's year: target, actual, completion %, colour, projected score and the
/// events the value came from (`sources` by id, `source_positions` in the log).
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), ViewQuery), responses(
    (status = 200, description = "indicator status list", body = [dto::IndicatorStatus]),
    (status = 400, description = "bad query (e.g. unknown `profile`, bad `known_at`; an `as_of` outside the fiscal year is a 422)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get(
    "/api/v1/units/{unit}/years/{year}/indicators",
    wrap = "Permit(Action::Read)"
)]
pub async fn indicators(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = ViewRequest::new(
        &state,
        &auth,
        path,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )?;
    let as_of = state.app.view_as_of(request.year(), q.as_of)?;
    let views = request
        .run(|profile| view::Indicators { as_of, profile })
        .await?;
    let out: Vec<dto::IndicatorStatus> = views.iter().map(dto::IndicatorStatus::from).collect();
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

/// The content of the 1-7月 绩效监控情况表 for the unit or one project, as the domain drafts it:
/// the funds block (budget, spent, 执行率, full-year forecast, warning) and one row per indicator
/// with the value so far, the forecast and a suggested 完成目标可能性. The unit head adjusts it and
/// files it with `POST …/monitoring-reports`.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), DraftQuery), responses(
    (status = 200, description = "monitoring report draft", body = dto::MonitoringReportDraft),
    (status = 400, description = "bad query (e.g. unknown project in `scope`)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get(
    "/api/v1/units/{unit}/years/{year}/monitoring-draft",
    wrap = "Permit(Action::Read)"
)]
pub async fn monitoring_draft(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<DraftQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = ViewRequest::new(
        &state,
        &auth,
        path,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )?;
    let scope = match q.scope.as_deref().map(str::trim) {
        None | Some("") | Some("unit") => Scope::Unit,
        Some(code) => Scope::Project(ProjectCode(code.to_string())),
    };
    let as_of = state.app.draft_as_of(request.year(), q.as_of)?;
    let draft = request
        .run(|profile| view::MonitoringDraft {
            scope,
            as_of,
            profile,
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto::MonitoringReportDraft::from(&draft)))
}

/// The self-evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfEvaluationView {
    /// 部门整体 (null when the unit has no unit-wide targets).
    pub unit: Option<dto::Evaluation>,
    /// Per project: {project_code, evaluation}.
    pub projects: Vec<dto::ProjectEvaluation>,
    /// Everything not fully met that still lacks 偏差原因分析 (blocks submission).
    pub missing_explanations: Vec<dto::DeviationItem>,
    /// The same items with their scope and a label that tells the execution row
    /// ("预算执行率（资金执行）") from the unit-wide 预算执行率 indicator.
    pub missing_explanations_scoped: Vec<MissingExplanationView>,
    /// Where the year-end workflow stands.
    pub workflow: super::review::WorkflowState,
    /// The workflow state in Chinese (草稿, 已上报, 已退回, 已审核, 已关闭).
    pub workflow_zh: String,
}

/// One item still needing 偏差原因分析, with its scope and label.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingExplanationView {
    /// Whose evaluation.
    pub scope: dto::Scope,
    /// The execution row or an indicator.
    pub item: dto::DeviationItem,
    /// How people see it.
    pub label: String,
}

impl From<&jixiao_app::SelfEvaluation> for SelfEvaluationView {
    fn from(ev: &jixiao_app::SelfEvaluation) -> Self {
        SelfEvaluationView {
            unit: ev.unit.as_ref().map(dto::Evaluation::from),
            projects: ev
                .projects
                .iter()
                .map(|(code, e)| dto::ProjectEvaluation::from((code, e)))
                .collect(),
            missing_explanations: ev
                .missing_explanations
                .iter()
                .map(dto::DeviationItem::from)
                .collect(),
            missing_explanations_scoped: ev
                .missing_explanations_scoped
                .iter()
                .map(|m| MissingExplanationView {
                    scope: dto::Scope::from(&m.scope),
                    item: dto::DeviationItem::from(&m.item),
                    label: m.label.clone(),
                })
                .collect(),
            workflow: ev.workflow.into(),
            workflow_zh: ev.workflow.label().to_string(),
        }
    }
}

/// The self-evaluation per project and unit-wide: scores, grade, flags, missing explanations.
/// `profile` selects the scoring profile.
#[utoipa::path(tag = "reads", security(("bearer" = [])), params(("unit" = String, Path), ("year" = i32, Path), ViewQuery), responses(
    (status = 200, description = "self-evaluation", body = SelfEvaluationView),
    (status = 400, description = "bad query (e.g. unknown `profile`, bad `known_at`; an `as_of` outside the fiscal year is a 422)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no budget imported", body = Problem, content_type = "application/problem+json"),
))]
#[get(
    "/api/v1/units/{unit}/years/{year}/evaluation",
    wrap = "Permit(Action::Read)"
)]
pub async fn evaluation(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, i32)>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = ViewRequest::new(
        &state,
        &auth,
        path,
        q.profile.as_deref(),
        q.known_at.as_deref(),
    )?;
    // The self-evaluation is judged at the year end unless a date is asked for.
    let year = request.year();
    let as_of = q
        .as_of
        .map(|d| jixiao_app::App::within_year(year, d, "as_of"))
        .transpose()?;
    let ev = request
        .run(|profile| view::Evaluation { as_of, profile })
        .await?;
    Ok(HttpResponse::Ok().json(SelfEvaluationView::from(&ev)))
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
#[get("/api/v1/verify", wrap = "Permit(Action::Verify)")]
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
