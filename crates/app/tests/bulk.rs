//! Bulk load (`App::bulk_load`): many units' commands in one batch, all or nothing by the
//! rules, idempotent by event id, answering counts and positions only.

use chrono::NaiveDate;
use jixiao_app::bulk::{BulkError, BulkItem};
use jixiao_app::import::Approval;
use jixiao_app::{Actor, App, AppConfig, Item};
use jixiao_domain::aggregate::{Command, RecordPayment};
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, Store, StoreOptions, StreamId};
use rust_decimal_macros::dec;
use uuid::Uuid;

fn app(dir: &tempfile::TempDir) -> App {
    let store = Store::open(StoreOptions::new(dir.path().join("app.db"))).unwrap();
    App::new(
        store,
        AppConfig {
            business_today: NaiveDate::from_ymd_opt(2024, 6, 30),
            ..AppConfig::default()
        },
    )
}

fn actor() -> Actor {
    Actor {
        name: "operator".to_string(),
        request_id: "bulk-test".to_string(),
    }
}

fn profile() -> ScoringProfile {
    ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap()
}

/// The 焦作 approval for `unit`, then `payments` payments of `amount` on its first line.
fn unit_items(
    unit: &str,
    seed: u128,
    payments: u128,
    amount: rust_decimal::Decimal,
) -> Vec<BulkItem> {
    let approval = Approval::jiaozuo_2024().unwrap();
    let line = approval.budget.lines[0].line_id.clone();
    let mut items = approval.items(Uuid::from_u128(seed << 64));
    for item in &mut items {
        if let Command::ApproveBudget(b) = &mut item.command {
            b.unit.code = unit.to_string();
        }
    }
    for n in 0..payments {
        let id = Uuid::from_u128((seed << 64) + 1_000 + n);
        items.push(Item::new(
            id,
            Command::RecordPayment(RecordPayment {
                payment_id: id,
                paid_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
                line_id: line.clone(),
                economic_code: None,
                function_code: None,
                project_code: None,
                amount_yuan: Yuan::new(amount).unwrap(),
                voucher_no: None,
                summary: "批量导入测试".to_string(),
            }),
        ));
    }
    items
        .into_iter()
        .map(|item| BulkItem {
            unit: unit.to_string(),
            item,
            line: 0,
        })
        .collect()
}

fn numbered(mut items: Vec<BulkItem>) -> Vec<BulkItem> {
    for (i, b) in items.iter_mut().enumerate() {
        b.line = i + 1;
    }
    items
}

fn version(app: &App, unit: &str) -> u64 {
    app.with_year(&StreamId::new(unit, 2024), KnownAt::Now, |y| {
        Ok(y.state.version())
    })
    .unwrap()
}

#[test]
fn a_batch_of_many_units_is_written_once_and_a_retry_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let mut batch = unit_items("800001", 1, 5, dec!(10.00));
    batch.extend(unit_items("800002", 2, 3, dec!(20.00)));
    let batch = numbered(batch);
    let items = batch.len();
    let loaded = app
        .bulk_load(2024, batch.clone(), &actor(), &profile())
        .unwrap();
    assert_eq!(loaded.units, 2);
    assert_eq!(loaded.items, items);
    assert_eq!(loaded.replayed, 0);
    let head = app.store().head().unwrap().position;
    assert_eq!(
        loaded.events as u64, head,
        "every event of the batch is in the log"
    );
    assert_eq!(loaded.first_position, Some(1));
    assert_eq!(loaded.last_position, Some(head));
    assert_eq!(
        app.cached_streams(),
        0,
        "a bulk load caches no unit-year it did not find cached"
    );
    let (v1, v2) = (version(&app, "800001"), version(&app, "800002"));
    assert!(v1 > 5 && v2 > 3);

    let again = app.bulk_load(2024, batch, &actor(), &profile()).unwrap();
    assert_eq!(again.replayed, items);
    assert_eq!(again.events, 0);
    assert_eq!(again.first_position, None);
    assert_eq!(
        app.store().head().unwrap().position,
        head,
        "a retry writes nothing"
    );

    let rows = app.unit_rows(2024, None, &profile()).unwrap();
    let paid: Vec<_> = rows.iter().map(|r| r.summary.paid_yuan.yuan()).collect();
    assert_eq!(paid, [dec!(50.00), dec!(60.00)]);
}

#[test]
fn one_refused_command_in_one_unit_writes_nothing_in_any_unit_and_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let mut batch = unit_items("800001", 1, 2, dec!(10.00));
    // A payment dated after the year's window is refused by the aggregate.
    let mut second = unit_items("800002", 2, 1, dec!(10.00));
    if let Some(BulkItem {
        item: Item {
            command: Command::RecordPayment(p),
            ..
        },
        ..
    }) = second.last_mut()
    {
        p.paid_on = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    }
    batch.extend(second);
    let batch = numbered(batch);
    let last = batch.len();
    let err = app
        .bulk_load(2024, batch, &actor(), &profile())
        .unwrap_err();
    match err {
        BulkError::Refused { listed, total } => {
            assert_eq!(total, 1);
            assert_eq!(listed[0].unit, "800002");
            assert_eq!(listed[0].line, last);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(app.store().head().unwrap().position, 0, "nothing written");
}
