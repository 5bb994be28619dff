//! The one write path, through `App`: concurrent writers to one unit-year without `If-Match`
//! all succeed, retries are recognised, a refused batch changes nothing, and the shared state
//! always equals a replay of the log.

mod common;

use chrono::NaiveDate;
use common::{Fixture, actor, year_with_budget};
use jixiao_app::{App, AppConfig, ErrorKind, Item, Write};
use jixiao_domain::aggregate::{Command, RecordPayment};
use jixiao_domain::budget::LineId;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::KnownAt;
use rust_decimal_macros::dec;
use std::sync::Arc;
use uuid::Uuid;

fn payment(line: &LineId, id: Uuid, amount: rust_decimal::Decimal) -> Command {
    Command::RecordPayment(RecordPayment {
        payment_id: id,
        paid_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        line_id: line.clone(),
        economic_code: None,
        function_code: None,
        project_code: None,
        amount_yuan: Yuan::new(amount).unwrap(),
        voucher_no: None,
        summary: "测试".to_string(),
    })
}

fn write(f: &Fixture, items: Vec<Item>, if_match: Option<u64>) -> Write {
    Write {
        stream: f.stream.clone(),
        if_match,
        items,
        actor: actor(),
        profile: ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap(),
    }
}

fn version(f: &Fixture) -> u64 {
    f.app
        .with_year(&f.stream, KnownAt::Now, |y| Ok(y.state.version()))
        .unwrap()
}

#[test]
fn sixty_four_concurrent_writers_to_one_year_without_if_match_all_succeed() {
    let f = Arc::new(year_with_budget());
    let before = version(&f);
    let threads: Vec<_> = (0..64u128)
        .map(|i| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || {
                let id = Uuid::from_u128(0x1000 + i);
                let item = Item::new(id, payment(&f.line, id, dec!(1.00)));
                f.app.write(write(&f, vec![item], None))
            })
        })
        .collect();
    let mut versions: Vec<u64> = threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap()
                .expect("no conflict reaches the client")
                .stream_version
        })
        .collect();
    versions.sort_unstable();
    let expected: Vec<u64> = (before + 1..=before + 64).collect();
    assert_eq!(versions, expected, "each write got its own next version");
    assert_eq!(version(&f), before + 64);
}

#[test]
fn a_retry_answers_the_original_and_a_reused_id_with_other_content_is_a_conflict() {
    let f = year_with_budget();
    let id = Uuid::from_u128(42);
    let first = f
        .app
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(10)))],
            None,
        ))
        .unwrap();
    let again = f
        .app
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(10)))],
            None,
        ))
        .unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.positions, again.positions);
    let other = f
        .app
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(11)))],
            None,
        ))
        .unwrap_err();
    assert_eq!(other.kind, ErrorKind::Conflict);
    assert_eq!(other.code, "idempotency_conflict");
}

#[test]
fn a_stale_if_match_is_a_conflict_naming_the_current_version() {
    let f = year_with_budget();
    let current = version(&f);
    let id = Uuid::from_u128(7);
    let e = f
        .app
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(1)))],
            Some(current - 1),
        ))
        .unwrap_err();
    assert_eq!(e.code, "version_conflict");
    assert_eq!(e.current_version, Some(current));
    assert_eq!(version(&f), current, "nothing was written");
}

#[test]
fn a_batch_with_one_refused_command_writes_nothing_and_names_the_item() {
    let f = year_with_budget();
    let before = version(&f);
    let ok = Uuid::from_u128(1);
    let bad = Uuid::from_u128(2);
    let mut refused = Item::new(bad, payment(&LineId("no-such-line".into()), bad, dec!(5)));
    refused.field = "items[1]".to_string();
    let e = f
        .app
        .write(write(
            &f,
            vec![Item::new(ok, payment(&f.line, ok, dec!(5))), refused],
            None,
        ))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Rejected);
    assert!(e.errors[0].field.starts_with("items[1]."), "{:?}", e.errors);
    assert_eq!(version(&f), before);
    // The shared state was not touched: the next write appends at the same version.
    let next = f
        .app
        .write(write(
            &f,
            vec![Item::new(ok, payment(&f.line, ok, dec!(5)))],
            Some(before),
        ))
        .unwrap();
    assert_eq!(next.stream_version, before + 1);
}

