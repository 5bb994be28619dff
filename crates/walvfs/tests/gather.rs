//! Gathered WAL writes keep SQLite exact: a random workload of synced commits (with rollbacks,
//! savepoints and transactions larger than the page cache, which spill frames and read them
//! back mid-transaction) matches an in-memory model, seen from a second connection after
//! every commit and after reopening; `integrity_check` passes; and the writes really gathered.

use rusqlite::{Connection, params};
use std::collections::BTreeMap;

/// A small deterministic generator (no dependency needed for a test workload).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn open(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn
}

fn table(conn: &Connection) -> BTreeMap<i64, String> {
    let mut stmt = conn.prepare("SELECT k, v FROM t ORDER BY k").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn value(rng: &mut Rng) -> String {
    // 100–3,000 bytes: some rows span pages, many commits write dozens of frames.
    let len = 100 + rng.below(2_900) as usize;
    let c = char::from(b'a' + rng.below(26) as u8);
    std::iter::repeat_n(c, len).collect()
}

#[test]
fn synced_commits_gather_their_writes_and_stay_exact() {
    jixiao_walvfs::install().unwrap();
    assert!(jixiao_walvfs::installed());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gather.db");
    let mut writer = open(&path);
    assert_eq!(
        jixiao_walvfs::vfs_name(&writer).as_deref(),
        Some("jixiao-walbuf")
    );
    // A cache of 20 pages: large transactions spill frames into the WAL before COMMIT and
    // read them back.
    writer.pragma_update(None, "cache_size", 20).unwrap();
    writer
        .execute_batch(
            "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
             CREATE INDEX t_v ON t (v);",
        )
        .unwrap();
    assert!(!jixiao_walvfs::promise_synced_commits(&writer, true).unwrap());
    assert!(jixiao_walvfs::promise_synced_commits(&writer, true).unwrap());
    let reader = open(&path);
    let before = jixiao_walvfs::counters();

    let mut model: BTreeMap<i64, String> = BTreeMap::new();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    for round in 0..300 {
        let tx = writer.transaction().unwrap();
        let mut staged = model.clone();
        let rows = if round % 50 == 7 {
            400
        } else {
            1 + rng.below(40)
        };
        for _ in 0..rows {
            let k = rng.below(2_000) as i64;
            if rng.below(5) == 0 {
                tx.execute("DELETE FROM t WHERE k = ?1", [k]).unwrap();
                staged.remove(&k);
            } else {
                let v = value(&mut rng);
                tx.execute(
                    "INSERT INTO t (k, v) VALUES (?1, ?2)
                     ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                    params![k, v],
                )
                .unwrap();
                staged.insert(k, v);
            }
        }
        // Sometimes a savepoint that is rolled back: its rows must vanish.
        if rng.below(4) == 0 {
            let mut tx = tx;
            {
                let sp = tx.savepoint().unwrap();
                for _ in 0..20 {
                    let k = 10_000 + rng.below(100) as i64;
                    sp.execute("INSERT OR REPLACE INTO t (k, v) VALUES (?1, 'gone')", [k])
                        .unwrap();
                }
                // Dropped without commit: rolled back.
            }
            finish(tx, &mut rng, &mut model, staged);
        } else {
            finish(tx, &mut rng, &mut model, staged);
        }
        // Another connection sees exactly what is committed.
        assert_eq!(table(&reader), model, "reader after round {round}");
    }
    let after = jixiao_walvfs::counters();
    assert!(after.writes_gathered > before.writes_gathered + 1_000);
    assert!(after.flushes > before.flushes);
    // Every synced commit flushed at its sync. A barrier finds writes still buffered only
    // after a rolled-back transaction that spilled frames (harmless: they lie beyond the
    // published end of the WAL and are written over).
    let rollbacks = ROLLBACKS.load(std::sync::atomic::Ordering::Relaxed);
    assert!(rollbacks > 0);
    assert!(after.barrier_flushes - before.barrier_flushes <= rollbacks);

    drop(reader);
    drop(writer);
    let again = open(&path);
    assert_eq!(table(&again), model, "after reopening");
    let check: String = again
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

static ROLLBACKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Commits or rolls back `tx` at random and moves the model along.
fn finish(
    tx: rusqlite::Transaction<'_>,
    rng: &mut Rng,
    model: &mut BTreeMap<i64, String>,
    staged: BTreeMap<i64, String>,
) {
    if rng.below(6) == 0 {
        tx.rollback().unwrap();
        ROLLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    } else {
        tx.commit().unwrap();
        *model = staged;
    }
}
