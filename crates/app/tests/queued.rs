//! Writes begun without blocking (`App::start_write`): decided on the cached year, queued at
//! the store's writer, awaited, folded into the shared year — and every case that is not that
//! simple handed back to the blocking `App::write`, with the same answers.

mod common;

use chrono::NaiveDate;
use common::{Fixture, actor, block_on, config, year_with_budget};
use jixiao_app::{App, ErrorKind, Item, Settled, Started, Write, Written};
use jixiao_domain::aggregate::{Command, RecordPayment};
use jixiao_domain::budget::LineId;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, StreamId};
use rust_decimal_macros::dec;
use uuid::Uuid;

fn payment_write(f: &Fixture, line: &LineId, id: u128, if_match: Option<u64>) -> Write {
    let id = Uuid::from_u128(id);
    let command = Command::RecordPayment(RecordPayment {
        payment_id: id,
        paid_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        line_id: line.clone(),
        economic_code: None,
        function_code: None,
        project_code: None,
        amount_yuan: Yuan::new(dec!(2.00)).unwrap(),
        voucher_no: None,
        summary: "测试".to_string(),
    });
    Write {
        stream: f.stream.clone(),
        if_match,
        items: vec![Item::new(id, command)],
        actor: actor(),
        profile: ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap(),
    }
}

/// The year's version as the application serves it (loads the year when not cached).
fn version(app: &App, stream: &StreamId) -> u64 {
    app.with_year(stream, KnownAt::Now, |y| Ok(y.state.version()))
        .unwrap()
}

/// Awaits a queued write and folds it (waiting for the year's lock if it is busy).
fn settle(started: Started) -> Settled {
    let Started::Queued(queued) = started else {
        panic!("expected a queued write");
    };
    let committed = block_on(queued.committed());
    match committed.try_settle() {
        Ok(settled) => settled,
        Err(committed) => committed.settle(),
    }
}

fn done(settled: Settled) -> Written {
    match settled {
        Settled::Done(result) => result.expect("written"),
        Settled::Again(_) => panic!("expected an answer, not a retry"),
    }
}

