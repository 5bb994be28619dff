//! Views answered without blocking (`App::try_view_now`): for a cached, current, free year and
//! a view of the log now, the same value the blocking `App::view` gives; otherwise no answer
//! (not cached, behind the log's head, locked, `known_at`, many listed facts), and the caller
//! runs the blocking path.

mod common;

use chrono::NaiveDate;
use common::{Fixture, actor, block_on, config, profile, year_with_budget};
use jixiao_app::view::{self, MAX_LISTED_FACTS_NOW, YearView};
use jixiao_app::{App, ErrorKind, Item, Started, Write};
use jixiao_domain::aggregate::{Command, RecordPayment};
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::event::ActivityHeld;
use jixiao_domain::indicator::Scope;
use jixiao_domain::money::Yuan;
use jixiao_store::{KnownAt, StreamId};
use rust_decimal_macros::dec;
use std::fmt::Debug;
use uuid::Uuid;

fn write(f: &Fixture, items: Vec<Item>) -> Write {
    Write {
        stream: f.stream.clone(),
        if_match: None,
        items,
        actor: actor(),
        profile: profile(),
    }
}

fn payment(f: &Fixture, id: u128) -> Write {
    let id = Uuid::from_u128(id);
    let command = Command::RecordPayment(RecordPayment {
        payment_id: id,
        paid_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        line_id: f.line.clone(),
        economic_code: None,
        function_code: None,
        project_code: None,
        amount_yuan: Yuan::new(dec!(1234.56)).unwrap(),
        voucher_no: None,
        summary: "测试".to_string(),
    });
    write(f, vec![Item::new(id, command)])
}

fn activity(f: &Fixture, id: u128) -> Item {
    let id = Uuid::from_u128(id);
    Item::new(
        id,
        Command::HoldActivity(ActivityHeld {
            activity_id: id,
            project_code: f.project.clone(),
            held_on: NaiveDate::from_ymd_opt(2024, 4, 16).unwrap(),
            title: "产学研合作对接会".to_string(),
            invited: 20,
            participants: 18,
            evidence: Vec::new(),
        }),
    )
}

fn as_of() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2024, 6, 30)
}

fn execution() -> view::Execution {
    view::Execution {
        as_of: as_of(),
        profile: profile(),
    }
}

fn indicators() -> view::Indicators {
    view::Indicators {
        as_of: as_of(),
        profile: profile(),
    }
}

fn evaluation() -> view::Evaluation {
    view::Evaluation {
        as_of: None,
        profile: profile(),
    }
}

fn draft(scope: Scope) -> view::MonitoringDraft {
    view::MonitoringDraft {
        scope,
        as_of: NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
        profile: profile(),
    }
}

/// The non-blocking answer, which must be there and equal the blocking one.
fn same_both_ways<V>(
    app: &App,
    stream: &StreamId,
    view: &V,
) -> Result<V::Output, jixiao_app::AppError>
where
    V: YearView,
    V::Output: PartialEq + Debug,
{
    let now = app
        .try_view_now(stream, KnownAt::Now, view)
        .expect("a cached, current, free year is answered without blocking");
    let blocking = app.view(stream, KnownAt::Now, view);
    assert_eq!(now, blocking, "the same view either way");
    now
}

fn none_now<V: YearView>(app: &App, stream: &StreamId, view: &V) -> bool {
    app.try_view_now(stream, KnownAt::Now, view).is_none()
}

#[test]
fn every_view_of_a_cached_current_year_is_answered_now_and_equals_the_blocking_one() {
    let f = year_with_budget();
    f.app.write(payment(&f, 0x100)).unwrap();
    f.app.write(write(&f, vec![activity(&f, 0x101)])).unwrap();
    let summary = same_both_ways(&f.app, &f.stream, &execution())
        .unwrap()
        .expect("the year has budget lines");
    assert!(summary.total.paid_yuan > Yuan::ZERO, "the payment is in it");
    let views = same_both_ways(&f.app, &f.stream, &indicators()).unwrap();
    assert!(!views.is_empty());
    assert!(
        views.iter().any(|v| !v.source_positions.is_empty()),
        "provenance as log positions, from the cached year's index"
    );
    let ev = same_both_ways(&f.app, &f.stream, &evaluation()).unwrap();
    assert!(!ev.projects.is_empty());
    same_both_ways(&f.app, &f.stream, &draft(Scope::Unit)).unwrap();
    same_both_ways(&f.app, &f.stream, &draft(Scope::Project(f.project.clone()))).unwrap();
    // A refusal is the same refusal either way.
    let unknown = same_both_ways(
        &f.app,
        &f.stream,
        &draft(Scope::Project(ProjectCode("NO-SUCH".into()))),
    )
    .unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::Invalid);
    // The wrappers the pages and the CLI call give the same values.
    assert_eq!(
        f.app
            .indicators(&f.stream, as_of(), KnownAt::Now, &profile())
            .unwrap(),
        views
    );
}

