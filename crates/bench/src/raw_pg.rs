//! PostgreSQL for the benchmarks (issue 16, point 5): a fresh database per measured side,
//! created and dropped through the admin URL, and the raw PostgreSQL baselines, the physical
//! limit of that engine measured in the same run as the store.
//!
//! The raw table is the store's own first PostgreSQL migration (same columns, same unique
//! indexes, "C" collation), so it cannot drift from the store's. The rows are the ones
//! [`crate::raw`] prepares (JSON text, chained hash) before the clock starts; they are inserted
//! with one prepared multi-row `INSERT … SELECT FROM unnest(…)` per transaction of the given
//! size (the store's writer inserts a group the same way), with the database's `synchronous_commit` (on unless the run
//! is `--synchronous normal`, then off for the store and the raw side alike). Like
//! [`crate::raw`] for SQLite this module names the client and SQL: the bench is the one crate
//! besides the store that the tidy test lets measure the engine raw.

use crate::raw::{InsertRun, RawRow, ScanRun, Sync, decode_direct};
use anyhow::{Context, Result};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The raw table: the store's own first PostgreSQL migration.
const RAW_SCHEMA: &str = include_str!("../../../migrations/postgres/0001_events.sql");
/// Prefix of every database the bench creates (drop leftovers of a killed run with
/// `DROP DATABASE` on the names starting with it).
pub const DATABASE_PREFIX: &str = "jxbench_";

/// Databases created by this process so far (part of each new name).
static CREATED: AtomicU64 = AtomicU64::new(0);

