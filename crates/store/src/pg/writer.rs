//! The PostgreSQL writer thread: group commit under the `log_head` row lock.
//!
//! Like the SQLite writer it blocks for one request, drains what else is queued (at most
//! [`MAX_GROUP_REQUESTS`] requests or [`MAX_GROUP_EVENTS`] events) and commits them in one
//! transaction. Unlike it, it keeps no stream versions in memory: another process may have
//! appended since, so each group reads its streams' versions from the database — one query for
//! the whole group, *before* taking the head's row lock, so the lock covers no lookups — and
//! looks up no ids: its insert skips a stored id (`ON CONFLICT (event_id) DO NOTHING`) and
//! counts. A looked-up version can only be stale one way (another process took it in between),
//! and then the insert breaks the `(stream, version)` index. Whenever an id was skipped, a
//! version refused (perhaps a retry) or an index broken, nothing commits and the group runs
//! again with its ids and versions looked up under the lock. Under the lock a group costs
//! three round trips whatever its size: BEGIN with the lock; one statement that inserts its
//! events and moves the head (a data-modifying `WITH` clause over `unnest` arrays); COMMIT.
//! Statements are prepared once per connection. A group that fails under the lock too is run
//! again one request per transaction, so a failure is charged to its own request only.
//!
//! The read models are not folded under the lock: the writer wakes its **projector** thread
//! ([`project_loop`]) after each group, which folds everything beyond the read models'
//! checkpoint in a transaction of its own (`projection::refold_with`, holding the checkpoint's
//! row lock, so the projectors of several processes never fold an event twice), while the
//! writer commits the next group. A read of the read models folds what is left first
//! (`projection::catch_up`), so it reflects every event committed before it began.

use super::{connect, head_of, projection};
use crate::canonical::append_link;
use crate::error::{AppendError, StoreError};
use crate::model::{Appended, Head, StreamId, format_recorded_at};
use crate::options::PostgresUrl;
use crate::writer::{
    AppendRequest, Command, KnownVersions, MAX_GROUP_EVENTS, MAX_GROUP_REQUESTS, StoredContent,
    WriterStats, assert_gapless, assert_versions_continue, judge_idempotency, to_i64, to_u64,
};
use postgres::{Client, SimpleQueryMessage, Statement};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use uuid::Uuid;

/// The writer of one process.
pub(crate) struct PgWriter {
    url: PostgresUrl,
    /// The connection given at start, until the first group prepares its statements on it.
    fresh: Option<Client>,
    conn: Option<Conn>,
    stats: Arc<WriterStats>,
    /// The versions this process committed ([`crate::Store::last_seen_stream_version`]).
    known: Arc<KnownVersions>,
}

/// The projector: a thread with a connection of its own that folds the committed events into
/// the read models ([`projection::refold_with`] from the checkpoint), woken after each group;
/// wake-ups that arrive while it folds are merged, so under load one fold takes the events of
/// many groups. Appends never wait for it; a read of the read models that finds them behind
/// folds the rest itself first ([`projection::catch_up`]). A failed fold is retried at the
/// next wake-up on a new connection (the checkpoint commits with the rows, so nothing is
/// folded twice or skipped).
fn project_loop(url: &PostgresUrl, wake: &Receiver<()>) {
    let mut conn: Option<(Client, projection::FoldStatements)> = None;
    while wake.recv().is_ok() {
        while wake.try_recv().is_ok() {}
        let folded = (|| {
            if conn.as_ref().is_none_or(|(c, _)| c.is_closed()) {
                let mut client = connect(url)?;
                let st = projection::FoldStatements::prepare(&mut client)?;
                conn = Some((client, st));
            }
            let (client, st) = conn
                .as_mut()
                .ok_or_else(|| StoreError::Corrupt("no postgres connection".into()))?;
            let mut quiet: crate::writer::Progress = Box::new(|_, _| {});
            projection::refold_with(client, st, false, &mut quiet)
        })();
        if let Err(e) = folded {
            tracing::warn!(error = %e, "postgres projector fold failed; retried at the next append");
            conn = None;
        }
    }
}

/// The writer's connection and the statements prepared on it.
struct Conn {
    client: Client,
    st: Statements,
}

/// The statements of a group commit, prepared once per connection.
struct Statements {
    /// Stored events among a group's ids.
    find: Statement,
    /// The current version of each of a group's streams.
    versions: Statement,
    /// A group's events and the head: one statement.
    commit: Statement,
}

