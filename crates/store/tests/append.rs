//! Appending: optimistic concurrency, permanent idempotency, all-or-nothing batches, one
//! gapless global order, and the limits of a request.

#[macro_use]
mod common;

use common::*;
use jixiao_store::model::MAX_EVENTS_PER_APPEND;
use jixiao_store::{AppendError, ExpectedVersion, KnownAt, NewEvent, ReadFilter};
use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use uuid::Uuid;

/// A new payment event (fresh id) on line B-30201 of economic code 30201.
fn paid(on: chrono::NaiveDate, amount: &str) -> NewEvent {
    new_event(payment(Uuid::new_v4(), "B-30201", "30201", on, amount))
}
both_engines!(racing_appenders_at_the_same_version_produce_exactly_one_winner_per_race);
fn racing_appenders_at_the_same_version_produce_exactly_one_winner_per_race(db: &TestDb) {
    let store = db.open();
    let s = stream("261301");
    const THREADS: usize = 8;
    const RACES: u64 = 25;
    for race in 0..RACES {
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (store, s, barrier) = (store.clone(), s.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let e = paid(date(3, 1), "10.00");
                    barrier.wait();
                    store.append(s, ExpectedVersion::Exact(race), vec![e])
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(winners, 1, "race {race}");
        for r in &results {
            if let Err(e) = r {
                assert!(
                    matches!(e, AppendError::WrongVersion { current, .. } if *current == race + 1),
                    "loser of race {race} got {e:?}"
                );
            }
        }
    }
    let events = store.read_stream(&s, KnownAt::Now).unwrap();
    let versions: Vec<u64> = events.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=RACES).collect::<Vec<_>>());
    assert_eq!(store.stream_version(&s).unwrap(), RACES);
}

both_engines!(a_retried_batch_returns_the_original_positions_and_writes_nothing_new);
fn a_retried_batch_returns_the_original_positions_and_writes_nothing_new(db: &TestDb) {
    let store = db.open();
    let s = stream("261301");
    let batch: Vec<NewEvent> = (0..3).map(|i| paid(date(3, i + 1), "5.00")).collect();
    let first = store
        .append(s.clone(), ExpectedVersion::NoStream, batch.clone())
        .unwrap();
    // The retry carries the original expectation, which no longer holds: idempotency wins.
    for _ in 0..3 {
        let again = store
            .append(s.clone(), ExpectedVersion::NoStream, batch.clone())
            .unwrap();
        assert_eq!(again, first);
    }
    assert_eq!(store.head().unwrap().position, 3);
    assert_eq!(store.read_stream(&s, KnownAt::Now).unwrap().len(), 3);
}

