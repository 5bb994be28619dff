//! The seed project's whole year driven over HTTP: import, payments (batch and single, one
//! reversal), activities (one corrected, one withdrawn), surveys, assessments, the monitoring
//! report, the self-evaluation, closing the year; and the reads a user relies on along the way.

use crate::helpers::{UNIT, assert_problem, spawn_app};
use crate::writes::{PROJECT, PROJECT_LINE, base, import_seed, seed_import_body};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use uuid::Uuid;

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        other => panic!("not a number: {other}"),
    }
}

fn created(answer: crate::helpers::Answer) -> Value {
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()
}

#[test]
fn the_seed_year_runs_over_http_from_import_to_a_submitted_self_evaluation() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();

    // 基本支出: every basic line paid in full, half in June and half in December, as one batch.
    let import = seed_import_body();
    let mut items = Vec::new();
    for line in import["lines"].as_array().unwrap() {
        let id = line["id"].as_str().unwrap();
        if id.starts_with("P-") {
            continue;
        }
        let total = dec(&line["amount_wan"]) * Decimal::from(10_000);
        let half = (total / Decimal::from(2)).round_dp(2);
        for (date, amount) in [("2024-06-20", half), ("2024-12-20", total - half)] {
            items.push(json!({"event_id": Uuid::new_v4(), "paid_on": date, "line_id": id, "amount_yuan": amount.to_string(), "summary": "基本支出"}));
        }
    }
    let batch = created(app.post(
        &format!("{b}/payments/batch"),
        Some("staff"),
        &json!({"items": items}),
    ));
    assert_eq!(batch["positions"].as_array().unwrap().len(), items.len());

    // 项目支出: 19万 of 20万 in lumps, plus a mistaken payment reversed.
    for (date, amount) in [
        ("2024-03-15", "50000.00"),
        ("2024-06-15", "60000.00"),
        ("2024-09-15", "40000.00"),
        ("2024-11-15", "40000.00"),
    ] {
        created(app.post(&format!("{b}/payments"), Some("staff"), &json!({"event_id": Uuid::new_v4(), "paid_on": date, "line_id": PROJECT_LINE, "amount_yuan": amount, "summary": "科技合作"})));
    }
    let mistaken = Uuid::new_v4();
    created(app.post(&format!("{b}/payments"), Some("staff"), &json!({"event_id": mistaken, "paid_on": "2024-10-08", "line_id": PROJECT_LINE, "amount_yuan": "9999.00", "summary": "重复录入"})));
    created(app.post(
        &format!("{b}/payments/{mistaken}/reversal"),
        Some("staff"),
        &json!({"event_id": Uuid::new_v4(), "reversed_on": "2024-10-09", "reason": "重复录入"}),
    ));

    // Activities: three held (one corrected), one withdrawn.
    let mut activity_ids = Vec::new();
    for (date, title) in [
        ("2024-04-10", "产学研对接会"),
        ("2024-07-12", "技术交流会"),
        ("2024-10-18", "成果转化研讨会"),
        ("2024-11-02", "临时活动"),
    ] {
        let id = Uuid::new_v4();
        created(app.post(&format!("{b}/activities"), Some("staff"), &json!({"event_id": id, "project_code": PROJECT, "held_on": date, "title": title, "invited": 10, "participants": 7})));
        activity_ids.push(id);
    }
    created(app.post(&format!("{b}/activities/{}/correction", activity_ids[0]), Some("staff"), &json!({"event_id": Uuid::new_v4(), "held_on": "2024-04-10", "title": "产学研对接会", "invited": 10, "participants": 9, "reason": "签到表补录"})));
    created(app.post(
        &format!("{b}/activities/{}/withdrawal", activity_ids[3]),
        Some("staff"),
        &json!({"event_id": Uuid::new_v4(), "withdrawn_on": "2024-11-03", "reason": "未举办"}),
    ));

    // Surveys.
    for (group, n, ok) in [("专家", 10, 9), ("企业", 10, 9), ("工作人员", 10, 8)] {
        created(app.post(&format!("{b}/surveys"), Some("staff"), &json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "surveyed_on": "2024-12-10", "respondent_group": group, "respondents": n, "satisfied": ok})));
    }

    // The 1-7月 monitoring report (unit head), and an in-year read as of 31 July.
    created(app.post(&format!("{b}/monitoring-reports"), Some("head"), &json!({"event_id": Uuid::new_v4(), "as_of": "2024-07-31", "filed_on": "2024-08-05", "expected_full_year_yuan": "800000.00", "rows": []})));
    let july = app
        .get(&format!("{b}/execution?as_of=2024-07-31"), Some("staff"))
        .json();
    assert_eq!(july["as_of"], "2024-07-31");
    let july_paid = dec(&july["total"]["paid_yuan"]);
    let year_end = app.get(&format!("{b}/execution"), Some("staff")).json();
    assert!(
        july_paid < dec(&year_end["total"]["paid_yuan"]),
        "payments after July must not count as of 31 July"
    );

    // Assessments of every assessed indicator: qualitative ones achieved, quantitative ones with a value.
    let indicators = app.get(&format!("{b}/indicators"), Some("staff")).json();
    for ind in indicators.as_array().unwrap() {
        let id = ind["indicator_id"].as_str().unwrap();
        let project = ind["scope"].get("project_code").cloned();
        let assessed = ["P-OUT-03", "P-BEN-01"].contains(&id)
            || (id.starts_with("U-")
                && !["U-IN-06", "U-IN-07", "U-IN-08", "U-IN-09", "U-IN-10"].contains(&id));
        if !assessed {
            continue;
        }
        let target = ind["target_text"].as_str().unwrap();
        let mut body = json!({"event_id": Uuid::new_v4(), "indicator_id": id, "assessed_on": "2024-12-25", "note": "年终评定"});
        if let Some(p) = project {
            body["project_code"] = p;
        }
        if target.ends_with('%') {
            let value = if target.starts_with('≤') {
                "0"
            } else {
                "100"
            };
            body["actual_value"] = json!(value);
            body["actual_text"] = json!(format!("{value}%"));
        } else {
            body["grade"] = json!("achieved");
            body["actual_text"] = json!(target);
        }
        created(app.post(&format!("{b}/assessments"), Some("staff"), &body));
    }

    // The reads a user relies on.
    let execution = app.get(&format!("{b}/execution"), Some("staff")).json();
    let project_row = execution["by_project"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == PROJECT)
        .unwrap()
        .clone();
    assert_eq!(
        dec(&project_row["paid_yuan"]),
        Decimal::from(190_000),
        "the reversal cancels the mistaken payment"
    );
    assert_eq!(dec(&project_row["rate_percent"]), Decimal::from(95));
    let indicators = app.get(&format!("{b}/indicators"), Some("auditor")).json();
    let count = indicators
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator_id"] == "P-OUT-02")
        .unwrap()
        .clone();
    assert_eq!(
        count["actual_text"]
            .as_str()
            .unwrap()
            .trim_end_matches('次'),
        "3",
        "withdrawn activities do not count: {count}"
    );
    assert!(
        !count["sources"].as_array().unwrap().is_empty(),
        "the value names the events it came from"
    );
    let people = indicators
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator_id"] == "P-OUT-01")
        .unwrap()
        .clone();
    assert!(
        people["actual_text"].as_str().unwrap().starts_with("23"),
        "9 + 7 + 7 after the correction: {people}"
    );

    let evaluation = app.get(&format!("{b}/evaluation"), Some("head")).json();
    let project_eval = &evaluation["projects"][0]["evaluation"];
    let total = dec(&project_eval["total"]);
    assert!(
        total > Decimal::ZERO && total <= Decimal::from(100),
        "{project_eval}"
    );
    assert!(evaluation["unit"].is_object());
    assert_eq!(
        evaluation["missing_explanations"],
        json!([]),
        "{evaluation}"
    );
    let henan = app
        .get(&format!("{b}/evaluation?profile=henan-2024"), Some("head"))
        .json();
    assert_eq!(
        henan["projects"][0]["evaluation"]["profile_id"],
        "henan-2024"
    );
    assert_problem(
        &app.get(&format!("{b}/evaluation?profile=nope"), Some("head")),
        400,
    );

    // Submit, return, resubmit, approve, close; the log verifies.
    walk_the_year_end_workflow(&app);
    let verify = app.get("/api/v1/verify", Some("auditor")).json();
    assert_eq!(verify["ok"], true);
    assert_eq!(verify["head_position"], verify["events_checked"]);

    // The event log pages, filters by type and travels back in knowledge.
    let page = app
        .get(
            &format!("{b}/events?type=payment_reversed"),
            Some("auditor"),
        )
        .json();
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    assert_eq!(page["events"][0]["actor"], "staff");
    let first_two = app
        .get(&format!("{b}/events?limit=2"), Some("auditor"))
        .json();
    assert_eq!(first_two["events"].as_array().unwrap().len(), 2);
    let next = first_two["next_after"].as_u64().unwrap();
    let rest = app
        .get(&format!("{b}/events?after={next}&limit=1"), Some("auditor"))
        .json();
    assert_eq!(rest["events"][0]["position"].as_u64().unwrap(), next + 1);
    let known = app
        .get(&format!("{b}/execution?known_at=1"), Some("auditor"))
        .json();
    assert_eq!(
        dec(&known["total"]["paid_yuan"]),
        Decimal::ZERO,
        "as known at position 1 nothing was paid"
    );

    // The finance bureau's monitoring view and the units list.
    let units = app.get("/api/v1/units?year=2024", Some("finance")).json();
    assert_eq!(units[0]["unit"], UNIT);
    let view = app
        .get(
            "/api/v1/monitoring?year=2024&as_of=2024-07-31",
            Some("finance"),
        )
        .json();
    assert_eq!(view["units"][0]["unit"], UNIT);
    assert!(view["units"][0]["colour"].is_string());
}