impl Conn {
    fn new(mut client: Client) -> Result<Self, StoreError> {
        let st = Statements {
            // A join with the unnested ids, not `event_id = ANY($1)`: the generic plan of the
            // latter (chosen after a few executions) scanned the table.
            find: client.prepare(&format!(
                "SELECT {STORED_COLUMNS} FROM unnest($1::bytea[]) AS k(id)
                 JOIN events ON events.event_id = k.id"
            ))?,
            // One index probe per stream (max of the unique index's last column).
            versions: client.prepare(
                "SELECT s.i, (SELECT coalesce(max(e.stream_version), 0) FROM events e
                     WHERE e.unit = s.unit COLLATE \"C\" AND e.fiscal_year = s.fiscal_year)
                 FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY AS s(unit, fiscal_year, i)",
            )?,
            commit: client.prepare(&format!(
                "WITH ev AS ({INSERT_EVENTS})
                 UPDATE log_head SET position = $14, hash = $15 WHERE id = 1
                 RETURNING (SELECT count(*) FROM ev)"
            ))?,
        };
        Ok(Conn { client, st })
    }
}

impl PgWriter {
    pub(crate) fn new(
        url: PostgresUrl,
        client: Client,
        stats: Arc<WriterStats>,
        known: Arc<KnownVersions>,
    ) -> Self {
        PgWriter {
            url,
            fresh: Some(client),
            conn: None,
            stats,
            known,
        }
    }

    /// The connection with its statements, reconnecting after a broken one.
    fn conn(&mut self) -> Result<&mut Conn, StoreError> {
        if self.conn.as_ref().is_none_or(|c| c.client.is_closed()) {
            self.conn = None;
            let client = match self.fresh.take() {
                Some(c) if !c.is_closed() => c,
                _ => connect(&self.url)?,
            };
            self.conn = Some(Conn::new(client)?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("no postgres connection".into()))
    }

    /// The writer loop; returns when every sender is gone, after answering every caller (and
    /// after the projector has folded what was committed).
    pub(crate) fn run(mut self, rx: Receiver<Command>) {
        let (project, projector_rx) = std::sync::mpsc::channel::<()>();
        let url = self.url.clone();
        let projector = std::thread::Builder::new()
            .name("jixiao-pg-projector".into())
            .spawn(move || project_loop(&url, &projector_rx));
        if let Err(e) = &projector {
            // Reads still catch the read models up themselves (`projection::catch_up`).
            tracing::error!(error = %e, "cannot start the postgres projector thread");
        }
        self.run_with(&rx, &project);
        drop(project);
        if let Ok(handle) = projector {
            let _ = handle.join();
        }
    }

    fn run_with(&mut self, rx: &Receiver<Command>, project: &Sender<()>) {
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
                // The projector folds after each group; nothing to do here.
                Command::Project => {}
                Command::Rebuild {
                    mut progress,
                    reply,
                } => {
                    let result = self
                        .conn()
                        .and_then(|c| projection::refold(&mut c.client, true, &mut progress));
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
                    // The projector folds what the group committed (one wake-up for many).
                    let _ = project.send(());
                }
            }
        }
    }

    /// Each request of a failed group in its own transaction, lookups under the lock.
    fn one_by_one(
        &mut self,
        group: &[AppendRequest],
        now: &str,
    ) -> Vec<Result<Appended, AppendError>> {
        group
            .iter()
            .map(|req| {
                match self
                    .conn()
                    .and_then(|c| try_group(c, std::slice::from_ref(req), now, Lookups::UnderLock))
                {
                    Ok(Some(mut one)) => one.pop().unwrap_or(Err(AppendError::EmptyBatch)),
                    // Its ids were looked up under the lock, so none was stored before: the
                    // request repeats one of its own ids.
                    Ok(None) => Err(repeated_id(req)),
                    Err(e) => Err(AppendError::Store(e)),
                }
            })
            .collect()
    }

    fn commit_group(&mut self, group: Vec<AppendRequest>) {
        let now = format_recorded_at(chrono::Utc::now());
        let results = match self
            .conn()
            .and_then(|c| try_group(c, &group, &now, Lookups::BeforeLock))
        {
            Ok(Some(results)) => results,
            failed => {
                // Rerun the whole group once with its lookups under the lock (nobody can
                // append in between), then, if that fails too, one request per transaction so
                // that a failure is charged to its own request.
                match failed {
                    Ok(_) => tracing::debug!(
                        "postgres group may hold a retry or a stale version; rerunning it under the lock"
                    ),
                    Err(StoreError::Postgres(pe))
                        if pe.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) =>
                    {
                        tracing::debug!(error = %pe, "postgres group raced another process; rerunning it under the lock");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "postgres group commit failed; rerunning it under the lock");
                    }
                }
                match self
                    .conn()
                    .and_then(|c| try_group(c, &group, &now, Lookups::UnderLock))
                {
                    Ok(Some(results)) => results,
                    again => {
                        if let Err(e) = &again {
                            tracing::warn!(error = %e, "postgres group failed under the lock; committing its requests one by one");
                        }
                        self.one_by_one(&group, &now)
                    }
                }
            }
        };
        self.stats.groups_committed.fetch_add(1, Ordering::Relaxed);
        self.stats
            .requests
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        for (req, result) in group.into_iter().zip(results) {
            match &result {
                Ok(a) => {
                    self.stats
                        .events_written
                        .fetch_add(a.positions.len() as u64, Ordering::Relaxed);
                    // Never lowers a version (a replay answers an older one).
                    let generation = self.known.generation();
                    self.known.seed(&req.stream, a.stream_version, generation);
                }
                // Another process moved the stream on: what this process saw is stale.
                Err(AppendError::WrongVersion { .. }) => self.known.forget(&req.stream),
                Err(_) => {}
            }
            // A caller that stopped waiting loses only the reply; a retry returns it.
            let _ = req.reply.send(result);
        }
    }
}

