//! The PostgreSQL writer thread: group commit under the `log_head` row lock.
//!
//! Like the SQLite writer it blocks for one request, drains what else is queued (at most
//! [`MAX_GROUP_REQUESTS`] requests or [`MAX_GROUP_EVENTS`] events) and commits them in one
//! transaction. Unlike it, it keeps no stream versions in memory: another process may have
//! appended since, so every version is read in the transaction, after the head's row lock is
//! taken — then nobody else can append until COMMIT. A group whose transaction fails is run
//! again one request per transaction, so a failure is charged to its own request only.

use super::{connect, head_of, projection};
use crate::canonical::append_link;
use crate::error::{AppendError, StoreError};
use crate::model::{Appended, Head, StreamId, format_recorded_at};
use crate::options::PostgresUrl;
use crate::writer::{
    AppendRequest, Command, MAX_GROUP_EVENTS, MAX_GROUP_REQUESTS, StoredContent, WriterStats,
    assert_gapless, assert_versions_continue, judge_idempotency, to_i64, to_u64,
};
use postgres::Client;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};
use uuid::Uuid;

/// The writer of one process.
pub(crate) struct PgWriter {
    url: PostgresUrl,
    client: Option<Client>,
    stats: Arc<WriterStats>,
}

impl PgWriter {
    pub(crate) fn new(url: PostgresUrl, client: Client, stats: Arc<WriterStats>) -> Self {
        PgWriter {
            url,
            client: Some(client),
            stats,
        }
    }

