//! Reading the log: streams as known at a position or instant, the whole log paged and
//! filtered, stream versions, the chain head and `verify`.

use crate::canonical::{CanonicalEvent, chain_hash};
use crate::error::StoreError;
use crate::model::{
    Head, KnownAt, MAX_READ_LIMIT, MAX_SCAN_ROWS, Page, ReadFilter, RecordedEvent, StreamId,
    VerifyReport, format_recorded_at, parse_recorded_at,
};
use crate::store::Store;
use crate::upcast;
use crate::writer::{to_i64, to_u64};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use uuid::Uuid;

/// The columns `decode_row` expects, in order.
pub(crate) const EVENT_COLUMNS: &str = "position, unit, fiscal_year, stream_version, event_id, event_type, \
     schema_version, business_date, payload, actor, request_id, recorded_at, hash";

/// Decodes one row of [`EVENT_COLUMNS`], upcasting the payload.
pub(crate) fn decode_row(row: &Row<'_>) -> Result<RecordedEvent, StoreError> {
    let position = to_u64(row.get(0)?)?;
    let corrupt = |what: &str| StoreError::Decode {
        position,
        message: what.to_string(),
    };
    let event_id = Uuid::from_slice(row.get_ref(4)?.as_blob().map_err(|_| corrupt("event_id"))?)
        .map_err(|_| corrupt("event_id"))?;
    let event_type: String = row.get(5)?;
    let schema_version: u32 = row.get(6)?;
    let business_date: String = row.get(7)?;
    let payload_text = row.get_ref(8)?.as_str().map_err(|_| corrupt("payload"))?;
    let event = upcast::decode_text(&event_type, schema_version, payload_text).map_err(|e| {
        StoreError::Decode {
            position,
            message: e.to_string(),
        }
    })?;
    let hash: [u8; 32] = row
        .get_ref(12)?
        .as_blob()
        .map_err(|_| corrupt("hash"))?
        .try_into()
        .map_err(|_| corrupt("hash"))?;
    Ok(RecordedEvent {
        position,
        stream: StreamId {
            unit: row.get(1)?,
            fiscal_year: row.get(2)?,
        },
        stream_version: to_u64(row.get(3)?)?,
        event_id,
        event_type,
        stored_schema_version: schema_version,
        business_date: business_date
            .parse()
            .map_err(|_| corrupt("business_date"))?,
        recorded_at: parse_recorded_at(
            row.get_ref(11)?
                .as_str()
                .map_err(|_| corrupt("recorded_at"))?,
        )?,
        actor: row.get(9)?,
        request_id: row.get(10)?,
        event,
        hash,
    })
}

fn known_at_clause(known: KnownAt, params: &mut Vec<Value>) -> Result<&'static str, StoreError> {
    Ok(match known {
        KnownAt::Now => "",
        KnownAt::Position(p) => {
            params.push(Value::Integer(to_i64(p)?));
            " AND position <= ?"
        }
        KnownAt::RecordedAt(t) => {
            params.push(Value::Text(format_recorded_at(t)));
            " AND recorded_at <= ?"
        }
    })
}

impl Store {
    /// Every event of a stream as the log held it at `known`: at most
    /// `StoreOptions::max_stream_read` (by default [`crate::model::MAX_STREAM_READ`], the domain's most
    /// events of one unit-year); a longer stream is refused whole, never cut short.
    pub fn read_stream(
        &self,
        stream: &StreamId,
        known: KnownAt,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let max = self.options().max_stream_read;
        let events = self.read_stream_page(stream, 0, max.saturating_add(1), known)?;
        if events.len() > max {
            return Err(StoreError::Limit {
                what: "一个年度事件流整段读取的事件数 (events per stream read)",
                max: max as u64,
            });
        }
        Ok(events)
    }

    /// Up to `limit` events of a stream with a stream version above `after_version`.
    pub fn read_stream_page(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
        known: KnownAt,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let limit = limit.min(self.options().max_stream_read.saturating_add(1));
        // Taken before the snapshot: a reset of the known versions after it voids the seed.
        let generation = self.known_versions().generation();
        let events = if let Some(pg) = self.pg() {
            pg.read_stream_page(stream, after_version, limit, known)?
        } else {
            self.read_stream_page_sqlite(stream, after_version, limit, known)?
        };
        if known == KnownAt::Now && events.len() < limit {
            // The page reached the end of the stream as committed at the read's snapshot. An
            // empty page says so only from version 0 (a caller may ask past the end).
            let end = match events.last() {
                Some(e) => Some(e.stream_version),
                None => (after_version == 0).then_some(0),
            };
            if let Some(version) = end {
                self.known_versions().seed(stream, version, generation);
            }
        }
        Ok(events)
    }