#[test]
fn reads_follow_the_role_matrix() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    for path in [
        format!("{b}/execution"),
        format!("{b}/indicators"),
        format!("{b}/evaluation"),
        format!("{b}/events"),
        format!("{b}/monitoring-draft"),
    ] {
        for (user, status) in [
            ("staff", 200),
            ("head", 200),
            ("finance", 200),
            ("auditor", 200),
            ("admin", 403),
            ("staff2", 403),
        ] {
            assert_eq!(app.get(&path, Some(user)).status, status, "{user} {path}");
        }
        assert_problem(&app.get(&path, None), 401);
    }
    for (path, admin) in [
        ("/api/v1/monitoring?year=2024", 403),
        ("/api/v1/verify", 200),
    ] {
        for (user, status) in [
            ("staff", 403),
            ("head", 403),
            ("finance", 200),
            ("auditor", 200),
            ("admin", admin),
        ] {
            assert_eq!(app.get(path, Some(user)).status, status, "{user} {path}");
        }
    }
    let listed = app.get("/api/v1/units?year=2024", Some("admin")).json();
    assert_eq!(listed[0]["unit"], UNIT, "admins list the units they manage");
    let own = app.get("/api/v1/units?year=2024", Some("staff2")).json();
    assert_eq!(own, json!([]), "staff see only their own unit");
    assert_problem(
        &app.get("/api/v1/units/000000/years/2024/execution", Some("finance")),
        404,
    );
    assert_problem(
        &app.get("/api/v1/monitoring?year=2024&limit=501", Some("finance")),
        400,
    );
    assert_problem(
        &app.get(&format!("{b}/events?known_at=yesterday"), Some("auditor")),
        400,
    );
}