both_engines!(retries_from_many_threads_after_lost_replies_never_duplicate_an_event);
fn retries_from_many_threads_after_lost_replies_never_duplicate_an_event(db: &TestDb) {
    let store = db.open();
    let batches: Vec<Vec<NewEvent>> = (0..20)
        .map(|i| vec![paid(date(4, 1), &format!("{i}.00"))])
        .collect();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (store, batches) = (store.clone(), batches.clone());
            std::thread::spawn(move || {
                batches
                    .into_iter()
                    .map(|b| {
                        store
                            .append(stream("261301"), ExpectedVersion::Any, b)
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<Vec<_>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for r in &results[1..] {
        assert_eq!(r, &results[0], "every retry sees the original result");
    }
    assert_eq!(store.head().unwrap().position, 20);
}

both_engines!(the_same_id_with_different_content_is_a_conflict);
fn the_same_id_with_different_content_is_a_conflict(db: &TestDb) {
    let store = db.open();
    let id = Uuid::new_v4();
    let pay = |amount: &str| {
        NewEvent::new(
            id,
            payment(Uuid::nil(), "B-30201", "30201", date(3, 1), amount),
            meta(),
        )
        .unwrap()
    };
    store
        .append(stream("261301"), ExpectedVersion::Any, vec![pay("1.00")])
        .unwrap();
    let err = store
        .append(stream("261301"), ExpectedVersion::Any, vec![pay("2.00")])
        .unwrap_err();
    assert!(matches!(err, AppendError::IdempotencyConflict { event_id } if event_id == id));
    // Same content in another stream is different content too.
    let err = store
        .append(stream("261302"), ExpectedVersion::Any, vec![pay("1.00")])
        .unwrap_err();
    assert!(matches!(err, AppendError::IdempotencyConflict { .. }));
    assert_eq!(store.head().unwrap().position, 1);
}

both_engines!(a_batch_mixing_stored_and_new_ids_is_a_conflict_and_writes_nothing);
fn a_batch_mixing_stored_and_new_ids_is_a_conflict_and_writes_nothing(db: &TestDb) {
    let store = db.open();
    let old = paid(date(3, 1), "1.00");
    store
        .append(stream("261301"), ExpectedVersion::Any, vec![old.clone()])
        .unwrap();
    let fresh = paid(date(3, 2), "1.00");
    let err = store
        .append(
            stream("261301"),
            ExpectedVersion::Any,
            vec![old.clone(), fresh],
        )
        .unwrap_err();
    assert!(
        matches!(err, AppendError::IdempotencyConflict { event_id } if event_id == old.event_id())
    );
    assert_eq!(store.head().unwrap().position, 1);
}

both_engines!(a_batch_naming_one_new_id_twice_is_a_conflict_and_writes_nothing);
/// Neither a retry nor a new batch: refused before it reaches the writer.
fn a_batch_naming_one_new_id_twice_is_a_conflict_and_writes_nothing(db: &TestDb) {
    let store = db.open();
    let e = paid(date(3, 1), "1.00");
    let err = store
        .append(
            stream("261301"),
            ExpectedVersion::Any,
            vec![e.clone(), e.clone()],
        )
        .unwrap_err();
    assert!(
        matches!(err, AppendError::DuplicateInBatch { event_id } if event_id == e.event_id()),
        "{err:?}"
    );
    assert_eq!(store.head().unwrap().position, 0);
    // The same event alone is new and is stored.
    store
        .append(stream("261301"), ExpectedVersion::Any, vec![e])
        .unwrap();
    assert_eq!(store.head().unwrap().position, 1);
}

both_engines!(a_rejected_batch_writes_nothing_and_reports_the_current_version);
fn a_rejected_batch_writes_nothing_and_reports_the_current_version(db: &TestDb) {
    let store = db.open();
    let s = stream("261301");
    store
        .append(
            s.clone(),
            ExpectedVersion::NoStream,
            vec![new_event(budget_approved("261301"))],
        )
        .unwrap();
    let batch: Vec<NewEvent> = (0..5).map(|_| paid(date(3, 1), "1.00")).collect();
    let err = store
        .append(s.clone(), ExpectedVersion::Exact(0), batch.clone())
        .unwrap_err();
    assert!(matches!(
        err,
        AppendError::WrongVersion {
            expected: ExpectedVersion::Exact(0),
            current: 1
        }
    ));
    assert_eq!(store.head().unwrap().position, 1);
    assert_eq!(store.read_model_checkpoint().unwrap(), 1);
    // The same ids are still free: nothing of the rejected batch was kept.
    let ok = store.append(s, ExpectedVersion::Exact(1), batch).unwrap();
    assert_eq!(ok.positions, vec![2, 3, 4, 5, 6]);
    assert_eq!(ok.stream_version, 6);
}

both_engines!(one_failing_request_in_a_group_does_not_abort_the_others);
fn one_failing_request_in_a_group_does_not_abort_the_others(db: &TestDb) {
    let store = db.open();
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                let e = paid(date(3, 1), "1.00");
                // Every odd request expects a version its own fresh stream cannot have.
                let expected = if i % 2 == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(7)
                };
                (i, store.append(stream(&format!("U{i}")), expected, vec![e]))
            })
        })
        .collect();
    for h in handles {
        let (i, r) = h.join().unwrap();
        assert_eq!(r.is_ok(), i % 2 == 0, "request {i}: {r:?}");
    }
    let page = store.read_all(1, 1000, &ReadFilter::default()).unwrap();
    let positions: Vec<u64> = page.events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=16).collect::<Vec<_>>());
    assert!(store.verify().unwrap().first_broken.is_none());
}

