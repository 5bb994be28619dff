//! An in-memory cache of aggregate state per stream, keyed by stream version, so a write
//! loads only the events appended since the cached version instead of replaying the stream.
//! Beside the state it keeps the stream version of every client event id, which is how a
//! retried write is recognised. The cache is only a shortcut: an entry is extended from the
//! log (versions only grow), never trusted beyond it, and bounded by [`MAX_CACHED_STREAMS`].

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

/// Cached aggregate states.
#[derive(Default)]
pub struct AggregateCache {
    entries: Mutex<HashMap<StreamId, Loaded>>,
}

impl AggregateCache {
    /// The cached state of `stream`, if any.
    pub fn get(&self, stream: &StreamId) -> Option<Loaded> {
        self.entries.lock().ok()?.get(stream).cloned()
    }

    /// Stores `loaded` unless a newer one is cached. Evicts an arbitrary entry when full.
    pub fn put(&self, stream: StreamId, loaded: Loaded) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if let Some(existing) = entries.get(&stream)
            && existing.state.version() >= loaded.state.version()
        {
            return;
        }
        if entries.len() >= MAX_CACHED_STREAMS
            && !entries.contains_key(&stream)
            && let Some(victim) = entries.keys().next().cloned()
        {
            entries.remove(&victim);
        }
        entries.insert(stream, loaded);
    }
}
