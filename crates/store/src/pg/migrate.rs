//! PostgreSQL migrations: numbered SQL files in `migrations/postgres/`, embedded at build time,
//! applied in order inside one transaction (serialised across processes by an advisory lock)
//! and recorded with their SHA-256 in `schema_migrations`, refusing an edited or unknown one —
//! the rules of the SQLite migrations (`crate::migrate`).

use crate::error::StoreError;
use crate::migrate::Migration;
use postgres::{Client, GenericClient};

/// Every PostgreSQL migration of this build, in order.
pub const PG_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_events.sql",
        sql: include_str!("../../../../migrations/postgres/0001_events.sql"),
    },
    Migration {
        version: 2,
        name: "0002_read_models.sql",
        sql: include_str!("../../../../migrations/postgres/0002_read_models.sql"),
    },
    Migration {
        version: 3,
        name: "0003_users.sql",
        sql: include_str!("../../../../migrations/postgres/0003_users.sql"),
    },
    Migration {
        version: 4,
        name: "0004_evidence.sql",
        sql: include_str!("../../../../migrations/postgres/0004_evidence.sql"),
    },
    Migration {
        version: 5,
        name: "0005_unit_status.sql",
        sql: include_str!("../../../../migrations/postgres/0005_unit_status.sql"),
    },
    Migration {
        version: 6,
        name: "0006_unit_month.sql",
        sql: include_str!("../../../../migrations/postgres/0006_unit_month.sql"),
    },
];

/// Key of the advisory lock that serialises migrations of several processes starting at once.
const MIGRATION_LOCK: i64 = 0x6A69_7869_616F_0001;

/// Applies the missing migrations of `list` in one transaction, after checking that every
/// applied one is known and unchanged. Returns how many were applied.
pub fn apply_pg_migrations(client: &mut Client, list: &[Migration]) -> Result<usize, StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // No "relation … already exists, skipping" notice in every command's log.
    tx.batch_execute("SET LOCAL client_min_messages = warning")?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let applied = applied_migrations(&mut tx, list)?;
    let mut count = 0;
    for m in list {
        if applied.contains(&m.version) {
            continue;
        }
        let version = i32::try_from(m.version).unwrap_or(i32::MAX);
        tx.batch_execute(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            &[
                &version,
                &m.name,
                &m.checksum(),
                &crate::model::format_recorded_at(chrono::Utc::now()),
            ],
        )?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "applied postgres migration"
        );
        count += 1;
    }
    tx.commit()?;
    Ok(count)
}

/// On a database that takes no writes (a streaming-replication standby, or one set
/// `default_transaction_read_only`): checks, without writing, that its schema is this build's —
/// every migration of `list` applied, unchanged, and none unknown — since it cannot migrate.
pub fn check_pg_migrations(client: &mut Client, list: &[Migration]) -> Result<(), StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
        .get(0);
    let applied = if exists {
        applied_migrations(client, list)?
    } else {
        Vec::new()
    };
    match list.iter().find(|m| !applied.contains(&m.version)) {
        Some(m) => Err(StoreError::MigrationPendingReadOnly {
            version: m.version,
            name: m.name.to_string(),
        }),
        None => Ok(()),
    }
}

/// The versions recorded in `schema_migrations`, each checked to be in `list` with the same
/// checksum.
fn applied_migrations(
    client: &mut impl GenericClient,
    list: &[Migration],
) -> Result<Vec<u32>, StoreError> {
    let mut versions = Vec::new();
    for r in client.query(
        "SELECT version, checksum FROM schema_migrations ORDER BY version",
        &[],
    )? {
        let version = u32::try_from(r.get::<_, i32>(0)).unwrap_or(u32::MAX);
        let checksum: String = r.get(1);
        let known = list
            .iter()
            .find(|m| m.version == version)
            .ok_or(StoreError::UnknownMigration { version })?;
        if known.checksum() != checksum {
            return Err(StoreError::MigrationChecksumMismatch {
                version,
                name: known.name.to_string(),
            });
        }
        versions.push(version);
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_migrations_are_numbered_in_order_without_gaps() {
        crate::migrate::tests::assert_numbered_in_order(PG_MIGRATIONS);
    }
}