    fn read_stream_page_sqlite(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
        known: KnownAt,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.with_reader(|conn| {
            let mut p: Vec<Value> = vec![
                Value::Text(stream.unit.clone()),
                Value::Integer(i64::from(stream.fiscal_year)),
                Value::Integer(to_i64(after_version)?),
            ];
            let clause = known_at_clause(known, &mut p)?;
            // The limit is written into the SQL, not bound: SQLite builds an integer-valued
            // `LIMIT ?` into the plan and so recompiles the statement on every new binding
            // (8 % of the server's CPU in the HTTP W2 profile). `limit` is our own integer.
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE unit = ? AND fiscal_year = ? AND stream_version > ?{clause}
                 ORDER BY stream_version LIMIT {limit}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(p))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(decode_row(row)?);
            }
            Ok(out)
        })
    }

    /// A page of the whole log from `from_position` (inclusive), matching `filter`, at most
    /// `limit` (≤ [`MAX_READ_LIMIT`]) events. At most [`MAX_SCAN_ROWS`] rows are scanned per
    /// call; `next_position` says where to continue, `None` at the end of the log.
    pub fn read_all(
        &self,
        from_position: u64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, MAX_READ_LIMIT);
        let from = from_position.max(1);
        if let Some(pg) = self.pg() {
            return pg.read_all(from, limit, filter);
        }
        self.with_reader(|conn| {
            let scan_end = from.saturating_add(MAX_SCAN_ROWS as u64 - 1);
            let mut p: Vec<Value> = vec![
                Value::Integer(to_i64(from)?),
                Value::Integer(to_i64(scan_end)?),
            ];
            let mut sql =
                format!("SELECT {EVENT_COLUMNS} FROM events WHERE position >= ? AND position <= ?");
            if !filter.types.is_empty() {
                sql.push_str(" AND event_type IN (");
                for (i, t) in filter.types.iter().take(MAX_READ_LIMIT).enumerate() {
                    sql.push_str(if i == 0 { "?" } else { ", ?" });
                    p.push(Value::Text(t.clone()));
                }
                sql.push(')');
            }
            if let Some(d) = filter.from_date {
                sql.push_str(" AND business_date >= ?");
                p.push(Value::Text(d.to_string()));
            }
            if let Some(d) = filter.to_date {
                sql.push_str(" AND business_date <= ?");
                p.push(Value::Text(d.to_string()));
            }
            if let Some(s) = &filter.stream {
                sql.push_str(" AND unit = ? AND fiscal_year = ?");
                p.push(Value::Text(s.unit.clone()));
                p.push(Value::Integer(i64::from(s.fiscal_year)));
            }
            // Written in, not bound (see `read_stream_page`).
            sql.push_str(&format!(" ORDER BY position LIMIT {limit}"));
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(p))?;
            let mut events = Vec::new();
            while let Some(row) = rows.next()? {
                events.push(decode_row(row)?);
            }
            drop(rows);
            let head: i64 =
                conn.query_row("SELECT coalesce(max(position), 0) FROM events", [], |r| {
                    r.get(0)
                })?;
            let head = to_u64(head)?;
            let next = if events.len() == limit {
                events.last().map(|e| e.position + 1)
            } else {
                Some(scan_end + 1)
            };
            let next_position = next.filter(|n| *n <= head);
            Ok(Page {
                events,
                next_position,
            })
        })
    }

    /// Current version of a stream (0 when it has no event).
    pub fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.stream_version(stream);
        }
        self.with_reader(|conn| {
            // Versions are gapless from 1: the largest is the number of events.
            let v: Option<i64> = conn.query_row(
                "SELECT max(stream_version) FROM events WHERE unit = ?1 AND fiscal_year = ?2",
                params![stream.unit, stream.fiscal_year],
                |r| r.get(0),
            )?;
            to_u64(v.unwrap_or(0))
        })
    }

    /// Last position and its hash: exported reports print them as the state they were computed from.
    pub fn head(&self) -> Result<Head, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.head();
        }
        self.with_reader(crate::writer::load_head)
    }

    /// The head as the log held it at `known`: the last position at or before it and that
    /// event's hash (the empty head when none). An export computed as known at a past moment
    /// prints this head, so it equals the export made then. A position beyond the log is the
    /// current head.
    pub fn head_at(&self, known: KnownAt) -> Result<Head, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.head_at(known);
        }
        let mut p: Vec<Value> = Vec::new();
        let clause = known_at_clause(known, &mut p)?;
        self.with_reader(|conn| {
            let sql = format!(
                "SELECT position, hash FROM events WHERE 1 = 1{clause} ORDER BY position DESC LIMIT 1"
            );
            let row: Option<(i64, Vec<u8>)> = conn
                .query_row(&sql, params_from_iter(p), |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match row {
                None => Ok(Head::EMPTY),
                Some((position, h)) => {
                    let hash: [u8; 32] = h.try_into().map_err(|_| {
                        StoreError::Corrupt(format!("位置 {position} 的哈希长度不是 32 字节"))
                    })?;
                    Ok(Head {
                        position: to_u64(position)?,
                        hash,
                    })
                }
            }
        })
    }

    /// Last position folded into the read models (equals `head().position` once committed).
    pub fn read_model_checkpoint(&self) -> Result<u64, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.read_model_checkpoint();
        }
        self.with_read_models(crate::projection::checkpoint)
    }

    /// Walks the whole hash chain from position 1 and names the first position whose stored
    /// hash does not equal `SHA-256(previous hash ‖ canonical bytes)`, or that breaks the
    /// 1, 2, 3, … sequence. Streams the rows; does not decode payloads.
    ///
    /// A long log is checked by several threads at once (one per CPU, at most
    /// [`VERIFY_MAX_THREADS`], each with at least [`VERIFY_MIN_EVENTS_PER_THREAD`] events), each
    /// over its own range of positions: every event's check needs only its predecessor's
    /// *stored* hash, and when every event's check passes the whole chain does (by induction
    /// from position 1). The report is the one a single walk gives: the smallest broken
    /// position, the events before it, and the head up to it.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(VERIFY_MAX_THREADS);
        self.verify_with(threads, VERIFY_MIN_EVENTS_PER_THREAD)
    }

    /// [`Store::verify`] with at most `threads` threads of at least `min_per_thread` events
    /// each (exposed for tests, which split small logs).
    #[doc(hidden)]
    pub fn verify_with(
        &self,
        threads: usize,
        min_per_thread: u64,
    ) -> Result<VerifyReport, StoreError> {
        // PostgreSQL walks the chain once, on the server's snapshot.
        if let Some(pg) = self.pg() {
            return pg.verify();
        }
        let last: Option<i64> = self.with_reader(|conn| {
            Ok(conn.query_row("SELECT max(position) FROM events", [], |r| r.get(0))?)
        })?;
        let last = last.map_or(Ok(0), to_u64)?;
        let parts = (last / min_per_thread.max(1))
            .min(threads.max(1) as u64)
            .max(1);
        if parts == 1 {
            return self.with_reader(|conn| verify_range(conn, None, None));
        }
        // Part i covers positions (bounds[i], bounds[i + 1]]; the first has no lower bound and
        // the last no upper one, so rows outside 1..=last are met exactly as a single walk
        // meets them.
        let bounds: Vec<u64> = (0..=parts).map(|i| last * i / parts).collect();
        let results: Vec<Result<VerifyReport, StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..parts as usize)
                .map(|i| {
                    let after = (i > 0).then(|| bounds[i]);
                    let upto = (i + 1 < parts as usize).then(|| bounds[i + 1]);
                    scope.spawn(move || self.with_reader(|conn| verify_range(conn, after, upto)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(StoreError::Corrupt("verify thread panicked".into()))
                    })
                })
                .collect()
        });
        let reports = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        let first_broken = reports.iter().filter_map(|r| r.first_broken).min();
        match first_broken {
            None => Ok(VerifyReport {
                events_checked: reports.iter().map(|r| r.events_checked).sum(),
                head: reports.last().map(|r| r.head).unwrap_or(Head::EMPTY),
                first_broken: None,
            }),
            Some(broken) => {
                // Every position before `broken` checked out, so the walk's head is the
                // stored one just before it, as the part that reached it reports.
                let head = reports
                    .iter()
                    .filter(|r| r.first_broken == Some(broken))
                    .map(|r| r.head)
                    .max_by_key(|h| h.position)
                    .unwrap_or(Head::EMPTY);
                Ok(VerifyReport {
                    events_checked: head.position,
                    head,
                    first_broken: Some(broken),
                })
            }
        }
    }
}

