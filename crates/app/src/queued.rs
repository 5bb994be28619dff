//! Writes begun without blocking, for async front ends (the API's actix workers): when the
//! unit-year is cached, current and free, the command is decided and its events queued at the
//! store's writer on the caller's thread, and the caller awaits the writer's answer instead of
//! parking a thread of a blocking pool for the fsync. Anything else — a busy or stale year, a
//! retry, `If-Match` on another version, a batch, evidence to look up, a full writer queue —
//! is handed back to run [`App::write`] on a blocking pool, the one write path's full form.
//!
//! While a queued write is in flight its year is marked (`Year::in_flight`): the year's lock
//! is *not* held across the fsync, so reads of the year go on meanwhile (they see the state
//! before the write, which is not yet acknowledged), and another write to the same year takes
//! the blocking path. The store's version check still decides every race: a write decided on
//! a stale state is refused (`WrongVersion`) and decided again. Once the batch is durable the
//! events are folded into the shared year — unless something caught the year up from the log
//! meanwhile (a read after the commit), which then holds them already.

use crate::App;
use crate::cache::{Year, lock};
use crate::error::AppError;
use crate::write::{Write, Written, decide, to_new_events, validate_stream, written};
use jixiao_domain::aggregate::Command;
use jixiao_domain::event::Event;
use jixiao_store::{AppendError, Appended, ExpectedVersion};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, TryLockError};
use std::task::{Context, Poll, Waker};
use uuid::Uuid;

/// What [`App::start_write`] did.
pub enum Started {
    /// Decided and queued at the store's writer: await [`Queued::committed`].
    Queued(Queued),
    /// Not started: run [`App::write`] with it on a blocking pool.
    Blocking(Box<Write>),
}

/// What a committed (or refused) queued write came to.
pub enum Settled {
    /// The answer of the write.
    Done(Result<Written, AppError>),
    /// Another process appended to the stream first and the client did not pin a version:
    /// decide again with [`App::write`] (on a blocking pool), as it would have.
    Again(Box<Write>),
}

/// The writer's answer, handed from the writer's thread to the awaiting task.
#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    answer: Option<Result<Appended, AppendError>>,
    /// The store dropped the callback without calling it (its writer stopped).
    dropped: bool,
    waker: Option<Waker>,
}

