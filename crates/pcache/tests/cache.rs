//! The page cache with the skipped truncations keeps SQLite's behaviour: a random workload of
//! committed and rolled-back transactions (splits in the middle of an index, savepoints, a
//! rolled-back growth of the file) leaves exactly the committed rows, seen alike by the
//! writing connection and by a second one, and `PRAGMA integrity_check` is ok.

use rusqlite::{Connection, params};
use std::collections::BTreeMap;
use std::sync::Once;

static SETUP: Once = Once::new();

/// Every test calls this before touching SQLite, so the cache is installed before the first
/// connection of this test binary.
fn setup() {
    SETUP.call_once(|| jixiao_pcache::install().expect("installed before any connection"));
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

type Rows = BTreeMap<i64, (String, Vec<u8>)>;

fn open(path: &std::path::Path, cache_kib: i64) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    conn.pragma_update(None, "cache_size", -cache_kib).unwrap();
    conn
}

fn contents(conn: &Connection) -> Rows {
    let mut stmt = conn.prepare("SELECT id, k, v FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Panics with the first difference (not both tables: they are large).
fn assert_same(actual: &Rows, expected: &Rows, context: &str) {
    if actual == expected {
        return;
    }
    let first = actual
        .iter()
        .zip(expected.iter())
        .find(|(a, e)| a != e)
        .map(|((a, _), (e, _))| format!("first difference at id {a} / {e}"))
        .unwrap_or_else(|| "one is a prefix of the other".to_string());
    panic!(
        "{context}: {} rows, expected {}; {first}",
        actual.len(),
        expected.len()
    );
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// One random statement applied to the database and to `rows`.
fn random_op(conn: &Connection, rng: &mut Rng, rows: &mut Rows, next_id: &mut i64) {
    let choice = rng.below(10);
    if choice < 6 || rows.is_empty() {
        *next_id += 1;
        // Random keys: the unique index splits in the middle, so pages are renumbered.
        let k = format!("{:016x}{:08x}", rng.next(), *next_id);
        let len = 16 + rng.below(700) as usize;
        let v = rng.bytes(len);
        conn.execute(
            "INSERT INTO t (id, k, v) VALUES (?1, ?2, ?3)",
            params![*next_id, k, v],
        )
        .unwrap();
        rows.insert(*next_id, (k, v));
    } else {
        let nth = rng.below(rows.len() as u64) as usize;
        let id = *rows.keys().nth(nth).unwrap();
        if choice < 8 {
            conn.execute("DELETE FROM t WHERE id = ?1", [id]).unwrap();
            rows.remove(&id);
        } else {
            let len = 16 + rng.below(1500) as usize;
            let v = rng.bytes(len);
            conn.execute("UPDATE t SET v = ?2 WHERE id = ?1", params![id, v])
                .unwrap();
            if let Some(row) = rows.get_mut(&id) {
                row.1 = v;
            }
        }
    }
}

fn workload(seed: u64, cache_kib: i64, transactions: usize) {
    setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut conn = open(&path, cache_kib);
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB NOT NULL);
         CREATE UNIQUE INDEX t_k ON t (k);",
    )
    .unwrap();
    let reader = open(&path, cache_kib);
    let mut rng = Rng(seed);
    let mut committed: Rows = BTreeMap::new();
    let mut next_id = 0;
    for n in 0..transactions {
        let mut rows = committed.clone();
        let tx = conn.transaction().unwrap();
        for _ in 0..1 + rng.below(80) {
            random_op(&tx, &mut rng, &mut rows, &mut next_id);
        }
        if rng.below(4) == 0 {
            // A savepoint that grows the file, rolled back inside the transaction.
            let mut scratch = rows.clone();
            let mut ids = next_id;
            tx.execute_batch("SAVEPOINT s").unwrap();
            for _ in 0..200 {
                random_op(&tx, &mut rng, &mut scratch, &mut ids);
            }
            tx.execute_batch("ROLLBACK TO s; RELEASE s").unwrap();
            next_id = ids;
        }
        if rng.below(5) == 0 {
            // Rolled back: the pages it added beyond the file's end must leave the cache.
            tx.rollback().unwrap();
        } else {
            tx.commit().unwrap();
            committed = rows;
        }
        if n % 40 == 39 {
            assert_same(
                &contents(&conn),
                &committed,
                &format!("writer, transaction {n}"),
            );
            assert_same(
                &contents(&reader),
                &committed,
                &format!("reader, transaction {n}"),
            );
            assert_eq!(integrity(&conn), "ok");
        }
    }
    assert_same(&contents(&conn), &committed, "writer, at the end");
    assert_same(&contents(&reader), &committed, "reader, at the end");
    assert_eq!(integrity(&conn), "ok");
    // Reopened from the file: the same rows.
    drop(conn);
    drop(reader);
    let again = open(&path, cache_kib);
    assert_same(&contents(&again), &committed, "reopened");
    assert_eq!(integrity(&again), "ok");
}

#[test]
fn a_random_workload_keeps_exactly_the_committed_rows_with_a_large_cache() {
    workload(0x6a69_7869_616f, 64 * 1024, 400);
}

#[test]
fn a_random_workload_keeps_exactly_the_committed_rows_with_a_cache_that_evicts() {
    // 64 pages: most pages are read back from the file or the WAL.
    workload(20_240_731, 256, 400);
}

#[test]
fn truncations_that_would_drop_nothing_are_skipped_and_the_others_forwarded() {
    workload(7, 16 * 1024, 200);
    let t = jixiao_pcache::truncations();
    assert!(jixiao_pcache::installed());
    // Commits after a split in the middle of the index: skipped.
    assert!(t.skipped > 0, "{t:?}");
    // Rolled-back growth: forwarded, so those pages leave the cache.
    assert!(t.forwarded > 0, "{t:?}");
}
