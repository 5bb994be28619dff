//! The PostgreSQL engine behind the same [`crate::Store`]: the log, the read models, users and
//! evidence in one PostgreSQL database that several jixiao processes may share.
//!
//! Shape: one writer thread per process owns one connection and commits queued appends in
//! groups, as on SQLite; each group looks up its ids and its streams' versions (one query
//! each), then runs one transaction that locks the `log_head` row (`SELECT … FOR UPDATE`),
//! reads the head (position, hash), decides every request (idempotency by event id, expected
//! version), inserts the events with the next positions and chained hashes and moves the head
//! (one statement), and commits (`writer.rs` says why lookups before the lock are safe). A
//! second process's group waits for the row lock, so positions are assigned one transaction
//! after another: gapless, and visible to readers in order (a transaction is visible before its
//! row lock is released). The unique indexes on event id and (stream, version) are the last
//! word if anything else writes. Each process's projector thread folds the committed events
//! into the read models in transactions of its own, the checkpoint committing with the rows
//! (`projection.rs`); a read of the read models first folds what is left, so it reflects every
//! event committed before it. Readers use a small pool of connections
//! ([`PgStore::with_client`]).
//!
//! Modules: `migrate.rs` (numbered files in `migrations/postgres/`, checksummed),
//! `writer.rs` (the group commit), `projection.rs` (read-model folding), `read.rs` (reads,
//! time travel, verify, queries, evidence), `users.rs` (the `users` table).

pub(crate) mod migrate;
pub(crate) mod projection;
pub(crate) mod read;
pub(crate) mod users;
pub(crate) mod writer;

use crate::error::StoreError;
use crate::model::Head;
use crate::options::PostgresUrl;
use crate::writer::to_u64;
use postgres::{Client, GenericClient, NoTls};
use std::sync::Mutex;

/// Idle connections kept for reads (each PostgreSQL connection is a server process: fewer
/// than SQLite's readers).
pub const PG_POOL_SIZE: usize = 16;

/// A PostgreSQL database: its URL and the pool of reading connections.
pub(crate) struct PgStore {
    url: PostgresUrl,
    pool: Mutex<Vec<Client>>,
    /// The database takes no writes (a standby): reads wait for the primary's fold instead
    /// of folding.
    read_only: bool,
}

/// Whether transactions on this connection are read-only: a standby in recovery, or a
/// database set `default_transaction_read_only`.
pub(crate) fn read_only(client: &mut Client) -> Result<bool, StoreError> {
    let on: String = client.query_one("SHOW transaction_read_only", &[])?.get(0);
    Ok(on == "on")
}

/// Opens a connection to `url`.
pub(crate) fn connect(url: &PostgresUrl) -> Result<Client, StoreError> {
    off_runtime(|| Ok(Client::connect(url.expose(), NoTls)?))
}

/// Runs `f` (which uses or drops a synchronous PostgreSQL client) on a thread outside any
/// async runtime: the `postgres` client drives its own runtime and panics when called from a
/// thread that runs one (an actix worker calling the store directly, e.g. at server start).
/// Outside a runtime `f` runs here.
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

impl PgStore {
    pub(crate) fn new(url: PostgresUrl, read_only: bool) -> Self {
        PgStore {
            url,
            pool: Mutex::new(Vec::new()),
            read_only,
        }
    }

    /// Whether the database takes no writes ([`crate::Store::is_read_only`]).
    pub(crate) fn read_only(&self) -> bool {
        self.read_only
    }

    /// Brings the read models up to the head before a read of them: folds what is left
    /// ([`projection::catch_up`]), or on a standby, which cannot fold, waits for the
    /// primary's fold to arrive ([`projection::await_fold`]).
    pub(crate) fn caught_up(&self, client: &mut Client) -> Result<(), StoreError> {
        if self.read_only {
            projection::await_fold(client)
        } else {
            projection::catch_up(client)
        }
    }

    /// The database URL (its `Display` hides the password).
    pub(crate) fn url(&self) -> &PostgresUrl {
        &self.url
    }

    /// Runs `f` on a pooled connection (a new one when the pool is empty). A connection that
    /// broke is dropped rather than returned to the pool.
    pub(crate) fn with_client<T: Send>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| self.with_client_here(f))
    }

    fn with_client_here<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self
            .pool
            .lock()
            .map_err(|_| StoreError::Corrupt("postgres pool poisoned".into()))?
            .pop();
        let mut client = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => connect(&self.url)?,
        };
        let result = f(&mut client);
        if !client.is_closed()
            && let Ok(mut pool) = self.pool.lock()
            && pool.len() < PG_POOL_SIZE
        {
            pool.push(client);
        }
        result
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing a client blocks on its runtime: do it off any async runtime.
        let clients = std::mem::take(self.pool.get_mut().unwrap_or_else(|p| p.into_inner()));
        off_runtime(move || drop(clients));
    }
}

/// The head of the chain: the last stored event's position and hash (empty log: position 0).
pub(crate) fn load_head(conn: &mut impl GenericClient) -> Result<Head, StoreError> {
    let row = conn.query_opt(
        "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1",
        &[],
    )?;
    match row {
        None => Ok(Head::EMPTY),
        Some(r) => head_of(r.get(0), r.get(1)),
    }
}

/// A head from a stored position and hash.
pub(crate) fn head_of(position: i64, hash: Vec<u8>) -> Result<Head, StoreError> {
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("位置 {position} 的哈希长度不是 32 字节")))?;
    Ok(Head {
        position: to_u64(position)?,
        hash,
    })
}

/// The error of an operation only SQLite has, naming PostgreSQL's own tool.
pub(crate) fn not_supported(operation: &'static str, advice: &'static str) -> StoreError {
    StoreError::NotSupported {
        engine: "PostgreSQL",
        operation,
        advice,
    }
}
