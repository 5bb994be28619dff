//! Crash safety under SIGKILL (eventstore.md guarantee 5, "acknowledged means durable", and 3,
//! "all or nothing").
//!
//! The test re-executes its own binary as a child process (selected by an environment variable,
//! so no extra binary or Cargo entry is needed). The child opens the store and appends batches
//! from several threads; after `append` returned `Ok` — and only then — it prints every event id
//! of the batch to stdout and flushes. The parent waits until the child is under load, kills it
//! with SIGKILL (`Child::kill`) at a random moment, reopens the database and checks:
//! every acknowledged id is present; every batch is whole (an event id carries its batch tag and
//! the batch size, so a partial batch is visible); positions are 1, 2, 3, … without a gap;
//! `verify()` finds no broken hash; `PRAGMA integrity_check` is ok; the read models' checkpoint
//! equals the head. The log keeps growing across rounds, so later rounds also recover a log that
//! has already survived crashes.

use chrono::NaiveDate;
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::codes::{EconomicCode, FunctionCode};
use jixiao_domain::event::{ActivityHeld, Event, PaymentRecorded};
use jixiao_domain::money::Yuan;
use jixiao_store::{
    EventMeta, ExpectedVersion, NewEvent, ReadFilter, Store, StoreOptions, StreamId,
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Set in the child's environment to the database path: the test then runs as the child.
const CHILD_DB_ENV: &str = "JIXIAO_CRASH_CHILD_DB";
/// Set in the child's environment to the round number (it goes into every event id).
const CHILD_ROUND_ENV: &str = "JIXIAO_CRASH_CHILD_ROUND";
/// This test's name, for re-executing exactly it.
const TEST_NAME: &str = "acknowledged_appends_survive_sigkill_and_no_batch_is_ever_partial";

/// Kill-and-recover rounds (the whole test stays within ~20 s in a debug build).
const ROUNDS: u64 = 5;
/// The child is killed this long (plus a random part) after its first acknowledgement.
const KILL_AFTER_MS_MIN: u64 = 100;
/// Upper bound of the random delay before the kill.
const KILL_AFTER_MS_MAX: u64 = 400;
/// Appending threads in the child (several, so group commit shares transactions).
const CHILD_THREADS: u64 = 4;
/// Largest batch a child thread appends (sizes vary from 1 to this).
const BATCH_EVENTS_MAX: u64 = 25;
/// The child stops on its own after this long, should the parent fail to kill it.
const CHILD_RUN_MAX: Duration = Duration::from_secs(60);
/// How long the parent waits for the child's first acknowledgement.
const FIRST_ACK_WAIT_MAX: Duration = Duration::from_secs(30);
/// Page size when reading the whole log back.
const READ_PAGE: usize = 1000;
/// Prefix of an acknowledgement line on the child's stdout (libtest prints other lines too).
const ACK_PREFIX: &str = "ack ";

/// An event id that names its batch: the high 64 bits are the batch tag (round, thread, batch
/// counter), the low 64 bits hold the batch size and the index within the batch.
fn event_id(batch_tag: u64, batch_len: u64, index: u64) -> Uuid {
    Uuid::from_u64_pair(batch_tag, (batch_len << 32) | index)
}

fn batch_of(id: Uuid) -> (u64, u64, u64) {
    let (tag, low) = id.as_u64_pair();
    (tag, low >> 32, low & 0xFFFF_FFFF)
}

/// SplitMix64, seeded from the clock: the kill moments differ from run to run (the seed is
/// printed, so a failing run can be replayed by reading it).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x5EED)
}

/// A realistic event: mostly payments, some activities.
fn make_event(rng: &mut Rng, seq: u64) -> Event {
    let day = NaiveDate::from_yo_opt(2024, (rng.next() % 366) as u32 + 1).unwrap();
    if rng.next() % 10 < 8 {
        Event::PaymentRecorded(PaymentRecorded {
            payment_id: Uuid::from_u64_pair(rng.next(), seq),
            paid_on: day,
            line_id: LineId("P-410800240000000532-30201".to_string()),
            economic_code: EconomicCode::parse("30201").unwrap(),
            function_code: FunctionCode::parse("2060401").unwrap(),
            project_code: Some(ProjectCode("410800240000000532".to_string())),
            amount_yuan: Yuan::new(Decimal::new((rng.next() % 1_000_000) as i64 + 1, 2)).unwrap(),
            voucher_no: Some(format!("记-2024-{seq:06}")),
            summary: "购买办公用品（打印纸、墨盒）".to_string(),
        })
    } else {
        let invited = 20 + (rng.next() % 30) as u32;
        Event::ActivityHeld(ActivityHeld {
            evidence: Vec::new(),
            activity_id: Uuid::from_u64_pair(rng.next(), seq),
            project_code: ProjectCode("410800240000000532".to_string()),
            held_on: day,
            title: "科技合作交流活动".to_string(),
            invited,
            participants: invited / 2,
        })
    }
}

