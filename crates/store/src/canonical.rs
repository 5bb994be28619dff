//! The hash chain: the canonical bytes of an event and `hash = SHA-256(prev ‖ canonical)`.
//!
//! Canonical bytes are a concatenation of fields, each a 4-byte big-endian length followed by
//! its bytes (integers are fixed-width big-endian, so their length prefix is constant), in this
//! order: position (u64), unit (UTF-8), fiscal year (i32), stream version (u64), event id (16
//! bytes), event type, schema version (u32), business date (`YYYY-MM-DD`), recorded at
//! (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), actor, request id, payload (the stored JSON text, byte for
//! byte). Length prefixes make the encoding injective: no two different events share bytes.
//! The hash of the first event uses 32 zero bytes as its predecessor.

use sha2::{Digest, Sha256};

/// The fields of one stored event, as they go into the hash.
#[derive(Debug, Clone, Copy)]
pub struct CanonicalEvent<'a> {
    /// Global position.
    pub position: u64,
    /// Unit code.
    pub unit: &'a str,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Stream version.
    pub stream_version: u64,
    /// Event id (16 bytes).
    pub event_id: &'a [u8],
    /// Event type.
    pub event_type: &'a str,
    /// Schema version as stored.
    pub schema_version: u32,
    /// Business date text.
    pub business_date: &'a str,
    /// Recorded-at text.
    pub recorded_at: &'a str,
    /// Actor.
    pub actor: &'a str,
    /// Request id.
    pub request_id: &'a str,
    /// Payload JSON text.
    pub payload: &'a [u8],
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    // Fields are bounded far below 4 GiB (payloads ≤ 64 KiB), so the length fits in u32.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    h.update(len.to_be_bytes());
    h.update(bytes);
}

/// `SHA-256(prev ‖ canonical bytes of e)`, streamed into the hasher without building the bytes.
pub fn chain_hash(prev: &[u8; 32], e: &CanonicalEvent<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    field(&mut h, &e.position.to_be_bytes());
    field(&mut h, e.unit.as_bytes());
    field(&mut h, &e.fiscal_year.to_be_bytes());
    field(&mut h, &e.stream_version.to_be_bytes());
    field(&mut h, e.event_id);
    field(&mut h, e.event_type.as_bytes());
    field(&mut h, &e.schema_version.to_be_bytes());
    field(&mut h, e.business_date.as_bytes());
    field(&mut h, e.recorded_at.as_bytes());
    field(&mut h, e.actor.as_bytes());
    field(&mut h, e.request_id.as_bytes());
    field(&mut h, e.payload);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(actor: &'a str, request_id: &'a str) -> CanonicalEvent<'a> {
        CanonicalEvent {
            position: 1,
            unit: "261301",
            fiscal_year: 2024,
            stream_version: 1,
            event_id: &[7; 16],
            event_type: "payment_recorded",
            schema_version: 1,
            business_date: "2024-03-01",
            recorded_at: "2024-03-01T08:00:00.000000Z",
            actor,
            request_id,
            payload: b"{}",
        }
    }

    #[test]
    fn moving_bytes_between_adjacent_fields_changes_the_hash() {
        let zero = [0u8; 32];
        assert_ne!(
            chain_hash(&zero, &sample("ab", "c")),
            chain_hash(&zero, &sample("a", "bc"))
        );
    }

    #[test]
    fn the_hash_depends_on_the_previous_hash() {
        let e = sample("clerk", "r-1");
        assert_ne!(chain_hash(&[0; 32], &e), chain_hash(&[1; 32], &e));
    }
}
