//! The single writer: one thread owns the only write connection, assigns gapless positions,
//! chains hashes, folds read models, and commits appends in groups.
//!
//! Group commit: the writer blocks for one request, then drains whatever else is queued (at
//! most [`MAX_GROUP_REQUESTS`] requests or [`MAX_GROUP_EVENTS`] events), runs each request in
//! its own SAVEPOINT (so one failed expected-version check rolls back only that request),
//! COMMITs once — one fsync for the whole group — and only then replies to every caller.

use crate::canonical::{CanonicalEvent, chain_hash};
use crate::error::{AppendError, StoreError};
use crate::model::{Appended, ExpectedVersion, Head, NewEvent, StreamId, format_recorded_at};
use crate::projection;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};

/// Most append requests sharing one commit.
pub const MAX_GROUP_REQUESTS: usize = 512;
/// Most events sharing one commit (a request larger than the rest of the budget starts the
/// next group).
pub const MAX_GROUP_EVENTS: usize = 5000;

/// Progress callback of a rebuild: (events folded, events in the log).
pub type Progress = Box<dyn FnMut(u64, u64) + Send>;

/// Work for the writer thread.
pub(crate) enum Command {
    Append {
        stream: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        reply: SyncSender<Result<Appended, AppendError>>,
    },
    Rebuild {
        progress: Progress,
        reply: SyncSender<Result<u64, StoreError>>,
    },
}

struct AppendRequest {
    stream: StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
    reply: SyncSender<Result<Appended, AppendError>>,
}

/// Counters of the writer, readable while it runs (for metrics and the benchmark).
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed by group commit (one fsync each with `synchronous=FULL`).
    pub groups_committed: AtomicU64,
    /// Append requests answered (accepted or rejected).
    pub requests: AtomicU64,
    /// Events written.
    pub events_written: AtomicU64,
}

/// A copy of [`WriterStats`] at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStatsSnapshot {
    /// Transactions committed by group commit.
    pub groups_committed: u64,
    /// Append requests answered.
    pub requests: u64,
    /// Events written.
    pub events_written: u64,
}

impl WriterStats {
    /// The counters now.
    pub fn snapshot(&self) -> WriterStatsSnapshot {
        WriterStatsSnapshot {
            groups_committed: self.groups_committed.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            events_written: self.events_written.load(Ordering::Relaxed),
        }
    }
}

pub(crate) struct Writer {
    conn: Connection,
    head: Head,
    stats: Arc<WriterStats>,
}

/// Reads the head of the chain from the database.
pub(crate) fn load_head(conn: &Connection) -> Result<Head, StoreError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(Head {
            position: 0,
            hash: [0; 32],
        }),
        Some((p, h)) => {
            let hash: [u8; 32] = h
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("位置 {p} 的哈希长度不是 32 字节")))?;
            Ok(Head {
                position: to_u64(p)?,
                hash,
            })
        }
    }
}

pub(crate) fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("负数位置或版本 {v}")))
}

pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Limit {
        what: "position",
        max: i64::MAX as u64,
    })
}

impl Writer {
    pub(crate) fn new(conn: Connection, stats: Arc<WriterStats>) -> Result<Self, StoreError> {
        let head = load_head(&conn)?;
        Ok(Writer { conn, head, stats })
    }