/// The answer to a request whose insert skipped an id no earlier transaction stored: it names
/// one id twice (the store refuses such a batch before it is queued; this is the last word).
fn repeated_id(req: &AppendRequest) -> AppendError {
    let mut seen = HashSet::new();
    match req.events.iter().find(|e| !seen.insert(e.event_id)) {
        Some(e) => AppendError::DuplicateInBatch {
            event_id: e.event_id,
        },
        None => AppendError::Store(StoreError::Corrupt(
            "an event id looked up as new under the lock was stored".into(),
        )),
    }
}

/// The insert of a group's events (parameters `$1`…`$13`, one array per column); an id
/// stored already is skipped, and the group's commit statement counts what was inserted.
const INSERT_EVENTS: &str = "INSERT INTO events (position, unit, fiscal_year, stream_version,
         event_id, event_type, schema_version, business_date, payload, actor, request_id,
         recorded_at, hash)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[], $5::bytea[],
         $6::text[], $7::integer[], $8::text[], $9::text[], $10::text[], $11::text[],
         $12::text[], $13::bytea[])
     ON CONFLICT (event_id) DO NOTHING
     RETURNING 1";

/// Columns of a stored event compared by the idempotency rule.
const STORED_COLUMNS: &str = "events.event_id, position, unit, fiscal_year, stream_version, \
     event_type, schema_version, payload";

/// When a group reads its streams' versions, and whether it looks up its ids.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lookups {
    /// Versions before the head's row lock, so the lock covers no lookups, and no ids (the
    /// insert skips and counts a stored one). Safe because a version can only be stale in one
    /// direction — taken by another process in between — and then the insert breaks the
    /// `events_stream_version` index; the group then reruns [`Lookups::UnderLock`].
    BeforeLock,
    /// Versions and ids after the lock: nobody can append in between (the rerun of a group).
    UnderLock,
}

/// The rows of a group's events, for the one multi-row insert.
#[derive(Default)]
struct EventRows<'a> {
    position: Vec<i64>,
    unit: Vec<&'a str>,
    fiscal_year: Vec<i32>,
    stream_version: Vec<i64>,
    event_id: Vec<&'a [u8]>,
    event_type: Vec<&'a str>,
    schema_version: Vec<i32>,
    business_date: Vec<String>,
    payload: Vec<&'a str>,
    actor: Vec<&'a str>,
    request_id: Vec<&'a str>,
    recorded_at: Vec<String>,
    hash: Vec<Vec<u8>>,
}

