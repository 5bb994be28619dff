//! Helpers for other crates' tests (feature `test-support`, never enabled by a binary): they
//! forge database states the store refuses, so those tests stay free of SQL — only this crate
//! knows SQL. [`PostgresTestDatabase`] gives a test its own PostgreSQL database.

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

/// A fresh PostgreSQL database for one test, made on the server of `admin_url` (a URL whose
/// user may create databases) and dropped, with every connection to it, when this is dropped.
pub struct PostgresTestDatabase {
    admin_url: String,
    name: String,
    /// The new database's URL (the admin URL with the database name replaced).
    pub url: String,
}

impl PostgresTestDatabase {
    /// Creates the database `jx_test_<random>`.
    pub fn create(admin_url: &str) -> Result<Self, StoreError> {
        let name = format!("jx_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = postgres::Client::connect(admin_url, postgres::NoTls)?;
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
        let (scheme, rest) = admin_url
            .split_once("://")
            .unwrap_or(("postgres", admin_url));
        let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let query = tail
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        Ok(PostgresTestDatabase {
            admin_url: admin_url.to_string(),
            url: format!("{scheme}://{authority}/{name}{query}"),
            name,
        })
    }
}

impl PostgresTestDatabase {
    /// Makes every later connection's transactions read-only (`default_transaction_read_only`),
    /// as on a streaming-replication standby; `false` undoes it.
    pub fn set_read_only(&self, on: bool) -> Result<(), StoreError> {
        let mut admin = postgres::Client::connect(&self.admin_url, postgres::NoTls)?;
        admin.batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET default_transaction_read_only = {}",
            self.name,
            if on { "on" } else { "off" }
        ))?;
        Ok(())
    }
}

impl Drop for PostgresTestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}
