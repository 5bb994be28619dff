//! The single writer: one thread owns the only write connection, assigns gapless positions,
//! chains hashes, commits appends in groups, and folds the read models behind them.
//!
//! Group commit: the writer blocks for one request, then drains whatever else is queued (at
//! most [`MAX_GROUP_REQUESTS`] requests or [`MAX_GROUP_EVENTS`] events), decides every
//! request's expected version and idempotency, COMMITs once — one fsync for the whole group —
//! and only then hands the replies to the notifier thread, which wakes the callers while the
//! writer goes on with the next group.
//!
//! Read models (checkpointed catch-up): the events of committed groups wait in memory and are
//! folded in one transaction with their checkpoint once [`PROJECT_BATCH_EVENTS`] have
//! gathered, once the oldest has waited [`PROJECT_MAX_LAG`], when the queue is idle, or at
//! once when a reader asks ([`Command::Project`]). A fold of many events writes each read-model
//! page once instead of once per group. Queries over the read models first wait until the
//! checkpoint reaches the head committed when they started ([`Positions::wait_for`]), so a
//! caller always reads its own acknowledged appends.

use crate::canonical::append_link;
use crate::error::{AppendError, StoreError};
use crate::model::{Appended, ExpectedVersion, Head, NewEvent, StreamId, format_recorded_at};
use crate::projection;
use jixiao_domain::event::Event;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Most append requests sharing one commit.
pub const MAX_GROUP_REQUESTS: usize = 512;
/// Most events sharing one commit (a request larger than the rest of the budget starts the
/// next group).
pub const MAX_GROUP_EVENTS: usize = 5000;

/// Committed events folded into the read models in one transaction, at most: the fold runs
/// between append groups, so this bounds how long one fold holds appends back.
pub const PROJECT_BATCH_EVENTS: usize = 512;
/// Longest a committed event waits before the read models fold it, when nobody asks sooner.
pub const PROJECT_MAX_LAG: Duration = Duration::from_millis(50);
/// Groups of at most this many requests are answered by the writer itself, larger ones by the
/// notifier thread.
pub const INLINE_REPLIES: usize = 4;
/// Longest a query waits for the read models to reach the committed head.
pub const READ_MODEL_WAIT: Duration = Duration::from_secs(30);

/// Progress callback of a rebuild: (events folded, events in the log).
pub type Progress = Box<dyn FnMut(u64, u64) + Send>;

/// Replies of one group, sent by the notifier thread.
type Replies = Vec<(Reply, Result<Appended, AppendError>)>;

/// Where an append's result goes.
pub(crate) enum Reply {
    /// A caller blocked on [`crate::Store::append`].
    Channel(SyncSender<Result<Appended, AppendError>>),
    /// The callback of [`crate::Store::append_then`], run on the writer's or the notifier's
    /// thread (it must return quickly and must not call the store).
    Call(Box<dyn FnOnce(Result<Appended, AppendError>) + Send>),
}

impl Reply {
    /// Hands the result over; false when a blocked caller stopped waiting (it loses only the
    /// reply: the append is committed and a retry with the same ids returns it).
    pub(crate) fn send(self, result: Result<Appended, AppendError>) -> bool {
        match self {
            Reply::Channel(tx) => tx.send(result).is_ok(),
            Reply::Call(done) => {
                done(result);
                true
            }
        }
    }
}

/// How far the log is committed and how far the read models have folded it, shared by the
/// writer and the readers.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    /// Last position committed to the log (set before the group's callers are answered).
    committed: AtomicU64,
    /// Last position folded into the read models (their checkpoint, once committed).
    projected: Mutex<u64>,
    folded: Condvar,
}

impl Positions {
    pub(crate) fn new(committed: u64, projected: u64) -> Self {
        Positions {
            committed: AtomicU64::new(committed),
            projected: Mutex::new(projected),
            folded: Condvar::new(),
        }
    }

