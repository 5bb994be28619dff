//! The in-memory state of the unit-years being worked on: per stream, the aggregate as far as
//! it was read from the log, the stream version of every client event id (how a retried write
//! is recognised) and the global log position of every stream version (how provenance is
//! reported as log positions without reading the log again).
//!
//! Each stream's [`Year`] sits behind its own mutex and is **shared, never copied**: a write
//! locks it, catches it up with the log, decides on it, appends, and folds the new events into
//! it — the cost of a write does not grow with the year. Writers to one stream queue on its
//! mutex (so a write without `If-Match` does not lose a race to another request of this
//! process); writers to different streams run in parallel. The cache is only a shortcut: an
//! entry is extended from the log (versions only grow), never trusted beyond it, and bounded by
//! [`MAX_CACHED_STREAMS`]; when full, the least recently used stream is evicted.

use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::indicator::Scope;
use jixiao_domain::measure::{Source, source_key, source_keys};
use jixiao_store::{RecordedEvent, StreamId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// Most unit-years kept in memory at once.
pub const MAX_CACHED_STREAMS: usize = 16_384;

/// A stream's state as far as it was read.
#[derive(Debug, Clone, Default)]
pub struct Year {
    /// The aggregate; `state.version()` is the stream version it reflects.
    pub state: UnitYear,
    /// Stream version of each stored event id.
    ids: HashMap<Uuid, u64>,
    /// Global log position of stream version `i + 1` at index `i`.
    positions: Vec<u64>,
    /// Stream versions of the events behind each provenance key (see
    /// [`jixiao_domain::measure::source_keys`]).
    sources: HashMap<(Source, Option<Scope>), Vec<u64>>,
    /// A write decided on this state is queued at the store and not yet answered
    /// (`crate::queued`): the next write takes the blocking path instead of deciding on a
    /// state about to be stale.
    pub(crate) in_flight: bool,
}

impl Year {
    /// Folds one stored event in (the next stream version).
    pub fn apply(&mut self, event_id: Uuid, position: u64, event: &jixiao_domain::event::Event) {
        self.state.apply(event);
        let version = self.state.version();
        self.ids.insert(event_id, version);
        self.positions.push(position);
        for key in source_keys(event) {
            self.sources.entry(key).or_default().push(version);
        }
        debug_assert_eq!(self.positions.len() as u64, self.state.version());
    }

    /// Folds a recorded event in; it must be the next version of the stream.
    pub fn apply_recorded(&mut self, e: &RecordedEvent) {
        assert_eq!(
            e.stream_version,
            self.state.version() + 1,
            "stream versions are applied in order without gaps"
        );
        self.apply(e.event_id, e.position, &e.event);
    }

    /// The state built from recorded events (a stream's prefix, in order).
    pub fn from_recorded<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> Self {
        let mut year = Year::default();
        for e in events {
            year.apply_recorded(e);
        }
        year
    }

    /// The stream version an event id was stored at, if it was.
    pub fn version_of(&self, event_id: &Uuid) -> Option<u64> {
        self.ids.get(event_id).copied()
    }

    /// The stream versions of the events behind `source`, as reported for an indicator of
    /// `scope`, ascending.
    pub fn source_versions(&self, source: &Source, scope: &Scope) -> &[u64] {
        self.sources
            .get(&source_key(source, scope))
            .map_or(&[], Vec::as_slice)
    }

    /// The global log position of a stream version.
    pub fn position_of(&self, stream_version: u64) -> Option<u64> {
        let i = usize::try_from(stream_version.checked_sub(1)?).ok()?;
        self.positions.get(i).copied()
    }
}

/// The entries and a use counter: each access stamps its entry with the next tick.
#[derive(Default)]
struct Entries {
    map: HashMap<StreamId, (u64, Arc<Mutex<Year>>)>,
    tick: u64,
}

/// Unit-years in memory, at most `capacity` streams.
pub struct YearCache {
    entries: Mutex<Entries>,
    capacity: usize,
}

impl Default for YearCache {
    fn default() -> Self {
        YearCache::with_capacity(MAX_CACHED_STREAMS)
    }
}

/// Locks a year; a year whose holder panicked mid-update is discarded (rebuilt from the log).
pub(crate) fn lock(year: &Mutex<Year>) -> MutexGuard<'_, Year> {
    match year.lock() {
        Ok(guard) => guard,
        Err(poisoned) => {
            let mut guard = poisoned.into_inner();
            *guard = Year::default();
            year.clear_poison();
            guard
        }
    }
}

impl YearCache {
    /// A cache holding at most `capacity` streams (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        YearCache {
            entries: Mutex::new(Entries::default()),
            capacity: capacity.max(1),
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        // The map holds no invariant a panic could break mid-way: recover it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The shared state of `stream` (empty, to be caught up, when not cached); marks it used.
    /// When full, evicts the least recently used stream (a linear scan: only when a new stream
    /// arrives in a full cache; small next to replaying a stream).
    pub fn entry(&self, stream: &StreamId) -> Arc<Mutex<Year>> {
        let mut entries = self.entries();
        entries.tick += 1;
        let tick = entries.tick;
        if let Some((used, year)) = entries.map.get_mut(stream) {
            *used = tick;
            return Arc::clone(year);
        }
        if entries.map.len() >= self.capacity
            && let Some(victim) = entries
                .map
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone())
        {
            entries.map.remove(&victim);
        }
        let year = Arc::new(Mutex::new(Year::default()));
        entries
            .map
            .insert(stream.clone(), (tick, Arc::clone(&year)));
        year
    }

    /// The shared state of `stream` when it is cached (marked used), without caching it
    /// otherwise: for a bulk load, which must not evict the streams people are working on.
    pub fn cached(&self, stream: &StreamId) -> Option<Arc<Mutex<Year>>> {
        let mut entries = self.entries();
        entries.tick += 1;
        let tick = entries.tick;
        entries.map.get_mut(stream).map(|(used, year)| {
            *used = tick;
            Arc::clone(year)
        })
    }

    /// Streams cached now.
    pub fn len(&self) -> usize {
        self.entries().map.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(unit: &str) -> StreamId {
        StreamId::new(unit, 2024)
    }

    #[test]
    fn a_full_cache_evicts_the_stream_used_least_recently() {
        let cache = YearCache::with_capacity(2);
        let a = cache.entry(&stream("A"));
        cache.entry(&stream("B"));
        cache.entry(&stream("A"));
        cache.entry(&stream("C"));
        assert_eq!(cache.len(), 2);
        assert!(
            Arc::ptr_eq(&a, &cache.entry(&stream("A"))),
            "A was used again and stays"
        );
        assert_eq!(cache.len(), 2, "B was evicted to make room for C");
    }

    #[test]
    fn every_request_for_a_stream_shares_one_state() {
        let cache = YearCache::with_capacity(4);
        let first = cache.entry(&stream("A"));
        lock(&first).positions.push(7);
        let second = cache.entry(&stream("A"));
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(lock(&second).positions, vec![7]);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_year_whose_holder_panicked_is_discarded_and_rebuilt() {
        let year = Arc::new(Mutex::new(Year::default()));
        lock(&year).positions.push(1);
        let y = Arc::clone(&year);
        let _ = std::thread::spawn(move || {
            let _guard = y.lock();
            panic!("mid-update");
        })
        .join();
        assert!(lock(&year).positions.is_empty());
        assert!(!year.is_poisoned());
    }
}
