//! Helpers for other crates' tests (feature `test-support`, never enabled by a binary): they
//! forge database states the store refuses, so those tests stay free of SQL — only this crate
//! knows SQL.

use crate::error::StoreError;
use rusqlite::{Connection, params};
use std::path::Path;

/// Records a migration this build does not know in the database file at `path`, as a newer
/// build would have: opening it (or restoring it) must then be refused.
pub fn record_unknown_migration(path: &Path, version: u32, name: &str) -> Result<(), StoreError> {
    let conn = Connection::open(path)?;
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, 'x', '2099-01-01T00:00:00Z')",
        params![version, name],
    )?;
    Ok(())
}
