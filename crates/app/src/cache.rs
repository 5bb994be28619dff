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
//! entry is extended from the log (versions only grow), never trusted beyond it, and bounded
//! twice: by [`MAX_CACHED_STREAMS`] streams and by a budget of events held in all
//! ([`DEFAULT_CACHED_EVENTS`], `AppConfig::cached_events`) — a year's memory grows with its
//! events (about 0.8 KiB each, measured in docs/benchmarks.md), so a count of streams alone
//! does not bound the memory. Over either bound the least recently used stream that no request
//! holds is evicted; the year being used is never evicted for its own size (one year of 50,000
//! events stays cached while it is worked on, whatever the budget).

use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::indicator::Scope;
use jixiao_domain::measure::{Source, source_key, source_keys};
use jixiao_store::{RecordedEvent, StreamId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// Most unit-years kept in memory at once.
pub const MAX_CACHED_STREAMS: usize = 16_384;

/// Most events the cached unit-years hold together, by default (see [`YearCache::settle`]).
pub const DEFAULT_CACHED_EVENTS: u64 = 250_000;

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

    /// Events folded in (the stream version): what the cache's budget counts.
    pub fn events(&self) -> u64 {
        self.state.version()
    }

    /// The global log position of a stream version.
    pub fn position_of(&self, stream_version: u64) -> Option<u64> {
        let i = usize::try_from(stream_version.checked_sub(1)?).ok()?;
        self.positions.get(i).copied()
    }
}

/// One cached stream: when it was last used, its size when last settled, its state.
struct Slot {
    used: u64,
    events: u64,
    year: Arc<Mutex<Year>>,
}

/// The entries, a use counter (each access stamps its entry with the next tick) and the
/// events the entries held when last settled.
#[derive(Default)]
struct Entries {
    map: HashMap<StreamId, Slot>,
    tick: u64,
    events: u64,
}

impl Entries {
    /// Removes the least recently used stream that nobody holds now (its `Arc` is the map's
    /// only one) apart from `keep`, and returns it (to be dropped outside the lock).
    fn evict_one(&mut self, keep: Option<&StreamId>) -> Option<Arc<Mutex<Year>>> {
        let victim = self
            .map
            .iter()
            .filter(|(k, slot)| Some(*k) != keep && Arc::strong_count(&slot.year) == 1)
            .min_by_key(|(_, slot)| slot.used)
            .map(|(k, _)| k.clone())?;
        let slot = self.map.remove(&victim)?;
        self.events -= slot.events;
        Some(slot.year)
    }
}

/// Unit-years in memory, at most `capacity` streams and, once settled, at most `budget_events`
/// events in all (see [`YearCache::settle`]).
pub struct YearCache {
    entries: Mutex<Entries>,
    capacity: usize,
    budget_events: u64,
}

