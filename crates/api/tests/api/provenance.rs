//! Provenance and time travel of the views: an indicator names the log positions of the events
//! its value came from, and `known_at` shows every view as the log held it.

use crate::helpers::spawn_app;
use crate::writes::{PROJECT, base, import_seed, payment};
use serde_json::{Value, json};
use uuid::Uuid;

fn positions_of(answer: &crate::helpers::Answer) -> Vec<u64> {
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect()
}

fn numbers(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect()
}

#[test]
fn an_indicator_names_the_log_positions_of_the_events_its_value_came_from() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let activity_id = Uuid::new_v4();
    let held = positions_of(&app.post(
        &format!("{b}/activities"),
        Some("staff"),
        &json!({"event_id": activity_id, "project_code": PROJECT, "held_on": "2024-04-10", "title": "对接会", "invited": 10, "participants": 8}),
    ));
    let paid = positions_of(&app.post(
        &format!("{b}/payments"),
        Some("staff"),
        &payment("500.00", "2024-04-12"),
    ));
    let corrected = positions_of(&app.post(
        &format!("{b}/activities/{activity_id}/correction"),
        Some("staff"),
        &json!({"event_id": Uuid::new_v4(), "held_on": "2024-04-10", "title": "对接会", "invited": 10, "participants": 9, "reason": "补登"}),
    ));
    let list = app.get(&format!("{b}/indicators"), Some("staff")).json();
    let counted: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["kind"] == "activity")
        })
        .collect();
    assert!(
        !counted.is_empty(),
        "an indicator counts the activity: {list}"
    );
    for i in counted {
        let positions = numbers(&i["source_positions"]);
        assert!(
            positions.contains(&held[0]) && positions.contains(&corrected[0]),
            "the activity and its correction are named by position: {i}"
        );
        assert!(
            !positions.contains(&paid[0]),
            "a payment is not an activity: {i}"
        );
    }
    // Every position named is an event of this unit's log.
    let log = app
        .get(&format!("{b}/events?limit=500"), Some("staff"))
        .json();
    let logged: Vec<u64> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    for i in list.as_array().unwrap() {
        for p in numbers(&i["source_positions"]) {
            assert!(logged.contains(&p), "{p} is not in the log");
        }
    }
}

#[test]
fn views_read_with_known_at_show_the_year_as_the_log_held_it_then() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let first = positions_of(&app.post(
        &format!("{b}/payments"),
        Some("staff"),
        &payment("1000.00", "2024-03-01"),
    ));
    positions_of(&app.post(
        &format!("{b}/payments"),
        Some("staff"),
        &payment("2000.00", "2024-03-02"),
    ));
    let then = first[0];
    let execution = app
        .get(&format!("{b}/execution?known_at={then}"), Some("staff"))
        .json();
    assert_eq!(execution["total"]["paid_yuan"], "1000", "{execution}");
    let now = app.get(&format!("{b}/execution"), Some("staff")).json();
    assert_eq!(now["total"]["paid_yuan"], "3000", "{now}");
    let indicators = app
        .get(&format!("{b}/indicators?known_at={then}"), Some("staff"))
        .json();
    for i in indicators.as_array().unwrap() {
        assert!(
            numbers(&i["source_positions"]).iter().all(|p| *p <= then),
            "nothing recorded after known_at is named: {i}"
        );
    }
    let evaluation_then = app
        .get(&format!("{b}/evaluation?known_at={then}"), Some("staff"))
        .json();
    let evaluation_now = app.get(&format!("{b}/evaluation"), Some("staff")).json();
    assert_eq!(
        evaluation_then["unit"]["execution"]["executed_yuan"], "1000",
        "{evaluation_then}"
    );
    assert_eq!(
        evaluation_now["unit"]["execution"]["executed_yuan"], "3000",
        "{evaluation_now}"
    );
}
