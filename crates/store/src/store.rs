//! The store handle: opening (pragmas, migrations, read-model catch-up, the writer thread),
//! the blocking append API, rebuilds, backups and the users handle.
//!
//! One contract, two engines: [`StoreOptions::engine`] chooses SQLite (the code of this
//! module, `writer.rs`, `read.rs`, …) or PostgreSQL (`crate::pg`). Appends and rebuilds go to
//! the engine's writer thread through the same queue; each public read dispatches to the
//! PostgreSQL engine first when there is one (`Store::pg`).
//!
//! [`Store`] is cheap to clone and `Send + Sync`; every clone talks to the same writer thread.
//! `Store::append` blocks the calling thread until the group it joined is committed (call it
//! from `web::block` in async code); `Store::append_then` queues and returns at once, and its
//! callback gets the same answer once the group is durable. Reads use pooled `query_only` connections and never wait for
//! the writer (WAL).

use crate::error::{AppendError, StoreError};
use crate::migrate::{MIGRATIONS, apply_migrations};
use crate::model::{Appended, ExpectedVersion, MAX_EVENTS_PER_APPEND, NewEvent, StreamId};
use crate::options::{Engine, StoreOptions};
use crate::projection;
use crate::writer::{
    Command, KnownVersions, Positions, Progress, Reply, Writer, WriterStats, WriterStatsSnapshot,
};
use rusqlite::Connection;
use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The event store. Clone it freely.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    options: StoreOptions,
    sender: Option<SyncSender<Command>>,
    writer: Option<JoinHandle<()>>,
    readers: Mutex<Vec<Connection>>,
    stats: Arc<WriterStats>,
    positions: Arc<Positions>,
    known: Arc<KnownVersions>,
    /// The PostgreSQL engine, when the store runs on one (its writer is `writer`).
    pg: Option<crate::pg::PgStore>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue lets the writer finish the requests already queued and exit.
        self.sender.take();
        if let Some(handle) = self.writer.take()
            && handle.join().is_err()
        {
            tracing::error!("writer thread panicked");
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.options.path)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database: applies migrations (refusing an edited one),
    /// folds any events the read models have not seen, and starts the writer thread.
    pub fn open(options: StoreOptions) -> Result<Store, StoreError> {
        if let Engine::Postgres(url) = &options.engine {
            let url = url.clone();
            return Self::open_postgres(options, url);
        }
        let mut conn = options.open_connection()?;
        apply_migrations(&mut conn, MIGRATIONS)?;
        if std::env::var("JX_NOIDX").is_ok() {
            conn.execute_batch("DROP INDEX IF EXISTS events_stream_version")?;
        }
        let mut quiet: Progress = Box::new(|_, _| {});
        let folded = projection::catch_up(&mut conn, &mut quiet)?;
        if folded > 0 {
            tracing::info!(folded, "read models caught up with the log");
        }
        let head = crate::writer::load_head(&conn)?.position;
        let projected = projection::checkpoint(&conn)?;
        if projected > head {
            // Read from disk, so not an assertion: the file was altered (events deleted from
            // the end of the log). The store still opens, so that `verify` can say where.
            tracing::error!(
                projected,
                head,
                "读模型检查点超过日志头：日志被改动过，请运行 verify，再重建读模型 (read-model checkpoint past the log head)"
            );
        }
        let positions = Arc::new(Positions::new(head, projected.min(head)));
        let stats = Arc::new(WriterStats::default());
        let known = Arc::new(KnownVersions::default());
        let writer = Writer::new(conn, stats.clone(), positions.clone(), known.clone())?;
        let (sender, receiver) = sync_channel(options.queue_capacity.max(1));
        let handle = std::thread::Builder::new()
            .name("jixiao-store-writer".to_string())
            .spawn(move || writer.run(receiver))?;
        Ok(Store {
            inner: Arc::new(Inner {
                options,
                sender: Some(sender),
                writer: Some(handle),
                readers: Mutex::new(Vec::new()),
                stats,
                positions,
                known,
                pg: None,
            }),
        })
    }

    /// Opens a PostgreSQL database: applies its migrations (refusing an edited one), folds
    /// what the read models miss, and starts this process's writer thread.
    fn open_postgres(
        options: StoreOptions,
        url: crate::options::PostgresUrl,
    ) -> Result<Store, StoreError> {
        crate::pg::off_runtime(move || Self::open_postgres_here(options, url))
    }

    fn open_postgres_here(
        options: StoreOptions,
        url: crate::options::PostgresUrl,
    ) -> Result<Store, StoreError> {
        let mut client = crate::pg::connect(&url)?;
        // A standby (or a database set to read-only transactions) takes no writes: it is
        // neither migrated nor folded here, only checked to have this build's schema, and the
        // store opens for reads (`verify`, `events export`); appends are refused before they
        // reach the writer.
        let read_only = crate::pg::read_only(&mut client)?;
        if read_only {
            crate::pg::migrate::check_pg_migrations(
                &mut client,
                crate::pg::migrate::PG_MIGRATIONS,
            )?;
            tracing::info!(database = %url, "read-only PostgreSQL database (a standby): opened for reads");
        } else {
            crate::pg::migrate::apply_pg_migrations(
                &mut client,
                crate::pg::migrate::PG_MIGRATIONS,
            )?;
            let mut quiet: Progress = Box::new(|_, _| {});
            let folded = crate::pg::projection::refold(&mut client, false, &mut quiet)?;
            if folded > 0 {
                tracing::info!(folded, "read models caught up with the log");
            }
        }
        let stats = Arc::new(WriterStats::default());
        let known = Arc::new(KnownVersions::default());
        let writer =
            crate::pg::writer::PgWriter::new(url.clone(), client, stats.clone(), known.clone());
        let (sender, receiver) = sync_channel(options.queue_capacity.max(1));
        let handle = std::thread::Builder::new()
            .name("jixiao-store-pg-writer".to_string())
            .spawn(move || writer.run(receiver))?;
        Ok(Store {
            inner: Arc::new(Inner {
                options,
                sender: Some(sender),
                writer: Some(handle),
                readers: Mutex::new(Vec::new()),
                stats,
                positions: Arc::new(Positions::new(0, 0)),
                known,
                pg: Some(crate::pg::PgStore::new(url, read_only)),
            }),
        })
    }

    /// The PostgreSQL engine, when the store runs on one.
    pub(crate) fn pg(&self) -> Option<&crate::pg::PgStore> {
        self.inner.pg.as_ref()
    }

    /// Whether the database takes no writes: a PostgreSQL standby (streaming replication,
    /// in recovery) or a database set to read-only transactions. Such a store answers reads;
    /// appends and rebuilds are refused with a read-only storage fault.
    pub fn is_read_only(&self) -> bool {
        self.pg().is_some_and(|pg| pg.read_only())
    }

    /// The engine the store runs on.
    pub fn engine(&self) -> &Engine {
        &self.inner.options.engine
    }

    /// Counters of the writer: group commits, requests, events.
    pub fn writer_stats(&self) -> WriterStatsSnapshot {
        self.inner.stats.snapshot()
    }

    /// The committed version of `stream` as far as this store knows it without reading the
    /// log: what its writer last committed to the stream, or what a read of the stream's end
    /// found; `None` when it does not know. Never ahead of the log, and never behind an append
    /// made through this store once that append has returned (appends by another process are
    /// not seen here: the expected-version check of [`Store::append`] refuses a decision made
    /// without them). An application's cache compares its state's version with this to skip
    /// reading the log.
    ///
    /// On PostgreSQL always `None`: another process sharing the database may have appended,
    /// so only a read of the log ([`Store::stream_version`]) can say.
    pub fn known_stream_version(&self, stream: &StreamId) -> Option<u64> {
        if self.pg().is_some() {
            return None;
        }
        self.inner.known.get(stream)
    }

    /// The version of `stream` this process last committed or read to the stream's end, if it
    /// remembers one. On SQLite it is [`Store::known_stream_version`]. On PostgreSQL another
    /// process may have appended since: a decision made on a state at this version is only
    /// *probably* current, so it may be appended with that version as expected (the store
    /// refuses it when another process moved on) but must not be answered without appending
    /// — a refusal, say — unless [`Store::known_stream_version`] vouches for it or the log was
    /// read first.
    pub fn last_seen_stream_version(&self, stream: &StreamId) -> Option<u64> {
        self.inner.known.get(stream)
    }

    pub(crate) fn known_versions(&self) -> &KnownVersions {
        &self.inner.known
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    fn send(&self, command: Command) -> Result<(), StoreError> {
        if self.is_read_only() {
            return Err(StoreError::StorageUnavailable {
                fault: crate::error::StorageFault::ReadOnly,
                message: "PostgreSQL 备库或只读数据库不接受写入，请连接主库 (a standby or read-only database takes no writes)".into(),
            });
        }
        let sender = self
            .inner
            .sender
            .as_ref()
            .ok_or(StoreError::WriterStopped)?;
        sender.send(command).map_err(|_| StoreError::WriterStopped)
    }

    /// Appends a batch to a stream, all or nothing, after checking `expected` against the
    /// stream's version. Returns once the batch is durable. Retrying a batch whose ids were all
    /// stored with the same content returns the original result.
    pub fn append(
        &self,
        stream: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, AppendError> {
        check_batch(&stream, &events)?;
        let (reply, answer) = sync_channel(1);
        self.send(Command::Append {
            stream,
            expected,
            events,
            reply: Reply::Channel(reply),
        })?;
        answer.recv().map_err(|_| StoreError::WriterStopped)?
    }

    /// [`Store::append`] without waiting: queues the batch at the writer and returns at once;
    /// `done` is called with what `append` would have returned once the batch is durable (or
    /// refused), on the store's writer or notifier thread — it must return quickly and must
    /// not call the store. `Ok(false)`: the writer's queue is full, nothing was queued and
    /// `done` is dropped uncalled (call [`Store::append`] instead). A batch refused before it
    /// is queued is an `Err` (and `done` is dropped uncalled); if the writer stops before
    /// answering, `done` is dropped uncalled too.
    pub fn append_then(
        &self,
        stream: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        done: impl FnOnce(Result<Appended, AppendError>) + Send + 'static,
    ) -> Result<bool, AppendError> {
        check_batch(&stream, &events)?;
        let sender = self
            .inner
            .sender
            .as_ref()
            .ok_or(StoreError::WriterStopped)?;
        match sender.try_send(Command::Append {
            stream,
            expected,
            events,
            reply: Reply::Call(Box::new(done)),
        }) {
            Ok(()) => Ok(true),
            Err(TrySendError::Full(_)) => Ok(false),
            Err(TrySendError::Disconnected(_)) => Err(StoreError::WriterStopped.into()),
        }
    }

    /// Empties every read model and refolds the log from position 0 on the writer thread
    /// (appends wait meanwhile). `progress(folded_up_to, head)` is called after each chunk.
    /// Returns the number of events folded.
    pub fn rebuild_read_models(
        &self,
        progress: impl FnMut(u64, u64) + Send + 'static,
    ) -> Result<u64, StoreError> {
        let (reply, answer) = sync_channel(1);
        self.send(Command::Rebuild {
            progress: Box::new(progress),
            reply,
        })?;
        answer.recv().map_err(|_| StoreError::WriterStopped)?
    }

    /// Runs `f` on a pooled read-only connection once the read models have folded everything
    /// committed when this call started (so a caller reads its own acknowledged appends).
    pub(crate) fn with_read_models<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.pg().is_some() {
            return Err(sqlite_only());
        }
        let target = self.inner.positions.committed();
        self.inner.positions.wait_for(target, || {
            // A full queue means the writer is busy and folds soon anyway.
            if let Some(sender) = &self.inner.sender {
                let _ = sender.try_send(Command::Project);
            }
        })?;
        self.with_reader(f)
    }

    /// Runs `f` on a pooled read-only connection.
    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.pg().is_some() {
            return Err(sqlite_only());
        }
        let pooled = self
            .inner
            .readers
            .lock()
            .map_err(|_| StoreError::Corrupt("reader pool poisoned".into()))?
            .pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.inner.options.open_reader()?,
        };
        let result = f(&conn);
        if let Ok(mut pool) = self.inner.readers.lock()
            && pool.len() < self.inner.options.reader_pool_size
        {
            pool.push(conn);
        }
        result
    }

    /// User administration (the `users` table, outside the event log) on a fresh connection of
    /// its own, so it never waits for the writer thread.
    pub fn users(&self) -> Result<crate::users::Users, StoreError> {
        if let Some(pg) = self.pg() {
            return Ok(crate::users::Users::postgres(crate::pg::connect(pg.url())?));
        }
        Ok(crate::users::Users::new(
            self.inner.options.open_connection()?,
        ))
    }

    /// A consistent copy of the database at `path` (SQLite online backup), safe while writing.
    pub fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        if self.pg().is_some() {
            return Err(crate::pg::not_supported(
                "SQLite 在线备份 (backup)",
                "pg_dump / pg_basebackup（见 docs/operations.md）",
            ));
        }
        self.with_reader(|conn| {
            let mut dst = Connection::open(path)?;
            let backup = rusqlite::backup::Backup::new(conn, &mut dst)?;
            // One step copies every page under one read transaction: a consistent snapshot
            // even while the writer commits (stepping in parts would restart on each commit).
            backup.step(-1)?;
            Ok(())
        })
    }

    /// `PRAGMA integrity_check`: `Ok(vec![])` when the database is sound, else the problems.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        if self.pg().is_some() {
            return Err(crate::pg::not_supported(
                "PRAGMA integrity_check",
                "pg_amcheck（见 docs/operations.md）",
            ));
        }
        self.with_reader(|conn| {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let lines: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(if lines == ["ok"] { Vec::new() } else { lines })
        })
    }
}

/// A SQLite connection asked for on a PostgreSQL store: a bug of this crate, reported rather
/// than opening a file named after the URL.
/// What every append checks before its batch is queued.
fn check_batch(stream: &StreamId, events: &[NewEvent]) -> Result<(), AppendError> {
    stream.validate()?;
    if events.is_empty() {
        return Err(AppendError::EmptyBatch);
    }
    if events.len() > MAX_EVENTS_PER_APPEND {
        return Err(AppendError::BatchTooLarge {
            events: events.len(),
            max: MAX_EVENTS_PER_APPEND,
        });
    }
    let mut ids = HashSet::with_capacity(events.len());
    for e in events {
        if !ids.insert(e.event_id) {
            return Err(AppendError::DuplicateInBatch {
                event_id: e.event_id,
            });
        }
    }
    Ok(())
}

fn sqlite_only() -> StoreError {
    StoreError::Corrupt(
        "SQLite 连接不适用于 PostgreSQL 存储 (sqlite connection on a postgres store)".into(),
    )
}