impl Default for YearCache {
    fn default() -> Self {
        YearCache::with_limits(MAX_CACHED_STREAMS, DEFAULT_CACHED_EVENTS)
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
    /// A cache holding at most `capacity` streams (at least one) and the default budget of
    /// events.
    pub fn with_capacity(capacity: usize) -> Self {
        YearCache::with_limits(capacity, DEFAULT_CACHED_EVENTS)
    }

    /// A cache holding at most `capacity` streams (at least one) and about `budget_events`
    /// events in all (a single year larger than the budget is still kept while it is used).
    pub fn with_limits(capacity: usize, budget_events: u64) -> Self {
        YearCache {
            entries: Mutex::new(Entries::default()),
            capacity: capacity.max(1),
            budget_events,
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        // The map holds no invariant a panic could break mid-way: recover it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The shared state of `stream` (empty, to be caught up, when not cached); marks it used.
    /// When full, evicts the least recently used stream nobody holds (a linear scan: only when
    /// a new stream arrives in a full cache; small next to replaying a stream).
    pub fn entry(&self, stream: &StreamId) -> Arc<Mutex<Year>> {
        let mut entries = self.entries();
        entries.tick += 1;
        let tick = entries.tick;
        if let Some(slot) = entries.map.get_mut(stream) {
            slot.used = tick;
            return Arc::clone(&slot.year);
        }
        let victim = if entries.map.len() >= self.capacity {
            entries.evict_one(None)
        } else {
            None
        };
        let year = Arc::new(Mutex::new(Year::default()));
        entries.map.insert(
            stream.clone(),
            Slot {
                used: tick,
                events: 0,
                year: Arc::clone(&year),
            },
        );
        drop(entries);
        drop(victim);
        year
    }

    /// Notes the size of `stream`'s year after its holder caught it up (or wrote to it), and
    /// evicts the least recently used years nobody holds until the cache is back within its
    /// budget of events. `stream` itself is never evicted here: a year larger than the whole
    /// budget stays cached while it is the one in use. Call it holding the year's lock (the
    /// cache's lock is always taken after a year's, never before).
    pub fn settle(&self, stream: &StreamId, year: &Arc<Mutex<Year>>, events: u64) {
        let mut victims = Vec::new();
        {
            let mut entries = self.entries();
            let Entries {
                map, events: total, ..
            } = &mut *entries;
            match map.get_mut(stream) {
                Some(slot) if Arc::ptr_eq(&slot.year, year) => {
                    *total = *total - slot.events + events;
                    slot.events = events;
                }
                // Evicted meanwhile (or replaced): this year is not the cache's to count.
                _ => return,
            }
            while entries.events > self.budget_events {
                match entries.evict_one(Some(stream)) {
                    Some(victim) => victims.push(victim),
                    None => break,
                }
            }
        }
        // Freed outside the cache's lock.
        drop(victims);
    }

    /// The shared state of `stream` when it is cached (marked used), without caching it
    /// otherwise: for a bulk load, which must not evict the streams people are working on.
    pub fn cached(&self, stream: &StreamId) -> Option<Arc<Mutex<Year>>> {
        let mut entries = self.entries();
        entries.tick += 1;
        let tick = entries.tick;
        entries.map.get_mut(stream).map(|slot| {
            slot.used = tick;
            Arc::clone(&slot.year)
        })
    }

    /// Streams cached now.
    pub fn len(&self) -> usize {
        self.entries().map.len()
    }

    /// Events of the cached years, as last settled.
    pub fn events(&self) -> u64 {
        self.entries().events
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
    fn over_its_budget_of_events_the_cache_evicts_the_least_recently_used_years() {
        let cache = YearCache::with_limits(100, 100);
        let settle = |unit: &str, events: u64| {
            let year = cache.entry(&stream(unit));
            cache.settle(&stream(unit), &year, events);
        };
        settle("A", 40);
        settle("B", 40);
        assert_eq!((cache.len(), cache.events()), (2, 80));
        // A is used again, so B is now the least recently used.
        settle("A", 40);
        settle("C", 40);
        assert_eq!((cache.len(), cache.events()), (2, 80), "B went for C");
        assert!(
            cache.cached(&stream("A")).is_some(),
            "the recently used A stays"
        );
        assert!(cache.cached(&stream("B")).is_none());
        // A year growing past the budget pushes out the others, not itself.
        settle("C", 90);
        assert_eq!((cache.len(), cache.events()), (1, 90));
        assert!(cache.cached(&stream("C")).is_some());
    }

    #[test]
    fn a_year_larger_than_the_budget_stays_while_it_is_used() {
        let cache = YearCache::with_limits(100, 1_000);
        let big = cache.entry(&stream("W6"));
        cache.settle(&stream("W6"), &big, 50_000);
        assert_eq!((cache.len(), cache.events()), (1, 50_000));
        // Used again and again (a hot unit): the same shared state every time.
        for _ in 0..3 {
            let again = cache.entry(&stream("W6"));
            assert!(Arc::ptr_eq(&big, &again));
            cache.settle(&stream("W6"), &again, 50_000);
        }
        // Another year arrives while W6 is held by a request: W6 is in use and stays.
        let small = cache.entry(&stream("S"));
        cache.settle(&stream("S"), &small, 10);
        assert_eq!(cache.len(), 2);
        assert!(Arc::ptr_eq(&big, &cache.entry(&stream("W6"))));
        // Once nobody holds it, the next year settled over the budget evicts the least recently
        // used ones until it fits: S (used before W6's last use), then W6.
        drop(big);
        drop(small);
        let other = cache.entry(&stream("T"));
        cache.settle(&stream("T"), &other, 10);
        assert!(cache.cached(&stream("W6")).is_none());
        assert!(cache.cached(&stream("S")).is_none());
        assert_eq!((cache.len(), cache.events()), (1, 10));
    }

    #[test]
    fn a_year_evicted_while_held_is_not_counted_when_settled() {
        let cache = YearCache::with_limits(1, 1_000);
        let a = cache.entry(&stream("A"));
        drop(a);
        let b = cache.entry(&stream("B"));
        // A stale handle of A (taken before its eviction) settles: nothing is counted.
        let stale = Arc::new(Mutex::new(Year::default()));
        cache.settle(&stream("A"), &stale, 500);
        cache.settle(&stream("B"), &b, 5);
        assert_eq!((cache.len(), cache.events()), (1, 5));
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