/// A database of its own on the server of an admin URL, dropped (with every connection to
/// it) when this is dropped.
#[derive(Debug)]
pub struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    /// Creates `jxbench_<pid>_<n>` on the server of `admin_url` (whose user may create
    /// databases). With [`Sync::Normal`] the database's `synchronous_commit` is off, so every
    /// connection to it (store and raw) commits without waiting for the WAL flush.
    pub fn create(admin_url: &str, sync: Sync) -> Result<Self> {
        let name = format!(
            "{DATABASE_PREFIX}{}_{}",
            std::process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin =
            Client::connect(admin_url, NoTls).context("无法连接 PostgreSQL 管理库 (admin URL)")?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))?;
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
        let commit = match sync {
            Sync::Full => "on",
            Sync::Normal => "off",
        };
        admin.batch_execute(&format!(
            "ALTER DATABASE \"{name}\" SET synchronous_commit = {commit}"
        ))?;
        Ok(PgDatabase {
            admin_url: admin_url.to_string(),
            url: database_url(admin_url, &name),
            name,
        })
    }

    /// The database's URL (with the admin URL's password: never print it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes every dirty buffer of the server out (`CHECKPOINT`), so the next timed phase
    /// does not pay for the writes of the one before.
    pub fn checkpoint(&self) -> Result<()> {
        Client::connect(&self.url, NoTls)?.batch_execute("CHECKPOINT")?;
        Ok(())
    }

    /// Bytes the database takes on the server.
    pub fn size_bytes(&self) -> Result<i64> {
        let mut c = Client::connect(&self.url, NoTls)?;
        Ok(
            c.query_one("SELECT pg_database_size(current_database())", &[])?
                .get(0),
        )
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `admin_url` with its database name replaced by `name` (query string kept).
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (scheme, rest) = admin_url
        .split_once("://")
        .unwrap_or(("postgres", admin_url));
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

/// The server's version string (`PostgreSQL 15.x …`) and its `synchronous_commit`, `fsync`
/// and `wal_sync_method` settings, for the environment lines of a run.
pub fn server_settings(admin_url: &str) -> Result<String> {
    let mut c = Client::connect(admin_url, NoTls)?;
    let version: String = c.query_one("SELECT version()", &[])?.get(0);
    let mut out = version;
    for setting in [
        "synchronous_commit",
        "fsync",
        "wal_sync_method",
        "shared_buffers",
    ] {
        let v: String = c
            .query_one("SELECT current_setting($1)", &[&setting])?
            .get(0);
        out.push_str(&format!("; {setting}={v}"));
    }
    Ok(out)
}

/// A raw connection to a bench database holding the raw event table.
pub struct RawPg {
    client: Client,
    next_position: i64,
}

impl RawPg {
    /// Connects to `url` and creates the raw table when it is missing.
    pub fn open(url: &str) -> Result<Self> {
        let mut client = Client::connect(url, NoTls).context("无法连接 PostgreSQL")?;
        let exists: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'events')",
                &[],
            )?
            .get(0);
        if !exists {
            client.batch_execute(RAW_SCHEMA)?;
        }
        let last: i64 = client
            .query_one("SELECT coalesce(max(position), 0) FROM events", &[])?
            .get(0);
        Ok(RawPg {
            client,
            next_position: last + 1,
        })
    }

    /// Insert `rows`, `batch` rows per transaction, each transaction one prepared multi-row
    /// `INSERT … SELECT FROM unnest(…)` in autocommit: one round trip and (with
    /// `synchronous_commit=on`) one WAL flush per batch — the least an engine client can do.
    pub fn insert(&mut self, rows: &[RawRow], batch: usize) -> Result<InsertRun> {
        let batch = batch.max(1);
        let year = crate::generate::FISCAL_YEAR;
        let mut latencies = crate::stats::Latencies::new();
        let stmt = self.client.prepare(
            "INSERT INTO events (position, unit, fiscal_year, stream_version, event_id, \
             event_type, schema_version, business_date, payload, actor, request_id, \
             recorded_at, hash) SELECT * FROM unnest($1::bigint[], $2::text[], \
             $3::integer[], $4::bigint[], $5::bytea[], $6::text[], $7::integer[], $8::text[], \
             $9::text[], $10::text[], $11::text[], $12::text[], $13::bytea[])",
        )?;
        let start = Instant::now();
        for chunk in rows.chunks(batch) {
            let t = Instant::now();
            let n = chunk.len();
            let positions: Vec<i64> = (0..n as i64).map(|i| self.next_position + i).collect();
            let units: Vec<&str> = chunk.iter().map(|r| r.unit.as_str()).collect();
            let years = vec![year; n];
            let versions: Vec<i64> = chunk.iter().map(|r| r.stream_version).collect();
            let ids: Vec<&[u8]> = chunk.iter().map(|r| &r.event_id[..]).collect();
            let types: Vec<&str> = chunk.iter().map(|r| r.event_type).collect();
            let schema_versions = chunk
                .iter()
                .map(|r| i32::try_from(r.schema_version))
                .collect::<Result<Vec<i32>, _>>()?;
            let dates: Vec<&str> = chunk.iter().map(|r| r.business_date.as_str()).collect();
            let payloads: Vec<&str> = chunk.iter().map(|r| r.payload.as_str()).collect();
            let actors = vec!["bench"; n];
            let request_ids = vec!["bench-request"; n];
            let recorded = vec!["2024-07-31T08:00:00Z"; n];
            let hashes: Vec<&[u8]> = chunk.iter().map(|r| &r.hash[..]).collect();
            let params: [&(dyn ToSql + std::marker::Sync); 13] = [
                &positions,
                &units,
                &years,
                &versions,
                &ids,
                &types,
                &schema_versions,
                &dates,
                &payloads,
                &actors,
                &request_ids,
                &recorded,
                &hashes,
            ];
            self.client.execute(&stmt, &params)?;
            self.next_position += n as i64;
            latencies.record(t.elapsed());
        }
        Ok(InsertRun {
            rows: rows.len() as u64,
            elapsed: start.elapsed(),
            commit_latencies: latencies,
        })
    }

    /// Read every row in position order (one streamed query) and decode each payload into a
    /// domain `Event`.
    pub fn scan_decode(&mut self) -> Result<ScanRun> {
        let start = Instant::now();
        let mut rows = self.client.query_raw(
            "SELECT position, event_type, payload FROM events ORDER BY position",
            std::iter::empty::<i32>(),
        )?;
        let mut count = 0u64;
        let mut last = 0i64;
        while let Some(row) = rows.next()? {
            let position: i64 = row.get(0);
            let event_type: &str = row.get(1);
            let payload: &str = row.get(2);
            let event = decode_direct(event_type, payload)?;
            anyhow::ensure!(position > last, "positions out of order at {position}");
            std::hint::black_box(&event);
            last = position;
            count += 1;
        }
        Ok(ScanRun {
            rows: count,
            elapsed: start.elapsed(),
        })
    }

    /// Read every row in position order and chain SHA-256 over its payload (no decode).
    pub fn scan_hash(&mut self) -> Result<ScanRun> {
        let start = Instant::now();
        let mut rows = self.client.query_raw(
            "SELECT payload, hash FROM events ORDER BY position",
            std::iter::empty::<i32>(),
        )?;
        let mut count = 0u64;
        let mut prev = [0u8; 32];
        let mut mismatches = 0u64;
        while let Some(row) = rows.next()? {
            let payload: &str = row.get(0);
            let stored: &[u8] = row.get(1);
            let mut h = Sha256::new();
            h.update(prev);
            h.update(payload.as_bytes());
            prev = h.finalize().into();
            if stored != prev {
                mismatches += 1;
            }
            count += 1;
        }
        std::hint::black_box(mismatches);
        Ok(ScanRun {
            rows: count,
            elapsed: start.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::EventGen;
    use crate::raw::prepare_rows;

    #[test]
    fn a_database_url_keeps_the_authority_and_the_query() {
        assert_eq!(
            database_url(
                "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
                "x"
            ),
            "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(database_url("postgres://h", "y"), "postgres://h/y");
    }

    /// Runs only with `JIXIAO_TEST_POSTGRES_URL` (the store's PostgreSQL tests' variable).
    #[test]
    fn a_raw_insert_on_postgres_stores_every_row_and_the_scans_read_them_back() {
        let Ok(admin) = std::env::var("JIXIAO_TEST_POSTGRES_URL") else {
            return;
        };
        let db = PgDatabase::create(&admin, Sync::Normal).unwrap();
        let mut g = EventGen::new(11, 5).unwrap();
        let events: Vec<_> = (0..250).map(|_| g.next_event()).collect();
        let rows = prepare_rows(&events);
        let mut raw = RawPg::open(db.url()).unwrap();
        let run = raw.insert(&rows, 100).unwrap();
        assert_eq!(run.rows, 250);
        assert_eq!(run.commit_latencies.summary().unwrap().count, 3);
        assert_eq!(raw.scan_decode().unwrap().rows, 250);
        assert_eq!(raw.scan_hash().unwrap().rows, 250);
        // A duplicate event id is refused by the migration's unique index, as in the store.
        let mut dup = prepare_rows(&events[..1]);
        dup[0].stream_version = 1_000;
        assert!(raw.insert(&dup, 1).is_err());
        drop(raw);
        let name = db.name().to_string();
        drop(db);
        let mut c = Client::connect(&admin, NoTls).unwrap();
        let left: bool = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                &[&name],
            )
            .unwrap()
            .get(0);
        assert!(!left, "the bench database is dropped");
    }
}
