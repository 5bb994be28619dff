//! The 1-7月 monitoring draft over HTTP with the seed year: the funds block and one row per
//! indicator with the value so far, the forecast and a suggested likelihood; who may read it.

use crate::helpers::{assert_problem, spawn_app};
use crate::writes::{PROJECT, base, import_seed, payment};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use uuid::Uuid;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

#[test]
fn the_project_draft_on_31_july_shows_spending_so_far_and_every_indicator_with_a_forecast() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    for (amount, date) in [
        ("50000.00", "2024-03-15"),
        ("30000.00", "2024-06-15"),
        ("40000.00", "2024-09-15"),
    ] {
        let answer = app.post(
            &format!("{b}/payments"),
            Some("staff"),
            &payment(amount, date),
        );
        assert_eq!(answer.status, 201, "{}", answer.text);
    }
    let activity = json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "held_on": "2024-04-10", "title": "产学研对接会", "invited": 10, "participants": 8});
    assert_eq!(
        app.post(&format!("{b}/activities"), Some("staff"), &activity)
            .status,
        201
    );

    let answer = app.get(
        &format!("{b}/monitoring-draft?scope={PROJECT}&as_of=2024-07-31"),
        Some("head"),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let draft = answer.json();
    assert_eq!(draft["as_of"], "2024-07-31");
    assert_eq!(draft["fiscal_year"], 2024);
    let funds = &draft["funds"];
    assert_eq!(
        dec(&funds["spent_yuan"]),
        Decimal::from(80_000),
        "the September payment is after the period: {funds}"
    );
    let budget = dec(&funds["adjusted_yuan"]);
    assert_eq!(
        dec(&funds["execution_rate_percent"]),
        (Decimal::from(80_000) * Decimal::from(100) / budget).round_dp(2)
    );
    assert!(
        dec(&funds["forecast"]["forecast_yuan"]) >= Decimal::from(80_000),
        "{funds}"
    );

    let indicators = app
        .get(&format!("{b}/indicators?as_of=2024-07-31"), Some("head"))
        .json();
    let project_ids: Vec<&Value> = indicators
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["scope"]["project_code"] == PROJECT)
        .map(|i| &i["indicator_id"])
        .collect();
    let rows = draft["rows"].as_array().unwrap();
    let row_ids: Vec<&Value> = rows.iter().map(|r| &r["indicator_id"]).collect();
    assert_eq!(
        row_ids, project_ids,
        "one row per project indicator, in order"
    );
    for row in rows {
        assert!(
            ["certain", "possible", "impossible"].contains(&row["likelihood"].as_str().unwrap()),
            "{row}"
        );
        assert!(row["forecast"]["method"].is_string(), "{row}");
        assert!(row["deviation_cause_required"].is_boolean(), "{row}");
    }

    // The unit-wide draft is the default scope and covers the unit's budget.
    let unit = app
        .get(
            &format!("{b}/monitoring-draft?as_of=2024-07-31"),
            Some("staff"),
        )
        .json();
    assert!(
        dec(&unit["funds"]["adjusted_yuan"]) > budget,
        "{}",
        unit["funds"]
    );
    assert!(
        unit["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["scope"]["scope"] == "unit")
    );
}

#[test]
fn the_monitoring_draft_is_read_by_the_units_staff_and_head_finance_and_auditors_only_not_admins() {
    let app = spawn_app();
    import_seed(&app);
    let path = format!("{}/monitoring-draft?as_of=2024-07-31", base());
    for (user, status) in [
        ("staff", 200),
        ("head", 200),
        ("finance", 200),
        ("auditor", 200),
        ("admin", 403),
        ("staff2", 403),
    ] {
        assert_eq!(app.get(&path, Some(user)).status, status, "{user}");
    }
    assert_problem(&app.get(&path, None), 401);
    let unknown = assert_problem(
        &app.get(
            &format!("{}/monitoring-draft?scope=NOPE", base()),
            Some("head"),
        ),
        400,
    );
    assert_eq!(unknown["errors"][0]["field"], "scope");
    assert_problem(
        &app.get(
            &format!("{}/monitoring-draft?as_of=July", base()),
            Some("head"),
        ),
        400,
    );
    assert_problem(
        &app.get(
            "/api/v1/units/000000/years/2024/monitoring-draft",
            Some("finance"),
        ),
        404,
    );
}
