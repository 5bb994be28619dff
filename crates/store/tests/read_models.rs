//! Read models: folded by the writer's checkpointed catch-up behind the appends, they equal a
//! rebuild from position 0 for any sequence of events (property test), also after a crash
//! between clearing and refolding; a query after an acknowledged append always sees it; they
//! catch up without anyone asking; and the queries answer what staff and the finance bureau
//! rely on.

#[macro_use]
mod common;

use common::*;
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::event::{
    ActivityCorrected, ActivityWithdrawn, CarryOverRecorded, Event, IndicatorAssessed,
    ProcurementRecorded,
};
use jixiao_domain::indicator::{IndicatorId, QualGrade, Scope};
use jixiao_store::{ExpectedVersion, NewEvent, Store};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const UNITS: [&str; 2] = ["261301", "261302"];
const LINES: [(&str, &str); 3] = [("B-30101", "30101"), ("B-30201", "30201"), ("P-1", "30211")];

#[derive(Debug, Clone)]
enum Op {
    Pay {
        unit: usize,
        line: usize,
        month: u32,
        day: u32,
        cents: i64,
    },
    Reverse {
        pick: usize,
        month: u32,
        day: u32,
    },
    Adjust {
        unit: usize,
        line: usize,
        month: u32,
        cents: i64,
    },
    Carry {
        unit: usize,
        line: usize,
        cents: i64,
    },
    Hold {
        unit: usize,
        month: u32,
        invited: u32,
        participants: u32,
    },
    Correct {
        pick: usize,
        month: u32,
        participants: u32,
    },
    Withdraw {
        pick: usize,
        month: u32,
    },
    Survey {
        unit: usize,
        group: usize,
        respondents: u32,
        satisfied: u32,
        month: u32,
    },
    Assess {
        unit: usize,
        indicator: usize,
        month: u32,
        partial: bool,
    },
    Procure {
        unit: usize,
        month: u32,
        cents: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let unit = 0..UNITS.len();
    let month = 1u32..=12;
    prop_oneof![
        4 => (unit.clone(), 0..LINES.len(), month.clone(), 1u32..=28, 1i64..5_000_000)
            .prop_map(|(unit, line, month, day, cents)| Op::Pay { unit, line, month, day, cents }),
        2 => (any::<usize>(), month.clone(), 1u32..=28).prop_map(|(pick, month, day)| Op::Reverse { pick, month, day }),
        1 => (unit.clone(), 0..LINES.len(), month.clone(), -2_000_000i64..2_000_000)
            .prop_map(|(unit, line, month, cents)| Op::Adjust { unit, line, month, cents }),
        1 => (unit.clone(), 0..LINES.len(), 1i64..1_000_000).prop_map(|(unit, line, cents)| Op::Carry { unit, line, cents }),
        2 => (unit.clone(), month.clone(), 1u32..50, 0u32..50)
            .prop_map(|(unit, month, invited, p)| Op::Hold { unit, month, invited, participants: p.min(invited) }),
        1 => (any::<usize>(), month.clone(), 0u32..30).prop_map(|(pick, month, participants)| Op::Correct { pick, month, participants }),
        1 => (any::<usize>(), month.clone()).prop_map(|(pick, month)| Op::Withdraw { pick, month }),
        1 => (unit.clone(), 0usize..3, 1u32..40, 0u32..40, month.clone())
            .prop_map(|(unit, group, r, s, month)| Op::Survey { unit, group, respondents: r, satisfied: s.min(r), month }),
        1 => (unit.clone(), 0usize..3, month.clone(), any::<bool>())
            .prop_map(|(unit, indicator, month, partial)| Op::Assess { unit, indicator, month, partial }),
        1 => (unit, month, 1i64..1_000_000).prop_map(|(unit, month, cents)| Op::Procure { unit, month, cents }),
    ]
}

/// Appends `events` as the first of unit 261301's year 2024.
fn open_year(store: &Store, events: Vec<Event>) -> jixiao_store::Appended {
    store
        .append(
            stream("261301"),
            ExpectedVersion::NoStream,
            events.into_iter().map(new_event).collect(),
        )
        .unwrap()
}

/// Opens the year of each of `units` with its approved budget.
fn approve_budgets<U: AsRef<str>>(store: &Store, units: &[U]) {
    for u in units {
        store
            .append(
                stream(u.as_ref()),
                ExpectedVersion::NoStream,
                vec![new_event(budget_approved(u.as_ref()))],
            )
            .unwrap();
    }
}

fn cents(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
}

/// Turns ops into (unit, event) pairs; reversals and corrections pick among earlier ids.
fn events_of(ops: &[Op]) -> Vec<(usize, Event)> {
    let mut out: Vec<(usize, Event)> = UNITS
        .iter()
        .enumerate()
        .map(|(u, code)| (u, budget_approved(code)))
        .collect();
    let mut payments: Vec<(usize, Uuid)> = Vec::new();
    let mut activities: Vec<(usize, Uuid)> = Vec::new();
    for op in ops {
        match op.clone() {
            Op::Pay {
                unit,
                line,
                month,
                day,
                cents: c,
            } => {
                let id = Uuid::new_v4();
                payments.push((unit, id));
                out.push((
                    unit,
                    payment(
                        id,
                        LINES[line].0,
                        LINES[line].1,
                        date(month, day),
                        &cents(c),
                    ),
                ));
            }
            Op::Reverse { pick, month, day } if !payments.is_empty() => {
                let (unit, id) = payments[pick % payments.len()];
                out.push((unit, reversal(id, date(month, day))));
            }
            Op::Adjust {
                unit,
                line,
                month,
                cents: c,
            } => out.push((unit, adjusted(LINES[line].0, &cents(c), date(month, 10)))),
            Op::Carry {
                unit,
                line,
                cents: c,
            } => out.push((
                unit,
                Event::CarryOverRecorded(CarryOverRecorded {
                    line_id: LineId(LINES[line].0.into()),
                    amount_yuan: yuan(&cents(c)),
                    recorded_on: date(1, 20),
                }),
            )),
            Op::Hold {
                unit,
                month,
                invited,
                participants,
            } => {
                let id = Uuid::new_v4();
                activities.push((unit, id));
                out.push((unit, activity(id, date(month, 5), invited, participants)));
            }
            Op::Correct {
                pick,
                month,
                participants,
            } if !activities.is_empty() => {
                let (unit, id) = activities[pick % activities.len()];
                out.push((
                    unit,
                    Event::ActivityCorrected(ActivityCorrected {
                        activity_id: id,
                        held_on: date(month, 6),
                        title: "更正后".into(),
                        invited: 60,
                        participants,
                        reason: "更正".into(),
                    }),
                ));
            }
            Op::Withdraw { pick, month } if !activities.is_empty() => {
                let (unit, id) = activities[pick % activities.len()];
                out.push((
                    unit,
                    Event::ActivityWithdrawn(ActivityWithdrawn {
                        activity_id: id,
                        withdrawn_on: date(month, 7),
                        reason: "误录".into(),
                    }),
                ));
            }
            Op::Survey {
                unit,
                group,
                respondents,
                satisfied,
                month,
            } => {
                out.push((
                    unit,
                    survey(
                        ["专家", "企业", "工作人员"][group],
                        date(month, 8),
                        respondents,
                        satisfied,
                    ),
                ));
            }
            Op::Assess {
                unit,
                indicator,
                month,
                partial,
            } => out.push((
                unit,
                Event::IndicatorAssessed(IndicatorAssessed {
                    evidence: Vec::new(),
                    scope: Scope::Project(ProjectCode(PROJECT.into())),
                    indicator_id: IndicatorId(format!("P1-{indicator}")),
                    assessed_on: date(month, 9),
                    grade: Some(if partial {
                        QualGrade::Partial
                    } else {
                        QualGrade::Achieved
                    }),
                    score: partial.then(|| rust_decimal::Decimal::new(65, 1)),
                    actual_value: None,
                    actual_text: "良好".into(),
                    note: String::new(),
                    band_position: None,
                }),
            )),
            Op::Procure {
                unit,
                month,
                cents: c,
            } => out.push((
                unit,
                Event::ProcurementRecorded(ProcurementRecorded {
                    procurement_id: Uuid::new_v4(),
                    procured_on: date(month, 11),
                    project_code: Some(ProjectCode(PROJECT.into())),
                    amount_yuan: yuan(&cents(c)),
                    description: "采购".into(),
                }),
            )),
            _ => {}
        }
    }
    out
}

/// Appends in batches of consecutive same-unit events, at most `batch` each.
fn append_all(store: &Store, events: &[(usize, Event)], batch: usize) {
    let mut i = 0;
    while i < events.len() {
        let unit = events[i].0;
        let mut group: Vec<NewEvent> = Vec::new();
        while i < events.len() && events[i].0 == unit && group.len() < batch {
            group.push(new_event(events[i].1.clone()));
            i += 1;
        }
        store
            .append(stream(UNITS[unit]), ExpectedVersion::Any, group)
            .unwrap();
    }
}

/// Every row of every read model, as text, table by table.
fn dump(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    if db.is_postgres() {
        let tables = db.query_text(
            "",
            "SELECT table_name::TEXT FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name LIKE 'rm\\_%' ORDER BY 1",
        );
        return tables
            .into_iter()
            .map(|t| {
                let t = t[0].clone();
                let mut rows: Vec<String> = db
                    .query_text("", &format!("SELECT r::TEXT FROM \"{t}\" r"))
                    .into_iter()
                    .map(|r| r[0].clone())
                    .collect();
                rows.sort();
                (t, rows)
            })
            .collect();
    }
    let conn = rusqlite::Connection::open(db.sqlite_path()).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm\\_%' ESCAPE '\\' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cols: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                Ok(cols.join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.insert(t, rows);
    }
    out
}