    /// The last committed position.
    pub(crate) fn committed(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    fn set_projected(&self, position: u64) {
        // Invariant: the read models fold only committed events. A checkpoint past the head
        // would let a query answer from rows the log does not hold: stop rather than serve it.
        let committed = self.committed();
        assert!(
            position <= committed,
            "read-model checkpoint {position} passed the committed head {committed}"
        );
        if let Ok(mut p) = self.projected.lock() {
            *p = (*p).max(position);
        }
        self.folded.notify_all();
    }

    /// Waits until the read models have folded `target`, calling `nudge` (ask the writer to
    /// fold now) first if they have not. Fails after [`READ_MODEL_WAIT`].
    pub(crate) fn wait_for(&self, target: u64, nudge: impl FnOnce()) -> Result<(), StoreError> {
        let poisoned = || StoreError::Corrupt("read-model progress lock poisoned".into());
        let mut projected = self.projected.lock().map_err(|_| poisoned())?;
        if *projected >= target {
            return Ok(());
        }
        nudge();
        let deadline = Instant::now() + READ_MODEL_WAIT;
        while *projected < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::ReadModelsBehind {
                    projected: *projected,
                    committed: target,
                });
            }
            projected = self
                .folded
                .wait_timeout(projected, left)
                .map_err(|_| poisoned())?
                .0;
        }
        Ok(())
    }
}

/// Shards of [`KnownVersions`] (a power of two): 64 clients touching different streams rarely
/// meet on one lock.
const KNOWN_VERSION_SHARDS: usize = 64;

/// The committed version of each stream this store has seen, readable without SQL: published
/// by the writer after every commit (before the callers are answered) and seeded by reads of a
/// stream's end. A cache of the application compares its year's version with it to know that
/// it is current without reading the log.
///
/// Safety of the shortcut: a version is published only once it is committed, the writer's
/// value replaces a smaller one, a read's value never lowers one, and a read that raced with a
/// reset (the writer forgetting its versions after a failed or fallback group) publishes
/// nothing — every reset bumps `generation`, and a read publishes only when the generation it
/// saw before its SQL snapshot is still current. An append by another *process* is not
/// published here; the store's expected-version check refuses a decision made without it
/// (the application then re-reads the log).
#[derive(Debug)]
pub(crate) struct KnownVersions {
    shards: Vec<Mutex<HashMap<StreamId, u64>>>,
    generation: AtomicU64,
    len: AtomicU64,
}

impl Default for KnownVersions {
    fn default() -> Self {
        KnownVersions {
            shards: (0..KNOWN_VERSION_SHARDS)
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
            generation: AtomicU64::new(0),
            len: AtomicU64::new(0),
        }
    }
}

