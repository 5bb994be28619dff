//! The units list filtered, sorted and paged by the application layer (the total in
//! `X-Total-Count`), and disabling users: a disabled user's tokens stop working, and the last
//! active admin can be neither disabled nor demoted.

use crate::helpers::{PASSWORD, TestApp, UNIT, assert_problem, spawn_app};
use crate::writes::{YEAR, import_seed, seed_import_body};
use serde_json::{Value, json};
use uuid::Uuid;

/// Imports the seed's budget as another unit with its own name and 主管部门.
fn import_unit(app: &TestApp, code: &str, name: &str, department: &str) {
    let mut body = seed_import_body();
    *body.pointer_mut("/unit/code").unwrap() = json!(code);
    *body.pointer_mut("/unit/name").unwrap() = json!(name);
    *body.pointer_mut("/unit/department").unwrap() = json!(department);
    let answer = app.post(
        &format!(
            "/api/v1/units/{code}/years/{YEAR}/import?event_id={}",
            Uuid::new_v4()
        ),
        Some("admin"),
        &body,
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
}

/// Percent-encodes every byte outside the unreserved set (Chinese text in a query).
fn encoded(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'=' | b'&' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn codes(answer: &Value) -> Vec<String> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_units_list_filters_sorts_and_pages_and_tells_the_total_before_paging() {
    let app = spawn_app();
    import_seed(&app);
    import_unit(&app, "100001", "示例第一中学", "示例教育局");
    import_unit(&app, "100002", "示例人民医院", "示例卫健委");
    let q = |query: &str| {
        let a = app.get(
            &format!(
                "/api/v1/units?year={YEAR}&as_of=2024-06-30&{}",
                encoded(query)
            ),
            Some("finance"),
        );
        assert_eq!(a.status, 200, "{query}: {}", a.text);
        let total: usize = a.header("x-total-count").unwrap().parse().unwrap();
        (codes(&a.json()), total)
    };
    assert_eq!(
        q("sort=-unit&limit=2"),
        (vec!["261301".into(), "100002".into()], 3)
    );
    assert_eq!(q("sort=-unit&limit=2&offset=2"), (vec!["100001".into()], 3));
    assert_eq!(q("department=示例卫健委"), (vec!["100002".into()], 1));
    assert_eq!(q("q=中学"), (vec!["100001".into()], 1));
    assert_eq!(q("sort=name&limit=1").1, 3);
    // Staff see their own unit only, and the total says so.
    let own = app.get(&format!("/api/v1/units?year={YEAR}"), Some("staff"));
    assert_eq!(codes(&own.json()), [UNIT]);
    assert_eq!(own.header("x-total-count"), Some("1"));
    // A sort, colour or page size outside the documented values is refused naming the field.
    for (query, field) in [
        ("colour=紫", "colour"),
        ("sort=colour_zh", "sort"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        let a = app.get(
            &format!("/api/v1/units?year={YEAR}&{}", encoded(query)),
            Some("finance"),
        );
        let problem = assert_problem(&a, 400);
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

#[test]
fn a_disabled_users_tokens_stop_working_and_they_cannot_sign_in_until_enabled() {
    let app = spawn_app();
    import_seed(&app);
    let units = format!("/api/v1/units?year={YEAR}");
    assert_eq!(app.get(&units, Some("staff")).status, 200);
    let off = app.put(
        "/api/v1/users/staff/disabled",
        Some("admin"),
        &json!({"disabled": true}),
    );
    assert_eq!(off.status, 204, "{}", off.text);
    assert_problem(&app.get(&units, Some("staff")), 401);
    let login = json!({"username": "staff", "password": PASSWORD});
    assert_problem(&app.post("/api/v1/auth/token", None, &login), 401);
    let listed = app.get("/api/v1/users", Some("admin")).json();
    let staff = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "staff")
        .unwrap();
    assert_eq!(staff["disabled"], true, "{listed}");
    // Only an admin may do it.
    let refused = app.put(
        "/api/v1/users/head/disabled",
        Some("finance"),
        &json!({"disabled": true}),
    );
    assert_problem(&refused, 403);
    let on = app.put(
        "/api/v1/users/staff/disabled",
        Some("admin"),
        &json!({"disabled": false}),
    );
    assert_eq!(on.status, 204, "{}", on.text);
    assert_eq!(app.get(&units, Some("staff")).status, 200);
    assert_eq!(app.post("/api/v1/auth/token", None, &login).status, 200);
    let ghost = app.put(
        "/api/v1/users/ghost/disabled",
        Some("admin"),
        &json!({"disabled": true}),
    );
    assert_problem(&ghost, 404);
}

#[test]
fn the_last_active_admin_can_be_neither_disabled_nor_demoted() {
    let app = spawn_app();
    let own = app.put(
        "/api/v1/users/admin/disabled",
        Some("admin"),
        &json!({"disabled": true}),
    );
    let problem = assert_problem(&own, 409);
    assert_eq!(problem["code"], "last_admin", "{problem}");
    let demote = app.put(
        "/api/v1/users/admin/role",
        Some("admin"),
        &json!({"role": "finance"}),
    );
    assert_eq!(assert_problem(&demote, 409)["code"], "last_admin");
    // With a second active admin, the first may step down.
    let created = app.post(
        "/api/v1/users",
        Some("admin"),
        &json!({"name": "admin2", "password": PASSWORD, "role": "admin"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let off = app.put(
        "/api/v1/users/admin/disabled",
        Some("admin"),
        &json!({"disabled": true}),
    );
    assert_eq!(off.status, 204, "{}", off.text);
    // Now admin2 is the last active one.
    let login = app.post(
        "/api/v1/auth/token",
        None,
        &json!({"username": "admin2", "password": PASSWORD}),
    );
    let token = login.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get_with_token("/api/v1/users", &token).status, 200);
    let a = app.put_with_token(
        "/api/v1/users/admin2/disabled",
        &token,
        &json!({"disabled": true}),
    );
    assert_eq!(a.status, 409, "{}", a.text);
}

#[test]
fn a_unit_is_created_from_its_budget_file_once_after_a_dry_run_and_never_twice() {
    let app = spawn_app();
    let mut body = seed_import_body();
    *body.pointer_mut("/unit/code").unwrap() = json!("100009");
    *body.pointer_mut("/unit/name").unwrap() = json!("示例新建单位");
    let file = serde_json::to_vec(&body).unwrap();
    let event_id = Uuid::new_v4();
    let path = |id: Uuid, dry: bool| {
        format!("/api/v1/units/import?event_id={id}&format=json&dry_run={dry}")
    };
    let ct = "application/octet-stream";

    let staff = app.send_raw(&path(event_id, false), Some("staff"), ct, &file);
    assert_problem(&staff, 403);

    let dry = app.send_raw(&path(event_id, true), Some("admin"), ct, &file);
    assert_eq!(dry.status, 200, "{}", dry.text);
    let preview = dry.json();
    assert_eq!(preview["unit"], "100009");
    assert_eq!(preview["unit_name"], "示例新建单位");
    assert_eq!(preview["dry_run"], true);
    assert!(preview["lines"].as_u64().unwrap() > 0);
    let units = |app: &TestApp| {
        codes(
            &app.get(&format!("/api/v1/units?year={YEAR}"), Some("finance"))
                .json(),
        )
    };
    assert!(
        !units(&app).contains(&"100009".to_string()),
        "a dry run writes nothing"
    );

    let created = app.send_raw(&path(event_id, false), Some("admin"), ct, &file);
    assert_eq!(created.status, 201, "{}", created.text);
    let positions = created.json()["positions"].clone();
    assert!(!positions.as_array().unwrap().is_empty());
    let retry = app.send_raw(&path(event_id, false), Some("admin"), ct, &file);
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.json()["replayed"], true);
    assert_eq!(
        retry.json()["positions"],
        positions,
        "the retry wrote nothing new"
    );
    assert!(units(&app).contains(&"100009".to_string()));

    let again = app.send_raw(&path(Uuid::new_v4(), false), Some("admin"), ct, &file);
    let problem = assert_problem(&again, 409);
    assert_eq!(problem["code"], "unit_year_exists");

    let broken = app.send_raw(
        &path(Uuid::new_v4(), true),
        Some("admin"),
        ct,
        b"{\n  \"format_version\": ",
    );
    let problem = assert_problem(&broken, 422);
    assert_eq!(problem["code"], "invalid_budget_file");
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("第2行"),
        "{problem}"
    );
}