/// One transaction for a group: read which ids are stored and each stream's version (before
/// the lock unless `lookups` says otherwise), lock and read the head, decide every request,
/// insert its events and move the head with one statement, and commit. `Err` means nothing
/// was committed.
///
/// Round trips under the lock: BEGIN with the head's row lock, one statement for the events
/// and the head, COMMIT.
fn try_group(
    conn: &mut Conn,
    group: &[AppendRequest],
    now: &str,
    lookups: Lookups,
) -> Result<Option<Vec<Result<Appended, AppendError>>>, StoreError> {
    let Conn { client, st } = conn;
    if lookups == Lookups::BeforeLock {
        let found = lookup(client, st, group, false)?;
        let head_before = begin_locked(client)?;
        finish(client, st, group, now, head_before, found)
    } else {
        let head_before = begin_locked(client)?;
        match lookup(client, st, group, true) {
            Ok(found) => finish(client, st, group, now, head_before, found),
            Err(e) => Err(rollback(client, e)),
        }
    }
}

/// What a group's lookups found: stored events by id, and each stream's version.
struct Found {
    stored: HashMap<Uuid, StoredContent>,
    versions: HashMap<StreamId, u64>,
    /// Whether `stored` answers for every id of the group (else only the insert can tell).
    ids_checked: bool,
}

/// The group's streams' versions, and with `ids` which of its event ids are stored. Without
/// (before the lock) the insert finds them: an id stored already is skipped by the unique
/// index (`ON CONFLICT (event_id) DO NOTHING`), the group is rolled back and reruns with its
/// ids looked up under the lock — a cost only retries pay, as on SQLite.
fn lookup(
    client: &mut Client,
    st: &Statements,
    group: &[AppendRequest],
    ids: bool,
) -> Result<Found, StoreError> {
    let ids: Vec<&[u8]> = if ids {
        group
            .iter()
            .flat_map(|r| r.events.iter().map(|e| e.event_id.as_bytes().as_slice()))
            .collect()
    } else {
        Vec::new()
    };
    let mut stored: HashMap<Uuid, StoredContent> = HashMap::new();
    let found = if ids.is_empty() {
        Vec::new()
    } else {
        client.query(&st.find, &[&ids])?
    };
    for r in found {
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
    let mut streams: Vec<&StreamId> = group.iter().map(|r| &r.stream).collect();
    streams.sort();
    streams.dedup();
    let units: Vec<&str> = streams.iter().map(|s| s.unit.as_str()).collect();
    let years: Vec<i32> = streams.iter().map(|s| s.fiscal_year).collect();
    let mut versions = HashMap::with_capacity(streams.len());
    for r in client.query(&st.versions, &[&units, &years])? {
        let i = usize::try_from(r.get::<_, i64>(0) - 1)
            .map_err(|_| StoreError::Corrupt("unnest ordinality".into()))?;
        let stream = streams
            .get(i)
            .ok_or_else(|| StoreError::Corrupt("unnest ordinality".into()))?;
        versions.insert((*stream).clone(), to_u64(r.get(1))?);
    }
    Ok(Found {
        stored,
        versions,
        ids_checked: !ids.is_empty(),
    })
}

/// BEGIN and take the head's row lock in one round trip; the head it holds.
fn begin_locked(client: &mut Client) -> Result<Head, StoreError> {
    let messages = client.simple_query(
        "BEGIN; SELECT position, encode(hash, 'hex') FROM log_head WHERE id = 1 FOR UPDATE",
    );
    let row = messages.map_err(StoreError::from).and_then(|messages| {
        messages
            .into_iter()
            .find_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r),
                _ => None,
            })
            .ok_or_else(|| StoreError::Corrupt("log_head 没有行".into()))
    });
    let row = match row {
        Ok(r) => r,
        Err(e) => return Err(rollback(client, e)),
    };
    let parsed = (|| {
        let position: i64 = row
            .get(0)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| StoreError::Corrupt("log_head.position".into()))?;
        let hash = row
            .get(1)
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| StoreError::Corrupt("log_head.hash".into()))?;
        head_of(position, hash)
    })();
    parsed.map_err(|e| rollback(client, e))
}

/// Rolls the open transaction back (a broken connection is reconnected by the next group)
/// and returns `e`.
fn rollback(client: &mut Client, e: StoreError) -> StoreError {
    let _ = client.batch_execute("ROLLBACK");
    e
}

/// The rest of the transaction begun by [`begin_locked`]: decide, insert, commit.
fn finish(
    client: &mut Client,
    st: &Statements,
    group: &[AppendRequest],
    now: &str,
    head_before: Head,
    found: Found,
) -> Result<Option<Vec<Result<Appended, AppendError>>>, StoreError> {
    match decide_and_write(client, st, group, now, head_before, found) {
        Ok(Some((results, head))) => {
            assert_gapless(head_before.position, head.position, &results);
            Ok(Some(results))
        }
        Ok(None) => {
            client.batch_execute("ROLLBACK")?;
            Ok(None)
        }
        Err(e) => Err(rollback(client, e)),
    }
}

