//! `jixiao-store`: the event log of jixiao on SQLite (embedded, the default) or PostgreSQL
//! (`StoreOptions::engine`; several processes may share one database, see `pg`).
//!
//! One stream per (unit, fiscal year). A dedicated writer thread owns the only write
//! connection: it assigns one gapless global position to every event, chains each event's
//! SHA-256 to its predecessor, and commits queued appends in groups (one fsync per group)
//! before replying; between groups it folds the committed events into the read models in
//! batches, each with its checkpoint (a checkpointed catch-up). Readers use their own
//! `query_only` connections and never block the writer (WAL); read-model queries first wait
//! for the read models to reach the head committed when they started.
//!
//! Guarantees (each proved by a test in `tests/`; see `docs/eventstore.md`): optimistic
//! concurrency per stream, permanent idempotency by event id, all-or-nothing batches, one
//! gapless order, durable acknowledgement, read models equal to a rebuild, upcasting instead
//! of rewriting, time travel on the knowledge and business-date axes, tamper evidence.
//!
//! API boundary: the store stores `jixiao_domain::event::Event`s and knows nothing about HTTP;
//! its API is blocking (call it from `web::block` in async code).

pub mod canonical;
pub mod error;
pub mod evidence;
pub mod inspect;
pub mod migrate;
pub mod model;
pub mod options;
pub(crate) mod pg;
pub mod projection;
pub mod queries;
pub mod read;
pub mod store;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod upcast;
pub mod users;
pub mod writer;

pub use error::{AppendError, StorageFault, StoreError};
pub use model::{
    Appended, EventMeta, ExpectedVersion, Head, KnownAt, NewEvent, Page, ReadFilter, RecordedEvent,
    StreamId, VerifyReport,
};
pub use options::{Engine, PostgresUrl, StoreOptions, Synchronous};
pub use queries::{ExecutionRow, UnitStatus, UnitSummary};
pub use store::Store;
pub use writer::{WriterStats, WriterStatsSnapshot};
