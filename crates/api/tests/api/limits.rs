//! The bulk limits, as a client meets them: the bulk routes (budget import, payment batch) take
//! bodies up to 8 MiB where others stop at 1 MiB, a larger body is a 413 problem, and a batch of
//! more than 1000 payments is refused naming the limit; nothing is recorded either way.

use crate::helpers::{assert_problem, spawn_app};
use crate::writes::{base, import_seed, payment, seed_import_body, version};
use jixiao_api::config::{MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_BULK_BODY_BYTES};
use serde_json::{Value, json};
use uuid::Uuid;

fn batch_of(n: usize, summary_chars: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|_| {
            let mut p = payment("1.00", "2024-03-01");
            p["summary"] = json!("x".repeat(summary_chars));
            p
        })
        .collect();
    json!({ "items": items })
}

#[test]
fn a_batch_of_1000_payments_over_1_mib_is_accepted_on_the_bulk_route() {
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    let body = batch_of(MAX_BATCH_EVENTS, 1_500);
    let size = body.to_string().len();
    assert!(
        size > MAX_BODY_BYTES && size < MAX_BULK_BODY_BYTES,
        "{size} bytes"
    );
    let answer = app.post(&format!("{}/payments/batch", base()), Some("staff"), &body);
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(version(&app), v + MAX_BATCH_EVENTS as u64);
}

#[test]
fn a_batch_of_1001_payments_is_refused_naming_the_limit_and_records_nothing() {
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    let answer = app.post(
        &format!("{}/payments/batch", base()),
        Some("staff"),
        &batch_of(MAX_BATCH_EVENTS + 1, 0),
    );
    let problem = assert_problem(&answer, 422);
    assert_eq!(problem["errors"][0]["field"], "items", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&MAX_BATCH_EVENTS.to_string()),
        "the message names the limit: {problem}"
    );
    assert_problem(
        &app.post(
            &format!("{}/payments/batch", base()),
            Some("staff"),
            &json!({"items": []}),
        ),
        422,
    );
    assert_eq!(version(&app), v);
}

#[test]
fn a_bulk_body_over_8_mib_is_a_413_problem_and_records_nothing() {
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    // Few items, long enough to pass 8 MiB: the size is refused before any item is read.
    let big = batch_of(2, MAX_BULK_BODY_BYTES / 2 + 1);
    let answer = app.post(&format!("{}/payments/batch", base()), Some("staff"), &big);
    assert_problem(&answer, 413);

    let fresh = spawn_app();
    let mut import = seed_import_body();
    import["padding"] = json!("x".repeat(MAX_BULK_BODY_BYTES + 1));
    let answer = fresh.post(
        &format!("{}/import?event_id={}", base(), Uuid::new_v4()),
        Some("admin"),
        &import,
    );
    assert_problem(&answer, 413);
    assert_eq!(version(&fresh), 0, "nothing was imported");
    assert_eq!(version(&app), v);
}
