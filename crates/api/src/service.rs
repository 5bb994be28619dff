//! The write path, run on the blocking pool: load the stream's aggregate (cached state plus the
//! events appended since), let the domain decide each command, append the resulting events
//! with the version that was loaded (or the client's `If-Match`), and retry on a concurrent
//! conflict when the client did not pin a version.
//!
//! Idempotency: a client event id names the command. When every id of a request is already
//! in the stream, the commands are decided again against the state just before the first of
//! them and appended again; the store then answers with the original positions (same content)
//! or an idempotency conflict (different content). A request mixing stored and new ids is a
//! conflict. A command that yields several events gives the first the client id and derives
//! the others from it deterministically.

use crate::cache::Loaded;
use crate::error::{ApiError, FieldError};
use crate::startup::AppState;
use crate::telemetry;
use jixiao_domain::aggregate::{Command, Context, DomainError, UnitYear};
use jixiao_domain::event::Event;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{
    AppendError, Appended, EventMeta, ExpectedVersion, KnownAt, NewEvent, StoreError, StreamId,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// How many times a write without `If-Match` is re-decided after losing a race.
pub const MAX_WRITE_ATTEMPTS: usize = 8;
/// Events read per page while catching a cached state up with the log.
const LOAD_PAGE_EVENTS: usize = 10_000;

/// One command of a write, named by its client event id; `field` prefixes error fields
/// (`items[3]` in a batch, empty otherwise).
pub struct Item {
    /// Client event id.
    pub event_id: Uuid,
    /// The command.
    pub command: Command,
    /// Error-field prefix.
    pub field: String,
}

/// Builds a write's commands from the loaded state.
pub type Builder = Box<dyn Fn(&UnitYear) -> Result<Vec<Item>, ApiError> + Send>;

/// A write request, already authorised.
pub struct Write {
    /// The stream.
    pub stream: StreamId,
    /// `If-Match` version, when given.
    pub if_match: Option<u64>,
    /// Client event ids of the commands, in order (known before the state is loaded).
    pub event_ids: Vec<Uuid>,
    /// Builds the commands (given the loaded state); decided in order and appended in one
    /// batch.
    pub build: Builder,
    /// Who (the token's subject).
    pub actor: String,
    /// The HTTP request id.
    pub request_id: String,
    /// The scoring profile for the decision.
    pub profile: ScoringProfile,
}

/// What a write recorded.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
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

/// Id of the `index`-th event a command yields: the client id itself for the first.
pub fn derived_event_id(client: Uuid, index: usize) -> Uuid {
    if index == 0 {
        client
    } else {
        Uuid::from_u128(client.as_u128() ^ (index as u128))
    }
}

/// A store failure as a problem: limits 422, read models behind the log 503 (the client may
/// retry), anything else an opaque 500.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Limit { what, max } => ApiError::unprocessable(
            "limit",
            format!("超出限制：{what} 最多 {max} (limit exceeded)"),
            vec![],
        ),
        // The events are safe in the log; the read models did not catch up in time.
        e @ StoreError::ReadModelsBehind { .. } => ApiError::unavailable(e.to_string()),
        other => ApiError::internal(other),
    }
}

/// Loads a stream's state: the cached one caught up with the log.
pub fn load(state: &AppState, stream: &StreamId) -> Result<Loaded, ApiError> {
    let mut loaded = state.cache.get(stream).unwrap_or_default();
    let cached_version = loaded.state.version();
    loop {
        let page = state
            .store
            .read_stream_page(
                stream,
                loaded.state.version(),
                LOAD_PAGE_EVENTS,
                KnownAt::Now,
            )
            .map_err(store_error)?;
        let n = page.len();
        for e in page {
            loaded.state.apply(&e.event);
            loaded.ids.insert(e.event_id, e.stream_version);
        }
        if n < LOAD_PAGE_EVENTS {
            break;
        }
    }
    // Only a state that moved on is worth storing back: copying a unit's whole state on every
    // request was the main cost of a write (HTTP W2 profile).
    if loaded.state.version() > cached_version || cached_version == 0 {
        state.cache.put(stream.clone(), loaded.clone());
    }
    Ok(loaded)
}

/// A domain refusal as a 422 naming the field.
pub fn domain_error(e: &DomainError, prefix: &str) -> ApiError {
    let field = e.field().to_string();
    let field = if prefix.is_empty() {
        field
    } else {
        format!("{prefix}.{field}")
    };
    let message = e.to_string();
    ApiError::unprocessable(
        e.code(),
        message.clone(),
        vec![FieldError::new(field, message, e.code())],
    )
}

fn decide(
    loaded: &Loaded,
    items: &[Item],
    profile: &ScoringProfile,
) -> Result<Vec<(Uuid, Event)>, ApiError> {
    let ctx = Context { profile };
    if let [item] = items {
        // One command (nearly every write): decide on the loaded state itself, no copy.
        let events = loaded
            .state
            .handle(item.command.clone(), &ctx)
            .map_err(|e| domain_error(&e, &item.field))?;
        return Ok(events
            .into_iter()
            .enumerate()
            .map(|(i, event)| (derived_event_id(item.event_id, i), event))
            .collect());
    }
    // Several commands (a batch): each decides on the state left by the ones before it.
    let mut scratch = loaded.state.clone();
    let mut out = Vec::new();
    for item in items {
        let events = scratch
            .handle(item.command.clone(), &ctx)
            .map_err(|e| domain_error(&e, &item.field))?;
        for (i, event) in events.into_iter().enumerate() {
            scratch.apply(&event);
            out.push((derived_event_id(item.event_id, i), event));
        }
    }
    Ok(out)
}