/// The child: append forever from several threads, printing acknowledged ids.
fn run_child(db: &str, round: u64) -> ! {
    let store = Store::open(StoreOptions::new(db)).unwrap();
    let started = Instant::now();
    let threads: Vec<_> = (0..CHILD_THREADS)
        .map(|thread| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut rng = Rng(clock_seed() ^ (thread << 40));
                // Each thread owns one stream and appends at its exact version: after a crash
                // the version read back must continue where the acknowledged appends left it.
                let stream = StreamId::new(format!("CRASH-{thread}"), 2024);
                let mut version = store.stream_version(&stream).unwrap();
                let mut batch_no = 0u64;
                while started.elapsed() < CHILD_RUN_MAX {
                    batch_no += 1;
                    let tag = (round << 56) | (thread << 48) | batch_no;
                    let len = rng.between(1, BATCH_EVENTS_MAX);
                    let meta = EventMeta {
                        actor: "crash-test".to_string(),
                        request_id: format!("batch-{tag:016x}"),
                        recorded_at: None,
                    };
                    let events: Vec<NewEvent> = (0..len)
                        .map(|i| {
                            let event = make_event(&mut rng, tag ^ i);
                            NewEvent::new(event_id(tag, len, i), event, meta.clone()).unwrap()
                        })
                        .collect();
                    let ids: Vec<Uuid> = events.iter().map(NewEvent::event_id).collect();
                    let appended = store
                        .append(stream.clone(), ExpectedVersion::Exact(version), events)
                        .unwrap();
                    version = appended.stream_version;
                    // Acknowledged: only now may the ids be reported as durable.
                    let mut out = std::io::stdout().lock();
                    for id in ids {
                        writeln!(out, "{ACK_PREFIX}{id}").unwrap();
                    }
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        // A panicking thread (an append error) ends the child with a failure status, which the
        // parent notices because the child is then no longer running when it comes to kill it.
        if t.join().is_err() {
            std::process::exit(2);
        }
    }
    std::process::exit(3)
}

/// Complete acknowledgement lines of the child's stdout. A line cut by the kill has no newline
/// and is not counted (its event may or may not be stored, both are correct).
fn read_acks(stdout: impl Read) -> Vec<Uuid> {
    let mut reader = BufReader::new(stdout);
    let mut acks = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return acks,
            Ok(_) => {
                if let Some(rest) = line.strip_prefix(ACK_PREFIX)
                    && let Some(id) = rest.strip_suffix('\n')
                {
                    acks.push(Uuid::parse_str(id).unwrap());
                }
            }
        }
    }
}

/// One round: start the child, wait until it is under load, SIGKILL it, return what it acked.
fn crash_round(db: &Path, round: u64, rng: &mut Rng, stderr_path: &Path) -> Vec<Uuid> {
    let stderr = std::fs::File::create(stderr_path).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_DB_ENV, db)
        .env(CHILD_ROUND_ENV, round.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // The reader thread reports the first ack as soon as it arrives, then collects the rest.
    let (first_tx, first_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        loop {
            first.clear();
            match reader.read_line(&mut first) {
                Ok(0) | Err(_) => {
                    let _ = first_tx.send(false);
                    return Vec::new();
                }
                Ok(_) if first.starts_with(ACK_PREFIX) && first.ends_with('\n') => break,
                Ok(_) => {}
            }
        }
        let _ = first_tx.send(true);
        let mut acks = read_acks(reader);
        let id = first.trim_end().strip_prefix(ACK_PREFIX).unwrap();
        acks.push(Uuid::parse_str(id).unwrap());
        acks
    });
    let under_load = first_rx.recv_timeout(FIRST_ACK_WAIT_MAX).unwrap_or(false);
    if under_load {
        std::thread::sleep(Duration::from_millis(
            rng.between(KILL_AFTER_MS_MIN, KILL_AFTER_MS_MAX),
        ));
    }
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, no checkpoint runs.
    child.wait().unwrap();
    let acks = reader.join().unwrap();
    let child_stderr = std::fs::read_to_string(stderr_path).unwrap_or_default();
    assert!(
        under_load,
        "round {round}: the child acknowledged nothing; its stderr:\n{child_stderr}"
    );
    assert!(
        still_running,
        "round {round}: the child stopped before the kill; its stderr:\n{child_stderr}"
    );
    acks
}

