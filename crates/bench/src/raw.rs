//! The raw SQLite baselines: the physical limit each workload is compared against.
//!
//! The same generated rows are inserted with one prepared `INSERT` into a table shaped like the
//! store's event table (same columns, same unique indexes), in WAL mode with the same
//! synchronous setting, so the ratio store/raw shows exactly what the store adds: JSON encoding,
//! hashing, idempotency and version checks, read-model maintenance, the writer thread. Rows are
//! prepared (JSON text, hash) BEFORE the clock starts: the raw figure is SQLite alone.
//! The raw scan reads the rows back in position order and decodes each payload with serde_json
//! into a domain `Event` (what any replay must at least do).

use crate::generate::GenEvent;
use jixiao_domain::event::Event;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The table the baselines write: the store's own first migration, so the raw table has exactly
/// the store's columns and unique indexes (event id; stream and version) and cannot drift.
const RAW_SCHEMA: &str = include_str!("../../../migrations/0001_events.sql");

/// How the raw connection commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `synchronous=FULL`: every commit is fsynced (durable; what an acknowledged append needs).
    Full,
    /// `synchronous=NORMAL`: WAL commits are not fsynced (not durable on power loss).
    Normal,
}

impl Sync {
    fn pragma(self) -> &'static str {
        match self {
            Sync::Full => "FULL",
            Sync::Normal => "NORMAL",
        }
    }
}

/// One row as stored, prepared ahead of timing.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub(crate) unit: String,
    pub(crate) stream_version: i64,
    pub(crate) event_id: [u8; 16],
    pub(crate) event_type: &'static str,
    pub(crate) schema_version: i64,
    pub(crate) business_date: String,
    pub(crate) payload: String,
    pub(crate) hash: [u8; 32],
}

impl RawRow {
    /// Bytes of the JSON payload.
    pub fn payload_len(&self) -> usize {
        self.payload.len()
    }
}

/// Turns generated events into stored rows chunk by chunk: stream versions counted per stream
/// and the hash chained across chunks (work the raw path does outside its timing).
#[derive(Debug, Default)]
pub struct RowPreparer {
    versions: HashMap<String, i64>,
    prev: [u8; 32],
}

impl RowPreparer {
    /// The rows of the next chunk of events.
    pub fn prepare(&mut self, events: &[GenEvent]) -> Vec<RawRow> {
        events
            .iter()
            .map(|g| {
                let v = self.versions.entry(g.unit.clone()).or_insert(0);
                *v += 1;
                let payload = g.event.payload().to_string();
                let mut h = Sha256::new();
                h.update(self.prev);
                h.update(payload.as_bytes());
                self.prev = h.finalize().into();
                RawRow {
                    unit: g.unit.clone(),
                    stream_version: *v,
                    event_id: *g.event_id.as_bytes(),
                    event_type: g.event.event_type(),
                    schema_version: i64::from(g.event.version()),
                    business_date: g.event.business_date().to_string(),
                    payload,
                    hash: self.prev,
                }
            })
            .collect()
    }
}

/// The rows of `events` (a single chunk).
pub fn prepare_rows(events: &[GenEvent]) -> Vec<RawRow> {
    RowPreparer::default().prepare(events)
}

/// Open (creating) the raw database at `path` with WAL, the given synchronous mode and WAL
/// autocheckpoint (pass the store's, so both sides run with the same pragmas).
pub fn open(
    path: &Path,
    sync: Sync,
    wal_autocheckpoint_pages: u32,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync.pragma())?;
    conn.pragma_update(None, "wal_autocheckpoint", wal_autocheckpoint_pages)?;
    // The migration creates its tables unconditionally: run it only on a fresh database.
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        conn.execute_batch(RAW_SCHEMA)?;
    }
    Ok(conn)
}

/// What a timed raw insert measured.
#[derive(Debug, Clone)]
pub struct InsertRun {
    /// Rows inserted.
    pub rows: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Per-transaction latency.
    pub commit_latencies: crate::stats::Latencies,
}

