//! The OpenAPI schemas of the views describe the JSON actually served: every view of a year with
//! payments, a carry-over, an activity, a survey and graded assessments is read into its schema
//! mirror (`jixiao_api::schemas`, unknown fields denied) and written back unchanged.

use crate::helpers::{TestApp, spawn_app};
use crate::writes::{PROJECT, PROJECT_LINE, base, import_seed, payment};
use jixiao_api::schemas::{ExecutionSummary, IndicatorStatus, MonitoringReportDraft};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

/// Reads `served` as `T` and writes it back; the two must be the same JSON.
fn round_trips_as<T: DeserializeOwned + Serialize>(what: &str, served: &Value) {
    let mirror: T = serde_json::from_value(served.clone())
        .unwrap_or_else(|e| panic!("{what} does not match its schema: {e}\n{served}"));
    assert_eq!(
        &serde_json::to_value(&mirror).unwrap(),
        served,
        "{what} changes when read through its schema"
    );
}

fn a_busy_year() -> TestApp {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let created = |path: &str, user: &str, body: Value| {
        let answer = app.post(&format!("{b}/{path}"), Some(user), &body);
        assert_eq!(answer.status, 201, "{path}: {}", answer.text);
    };
    created("payments", "staff", payment("50000.00", "2024-03-15"));
    created("payments", "staff", payment("30000.00", "2024-06-15"));
    created(
        "carry-overs",
        "finance",
        json!({"event_id": Uuid::new_v4(), "line_id": PROJECT_LINE, "amount_yuan": "10000.00", "recorded_on": "2024-02-01"}),
    );
    created(
        "activities",
        "staff",
        json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "held_on": "2024-04-10", "title": "对接会", "invited": 10, "participants": 8}),
    );
    created(
        "surveys",
        "staff",
        json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "surveyed_on": "2024-06-10", "respondent_group": "企业", "respondents": 10, "satisfied": 9}),
    );
    created(
        "assessments",
        "staff",
        json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "indicator_id": "P-BEN-01", "assessed_on": "2024-07-20", "grade": "achieved", "actual_text": "良好", "note": "评定"}),
    );
    app
}

#[test]
fn every_served_view_is_described_exactly_by_its_schema() {
    let app = a_busy_year();
    let b = base();
    for as_of in ["", "?as_of=2024-07-31", "?as_of=2024-01-15"] {
        let execution = app.get(&format!("{b}/execution{as_of}"), Some("staff"));
        assert_eq!(execution.status, 200, "{}", execution.text);
        round_trips_as::<ExecutionSummary>("execution", &execution.json());
        let indicators = app.get(&format!("{b}/indicators{as_of}"), Some("staff"));
        assert_eq!(indicators.status, 200, "{}", indicators.text);
        round_trips_as::<Vec<IndicatorStatus>>("indicators", &indicators.json());
    }
    let sources: Vec<String> = app
        .get(&format!("{b}/indicators"), Some("staff"))
        .json()
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["sources"].as_array().unwrap().clone())
        .map(|s| s["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(
        sources.iter().any(|k| k == "payment") && sources.iter().any(|k| k == "activity"),
        "the year exercises provenance: {sources:?}"
    );

    let evaluation = app.get(&format!("{b}/evaluation"), Some("head"));
    assert_eq!(evaluation.status, 200, "{}", evaluation.text);
    let evaluation = evaluation.json();
    round_trips_as::<jixiao_api::schemas::Evaluation>("unit evaluation", &evaluation["unit"]);
    round_trips_as::<Vec<jixiao_api::schemas::ProjectEvaluation>>(
        "project evaluations",
        &evaluation["projects"],
    );
    round_trips_as::<Vec<jixiao_api::schemas::DeviationItem>>(
        "missing explanations",
        &evaluation["missing_explanations"],
    );
    assert!(
        !evaluation["missing_explanations"]
            .as_array()
            .unwrap()
            .is_empty(),
        "a half-done year lacks explanations: {evaluation}"
    );

    for scope in ["unit", PROJECT] {
        for as_of in ["2024-07-31", "2024-01-15", "2024-10-31"] {
            let draft = app.get(
                &format!("{b}/monitoring-draft?scope={scope}&as_of={as_of}"),
                Some("head"),
            );
            assert_eq!(draft.status, 200, "{}", draft.text);
            round_trips_as::<MonitoringReportDraft>("monitoring draft", &draft.json());
        }
    }
}

#[test]
fn the_view_endpoints_name_their_schemas_in_the_openapi_document() {
    let doc: Value = serde_json::from_str(&jixiao_api::openapi::openapi_json()).unwrap();
    for (path, schema) in [
        (
            "/api/v1/units/{unit}/years/{year}/execution",
            "ExecutionSummary",
        ),
        (
            "/api/v1/units/{unit}/years/{year}/indicators",
            "IndicatorStatus",
        ),
        (
            "/api/v1/units/{unit}/years/{year}/evaluation",
            "SelfEvaluationView",
        ),
        (
            "/api/v1/units/{unit}/years/{year}/monitoring-draft",
            "MonitoringReportDraft",
        ),
    ] {
        let ok =
            doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                .to_string();
        assert!(
            ok.contains(&format!("#/components/schemas/{schema}")),
            "{path}: {ok}"
        );
    }
    for schema in [
        "Evaluation",
        "MeasureValue",
        "Source",
        "FundsBlock",
        "IndicatorRowDraft",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "missing schema {schema}"
        );
    }
}
