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

fn field(buf: &mut Vec<u8>, bytes: &[u8]) {
    // Fields are bounded far below 4 GiB (payloads ≤ 64 KiB), so the length fits in u32.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// The link an append writes for `ne` at `position` as version `stream_version` of `stream`,
/// after the link `prev`, recorded at `recorded_at` with its business date as ISO text — the
/// one rule both engines' writers follow, so a log moved between them keeps its head hash.
pub(crate) fn append_link(
    prev: &[u8; 32],
    position: u64,
    stream: &crate::model::StreamId,
    stream_version: u64,
    ne: &crate::model::NewEvent,
    recorded_at: &str,
    business_date: &str,
) -> [u8; 32] {
    chain_hash(
        prev,
        &CanonicalEvent {
            position,
            unit: &stream.unit,
            fiscal_year: stream.fiscal_year,
            stream_version,
            event_id: ne.event_id.as_bytes(),
            event_type: &ne.event_type,
            schema_version: ne.schema_version,
            business_date,
            recorded_at,
            actor: &ne.meta.actor,
            request_id: &ne.meta.request_id,
            payload: ne.payload.as_bytes(),
        },
    )
}

/// `SHA-256(prev ‖ canonical(e))`. The canonical bytes are laid out in one buffer and hashed
/// in one call (the same byte stream as hashing field by field, at a fraction of the calls).
pub fn chain_hash(prev: &[u8; 32], e: &CanonicalEvent<'_>) -> [u8; 32] {
    let text = e.unit.len()
        + e.event_id.len()
        + e.event_type.len()
        + e.business_date.len()
        + e.recorded_at.len()
        + e.actor.len()
        + e.request_id.len()
        + e.payload.len();
    let mut buf = Vec::with_capacity(32 + 12 * 4 + 8 + 4 + 8 + 4 + text);
    buf.extend_from_slice(prev);
    field(&mut buf, &e.position.to_be_bytes());
    field(&mut buf, e.unit.as_bytes());
    field(&mut buf, &e.fiscal_year.to_be_bytes());
    field(&mut buf, &e.stream_version.to_be_bytes());
    field(&mut buf, e.event_id);
    field(&mut buf, e.event_type.as_bytes());
    field(&mut buf, &e.schema_version.to_be_bytes());
    field(&mut buf, e.business_date.as_bytes());
    field(&mut buf, e.recorded_at.as_bytes());
    field(&mut buf, e.actor.as_bytes());
    field(&mut buf, e.request_id.as_bytes());
    field(&mut buf, e.payload);
    Sha256::digest(&buf).into()
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

    /// The documented layout, hashed field by field: every stored hash was made this way, so
    /// the one-buffer implementation must give exactly these bytes.
    #[test]
    fn the_hash_is_sha256_of_prev_then_each_field_length_prefixed() {
        let e = sample("张会计", "req-42");
        let mut h = Sha256::new();
        h.update([9u8; 32]);
        let fields: [&[u8]; 12] = [
            &e.position.to_be_bytes(),
            e.unit.as_bytes(),
            &e.fiscal_year.to_be_bytes(),
            &e.stream_version.to_be_bytes(),
            e.event_id,
            e.event_type.as_bytes(),
            &e.schema_version.to_be_bytes(),
            e.business_date.as_bytes(),
            e.recorded_at.as_bytes(),
            e.actor.as_bytes(),
            e.request_id.as_bytes(),
            e.payload,
        ];
        for f in fields {
            h.update((f.len() as u32).to_be_bytes());
            h.update(f);
        }
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(chain_hash(&[9; 32], &e), expected);
    }
}
