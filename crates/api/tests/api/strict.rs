//! Strict input over HTTP (issue 15 point 2): amounts written plainly as strings, ISO dates,
//! four-digit path years, positions within int64, text without control or bidirectional
//! characters, and a request id with odd characters replaced. Each refusal is problem+json
//! naming the field and records nothing.

use crate::helpers::{UNIT, assert_problem, spawn_app};
use crate::writes::{PROJECT, base, import_seed, payment, version};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use uuid::Uuid;

#[test]
fn amounts_not_written_plainly_are_refused_naming_the_field_and_nothing_is_recorded() {
    let app = spawn_app();
    import_seed(&app);
    let before = version(&app);
    let url = format!("{}/payments", base());
    for amount in [
        "1e3", "1_000", "0.1e1", "+100", ".5", "00100", "1.234", " 100", "100.",
    ] {
        let problem = assert_problem(
            &app.post(&url, Some("staff"), &payment(amount, "2024-03-01")),
            422,
        );
        assert_eq!(
            problem["errors"][0]["field"], "amount_yuan",
            "{amount}: {problem}"
        );
    }
    for number in [json!(100), json!(100.5), json!(1e300)] {
        let mut body = payment("1", "2024-03-01");
        body["amount_yuan"] = number.clone();
        let problem = assert_problem(&app.post(&url, Some("staff"), &body), 422);
        assert_eq!(
            problem["errors"][0]["field"], "amount_yuan",
            "{number}: {problem}"
        );
    }
    assert_eq!(version(&app), before, "a refused amount recorded something");
    for amount in ["100", "100.5", "100.50", "0.01"] {
        let answer = app.post(&url, Some("staff"), &payment(amount, "2024-03-01"));
        assert_eq!(answer.status, 201, "{amount}: {}", answer.text);
    }
    assert_eq!(version(&app), before + 4);
}

#[test]
fn dates_other_than_yyyy_mm_dd_are_refused_naming_the_field() {
    let app = spawn_app();
    import_seed(&app);
    let before = version(&app);
    for date in [
        "2024-6-1",
        "+002024-06-01",
        "2024-06-01T00:00:00",
        "2024/06/01",
    ] {
        let problem = assert_problem(
            &app.post(
                &format!("{}/payments", base()),
                Some("staff"),
                &payment("1.00", date),
            ),
            422,
        );
        assert_eq!(
            problem["errors"][0]["field"], "paid_on",
            "{date}: {problem}"
        );
    }
    let problem = assert_problem(
        &app.get(
            &format!("{}/execution?as_of=2024-6-1", base()),
            Some("staff"),
        ),
        400,
    );
    assert_eq!(problem["errors"][0]["field"], "as_of", "{problem}");
    assert_eq!(version(&app), before);
}

#[test]
fn path_years_are_four_plain_digits() {
    let app = spawn_app();
    import_seed(&app);
    for year in ["%2B2024", "02024", "24"] {
        let path = format!("/api/v1/units/{UNIT}/years/{year}/execution");
        let problem = assert_problem(&app.get(&path, Some("staff")), 400);
        assert_eq!(problem["errors"][0]["field"], "year", "{year}: {problem}");
        let write = format!("/api/v1/units/{UNIT}/years/{year}/payments");
        let problem = assert_problem(
            &app.post(&write, Some("staff"), &payment("1.00", "2024-03-01")),
            400,
        );
        assert_eq!(problem["errors"][0]["field"], "year", "{year}: {problem}");
    }
    let ok = app.get(&format!("{}/execution", base()), Some("staff"));
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[test]
fn an_event_position_above_int64_is_refused() {
    let app = spawn_app();
    import_seed(&app);
    let events = format!("{}/events", base());
    let problem = assert_problem(
        &app.get(
            &format!("{events}?after=9223372036854775808"),
            Some("staff"),
        ),
        400,
    );
    assert_eq!(problem["errors"][0]["field"], "after", "{problem}");
    let last = app.get(
        &format!("{events}?after=9223372036854775807"),
        Some("staff"),
    );
    assert_eq!(last.status, 200, "{}", last.text);
}

#[test]
fn text_with_control_or_bidirectional_characters_is_refused_naming_the_field() {
    let app = spawn_app();
    import_seed(&app);
    let before = version(&app);
    let activity = |title: &str| -> Value {
        json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "held_on": "2024-04-10",
            "title": title, "invited": 10, "participants": 8})
    };
    for title in [
        "培训\u{0}会",
        "培训\u{1b}[31m",
        "invoice\u{202E}fdp.exe",
        "a\u{2066}b",
        "两行\n标题",
    ] {
        let problem = assert_problem(
            &app.post(
                &format!("{}/activities", base()),
                Some("staff"),
                &activity(title),
            ),
            422,
        );
        assert_eq!(
            problem["errors"][0]["field"], "title",
            "{title:?}: {problem}"
        );
    }
    let mut body = payment("1.00", "2024-03-01");
    body["summary"] = json!("办公\u{7}用品");
    let problem = assert_problem(
        &app.post(&format!("{}/payments", base()), Some("staff"), &body),
        422,
    );
    assert_eq!(problem["errors"][0]["field"], "summary", "{problem}");
    assert_eq!(version(&app), before);
    let ok = app.post(
        &format!("{}/activities", base()),
        Some("staff"),
        &activity("专家培训会"),
    );
    assert_eq!(ok.status, 201, "{}", ok.text);
}

/// Sends raw bytes on a fresh connection and returns what the server answered.
fn raw_exchange(address: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_request_id_with_odd_characters_is_replaced_by_a_fresh_one() {
    let app = spawn_app();
    let answer = raw_exchange(
        app.address,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a b<script>\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let id = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap_or_else(|| panic!("no request id: {answer}"));
    assert!(Uuid::parse_str(id.trim()).is_ok(), "{id}");
    let sane = raw_exchange(
        app.address,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-42\r\nConnection: close\r\n\r\n",
    );
    assert!(sane.contains("x-request-id: trace-42"), "{sane}");
}
