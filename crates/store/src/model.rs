//! The store's vocabulary: stream ids, expected versions, events to append and events read
//! back, time-travel selectors, filters and the limits that bound every request.

use crate::error::{AppendError, StoreError};
use crate::upcast;
use chrono::{DateTime, NaiveDate, Utc};
use jixiao_domain::event::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most events in one append request (a ledger import sends at most this many per request).
pub const MAX_EVENTS_PER_APPEND: usize = 1000;
/// Largest stored payload of one event, in bytes of JSON text.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Longest unit code, actor or request id, in bytes.
pub const MAX_META_BYTES: usize = 256;
/// Largest page of `read_all`.
pub const MAX_READ_LIMIT: usize = 1000;
/// Most rows `read_all` scans in one call when a filter skips rows (the page then ends early
/// and says where to continue), so one request never scans the whole log.
pub const MAX_SCAN_ROWS: usize = 100_000;
/// Most events `read_stream` returns by default (`StoreOptions::max_stream_read`); a longer
/// stream must be paged with `read_stream_page`. Exactly the domain's most events of one
/// unit-year (`MAX_EVENTS_PER_YEAR`), so a stream the aggregate accepted always reads whole.
pub const MAX_STREAM_READ: usize = {
    let max = jixiao_domain::aggregate::MAX_EVENTS_PER_YEAR;
    assert!(
        max <= usize::MAX as u64,
        "the per-year maximum must fit in a usize"
    );
    max as usize
};

/// A stream: one unit's fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StreamId {
    /// 单位代码.
    pub unit: String,
    /// Fiscal year.
    pub fiscal_year: i32,
}

impl StreamId {
    /// The stream of `unit` in `fiscal_year`.
    pub fn new(unit: impl Into<String>, fiscal_year: i32) -> Self {
        StreamId {
            unit: unit.into(),
            fiscal_year,
        }
    }

    /// Checks the unit code is non-empty, bounded and free of control characters.
    pub fn validate(&self) -> Result<(), AppendError> {
        let ok = !self.unit.is_empty()
            && self.unit.len() <= MAX_META_BYTES
            && !self.unit.chars().any(char::is_control)
            && (1900..=9999).contains(&self.fiscal_year);
        if ok {
            Ok(())
        } else {
            Err(AppendError::InvalidStream {
                unit: self.unit.clone(),
                fiscal_year: self.fiscal_year,
            })
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.unit, self.fiscal_year)
    }
}

/// What an append expects of its stream. The version of a stream is the number of events in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must be empty (version 0).
    NoStream,
    /// The stream must be at exactly this version.
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether a stream at `current` satisfies this expectation.
    pub fn admits(self, current: u64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => current == 0,
            ExpectedVersion::Exact(v) => current == v,
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("no_stream"),
            ExpectedVersion::Exact(v) => write!(f, "{v}"),
        }
    }
}

/// Who recorded an event, for the audit trail (not part of its idempotency content).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMeta {
    /// The authenticated actor (user name or service id).
    pub actor: String,
    /// Request id of the HTTP request (or import run) that carried the event.
    pub request_id: String,
    /// When it was recorded; the writer stamps its clock when `None`.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// An event to append: already serialised by the caller's thread so the single writer only
/// hashes and inserts.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub(crate) event_id: Uuid,
    pub(crate) event_type: String,
    pub(crate) schema_version: u32,
    pub(crate) business_date: NaiveDate,
    pub(crate) payload: String,
    pub(crate) event: Event,
    pub(crate) meta: EventMeta,
}

impl NewEvent {
    /// A domain event at its current schema version.
    pub fn new(event_id: Uuid, event: Event, meta: EventMeta) -> Result<Self, AppendError> {
        let payload = event.payload_json().map_err(StoreError::from)?;
        let ne = NewEvent {
            event_id,
            event_type: event.event_type().to_string(),
            schema_version: event.version(),
            business_date: event.business_date(),
            payload,
            event,
            meta,
        };
        ne.check_limits()?;
        Ok(ne)
    }