/// Reopen the database and check everything a user relies on after a crash.
fn check_recovered(db: &Path, acked: &HashSet<Uuid>, round: u64, previous_events: u64) -> u64 {
    let store = Store::open(StoreOptions::new(db)).unwrap();
    assert_eq!(
        store.integrity_check().unwrap(),
        Vec::<String>::new(),
        "round {round}: integrity_check"
    );
    let report = store.verify().unwrap();
    assert_eq!(
        report.first_broken, None,
        "round {round}: the hash chain is broken"
    );
    let head = store.head().unwrap();
    assert_eq!(
        report.events_checked, head.position,
        "round {round}: verify checked the whole log"
    );
    assert_eq!(
        store.read_model_checkpoint().unwrap(),
        head.position,
        "round {round}: read models lag the log"
    );

    // Read the whole log back: positions gapless, ids grouped by batch.
    let mut present: HashSet<Uuid> = HashSet::new();
    let mut batches: BTreeMap<u64, Vec<(u64, u64, u64, String)>> = BTreeMap::new(); // tag → (index, len, position, stream)
    let mut expected_position = 1;
    let mut from = 1;
    loop {
        let page = store
            .read_all(from, READ_PAGE, &ReadFilter::default())
            .unwrap();
        for e in &page.events {
            assert_eq!(
                e.position, expected_position,
                "round {round}: gap in positions"
            );
            expected_position += 1;
            assert!(
                present.insert(e.event_id),
                "round {round}: event {} stored twice",
                e.event_id
            );
            let (tag, len, index) = batch_of(e.event_id);
            batches
                .entry(tag)
                .or_default()
                .push((index, len, e.position, e.stream.to_string()));
        }
        match page.next_position {
            Some(next) => from = next,
            None => break,
        }
    }
    let stored = expected_position - 1;
    assert_eq!(
        stored, head.position,
        "round {round}: read_all and head disagree"
    );
    assert!(
        stored > previous_events,
        "round {round}: the log did not grow"
    );

    let lost: Vec<&Uuid> = acked.iter().filter(|id| !present.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "round {round}: {} acknowledged events lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );

    for (tag, members) in &batches {
        let len = members[0].1;
        let indexes: Vec<u64> = members.iter().map(|m| m.0).collect();
        assert_eq!(
            indexes,
            (0..len).collect::<Vec<_>>(),
            "round {round}: batch {tag:016x} is partial"
        );
        // One batch is one contiguous run of positions on one stream.
        let first = members[0].2;
        assert!(
            members
                .iter()
                .enumerate()
                .all(|(i, m)| m.2 == first + i as u64 && m.3 == members[0].3),
            "round {round}: batch {tag:016x} is not contiguous on one stream"
        );
    }
    stored
}

#[test]
fn acknowledged_appends_survive_sigkill_and_no_batch_is_ever_partial() {
    if let Ok(db) = std::env::var(CHILD_DB_ENV) {
        let round = std::env::var(CHILD_ROUND_ENV)
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        run_child(&db, round);
    }
    let seed = clock_seed();
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut acked: HashSet<Uuid> = HashSet::new();
    let mut stored = 0;
    for round in 1..=ROUNDS {
        let acks = crash_round(
            &db,
            round,
            &mut rng,
            &dir.path().join(format!("child-{round}.stderr")),
        );
        assert!(
            !acks.is_empty(),
            "round {round}: no acknowledgement was read"
        );
        let acked_this_round = acks.len();
        acked.extend(acks);
        stored = check_recovered(&db, &acked, round, stored);
        eprintln!(
            "round {round}: {acked_this_round} acknowledged, {stored} events in the log after recovery"
        );
        // Acknowledged ⊆ stored; some unacknowledged (killed mid-reply) events may be stored too.
        assert!(stored >= acked.len() as u64);
    }
}
