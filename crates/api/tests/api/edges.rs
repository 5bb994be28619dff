//! The edges of the API a careless or hostile client reaches: numbers at the ends of their
//! ranges, dates outside the fiscal year, wrong methods, unknown streams. Every answer is a
//! problem+json a person can act on, never a dropped connection or an opaque 500.

use crate::helpers::{OTHER_UNIT, UNIT, assert_problem, spawn_app};
use crate::writes::{YEAR, base, import_seed, payment};
use serde_json::json;

#[test]
fn an_event_page_after_the_largest_position_is_empty_not_a_crash() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    for after in [i64::MAX as u64, i64::MAX as u64 - 1] {
        let page = app.get(&format!("{b}/events?after={after}"), Some("auditor"));
        assert_eq!(page.status, 200, "after={after}: {}", page.text);
        assert_eq!(page.json(), json!({"events": [], "next_after": null}));
    }
    // Positions are int64: above it is not a position at all (issue 15).
    let beyond = app.get(&format!("{b}/events?after={}", u64::MAX), Some("auditor"));
    assert_eq!(assert_problem(&beyond, 400)["errors"][0]["field"], "after");
}

#[test]
fn a_known_at_beyond_any_position_reads_the_log_as_it_is_now() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    for view in ["execution", "indicators", "evaluation", "monitoring-draft"] {
        let now = app.get(&format!("{b}/{view}"), Some("staff"));
        assert_eq!(now.status, 200, "{view}: {}", now.text);
        for known_at in [u64::MAX, i64::MAX as u64 + 1] {
            let later = app.get(&format!("{b}/{view}?known_at={known_at}"), Some("staff"));
            assert_eq!(
                later.status, 200,
                "{view} known_at={known_at}: {}",
                later.text
            );
            assert_eq!(later.json(), now.json(), "{view} known_at={known_at}");
        }
    }
}

#[test]
fn a_wrong_method_on_a_known_route_is_a_problem_405_naming_the_allowed_methods() {
    let app = spawn_app();
    let b = base();
    for (method, path, allowed) in [
        ("PUT", "/healthz".to_string(), "GET"),
        ("POST", format!("{b}/events"), "GET"),
        ("PUT", format!("{b}/payments"), "POST"),
        ("POST", "/api/v1/users/someone/role".to_string(), "PUT"),
    ] {
        let answer = app.send(method, &path, Some("staff"), &json!({}), &[]);
        let problem = assert_problem(&answer, 405);
        assert_eq!(problem["code"], "method_not_allowed", "{method} {path}");
        assert_eq!(answer.header("allow"), Some(allowed), "{method} {path}");
        assert!(
            problem["detail"].as_str().unwrap().contains(allowed),
            "the detail says what to use instead: {problem}"
        );
    }
    assert_problem(
        &app.send("PUT", "/api/v1/nothing", None, &json!({}), &[]),
        404,
    );
}

#[test]
fn an_as_of_outside_the_fiscal_year_is_a_problem_naming_as_of_and_the_year() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    for (path, user) in [
        (format!("{b}/execution"), "staff"),
        (format!("{b}/indicators"), "staff"),
        (format!("{b}/evaluation"), "staff"),
        (format!("{b}/monitoring-draft"), "staff"),
        (format!("/api/v1/units?year={YEAR}&"), "finance"),
        (format!("/api/v1/monitoring?year={YEAR}&"), "finance"),
    ] {
        let sep = if path.ends_with('&') { "" } else { "?" };
        for as_of in ["2030-01-01", "2023-12-31", "2025-01-01"] {
            let answer = app.get(&format!("{path}{sep}as_of={as_of}"), Some(user));
            let problem = assert_problem(&answer, 422);
            assert_eq!(problem["errors"][0]["field"], "as_of", "{path} {as_of}");
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .contains(&YEAR.to_string()),
                "{problem}"
            );
        }
        for as_of in ["2024-01-01", "2024-12-31"] {
            let answer = app.get(&format!("{path}{sep}as_of={as_of}"), Some(user));
            assert_eq!(answer.status, 200, "{path} {as_of}: {}", answer.text);
        }
    }
}

#[test]
fn the_event_log_of_a_unit_year_with_no_events_is_404() {
    let app = spawn_app();
    import_seed(&app);
    assert_problem(
        &app.get(
            &format!("/api/v1/units/{UNIT}/years/2025/events"),
            Some("staff"),
        ),
        404,
    );
    assert_problem(
        &app.get(
            &format!("/api/v1/units/{OTHER_UNIT}/years/{YEAR}/events"),
            Some("finance"),
        ),
        404,
    );
    let known = app.get(&format!("{}/events?known_at=0", base()), Some("staff"));
    assert_eq!(
        known.status, 200,
        "a stream that exists is read at any known_at"
    );
}

