//! The promise of synced commits: without it nothing gathers; a broken promise (commits
//! without sync) still shows other connections only frames that are in the file, because the
//! header's publication flushes first; and a database on another VFS refuses the promise.

use rusqlite::{Connection, OpenFlags};

fn open(path: &std::path::Path, synchronous: &str) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", synchronous)
        .unwrap();
    conn
}

fn count(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap()
}

fn fill(conn: &Connection, from: i64, n: i64) {
    let tx = conn.unchecked_transaction().unwrap();
    for k in from..from + n {
        tx.execute(
            "INSERT INTO t (k, v) VALUES (?1, hex(randomblob(600)))",
            [k],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn the_promise_decides_and_a_broken_one_still_publishes_only_written_frames() {
    jixiao_walvfs::install().unwrap();
    let dir = tempfile::tempdir().unwrap();

    // 1. No promise: SQLite's writes go straight to the file.
    let path = dir.path().join("plain.db");
    let conn = open(&path, "FULL");
    conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        .unwrap();
    let before = jixiao_walvfs::counters();
    for round in 0..20 {
        fill(&conn, round * 50, 50);
    }
    assert_eq!(jixiao_walvfs::counters(), before);

    // 2. A broken promise: commits without sync. Each commit's frames reach the file when the
    //    header is published, so a second connection reads every commit whole.
    let path = dir.path().join("broken.db");
    let writer = open(&path, "NORMAL");
    writer
        .execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        .unwrap();
    jixiao_walvfs::promise_synced_commits(&writer, true).unwrap();
    let reader = open(&path, "NORMAL");
    let before = jixiao_walvfs::counters();
    for round in 0..20 {
        fill(&writer, round * 50, 50);
        assert_eq!(count(&reader), (round + 1) * 50);
    }
    let after = jixiao_walvfs::counters();
    assert!(after.writes_gathered > before.writes_gathered);
    assert!(after.barrier_flushes >= before.barrier_flushes + 20);
    let check: String = reader
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");

    // 3. Withdrawn: reported as it was, and nothing gathers any more.
    assert!(jixiao_walvfs::promise_synced_commits(&writer, false).unwrap());
    let before = jixiao_walvfs::counters();
    fill(&writer, 10_000, 50);
    assert_eq!(count(&reader), 20 * 50 + 50);
    assert_eq!(jixiao_walvfs::counters(), before);
    drop(reader);
    drop(writer);

    // 4. A database opened on SQLite's own VFS refuses the promise and names the reason.
    let other = Connection::open_with_flags_and_vfs(
        dir.path().join("unix.db"),
        OpenFlags::default(),
        c"unix",
    )
    .unwrap();
    assert_eq!(jixiao_walvfs::vfs_name(&other).as_deref(), Some("unix"));
    let err = jixiao_walvfs::promise_synced_commits(&other, true).unwrap_err();
    assert!(err.to_string().contains("jixiao-walbuf"), "{err}");
}