impl Slot {
    fn state(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The sending half: fills the slot once, or marks it dropped.
struct Fill(Option<Arc<Slot>>);

impl Fill {
    fn send(mut self, answer: Result<Appended, AppendError>) {
        if let Some(slot) = self.0.take() {
            let waker = {
                let mut s = slot.state();
                s.answer = Some(answer);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl Drop for Fill {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            let waker = {
                let mut s = slot.state();
                s.dropped = true;
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// Awaits the slot.
struct Answer<'a>(&'a Slot);

impl Future for Answer<'_> {
    type Output = Option<Result<Appended, AppendError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.0.state();
        if let Some(answer) = s.answer.take() {
            return Poll::Ready(Some(answer));
        }
        if s.dropped {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The in-flight mark of a year, cleared when the write settles — or when it is dropped
/// unsettled (the client went away): then under a blocking lock, held only briefly by others.
struct Mark {
    year: Arc<Mutex<Year>>,
    set: bool,
}

impl Drop for Mark {
    fn drop(&mut self) {
        if self.set {
            lock(&self.year).in_flight = false;
        }
    }
}

/// A write decided and queued at the store's writer.
pub struct Queued {
    mark: Mark,
    write: Box<Write>,
    /// The stream version the events were decided on.
    version: u64,
    events: Vec<(Uuid, Event)>,
    slot: Arc<Slot>,
}

/// A queued write the writer answered; [`Committed::try_settle`] folds it into its year.
pub struct Committed {
    queued: Queued,
    answer: Option<Result<Appended, AppendError>>,
}

impl Queued {
    /// Waits, without blocking a thread, until the store's writer has answered.
    pub async fn committed(self) -> Committed {
        let answer = Answer(&self.slot).await;
        Committed {
            queued: self,
            answer,
        }
    }
}

impl Committed {
    /// Folds the answer into the year if its lock is free now; otherwise hands itself back,
    /// to [`Committed::settle`] on a blocking pool.
    pub fn try_settle(self) -> Result<Settled, Box<Committed>> {
        let year = Arc::clone(&self.queued.mark.year);
        let guard = match year.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::WouldBlock) => return Err(Box::new(self)),
            // A year whose holder panicked: the blocking lock rebuilds it.
            Err(TryLockError::Poisoned(_)) => return Err(Box::new(self)),
        };
        Ok(self.fold(guard))
    }

    /// Folds the answer into the year, waiting for its lock. Blocking.
    pub fn settle(self) -> Settled {
        let year = Arc::clone(&self.queued.mark.year);
        let guard = lock(&year);
        self.fold(guard)
    }

    fn fold(mut self, mut year: std::sync::MutexGuard<'_, Year>) -> Settled {
        year.in_flight = false;
        self.queued.mark.set = false;
        let q = &self.queued;
        match self.answer.take() {
            Some(Ok(appended)) => {
                assert_eq!(
                    appended.positions.len(),
                    q.events.len(),
                    "the store recorded every event of the batch"
                );
                // Unless the year was caught up from the log meanwhile (it then holds these
                // events), it is still at the version the events were decided on.
                if year.state.version() == q.version {
                    for ((id, event), position) in q.events.iter().zip(&appended.positions) {
                        year.apply(*id, *position, event);
                    }
                    assert_eq!(
                        year.state.version(),
                        appended.stream_version,
                        "the shared state follows the log"
                    );
                }
                Settled::Done(Ok(written(&appended, &q.events, false)))
            }
            Some(Err(AppendError::WrongVersion { current, .. })) if q.write.if_match.is_none() => {
                tracing::debug!(current, "another writer won; deciding again");
                drop(year);
                Settled::Again(self.queued.write)
            }
            Some(Err(e)) => Settled::Done(Err(AppError::append(e, q.write.if_match))),
            None => Settled::Done(Err(AppError::append(
                AppendError::Store(jixiao_store::StoreError::WriterStopped),
                q.write.if_match,
            ))),
        }
    }
}

/// Whether a command names evidence files (their upload is checked with a query first).
fn names_evidence(command: &Command) -> bool {
    match command {
        Command::HoldActivity(e) => !e.evidence.is_empty(),
        Command::RecordSurvey(e) => !e.evidence.is_empty(),
        Command::AssessIndicator(e) => !e.evidence.is_empty(),
        Command::AttachEvidence(e) => !e.evidence.is_empty(),
        _ => false,
    }
}

impl App {
    /// Begins a write without blocking the calling thread when it can (see the module's
    /// documentation): decides the one command on the cached year and queues its events at the
    /// store's writer. A refusal of the domain is answered at once, as [`App::write`] would,
    /// when the store vouches for the year's version (SQLite); on PostgreSQL it is left to
    /// [`App::write`], which reads the log before refusing.
    pub fn start_write(&self, write: Write) -> Result<Started, AppError> {
        validate_stream(&write.stream)?;
        let [item] = write.items.as_slice() else {
            return Ok(Started::Blocking(Box::new(write)));
        };
        if names_evidence(&item.command) {
            return Ok(Started::Blocking(Box::new(write)));
        }
        let entry = self.cache.entry(&write.stream);
        let mut year = match entry.try_lock() {
            Ok(year) => year,
            Err(_) => return Ok(Started::Blocking(Box::new(write))),
        };
        let version = year.state.version();
        // The version this process last saw: on PostgreSQL only probably current, which is
        // enough for what is appended (the expected version checks it) but not for a refusal.
        let seen = self.store.last_seen_stream_version(&write.stream) == Some(version);
        let vouched = self.store.known_stream_version(&write.stream) == Some(version);
        if year.in_flight
            || !seen
            || year.version_of(&item.event_id).is_some()
            || write.if_match.is_some_and(|v| v != version)
        {
            return Ok(Started::Blocking(Box::new(write)));
        }
        let events = match decide(&year, &write.items, &write.profile) {
            Ok(events) => events,
            Err(e) if vouched => return Err(e),
            // Refused on a year another process may have moved on: decide again on the log.
            Err(_) => return Ok(Started::Blocking(Box::new(write))),
        };
        if events.is_empty() {
            return Ok(Started::Blocking(Box::new(write)));
        }
        let new_events = to_new_events(&events, &write.actor)?;
        let slot = Arc::new(Slot::default());
        let fill = Fill(Some(Arc::clone(&slot)));
        let queued = self.store.append_then(
            write.stream.clone(),
            ExpectedVersion::Exact(version),
            new_events,
            move |answer| fill.send(answer),
        );
        match queued {
            Ok(true) => {}
            Ok(false) => return Ok(Started::Blocking(Box::new(write))),
            Err(e) => return Err(AppError::append(e, write.if_match)),
        }
        year.in_flight = true;
        drop(year);
        Ok(Started::Queued(Queued {
            mark: Mark {
                year: entry,
                set: true,
            },
            write: Box::new(write),
            version,
            events,
            slot,
        }))
    }
}