fn assert_year_equals_replay(app: &App, stream: &StreamId) {
    let replayed =
        jixiao_app::Year::from_recorded(&app.store().read_stream(stream, KnownAt::Now).unwrap());
    app.with_year(stream, KnownAt::Now, |y| {
        assert_eq!(y.state, replayed.state, "the shared state equals a replay");
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_write_to_a_cached_current_year_is_queued_folded_and_equals_a_replay() {
    let f = year_with_budget();
    let before = version(&f.app, &f.stream);
    let started = f
        .app
        .start_write(payment_write(&f, &f.line, 0x10, None))
        .unwrap();
    assert!(matches!(started, Started::Queued(_)));
    // The year is not locked while the write is in flight: a read answers meanwhile.
    let seen = version(&f.app, &f.stream);
    assert!(seen == before || seen == before + 1, "{seen}");
    let written = done(settle(started));
    assert_eq!(written.stream_version, before + 1);
    assert!(!written.replayed);
    assert_eq!(written.event_types, vec!["payment_recorded".to_string()]);
    assert_eq!(version(&f.app, &f.stream), before + 1);
    assert_year_equals_replay(&f.app, &f.stream);
    // A second write, after the first settled, is queued too (the mark was cleared).
    let next = f
        .app
        .start_write(payment_write(&f, &f.line, 0x11, Some(before + 1)))
        .unwrap();
    assert_eq!(done(settle(next)).stream_version, before + 2);
    assert_year_equals_replay(&f.app, &f.stream);
}

#[test]
fn a_second_write_while_one_is_in_flight_a_retry_or_an_unloaded_year_takes_the_blocking_path() {
    let f = year_with_budget();
    let before = version(&f.app, &f.stream);
    let first = f
        .app
        .start_write(payment_write(&f, &f.line, 0x20, None))
        .unwrap();
    assert!(matches!(first, Started::Queued(_)));
    let Started::Blocking(second) = f
        .app
        .start_write(payment_write(&f, &f.line, 0x21, None))
        .unwrap()
    else {
        panic!("a year with a write in flight is not decided on again");
    };
    // The blocking path decides on the log's state: after the first write, never a conflict.
    let w = f.app.write(*second).unwrap();
    assert_eq!(w.stream_version, before + 2);
    assert_eq!(done(settle(first)).stream_version, before + 1);
    assert_year_equals_replay(&f.app, &f.stream);
    // A retry of a stored id is answered by the blocking path (with the original positions).
    let retry = f
        .app
        .start_write(payment_write(&f, &f.line, 0x20, None))
        .unwrap();
    let Started::Blocking(retry) = retry else {
        panic!("a retry is not queued");
    };
    let again = f.app.write(*retry).unwrap();
    assert!(again.replayed);
    assert_eq!(again.stream_version, before + 1);
    // Another application over the store has not read the year yet: blocking path.
    let other = App::new(f.app.store().clone(), config());
    assert!(matches!(
        other
            .start_write(payment_write(&f, &f.line, 0x22, None))
            .unwrap(),
        Started::Blocking(_)
    ));
    // A stale If-Match too (the blocking path names the current version).
    let stale = f
        .app
        .start_write(payment_write(&f, &f.line, 0x23, Some(before)))
        .unwrap();
    let Started::Blocking(stale) = stale else {
        panic!("a stale If-Match is not queued");
    };
    let err = f.app.write(*stale).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(err.current_version, Some(before + 2));
}

#[test]
fn a_refusal_of_the_domain_is_answered_at_once_and_nothing_is_queued() {
    let f = year_with_budget();
    let before = version(&f.app, &f.stream);
    let err = f
        .app
        .start_write(payment_write(
            &f,
            &LineId("no-such-line".into()),
            0x30,
            None,
        ))
        .err()
        .expect("an unknown line is refused");
    assert_eq!(err.kind, ErrorKind::Rejected);
    // The year is free: the next write is queued.
    let next = f
        .app
        .start_write(payment_write(&f, &f.line, 0x31, None))
        .unwrap();
    assert_eq!(done(settle(next)).stream_version, before + 1);
}

#[test]
fn a_queued_write_dropped_before_it_settles_still_commits_and_frees_its_year() {
    let f = year_with_budget();
    let before = version(&f.app, &f.stream);
    let started = f
        .app
        .start_write(payment_write(&f, &f.line, 0x40, None))
        .unwrap();
    assert!(matches!(started, Started::Queued(_)));
    drop(started);
    // The blocking path catches the year up with the log: the dropped write is in it.
    let w = f.app.write(payment_write(&f, &f.line, 0x41, None)).unwrap();
    assert_eq!(w.stream_version, before + 2);
    let next = f
        .app
        .start_write(payment_write(&f, &f.line, 0x42, None))
        .unwrap();
    assert_eq!(done(settle(next)).stream_version, before + 3);
    assert_year_equals_replay(&f.app, &f.stream);
}

#[test]
fn a_queued_write_that_lost_the_race_to_another_application_is_decided_again() {
    let f = year_with_budget();
    // Another application over the same store (its own cache), as a second server over one
    // log would be: both hold the year, current, at the same version.
    let theirs = App::new(f.app.store().clone(), config());
    let before = version(&f.app, &f.stream);
    assert_eq!(version(&theirs, &f.stream), before);
    // Hold the store's writer (a rebuild waiting in its progress callback), so that both
    // writes are decided on the same version before either is committed.
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    let store = f.app.store().clone();
    let rebuild = std::thread::spawn(move || {
        let mut once = Some((entered_tx, release_rx));
        store.rebuild_read_models(move |_, _| {
            if let Some((entered, release)) = once.take() {
                entered.send(()).unwrap();
                release.recv().unwrap();
            }
        })
    });
    entered.recv().unwrap();
    let ours = f
        .app
        .start_write(payment_write(&f, &f.line, 0x50, None))
        .unwrap();
    let other = theirs
        .start_write(payment_write(&f, &f.line, 0x51, None))
        .unwrap();
    assert!(matches!(ours, Started::Queued(_)));
    assert!(matches!(other, Started::Queued(_)));
    release.send(()).unwrap();
    rebuild.join().unwrap().unwrap();
    // The writer takes them in order: ours first; theirs was decided on a stale version.
    assert_eq!(done(settle(ours)).stream_version, before + 1);
    let Settled::Again(write) = settle(other) else {
        panic!("a write decided on a stale year is decided again");
    };
    assert_eq!(theirs.write(*write).unwrap().stream_version, before + 2);
    assert_year_equals_replay(&f.app, &f.stream);
    assert_year_equals_replay(&theirs, &f.stream);
}