both_engines!(a_reader_tailing_the_log_during_concurrent_appends_sees_every_position_once_in_order);
fn a_reader_tailing_the_log_during_concurrent_appends_sees_every_position_once_in_order(
    db: &TestDb,
) {
    let store = db.open();
    const WRITERS: usize = 6;
    const APPENDS: usize = 60;
    let total = (WRITERS * APPENDS * 2) as u64;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..APPENDS {
                    let batch = (0..2).map(|_| paid(date(5, 1), "1.00")).collect();
                    store
                        .append(stream(&format!("U{w}")), ExpectedVersion::Any, batch)
                        .unwrap();
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut next = 1;
    while (seen.len() as u64) < total {
        let page = store.read_all(next, 7, &ReadFilter::default()).unwrap();
        for e in &page.events {
            seen.push(e.position);
        }
        if let Some(last) = page.events.last() {
            next = last.position + 1;
        }
    }
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
}

both_engines!(a_stream_of_exactly_the_read_limit_reads_whole_and_one_event_more_is_refused);
/// A whole-stream read returns a stream of exactly `max_stream_read` events and refuses one
/// event more with a limit error naming the limit (never a stream cut short). The limit is
/// lowered through the options to keep the test fast; the defaults agree with the domain's
/// `MAX_EVENTS_PER_YEAR` (unit test in `options.rs`).
fn a_stream_of_exactly_the_read_limit_reads_whole_and_one_event_more_is_refused(db: &TestDb) {
    const LIMIT: usize = 5;
    let mut options = db.options();
    options.max_stream_read = LIMIT;
    let store = jixiao_store::Store::open(options).unwrap();
    let s = stream("261301");
    let pay = || paid(date(3, 1), "1.00");
    store
        .append(
            s.clone(),
            ExpectedVersion::NoStream,
            (0..LIMIT).map(|_| pay()).collect(),
        )
        .unwrap();
    let whole = store.read_stream(&s, KnownAt::Now).unwrap();
    assert_eq!(
        whole.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        (1..=LIMIT as u64).collect::<Vec<_>>()
    );
    store
        .append(s.clone(), ExpectedVersion::Exact(LIMIT as u64), vec![pay()])
        .unwrap();
    match store.read_stream(&s, KnownAt::Now) {
        Err(jixiao_store::StoreError::Limit { what, max }) => {
            assert_eq!(max, LIMIT as u64);
            assert!(what.contains("events per stream read"), "{what}");
        }
        other => panic!("expected the read limit, got {other:?}"),
    }
    // The stream as known before the extra event still reads whole, and pages still read all.
    assert_eq!(
        store
            .read_stream(&s, KnownAt::Position(LIMIT as u64))
            .unwrap(),
        whole
    );
    let rest = store
        .read_stream_page(&s, LIMIT as u64, LIMIT, KnownAt::Now)
        .unwrap();
    assert_eq!(rest.len(), 1);
}

both_engines!(requests_beyond_the_limits_are_refused_before_reaching_the_writer);
fn requests_beyond_the_limits_are_refused_before_reaching_the_writer(db: &TestDb) {
    let store = db.open();
    let too_many: Vec<NewEvent> = (0..=MAX_EVENTS_PER_APPEND)
        .map(|_| paid(date(3, 1), "1.00"))
        .collect();
    assert!(matches!(
        store.append(stream("261301"), ExpectedVersion::Any, too_many),
        Err(AppendError::BatchTooLarge { .. })
    ));
    assert!(matches!(
        store.append(stream("261301"), ExpectedVersion::Any, vec![]),
        Err(AppendError::EmptyBatch)
    ));
    let e = paid(date(3, 1), "1.00");
    assert!(matches!(
        store.append(stream("261301"), ExpectedVersion::Any, vec![e.clone(), e]),
        Err(AppendError::DuplicateInBatch { .. })
    ));
    let mut long = payment(Uuid::new_v4(), "B-30201", "30201", date(3, 1), "1.00");
    if let jixiao_domain::event::Event::PaymentRecorded(p) = &mut long {
        p.summary = "长".repeat(30_000);
    }
    assert!(matches!(
        NewEvent::new(Uuid::new_v4(), long, meta()),
        Err(AppendError::PayloadTooLarge { .. })
    ));
    assert!(matches!(
        store.append(
            stream(""),
            ExpectedVersion::Any,
            vec![new_event(budget_approved("x"))]
        ),
        Err(AppendError::InvalidStream { .. })
    ));
    assert_eq!(store.head().unwrap().position, 0);
}

both_engines!(stored_events_carry_their_metadata_and_distinct_ids);
fn stored_events_carry_their_metadata_and_distinct_ids(db: &TestDb) {
    let store = db.open();
    let e = new_event(budget_approved("261301"));
    store
        .append(stream("261301"), ExpectedVersion::Any, vec![e.clone()])
        .unwrap();
    let got = store.read_stream(&stream("261301"), KnownAt::Now).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_id, e.event_id());
    assert_eq!(&got[0].event, e.event());
    assert_eq!(got[0].actor, "clerk");
    assert_eq!(got[0].request_id, "req-1");
    assert_eq!(got[0].business_date, date(1, 15));
    let ids: HashSet<Uuid> = got.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), got.len());
}

