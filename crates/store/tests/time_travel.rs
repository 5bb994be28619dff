//! Time travel on both axes: the knowledge axis (what the log held at a position or instant)
//! and the business-date axis (as of a date), each checked against a replay of the log.

#[macro_use]
mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::*;
use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::event::Event;
use jixiao_domain::money::Yuan;
use jixiao_store::{EventMeta, ExpectedVersion, KnownAt, NewEvent, ReadFilter, RecordedEvent};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A small deterministic pseudo-random sequence (no extra dependency, reproducible failures).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

both_engines!(a_stream_as_known_at_a_position_equals_what_was_read_at_that_moment);
fn a_stream_as_known_at_a_position_equals_what_was_read_at_that_moment(db: &TestDb) {
    let store = db.open();
    let s = stream("261301");
    let mut snapshots = Vec::new();
    for i in 0..12 {
        let e = new_event(payment(
            Uuid::new_v4(),
            "B-30201",
            "30201",
            date(2, 1),
            &format!("{}.00", i + 1),
        ));
        store
            .append(s.clone(), ExpectedVersion::Any, vec![e])
            .unwrap();
        // Another stream advances the global position in between.
        let other = new_event(payment(
            Uuid::new_v4(),
            "B-30201",
            "30201",
            date(2, 1),
            "1.00",
        ));
        store
            .append(stream("261302"), ExpectedVersion::Any, vec![other])
            .unwrap();
        snapshots.push((
            store.head().unwrap().position,
            store.read_stream(&s, KnownAt::Now).unwrap(),
        ));
    }
    for (position, then) in &snapshots {
        assert_eq!(
            &store.read_stream(&s, KnownAt::Position(*position)).unwrap(),
            then
        );
        // …and equals a replay of the whole log up to that position.
        let replay: Vec<RecordedEvent> = store
            .read_all(1, 1000, &ReadFilter::default())
            .unwrap()
            .events
            .into_iter()
            .filter(|e| e.position <= *position && e.stream == s)
            .collect();
        assert_eq!(&replay, then);
    }
}

both_engines!(a_stream_as_known_at_an_instant_holds_the_events_recorded_by_then);
fn a_stream_as_known_at_an_instant_holds_the_events_recorded_by_then(db: &TestDb) {
    let store = db.open();
    let s = stream("261301");
    let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap();
    for i in 0..5 {
        let meta = EventMeta {
            recorded_at: Some(t0 + Duration::hours(i)),
            ..meta()
        };
        let e = NewEvent::new(
            Uuid::new_v4(),
            payment(Uuid::new_v4(), "B-30201", "30201", date(3, 1), "1.00"),
            meta,
        )
        .unwrap();
        store
            .append(s.clone(), ExpectedVersion::Any, vec![e])
            .unwrap();
    }
    let at = |t| store.read_stream(&s, KnownAt::RecordedAt(t)).unwrap().len();
    assert_eq!(at(t0 - Duration::seconds(1)), 0);
    assert_eq!(at(t0), 1);
    assert_eq!(at(t0 + Duration::minutes(150)), 3);
    assert_eq!(at(t0 + Duration::days(1)), 5);
    assert_eq!(
        store.read_stream(&s, KnownAt::Now).unwrap()[2].recorded_at,
        t0 + Duration::hours(2)
    );
}

/// The simple fold the read model must agree with: net paid per (line, economic code, month)
/// from the replayed events with a business date on or before `as_of`.
fn fold_paid(
    events: &[RecordedEvent],
    as_of: NaiveDate,
) -> BTreeMap<(String, String, String), Yuan> {
    let mut payments = BTreeMap::new();
    let mut out: BTreeMap<(String, String, String), Yuan> = BTreeMap::new();
    for e in events.iter().filter(|e| e.business_date <= as_of) {
        match &e.event {
            Event::PaymentRecorded(p) => {
                payments.insert(
                    p.payment_id,
                    (
                        p.line_id.0.clone(),
                        p.economic_code.to_string(),
                        p.amount_yuan,
                    ),
                );
                let key = (
                    p.line_id.0.clone(),
                    p.economic_code.to_string(),
                    p.paid_on.format("%Y-%m").to_string(),
                );
                *out.entry(key).or_default() += p.amount_yuan;
            }
            Event::PaymentReversed(r) => {
                if let Some((line, econ, amount)) = payments.remove(&r.payment_id) {
                    let key = (line, econ, r.reversed_on.format("%Y-%m").to_string());
                    *out.entry(key).or_default() -= amount;
                }
            }
            _ => {}
        }
    }
    out
}

