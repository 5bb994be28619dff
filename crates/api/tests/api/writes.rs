//! Writes over HTTP: the budget import, payments, retries, If-Match races, bad input that
//! changes nothing, and who may write what.

use crate::helpers::{TestApp, UNIT, assert_problem, spawn_app};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_store::StreamId;
use serde_json::{Value, json};
use uuid::Uuid;

pub const YEAR: i32 = 2024;
pub const PROJECT: &str = "410800240000000053204";
pub const PROJECT_LINE: &str = "P-410800240000000053204-30201";

/// The seed fixture as the JSON body of the import endpoint.
pub fn seed_import_body() -> Value {
    let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).unwrap();
    serde_json::from_str(&import.to_json_string().unwrap()).unwrap()
}

pub fn base() -> String {
    format!("/api/v1/units/{UNIT}/years/{YEAR}")
}

pub fn import_seed(app: &TestApp) -> Value {
    let answer = app.post(
        &format!("{}/import?event_id={}", base(), Uuid::new_v4()),
        Some("admin"),
        &seed_import_body(),
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()
}

pub fn version(app: &TestApp) -> u64 {
    app.store
        .stream_version(&StreamId::new(UNIT, YEAR))
        .unwrap()
}

pub fn payment(amount: &str, paid_on: &str) -> Value {
    json!({
        "event_id": Uuid::new_v4(),
        "paid_on": paid_on,
        "line_id": PROJECT_LINE,
        "amount_yuan": amount,
        "summary": "办公用品",
    })
}

#[test]
fn the_seed_budget_imports_once_and_a_retried_import_returns_the_original_positions() {
    let app = spawn_app();
    let id = Uuid::new_v4();
    let path = format!("{}/import?event_id={id}", base());
    let first = app.post(&path, Some("admin"), &seed_import_body());
    assert_eq!(first.status, 201, "{}", first.text);
    let again = app.post(&path, Some("admin"), &seed_import_body());
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(first.json()["positions"], again.json()["positions"]);
    assert_eq!(again.json()["replayed"], true);
    let other = app.post(
        &format!("{}/import?event_id={}", base(), Uuid::new_v4()),
        Some("admin"),
        &seed_import_body(),
    );
    assert_eq!(
        assert_problem(&other, 422)["code"],
        "budget_already_approved"
    );
}

#[test]
fn an_import_whose_lines_do_not_add_up_lists_every_mismatch_and_records_nothing() {
    let app = spawn_app();
    let mut body = seed_import_body();
    let lines = body["lines"].as_array_mut().unwrap();
    let first = lines
        .iter_mut()
        .find(|l| l.get("amount_wan").is_some())
        .unwrap();
    first["amount_wan"] = json!("999.99");
    let answer = app.post(
        &format!("{}/import?event_id={}", base(), Uuid::new_v4()),
        Some("admin"),
        &body,
    );
    let problem = assert_problem(&answer, 422);
    assert_eq!(problem["code"], "import_mismatch");
    assert!(!problem["errors"].as_array().unwrap().is_empty());
    assert_eq!(version(&app), 0);
}

#[test]
fn a_retried_payment_is_recorded_once_and_a_reused_id_with_other_content_is_a_conflict() {
    let app = spawn_app();
    import_seed(&app);
    let body = payment("1200.00", "2024-03-05");
    let path = format!("{}/payments", base());
    let first = app.post(&path, Some("staff"), &body);
    assert_eq!(first.status, 201, "{}", first.text);
    let v = version(&app);
    let retry = app.post(&path, Some("staff"), &body);
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.json()["positions"], first.json()["positions"]);
    assert_eq!(version(&app), v, "a retry must not append");
    let mut changed = body.clone();
    changed["amount_yuan"] = json!("1300.00");
    assert_eq!(
        assert_problem(&app.post(&path, Some("staff"), &changed), 409)["code"],
        "idempotency_conflict"
    );
    assert_eq!(version(&app), v);
}