both_engines!(concurrent_appends_share_commits);
fn concurrent_appends_share_commits(db: &TestDb) {
    let store = db.open();
    const CLIENTS: usize = 32;
    const APPENDS: usize = 20;
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let handles: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (store, barrier) = (store.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for _ in 0..APPENDS {
                    let e = paid(date(3, 1), "1.00");
                    store
                        .append(stream(&format!("U{c}")), ExpectedVersion::Any, vec![e])
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let stats = store.writer_stats();
    let total = (CLIENTS * APPENDS) as u64;
    assert_eq!(stats.requests, total);
    assert_eq!(stats.events_written, total);
    // With 32 clients waiting on the writer, groups form: fewer commits than appends.
    assert!(stats.groups_committed < total, "{stats:?}");
}

both_engines!(a_batch_ending_in_a_stored_id_is_refused_alone_while_its_group_commits);
fn a_batch_ending_in_a_stored_id_is_refused_alone_while_its_group_commits(db: &TestDb) {
    let store = db.open();
    let stored = Uuid::new_v4();
    let original = NewEvent::new(
        stored,
        payment(Uuid::new_v4(), "B-30201", "30201", date(3, 1), "5.00"),
        meta(),
    )
    .unwrap();
    store
        .append(
            stream("U-OLD"),
            ExpectedVersion::Any,
            vec![original.clone()],
        )
        .unwrap();
    // Many requests at once so they share groups; every fourth is a batch of new events
    // followed by the stored id (the writer has to undo what it already inserted).
    const REQUESTS: usize = 40;
    let barrier = Arc::new(Barrier::new(REQUESTS));
    let handles: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let original = original.clone();
            std::thread::spawn(move || {
                let fresh = || paid(date(4, 1), "1.00");
                let mut batch = vec![fresh(), fresh()];
                if i % 4 == 0 {
                    batch.push(original);
                }
                barrier.wait();
                (
                    i,
                    store.append(stream(&format!("U{i}")), ExpectedVersion::NoStream, batch),
                )
            })
        })
        .collect();
    for h in handles {
        let (i, r) = h.join().unwrap();
        if i % 4 == 0 {
            assert!(
                matches!(r, Err(AppendError::IdempotencyConflict { event_id }) if event_id == stored),
                "request {i}: {r:?}"
            );
        } else {
            let a = r.unwrap();
            assert_eq!(a.stream_version, 2, "request {i}");
        }
    }
    let accepted = (REQUESTS - REQUESTS / 4) * 2;
    let page = store.read_all(1, 1000, &ReadFilter::default()).unwrap();
    let positions: Vec<u64> = page.events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=1 + accepted as u64).collect::<Vec<_>>());
    assert!(store.verify().unwrap().first_broken.is_none());
    for i in 0..REQUESTS {
        let rows = store.execution(&format!("U{i}"), 2024, None).unwrap();
        let paid: Vec<String> = rows.iter().map(|r| r.paid_yuan.to_string()).collect();
        if i % 4 == 0 {
            assert!(
                rows.is_empty(),
                "refused request {i} left read-model rows {paid:?}"
            );
        } else {
            assert_eq!(paid, ["2.00"], "request {i}");
        }
    }
}