fn write(
    app: &crate::helpers::TestApp,
    path: &str,
    user: &str,
    body: Value,
) -> crate::helpers::Answer {
    app.post(&format!("{}/{path}", base()), Some(user), &body)
}

fn late_payment() -> Value {
    json!({"event_id": Uuid::new_v4(), "paid_on": "2024-12-30", "line_id": PROJECT_LINE, "amount_yuan": "5000.00", "summary": "补记支出"})
}

/// 上报 → locked → 退回 → edit → 上报 → 审核通过 → 关闭 → 重新打开 → 关闭, each step by its role
/// and each refusal in between (domain.md §7).
fn walk_the_year_end_workflow(app: &crate::helpers::TestApp) {
    let b = base();
    let id = Uuid::new_v4;
    let state = |user: &str| {
        app.get(&format!("{b}/self-evaluation/submitted"), Some(user))
            .json()
    };
    assert_eq!(state("staff")["workflow"], "draft");
    assert_eq!(state("staff")["submission"], Value::Null);
    let submit = || json!({"event_id": Uuid::new_v4(), "submitted_on": "2025-01-10"});
    // Only the unit head submits.
    assert_problem(&write(app, "self-evaluation", "staff", submit()), 403);
    assert_problem(&write(app, "self-evaluation", "finance", submit()), 403);
    let submitted = created(write(app, "self-evaluation", "head", submit()));
    assert_eq!(submitted["event_types"][0], "self_evaluation_submitted");
    let view = state("finance");
    assert_eq!(view["workflow"], "submitted");
    assert_eq!(view["workflow_zh"], "已上报");
    let submission = &view["submission"];
    assert_eq!(submission["submitted_by"], "head");
    assert!(submission["known_at_position"].as_u64().unwrap() > 0);
    let project = submission["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["scope"]["project_code"] == PROJECT)
        .expect("the project is submitted");
    assert!(
        project["rows"].as_array().unwrap().len() > 1,
        "every row is in the submission"
    );
    let evaluation = app.get(&format!("{b}/evaluation"), Some("head")).json();
    assert_eq!(evaluation["workflow"], "submitted");

    // Locked for the unit's writes, naming the submission.
    let refused = assert_problem(&write(app, "payments", "staff", late_payment()), 422);
    assert_eq!(refused["code"], "year_submitted");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("head") && detail.contains("2025-01-10"),
        "{detail}"
    );
    assert_problem(&write(app, "self-evaluation", "head", submit()), 422);

    // Only finance returns, with a reason.
    let ret =
        |reason: &str| json!({"event_id": Uuid::new_v4(), "on": "2025-01-12", "reason": reason});
    assert_problem(&write(app, "self-evaluation:return", "head", ret("x")), 403);
    let no_reason = assert_problem(
        &write(app, "self-evaluation:return", "finance", ret("")),
        422,
    );
    assert_eq!(no_reason["code"], "required");
    created(write(
        app,
        "self-evaluation:return",
        "finance",
        ret("12月支出未入账"),
    ));
    assert_eq!(state("head")["workflow"], "returned");

    // The unit edits; the recheck of the first submission lists what changed.
    created(write(app, "payments", "staff", late_payment()));
    let recheck = app
        .get(&format!("{b}/self-evaluation/recheck"), Some("finance"))
        .json();
    assert_eq!(recheck["recorded_vs_at_submission"], json!([]), "{recheck}");
    let differences = recheck["differences"].as_array().unwrap();
    assert!(
        differences
            .iter()
            .any(|r| r["scope"]["project_code"] == PROJECT
                && r["indicator_id"].is_null()
                && r["changed"].as_array().unwrap().contains(&json!("score"))),
        "the project's execution row differs: {recheck}"
    );

    // Resubmit; approve (finance only); the unit stays locked.
    created(write(app, "self-evaluation", "head", submit()));
    let recheck = app
        .get(&format!("{b}/self-evaluation/recheck"), Some("auditor"))
        .json();
    assert_eq!(
        recheck["differences"],
        json!([]),
        "nothing changed since: {recheck}"
    );
    let approve = || json!({"event_id": Uuid::new_v4(), "on": "2025-01-15", "reason": "同意"});
    assert_problem(
        &write(app, "self-evaluation:approve", "head", approve()),
        403,
    );
    created(write(app, "self-evaluation:approve", "finance", approve()));
    assert_eq!(state("auditor")["workflow"], "approved");
    assert_eq!(
        assert_problem(&write(app, "payments", "staff", late_payment()), 422)["code"],
        "year_submitted"
    );
    let again = assert_problem(
        &write(app, "self-evaluation:return", "finance", ret("再查")),
        422,
    );
    assert_eq!(again["code"], "self_evaluation_not_submitted");

    // Close (finance only); reopening needs a reason; close again.
    let lock = |reason: &str| json!({"event_id": id(), "on": "2025-01-20", "reason": reason});
    assert_problem(&write(app, "close", "head", lock("自评完成")), 403);
    created(write(app, "close", "finance", lock("自评完成")));
    assert_eq!(state("staff")["workflow"], "closed");
    assert_problem(&write(app, "reopen", "finance", lock("")), 422);
    created(write(app, "reopen", "finance", lock("审计调整")));
    assert_eq!(state("staff")["workflow"], "draft");
    created(write(app, "close", "finance", lock("调整完毕")));
    let steps: Vec<Value> = state("staff")["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].clone())
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "returned",
            "submitted",
            "approved",
            "closed",
            "draft",
            "closed"
        ]
        .map(Value::from)
        .to_vec()
    );
}