#[test]
fn concurrent_writers_with_the_same_if_match_exactly_one_wins() {
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    let if_match = format!("\"{v}\"");
    let path = format!("{}/payments", base());
    let answers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (app, path, if_match) = (&app, &path, &if_match);
                s.spawn(move || {
                    app.send(
                        "POST",
                        path,
                        Some("staff"),
                        &payment("10.00", "2024-04-01"),
                        &[("If-Match", if_match)],
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wins = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(wins, 1, "{answers:?}");
    for lost in answers.iter().filter(|a| a.status != 201) {
        let problem = assert_problem(lost, 409);
        assert_eq!(problem["current_version"], v + 1);
    }
    assert_eq!(version(&app), v + 1);
}

#[test]
fn sixty_four_concurrent_writers_without_if_match_are_all_recorded_without_a_conflict() {
    // Issue 11: 16 writers used to get a 409 on one write in eight; writers of one unit-year
    // now queue on its shared state, so a client that did not pin a version never sees one.
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    let path = format!("{}/payments", base());
    std::thread::scope(|s| {
        for _ in 0..64 {
            let (app, path) = (&app, &path);
            s.spawn(move || {
                assert_eq!(
                    app.post(path, Some("staff"), &payment("10.00", "2024-04-01"))
                        .status,
                    201
                )
            });
        }
    });
    assert_eq!(version(&app), v + 64);
}

#[test]
fn bad_input_of_every_kind_is_a_problem_naming_the_field_and_changes_nothing() {
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    let path = format!("{}/payments", base());
    let cases: Vec<(Value, u16, &str)> = vec![
        (payment("12.345", "2024-03-01"), 422, "amount_yuan"),
        (payment("-5", "2024-03-01"), 422, "amount_yuan"),
        (payment("100", "2025-01-02"), 422, "paid_on"),
        (
            json!({"event_id": Uuid::new_v4(), "paid_on": "2024-03-01", "line_id": "NOPE", "amount_yuan": "1"}),
            422,
            "line_id",
        ),
        (
            json!({"event_id": Uuid::new_v4(), "paid_on": "2024-03-01", "amount_yuan": "1"}),
            422,
            "line_id",
        ),
        (
            json!({"event_id": "not-a-uuid", "paid_on": "2024-03-01", "line_id": PROJECT_LINE, "amount_yuan": "1"}),
            422,
            "body",
        ),
        (
            json!({"event_id": Uuid::new_v4(), "paid_on": "2024-13-01", "line_id": PROJECT_LINE, "amount_yuan": "1"}),
            422,
            "body",
        ),
        (
            json!({"event_id": Uuid::new_v4(), "paid_on": "2024-03-01", "line_id": PROJECT_LINE, "amount_yuan": "1", "extra": 1}),
            422,
            "extra",
        ),
    ];
    for (body, status, field) in cases {
        let answer = app.post(&path, Some("staff"), &body);
        let problem = assert_problem(&answer, status);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(
            field == "body" || fields.contains(&field),
            "expected field {field} in {problem}"
        );
    }
    assert_problem(
        &app.send_raw(&path, Some("staff"), "application/json", b"{\"event_id\":"),
        400,
    );
    assert_problem(
        &app.send_raw(&path, Some("staff"), "text/plain", b"hello"),
        415,
    );
    assert_problem(
        &app.post(
            &format!("/api/v1/units/{UNIT}/years/abc/payments"),
            Some("staff"),
            &payment("1", "2024-03-01"),
        ),
        400,
    );
    let huge = json!({"event_id": Uuid::new_v4(), "paid_on": "2024-03-01", "line_id": PROJECT_LINE, "amount_yuan": "1", "summary": "x".repeat(2 * 1024 * 1024)});
    assert_problem(&app.post(&path, Some("staff"), &huge), 413);
    let activity = json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "held_on": "2024-05-01", "title": "研讨会", "invited": 5, "participants": 9});
    let problem = assert_problem(
        &app.post(&format!("{}/activities", base()), Some("staff"), &activity),
        422,
    );
    assert_eq!(problem["code"], "participants_exceed_invited");
    assert_eq!(
        version(&app),
        v,
        "no rejected request may change the stream"
    );
}

#[test]
fn writes_follow_the_role_matrix() {
    let app = spawn_app();
    import_seed(&app);
    let payments = format!("{}/payments", base());
    for (user, status) in [
        ("staff", 201),
        ("head", 201),
        ("finance", 403),
        ("auditor", 403),
        ("admin", 403),
        ("staff2", 403),
    ] {
        let answer = app.post(&payments, Some(user), &payment("1.00", "2024-02-01"));
        assert_eq!(answer.status, status, "{user}: {}", answer.text);
    }
    assert_problem(
        &app.post(&payments, None, &payment("1.00", "2024-02-01")),
        401,
    );

    let adjust = json!({"event_id": Uuid::new_v4(), "line_id": PROJECT_LINE, "delta_yuan": "1000", "reason": "追加", "requested_on": "2024-03-01"});
    assert_problem(
        &app.post(
            &format!("{}/budget-adjustments", base()),
            Some("staff"),
            &adjust,
        ),
        403,
    );
    let requested = app.post(
        &format!("{}/budget-adjustments", base()),
        Some("head"),
        &adjust,
    );
    assert_eq!(requested.status, 201, "{}", requested.text);
    let decision = json!({"event_id": Uuid::new_v4(), "decided_on": "2024-03-10", "decision": "approve", "note": "同意"});
    let decide_path = format!(
        "{}/budget-adjustments/{}/decision",
        base(),
        adjust["event_id"].as_str().unwrap()
    );
    assert_problem(&app.post(&decide_path, Some("head"), &decision), 403);
    assert_eq!(
        app.post(&decide_path, Some("finance"), &decision).status,
        201
    );

    let close = json!({"event_id": Uuid::new_v4(), "on": "2024-12-31", "reason": "年度结束"});
    assert_problem(
        &app.post(&format!("{}/close", base()), Some("head"), &close),
        403,
    );
    assert_eq!(
        app.post(&format!("{}/close", base()), Some("finance"), &close)
            .status,
        201
    );
    let after_close = app.post(&payments, Some("staff"), &payment("1.00", "2024-12-01"));
    assert_eq!(assert_problem(&after_close, 422)["code"], "year_closed");
    let reopen = json!({"event_id": Uuid::new_v4(), "on": "2025-01-05", "reason": ""});
    assert_eq!(
        assert_problem(
            &app.post(&format!("{}/reopen", base()), Some("finance"), &reopen),
            422
        )["errors"][0]["field"],
        "reason"
    );
}

#[test]
fn every_recorded_event_carries_the_actor_and_the_request_id() {
    let app = spawn_app();
    import_seed(&app);
    let answer = app.send(
        "POST",
        &format!("{}/payments", base()),
        Some("head"),
        &payment("5.00", "2024-02-02"),
        &[("X-Request-Id", "req-42")],
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.header("x-request-id"), Some("req-42"));
    let page = app
        .get(
            &format!("{}/events?type=payment_recorded", base()),
            Some("auditor"),
        )
        .json();
    let event = &page["events"][0];
    assert_eq!(event["request_id"], "req-42");
    assert_eq!(event["actor"], "head");
}
