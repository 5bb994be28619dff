//! Options of a store: which engine and where the database lives (a SQLite file, the default,
//! or a PostgreSQL server named by a `postgres://` URL) and how durable a commit is.

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

/// A PostgreSQL connection URL (`postgres://user:password@host:port/database`). Its `Debug`
/// and `Display` hide the password, so the URL can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    /// The URL as given (with its password): for connecting only, never for printing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `scheme://user:password@host…` → `scheme://user:***@host…`.
        let url = &self.0;
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url.as_str()));
        match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                write!(f, "{scheme}://{user}{hidden}@{host}")
            }
            None => f.write_str(url),
        }
    }
}

impl std::fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

/// Which database engine holds the log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Engine {
    /// The embedded SQLite file at [`StoreOptions::path`]. The default.
    #[default]
    Sqlite,
    /// A PostgreSQL server; several jixiao processes may share its database.
    Postgres(PostgresUrl),
}

impl Engine {
    /// The engine's name, for messages (`sqlite`, `postgres`).
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }
}

/// URL schemes that select PostgreSQL.
pub const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];
/// The prefix that names a SQLite file explicitly (`sqlite:jixiao.db`, `sqlite:///var/lib/…`).
pub const SQLITE_PREFIX: &str = "sqlite:";

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Path of the SQLite database file (created when missing). With
    /// [`Engine::Postgres`] it holds the URL without its password, for messages only.
    pub path: PathBuf,
    /// The engine: SQLite at `path` (default) or PostgreSQL.
    pub engine: Engine,
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
            engine: Engine::Sqlite,
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

    /// Options for a `database.url`: `postgres://…` or `postgresql://…` selects PostgreSQL;
    /// `sqlite:PATH` (also `sqlite://PATH`) or a plain file path selects SQLite.
    pub fn from_url(url: &str) -> Self {
        let url = url.trim();
        if POSTGRES_SCHEMES.iter().any(|s| url.starts_with(s)) {
            return Self::postgres(url);
        }
        let path = url.strip_prefix(SQLITE_PREFIX).map_or(url, |rest| {
            // `sqlite:///abs/path` and `sqlite://rel` both name a file.
            rest.strip_prefix("//").unwrap_or(rest)
        });
        Self::new(path)
    }

    /// Durable defaults for the PostgreSQL database at `url`.
    pub fn postgres(url: &str) -> Self {
        let url = PostgresUrl(url.to_string());
        let mut options = Self::new(url.to_string());
        options.engine = Engine::Postgres(url);
        options
    }

    /// Whether `text` names a PostgreSQL database (a `postgres://` or `postgresql://` URL).
    pub fn is_postgres_url(text: &str) -> bool {
        POSTGRES_SCHEMES.iter().any(|s| text.trim().starts_with(s))
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
    fn a_database_url_selects_the_engine_and_a_path_stays_sqlite() {
        assert_eq!(StoreOptions::from_url("./jixiao.db").engine, Engine::Sqlite);
        let file = StoreOptions::from_url("sqlite:///var/lib/jixiao/jixiao.db");
        assert_eq!(
            (file.engine, file.path),
            (Engine::Sqlite, PathBuf::from("/var/lib/jixiao/jixiao.db"))
        );
        assert_eq!(
            StoreOptions::from_url("sqlite:data.db").path,
            PathBuf::from("data.db")
        );
        let pg = StoreOptions::from_url("postgres://jx:s3cret@db.local:5432/jixiao");
        assert_eq!(pg.engine.name(), "postgres");
        assert!(StoreOptions::is_postgres_url("postgresql://db/jixiao"));
        assert!(!StoreOptions::is_postgres_url("/srv/postgres.db"));
    }

    #[test]
    fn a_postgres_url_never_prints_its_password() {
        let pg = StoreOptions::from_url("postgres://jx:s3cret@db.local:5432/jixiao");
        let shown = format!("{pg:?} {}", pg.path.display());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://jx:***@db.local:5432/jixiao"),
            "{shown}"
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