both_engines!(
    execution_and_the_unit_summary_as_of_a_date_equal_a_replay_of_the_log_up_to_that_date
);
fn execution_and_the_unit_summary_as_of_a_date_equal_a_replay_of_the_log_up_to_that_date(
    db: &TestDb,
) {
    let store = db.open();
    let s = stream("261301");
    store
        .append(
            s.clone(),
            ExpectedVersion::NoStream,
            vec![new_event(budget_approved("261301"))],
        )
        .unwrap();
    let mut rng = Lcg(20240731);
    let lines = [
        ("B-30101", "30101"),
        ("B-30201", "30201"),
        ("P-1", "30211"),
        ("P-1", "30201"),
    ];
    // Payments not reversed yet: a payment is reversed at most once, on or after its date
    // (the aggregate refuses anything else).
    let mut open: Vec<(Uuid, NaiveDate)> = Vec::new();
    // Entered out of business-date order, as staff really do.
    for _ in 0..300 {
        let on = date(1 + rng.next(12) as u32, 1 + rng.next(28) as u32);
        let event = if rng.next(10) == 0 {
            let (line, _) = lines[rng.next(lines.len() as u64) as usize];
            let delta = rng.next(200_000) as i64 - 100_000;
            adjusted(line, &format!("{delta}.00"), on)
        } else if !open.is_empty() && rng.next(5) == 0 {
            let (id, paid_on) = open.swap_remove(rng.next(open.len() as u64) as usize);
            let later = (paid_on + Duration::days(rng.next(60) as i64)).min(date(12, 31));
            reversal(id, later)
        } else {
            let id = Uuid::new_v4();
            open.push((id, on));
            let (line, econ) = lines[rng.next(lines.len() as u64) as usize];
            payment(
                id,
                line,
                econ,
                on,
                &format!("{}.{:02}", rng.next(100_000), rng.next(100)),
            )
        };
        store
            .append(s.clone(), ExpectedVersion::Any, vec![new_event(event)])
            .unwrap();
    }
    let replay = store.read_stream(&s, KnownAt::Now).unwrap();
    for as_of in [date(1, 31), date(7, 15), date(7, 31), date(12, 31)] {
        let mut model: BTreeMap<(String, String, String), Yuan> = BTreeMap::new();
        for r in store.execution("261301", 2024, Some(as_of)).unwrap() {
            *model
                .entry((r.line_id, r.economic_code, r.month))
                .or_default() += r.paid_yuan;
        }
        model.retain(|_, v| *v != Yuan::ZERO);
        let mut expected = fold_paid(&replay, as_of);
        expected.retain(|_, v| *v != Yuan::ZERO);
        assert_eq!(model, expected, "as of {as_of}");
        // The domain aggregate replayed from the same log agrees, per line and economic code…
        let year = UnitYear::replay(replay.iter().map(|e| &e.event));
        let mut by_line: BTreeMap<(String, String), Yuan> = BTreeMap::new();
        for p in year.payments() {
            *by_line
                .entry((
                    p.payment.line_id.0.clone(),
                    p.payment.economic_code.to_string(),
                ))
                .or_default() += p.net_yuan(Some(as_of));
        }
        let mut model_by_line: BTreeMap<(String, String), Yuan> = BTreeMap::new();
        for ((line, econ, _), v) in &model {
            *model_by_line
                .entry((line.clone(), econ.clone()))
                .or_default() += *v;
        }
        by_line.retain(|_, v| *v != Yuan::ZERO);
        model_by_line.retain(|_, v| *v != Yuan::ZERO);
        assert_eq!(model_by_line, by_line, "aggregate as of {as_of}");
        let total: Yuan = expected.values().copied().sum();
        let summary = store.unit_summaries(2024, Some(as_of)).unwrap();
        assert_eq!(summary[0].paid_yuan, total, "unit summary as of {as_of}");
        // …and on the unit's initial and adjusted budget (the finance bureau's view).
        let budget = year.budget().unwrap();
        let initial: Yuan = budget.lines.iter().map(|l| l.line.initial_yuan).sum();
        let adjusted: Yuan = budget
            .lines
            .iter()
            .map(|l| l.adjusted_yuan(Some(as_of)))
            .sum();
        assert_eq!(
            (summary[0].initial_yuan, summary[0].adjusted_yuan),
            (initial, adjusted),
            "unit budget as of {as_of}"
        );
    }
}
