//! Tamper evidence, migrations that refuse an edited history, backups and reopening.

#[macro_use]
mod common;

use common::*;
use jixiao_store::migrate::{MIGRATIONS, Migration, apply_migrations};
use jixiao_store::model::MAX_READ_LIMIT;
use jixiao_store::{ExpectedVersion, ReadFilter, RecordedEvent, Store, StoreError, VerifyReport};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

both_engines!(an_intact_log_verifies_up_to_its_head);
fn an_intact_log_verifies_up_to_its_head(db: &TestDb) {
    let store = db.open();
    fill(&store, 40);
    let report = store.verify().unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.events_checked, 40);
    assert_eq!(report.head, store.head().unwrap());
}

both_engines!(flipping_one_byte_of_one_stored_payload_is_reported_at_exactly_that_position);
fn flipping_one_byte_of_one_stored_payload_is_reported_at_exactly_that_position(db: &TestDb) {
    {
        let store = db.open();
        fill(&store, 50);
    }
    if db.is_postgres() {
        let changed = db.execute(
            "",
            "UPDATE events SET payload = replace(payload, '支出', '支付') WHERE position = 23",
        );
        assert_eq!(changed, 1);
        return verify_reports_position_23(db);
    }
    let conn = rusqlite::Connection::open(db.sqlite_path()).unwrap();
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
    verify_reports_position_23(db);
}

fn verify_reports_position_23(db: &TestDb) {
    let store = db.open();
    let report = store.verify().unwrap();
    assert_eq!(report.first_broken, Some(23));
    assert_eq!(report.events_checked, 22);
    assert_eq!(report.head.position, 22);
}

both_engines!(changing_metadata_or_deleting_an_event_breaks_the_chain_there);
fn changing_metadata_or_deleting_an_event_breaks_the_chain_there(db: &TestDb) {
    {
        let store = db.open();
        fill(&store, 30);
    }
    let actor = "UPDATE events SET actor = 'someone else' WHERE position = 17";
    assert_eq!(db.execute(actor, actor), 1);
    let delete = "DELETE FROM events WHERE position = 9";
    assert_eq!(db.execute(delete, delete), 1);
    let store = db.open();
    assert_eq!(store.verify().unwrap().first_broken, Some(9));
}

/// A 60-event log, tampered with by `sql`, verified by one walk and by four threads of 15
/// events each (parts after 0, 15, 30 and 45): both reports are returned.
fn verify_both_ways(sql: &str) -> (VerifyReport, VerifyReport) {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        fill(&store, 60);
    }
    raw(&dir).execute_batch(sql).unwrap();
    let store = open(&dir);
    (
        store.verify_with(1, u64::MAX).unwrap(),
        store.verify_with(4, 15).unwrap(),
    )
}