fn counter(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[test]
fn metrics_count_appends_and_the_events_they_appended() {
    let app = spawn_app();
    import_seed(&app);
    let before = app.get("/metrics", None).text;
    let batch = json!({"items": [payment("10.00", "2024-03-01"), payment("20.00", "2024-03-02")]});
    let answer = app.post(&format!("{}/payments/batch", base()), Some("staff"), &batch);
    assert_eq!(answer.status, 201, "{}", answer.text);
    let after = app.get("/metrics", None).text;
    // The recorder is process-wide and other tests append concurrently: at least ours count.
    assert!(counter(&after, "event_appends_total") > counter(&before, "event_appends_total"));
    assert!(
        counter(&after, "events_appended_total") >= counter(&before, "events_appended_total") + 2
    );
    assert!(after.contains("route=\"/api/v1/units/{unit}/years/{year}/payments/batch\""));
}

#[test]
fn the_docs_page_and_its_assets_come_from_this_server_only() {
    let app = spawn_app();
    let html = app.get("/docs/", None);
    assert_eq!(html.status, 200);
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.text.split(attr).skip(1) {
            assets.push(part.split('"').next().unwrap().to_string());
        }
    }
    assert!(assets.len() >= 4, "{assets:?}");
    for asset in &assets {
        assert!(
            !asset.contains("//"),
            "the docs page loads {asset} from another host"
        );
        if asset.ends_with(".png") {
            continue; // icons are binary; the test client reads text
        }
        let served = app.get(&format!("/docs/{}", asset.trim_start_matches("./")), None);
        assert_eq!(served.status, 200, "{asset}");
    }
    let init = app.get("/docs/swagger-initializer.js", None).text;
    assert!(init.contains("\"/api-docs/openapi.json\""), "{init}");
    assert!(
        !init.contains("http://") && !init.contains("https://"),
        "{init}"
    );
}

#[test]
fn a_value_serde_cannot_read_is_not_mistaken_for_a_field_name() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let too_big = json!({"event_id": uuid::Uuid::new_v4(), "project_code": "410800240000000053204",
        "held_on": "2024-04-10", "title": "x", "invited": 4_294_967_296_u64, "participants": 1});
    let problem = assert_problem(
        &app.post(&format!("{b}/activities"), Some("staff"), &too_big),
        422,
    );
    assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
    let mut float = payment("1.00", "2024-03-01");
    float["amount_yuan"] = json!(1e300);
    let problem = assert_problem(
        &app.post(&format!("{b}/payments"), Some("staff"), &float),
        422,
    );
    assert_eq!(problem["errors"][0]["field"], "amount_yuan", "{problem}");
    let mut unknown = payment("1.00", "2024-03-01");
    unknown["amount"] = json!("1.00");
    let problem = assert_problem(
        &app.post(&format!("{b}/payments"), Some("staff"), &unknown),
        422,
    );
    assert_eq!(
        problem["errors"][0]["field"], "amount",
        "an unknown field is still named"
    );
}

#[test]
fn a_date_range_that_ends_before_it_starts_is_a_problem_naming_to_date() {
    let app = spawn_app();
    import_seed(&app);
    let answer = app.get(
        &format!("{}/events?from_date=2024-12-31&to_date=2024-01-01", base()),
        Some("staff"),
    );
    // Both dates read; their order is a rule, so a 422 (a schema-valid query is never a 400).
    assert_eq!(
        assert_problem(&answer, 422)["errors"][0]["field"],
        "to_date"
    );
}

#[test]
fn a_query_parameter_that_cannot_be_read_is_named_in_the_problem() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    for (path, field) in [
        (format!("{b}/events?limit=-1"), "limit"),
        (format!("{b}/events?after=first"), "after"),
        (format!("{b}/events?from_date=yesterday"), "from_date"),
        (format!("{b}/execution?as_of=2024-13-01"), "as_of"),
        (
            "/api/v1/monitoring?year=%E4%BA%8C%E3%80%87%E4%BA%8C%E5%9B%9B".to_string(),
            "year",
        ),
        ("/api/v1/monitoring?offset=-5".to_string(), "offset"),
    ] {
        let problem = assert_problem(&app.get(&path, Some("finance")), 400);
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "the detail names {field}: {problem}"
        );
    }
}

#[test]
fn the_units_list_without_a_year_is_of_the_year_of_as_of() {
    let app = spawn_app();
    import_seed(&app);
    let listed = app.get("/api/v1/units?as_of=2024-06-30", Some("finance"));
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json()[0]["fiscal_year"], YEAR, "{}", listed.text);
    let view = app.get("/api/v1/monitoring?as_of=2024-06-30", Some("finance"));
    assert_eq!(view.json()["fiscal_year"], YEAR, "{}", view.text);
}