#[test]
fn a_year_without_a_budget_is_the_same_404_either_way() {
    let f = year_with_budget();
    let other = StreamId::new(f.stream.unit.clone(), 2025);
    // Not cached yet: no answer now; the blocking path loads (and caches) it.
    assert!(none_now(&f.app, &other, &indicators()));
    let err = f.app.view(&other, KnownAt::Now, &indicators()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let now = same_both_ways(&f.app, &other, &indicators()).unwrap_err();
    assert_eq!(now, err);
}

#[test]
fn a_year_not_cached_is_not_answered_now_until_the_blocking_path_has_loaded_it() {
    let f = year_with_budget();
    // Another application over the same store: its cache is empty.
    let other = App::new(f.app.store().clone(), config());
    assert!(none_now(&other, &f.stream, &execution()));
    assert!(none_now(&other, &f.stream, &evaluation()));
    let loaded = other.view(&f.stream, KnownAt::Now, &evaluation()).unwrap();
    assert_eq!(
        same_both_ways(&other, &f.stream, &evaluation()).unwrap(),
        loaded
    );
}

#[test]
fn a_year_behind_the_head_another_application_wrote_is_not_answered_now() {
    let f = year_with_budget();
    let before = same_both_ways(&f.app, &f.stream, &execution()).unwrap();
    // A second application over the store (a second server over one log) records a payment:
    // the store's writer publishes the new version; our cached year is one behind it.
    let theirs = App::new(f.app.store().clone(), config());
    theirs.write(payment(&f, 0x200)).unwrap();
    assert!(none_now(&f.app, &f.stream, &execution()));
    assert!(none_now(&f.app, &f.stream, &indicators()));
    // The blocking path reads the log: the payment is in its answer.
    let after = f.app.view(&f.stream, KnownAt::Now, &execution()).unwrap();
    assert_ne!(after, before);
    assert_eq!(
        same_both_ways(&f.app, &f.stream, &execution()).unwrap(),
        after
    );
}

#[test]
fn a_committed_write_not_yet_folded_is_read_your_writes_the_blocking_way() {
    let f = year_with_budget();
    let before = same_both_ways(&f.app, &f.stream, &execution()).unwrap();
    let Started::Queued(queued) = f.app.start_write(payment(&f, 0x300)).unwrap() else {
        panic!("a write to a cached, current year is queued");
    };
    // Durable, acknowledged to no one yet and not folded into the shared year: the store
    // publishes the new version, so the year is behind the head and not answered now.
    let committed = block_on(queued.committed());
    assert!(none_now(&f.app, &f.stream, &execution()));
    // The blocking path catches up from the log and shows the payment.
    let after = f.app.view(&f.stream, KnownAt::Now, &execution()).unwrap();
    assert_ne!(after, before);
    // The settle finds the year caught up already; the view stays the same either way.
    assert!(committed.try_settle().is_ok());
    assert_eq!(
        same_both_ways(&f.app, &f.stream, &execution()).unwrap(),
        after
    );
}

#[test]
fn a_year_whose_lock_is_held_is_not_answered_now() {
    let f = year_with_budget();
    same_both_ways(&f.app, &f.stream, &indicators()).unwrap();
    // Inside `with_year` the year's lock is held (as by a write deciding on it).
    let while_locked = f
        .app
        .with_year(&f.stream, KnownAt::Now, |_| {
            Ok(none_now(&f.app, &f.stream, &indicators()))
        })
        .unwrap();
    assert!(while_locked, "try_view_now never waits for the lock");
    same_both_ways(&f.app, &f.stream, &indicators()).unwrap();
}

#[test]
fn time_travel_is_never_answered_now() {
    let f = year_with_budget();
    f.app.write(payment(&f, 0x400)).unwrap();
    same_both_ways(&f.app, &f.stream, &execution()).unwrap();
    let head = f.app.store().head().unwrap().position;
    for known in [
        KnownAt::Position(head),
        KnownAt::Position(1),
        KnownAt::RecordedAt(chrono::Utc::now()),
    ] {
        assert!(
            f.app.try_view_now(&f.stream, known, &execution()).is_none(),
            "{known:?} reads the log"
        );
    }
    // At the head, the replay equals the year now.
    assert_eq!(
        f.app
            .view(&f.stream, KnownAt::Position(head), &execution())
            .unwrap(),
        f.app.view(&f.stream, KnownAt::Now, &execution()).unwrap()
    );
}

#[test]
fn a_year_with_many_listed_facts_is_left_to_the_blocking_path() {
    let f = year_with_budget();
    // Up to the limit the views are answered now.
    let first: Vec<Item> = (0..MAX_LISTED_FACTS_NOW as u128)
        .map(|i| activity(&f, 0x1_0000 + i))
        .collect();
    for chunk in first.chunks(500) {
        f.app.write(write(&f, chunk.to_vec())).unwrap();
    }
    same_both_ways(&f.app, &f.stream, &indicators()).unwrap();
    // One more activity and they are not: they walk the activities once per indicator.
    f.app
        .write(write(&f, vec![activity(&f, 0x2_0000)]))
        .unwrap();
    assert!(none_now(&f.app, &f.stream, &indicators()));
    assert!(none_now(&f.app, &f.stream, &evaluation()));
    let blocking = f.app.view(&f.stream, KnownAt::Now, &indicators()).unwrap();
    assert!(!blocking.is_empty(), "the blocking path answers");
}
