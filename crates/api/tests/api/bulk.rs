//! `POST /api/v1/years/{year}/bulk`: an operator loads many units' commands in one NDJSON
//! batch — all or nothing, idempotent by event id, counts and positions only.

use crate::helpers::{assert_problem, spawn_app};
use chrono::NaiveDate;
use jixiao_app::import::Approval;
use jixiao_domain::aggregate::{Command, RecordPayment};
use jixiao_domain::money::Yuan;
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

/// NDJSON lines: the 焦作 approval for `unit`, then `payments` payments of 10.00 元 on
/// `paid_on`.
fn unit_lines(unit: &str, seed: u128, payments: u128, paid_on: NaiveDate) -> Vec<String> {
    let approval = Approval::jiaozuo_2024().unwrap();
    let line = approval.budget.lines[0].line_id.clone();
    let mut items = approval.items(Uuid::from_u128(seed << 64));
    for item in &mut items {
        if let Command::ApproveBudget(b) = &mut item.command {
            b.unit.code = unit.to_string();
        }
    }
    let mut out: Vec<(Uuid, Command)> =
        items.into_iter().map(|i| (i.event_id, i.command)).collect();
    for n in 0..payments {
        let id = Uuid::from_u128((seed << 64) + 1_000 + n);
        out.push((
            id,
            Command::RecordPayment(RecordPayment {
                payment_id: id,
                paid_on,
                line_id: line.clone(),
                economic_code: None,
                function_code: None,
                project_code: None,
                amount_yuan: Yuan::new(Decimal::new(1000, 2)).unwrap(),
                voucher_no: None,
                summary: "批量导入".to_string(),
            }),
        ));
    }
    out.into_iter()
        .map(|(id, command)| {
            let mut v = serde_json::to_value(&command).unwrap();
            v["unit"] = unit.into();
            v["event_id"] = id.to_string().into();
            v.to_string()
        })
        .collect()
}

fn march() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
}

const PATH: &str = "/api/v1/years/2024/bulk";

#[test]
fn an_operator_loads_many_units_in_one_batch_and_a_retry_writes_nothing() {
    let app = spawn_app();
    let mut lines = unit_lines("800001", 1, 3, march());
    lines.extend(unit_lines("800002", 2, 2, march()));
    let body = lines.join("\n");
    let a = app.send_raw(PATH, Some("admin"), "application/x-ndjson", body.as_bytes());
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(v["units"], 2);
    assert_eq!(v["items"], lines.len());
    assert_eq!(v["replayed"], 0);
    let head = app.store.head().unwrap().position;
    assert_eq!(v["events"], head);
    assert_eq!(v["first_position"], 1);
    assert_eq!(v["last_position"], head);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert!(
        keys.iter().all(|k| !k.contains("yuan")),
        "counts and positions only: {keys:?}"
    );

    let again = app.send_raw(PATH, Some("admin"), "application/x-ndjson", body.as_bytes());
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["replayed"], lines.len());
    assert_eq!(again.json()["events"], 0);
    assert_eq!(app.store.head().unwrap().position, head);

    let units = app.get("/api/v1/units?year=2024", Some("finance"));
    assert_eq!(units.status, 200, "{}", units.text);
    let listed = units.json();
    let paid: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["unit"].as_str().is_some_and(|c| c.starts_with("8000")))
        .map(|u| &u["paid_yuan"])
        .collect();
    assert_eq!(paid, [&Value::from("30"), &Value::from("20")]);
}

#[test]
fn a_staff_member_may_not_bulk_load_and_a_bad_line_or_a_refused_command_writes_nothing() {
    let app = spawn_app();
    let lines = unit_lines("800001", 1, 1, march());
    let body = lines.join("\n");
    let a = app.send_raw(PATH, Some("staff"), "application/x-ndjson", body.as_bytes());
    assert_problem(&a, 403);

    let broken = format!("{}\n{{\"unit\":\"800001\"}}\n", lines[0]);
    let a = app.send_raw(
        PATH,
        Some("admin"),
        "application/x-ndjson",
        broken.as_bytes(),
    );
    let p = assert_problem(&a, 400);
    assert_eq!(p["errors"][0]["field"], "line 2");

    let mut refused = unit_lines("800001", 1, 1, march());
    refused.extend(unit_lines(
        "800002",
        2,
        1,
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
    ));
    let a = app.send_raw(
        PATH,
        Some("admin"),
        "application/x-ndjson",
        refused.join("\n").as_bytes(),
    );
    let p = assert_problem(&a, 422);
    assert!(
        p["errors"][0]["field"]
            .as_str()
            .is_some_and(|f| f.starts_with(&format!("line {}", refused.len()))),
        "{p}"
    );
    assert_eq!(app.store.head().unwrap().position, 0, "nothing written");

    let a = app.send_raw(
        "/api/v1/years/+202/bulk",
        Some("admin"),
        "application/x-ndjson",
        b"",
    );
    assert_problem(&a, 400);
}