    /// The writer loop; returns when every sender is gone.
    pub(crate) fn run(mut self, rx: Receiver<Command>) {
        let mut pending: Option<Command> = None;
        loop {
            let first = match pending.take() {
                Some(c) => c,
                None => match rx.recv() {
                    Ok(c) => c,
                    Err(_) => return,
                },
            };
            match first {
                Command::Rebuild {
                    mut progress,
                    reply,
                } => {
                    let result = projection::rebuild(&mut self.conn, &mut progress);
                    // The caller may have given up waiting; nothing to do then.
                    let _ = reply.send(result);
                }
                Command::Append {
                    stream,
                    expected,
                    events,
                    reply,
                } => {
                    let mut group = vec![AppendRequest {
                        stream,
                        expected,
                        events,
                        reply,
                    }];
                    let mut event_count = group[0].events.len();
                    while group.len() < MAX_GROUP_REQUESTS && event_count < MAX_GROUP_EVENTS {
                        match rx.try_recv() {
                            Ok(Command::Append {
                                stream,
                                expected,
                                events,
                                reply,
                            }) => {
                                if event_count + events.len() > MAX_GROUP_EVENTS {
                                    pending = Some(Command::Append {
                                        stream,
                                        expected,
                                        events,
                                        reply,
                                    });
                                    break;
                                }
                                event_count += events.len();
                                group.push(AppendRequest {
                                    stream,
                                    expected,
                                    events,
                                    reply,
                                });
                            }
                            Ok(other) => {
                                pending = Some(other);
                                break;
                            }
                            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                        }
                    }
                    self.commit_group(group);
                }
            }
        }
    }