#[test]
fn the_known_stream_version_follows_every_append_and_read_without_running_ahead_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (a, b) = (stream("261301"), stream("261302"));
    let pay = || paid(date(3, 1), "10.00");
    assert_eq!(store.known_stream_version(&a), None, "nothing seen yet");
    store
        .append(a.clone(), ExpectedVersion::Exact(0), vec![pay(), pay()])
        .unwrap();
    assert_eq!(
        store.known_stream_version(&a),
        Some(2),
        "published on commit"
    );
    // A refused append changes nothing.
    assert!(
        store
            .append(a.clone(), ExpectedVersion::Exact(0), vec![pay()])
            .is_err()
    );
    assert_eq!(store.known_stream_version(&a), Some(2));
    // A retry answered with its original positions does not move the version back.
    let first = pay();
    store
        .append(a.clone(), ExpectedVersion::Any, vec![first.clone()])
        .unwrap();
    store
        .append(a.clone(), ExpectedVersion::Any, vec![pay()])
        .unwrap();
    store
        .append(a.clone(), ExpectedVersion::Any, vec![first])
        .unwrap();
    assert_eq!(store.known_stream_version(&a), Some(4));
    assert_eq!(
        store.known_stream_version(&a),
        Some(store.stream_version(&a).unwrap())
    );
    // A read past the end of a stream says nothing; a read of its end (or of an empty
    // stream from the start) seeds it.
    assert_eq!(store.known_stream_version(&b), None);
    store.read_stream_page(&b, 7, 10, KnownAt::Now).unwrap();
    assert_eq!(store.known_stream_version(&b), None, "asked past the end");
    store.read_stream_page(&b, 0, 10, KnownAt::Now).unwrap();
    assert_eq!(store.known_stream_version(&b), Some(0), "an empty stream");
    // Reads of the past never seed.
    let reopened = {
        drop(store);
        open(&dir)
    };
    reopened
        .read_stream_page(&a, 0, 10, KnownAt::Position(1))
        .unwrap();
    assert_eq!(reopened.known_stream_version(&a), None);
    // A page cut by its limit is not the end.
    reopened.read_stream_page(&a, 0, 2, KnownAt::Now).unwrap();
    assert_eq!(reopened.known_stream_version(&a), None);
    reopened.read_stream_page(&a, 2, 10, KnownAt::Now).unwrap();
    assert_eq!(reopened.known_stream_version(&a), Some(4));
}

postgres_only!(postgres_never_claims_a_stream_version_another_process_may_have_passed);
/// On PostgreSQL another process may append to any stream at any time: the store never
/// claims to know a stream's version without reading the log, so the application asks.
fn postgres_never_claims_a_stream_version_another_process_may_have_passed(db: &TestDb) {
    let (one, two) = (db.open(), db.open());
    let s = stream("261301");
    let pay = || paid(date(3, 1), "10.00");
    one.append(s.clone(), ExpectedVersion::Exact(0), vec![pay()])
        .unwrap();
    one.read_stream(&s, KnownAt::Now).unwrap();
    assert_eq!(one.known_stream_version(&s), None);
    two.append(s.clone(), ExpectedVersion::Exact(1), vec![pay()])
        .unwrap();
    assert_eq!(one.stream_version(&s).unwrap(), 2);
    // A decision made on the old version by the first "process" is refused, as on SQLite.
    assert!(matches!(
        one.append(s.clone(), ExpectedVersion::Exact(1), vec![pay()]),
        Err(AppendError::WrongVersion { current: 2, .. })
    ));
}

