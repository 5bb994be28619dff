//! Tamper evidence, migrations that refuse an edited history, backups and reopening.

mod common;

use common::*;
use jixiao_store::migrate::{MIGRATIONS, Migration, apply_migrations};
use jixiao_store::{ExpectedVersion, KnownAt, Store, StoreError};
use uuid::Uuid;

fn fill(store: &Store, n: usize) {
    for i in 0..n {
        let e = new_event(payment(
            Uuid::new_v4(),
            "B-30201",
            "30201",
            date(3, 1),
            &format!("{}.50", i + 1),
        ));
        store
            .append(
                stream(if i % 2 == 0 { "261301" } else { "261302" }),
                ExpectedVersion::Any,
                vec![e],
            )
            .unwrap();
    }
}

fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join("jixiao.db")).unwrap()
}

#[test]
fn an_intact_log_verifies_up_to_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fill(&store, 40);
    let report = store.verify().unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.events_checked, 40);
    assert_eq!(report.head, store.head().unwrap());
}

#[test]
fn flipping_one_byte_of_one_stored_payload_is_reported_at_exactly_that_position() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        fill(&store, 50);
    }
    let conn = raw(&dir);
    let payload: String = conn
        .query_row("SELECT payload FROM events WHERE position = 23", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut bytes = payload.into_bytes();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01; // stays ASCII, so the text stays valid UTF-8
    conn.execute(
        "UPDATE events SET payload = ?1 WHERE position = 23",
        [String::from_utf8(bytes).unwrap()],
    )
    .unwrap();
    drop(conn);
    let store = open(&dir);
    let report = store.verify().unwrap();
    assert_eq!(report.first_broken, Some(23));
    assert_eq!(report.events_checked, 22);
    assert_eq!(report.head.position, 22);
}

#[test]
fn changing_metadata_or_deleting_an_event_breaks_the_chain_there() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        fill(&store, 30);
    }
    let conn = raw(&dir);
    conn.execute(
        "UPDATE events SET actor = 'someone else' WHERE position = 17",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM events WHERE position = 9", [])
        .unwrap();
    drop(conn);
    let store = open(&dir);
    assert_eq!(store.verify().unwrap().first_broken, Some(9));
}

#[test]
fn an_edited_migration_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let mut conn = raw(&dir);
    let edited: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|m| {
            if m.version == 2 {
                Migration {
                    sql: "-- edited after landing\nSELECT 1;",
                    ..*m
                }
            } else {
                *m
            }
        })
        .collect();
    let err = apply_migrations(&mut conn, &edited).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::MigrationChecksumMismatch { version: 2, .. }
        ),
        "{err:?}"
    );

    conn.execute(
        "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1",
        [],
    )
    .unwrap();
    drop(conn);
    let mut options = jixiao_store::StoreOptions::new(dir.path().join("jixiao.db"));
    options.synchronous = jixiao_store::Synchronous::Normal;
    let err = Store::open(options).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::MigrationChecksumMismatch { version: 1, .. }
        ),
        "{err:?}"
    );
}

#[test]
fn a_database_migrated_by_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let conn = raw(&dir);
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, '0999_future.sql', 'x', 'now')",
        [],
    )
    .unwrap();
    drop(conn);
    let options = jixiao_store::StoreOptions::new(dir.path().join("jixiao.db"));
    assert!(matches!(
        Store::open(options),
        Err(StoreError::UnknownMigration { version: 999 })
    ));
}

#[test]
fn migrations_apply_once_and_are_recorded_with_their_checksums() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let mut conn = raw(&dir);
    assert_eq!(apply_migrations(&mut conn, MIGRATIONS).unwrap(), 0);
    let rows: Vec<(u32, String)> = conn
        .prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(u32, String)> = MIGRATIONS
        .iter()
        .map(|m| (m.version, m.checksum()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_reopened_store_continues_the_same_chain() {
    let dir = tempfile::tempdir().unwrap();
    let head = {
        let store = open(&dir);
        fill(&store, 10);
        store.head().unwrap()
    };
    let store = open(&dir);
    assert_eq!(store.head().unwrap(), head);
    fill(&store, 5);
    assert_eq!(store.head().unwrap().position, 15);
    assert_eq!(store.verify().unwrap().first_broken, None);
    assert!(store.integrity_check().unwrap().is_empty());
}

#[test]
fn a_backup_taken_while_writing_is_a_consistent_verifiable_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fill(&store, 20);
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || fill(&store, 200))
    };
    let backup_dir = tempfile::tempdir().unwrap();
    store
        .backup_to(&backup_dir.path().join("jixiao.db"))
        .unwrap();
    writer.join().unwrap();
    let copy = open(&backup_dir);
    let report = copy.verify().unwrap();
    assert_eq!(report.first_broken, None);
    assert!(report.head.position >= 20 && report.head.position <= 220);
    assert_eq!(copy.read_model_checkpoint().unwrap(), report.head.position);
    assert!(copy.integrity_check().unwrap().is_empty());
    let original = store
        .read_stream(&stream("261301"), KnownAt::Position(report.head.position))
        .unwrap();
    assert_eq!(
        copy.read_stream(&stream("261301"), KnownAt::Now).unwrap(),
        original
    );
}

#[test]
fn a_store_opened_with_defaults_commits_with_a_full_fsync_in_wal_mode() {
    jixiao_store::configure_sqlite();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(jixiao_store::StoreOptions::new(
        dir.path().join("jixiao.db"),
    ))
    .unwrap();
    let conn = store.open_aux_connection().unwrap();
    let synchronous: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(synchronous, 2, "2 = FULL");
    assert_eq!(journal, "wal");
}
