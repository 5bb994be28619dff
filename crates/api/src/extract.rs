//! What every write to a unit's year carries, gathered once: who (the bearer token), the
//! request id, `If-Match`, and the unit-year of the path — the [`YearWrite`] extractor. A
//! handler authorises it for its action ([`YearWrite::allow`]), converts its body into a
//! command (`TryFrom<Body> for Command`) and makes one call ([`AllowedWrite::one`] or
//! [`AllowedWrite::run`]) into the application layer, which decides, appends and retries.

use crate::auth::{Action, Auth};
use crate::error::{ApiError, FieldError};
use crate::startup::AppState;
use crate::telemetry::{self, RequestId};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use jixiao_app::{Actor, Item, Settled, Started, Write, Written};
use jixiao_domain::aggregate::Command;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::StreamId;
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a write recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WriteResult {
    /// Version of the stream after the write (send it as `If-Match: "<version>"` next time).
    pub stream_version: u64,
    /// Global positions of the recorded events, in order.
    pub positions: Vec<u64>,
    /// Ids of the recorded events, in order.
    pub event_ids: Vec<Uuid>,
    /// Types of the recorded events, in order.
    pub event_types: Vec<String>,
    /// True when this was a retry of a write already recorded (nothing new was written).
    pub replayed: bool,
}

impl From<Written> for WriteResult {
    fn from(w: Written) -> Self {
        WriteResult {
            stream_version: w.stream_version,
            positions: w.positions,
            event_ids: w.event_ids,
            event_types: w.event_types,
            replayed: w.replayed,
        }
    }
}

/// A write to `/api/v1/units/{unit}/years/{year}/…`, not yet authorised.
pub struct YearWrite {
    state: web::Data<AppState>,
    /// The bearer.
    pub auth: Auth,
    request_id: String,
    if_match: Option<u64>,
    /// 单位代码 of the path.
    pub unit: String,
    /// Fiscal year of the path.
    pub year: i32,
    path: String,
}

fn parse_if_match(req: &HttpRequest) -> Result<Option<u64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<u64>().map(Some).map_err(|_| {
        ApiError::bad_request(
            "invalid_if_match",
            "If-Match 须为带引号的流版本号，如 \"12\" (If-Match must be a quoted stream version)",
            vec![FieldError::new(
                "If-Match",
                "须为流版本号",
                "must be a stream version",
            )],
        )
    })
}

fn unit_year(req: &HttpRequest) -> Result<(String, i32), ApiError> {
    let unit = req.match_info().get("unit").unwrap_or_default().to_string();
    let text = req.match_info().get("year").unwrap_or_default();
    let year = text.parse::<i32>().map_err(|e| {
        let message = format!("can not parse {text:?} to a i32: {e}");
        ApiError::bad_request(
            "invalid_path",
            format!("路径参数无效：{message} (invalid path parameter)"),
            vec![FieldError::new("path", "路径参数无效", message)],
        )
    })?;
    Ok((unit, year))
}

impl FromRequest for YearWrite {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let gathered = (|| -> Result<YearWrite, actix_web::Error> {
            let auth = Auth::from_request(req, payload).into_inner()?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal("AppState not registered"))?;
            let (unit, year) = unit_year(req).map_err(|e| e.with_instance(req.path()))?;
            let request_id = RequestId::from_request(req, payload).into_inner()?.0;
            Ok(YearWrite {
                state,
                auth,
                request_id,
                if_match: parse_if_match(req)?,
                unit,
                year,
                path: req.path().to_string(),
            })
        })();
        ready(gathered)
    }
}

impl YearWrite {
    /// 403 unless the bearer may perform `action` on this unit.
    pub fn allow(self, action: Action) -> Result<AllowedWrite, ApiError> {
        self.auth
            .0
            .require_unit(action, &self.unit)
            .map_err(|e| ApiError::from(e).with_instance(&self.path))?;
        Ok(AllowedWrite {
            write: self,
            profile: None,
        })
    }
}

/// An authorised write.
pub struct AllowedWrite {
    write: YearWrite,
    profile: Option<String>,
}

impl AllowedWrite {
    /// 单位代码 of the path.
    pub fn unit(&self) -> &str {
        &self.write.unit
    }

    /// Fiscal year of the path.
    pub fn year(&self) -> i32 {
        self.write.year
    }

    /// The bearer's user name: who a workflow step records as its actor.
    pub fn actor(&self) -> &str {
        &self.write.auth.0.sub
    }

    /// Decide with the named scoring profile instead of the server's default.
    pub fn with_profile(mut self, profile: Option<&str>) -> Result<Self, ApiError> {
        if let Some(id) = profile {
            ScoringProfile::builtin(id).map_err(|e| {
                ApiError::field("profile", e.to_string(), "unknown scoring profile")
            })?;
            self.profile = Some(id.to_string());
        }
        Ok(self)
    }

    /// Records one command named by its client event id.
    pub async fn one(self, event_id: Uuid, command: Command) -> Result<HttpResponse, ApiError> {
        self.run(vec![Item::new(event_id, command)]).await
    }

    /// Records commands in one batch (all or nothing): decided on this worker and awaited
    /// without a thread when the unit-year is cached and free, else on the blocking pool.
    pub async fn run(self, items: Vec<Item>) -> Result<HttpResponse, ApiError> {
        let w = self.write;
        let app = w.state.app.clone();
        let profile = app
            .profile(self.profile.as_deref())
            .map_err(|e| ApiError::field("profile", e.to_string(), "unknown scoring profile"))?;
        let write = Write {
            stream: StreamId::new(w.unit, w.year),
            if_match: w.if_match,
            items,
            actor: Actor {
                name: w.auth.0.sub.clone(),
                request_id: w.request_id,
            },
            profile,
        };
        let path = w.path;
        let written = write_now_or_blocking(app, write)
            .await?
            .map_err(|e| ApiError::from(e).with_instance(&path))?;
        if !written.replayed && !written.positions.is_empty() {
            telemetry::record_append(written.positions.len());
        }
        let mut res = if written.replayed {
            HttpResponse::Ok()
        } else {
            HttpResponse::Created()
        };
        res.insert_header((header::ETAG, format!("\"{}\"", written.stream_version)));
        Ok(res.json(WriteResult::from(written)))
    }
}

/// Runs a write: begun on this worker when the application can without blocking (the
/// decision on the cached year, the events queued at the store's writer), the fsync awaited
/// without holding a thread; otherwise — and when the answer must be folded under a busy lock,
/// or decided again after another process won the race — on the blocking pool. The outer
/// error is the pool's (an internal error), the inner the write's.
async fn write_now_or_blocking(
    app: std::sync::Arc<jixiao_app::App>,
    write: Write,
) -> Result<Result<Written, jixiao_app::AppError>, ApiError> {
    let queued = match app.start_write(write) {
        Err(e) => return Ok(Err(e)),
        Ok(Started::Blocking(write)) => {
            return web::block(move || app.write(*write))
                .await
                .map_err(ApiError::internal);
        }
        Ok(Started::Queued(queued)) => queued,
    };
    let settled = match queued.committed().await.try_settle() {
        Ok(settled) => settled,
        Err(committed) => web::block(move || committed.settle())
            .await
            .map_err(ApiError::internal)?,
    };
    match settled {
        Settled::Done(result) => Ok(result),
        Settled::Again(write) => web::block(move || app.write(*write))
            .await
            .map_err(ApiError::internal),
    }
}