    fn commit_group(&mut self, group: Vec<AppendRequest>) {
        let head_before = self.head;
        let now = format_recorded_at(chrono::Utc::now());
        let mut results: Vec<Result<Appended, AppendError>> = Vec::with_capacity(group.len());
        let outcome: Result<(), StoreError> = (|| {
            let mut tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            for req in &group {
                let saved = self.head;
                let sp = tx.savepoint()?;
                match apply_one(&sp, &mut self.head, req, &now) {
                    Ok(a) => {
                        sp.commit()?;
                        results.push(Ok(a));
                    }
                    Err(e) => {
                        // Dropping the savepoint rolls back this request only.
                        drop(sp);
                        self.head = saved;
                        results.push(Err(e));
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })();
        if outcome.is_ok() {
            self.stats.groups_committed.fetch_add(1, Ordering::Relaxed);
            self.stats
                .events_written
                .fetch_add(self.head.position - head_before.position, Ordering::Relaxed);
        }
        self.stats
            .requests
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        if let Err(e) = outcome {
            tracing::error!(error = %e, "group commit failed");
            let message = e.to_string();
            self.head = load_head(&self.conn).unwrap_or(head_before);
            results = group
                .iter()
                .map(|_| {
                    Err(AppendError::Store(StoreError::CommitFailed(
                        message.clone(),
                    )))
                })
                .collect();
        }
        for (req, result) in group.into_iter().zip(results) {
            // A caller that stopped waiting (dropped its receiver) loses only the reply; the
            // append is committed and a retry with the same ids returns it.
            let _ = req.reply.send(result);
        }
    }
}

/// Content of a stored event for the idempotency comparison.
struct StoredContent {
    position: u64,
    unit: String,
    fiscal_year: i32,
    stream_version: u64,
    event_type: String,
    schema_version: u32,
    payload: String,
}

fn find_stored(conn: &Connection, ne: &NewEvent) -> Result<Option<StoredContent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT position, unit, fiscal_year, stream_version, event_type, schema_version, payload
         FROM events WHERE event_id = ?1",
    )?;
    let row = stmt
        .query_row([ne.event_id.as_bytes().as_slice()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i32>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    match row {
        None => Ok(None),
        Some((p, unit, fiscal_year, v, event_type, schema_version, payload)) => {
            Ok(Some(StoredContent {
                position: to_u64(p)?,
                unit,
                fiscal_year,
                stream_version: to_u64(v)?,
                event_type,
                schema_version,
                payload,
            }))
        }
    }
}

/// Checks idempotency: `Ok(Some(original))` when every event of the batch was stored before
/// with identical content, `Ok(None)` when none was, a conflict otherwise.
fn check_idempotency(
    conn: &Connection,
    req: &AppendRequest,
) -> Result<Option<Appended>, AppendError> {
    let mut found: Vec<StoredContent> = Vec::new();
    let mut first_found_id = None;
    let mut any_new = false;
    for ne in &req.events {
        match find_stored(conn, ne)? {
            Some(s) => {
                let same = s.unit == req.stream.unit
                    && s.fiscal_year == req.stream.fiscal_year
                    && s.event_type == ne.event_type
                    && s.schema_version == ne.schema_version
                    && s.payload == ne.payload;
                if !same {
                    return Err(AppendError::IdempotencyConflict {
                        event_id: ne.event_id,
                    });
                }
                first_found_id.get_or_insert(ne.event_id);
                found.push(s);
            }
            None => any_new = true,
        }
    }
    let Some(stored_id) = first_found_id else {
        return Ok(None);
    };
    if any_new {
        // A batch that mixes stored and new ids is neither a retry nor a new batch.
        return Err(AppendError::IdempotencyConflict {
            event_id: stored_id,
        });
    }
    let positions: Vec<u64> = found.iter().map(|s| s.position).collect();
    Ok(Some(Appended {
        first_position: positions.iter().copied().min().unwrap_or(0),
        last_position: positions.iter().copied().max().unwrap_or(0),
        stream_version: found.iter().map(|s| s.stream_version).max().unwrap_or(0),
        positions,
    }))
}

fn apply_one(
    conn: &Connection,
    head: &mut Head,
    req: &AppendRequest,
    now: &str,
) -> Result<Appended, AppendError> {
    if let Some(original) = check_idempotency(conn, req)? {
        return Ok(original);
    }
    let current: u64 = {
        let mut stmt = conn
            .prepare_cached("SELECT version FROM streams WHERE unit = ?1 AND fiscal_year = ?2")?;
        let v: Option<i64> = stmt
            .query_row(params![req.stream.unit, req.stream.fiscal_year], |r| {
                r.get(0)
            })
            .optional()?;
        v.map(to_u64).transpose()?.unwrap_or(0)
    };
    if !req.expected.admits(current) {
        return Err(AppendError::WrongVersion {
            expected: req.expected,
            current,
        });
    }
    let mut positions = Vec::with_capacity(req.events.len());
    let mut version = current;
    {
        let mut insert = conn.prepare_cached(
            "INSERT INTO events (position, unit, fiscal_year, stream_version, event_id, event_type,
                schema_version, business_date, payload, actor, request_id, recorded_at, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for ne in &req.events {
            let position = head.position + 1;
            version += 1;
            let recorded_at = ne.meta.recorded_at.map(format_recorded_at);
            let recorded_at = recorded_at.as_deref().unwrap_or(now);
            // `NaiveDate`'s Display is ISO `YYYY-MM-DD` (and much cheaper than strftime).
            let business_date = ne.business_date.to_string();
            let hash = chain_hash(
                &head.hash,
                &CanonicalEvent {
                    position,
                    unit: &req.stream.unit,
                    fiscal_year: req.stream.fiscal_year,
                    stream_version: version,
                    event_id: ne.event_id.as_bytes(),
                    event_type: &ne.event_type,
                    schema_version: ne.schema_version,
                    business_date: &business_date,
                    recorded_at,
                    actor: &ne.meta.actor,
                    request_id: &ne.meta.request_id,
                    payload: ne.payload.as_bytes(),
                },
            );
            insert.execute(params![
                to_i64(position)?,
                req.stream.unit,
                req.stream.fiscal_year,
                to_i64(version)?,
                ne.event_id.as_bytes().as_slice(),
                ne.event_type,
                ne.schema_version,
                business_date,
                ne.payload,
                ne.meta.actor,
                ne.meta.request_id,
                recorded_at,
                hash.as_slice(),
            ])?;
            projection::fold(conn, &req.stream, position, &ne.event)?;
            head.position = position;
            head.hash = hash;
            positions.push(position);
        }
    }
    conn.prepare_cached(
        "INSERT INTO streams (unit, fiscal_year, version) VALUES (?1, ?2, ?3)
         ON CONFLICT (unit, fiscal_year) DO UPDATE SET version = excluded.version",
    )?
    .execute(params![
        req.stream.unit,
        req.stream.fiscal_year,
        to_i64(version)?
    ])?;
    projection::set_checkpoint(conn, head.position)?;
    Ok(Appended {
        first_position: positions.first().copied().unwrap_or(head.position),
        last_position: head.position,
        stream_version: version,
        positions,
    })
}
