//! Health, readiness, metrics, request ids, unknown routes and the docs page.

use crate::helpers::{assert_problem, spawn_app};

#[test]
fn health_and_readiness_answer_ok_without_a_token() {
    let app = spawn_app();
    assert_eq!(app.get("/healthz", None).status, 200);
    let ready = app.get("/readyz", None);
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json()["head_position"], 0);
}

#[test]
fn a_client_request_id_is_echoed_and_one_is_generated_otherwise() {
    let app = spawn_app();
    let answer = app.send(
        "POST",
        "/api/v1/auth/token",
        None,
        &serde_json::json!({"username": "x", "password": "y"}),
        &[("X-Request-Id", "abc-123")],
    );
    assert_eq!(answer.header("x-request-id"), Some("abc-123"));
    let generated = app.get("/healthz", None);
    assert!(
        generated
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 16)
    );
}

#[test]
fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app();
    app.get("/healthz", None);
    let text = app.get("/metrics", None).text;
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[test]
fn metrics_show_the_store_writers_group_commits() {
    let app = spawn_app();
    crate::writes::import_seed(&app);
    let value = |text: &str, name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
    };
    let text = app.get("/metrics", None).text;
    let w = app.store.writer_stats();
    assert_eq!(
        value(&text, "store_group_commits_total"),
        w.groups_committed
    );
    assert_eq!(value(&text, "store_append_requests_total"), w.requests);
    assert_eq!(value(&text, "store_events_written_total"), w.events_written);
    assert!(w.requests > 0 && w.groups_committed > 0 && w.events_written > 0);
}

#[test]
fn an_unknown_route_is_a_problem_404() {
    let app = spawn_app();
    assert_problem(&app.get("/api/v1/nothing-here", None), 404);
}

#[test]
fn the_docs_page_and_the_web_page_are_served_offline() {
    let app = spawn_app();
    let docs = app.get("/docs/", None);
    assert_eq!(docs.status, 200);
    assert!(docs.text.contains("swagger"), "{}", docs.text);
    let index = app.get("/", None);
    assert_eq!(index.status, 200);
    assert!(index.text.contains("绩效"));
    assert!(
        !index.text.contains("cdn"),
        "the page must not load anything from a CDN"
    );
}
