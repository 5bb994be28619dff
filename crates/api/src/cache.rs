//! An in-memory cache of aggregate state per stream, keyed by stream version, so a write
//! loads only the events appended since the cached version instead of replaying the stream.
//! Beside the state it keeps the stream version of every client event id, which is how a
//! retried write is recognised. The cache is only a shortcut: an entry is extended from the
//! log (versions only grow), never trusted beyond it, and bounded by [`MAX_CACHED_STREAMS`];
//! when full, the least recently used stream is evicted, so the units being worked on stay.

use crate::config::MAX_CACHED_STREAMS;
use jixiao_domain::aggregate::UnitYear;
use jixiao_store::StreamId;
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// A stream's state as far as it was read.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The aggregate; `state.version()` is the stream version it reflects.
    pub state: UnitYear,
    /// Stream version of each stored event id.
    pub ids: HashMap<Uuid, u64>,
}

/// The entries and a use counter: each get or put stamps its entry with the next tick.
#[derive(Default)]
struct Entries {
    map: HashMap<StreamId, (u64, Loaded)>,
    tick: u64,
}

impl Entries {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }
}

/// Cached aggregate states, at most `capacity` streams.
pub struct AggregateCache {
    entries: Mutex<Entries>,
    capacity: usize,
}

impl Default for AggregateCache {
    fn default() -> Self {
        AggregateCache::with_capacity(MAX_CACHED_STREAMS)
    }
}

impl AggregateCache {
    /// A cache holding at most `capacity` streams (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        AggregateCache {
            entries: Mutex::new(Entries::default()),
            capacity: capacity.max(1),
        }
    }

    /// The cached state of `stream`, if any; marks it as just used.
    pub fn get(&self, stream: &StreamId) -> Option<Loaded> {
        let mut entries = self.entries.lock().ok()?;
        let tick = entries.next_tick();
        let (used, loaded) = entries.map.get_mut(stream)?;
        *used = tick;
        Some(loaded.clone())
    }

    /// Stores `loaded` unless a newer one is cached. When full, evicts the least recently used
    /// stream (a linear scan: it happens only when a new stream arrives in a full cache, and
    /// the cache is small next to a stream replay).
    pub fn put(&self, stream: StreamId, loaded: Loaded) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let tick = entries.next_tick();
        if let Some((used, existing)) = entries.map.get_mut(&stream) {
            *used = tick;
            if existing.state.version() < loaded.state.version() {
                *existing = loaded;
            }
            return;
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
        entries.map.insert(stream, (tick, loaded));
    }

    /// Streams cached now.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.map.len()).unwrap_or(0)
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
        let cache = AggregateCache::with_capacity(2);
        cache.put(stream("A"), Loaded::default());
        cache.put(stream("B"), Loaded::default());
        assert!(cache.get(&stream("A")).is_some(), "A is used again");
        cache.put(stream("C"), Loaded::default());
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get(&stream("B")).is_none(),
            "B was the least recently used"
        );
        assert!(cache.get(&stream("A")).is_some());
        assert!(cache.get(&stream("C")).is_some());
    }

    #[test]
    fn updating_a_cached_stream_neither_evicts_nor_grows_the_cache() {
        let cache = AggregateCache::with_capacity(2);
        cache.put(stream("A"), Loaded::default());
        cache.put(stream("B"), Loaded::default());
        cache.put(stream("A"), Loaded::default());
        cache.put(stream("B"), Loaded::default());
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&stream("A")).is_some() && cache.get(&stream("B")).is_some());
    }
}