/// Insert `rows` with one prepared statement, `batch` rows per transaction (one commit, and with
/// [`Sync::Full`] one fsync, per batch).
pub fn insert(conn: &mut Connection, rows: &[RawRow], batch: usize) -> rusqlite::Result<InsertRun> {
    let batch = batch.max(1);
    let mut latencies = crate::stats::Latencies::new();
    let start = Instant::now();
    for chunk in rows.chunks(batch) {
        let t = Instant::now();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO events (unit, fiscal_year, stream_version, event_id, event_type, \
                 schema_version, business_date, payload, actor, request_id, recorded_at, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            for r in chunk {
                stmt.execute(params![
                    r.unit,
                    crate::generate::FISCAL_YEAR,
                    r.stream_version,
                    &r.event_id[..],
                    r.event_type,
                    r.schema_version,
                    r.business_date,
                    r.payload,
                    "bench",
                    "bench-request",
                    "2024-07-31T08:00:00Z",
                    &r.hash[..],
                ])?;
            }
        }
        tx.commit()?;
        latencies.record(t.elapsed());
    }
    Ok(InsertRun {
        rows: rows.len() as u64,
        elapsed: start.elapsed(),
        commit_latencies: latencies,
    })
}

/// What a timed raw scan measured.
#[derive(Debug, Clone, Copy)]
pub struct ScanRun {
    /// Rows read.
    pub rows: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Read every row in position order and decode its payload into a domain `Event`.
pub fn scan_decode(conn: &Connection) -> anyhow::Result<ScanRun> {
    let start = Instant::now();
    let mut stmt =
        conn.prepare("SELECT position, event_type, payload FROM events ORDER BY position")?;
    let mut rows = stmt.query([])?;
    let mut count = 0u64;
    let mut last = 0i64;
    while let Some(row) = rows.next()? {
        let position: i64 = row.get(0)?;
        let event_type: String = row.get(1)?;
        let payload: &str = row.get_ref(2)?.as_str()?;
        // The fastest decode into the domain type: straight from text, no `Value` in between.
        let event = decode_direct(&event_type, payload)?;
        // Keep the decode from being optimised away and check the order while at it.
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

/// Decode a stored payload into an `Event` straight from its text (the adjacently tagged
/// envelope is rebuilt as text, so serde reads the tag first and never buffers a `Value`).
pub fn decode_direct(event_type: &str, payload: &str) -> serde_json::Result<Event> {
    let mut envelope = String::with_capacity(payload.len() + event_type.len() + 20);
    envelope.push_str("{\"type\":\"");
    envelope.push_str(event_type);
    envelope.push_str("\",\"data\":");
    envelope.push_str(payload);
    envelope.push('}');
    serde_json::from_str(&envelope)
}

/// Time decoding stored payloads through `Event::from_payload` (text → `Value` → `Event`, the
/// domain's generic path) and straight from text ([`decode_direct`]).
pub fn time_decode(rows: &[RawRow]) -> anyhow::Result<(Duration, Duration)> {
    let start = Instant::now();
    for r in rows {
        let value: serde_json::Value = serde_json::from_str(&r.payload)?;
        std::hint::black_box(Event::from_payload(r.event_type, value)?);
    }
    let via_value = start.elapsed();
    let start = Instant::now();
    for r in rows {
        std::hint::black_box(decode_direct(r.event_type, &r.payload)?);
    }
    Ok((via_value, start.elapsed()))
}

/// Read every row in position order and chain SHA-256 over its payload: the floor of any
/// hash-chain verification (no decode).
pub fn scan_hash(conn: &Connection) -> rusqlite::Result<ScanRun> {
    let start = Instant::now();
    let mut stmt = conn.prepare("SELECT payload, hash FROM events ORDER BY position")?;
    let mut rows = stmt.query([])?;
    let mut count = 0u64;
    let mut prev = [0u8; 32];
    let mut mismatches = 0u64;
    while let Some(row) = rows.next()? {
        let payload = row.get_ref(0)?.as_bytes()?;
        let stored = row.get_ref(1)?.as_blob()?;
        let mut h = Sha256::new();
        h.update(prev);
        h.update(payload);
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

/// Time the JSON encoding of the events (one of the store's per-event costs).
pub fn time_json_encode(events: &[GenEvent]) -> Duration {
    let start = Instant::now();
    for g in events {
        std::hint::black_box(g.event.payload().to_string());
    }
    start.elapsed()
}

/// Time the store's encoder (`Event::payload_json`, the same bytes without the `Value` tree).
pub fn time_json_encode_direct(events: &[GenEvent]) -> Duration {
    let start = Instant::now();
    for g in events {
        std::hint::black_box(g.event.payload_json().ok());
    }
    start.elapsed()
}

/// Time SHA-256 over the rows' payloads (one of the store's per-event costs).
pub fn time_sha256(rows: &[RawRow]) -> Duration {
    let start = Instant::now();
    let mut prev = [0u8; 32];
    for r in rows {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(r.payload.as_bytes());
        prev = h.finalize().into();
    }
    std::hint::black_box(prev);
    start.elapsed()
}

/// The fsync latency of this machine's disk: `samples` small writes each followed by fsync.
pub fn time_fsync(dir: &Path, samples: usize) -> std::io::Result<crate::stats::Latencies> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let mut l = crate::stats::Latencies::new();
    for i in 0..samples {
        f.write_all(&(i as u64).to_le_bytes())?;
        let t = Instant::now();
        f.sync_data()?;
        l.record(t.elapsed());
    }
    drop(f);
    std::fs::remove_file(&path)?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::EventGen;

    #[test]
    fn a_raw_insert_stores_every_row_and_the_scans_read_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = EventGen::new(11, 5).unwrap();
        let events: Vec<_> = (0..250).map(|_| g.next_event()).collect();
        let rows = prepare_rows(&events);
        let mut conn = open(&dir.path().join("raw.db"), Sync::Normal, 1000).unwrap();
        let run = insert(&mut conn, &rows, 100).unwrap();
        assert_eq!(run.rows, 250);
        // 250 rows in batches of 100: three commits.
        assert_eq!(run.commit_latencies.summary().unwrap().count, 3);
        assert_eq!(scan_decode(&conn).unwrap().rows, 250);
        assert_eq!(scan_hash(&conn).unwrap().rows, 250);
    }

    #[test]
    fn chunked_preparation_continues_versions_and_the_chain() {
        let mut g = EventGen::new(9, 2).unwrap();
        let events: Vec<_> = (0..40).map(|_| g.next_event()).collect();
        let whole = prepare_rows(&events);
        let mut p = RowPreparer::default();
        let mut chunked = p.prepare(&events[..15]);
        chunked.extend(p.prepare(&events[15..]));
        let key = |r: &RawRow| (r.unit.clone(), r.stream_version, r.hash);
        assert_eq!(
            whole.iter().map(key).collect::<Vec<_>>(),
            chunked.iter().map(key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_raw_database_can_be_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raw.db");
        let mut g = EventGen::new(8, 2).unwrap();
        let rows = prepare_rows(&(0..10).map(|_| g.next_event()).collect::<Vec<_>>());
        insert(&mut open(&path, Sync::Normal, 1000).unwrap(), &rows, 10).unwrap();
        assert_eq!(
            scan_decode(&open(&path, Sync::Normal, 1000).unwrap())
                .unwrap()
                .rows,
            10
        );
    }

    #[test]
    fn the_direct_decode_equals_the_domain_decode() {
        let mut g = EventGen::new(12, 4).unwrap();
        for _ in 0..300 {
            let e = g.next_event().event;
            let payload = e.payload().to_string();
            assert_eq!(decode_direct(e.event_type(), &payload).unwrap(), e);
        }
    }

    #[test]
    fn stream_versions_count_per_stream_from_one() {
        let mut g = EventGen::new(2, 3).unwrap();
        let events: Vec<_> = (0..30).map(|_| g.next_event()).collect();
        let rows = prepare_rows(&events);
        for unit in ["U000000", "U000001", "U000002"] {
            let versions: Vec<i64> = rows
                .iter()
                .filter(|r| r.unit == unit)
                .map(|r| r.stream_version)
                .collect();
            assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_unique_indexes_reject_a_duplicate_event_id_as_the_store_would() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = EventGen::new(4, 1).unwrap();
        let events: Vec<_> = (0..2).map(|_| g.next_event()).collect();
        let mut rows = prepare_rows(&events);
        rows[1].event_id = rows[0].event_id;
        let mut conn = open(&dir.path().join("raw.db"), Sync::Normal, 1000).unwrap();
        assert!(insert(&mut conn, &rows, 10).is_err());
    }
}
