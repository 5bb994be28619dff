//! `jixiao-store`: the event log of jixiao on SQLite.
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
pub mod migrate;
pub mod model;
pub mod options;
pub mod projection;
pub mod queries;
pub mod read;
pub mod store;
pub mod upcast;
pub mod users;
pub mod writer;

pub use error::{AppendError, StoreError};
pub use model::{
    Appended, EventMeta, ExpectedVersion, Head, KnownAt, NewEvent, Page, ReadFilter, RecordedEvent,
    StreamId, VerifyReport,
};
pub use options::{StoreOptions, Synchronous};
pub use queries::{
    ActivityRow, AssessmentRow, BudgetRow, ExecutionRow, MeasureInputs, SurveyGroupRow, UnitSummary,
};
pub use store::Store;
pub use writer::{WriterStats, WriterStatsSnapshot};

/// Process-wide SQLite setup, to call first thing in `main`, before any thread opens a
/// connection. Installs
/// - the page cache of [`jixiao_pcache`]: SQLite's own cache without a scan of every cached
///   page at the end of each transaction that split an index page in the middle;
/// - the VFS of [`jixiao_walvfs`]: SQLite's own file layer, except that the WAL frames of a
///   commit that ends with an fsync reach the kernel in one write instead of two per page.
///
/// Returns whether both took effect; SQLite works without them, only slower to commit.
pub fn configure_sqlite() -> bool {
    let cache = match jixiao_pcache::install() {
        Ok(()) => true,
        Err(refused) => {
            tracing::warn!(%refused, "SQLite keeps its default page cache");
            false
        }
    };
    let vfs = match jixiao_walvfs::install() {
        Ok(()) => true,
        Err(refused) => {
            tracing::warn!(%refused, "SQLite keeps its default VFS");
            false
        }
    };
    cache && vfs
}

/// Whether [`configure_sqlite`] took effect in this process.
pub fn sqlite_configured() -> bool {
    jixiao_pcache::installed() && jixiao_walvfs::installed()
}
