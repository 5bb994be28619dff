//! 上年结转 over HTTP: the finance bureau records a carry-over onto a line, which raises that
//! line's 全年预算数 in the execution view; other roles are refused and bad input changes nothing.

use crate::helpers::{assert_problem, spawn_app};
use crate::writes::{PROJECT_LINE, base, import_seed, version};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use uuid::Uuid;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

fn line_budget(app: &crate::helpers::TestApp, as_of: &str) -> Decimal {
    let execution = app
        .get(
            &format!("{}/execution?as_of={as_of}", base()),
            Some("staff"),
        )
        .json();
    let line = execution["by_line"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == PROJECT_LINE)
        .unwrap_or_else(|| panic!("no row for {PROJECT_LINE}: {execution}"))
        .clone();
    dec(&line["adjusted_yuan"])
}

fn carry_over(amount: &str, on: &str) -> Value {
    json!({"event_id": Uuid::new_v4(), "line_id": PROJECT_LINE, "amount_yuan": amount, "recorded_on": on})
}

#[test]
fn finance_records_a_carry_over_and_the_lines_full_year_budget_rises_from_its_date() {
    let app = spawn_app();
    import_seed(&app);
    let path = format!("{}/carry-overs", base());
    let before = line_budget(&app, "2024-12-31");
    let body = carry_over("30000.00", "2024-03-01");
    let answer = app.post(&path, Some("finance"), &body);
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["event_types"][0], "carry_over_recorded");
    assert_eq!(
        line_budget(&app, "2024-12-31"),
        before + Decimal::from(30_000)
    );
    assert_eq!(
        line_budget(&app, "2024-02-28"),
        before,
        "a carry-over counts from the date it was recorded"
    );
    let again = app.post(&path, Some("finance"), &body);
    assert_eq!(
        again.status, 200,
        "a retry is recorded once: {}",
        again.text
    );
    assert_eq!(
        line_budget(&app, "2024-12-31"),
        before + Decimal::from(30_000)
    );
}

#[test]
fn only_finance_records_carry_overs() {
    let app = spawn_app();
    import_seed(&app);
    let path = format!("{}/carry-overs", base());
    let v = version(&app);
    for user in ["staff", "head", "auditor", "admin", "staff2"] {
        let answer = app.post(&path, Some(user), &carry_over("100.00", "2024-03-01"));
        assert_problem(&answer, 403);
    }
    assert_problem(
        &app.post(&path, None, &carry_over("100.00", "2024-03-01")),
        401,
    );
    assert_eq!(version(&app), v, "refused writes change nothing");
}

#[test]
fn a_bad_carry_over_is_a_problem_naming_the_field_and_changes_nothing() {
    let app = spawn_app();
    import_seed(&app);
    let path = format!("{}/carry-overs", base());
    let v = version(&app);
    let mut unknown_line = carry_over("100.00", "2024-03-01");
    unknown_line["line_id"] = json!("NOPE");
    for (body, field) in [
        (carry_over("0", "2024-03-01"), "amount_yuan"),
        (carry_over("-5.00", "2024-03-01"), "amount_yuan"),
        (carry_over("1.001", "2024-03-01"), "amount_yuan"),
        (carry_over("100.00", "2025-01-02"), "recorded_on"),
        (unknown_line, "line_id"),
    ] {
        let problem = assert_problem(&app.post(&path, Some("finance"), &body), 422);
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(version(&app), v);
}