#[test]
fn the_shared_year_equals_a_replay_of_the_log_and_reports_provenance_as_positions() {
    let f = year_with_budget();
    let mut positions = Vec::new();
    for i in 0..5u128 {
        let id = Uuid::from_u128(100 + i);
        let w = f
            .app
            .write(write(
                &f,
                vec![Item::new(id, payment(&f.line, id, dec!(3.5)))],
                None,
            ))
            .unwrap();
        positions.extend(w.positions);
    }
    let head = f.app.store().head().unwrap().position;
    let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
    let now = f
        .app
        .indicators(&f.stream, None, KnownAt::Now, &profile)
        .unwrap();
    let replayed = f
        .app
        .indicators(&f.stream, None, KnownAt::Position(head), &profile)
        .unwrap();
    assert_eq!(now.len(), replayed.len());
    for (a, b) in now.iter().zip(&replayed) {
        assert_eq!(a.status, b.status);
        assert_eq!(a.source_positions, b.source_positions);
        assert_eq!(a.source_count, b.source_count);
    }
    let execution = now
        .iter()
        .find(|v| v.status.name == "预算执行率")
        .expect("the unit-wide execution rate");
    for p in &positions {
        assert!(
            execution.source_positions.contains(p),
            "payment at {p} is a source of 预算执行率"
        );
    }
    assert!(execution.source_count >= positions.len());
}

#[test]
fn a_year_cached_by_one_app_sees_what_another_app_over_the_store_appended_before_deciding() {
    let f = year_with_budget();
    let other = App::new(f.app.store().clone(), AppConfig::default());
    let before = version(&f);
    // The other application (its own cache) records a payment the first has not read.
    let id = Uuid::from_u128(0x2000);
    let theirs = other
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(5.00)))],
            None,
        ))
        .unwrap();
    assert_eq!(theirs.stream_version, before + 1);
    // The first one's view and its next decision both include it, without a lost race.
    assert_eq!(version(&f), before + 1);
    let id = Uuid::from_u128(0x2001);
    let ours = f
        .app
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(1.00)))],
            Some(before + 1),
        ))
        .unwrap();
    assert_eq!(ours.stream_version, before + 2);
    // A stale If-Match names the version the log holds.
    let id = Uuid::from_u128(0x2002);
    let err = other
        .write(write(
            &f,
            vec![Item::new(id, payment(&f.line, id, dec!(1.00)))],
            Some(before + 1),
        ))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(err.current_version, Some(before + 2));
    let replayed = jixiao_app::Year::from_recorded(
        &f.app.store().read_stream(&f.stream, KnownAt::Now).unwrap(),
    );
    f.app
        .with_year(&f.stream, KnownAt::Now, |y| {
            assert_eq!(y.state, replayed.state, "the shared state equals a replay");
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_indicator_backed_by_more_payments_than_listed_names_the_most_recent_and_counts_them_all() {
    let f = year_with_budget();
    let listed = jixiao_app::read::MAX_SOURCES_LISTED;
    let payments = listed + 30;
    let mut positions = Vec::new();
    for i in 0..payments {
        let id = Uuid::from_u128(0x3000 + i as u128);
        let mut command = payment(&f.line, id, dec!(1.25));
        // Dated out of recorded order, so that "most recent" means recorded last.
        if let Command::RecordPayment(p) = &mut command {
            p.paid_on =
                NaiveDate::from_ymd_opt(2024, 3 + (i % 3) as u32, 1 + (i % 28) as u32).unwrap();
        }
        let w = f
            .app
            .write(write(&f, vec![Item::new(id, command)], None))
            .unwrap();
        positions.extend(w.positions);
    }
    let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
    let now = f
        .app
        .indicators(&f.stream, None, KnownAt::Now, &profile)
        .unwrap();
    let execution = now
        .iter()
        .find(|v| v.status.name == "预算执行率")
        .expect("the unit-wide execution rate");
    // Every payment and the budget approval behind it are counted; the budget approval and
    // the payments recorded last are listed, up to the limit.
    assert_eq!(execution.source_count, payments + 1);
    assert_eq!(execution.status.sources.len(), listed);
    assert_eq!(execution.source_positions.len(), listed);
    let (older, latest) = positions.split_at(payments - (listed - 1));
    assert!(
        latest
            .iter()
            .all(|p| execution.source_positions.contains(p))
    );
    assert!(
        older
            .iter()
            .all(|p| !execution.source_positions.contains(p))
    );
}
