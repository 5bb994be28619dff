//! The one write path of every front end: load the stream's year (shared, caught up with the
//! log), let the domain decide each command, append the resulting events with the version that
//! was loaded (or the client's `If-Match`), fold them into the shared state, and retry when
//! another writer (another process) won the race and the client did not pin a version.
//!
//! Idempotency: a client event id names the command. When every id of a request is already in
//! the stream, the commands are decided again against the state just before the first of them
//! and appended again; the store then answers with the original positions (same content) or an
//! idempotency conflict (different content). A request mixing stored and new ids is a conflict.
//! A command that yields several events gives the first the client id and derives the others
//! from it with [`derived_event_id`] — the one way ids are derived.

use crate::App;
use crate::cache::{Year, lock};
use crate::error::AppError;
use jixiao_domain::aggregate::{Command, Context};
use jixiao_domain::event::Event;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{
    AppendError, Appended, EventMeta, ExpectedVersion, KnownAt, NewEvent, StreamId,
};
use uuid::Uuid;

/// How many times a write without `If-Match` is re-decided after losing a race to another
/// process (writers of this process queue on the stream instead of racing).
pub const MAX_WRITE_ATTEMPTS: usize = 8;
/// Events read per page while catching a year up with the log.
pub const LOAD_PAGE_EVENTS: usize = 10_000;
/// Events per append when an import is written in several batches (below the store's limit).
pub const IMPORT_BATCH_EVENTS: usize = 1_000;

/// Id of the `index`-th event derived from a client id: the client id itself for the first.
pub fn derived_event_id(client: Uuid, index: usize) -> Uuid {
    if index == 0 {
        client
    } else {
        Uuid::from_u128(client.as_u128() ^ (index as u128))
    }
}

/// One command of a write, named by its client event id; `field` prefixes error fields
/// (`items[3]` in a batch, empty otherwise).
#[derive(Debug, Clone)]
pub struct Item {
    /// Client event id.
    pub event_id: Uuid,
    /// The command.
    pub command: Command,
    /// Error-field prefix.
    pub field: String,
}

impl Item {
    /// A command named by its client event id.
    pub fn new(event_id: Uuid, command: Command) -> Self {
        Item {
            event_id,
            command,
            field: String::new(),
        }
    }
}

/// Who asked, for the events' metadata.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The authenticated subject (user name), or the tool (`import-ledger`, `demo`).
    pub name: String,
    /// The request id (HTTP) or a label of the run.
    pub request_id: String,
}

/// A write request, already authorised.
#[derive(Debug, Clone)]
pub struct Write {
    /// The stream.
    pub stream: StreamId,
    /// `If-Match` version, when given.
    pub if_match: Option<u64>,
    /// The commands, decided in order and appended in one batch.
    pub items: Vec<Item>,
    /// Who.
    pub actor: Actor,
    /// The scoring profile for the decision.
    pub profile: ScoringProfile,
}

/// What a write recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Version of the stream after the write.
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

impl App {
    /// Catches a year up with the log, unless the store vouches that it is current: the
    /// version its writer last committed to the stream (or a read of the stream's end found)
    /// is the year's own — then nothing was appended through this store since, and no SQL is
    /// run. An append by another process is caught by the append's expected-version check,
    /// after which [`App::reload`] reads the log whatever the store believes.
    pub(crate) fn catch_up(&self, stream: &StreamId, year: &mut Year) -> Result<(), AppError> {
        if self.store.known_stream_version(stream) == Some(year.state.version()) {
            return Ok(());
        }
        self.reload(stream, year)
    }

    /// Catches a year up by reading the log from its version on.
    pub(crate) fn reload(&self, stream: &StreamId, year: &mut Year) -> Result<(), AppError> {
        loop {
            let page = self.store.read_stream_page(
                stream,
                year.state.version(),
                LOAD_PAGE_EVENTS,
                KnownAt::Now,
            )?;
            let n = page.len();
            for e in &page {
                year.apply_recorded(e);
            }
            if n < LOAD_PAGE_EVENTS {
                return Ok(());
            }
        }
    }

