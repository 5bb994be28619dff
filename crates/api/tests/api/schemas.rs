//! The OpenAPI schemas of the views describe the JSON actually served. Over a year with
//! payments, a carry-over, an activity, a survey and graded assessments, every served view
//! (execution, indicators, self-evaluation, monitoring draft; several dates and scopes)
//!
//! - is the API's DTO (`jixiao_api::dto`) of the view the application computes from the same
//!   log, serialised — so the handlers serve the DTOs and nothing else; and
//! - conforms to the response schema its endpoint declares in the OpenAPI document, with every
//!   JSON object holding exactly the properties its schema lists (no field undocumented, no
//!   required field missing), every value of the declared type and every tag one of the
//!   declared values.

use crate::helpers::{TestApp, UNIT, spawn_app};
use crate::writes::{PROJECT, PROJECT_LINE, YEAR, base, import_seed, payment};
use jixiao_api::dto;
use jixiao_api::routes::reads::SelfEvaluationView;
use jixiao_app::{App, AppConfig};
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::indicator::Scope;
use jixiao_store::{KnownAt, StreamId};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The served body must be the DTO of the view computed from the same log.
fn served_is_dto<T: Serialize>(what: &str, served: &Value, dto: &T) {
    assert_eq!(
        served,
        &serde_json::to_value(dto).unwrap(),
        "{what}: the served JSON is not the DTO of the view"
    );
}

/// The schema a `#/components/schemas/…` reference names.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected reference {r}"));
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "dangling reference {r}");
            resolve(doc, target)
        }
        None => schema,
    }
}

fn json_type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unexpected schema type {other}"),
    }
}

/// Why `value` does not conform to `schema` (None when it does). Objects must hold exactly the
/// properties the schema lists (all required ones among them), whatever `additionalProperties`
/// says: a field the document does not describe is a drift too.
fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let schema = resolve(doc, schema);
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let fitting = branches
            .iter()
            .filter(|b| mismatch(doc, b, value, at).is_none())
            .count();
        return (fitting != 1).then(|| {
            format!(
                "{at}: {value} fits {fitting} of the {} oneOf branches",
                branches.len()
            )
        });
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array)
        && let Some(why) = parts.iter().find_map(|p| mismatch(doc, p, value, at))
    {
        return Some(why);
    }
    match schema.get("type") {
        Some(Value::String(ty)) if !json_type_matches(ty, value) => {
            return Some(format!("{at}: {value} is not of type {ty}"));
        }
        Some(Value::Array(types))
            if !types
                .iter()
                .any(|t| json_type_matches(t.as_str().unwrap_or_default(), value)) =>
        {
            return Some(format!("{at}: {value} is none of the types {types:?}"));
        }
        _ => {}
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Some(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let (Some(items), Some(elements)) = (schema.get("items"), value.as_array()) {
        return elements
            .iter()
            .enumerate()
            .find_map(|(i, e)| mismatch(doc, items, e, &format!("{at}[{i}]")));
    }
    if let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        if let Some(extra) = object.keys().find(|k| !properties.contains_key(*k)) {
            return Some(format!("{at}: field {extra} is not in the schema"));
        }
        let required = schema["required"].as_array().cloned().unwrap_or_default();
        if let Some(missing) = required
            .iter()
            .filter_map(Value::as_str)
            .find(|k| !object.contains_key(*k))
        {
            return Some(format!("{at}: required field {missing} is missing"));
        }
        return object.iter().find_map(|(k, v)| {
            let property = &properties[k];
            mismatch(doc, property, v, &format!("{at}.{k}"))
        });
    }
    None
}