fn decide_and_write(
    client: &mut Client,
    st: &Statements,
    group: &[AppendRequest],
    now: &str,
    head_before: Head,
    mut found: Found,
) -> Result<Option<GroupDone>, StoreError> {
    let mut head = head_before;
    let mut results = Vec::with_capacity(group.len());
    let mut rows = EventRows::default();
    for req in group {
        // Each id answers once per request, as a lookup per event would: an id repeated
        // within one request is not a retry of itself.
        let mut seen: HashSet<Uuid> = HashSet::new();
        let judged = judge_idempotency(req, |ne| {
            Ok(if seen.insert(ne.event_id) {
                found.stored.get(&ne.event_id).cloned()
            } else {
                None
            })
        });
        match judged {
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
        let current = found.versions.get(&req.stream).copied().unwrap_or(0);
        if !req.expected.admits(current) && !found.ids_checked {
            // Perhaps a retry of a committed request, whose answer is its original result,
            // not a version conflict: rerun with the ids looked up.
            return Ok(None);
        }
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
            let recorded_at = ne
                .meta
                .recorded_at
                .map_or_else(|| now.to_string(), format_recorded_at);
            let business_date = ne.business_date.to_string();
            let hash = append_link(
                &head.hash,
                position,
                &req.stream,
                next_version,
                ne,
                &recorded_at,
                &business_date,
            );
            let schema_version =
                i32::try_from(ne.schema_version).map_err(|_| StoreError::Limit {
                    what: "schema_version",
                    max: i32::MAX as u64,
                })?;
            rows.position.push(to_i64(position)?);
            rows.unit.push(&req.stream.unit);
            rows.fiscal_year.push(req.stream.fiscal_year);
            rows.stream_version.push(to_i64(next_version)?);
            rows.event_id.push(ne.event_id.as_bytes().as_slice());
            rows.event_type.push(&ne.event_type);
            rows.schema_version.push(schema_version);
            rows.business_date.push(business_date);
            rows.payload.push(&ne.payload);
            rows.actor.push(&ne.meta.actor);
            rows.request_id.push(&ne.meta.request_id);
            rows.recorded_at.push(recorded_at);
            rows.hash.push(hash.to_vec());
            // A later request of the group with the same ids is a retry of this one.
            found.stored.insert(
                ne.event_id,
                StoredContent {
                    position,
                    unit: req.stream.unit.clone(),
                    fiscal_year: req.stream.fiscal_year,
                    stream_version: next_version,
                    event_type: ne.event_type.clone(),
                    schema_version: ne.schema_version,
                    payload: ne.payload.clone(),
                },
            );
            version = next_version;
            head = Head { position, hash };
            positions.push(position);
        }
        let appended = Appended {
            first_position: positions.first().copied().unwrap_or(head.position),
            last_position: head.position,
            stream_version: version,
            positions,
        };
        assert_versions_continue(&req.stream, current, req.events.len(), &appended);
        found.versions.insert(req.stream.clone(), version);
        results.push(Ok(appended));
    }
    if head.position == head_before.position {
        client.batch_execute("COMMIT")?;
        return Ok(Some((results, head)));
    }
    // The events and the head in one statement (the read models follow in the projector's
    // transactions, `projection::catch_up`), then COMMIT: three round trips under the lock.
    let inserted_rows: i64 = client
        .query_one(
            &st.commit,
            &[
                &rows.position,
                &rows.unit,
                &rows.fiscal_year,
                &rows.stream_version,
                &rows.event_id,
                &rows.event_type,
                &rows.schema_version,
                &rows.business_date,
                &rows.payload,
                &rows.actor,
                &rows.request_id,
                &rows.recorded_at,
                &rows.hash,
                &to_i64(head.position)?,
                &head.hash.as_slice(),
            ],
        )?
        .get(0);
    let inserted_rows = to_u64(inserted_rows)?;
    if inserted_rows != rows.position.len() as u64 {
        // An id of the group is stored: the caller rolls back and reruns it under the lock.
        return Ok(None);
    }
    client.batch_execute("COMMIT")?;
    Ok(Some((results, head)))
}

/// A decided and committed group: each request's answer, and the new head.
type GroupDone = (Vec<Result<Appended, AppendError>>, Head);