#[test]
fn verifying_in_parallel_reports_exactly_what_one_walk_reports() {
    let flip = |p: u64| {
        format!(
            "UPDATE events SET payload = replace(payload, '支出', '支付') WHERE position = {p};"
        )
    };
    let cases: Vec<(String, Option<u64>)> = vec![
        (String::new(), None),
        // A changed payload at the first event, at each side of every part's bounds, last.
        (flip(1), Some(1)),
        (flip(15), Some(15)),
        (flip(16), Some(16)),
        (flip(30), Some(30)),
        (flip(31), Some(31)),
        (flip(45), Some(45)),
        (flip(46), Some(46)),
        (flip(60), Some(60)),
        // Two breaks in different parts: the first one counts.
        (format!("{}{}", flip(52), flip(33)), Some(33)),
        // Deleted events, where a part starts, ends, and at both ends of the log.
        ("DELETE FROM events WHERE position = 15;".into(), Some(15)),
        ("DELETE FROM events WHERE position = 16;".into(), Some(16)),
        ("DELETE FROM events WHERE position = 1;".into(), Some(1)),
        ("DELETE FROM events WHERE position = 60;".into(), None),
        // A stored hash that is not a hash, at a part's bound.
        (
            "UPDATE events SET hash = 'x' WHERE position = 30;".into(),
            Some(30),
        ),
        // Positions moved: a gap at the end, an event moved before position 1.
        (
            "UPDATE events SET position = 100 WHERE position = 60;".into(),
            Some(60),
        ),
        (
            "UPDATE events SET position = 0 WHERE position = 7;".into(),
            Some(0),
        ),
        // A consistent forgery of one event (payload and hash rewritten) breaks the next.
        (
            format!(
                "{} UPDATE events SET hash = zeroblob(32) WHERE position = 30;",
                flip(30)
            ),
            Some(30),
        ),
    ];
    for (sql, expected) in cases {
        let (walk, parallel) = verify_both_ways(&sql);
        assert_eq!(walk.first_broken, expected, "{sql}");
        assert_eq!(parallel, walk, "{sql}");
        if let Some(b) = expected {
            assert_eq!(walk.events_checked, b.saturating_sub(1), "{sql}");
            assert_eq!(walk.head.position, b.saturating_sub(1), "{sql}");
        }
    }
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

both_engines!(a_reopened_store_continues_the_same_chain);
fn a_reopened_store_continues_the_same_chain(db: &TestDb) {
    let head = {
        let store = db.open();
        fill(&store, 10);
        store.head().unwrap()
    };
    let store = db.open();
    assert_eq!(store.head().unwrap(), head);
    fill(&store, 5);
    assert_eq!(store.head().unwrap().position, 15);
    assert_eq!(store.verify().unwrap().first_broken, None);
    if db.is_postgres() {
        // SQLite's own checks name PostgreSQL's tools instead of pretending to run.
        let err = store.integrity_check().unwrap_err();
        assert!(err.to_string().contains("pg_amcheck"), "{err}");
        let err = store.backup_to(&db.dir().join("copy.db")).unwrap_err();
        assert!(err.to_string().contains("pg_dump"), "{err}");
    } else {
        assert!(store.integrity_check().unwrap().is_empty());
    }
}

postgres_only!(postgres_migrations_are_checksummed_and_a_newer_or_edited_history_is_refused);
/// On PostgreSQL as on SQLite: an applied migration whose text changed, or one this build does
/// not know, stops the store from opening; an untouched database opens again and applies
/// nothing twice.
fn postgres_migrations_are_checksummed_and_a_newer_or_edited_history_is_refused(db: &TestDb) {
    drop(db.open());
    drop(db.open());
    let rows = db.query_text(
        "",
        "SELECT version::TEXT, checksum FROM schema_migrations ORDER BY version",
    );
    assert!(rows.len() >= 4, "{rows:?}");
    assert!(
        rows.iter()
            .enumerate()
            .all(|(i, r)| r[0] == (i + 1).to_string() && r[1].len() == 64)
    );
    db.execute("", "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, '0999_future.sql', 'x', 'now')");
    assert!(matches!(
        Store::open(db.options()),
        Err(StoreError::UnknownMigration { version: 999 })
    ));
    db.execute("", "DELETE FROM schema_migrations WHERE version = 999");
    db.execute(
        "",
        "UPDATE schema_migrations SET checksum = 'x' WHERE version = 2",
    );
    assert!(matches!(
        Store::open(db.options()),
        Err(StoreError::MigrationChecksumMismatch { version: 2, .. })
    ));
}

postgres_only!(a_read_only_database_like_a_standby_opens_for_reads_and_refuses_writes);
/// A standby (or a database set to read-only transactions) cannot be migrated or folded:
/// the store opens on it for reads — `verify` gives the primary's head, the read models answer
/// once the primary's fold has reached the head — and refuses an append with a read-only
/// storage fault, writing nothing. A standby whose read models stay behind answers a read of
/// them with `ReadModelsBehind`, and one lacking a migration of this build is refused at open.
fn a_read_only_database_like_a_standby_opens_for_reads_and_refuses_writes(db: &TestDb) {
    let store = db.open();
    fill(&store, 30);
    let head = store.head().unwrap();
    assert_eq!(store.read_model_checkpoint().unwrap(), head.position);
    drop(store);

    db.set_read_only(true);
    let standby = db.open();
    assert!(standby.is_read_only());
    let report = standby.verify().unwrap();
    assert_eq!((report.first_broken, report.head), (None, head));
    assert_eq!(standby.read_model_checkpoint().unwrap(), head.position);
    let refused = standby
        .append(
            stream("261301"),
            ExpectedVersion::Any,
            vec![new_event(payment(
                Uuid::new_v4(),
                "B-30201",
                "30201",
                date(3, 2),
                "1.00",
            ))],
        )
        .unwrap_err();
    assert!(
        matches!(&refused, jixiao_store::AppendError::Store(e)
            if e.storage_fault() == Some(jixiao_store::StorageFault::ReadOnly)),
        "{refused:?}"
    );
    assert_eq!(standby.head().unwrap(), head);
    drop(standby);

    // The primary's projector has not folded the last events yet: a read of the read models
    // on the standby waits for it, then says so.
    db.set_read_only(false);
    db.execute("", "UPDATE rm_checkpoint SET position = 20");
    db.set_read_only(true);
    let standby = db.open();
    assert!(matches!(
        standby.read_model_checkpoint(),
        Err(StoreError::ReadModelsBehind { projected: 20, committed }) if committed == head.position
    ));
    drop(standby);

    // A standby of a primary not yet migrated to this build.
    db.set_read_only(false);
    db.execute("", "DELETE FROM schema_migrations WHERE version = 6");
    db.set_read_only(true);
    assert!(matches!(
        Store::open(db.options()),
        Err(StoreError::MigrationPendingReadOnly { version: 6, .. })
    ));
}

/// Backups taken while the writers run before the test gives up on one that overlaps an
/// append (a backup takes milliseconds; the writers commit every fraction of one).
const MAX_BACKUP_ATTEMPTS: usize = 200;
/// Threads appending while the backup runs.
const BACKUP_WRITERS: usize = 2;

/// The source's log from position 1 up to `up_to`, page by page.
fn log_up_to(store: &Store, up_to: u64) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut from = 1;
    while from <= up_to {
        let page = store
            .read_all(from, MAX_READ_LIMIT, &ReadFilter::default())
            .unwrap();
        let Some(last) = page.events.last().map(|e| e.position) else {
            break;
        };
        out.extend(page.events.into_iter().filter(|e| e.position <= up_to));
        from = last + 1;
    }
    out
}