fn to_new_events(events: &[(Uuid, Event)], write: &Write) -> Result<Vec<NewEvent>, ApiError> {
    events
        .iter()
        .map(|(id, event)| {
            let meta = EventMeta {
                actor: write.actor.clone(),
                request_id: write.request_id.clone(),
                recorded_at: None,
            };
            NewEvent::new(*id, event.clone(), meta).map_err(|e| append_error(e, None))
        })
        .collect()
}

fn append_error(e: AppendError, if_match: Option<u64>) -> ApiError {
    match e {
        AppendError::WrongVersion { current, expected } => match if_match {
            Some(v) => ApiError::version_conflict(v, current),
            None => ApiError::version_conflict(expected, current),
        },
        AppendError::IdempotencyConflict { event_id } => ApiError::conflict(
            "idempotency_conflict",
            format!(
                "事件编号 {event_id} 已用于不同的内容，请换用新的 event_id (event id reused with different content)"
            ),
        ),
        AppendError::BatchTooLarge { .. }
        | AppendError::PayloadTooLarge { .. }
        | AppendError::MetadataTooLong { .. } => ApiError::too_large(e.to_string()),
        AppendError::DuplicateInBatch { event_id } => ApiError::unprocessable(
            "duplicate_event_id",
            e.to_string(),
            vec![FieldError::new(
                "event_id",
                format!("事件编号 {event_id} 在同一请求中重复"),
                "duplicate event id",
            )],
        ),
        AppendError::InvalidStream { .. }
        | AppendError::Undecodable { .. }
        | AppendError::EmptyBatch => ApiError::unprocessable(
            "invalid_stream",
            e.to_string(),
            vec![FieldError::new("unit", e.to_string(), "invalid")],
        ),
        AppendError::Store(inner) => store_error(inner),
    }
}

fn result(appended: &Appended, events: &[(Uuid, Event)], replayed: bool) -> WriteResult {
    WriteResult {
        stream_version: appended.stream_version,
        positions: appended.positions.clone(),
        event_ids: events.iter().map(|(id, _)| *id).collect(),
        event_types: events
            .iter()
            .map(|(_, e)| e.event_type().to_string())
            .collect(),
        replayed,
    }
}

/// A retry: every id is stored. Decide again against the state before the first of them and
/// let the store compare contents.
fn replay(state: &AppState, write: &Write, loaded: &Loaded) -> Result<WriteResult, ApiError> {
    let first = write
        .event_ids
        .iter()
        .filter_map(|id| loaded.ids.get(id))
        .min()
        .copied()
        .unwrap_or(1);
    let before = state
        .store
        .read_stream_page(
            &write.stream,
            0,
            usize::try_from(first.saturating_sub(1)).unwrap_or(usize::MAX),
            KnownAt::Now,
        )
        .map_err(store_error)?;
    let mut previous = Loaded::default();
    for e in before
        .iter()
        .take(usize::try_from(first.saturating_sub(1)).unwrap_or(usize::MAX))
    {
        previous.state.apply(&e.event);
    }
    let items = (write.build)(&previous.state)?;
    let events = decide(&previous, &items, &write.profile).map_err(|_| {
        ApiError::conflict(
            "idempotency_conflict",
            "该 event_id 已记录，但本次请求内容不同 (event id reused with different content)",
        )
    })?;
    let new_events = to_new_events(&events, write)?;
    let appended = state
        .store
        .append(write.stream.clone(), ExpectedVersion::Any, new_events)
        .map_err(|e| append_error(e, None))?;
    Ok(result(&appended, &events, true))
}

/// Decides and appends a write. Blocking: call it from `web::block`.
pub fn execute(state: &AppState, write: Write) -> Result<WriteResult, ApiError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut loaded = load(state, &write.stream)?;
        let known = write
            .event_ids
            .iter()
            .filter(|id| loaded.ids.contains_key(id))
            .count();
        if known == write.event_ids.len() && known > 0 {
            return replay(state, &write, &loaded);
        }
        if known > 0 {
            return Err(ApiError::conflict(
                "idempotency_conflict",
                "请求中部分 event_id 已记录、部分未记录，请整体重试或全部换用新编号 (batch mixes stored and new event ids)",
            ));
        }
        let version = loaded.state.version();
        if let Some(v) = write.if_match
            && v != version
        {
            return Err(ApiError::version_conflict(v, version));
        }
        let items = (write.build)(&loaded.state)?;
        let events = decide(&loaded, &items, &write.profile)?;
        if events.is_empty() {
            return Ok(WriteResult {
                stream_version: version,
                positions: vec![],
                event_ids: vec![],
                event_types: vec![],
                replayed: false,
            });
        }
        let new_events = to_new_events(&events, &write)?;
        match state.store.append(
            write.stream.clone(),
            ExpectedVersion::Exact(version),
            new_events,
        ) {
            Ok(appended) => {
                telemetry::record_append(events.len());
                for (id, event) in &events {
                    loaded.state.apply(event);
                    loaded.ids.insert(*id, loaded.state.version());
                }
                if loaded.state.version() == appended.stream_version {
                    state.cache.put(write.stream.clone(), loaded);
                }
                return Ok(result(&appended, &events, false));
            }
            Err(AppendError::WrongVersion { current, .. })
                if write.if_match.is_none() && attempts < MAX_WRITE_ATTEMPTS =>
            {
                tracing::debug!(current, attempts, "lost a race; deciding again");
                continue;
            }
            Err(e) => return Err(append_error(e, write.if_match)),
        }
    }
}
