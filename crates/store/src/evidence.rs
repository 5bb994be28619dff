//! Evidence files (佐证材料), content-addressed: [`Store::put_evidence`] stores the bytes under
//! their SHA-256 (storing the same content twice keeps one row and returns the same hash) and
//! [`Store::evidence_blob`] reads them back, checking the bytes still hash to their address.
//!
//! The files live in the `evidence_blobs` table (migration 0006), outside the event log: an
//! event carries only the reference (`jixiao_domain::evidence::EvidenceRef`). Writes go through
//! a connection of their own (like user administration), never through the event writer
//! thread, so a 10 MiB upload does not hold up the group commits of the log. Which unit-year may
//! read a file is the application's decision (the events that reference it), not the store's.

use crate::error::StoreError;
use crate::store::Store;
use jixiao_domain::evidence::{MAX_EVIDENCE_BYTES, MediaType, Sha256Hex};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// A stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceBlob {
    /// The type recorded when it was stored.
    pub media_type: MediaType,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The SHA-256 of some bytes, as the address of a stored file.
pub fn sha256_of(bytes: &[u8]) -> Sha256Hex {
    // 64 lowercase hex digits always parse.
    match Sha256Hex::parse(&hex::encode(Sha256::digest(bytes))) {
        Ok(h) => h,
        Err(e) => unreachable!("a SHA-256 in hex is a valid address: {e}"),
    }
}

impl Store {
    /// Stores an evidence file under its SHA-256 and returns the hash; idempotent (the same
    /// content is stored once, whatever its type or name). Refuses an empty file and one over
    /// [`MAX_EVIDENCE_BYTES`] (the domain's limit, checked by callers first).
    pub fn put_evidence(
        &self,
        media_type: MediaType,
        bytes: &[u8],
    ) -> Result<Sha256Hex, StoreError> {
        if bytes.is_empty() || bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(StoreError::Limit {
                what: "佐证材料字节数 (evidence bytes, 1..)",
                max: MAX_EVIDENCE_BYTES as u64,
            });
        }
        let sha256 = sha256_of(bytes);
        if let Some(pg) = self.pg() {
            pg.put_evidence(media_type, bytes, &sha256)?;
            return Ok(sha256);
        }
        let conn = self.options().open_connection()?;
        conn.execute(
            "INSERT OR IGNORE INTO evidence_blobs (sha256, media_type, size, content, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sha256.as_str(),
                media_type.mime(),
                i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                bytes,
                chrono::Utc::now().to_rfc3339(),
            ],
        )?;
        Ok(sha256)
    }

    /// The stored file with this hash, if any. A row whose bytes no longer hash to its address,
    /// or whose type is not an accepted one, is reported as corrupt rather than served.
    pub fn evidence_blob(&self, sha256: &Sha256Hex) -> Result<Option<EvidenceBlob>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.evidence_blob(sha256);
        }
        self.with_reader(|conn| {
            let row: Option<(String, Vec<u8>)> = conn
                .query_row(
                    "SELECT media_type, content FROM evidence_blobs WHERE sha256 = ?1",
                    params![sha256.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((mime, bytes)) = row else {
                return Ok(None);
            };
            if &sha256_of(&bytes) != sha256 {
                return Err(StoreError::Corrupt(format!(
                    "佐证材料 {sha256} 的内容与其哈希不符 (evidence content does not match its hash)"
                )));
            }
            let media_type = MediaType::from_mime(&mime).ok_or_else(|| {
                StoreError::Corrupt(format!("佐证材料 {sha256} 的类型“{mime}”未知"))
            })?;
            Ok(Some(EvidenceBlob { media_type, bytes }))
        })
    }

    /// Whether a file with this hash is stored.
    pub fn has_evidence(&self, sha256: &Sha256Hex) -> Result<bool, StoreError> {
        Ok(self.evidence_meta(sha256)?.is_some())
    }

    /// The stored type and size of the file with this hash, without reading its content.
    pub fn evidence_meta(
        &self,
        sha256: &Sha256Hex,
    ) -> Result<Option<(MediaType, u64)>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.evidence_meta(sha256);
        }
        self.with_reader(|conn| {
            let row: Option<(String, i64)> = conn
                .query_row(
                    "SELECT media_type, size FROM evidence_blobs WHERE sha256 = ?1",
                    params![sha256.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(row.and_then(|(mime, size)| {
                Some((MediaType::from_mime(&mime)?, u64::try_from(size).ok()?))
            }))
        })
    }
}