postgres_only!(two_processes_appending_to_one_postgres_database_keep_one_gapless_verified_log);
/// Two `Store` handles on one PostgreSQL database are two processes: their writer threads
/// append concurrently (the same streams and their own), retry each other's batches, and race
/// on versions. Every acknowledged append is present once, positions are gapless, the chain
/// verifies, and both handles read the same log and the same read models.
fn two_processes_appending_to_one_postgres_database_keep_one_gapless_verified_log(db: &TestDb) {
    const THREADS_PER_PROCESS: usize = 4;
    const APPENDS: usize = 40;
    let processes = [db.open(), db.open()];
    let barrier = Arc::new(Barrier::new(2 * THREADS_PER_PROCESS));
    let handles: Vec<_> = (0..2 * THREADS_PER_PROCESS)
        .map(|t| {
            let store = processes[t % 2].clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut acked: Vec<(Uuid, u64)> = Vec::new();
                for i in 0..APPENDS {
                    // Half the appends go to a stream every thread shares, with an expected
                    // version read first (so races across processes happen); the rest to the
                    // thread's own stream, two events at a time.
                    if i % 2 == 0 {
                        let s = stream("261301");
                        let e = paid(date(3, 1), "1.00");
                        let id = e.event_id();
                        let v = store.stream_version(&s).unwrap();
                        match store.append(s, ExpectedVersion::Exact(v), vec![e]) {
                            Ok(a) => acked.push((id, a.first_position)),
                            Err(AppendError::WrongVersion { current, .. }) => assert!(current > v),
                            Err(e) => panic!("{e}"),
                        }
                    } else {
                        let batch = vec![paid(date(3, 2), "2.00"), paid(date(3, 3), "3.00")];
                        let ids: Vec<Uuid> = batch.iter().map(|e| e.event_id()).collect();
                        let a = store
                            .append(
                                stream(&format!("U{t}")),
                                ExpectedVersion::Any,
                                batch.clone(),
                            )
                            .unwrap();
                        // A retry through either process returns the original positions.
                        assert_eq!(
                            store
                                .append(stream(&format!("U{t}")), ExpectedVersion::Any, batch)
                                .unwrap(),
                            a
                        );
                        acked.extend(ids.into_iter().zip(a.positions));
                    }
                }
                acked
            })
        })
        .collect();
    let acked: Vec<(Uuid, u64)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let [one, two] = processes;
    let head = one.head().unwrap();
    let page = one.read_all(1, 1000, &ReadFilter::default()).unwrap();
    let positions: Vec<u64> = page.events.iter().map(|e| e.position).collect();
    assert_eq!(
        positions,
        (1..=head.position).collect::<Vec<_>>(),
        "gapless"
    );
    assert_eq!(
        acked.len() as u64,
        head.position,
        "every event acknowledged once"
    );
    for (id, position) in &acked {
        let e = &page.events[(*position - 1) as usize];
        assert_eq!(e.event_id, *id, "acknowledged at its position");
    }
    let ids: HashSet<Uuid> = page.events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), page.events.len(), "no event twice");
    let report = two.verify().unwrap();
    assert_eq!((report.first_broken, report.head), (None, head));
    assert_eq!(two.head().unwrap(), head);
    assert_eq!(
        one.read_all(1, 1000, &ReadFilter::default()).unwrap(),
        two.read_all(1, 1000, &ReadFilter::default()).unwrap()
    );
    assert_eq!(
        one.unit_summaries(2024, None).unwrap(),
        two.unit_summaries(2024, None).unwrap()
    );
    assert_eq!(one.read_model_checkpoint().unwrap(), head.position);
    let shared: Vec<u64> = one
        .read_stream(&stream("261301"), KnownAt::Now)
        .unwrap()
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(shared, (1..=shared.len() as u64).collect::<Vec<_>>());
}

both_engines!(append_then_answers_through_its_callback_what_append_would_return);
fn append_then_answers_through_its_callback_what_append_would_return(db: &TestDb) {
    let store = db.open();
    let s = stream("261301");
    let (tx, rx) = std::sync::mpsc::channel();
    let answer = move |tx: std::sync::mpsc::Sender<_>| move |r| tx.send(r).unwrap();
    let queued = store
        .append_then(
            s.clone(),
            ExpectedVersion::NoStream,
            vec![new_event(budget_approved("261301"))],
            answer(tx.clone()),
        )
        .unwrap();
    assert!(queued);
    let first = rx.recv().unwrap().unwrap();
    assert_eq!(
        (first.positions.clone(), first.stream_version),
        (vec![1], 1)
    );
    // A wrong version is answered through the callback too, and writes nothing.
    let pay = || paid(date(3, 1), "1.00");
    assert!(
        store
            .append_then(
                s.clone(),
                ExpectedVersion::Exact(0),
                vec![pay()],
                answer(tx.clone())
            )
            .unwrap()
    );
    assert!(matches!(
        rx.recv().unwrap(),
        Err(AppendError::WrongVersion { current: 1, .. })
    ));
    // A batch refused before it is queued is an error of the call; the callback is dropped.
    let refused = store.append_then(s.clone(), ExpectedVersion::Any, vec![], answer(tx.clone()));
    assert!(matches!(refused, Err(AppendError::EmptyBatch)));
    let second = store
        .append(s, ExpectedVersion::Exact(1), vec![pay()])
        .unwrap();
    assert_eq!(second.positions, vec![2]);
    drop(tx);
    assert!(rx.recv().is_err(), "no other answer was sent");
}

