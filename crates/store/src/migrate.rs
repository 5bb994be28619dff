//! Schema migrations: numbered SQL files in `migrations/`, embedded at build time, applied in
//! order inside one transaction and recorded with their SHA-256 in `schema_migrations`.
//!
//! A landed migration is never edited: opening a database whose applied migration no longer
//! matches the embedded text is refused, as is a database migrated by a newer build.

use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// One numbered migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number (the file's prefix).
    pub version: u32,
    /// File name.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

impl Migration {
    /// SHA-256 of the SQL text, hex.
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// Every migration of this build, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_events.sql",
        sql: include_str!("../../../migrations/0001_events.sql"),
    },
    Migration {
        version: 2,
        name: "0002_read_models.sql",
        sql: include_str!("../../../migrations/0002_read_models.sql"),
    },
    Migration {
        version: 3,
        name: "0003_users.sql",
        sql: include_str!("../../../migrations/0003_users.sql"),
    },
    Migration {
        version: 4,
        name: "0004_payments_by_position.sql",
        sql: include_str!("../../../migrations/0004_payments_by_position.sql"),
    },
    Migration {
        version: 5,
        name: "0005_drop_unread_read_models.sql",
        sql: include_str!("../../../migrations/0005_drop_unread_read_models.sql"),
    },
    Migration {
        version: 6,
        name: "0006_evidence.sql",
        sql: include_str!("../../../migrations/0006_evidence.sql"),
    },
    Migration {
        version: 7,
        name: "0007_users_disabled.sql",
        sql: include_str!("../../../migrations/0007_users_disabled.sql"),
    },
    Migration {
        version: 8,
        name: "0008_unit_month_status.sql",
        sql: include_str!("../../../migrations/0008_unit_month_status.sql"),
    },
];

/// Applies the missing migrations of `list` in one transaction, after checking that every
/// applied one is known and unchanged. Returns how many were applied.
pub fn apply_migrations(conn: &mut Connection, list: &[Migration]) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let applied: Vec<(u32, String)> = {
        let mut stmt =
            tx.prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (version, checksum) in &applied {
        let known = list
            .iter()
            .find(|m| m.version == *version)
            .ok_or(StoreError::UnknownMigration { version: *version })?;
        if known.checksum() != *checksum {
            return Err(StoreError::MigrationChecksumMismatch {
                version: *version,
                name: known.name.to_string(),
            });
        }
    }
    let mut count = 0;
    for m in list {
        let done: Option<u32> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [m.version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            continue;
        }
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![m.version, m.name, m.checksum(), crate::model::format_recorded_at(chrono::Utc::now())],
        )?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        count += 1;
    }
    tx.commit()?;
    Ok(count)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Asserts that `list` is numbered 1, 2, … and each file is named `NNNN_…` by its number
    /// (the SQLite and the PostgreSQL lists alike).
    pub(crate) fn assert_numbered_in_order(list: &[Migration]) {
        for (i, m) in list.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }

    #[test]
    fn migrations_are_numbered_in_order_without_gaps() {
        assert_numbered_in_order(MIGRATIONS);
    }
}