impl KnownVersions {
    fn shard(&self, stream: &StreamId) -> std::sync::MutexGuard<'_, HashMap<StreamId, u64>> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(stream);
        let i = (hash as usize) & (KNOWN_VERSION_SHARDS - 1);
        // A shard holds plain values: a panic cannot leave one half-updated.
        self.shards[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The version last published for `stream`, if any.
    pub(crate) fn get(&self, stream: &StreamId) -> Option<u64> {
        self.shard(stream).get(stream).copied()
    }

    /// The current generation (taken by a read before its SQL snapshot).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The writer committed `stream` up to `version`.
    fn publish(&self, stream: &StreamId, version: u64) {
        let mut shard = self.shard(stream);
        if shard.insert(stream.clone(), version).is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A read saw `stream` end at `version` in a snapshot taken at `generation`.
    pub(crate) fn seed(&self, stream: &StreamId, version: u64, generation: u64) {
        if self.len.load(Ordering::Relaxed) >= MAX_CACHED_STREAMS as u64 {
            return;
        }
        let mut shard = self.shard(stream);
        // Checked under the shard's lock: a reset bumps the generation before it empties
        // this shard, so either the reset sees (and removes) this entry or this sees the bump.
        if self.generation() != generation {
            return;
        }
        match shard.get_mut(stream) {
            Some(v) => *v = (*v).max(version),
            None => {
                shard.insert(stream.clone(), version);
                self.len.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Forgets `stream`'s version (PostgreSQL: another process appended to it).
    pub(crate) fn forget(&self, stream: &StreamId) {
        if self.shard(stream).remove(stream).is_some() {
            self.len.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Forgets every version (the writer no longer vouches for them).
    fn reset(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        for shard in &self.shards {
            shard.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
        self.len.store(0, Ordering::Relaxed);
    }
}

/// Work for the writer thread.
pub(crate) enum Command {
    Append {
        stream: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        reply: Reply,
    },
    Rebuild {
        progress: Progress,
        reply: SyncSender<Result<u64, StoreError>>,
    },
    /// A reader waits for the read models: fold what is committed now.
    Project,
}

pub(crate) struct AppendRequest {
    pub(crate) stream: StreamId,
    pub(crate) expected: ExpectedVersion,
    pub(crate) events: Vec<NewEvent>,
    pub(crate) reply: Reply,
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
    /// Read-model folds committed (each with its checkpoint).
    pub projections: AtomicU64,
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
    /// Read-model folds committed.
    pub projections: u64,
}

impl WriterStats {
    /// The counters now.
    pub fn snapshot(&self) -> WriterStatsSnapshot {
        WriterStatsSnapshot {
            groups_committed: self.groups_committed.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            events_written: self.events_written.load(Ordering::Relaxed),
            projections: self.projections.load(Ordering::Relaxed),
        }
    }
}

pub(crate) struct Writer {
    conn: Connection,
    head: Head,
    stats: Arc<WriterStats>,
    /// Committed version of every stream the writer has touched. The writer is the only
    /// writer, so it can check expected versions here without asking SQLite; cleared whenever
    /// a commit fails or the savepoint path ran.
    versions: HashMap<StreamId, u64>,
    /// Committed events not yet folded into the read models, in log order (consecutive
    /// positions right after the read models' checkpoint).
    backlog: Vec<(StreamId, u64, Event)>,
    /// When the oldest event of `backlog` was committed.
    backlog_since: Option<Instant>,
    positions: Arc<Positions>,
    /// Stream versions published for the application's caches.
    known: Arc<KnownVersions>,
    /// The thread answering callers; `None` if it could not be started (the writer answers).
    notifier: Option<(Sender<Replies>, JoinHandle<()>)>,
}

/// Most stream versions the writer keeps in memory (the cache is emptied beyond this; a miss
/// costs one primary-key lookup).
pub const MAX_CACHED_STREAMS: usize = 1_000_000;

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
        None => Ok(Head::EMPTY),
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
    pub(crate) fn new(
        conn: Connection,
        stats: Arc<WriterStats>,
        positions: Arc<Positions>,
        known: Arc<KnownVersions>,
    ) -> Result<Self, StoreError> {
        let head = load_head(&conn)?;
        let (tx, rx) = std::sync::mpsc::channel::<Replies>();
        let notifier = std::thread::Builder::new()
            .name("jixiao-store-notify".to_string())
            .spawn(move || {
                // Ends when the writer drops its sender, after the last replies.
                while let Ok(replies) = rx.recv() {
                    for (reply, result) in replies {
                        // A caller that stopped waiting loses only the reply; the append is
                        // committed and a retry with the same ids returns it.
                        let _ = reply.send(result);
                    }
                }
            })
            .map_err(|e| tracing::warn!(error = %e, "no notifier thread; the writer answers"))
            .ok()
            .map(|handle| (tx, handle));
        Ok(Writer {
            conn,
            head,
            stats,
            versions: HashMap::new(),
            backlog: Vec::new(),
            backlog_since: None,
            positions,
            known,
            notifier,
        })
    }

    /// How long the writer may wait for a request before the backlog is due.
    fn lag_left(&self) -> Option<Duration> {
        self.backlog_since
            .map(|since| PROJECT_MAX_LAG.saturating_sub(since.elapsed()))
    }

    /// Whether the backlog should be folded now.
    fn backlog_due(&self) -> bool {
        self.backlog.len() >= PROJECT_BATCH_EVENTS
            || self
                .backlog_since
                .is_some_and(|since| since.elapsed() >= PROJECT_MAX_LAG)
    }

    /// Folds the backlog into the read models with their checkpoint (one transaction, committed
    /// without fsync: `projection::without_fsync`). If that fails, the read models are caught
    /// up from the log instead (from their committed checkpoint, so nothing is folded twice);
    /// if that fails too, the backlog stays and the next attempt retries.
    fn project(&mut self) {
        let Some(last) = self.backlog.last().map(|e| e.1) else {
            return;
        };
        assert!(
            last <= self.head.position,
            "read-model fold up to {last} past the log head {}",
            self.head.position
        );
        let backlog = &self.backlog;
        let fold =
            projection::without_fsync(&mut self.conn, |conn| projection::fold_batch(conn, backlog));
        let folded = match fold {
            Ok(()) => Ok(last),
            Err(e) => {
                tracing::warn!(error = %e, "read-model fold failed; catching up from the log");
                let mut quiet: Progress = Box::new(|_, _| {});
                projection::catch_up(&mut self.conn, &mut quiet)
                    .and_then(|_| projection::checkpoint(&self.conn))
            }
        };
        match folded {
            Ok(position) => {
                self.backlog.clear();
                self.backlog_since = None;
                self.stats.projections.fetch_add(1, Ordering::Relaxed);
                self.positions.set_projected(position);
            }
            Err(e) => tracing::error!(error = %e, "read models could not fold the log"),
        }
    }

    /// Sends a group's replies through the notifier (or directly without one). A small group
    /// is answered here: waking a few callers costs less than the hop through another thread
    /// (one client appending alone, W1, waits for that hop on every append).
    fn answer(&self, replies: Replies) {
        let replies = match &self.notifier {
            Some((tx, _)) if replies.len() > INLINE_REPLIES => match tx.send(replies) {
                Ok(()) => return,
                Err(std::sync::mpsc::SendError(replies)) => replies,
            },
            _ => replies,
        };
        for (reply, result) in replies {
            let _ = reply.send(result);
        }
    }

    /// The writer loop; returns when every sender is gone, after folding what is left and
    /// answering every caller.
    pub(crate) fn run(mut self, rx: Receiver<Command>) {
        let mut pending: Option<Command> = None;
        loop {
            let first = match pending.take() {
                Some(c) => c,
                None => match self.lag_left() {
                    None => match rx.recv() {
                        Ok(c) => c,
                        Err(_) => break,
                    },
                    // Idle with a backlog: fold it when it is due, unless work comes first.
                    Some(left) => match rx.recv_timeout(left) {
                        Ok(c) => c,
                        Err(RecvTimeoutError::Timeout) => {
                            self.project();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    },
                },
            };
            match first {
                Command::Project => self.project(),
                Command::Rebuild {
                    mut progress,
                    reply,
                } => {
                    // The refold covers everything committed, the backlog included.
                    let result = projection::rebuild(&mut self.conn, &mut progress);
                    if result.is_ok() {
                        self.backlog.clear();
                        self.backlog_since = None;
                    }
                    if let Ok(position) = projection::checkpoint(&self.conn) {
                        self.positions.set_projected(position);
                    }
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
                    if self.backlog_due() {
                        self.project();
                    }
                }
            }
        }
        // A clean stop leaves the read models at the head (an unclean one catches up at the
        // next open).
        self.project();
        if let Some((tx, handle)) = self.notifier.take() {
            drop(tx);
            if handle.join().is_err() {
                tracing::error!("notifier thread panicked");
            }
        }
    }

    fn commit_group(&mut self, group: Vec<AppendRequest>) {
        let head_before = self.head;
        let now = format_recorded_at(chrono::Utc::now());
        let fast = try_fast_group(
            &mut self.conn,
            &mut self.head,
            &mut self.versions,
            &self.known,
            &group,
            &now,
        );
        let outcome: Result<Vec<Result<Appended, AppendError>>, StoreError> = match fast {
            Ok(Some(results)) => Ok(results),
            other => {
                // The fast path rolled back (SQLite failed, or a batch mixed new and stored
                // ids): run the group again with one savepoint per request, so a failure is
                // charged to its own request only.
                if let Err(e) = other {
                    tracing::warn!(error = %e, "group commit falls back to per-request savepoints");
                }
                self.head = head_before;
                self.versions.clear();
                self.known.reset();
                let safe = commit_group_safe(&mut self.conn, &mut self.head, &group, &now);
                // The safe path reads versions from the database; cache them afresh later.
                self.versions.clear();
                safe
            }
        };
        let results = match outcome {
            Ok(results) => {
                assert_gapless(head_before.position, self.head.position, &results);
                self.stats.groups_committed.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .events_written
                    .fetch_add(self.head.position - head_before.position, Ordering::Relaxed);
                results
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed");
                let fault = e.storage_fault();
                let message = e.to_string();
                self.head = load_head(&self.conn).unwrap_or(head_before);
                self.versions.clear();
                self.known.reset();
                // A disk fault (full, read-only, I/O) is named as such, so that a client gets
                // "retry later" rather than an internal error; the writer stays up and the
                // next group tries the disk again.
                let error = |message: String| match fault {
                    Some(fault) => StoreError::StorageUnavailable { fault, message },
                    None => StoreError::CommitFailed(message),
                };
                group
                    .iter()
                    .map(|_| Err(AppendError::Store(error(message.clone()))))
                    .collect()
            }
        };
        self.stats
            .requests
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        // Published before anyone is answered: a caller's next query waits for the read
        // models to fold at least its own events.
        self.positions
            .committed
            .store(self.head.position, Ordering::Release);
        let mut replies: Replies = Vec::with_capacity(group.len());
        // Events written by this group wait for the read models; a replayed retry answers with
        // older positions, written before the group or by an earlier request of it.
        let mut written_up_to = head_before.position;
        for (req, result) in group.into_iter().zip(results) {
            if let Ok(appended) = &result
                && appended.first_position > written_up_to
            {
                written_up_to = appended.last_position;
                if self.backlog.is_empty() {
                    self.backlog_since = Some(Instant::now());
                }
                // Committed: the caches of the application may trust this version from now
                // on (published before the caller is answered).
                self.known.publish(&req.stream, appended.stream_version);
                for (ne, position) in req.events.into_iter().zip(&appended.positions) {
                    self.backlog.push((req.stream.clone(), *position, ne.event));
                }
            }
            replies.push((req.reply, result));
        }
        self.answer(replies);
    }
}

/// Invariant of the log, checked after every committed group: the batches it wrote are
/// contiguous runs that start at the old head + 1 and end exactly at the new head, in request
/// order — no gap, no overlap. A replayed retry answers with the positions of its original,
/// written before the group or earlier in it: entirely below the next position. A broken invariant stops the writer before anyone is answered
/// (the transaction is committed; the next open recovers from the log and `verify` sees it).
pub(crate) fn assert_gapless(
    head_before: u64,
    head_after: u64,
    results: &[Result<Appended, AppendError>],
) {
    let mut next = head_before + 1;
    for appended in results.iter().flatten() {
        if appended.first_position < next {
            assert!(
                appended.last_position < next,
                "a replayed batch ends at {}, past the positions written ({})",
                appended.last_position,
                next - 1
            );
            continue;
        }
        assert_eq!(
            appended.first_position, next,
            "a committed batch starts at position {} instead of {next}",
            appended.first_position
        );
        assert!(
            appended
                .positions
                .iter()
                .zip(next..)
                .all(|(p, expected)| *p == expected),
            "a committed batch has a gap in its positions {:?}",
            appended.positions
        );
        next += appended.positions.len() as u64;
        assert_eq!(
            appended.last_position,
            next - 1,
            "a committed batch ends at {} instead of {}",
            appended.last_position,
            next - 1
        );
    }
    assert_eq!(
        next - 1,
        head_after,
        "the group's batches end at {} but the head is {head_after}",
        next - 1
    );
}

/// Invariant of a stream: a batch appended after version `current` takes the next versions,
/// one per event.
pub(crate) fn assert_versions_continue(
    stream: &StreamId,
    current: u64,
    events: usize,
    appended: &Appended,
) {
    assert_eq!(
        appended.stream_version,
        current + events as u64,
        "stream {}/{} jumped from version {current} to {} with {events} events",
        stream.unit,
        stream.fiscal_year,
        appended.stream_version
    );
}

/// The committed version of `stream`: from the writer's cache, else from `streams`.
fn cached_version(
    conn: &Connection,
    versions: &HashMap<StreamId, u64>,
    stream: &StreamId,
) -> Result<u64, StoreError> {
    if let Some(v) = versions.get(stream) {
        return Ok(*v);
    }
    stream_version_in_db(conn, stream)
}

fn stream_version_in_db(conn: &Connection, stream: &StreamId) -> Result<u64, StoreError> {
    // One seek at the end of the stream's range of the (unit, fiscal_year, stream_version)
    // unique index; versions are gapless from 1, so the largest is the number of events.
    let mut stmt = conn.prepare_cached(
        "SELECT max(stream_version) FROM events WHERE unit = ?1 AND fiscal_year = ?2",
    )?;
    let v: Option<i64> = stmt.query_row(params![stream.unit, stream.fiscal_year], |r| r.get(0))?;
    Ok(v.map(to_u64).transpose()?.unwrap_or(0))
}

/// The fast group commit. Every check that can reject a request (expected version from the
/// writer's in-memory versions, idempotency) is decided before the request writes anything,
/// so no savepoint is needed; the idempotency lookup runs only when the unique index on
/// `event_id` refuses the insert. The read models fold the group later (see the module doc).
///
/// `Ok(None)` (or an error) means the transaction was rolled back and nothing was committed:
/// the caller reruns the group on the savepoint path.
fn try_fast_group(
    conn: &mut Connection,
    head: &mut Head,
    versions: &mut HashMap<StreamId, u64>,
    known: &KnownVersions,
    group: &[AppendRequest],
    now: &str,
) -> Result<Option<Vec<Result<Appended, AppendError>>>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Versions reached in this group, applied to the cache only after COMMIT.
    let mut touched: HashMap<&StreamId, u64> = HashMap::new();
    let mut results = Vec::with_capacity(group.len());
    for req in group {
        let current = match touched.get(&req.stream) {
            Some(v) => *v,
            None => cached_version(&tx, versions, &req.stream)?,
        };
        if !req.expected.admits(current) {
            // A retry of a committed batch gets its original result even though the stream
            // has moved on; otherwise the version is wrong. Nothing was written.
            results.push(match check_idempotency(&tx, req) {
                Ok(Some(original)) => Ok(original),
                Ok(None) => Err(AppendError::WrongVersion {
                    expected: req.expected,
                    current,
                }),
                Err(AppendError::Store(e)) => return Err(e),
                Err(e) => Err(e),
            });
            continue;
        }
        match insert_events(&tx, head, req, current, now)? {
            Inserted::All(appended) => {
                assert_versions_continue(&req.stream, current, req.events.len(), &appended);
                touched.insert(&req.stream, appended.stream_version);
                results.push(Ok(appended));
            }
            Inserted::FirstStored => match check_idempotency(&tx, req) {
                Ok(Some(original)) => results.push(Ok(original)),
                Err(AppendError::Store(e)) => return Err(e),
                Err(e) => results.push(Err(e)),
                // The index refused an id the lookup cannot find: let the savepoint path
                // sort it out.
                Ok(None) => return Ok(None),
            },
            // New events were inserted before a stored id: only a rollback undoes them.
            Inserted::StoredAfterNew => return Ok(None),
        }
    }
    tx.commit()?;
    if versions.len() + touched.len() > MAX_CACHED_STREAMS {
        versions.clear();
        known.reset();
    }
    for (stream, version) in touched {
        versions.insert(stream.clone(), version);
    }
    Ok(Some(results))
}

/// The reference group commit: one SAVEPOINT per request, so a request failing in SQLite is
/// rolled back alone while the others commit.
fn commit_group_safe(
    conn: &mut Connection,
    head: &mut Head,
    group: &[AppendRequest],
    now: &str,
) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
    let mut results = Vec::with_capacity(group.len());
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for req in group {
        let saved = *head;
        let sp = tx.savepoint()?;
        match apply_one(&sp, head, req, now) {
            Ok(a) => {
                sp.commit()?;
                results.push(Ok(a));
            }
            Err(e) => {
                // Dropping the savepoint rolls back this request only.
                drop(sp);
                *head = saved;
                results.push(Err(e));
            }
        }
    }
    tx.commit()?;
    Ok(results)
}

/// Content of a stored event for the idempotency comparison.
#[derive(Clone)]
pub(crate) struct StoredContent {
    pub(crate) position: u64,
    pub(crate) unit: String,
    pub(crate) fiscal_year: i32,
    pub(crate) stream_version: u64,
    pub(crate) event_type: String,
    pub(crate) schema_version: u32,
    pub(crate) payload: String,
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
    judge_idempotency(req, |ne| find_stored(conn, ne))
}

/// The idempotency rule of both engines: `find` looks an event up by its id.
pub(crate) fn judge_idempotency(
    req: &AppendRequest,
    mut find: impl FnMut(&NewEvent) -> Result<Option<StoredContent>, StoreError>,
) -> Result<Option<Appended>, AppendError> {
    let mut found: Vec<StoredContent> = Vec::new();
    let mut first_found_id = None;
    let mut any_new = false;
    for ne in &req.events {
        match find(ne)? {
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

/// What inserting a request's events found.
enum Inserted {
    /// Every event was new and is inserted.
    All(Appended),
    /// The first event's id is stored already; nothing was written.
    FirstStored,
    /// New events were inserted, then an id already stored was met (the batch mixes new and
    /// stored ids); the inserted rows must be rolled back.
    StoredAfterNew,
}

/// Inserts a request's events after version `current`, chaining hashes from `head` (moved
/// on only for inserted events). An id already stored is skipped by the unique index, not
/// looked up first: the lookup is paid only by retries.
fn insert_events(
    conn: &Connection,
    head: &mut Head,
    req: &AppendRequest,
    current: u64,
    now: &str,
) -> Result<Inserted, StoreError> {
    let mut positions = Vec::with_capacity(req.events.len());
    let mut version = current;
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (position, unit, fiscal_year, stream_version, event_id, event_type,
            schema_version, business_date, payload, actor, request_id, recorded_at, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (event_id) DO NOTHING",
    )?;
    for ne in &req.events {
        let position = head.position + 1;
        let next_version = version + 1;
        let recorded_at = ne.meta.recorded_at.map(format_recorded_at);
        let recorded_at = recorded_at.as_deref().unwrap_or(now);
        // `NaiveDate`'s Display is ISO `YYYY-MM-DD` (and much cheaper than strftime).
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
        let changed = insert.execute(params![
            to_i64(position)?,
            req.stream.unit,
            req.stream.fiscal_year,
            to_i64(next_version)?,
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
        if changed == 0 {
            return Ok(if positions.is_empty() {
                Inserted::FirstStored
            } else {
                Inserted::StoredAfterNew
            });
        }
        version = next_version;
        head.position = position;
        head.hash = hash;
        positions.push(position);
    }
    Ok(Inserted::All(Appended {
        first_position: positions.first().copied().unwrap_or(head.position),
        last_position: head.position,
        stream_version: version,
        positions,
    }))
}

/// One request on the savepoint path: idempotency lookup, version from the database and
/// insert — everything inside the request's savepoint.
fn apply_one(
    conn: &Connection,
    head: &mut Head,
    req: &AppendRequest,
    now: &str,
) -> Result<Appended, AppendError> {
    if let Some(original) = check_idempotency(conn, req)? {
        return Ok(original);
    }
    let current = stream_version_in_db(conn, &req.stream)?;
    if !req.expected.admits(current) {
        return Err(AppendError::WrongVersion {
            expected: req.expected,
            current,
        });
    }
    let appended = match insert_events(conn, head, req, current, now)? {
        Inserted::All(a) => {
            assert_versions_continue(&req.stream, current, req.events.len(), &a);
            a
        }
        // The lookup above found none of these ids stored.
        Inserted::FirstStored | Inserted::StoredAfterNew => {
            return Err(AppendError::Store(StoreError::Corrupt(
                "事件 id 的唯一索引与查找结果不一致 (event id index disagrees with lookup)".into(),
            )));
        }
    };
    Ok(appended)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(positions: std::ops::RangeInclusive<u64>, stream_version: u64) -> Appended {
        Appended {
            first_position: *positions.start(),
            last_position: *positions.end(),
            stream_version,
            positions: positions.collect(),
        }
    }

    fn panics(f: impl FnOnce() + std::panic::UnwindSafe) -> bool {
        std::panic::catch_unwind(f).is_err()
    }

    #[test]
    fn a_group_of_contiguous_batches_from_the_head_passes_the_gapless_check() {
        let results = vec![
            Ok(batch(11..=12, 2)),
            // A replayed retry answers with its original, older positions…
            Ok(batch(3..=4, 4)),
            // …also when the original was written earlier in the same group.
            Ok(batch(11..=12, 2)),
            Err(AppendError::EmptyBatch),
            Ok(batch(13..=15, 3)),
        ];
        assert_gapless(10, 15, &results);
        assert_gapless(10, 10, &[]);
    }

    #[test]
    fn a_gap_an_overlap_or_a_head_beyond_the_batches_stops_the_writer() {
        assert!(panics(|| assert_gapless(10, 13, &[Ok(batch(12..=13, 1))])));
        assert!(panics(|| assert_gapless(
            10,
            13,
            &[Ok(batch(11..=12, 1)), Ok(batch(12..=13, 1))]
        )));
        assert!(panics(|| assert_gapless(10, 14, &[Ok(batch(11..=13, 1))])));
        let mut holed = batch(11..=13, 1);
        holed.positions = vec![11, 13, 13];
        assert!(panics(move || assert_gapless(10, 13, &[Ok(holed)])));
    }

    #[test]
    fn stream_versions_must_continue_from_the_current_one() {
        let s = StreamId::new("261301", 2024);
        assert_versions_continue(&s, 4, 2, &batch(11..=12, 6));
        assert!(panics(|| assert_versions_continue(
            &s,
            4,
            2,
            &batch(11..=12, 7)
        )));
    }

    #[test]
    fn a_read_model_checkpoint_past_the_committed_head_stops_the_writer() {
        let positions = Positions::new(10, 5);
        positions.set_projected(10);
        assert!(panics(|| positions.set_projected(11)));
    }
}