    /// The connection, reconnecting after a broken one.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = None;
            self.client = Some(connect(&self.url)?);
        }
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("no postgres connection".into()))
    }

    /// The writer loop; returns when every sender is gone, after answering every caller.
    pub(crate) fn run(mut self, rx: Receiver<Command>) {
        let mut pending: Option<Command> = None;
        loop {
            let first = match pending.take() {
                Some(c) => c,
                None => match rx.recv() {
                    Ok(c) => c,
                    Err(_) => break,
                },
            };
            match first {
                // The read models commit with the events: there is never a backlog.
                Command::Project => {}
                Command::Rebuild {
                    mut progress,
                    reply,
                } => {
                    let result = self
                        .client()
                        .and_then(|c| projection::refold(c, true, &mut progress));
                    let _ = reply.send(result);
                }
                Command::Append {
                    stream,
                    expected,
                    events,
                    reply,
                } => {
                    let mut event_count = events.len();
                    let mut group = vec![AppendRequest {
                        stream,
                        expected,
                        events,
                        reply,
                    }];
                    while group.len() < MAX_GROUP_REQUESTS && event_count < MAX_GROUP_EVENTS {
                        match rx.try_recv() {
                            Ok(Command::Append {
                                stream,
                                expected,
                                events,
                                reply,
                            }) if event_count + events.len() <= MAX_GROUP_EVENTS => {
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
        let now = format_recorded_at(chrono::Utc::now());
        let results = match self.client().and_then(|c| try_group(c, &group, &now)) {
            Ok(results) => results,
            Err(e) => {
                tracing::warn!(error = %e, "postgres group commit failed; committing its requests one by one");
                group
                    .iter()
                    .map(|req| {
                        match self
                            .client()
                            .and_then(|c| try_group(c, std::slice::from_ref(req), &now))
                        {
                            Ok(mut one) => one.pop().unwrap_or(Err(AppendError::EmptyBatch)),
                            Err(e) => Err(AppendError::Store(e)),
                        }
                    })
                    .collect()
            }
        };
        self.stats.groups_committed.fetch_add(1, Ordering::Relaxed);
        self.stats
            .requests
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        for (req, result) in group.into_iter().zip(results) {
            if let Ok(a) = &result {
                self.stats
                    .events_written
                    .fetch_add(a.positions.len() as u64, Ordering::Relaxed);
            }
            // A caller that stopped waiting loses only the reply; a retry returns it.
            let _ = req.reply.send(result);
        }
    }
}

/// Columns of a stored event compared by the idempotency rule.
const STORED_COLUMNS: &str =
    "event_id, position, unit, fiscal_year, stream_version, event_type, schema_version, payload";

/// One transaction for a group: lock and read the head, decide and insert every request, fold
/// the read models, move checkpoint and head, commit. `Err` means nothing was committed.
fn try_group(
    client: &mut Client,
    group: &[AppendRequest],
    now: &str,
) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
    let mut tx = client.transaction()?;
    let row = tx.query_one(
        "SELECT position, hash FROM log_head WHERE id = 1 FOR UPDATE",
        &[],
    )?;
    let head_before = head_of(row.get(0), row.get(1))?;
    let mut head = head_before;
    let find = tx.prepare(&format!(
        "SELECT {STORED_COLUMNS} FROM events WHERE event_id = ANY($1)"
    ))?;
    let version_of = tx.prepare(
        "SELECT coalesce(max(stream_version), 0) FROM events WHERE unit = $1 AND fiscal_year = $2",
    )?;
    let insert = tx.prepare(
        "INSERT INTO events (position, unit, fiscal_year, stream_version, event_id, event_type,
            schema_version, business_date, payload, actor, request_id, recorded_at, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )?;
    let mut touched: HashMap<&StreamId, u64> = HashMap::new();
    let mut results = Vec::with_capacity(group.len());
    let mut inserted: Vec<(&StreamId, u64, &jixiao_domain::event::Event)> = Vec::new();
    for req in group {
        let ids: Vec<&[u8]> = req
            .events
            .iter()
            .map(|e| e.event_id.as_bytes().as_slice())
            .collect();
        let mut stored: HashMap<Uuid, StoredContent> = HashMap::new();
        for r in tx.query(&find, &[&ids])? {
            let id = Uuid::from_slice(r.get::<_, &[u8]>(0))
                .map_err(|_| StoreError::Corrupt("事件 id 不是 16 字节".into()))?;
            stored.insert(
                id,
                StoredContent {
                    position: to_u64(r.get(1))?,
                    unit: r.get(2),
                    fiscal_year: r.get(3),
                    stream_version: to_u64(r.get(4))?,
                    event_type: r.get(5),
                    schema_version: u32::try_from(r.get::<_, i32>(6)).unwrap_or(u32::MAX),
                    payload: r.get(7),
                },
            );
        }
        match judge_idempotency(req, |ne| Ok(stored.remove(&ne.event_id))) {
            Ok(Some(original)) => {
                results.push(Ok(original));
                continue;
            }
            Ok(None) => {}
            Err(AppendError::Store(e)) => return Err(e),
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        }
        let current = match touched.get(&req.stream) {
            Some(v) => *v,
            None => to_u64(
                tx.query_one(&version_of, &[&req.stream.unit, &req.stream.fiscal_year])?
                    .get(0),
            )?,
        };
        if !req.expected.admits(current) {
            results.push(Err(AppendError::WrongVersion {
                expected: req.expected,
                current,
            }));
            continue;
        }
        let mut version = current;
        let mut positions = Vec::with_capacity(req.events.len());
        for ne in &req.events {
            let position = head.position + 1;
            let next_version = version + 1;
            let recorded_at = ne.meta.recorded_at.map(format_recorded_at);
            let recorded_at = recorded_at.as_deref().unwrap_or(now);
            let business_date = ne.business_date.to_string();
            let hash = append_link(
                &head.hash,
                position,
                &req.stream,
                next_version,
                ne,
                recorded_at,
                &business_date,
            );
            let schema_version =
                i32::try_from(ne.schema_version).map_err(|_| StoreError::Limit {
                    what: "schema_version",
                    max: i32::MAX as u64,
                })?;
            tx.execute(
                &insert,
                &[
                    &to_i64(position)?,
                    &req.stream.unit,
                    &req.stream.fiscal_year,
                    &to_i64(next_version)?,
                    &ne.event_id.as_bytes().as_slice(),
                    &ne.event_type,
                    &schema_version,
                    &business_date,
                    &ne.payload,
                    &ne.meta.actor,
                    &ne.meta.request_id,
                    &recorded_at,
                    &hash.as_slice(),
                ],
            )?;
            version = next_version;
            head = Head { position, hash };
            positions.push(position);
            inserted.push((&req.stream, position, &ne.event));
        }
        let appended = Appended {
            first_position: positions.first().copied().unwrap_or(head.position),
            last_position: head.position,
            stream_version: version,
            positions,
        };
        assert_versions_continue(&req.stream, current, req.events.len(), &appended);
        touched.insert(&req.stream, version);
        results.push(Ok(appended));
    }
    if head.position != head_before.position {
        projection::fold_events(&mut tx, &inserted)?;
        projection::set_checkpoint(&mut tx, head.position)?;
        tx.execute(
            "UPDATE log_head SET position = $1, hash = $2 WHERE id = 1",
            &[&to_i64(head.position)?, &head.hash.as_slice()],
        )?;
    }
    tx.commit()?;
    assert_gapless(head_before.position, head.position, &results);
    Ok(results)
}