/// Most threads [`Store::verify`] uses.
pub const VERIFY_MAX_THREADS: usize = 8;
/// Fewest events one thread of [`Store::verify`] checks (a shorter log is walked by one).
pub const VERIFY_MIN_EVENTS_PER_THREAD: u64 = 50_000;

/// Checks the chain over the positions after `after` (from the start when `None`) up to
/// `upto` (to the end when `None`), starting from the stored hash at `after`. With neither
/// bound this is the whole walk from position 1.
fn verify_range(
    conn: &rusqlite::Connection,
    after: Option<u64>,
    upto: Option<u64>,
) -> Result<VerifyReport, StoreError> {
    let mut head = Head::EMPTY;
    if let Some(after) = after {
        let stored: Option<Option<Vec<u8>>> = conn
            .query_row(
                "SELECT hash FROM events WHERE position = ?1",
                [to_i64(after)?],
                |r| Ok(r.get_ref(0)?.as_blob().ok().map(<[u8]>::to_vec)),
            )
            .optional()?;
        match stored.flatten().and_then(|h| <[u8; 32]>::try_from(h).ok()) {
            Some(hash) => {
                head = Head {
                    position: after,
                    hash,
                }
            }
            // The part before this one reports the missing or malformed event (with its
            // head); this part cannot check anything without it.
            None => {
                return Ok(VerifyReport {
                    events_checked: 0,
                    head,
                    first_broken: Some(after),
                });
            }
        }
    }
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 AND position <= ?2 ORDER BY position"
    );
    let mut stmt = conn.prepare(&sql)?;
    let low = match after {
        Some(a) => to_i64(a)?,
        None => i64::MIN,
    };
    let high = match upto {
        Some(u) => to_i64(u)?,
        None => i64::MAX,
    };
    let mut rows = stmt.query(params![low, high])?;
    let mut checked = 0u64;
    while let Some(row) = rows.next()? {
        let position = to_u64(row.get(0)?)?;
        let expected_position = head.position + 1;
        let text = |i: usize| row.get_ref(i).and_then(|v| v.as_str().map_err(Into::into));
        let recomputed = (|| -> rusqlite::Result<[u8; 32]> {
            Ok(chain_hash(
                &head.hash,
                &CanonicalEvent {
                    position,
                    unit: text(1)?,
                    fiscal_year: row.get(2)?,
                    stream_version: row.get::<_, i64>(3)? as u64,
                    event_id: row.get_ref(4)?.as_blob()?,
                    event_type: text(5)?,
                    schema_version: row.get(6)?,
                    business_date: text(7)?,
                    recorded_at: text(11)?,
                    actor: text(9)?,
                    request_id: text(10)?,
                    payload: row.get_ref(8)?.as_bytes()?,
                },
            ))
        })();
        let stored = row.get_ref(12)?.as_blob().ok();
        let intact = position == expected_position
            && matches!((&recomputed, stored), (Ok(h), Some(s)) if h.as_slice() == s);
        if !intact {
            return Ok(VerifyReport {
                events_checked: checked,
                head,
                first_broken: Some(expected_position.min(position)),
            });
        }
        checked += 1;
        head = Head {
            position,
            hash: recomputed.unwrap_or_default(),
        };
    }
    // A part that ends early is missing the events up to its upper bound.
    if let Some(upto) = upto
        && head.position < upto
    {
        return Ok(VerifyReport {
            events_checked: checked,
            head,
            first_broken: Some(head.position + 1),
        });
    }
    Ok(VerifyReport {
        events_checked: checked,
        head,
        first_broken: None,
    })
}

impl Store {
    /// The stored payload JSON text, byte for byte, of every event with a position in
    /// `from..=to` (at most [`MAX_READ_LIMIT`] rows), in position order. `events export` writes
    /// these so that an exported log re-hashes to exactly the same chain (a decoded and
    /// re-serialised payload may differ in formatting, e.g. "52.00" vs "52").
    pub fn stored_payloads(&self, from: u64, to: u64) -> Result<Vec<(u64, String)>, StoreError> {
        let to = to.min(from.saturating_add(MAX_READ_LIMIT as u64 - 1));
        if let Some(pg) = self.pg() {
            return pg.stored_payloads(from, to);
        }
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT position, payload FROM events WHERE position >= ?1 AND position <= ?2 ORDER BY position",
            )?;
            let rows = stmt.query_map(params![to_i64(from)?, to_i64(to)?], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (p, payload) = row?;
                out.push((to_u64(p)?, payload));
            }
            Ok(out)
        })
    }
}