/// The served body conforms to the 200 response schema the endpoint declares.
fn conforms_to_declared_schema(doc: &Value, endpoint: &str, served: &Value) {
    let path = format!("/api/v1/units/{{unit}}/years/{{year}}/{endpoint}");
    let schema =
        &doc["paths"][&path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "{path} declares no 200 schema");
    if let Some(why) = mismatch(doc, schema, served, endpoint) {
        panic!("{endpoint} does not match its schema: {why}\n{served}");
    }
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
fn every_served_view_is_the_dto_of_the_computed_view_and_matches_its_schema() {
    let app = a_busy_year();
    let doc: Value = serde_json::from_str(&jixiao_api::openapi::openapi_json()).unwrap();
    let views = App::new(
        app.store.clone(),
        AppConfig {
            default_profile: app.config.default_profile.clone(),
            business_today: app.config.business_today,
            ..AppConfig::default()
        },
    );
    let profile = views.profile(None).unwrap();
    let stream = StreamId::new(UNIT.to_string(), YEAR);
    let b = base();
    for as_of in [None, Some("2024-07-31"), Some("2024-01-15")] {
        let query = as_of.map(|d| format!("?as_of={d}")).unwrap_or_default();
        let date = views
            .view_as_of(YEAR, as_of.map(|d| d.parse().unwrap()))
            .unwrap();

        let execution = app.get(&format!("{b}/execution{query}"), Some("staff"));
        assert_eq!(execution.status, 200, "{}", execution.text);
        let execution = execution.json();
        let summary = views
            .execution(&stream, date, KnownAt::Now, &profile)
            .unwrap()
            .expect("a budgeted year has an execution summary");
        served_is_dto(
            "execution",
            &execution,
            &dto::ExecutionSummary::from(&summary),
        );
        conforms_to_declared_schema(&doc, "execution", &execution);

        let indicators = app.get(&format!("{b}/indicators{query}"), Some("staff"));
        assert_eq!(indicators.status, 200, "{}", indicators.text);
        let indicators = indicators.json();
        let status = views
            .indicators(&stream, date, KnownAt::Now, &profile)
            .unwrap();
        let status: Vec<dto::IndicatorStatus> =
            status.iter().map(dto::IndicatorStatus::from).collect();
        served_is_dto("indicators", &indicators, &status);
        conforms_to_declared_schema(&doc, "indicators", &indicators);
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
    let computed = views
        .evaluation(&stream, None, KnownAt::Now, &profile)
        .unwrap();
    served_is_dto(
        "evaluation",
        &evaluation,
        &SelfEvaluationView::from(&computed),
    );
    conforms_to_declared_schema(&doc, "evaluation", &evaluation);
    assert!(
        !evaluation["unit"].is_null() && !evaluation["projects"].as_array().unwrap().is_empty(),
        "the year has unit-wide and project evaluations: {evaluation}"
    );
    assert!(
        !evaluation["missing_explanations"]
            .as_array()
            .unwrap()
            .is_empty(),
        "a half-done year lacks explanations: {evaluation}"
    );

    for scope in ["unit", PROJECT] {
        let domain_scope = if scope == "unit" {
            Scope::Unit
        } else {
            Scope::Project(ProjectCode(scope.to_string()))
        };
        for as_of in ["2024-07-31", "2024-01-15", "2024-10-31"] {
            let draft = app.get(
                &format!("{b}/monitoring-draft?scope={scope}&as_of={as_of}"),
                Some("head"),
            );
            assert_eq!(draft.status, 200, "{}", draft.text);
            let draft = draft.json();
            let computed = views
                .monitoring_draft(
                    &stream,
                    &domain_scope,
                    Some(as_of.parse().unwrap()),
                    KnownAt::Now,
                    &profile,
                )
                .unwrap();
            served_is_dto(
                "monitoring draft",
                &draft,
                &dto::MonitoringReportDraft::from(&computed),
            );
            conforms_to_declared_schema(&doc, "monitoring-draft", &draft);
        }
    }
}

#[test]
fn a_field_the_schema_does_not_list_or_a_missing_required_field_is_a_mismatch() {
    let doc: Value = serde_json::from_str(&jixiao_api::openapi::openapi_json()).unwrap();
    let warning = json!({"$ref": "#/components/schemas/Warning"});
    assert_eq!(
        mismatch(
            &doc,
            &warning,
            &json!({"v": "98.50", "colour": "green"}),
            "w"
        ),
        None
    );
    assert_eq!(
        mismatch(&doc, &warning, &json!({"v": null, "colour": "grey"}), "w"),
        None
    );
    for wrong in [
        json!({"v": "98.50", "colour": "green", "extra": 1}),
        json!({"v": "98.50"}),
        json!({"v": 98.5, "colour": "green"}),
        json!({"v": "98.50", "colour": "purple"}),
    ] {
        assert!(
            mismatch(&doc, &warning, &wrong, "w").is_some(),
            "{wrong} passed as a Warning"
        );
    }
    let source = json!({"$ref": "#/components/schemas/Source"});
    let id = Uuid::new_v4();
    assert_eq!(
        mismatch(&doc, &source, &json!({"kind": "payment", "id": id}), "s"),
        None
    );
    assert!(mismatch(&doc, &source, &json!({"kind": "refund", "id": id}), "s").is_some());
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