/// Incremental read models equal a rebuild from position 0, and a start after a rebuild that
/// crashed with the tables cleared refolds them whole (on PostgreSQL a rebuild is one
/// transaction, but the start must still refold a checkpoint left behind).
fn incremental_equals_rebuild(db: &TestDb, ops: &[Op], batch: usize) -> Result<(), TestCaseError> {
    let store = db.open();
    let events = events_of(ops);
    append_all(&store, &events, batch);
    // The read models fold behind the log; asking for their checkpoint waits until they
    // have folded every acknowledged append.
    let head = store.head().unwrap().position;
    prop_assert_eq!(store.read_model_checkpoint().unwrap(), head);
    let incremental = dump(db);

    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let folded = store
        .rebuild_read_models(move |done, total| seen.lock().unwrap().push((done, total)))
        .unwrap();
    prop_assert_eq!(folded, head);
    prop_assert_eq!(
        calls.lock().unwrap().last().copied(),
        (head > 0).then_some((head, head))
    );
    prop_assert_eq!(&dump(db), &incremental);

    // A crash after the rebuild cleared the tables: the next start refolds the rest.
    drop(store);
    for t in incremental.keys().filter(|t| *t != "rm_checkpoint") {
        let sql = format!("DELETE FROM \"{t}\"");
        db.execute(&sql, &sql);
    }
    let reset = "UPDATE rm_checkpoint SET position = 0";
    db.execute(reset, reset);
    let store = db.open();
    prop_assert_eq!(store.read_model_checkpoint().unwrap(), head);
    prop_assert_eq!(&dump(db), &incremental);

    if db.is_postgres() {
        // A database of a build before PostgreSQL's 0006: its migration fills the monthly
        // sums from the daily tables, equal to what folding the log gives.
        drop(store);
        db.execute("", "DROP TABLE rm_unit_month");
        db.execute("", "DELETE FROM schema_migrations WHERE version = 6");
        let store = db.open();
        prop_assert_eq!(store.read_model_checkpoint().unwrap(), head);
        prop_assert_eq!(&dump(db), &incremental);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn read_models_built_incrementally_equal_a_rebuild_from_position_zero(
        ops in proptest::collection::vec(op(), 0..60),
        batch in 1usize..6,
    ) {
        incremental_equals_rebuild(&TestDb::sqlite(), &ops, batch)?;
    }

    #[test]
    fn read_models_built_incrementally_equal_a_rebuild_from_position_zero_on_postgres(
        ops in proptest::collection::vec(op(), 0..60),
        batch in 1usize..6,
    ) {
        if let Some(db) = TestDb::postgres("read_models_built_incrementally_equal_a_rebuild_from_position_zero") {
            incremental_equals_rebuild(&db, &ops, batch)?;
        }
    }
}

both_engines!(execution_is_net_of_reversals_counted_on_the_reversal_date);
fn execution_is_net_of_reversals_counted_on_the_reversal_date(db: &TestDb) {
    let store = db.open();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let events = vec![
        budget_approved("261301"),
        payment(a, "B-30201", "30201", date(3, 5), "100.00"),
        payment(b, "B-30201", "30201", date(3, 20), "40.50"),
        reversal(a, date(4, 2)),
        // A second reversal of the same payment changes nothing.
        reversal(a, date(4, 3)),
    ];
    open_year(&store, events);
    let march = store.execution("261301", 2024, Some(date(3, 31))).unwrap();
    assert_eq!(march.len(), 1);
    assert_eq!(march[0].paid_yuan, yuan("140.50"));
    let all = store.execution("261301", 2024, None).unwrap();
    let months: Vec<(&str, String)> = all
        .iter()
        .map(|r| (r.month.as_str(), r.paid_yuan.to_string()))
        .collect();
    assert_eq!(
        months,
        vec![
            ("2024-03", "140.50".to_string()),
            ("2024-04", "-100.00".to_string())
        ]
    );
}

both_engines!(the_finance_bureau_sees_every_unit_as_of_any_date);
fn the_finance_bureau_sees_every_unit_as_of_any_date(db: &TestDb) {
    let store = db.open();
    approve_budgets(&store, &UNITS);
    let pay = |unit: &str, on, amount: &str| {
        store
            .append(
                stream(unit),
                ExpectedVersion::Any,
                vec![new_event(payment(
                    Uuid::new_v4(),
                    "B-30201",
                    "30201",
                    on,
                    amount,
                ))],
            )
            .unwrap();
    };
    pay("261301", date(6, 30), "1000.00");
    pay("261301", date(7, 10), "200.00");
    pay("261301", date(7, 20), "30.00");
    pay("261302", date(8, 1), "5.00");
    store
        .append(
            stream("261302"),
            ExpectedVersion::Any,
            vec![new_event(adjusted("P-1", "-50000", date(7, 15)))],
        )
        .unwrap();
    let at = |d| {
        store
            .unit_summaries(2024, d)
            .unwrap()
            .into_iter()
            .map(|s| (s.unit, s.paid_yuan.to_string(), s.adjusted_yuan.to_string()))
            .collect::<Vec<_>>()
    };
    let initial = "823400.00".to_string();
    assert_eq!(
        at(Some(date(7, 15))),
        vec![
            ("261301".into(), "1200.00".into(), initial.clone()),
            ("261302".into(), "0.00".into(), "773400.00".into())
        ]
    );
    assert_eq!(
        at(Some(date(7, 31))),
        vec![
            ("261301".into(), "1230.00".into(), initial.clone()),
            ("261302".into(), "0.00".into(), "773400.00".into())
        ]
    );
    assert_eq!(
        at(None),
        vec![
            ("261301".into(), "1230.00".into(), initial),
            ("261302".into(), "5.00".into(), "773400.00".into())
        ]
    );
    let summary = store.unit_summaries(2024, None).unwrap();
    assert_eq!(summary[0].unit_name, "单位261301");
    assert_eq!(summary[0].initial_yuan, yuan("823400"));
}

both_engines!(a_query_after_an_acknowledged_append_always_sees_it);
/// The read models fold behind the log, but a query never misses an acknowledged append:
/// eight threads each pay into their own unit and query right after the append returns, while
/// the others keep appending.
fn a_query_after_an_acknowledged_append_always_sees_it(db: &TestDb) {
    let store = db.open();
    let units: Vec<String> = (0..8).map(|i| format!("2613{i:02}")).collect();
    approve_budgets(&store, &units);
    let handles: Vec<_> = units
        .iter()
        .cloned()
        .map(|u| {
            let store = store.clone();
            std::thread::spawn(move || {
                for n in 1..=25u32 {
                    let e = payment(Uuid::new_v4(), "B-30201", "30201", date(3, 5), "1.00");
                    store
                        .append(stream(&u), ExpectedVersion::Any, vec![new_event(e)])
                        .unwrap();
                    let paid: Vec<_> = store.execution(&u, 2024, None).unwrap();
                    assert_eq!(paid.len(), 1, "{u} after payment {n}");
                    assert_eq!(paid[0].paid_yuan, yuan(&format!("{n}.00")), "{u}");
                    let summary = store.unit_summaries(2024, None).unwrap();
                    let mine = summary.iter().find(|s| s.unit == u).unwrap();
                    assert_eq!(mine.paid_yuan, yuan(&format!("{n}.00")), "{u}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

both_engines!(the_bureau_sees_each_units_workflow_as_events_arrive);
/// The per-unit workflow row (`rm_unit_status`) follows the events on both engines: a budget
/// makes it 草稿 and open, closing the year marks it closed, reopening it opens it again as
/// 草稿; a unit without a budget has no row; a store opened afresh (a rebuild on open) agrees.
fn the_bureau_sees_each_units_workflow_as_events_arrive(db: &TestDb) {
    use jixiao_domain::event::YearLockChanged;
    let store = db.open();
    store
        .append(
            stream("261301"),
            ExpectedVersion::NoStream,
            vec![new_event(budget_approved("261301"))],
        )
        .unwrap();
    let row = |store: &jixiao_store::Store| {
        let s = store.unit_status(2024, "261301").unwrap().unwrap();
        (s.review, s.closed, s.pending_requests)
    };
    assert_eq!(row(&store), ("draft".to_string(), false, 0));
    assert_eq!(store.unit_status(2024, "261399").unwrap(), None);
    let lock = |on| YearLockChanged {
        on,
        reason: "年度结束".into(),
        by: "finance".into(),
    };
    store
        .append(
            stream("261301"),
            ExpectedVersion::Any,
            vec![new_event(Event::YearClosed(lock(date(12, 31))))],
        )
        .unwrap();
    assert_eq!(row(&store), ("draft".to_string(), true, 0));
    store
        .append(
            stream("261301"),
            ExpectedVersion::Any,
            vec![new_event(Event::YearReopened(lock(date(12, 31))))],
        )
        .unwrap();
    assert_eq!(row(&store), ("draft".to_string(), false, 0));
    let all = store.unit_statuses(2024).unwrap();
    assert_eq!(all.len(), 1);
    assert!(!all["261301"].closed);
    store.rebuild_read_models(|_, _| {}).unwrap();
    assert_eq!(row(&store), ("draft".to_string(), false, 0));
}

/// The read models' checkpoint as stored, read behind the store's back (no catch-up).
fn stored_checkpoint(db: &TestDb) -> u64 {
    db.query_text(
        "SELECT position FROM rm_checkpoint WHERE name = 'read_models'",
        "SELECT position::TEXT FROM rm_checkpoint WHERE name = 'read_models'",
    )[0][0]
        .parse()
        .unwrap()
}

both_engines!(read_models_catch_up_without_a_reader_asking);
/// Nobody asks, yet the read models reach the head on their own: the stored checkpoint (read
/// directly, without the store's catch-up) reaches the head and the payment is in
/// `rm_payment` — folded on SQLite by the writer between groups, on PostgreSQL by the
/// projector thread woken after the group (the writer does not fold there).
fn read_models_catch_up_without_a_reader_asking(db: &TestDb) {
    let store = db.open();
    let events = vec![
        budget_approved("261301"),
        payment(Uuid::new_v4(), "B-30201", "30201", date(3, 5), "100.00"),
    ];
    let appended = open_year(&store, events);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stored_checkpoint(db) < appended.last_position {
        assert!(
            std::time::Instant::now() < deadline,
            "read models still at {} of {}",
            stored_checkpoint(db),
            appended.last_position
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let paid = db.query_text(
        "SELECT sum(amount_fen) FROM rm_payment",
        "SELECT sum(amount_fen)::TEXT FROM rm_payment",
    );
    assert_eq!(paid[0][0], "10000");
}

postgres_only!(postgres_a_read_of_the_read_models_folds_what_no_projector_has_yet);
/// A read of the read models never answers from behind the head: here the read models are
/// emptied and their checkpoint set back to 0 behind the store's back (as if no projector had
/// run), and the next query folds the whole log first — the same rows as before, the stored
/// checkpoint at the head after it.
fn postgres_a_read_of_the_read_models_folds_what_no_projector_has_yet(db: &TestDb) {
    let store = db.open();
    let a = Uuid::new_v4();
    let events = vec![
        budget_approved("261301"),
        payment(a, "B-30201", "30201", date(3, 5), "100.00"),
        payment(Uuid::new_v4(), "B-30201", "30201", date(4, 9), "40.50"),
        reversal(a, date(5, 2)),
    ];
    open_year(&store, events);
    let before = store.execution("261301", 2024, None).unwrap();
    let summaries = store.unit_summaries(2024, None).unwrap();
    let head = store.head().unwrap().position;
    db.execute(
        "",
        "WITH a AS (DELETE FROM rm_payment), b AS (DELETE FROM rm_unit_paid_day),
              c AS (DELETE FROM rm_unit_month), d AS (DELETE FROM rm_unit_budget_day),
              e AS (DELETE FROM rm_unit), f AS (DELETE FROM rm_unit_status)
         UPDATE rm_checkpoint SET position = 0",
    );
    assert_eq!(stored_checkpoint(db), 0);
    assert_eq!(store.execution("261301", 2024, None).unwrap(), before);
    assert_eq!(stored_checkpoint(db), head);
    assert_eq!(store.unit_summaries(2024, None).unwrap(), summaries);
}

both_engines!(a_rebuild_of_thousands_of_payments_equals_their_incremental_fold);
/// A rebuild folds the log in large chunks (on PostgreSQL a chunk's payment rows go in by
/// `COPY` from 2,000 rows on, where the appends' folds use the prepared insert): 3,000
/// payments over three units, a 红冲 of the first and of one late in the log, give the same
/// read models folded incrementally and rebuilt from position 0.
fn a_rebuild_of_thousands_of_payments_equals_their_incremental_fold(db: &TestDb) {
    let store = db.open();
    let units = ["261301", "261302", "261303"];
    approve_budgets(&store, &units);
    let mut first = None;
    for u in &units {
        let events: Vec<NewEvent> = (0..1000u32)
            .map(|n| {
                let id = Uuid::new_v4();
                first.get_or_insert(id);
                let day = date(1 + (n % 12), 1 + (n % 28));
                new_event(payment(
                    id,
                    "B-30201",
                    "30201",
                    day,
                    &cents(i64::from(n) + 1),
                ))
            })
            .collect();
        store
            .append(stream(u), ExpectedVersion::Any, events)
            .unwrap();
    }
    let late = store
        .read_stream(&stream("261303"), jixiao_store::KnownAt::Now)
        .unwrap()
        .into_iter()
        .rev()
        .find_map(|e| match e.event {
            Event::PaymentRecorded(p) => Some(p.payment_id),
            _ => None,
        })
        .unwrap();
    store
        .append(
            stream("261301"),
            ExpectedVersion::Any,
            vec![new_event(reversal(first.unwrap(), date(12, 30)))],
        )
        .unwrap();
    store
        .append(
            stream("261303"),
            ExpectedVersion::Any,
            vec![new_event(reversal(late, date(12, 31)))],
        )
        .unwrap();
    let head = store.head().unwrap().position;
    assert_eq!(store.read_model_checkpoint().unwrap(), head);
    let incremental = dump(db);
    assert_eq!(incremental["rm_payment"].len(), 3000);
    assert_eq!(store.rebuild_read_models(|_, _| {}).unwrap(), head);
    assert_eq!(dump(db), incremental);
}