    /// A stored-format event at any known schema version (imports of historical logs, tests of
    /// upcasting). The payload must upcast and decode into a current [`Event`].
    pub fn from_stored(
        event_id: Uuid,
        event_type: &str,
        schema_version: u32,
        payload: &str,
        meta: EventMeta,
    ) -> Result<Self, AppendError> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(AppendError::PayloadTooLarge {
                event_id,
                bytes: payload.len(),
                max: MAX_PAYLOAD_BYTES,
            });
        }
        let value: serde_json::Value = serde_json::from_str(payload).map_err(StoreError::from)?;
        let event = upcast::decode(event_type, schema_version, value).map_err(|e| {
            AppendError::Undecodable {
                event_id,
                message: e.to_string(),
            }
        })?;
        let ne = NewEvent {
            event_id,
            event_type: event_type.to_string(),
            schema_version,
            business_date: event.business_date(),
            payload: payload.to_string(),
            event,
            meta,
        };
        ne.check_limits()?;
        Ok(ne)
    }

    fn check_limits(&self) -> Result<(), AppendError> {
        if self.payload.len() > MAX_PAYLOAD_BYTES {
            return Err(AppendError::PayloadTooLarge {
                event_id: self.event_id,
                bytes: self.payload.len(),
                max: MAX_PAYLOAD_BYTES,
            });
        }
        for (field, value) in [
            ("actor", &self.meta.actor),
            ("request_id", &self.meta.request_id),
        ] {
            if value.len() > MAX_META_BYTES {
                return Err(AppendError::MetadataTooLong {
                    field,
                    max: MAX_META_BYTES,
                });
            }
        }
        Ok(())
    }

    /// The client-chosen event id.
    pub fn event_id(&self) -> Uuid {
        self.event_id
    }

    /// The domain event.
    pub fn event(&self) -> &Event {
        &self.event
    }
}

/// The result of an append (or of an idempotent retry: the original result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    /// Global position of the first event of the batch.
    pub first_position: u64,
    /// Global position of the last event of the batch.
    pub last_position: u64,
    /// Version of the stream after the batch (the stream version of its last event).
    pub stream_version: u64,
    /// Position of every event, in the order of the batch.
    pub positions: Vec<u64>,
}

/// An event read back from the log, upcast to the current schema.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Global position (1, 2, 3, … with no gap).
    pub position: u64,
    /// Its stream.
    pub stream: StreamId,
    /// Version of the stream after this event (1 for the first event of a stream).
    pub stream_version: u64,
    /// Client-chosen id.
    pub event_id: Uuid,
    /// Stored type name.
    pub event_type: String,
    /// Schema version as stored (before upcasting).
    pub stored_schema_version: u32,
    /// Business date the event is about.
    pub business_date: NaiveDate,
    /// When the writer recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub actor: String,
    /// Request that carried it.
    pub request_id: String,
    /// The decoded, upcast event.
    pub event: Event,
    /// Chain hash of this event.
    pub hash: [u8; 32],
}

/// The knowledge axis of time travel: what the log held at some point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownAt {
    /// Everything stored now.
    Now,
    /// Events at or before this global position.
    Position(u64),
    /// Events recorded at or before this instant.
    RecordedAt(DateTime<Utc>),
}

/// A filter over the whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadFilter {
    /// Only these event types (all when empty).
    pub types: Vec<String>,
    /// Business date on or after.
    pub from_date: Option<NaiveDate>,
    /// Business date on or before.
    pub to_date: Option<NaiveDate>,
    /// Only this stream.
    pub stream: Option<StreamId>,
}

/// A page of `read_all`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Matching events in position order.
    pub events: Vec<RecordedEvent>,
    /// Where the next page starts (`None` when the log was read to its end).
    pub next_position: Option<u64>,
}

/// The head of the hash chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Last position (0 for an empty log).
    pub position: u64,
    /// Hash of the last event (all zero for an empty log).
    pub hash: [u8; 32],
}

impl Head {
    /// The head of an empty log: position 0, the all-zero hash the first event chains from.
    pub const EMPTY: Head = Head {
        position: 0,
        hash: [0; 32],
    };
}

impl Head {
    /// The hash as lower-case hex, as printed on exported reports.
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events checked.
    pub events_checked: u64,
    /// Head of the chain as verified (up to the first broken position, excluded).
    pub head: Head,
    /// The first position whose hash (or position) does not follow from its predecessor.
    pub first_broken: Option<u64>,
}

/// Formats a UTC instant as stored: fixed width, so text order is time order.
pub(crate) fn format_recorded_at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses a stored instant.
pub(crate) fn parse_recorded_at(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("recorded_at “{s}”: {e}")))
}