/// Writers append without pause until the backup has returned; the backup is retried until
/// the source's committed head moved while it ran (so appends provably overlapped it), then
/// the restored copy must be a verifiable prefix of the source: the same events up to its head,
/// and at that position the same hash as the source.
#[test]
fn a_backup_taken_while_writing_is_a_verifiable_prefix_of_the_source_with_its_head_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    fill(&store, 200);
    let stop = Arc::new(AtomicBool::new(false));
    let appends = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..BACKUP_WRITERS)
        .map(|w| {
            let (store, stop, appends) = (store.clone(), stop.clone(), appends.clone());
            std::thread::spawn(move || {
                let s = stream(&format!("26140{w}"));
                while !stop.load(Ordering::Acquire) {
                    let e = new_event(payment(
                        Uuid::new_v4(),
                        "B-30201",
                        "30201",
                        date(4, 1),
                        "9.99",
                    ));
                    store
                        .append(s.clone(), ExpectedVersion::Any, vec![e])
                        .unwrap();
                    appends.fetch_add(1, Ordering::AcqRel);
                }
            })
        })
        .collect();
    // Every writer is appending before the first backup starts (no sleep: spin until seen).
    while appends.load(Ordering::Acquire) < BACKUP_WRITERS as u64 {
        std::thread::yield_now();
    }
    let backup_dir = tempfile::tempdir().unwrap();
    let path = backup_dir.path().join("jixiao.db");
    let mut overlap = None;
    for _ in 0..MAX_BACKUP_ATTEMPTS {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        let head_before = store.head().unwrap().position;
        let appends_before = appends.load(Ordering::Acquire);
        store.backup_to(&path).unwrap();
        let head_after = store.head().unwrap().position;
        let appends_during = appends.load(Ordering::Acquire) - appends_before;
        if head_after > head_before {
            overlap = Some((head_before, head_after, appends_during));
            break;
        }
    }
    stop.store(true, Ordering::Release);
    for w in writers {
        w.join().unwrap();
    }
    let (head_before, head_after, appends_during) = overlap
        .unwrap_or_else(|| panic!("no backup overlapped an append in {MAX_BACKUP_ATTEMPTS} tries"));
    assert!(
        appends_during > 0,
        "appends acknowledged while the backup ran"
    );

    let copy = open(&backup_dir);
    let report = copy.verify().unwrap();
    assert_eq!(report.first_broken, None);
    let copied = report.head.position;
    assert!(
        (head_before..=head_after).contains(&copied),
        "the copy's head {copied} lies between the heads before ({head_before}) and after \
         ({head_after}) the backup"
    );
    let source_at_head = store
        .read_all(copied, 1, &ReadFilter::default())
        .unwrap()
        .events;
    assert_eq!(source_at_head[0].position, copied);
    assert_eq!(
        source_at_head[0].hash, report.head.hash,
        "the copy's head hash is the source's hash at that position"
    );
    assert_eq!(log_up_to(&copy, u64::MAX), log_up_to(&store, copied));
    assert_eq!(copy.read_model_checkpoint().unwrap(), copied);
    assert!(copy.integrity_check().unwrap().is_empty());
}