    /// Decides and appends a write. Blocking: async callers run it on a blocking pool.
    pub fn write(&self, write: Write) -> Result<Written, AppError> {
        validate_stream(&write.stream)?;
        self.check_evidence_stored(&write.items)?;
        let entry = self.cache.entry(&write.stream);
        let mut year = lock(&entry);
        let mut attempts = 0;
        // Whether the next round reads the log whatever the store believes (after the store
        // refused a version, or before answering a stale If-Match).
        let mut read_log = false;
        loop {
            attempts += 1;
            if read_log
                || self.store.last_seen_stream_version(&write.stream) != Some(year.state.version())
            {
                self.reload(&write.stream, &mut year)?;
            }
            self.cache.settle(&write.stream, &entry, year.events());
            // Whether an answer given without appending (a refusal, a conflict, a command that
            // changes nothing) may be given on this year: the log was just read, or the store
            // vouches for its version. On an engine shared with other processes (PostgreSQL)
            // the year is otherwise only probably current: what is appended is checked by the
            // expected version below, anything else is decided again on the log.
            let settled = read_log
                || self.store.known_stream_version(&write.stream) == Some(year.state.version());
            // Answers `$answer` if settled, else reads the log and decides again.
            macro_rules! answer {
                ($answer:expr) => {{
                    if settled {
                        return $answer;
                    }
                    read_log = true;
                    attempts -= 1;
                    continue;
                }};
            }
            let known = write
                .items
                .iter()
                .filter(|i| year.version_of(&i.event_id).is_some())
                .count();
            if known == write.items.len() && known > 0 {
                // Ids in the year are stored whatever else another process appended: a retry.
                return self.replay(&write, &year);
            }
            if known > 0 {
                answer!(Err(AppError::conflict(
                    "idempotency_conflict",
                    "请求中部分 event_id 已记录、部分未记录，请整体重试或全部换用新编号 (batch mixes stored and new event ids)",
                )));
            }
            let version = year.state.version();
            if let Some(v) = write.if_match
                && v != version
            {
                if !read_log {
                    // Name the version the log holds, not one this process last saw.
                    read_log = true;
                    attempts -= 1;
                    continue;
                }
                return Err(AppError::version_conflict(v, version));
            }
            let events = match decide(&year, &write.items, &write.profile) {
                Ok(events) => events,
                Err(e) => answer!(Err(e)),
            };
            if events.is_empty() {
                answer!(Ok(Written {
                    stream_version: version,
                    positions: vec![],
                    event_ids: vec![],
                    event_types: vec![],
                    replayed: false,
                }));
            }
            let new_events = to_new_events(&events, &write.actor)?;
            match self.store.append(
                write.stream.clone(),
                ExpectedVersion::Exact(version),
                new_events,
            ) {
                Ok(appended) => {
                    assert_eq!(
                        appended.positions.len(),
                        events.len(),
                        "the store recorded every event of the batch"
                    );
                    for ((id, event), position) in events.iter().zip(&appended.positions) {
                        year.apply(*id, *position, event);
                    }
                    assert_eq!(
                        year.state.version(),
                        appended.stream_version,
                        "the shared state follows the log"
                    );
                    return Ok(written(&appended, &events, false));
                }
                Err(AppendError::WrongVersion { current, .. })
                    if write.if_match.is_none() && attempts < MAX_WRITE_ATTEMPTS =>
                {
                    tracing::debug!(current, attempts, "another writer won; deciding again");
                    read_log = true;
                }
                Err(e) => return Err(AppError::append(e, write.if_match)),
            }
        }
    }

    /// A retry: every id is stored. Decide again against the state before the first of them
    /// and let the store compare contents.
    fn replay(&self, write: &Write, year: &Year) -> Result<Written, AppError> {
        let first = write
            .items
            .iter()
            .filter_map(|i| year.version_of(&i.event_id))
            .min()
            .unwrap_or(1);
        let before_versions = usize::try_from(first.saturating_sub(1)).unwrap_or(usize::MAX);
        let before =
            self.store
                .read_stream_page(&write.stream, 0, before_versions, KnownAt::Now)?;
        let previous = Year::from_recorded(before.iter().take(before_versions));
        let events = decide(&previous, &write.items, &write.profile).map_err(|_| {
            AppError::conflict(
                "idempotency_conflict",
                "该 event_id 已记录，但本次请求内容不同 (event id reused with different content)",
            )
        })?;
        let new_events = to_new_events(&events, &write.actor)?;
        let appended = self
            .store
            .append(write.stream.clone(), ExpectedVersion::Any, new_events)
            .map_err(|e| AppError::append(e, None))?;
        Ok(written(&appended, &events, true))
    }
}

/// A stream name the store would refuse, as an unreadable request naming the year.
pub(crate) fn validate_stream(stream: &StreamId) -> Result<(), AppError> {
    stream.validate().map_err(|e| {
        AppError::invalid(
            "invalid_stream",
            e.to_string(),
            vec![crate::FieldError::new(
                "year",
                e.to_string(),
                "invalid unit or year",
            )],
        )
    })
}

/// The events the commands yield, each with its id. One command (nearly every write) is
/// decided on the shared state itself; a batch decides each command on the state left by the
/// ones before it, on a copy (a batch is an import: its copy is amortised over its events).
pub(crate) fn decide(
    year: &Year,
    items: &[Item],
    profile: &ScoringProfile,
) -> Result<Vec<(Uuid, Event)>, AppError> {
    let ctx = Context { profile };
    if let [item] = items {
        let events = year
            .state
            .handle(item.command.clone(), &ctx)
            .map_err(|e| AppError::domain(&e, &item.field))?;
        return Ok(with_ids(item.event_id, events));
    }
    let mut scratch = year.state.clone();
    let mut out = Vec::new();
    for item in items {
        let events = scratch
            .handle(item.command.clone(), &ctx)
            .map_err(|e| AppError::domain(&e, &item.field))?;
        for e in &events {
            scratch.apply(e);
        }
        out.extend(with_ids(item.event_id, events));
    }
    Ok(out)
}

fn with_ids(client: Uuid, events: Vec<Event>) -> Vec<(Uuid, Event)> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| (derived_event_id(client, i), event))
        .collect()
}

pub(crate) fn to_new_events(
    events: &[(Uuid, Event)],
    actor: &Actor,
) -> Result<Vec<NewEvent>, AppError> {
    events
        .iter()
        .map(|(id, event)| {
            let meta = EventMeta {
                actor: actor.name.clone(),
                request_id: actor.request_id.clone(),
                recorded_at: None,
            };
            NewEvent::new(*id, event.clone(), meta).map_err(|e| AppError::append(e, None))
        })
        .collect()
}

pub(crate) fn written(appended: &Appended, events: &[(Uuid, Event)], replayed: bool) -> Written {
    Written {
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