postgres_only!(appends_without_an_expected_version_through_two_processes_to_one_stream_all_succeed);
/// Two processes decide their groups' versions before taking the head's row lock: when the
/// other appended to the same stream in between, the insert breaks the (stream, version)
/// index and the group runs again under the lock. A client that sent no expected version
/// never sees that race: every append succeeds, once, at the next version.
fn appends_without_an_expected_version_through_two_processes_to_one_stream_all_succeed(
    db: &TestDb,
) {
    const THREADS_PER_PROCESS: usize = 4;
    const APPENDS: usize = 30;
    let processes = [db.open(), db.open()];
    let s = stream("261301");
    let barrier = Arc::new(Barrier::new(2 * THREADS_PER_PROCESS));
    let handles: Vec<_> = (0..2 * THREADS_PER_PROCESS)
        .map(|t| {
            let store = processes[t % 2].clone();
            let barrier = barrier.clone();
            let s = s.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (0..APPENDS)
                    .map(|_| {
                        let e = paid(date(3, 1), "1.00");
                        let id = e.event_id();
                        let a = store
                            .append(s.clone(), ExpectedVersion::Any, vec![e])
                            .unwrap_or_else(|e| panic!("an append without If-Match failed: {e}"));
                        (id, a.stream_version)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let acked: Vec<(Uuid, u64)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let [one, two] = processes;
    let events = two.read_stream(&s, KnownAt::Now).unwrap();
    assert_eq!(events.len(), 2 * THREADS_PER_PROCESS * APPENDS);
    let versions: Vec<u64> = events.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=events.len() as u64).collect::<Vec<_>>());
    for (id, version) in &acked {
        assert_eq!(
            events[(*version - 1) as usize].event_id,
            *id,
            "at its version"
        );
    }
    let report = one.verify().unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(one.read_model_checkpoint().unwrap(), report.head.position);
}

postgres_only!(the_same_batch_sent_through_two_processes_at_once_is_stored_once);
/// A client retrying through a second server while the first still works on its batch: both
/// see the ids unstored before the lock, one insert wins, the other breaks the event-id index,
/// runs again under the lock and answers the winner's positions.
fn the_same_batch_sent_through_two_processes_at_once_is_stored_once(db: &TestDb) {
    const BATCHES: usize = 40;
    let processes = [db.open(), db.open()];
    let batches: Vec<Vec<_>> = (0..BATCHES)
        .map(|i| {
            (0..3)
                .map(|k| {
                    new_event(payment(
                        Uuid::new_v4(),
                        "B-30201",
                        "30201",
                        date(3, 1 + (k as u32)),
                        &format!("{}.00", i + 1),
                    ))
                })
                .collect()
        })
        .collect();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = processes
        .iter()
        .map(|store| {
            let (store, batches, barrier) = (store.clone(), batches.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                batches
                    .into_iter()
                    .enumerate()
                    .map(|(i, b)| {
                        store
                            .append(stream(&format!("U{i}")), ExpectedVersion::Any, b)
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let answers: Vec<Vec<_>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        answers[0], answers[1],
        "both processes answer the same positions"
    );
    let [one, _two] = processes;
    let head = one.head().unwrap();
    assert_eq!(
        head.position,
        (BATCHES * 3) as u64,
        "every event stored once"
    );
    assert_eq!(one.verify().unwrap().first_broken, None);
}
