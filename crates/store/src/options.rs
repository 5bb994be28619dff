//! Options of a store: where the database lives and how durable a commit is.

use rusqlite::Connection;
use std::path::PathBuf;
use std::time::Duration;

/// SQLite `synchronous` level of the write connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// fsync at every commit: an acknowledged append survives power loss. The default.
    #[default]
    Full,
    /// fsync at checkpoints only: an acknowledged append may be lost on power loss (not on a
    /// process crash). For benchmarks only.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Path of the SQLite database file (created when missing).
    pub path: PathBuf,
    /// Durability of commits.
    pub synchronous: Synchronous,
    /// How long a connection waits for a lock before failing.
    pub busy_timeout: Duration,
    /// WAL pages before SQLite checkpoints. Larger values let many small durable commits
    /// share one checkpoint, which measured about twice as fast for appends spread over many
    /// streams (see dependencies.md); the WAL file grows to about this many 4 KiB pages.
    pub wal_autocheckpoint_pages: u32,
    /// Append requests waiting for the writer before callers block (back-pressure).
    pub queue_capacity: usize,
    /// Idle read connections kept for reuse.
    pub reader_pool_size: usize,
    /// SQLite page cache of the write connection, in KiB. The writer touches index pages all
    /// over the log (event ids are random); with SQLite's 2 MiB default it spent most of its
    /// time re-reading and spilling pages.
    pub writer_cache_kib: u32,
    /// SQLite page cache of each read connection, in KiB.
    pub reader_cache_kib: u32,
    /// Most events `Store::read_stream` returns (a longer stream is refused with
    /// `StoreError::Limit`; page it with `read_stream_page`). At least the domain's
    /// `MAX_EVENTS_PER_YEAR` by default; lower only to test the edge.
    pub max_stream_read: usize,
}

/// Default wait for a lock.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Default WAL autocheckpoint, in pages (≈ 40 MiB of WAL).
pub const DEFAULT_WAL_AUTOCHECKPOINT_PAGES: u32 = 10_000;
/// Default bound of the writer queue.
pub const DEFAULT_QUEUE_CAPACITY: usize = 4096;
/// Default number of pooled readers: as many as concurrent requests commonly read at once, so
/// a burst does not open (and parse the schema on) a fresh connection per request.
pub const DEFAULT_READER_POOL_SIZE: usize = 64;
/// Default page cache of the writer (64 MiB).
pub const DEFAULT_WRITER_CACHE_KIB: u32 = 64 * 1024;
/// Default page cache of a reader (4 MiB; up to 64 readers).
pub const DEFAULT_READER_CACHE_KIB: u32 = 4 * 1024;

impl StoreOptions {
    /// Durable defaults for a database at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        StoreOptions {
            path: path.into(),
            synchronous: Synchronous::Full,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            wal_autocheckpoint_pages: DEFAULT_WAL_AUTOCHECKPOINT_PAGES,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            reader_pool_size: DEFAULT_READER_POOL_SIZE,
            writer_cache_kib: DEFAULT_WRITER_CACHE_KIB,
            reader_cache_kib: DEFAULT_READER_CACHE_KIB,
            max_stream_read: crate::model::MAX_STREAM_READ,
        }
    }

    /// Opens a connection with the store's pragmas (WAL, synchronous, busy timeout,
    /// autocheckpoint, foreign keys).
    pub(crate) fn open_connection(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(self.busy_timeout)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", self.synchronous.pragma())?;
        conn.pragma_update(None, "wal_autocheckpoint", self.wal_autocheckpoint_pages)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Savepoint sub-journals and sort scratch stay in memory instead of temp files.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", -i64::from(self.writer_cache_kib))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Opens a read-only (`query_only`) connection.
    pub(crate) fn open_reader(&self) -> rusqlite::Result<Connection> {
        let conn = self.open_connection()?;
        conn.pragma_update(None, "query_only", "ON")?;
        conn.pragma_update(None, "cache_size", -i64::from(self.reader_cache_kib))?;
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_year_the_domain_accepts_reads_whole_with_the_default_options() {
        let options = StoreOptions::new("unused.db");
        let max_year = jixiao_domain::aggregate::MAX_EVENTS_PER_YEAR;
        assert!(
            u64::try_from(options.max_stream_read).unwrap() >= max_year,
            "max_stream_read {} < MAX_EVENTS_PER_YEAR {max_year}",
            options.max_stream_read
        );
    }

    #[test]
    fn a_store_opened_with_defaults_commits_with_a_full_fsync_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let conn = StoreOptions::new(dir.path().join("jixiao.db"))
            .open_connection()
            .unwrap();
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        let journal: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "2 = FULL");
        assert_eq!(journal, "wal");
    }
}
