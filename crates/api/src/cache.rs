//! An in-memory cache of aggregate state per stream, keyed by stream version, so a write
//! loads only the events appended since the cached version instead of replaying the stream.
//! The cache is only ever a shortcut: an entry is used only when its version is a prefix of the
//! log (versions only grow), and it is bounded by [`MAX_CACHED_STREAMS`].

use crate::config::MAX_CACHED_STREAMS;
use jixiao_domain::aggregate::UnitYear;
use jixiao_store::StreamId;
use std::collections::HashMap;
use std::sync::Mutex;

/// Cached aggregate states.
#[derive(Default)]
pub struct AggregateCache {
    entries: Mutex<HashMap<StreamId, UnitYear>>,
}

impl AggregateCache {
    /// The cached state of `stream`, if any (its `version()` says how far it got).
    pub fn get(&self, stream: &StreamId) -> Option<UnitYear> {
        self.entries.lock().ok()?.get(stream).cloned()
    }

    /// Stores `state` unless a newer one is cached. Evicts an arbitrary entry when full.
    pub fn put(&self, stream: StreamId, state: UnitYear) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if let Some(existing) = entries.get(&stream)
            && existing.version() >= state.version()
        {
            return;
        }
        if entries.len() >= MAX_CACHED_STREAMS
            && !entries.contains_key(&stream)
            && let Some(victim) = entries.keys().next().cloned()
        {
            entries.remove(&victim);
        }
        entries.insert(stream, state);
    }
}
