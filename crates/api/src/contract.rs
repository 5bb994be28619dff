//! The OpenAPI document made true to what the server does, applied once to the generated
//! document ([`Contract`], a utoipa `Modify`): every parameter declared once (the actix path
//! macro and `params(...)` both declare `unit` and `year`), the constraints the server enforces
//! written into the schemas (years of four digits, `limit` 1–500, `after` within int64,
//! `known_at` a position or an RFC 3339 time, profile names, `decision` values, batch sizes,
//! non-empty required texts), and every status the server really answers documented with its
//! problem+json body (400 unreadable input, 401, 403, 404, 409, 413, 415, 422 rule broken, 429,
//! 503). `tests/contract/run.sh` checks the result against the live server with schemathesis.

use crate::config::{MAX_BATCH_EVENTS, MAX_LOG_POSITION, MAX_PAGE_SIZE};
use jixiao_domain::aggregate::{MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS};
use jixiao_domain::input::ISO_DATE_PATTERN;
use jixiao_domain::profile::ScoringProfile;
use serde_json::{Value, json};
use utoipa::Modify;

/// Smallest and largest fiscal year a path or query names.
pub const YEAR_MIN: i32 = jixiao_domain::input::FISCAL_YEAR_MIN;
/// See [`YEAR_MIN`].
pub const YEAR_MAX: i32 = jixiao_domain::input::FISCAL_YEAR_MAX;

/// The forms `GET …/forms/{form}` renders, and the formats it renders them in.
const FORMS: [&str; 4] = [
    "selfeval",
    "project-selfeval",
    "unit-selfeval",
    "monitoring",
];
const FORM_FORMATS: [&str; 4] = ["xlsx", "html", "csv", "json"];
/// Longest project code a query names (`routes::forms`).
const PROJECT_CODE_CHARS_MAX: usize = 64;

/// The HTTP methods of a path item, as the document names them.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Text fields a body must fill (the domain refuses an empty or blank one), with their longest
/// length in characters.
const REQUIRED_TEXTS: [(&str, &str, usize); 11] = [
    ("ReversalBody", "reason", MAX_TEXT_CHARS),
    ("ActivityBody", "title", MAX_NAME_CHARS),
    ("ActivityCorrectionBody", "title", MAX_NAME_CHARS),
    ("ActivityCorrectionBody", "reason", MAX_TEXT_CHARS),
    ("WithdrawalBody", "reason", MAX_TEXT_CHARS),
    ("SurveyBody", "respondent_group", MAX_LABEL_CHARS),
    ("ProcurementBody", "description", MAX_TEXT_CHARS),
    ("TargetAdjustmentBody", "reason", MAX_TEXT_CHARS),
    ("DeviationBody", "explanation", MAX_TEXT_CHARS),
    ("LockBody", "reason", MAX_TEXT_CHARS),
    ("PaymentBody", "line_id", MAX_LABEL_CHARS),
];

/// Business date fields of request bodies: `YYYY-MM-DD` exactly.
const DATE_FIELDS: [&str; 16] = [
    "paid_on",
    "reversed_on",
    "held_on",
    "withdrawn_on",
    "surveyed_on",
    "assessed_on",
    "procured_on",
    "requested_on",
    "recorded_on",
    "decided_on",
    "as_of",
    "filed_on",
    "explained_on",
    "submitted_on",
    "on",
    "attached_on",
];

/// The modifier.
pub struct Contract;

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Ok(mut doc) = serde_json::to_value(&*openapi) else {
            return;
        };
        make_true(&mut doc);
        if let Ok(patched) = serde_json::from_value(doc) {
            *openapi = patched;
        }
    }
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn profile_ids() -> Vec<Value> {
    ScoringProfile::builtin_ids()
        .into_iter()
        .map(Value::from)
        .collect()
}

/// Longest unit code in characters: the store keeps at most 256 bytes, four per character.
const UNIT_CHARS_MAX: usize = 64;

/// The schema of a parameter the server reads strictly, by the operation's path, where the
/// parameter is and its name.
fn parameter_schema(path: &str, location: &str, name: &str) -> Option<Value> {
    Some(match (location, name) {
        ("path", "unit") => json!({
            "type": "string",
            "pattern": format!("^[^\\u0000-\\u001f\\u007f-\\u009f]{{1,{UNIT_CHARS_MAX}}}$")
        }),
        ("query", "sort") if path == "/api/v1/units" => {
            let names: Vec<String> = jixiao_app::UnitSort::ALL
                .iter()
                .flat_map(|(_, n)| [n.to_string(), format!("-{n}")])
                .collect();
            json!({"type": "string", "enum": names})
        }
        ("query", "colour") if path == "/api/v1/units" => {
            let names: Vec<&str> = jixiao_app::bureau::COLOURS
                .iter()
                .map(|c| c.name_en())
                .collect();
            json!({"type": "string", "enum": names})
        }
        ("query", "rounding") => {
            json!({"type": "string", "enum": ["cents", "tenths", "integer", "0.01", "0.1", "1"]})
        }
        ("query", "format") if path == "/api/v1/units/import" => {
            json!({"type": "string", "enum": ["xlsx", "toml", "json"]})
        }
        ("query", "sort") if path == "/api/v1/monitoring" => {
            json!({"type": "string", "enum": ["v", "rate", "unit"]})
        }
        ("path" | "query", "year") => {
            json!({"type": "integer", "format": "int32", "minimum": YEAR_MIN, "maximum": YEAR_MAX})
        }
        ("query", "limit") => json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
        ("query", "offset") => {
            json!({"type": "integer", "minimum": 0, "maximum": MAX_LOG_POSITION})
        }
        ("query", "after") => json!({"type": "integer", "minimum": 0, "maximum": MAX_LOG_POSITION}),
        ("query", "known_at") => json!({"anyOf": [
            {"type": "string", "pattern": "^[0-9]+$"},
            {"type": "string", "format": "date-time"}
        ]}),
        ("query", "profile") => json!({"type": "string", "enum": profile_ids()}),
        ("path", "sha256") => json!({"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}),
        ("path", "form") => json!({"type": "string", "enum": FORMS}),
        ("query", "format") => json!({"type": "string", "enum": FORM_FORMATS}),
        ("query", "project") => json!({"type": "string", "maxLength": PROJECT_CODE_CHARS_MAX}),
        ("query", "as_of" | "from_date" | "to_date") => {
            json!({"type": "string", "format": "date", "pattern": ISO_DATE_PATTERN})
        }
        _ => return None,
    })
}

/// Applies every rule of this module to the document as JSON.
pub fn make_true(doc: &mut Value) {
    if let Some(paths) = doc.pointer_mut("/paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(method) {
                    operation(path, method, op);
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            body_schema(name, schema);
        }
    }
}

fn operation(path: &str, method: &str, op: &mut Value) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        let mut seen = Vec::new();
        params.retain(|p| {
            let key = (p["in"].clone(), p["name"].clone());
            let first = !seen.contains(&key);
            seen.push(key);
            first
        });
        for p in params.iter_mut() {
            let (location, name) = (
                p["in"].as_str().unwrap_or_default().to_string(),
                p["name"].as_str().unwrap_or_default().to_string(),
            );
            if let Some(schema) = parameter_schema(path, &location, &name) {
                p["schema"] = schema;
            }
        }
    }
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    if let Some(ndjson) = op.pointer_mut("/requestBody/content/application~1x-ndjson") {
        ndjson["schema"] = bulk_lines_schema();
    }
    let has_body = op.get("requestBody").is_some();
    let write = method != "get";
    let mut statuses: Vec<(&str, &str)> = vec![
        (
            "400",
            "the request cannot be read: a path or query parameter, or the body's syntax",
        ),
        ("404", "no such unit, year, resource or route"),
        ("503", "the database is not available"),
    ];
    if secured {
        statuses.push(("401", "no valid bearer token"));
        statuses.push(("403", "the role or unit may not do this"));
    }
    let has_parameters = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    if has_body {
        statuses.push(("413", "the body is larger than the limit"));
        statuses.push(("415", "the body is not of the documented media type"));
    }
    if has_body || has_parameters {
        statuses.push((
            "422",
            "readable, but a field is invalid or a rule is broken, e.g. a date outside the path's fiscal year (`errors` names the fields)",
        ));
    }
    if write && secured {
        statuses.push((
            "409",
            "version conflict (`If-Match`), or the event id was used for another write",
        ));
    }
    if !secured {
        statuses.push((
            "429",
            "too many attempts; retry after `Retry-After` seconds",
        ));
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (status, description) in statuses {
        responses
            .entry(status)
            .or_insert_with(|| problem(description));
    }
}

/// The NDJSON body of the bulk route as the lines it holds: an array of objects, each written
/// as one JSON line (`tests/contract/hooks.py` serialises it so). `data` is the command's body;
/// one that is not the named command's is a 422 naming the line.
fn bulk_lines_schema() -> Value {
    json!({
        "type": "array",
        "minItems": 1,
        "maxItems": jixiao_app::bulk::MAX_BULK_ITEMS,
        "items": {
            "type": "object",
            "required": ["unit", "event_id", "command", "data"],
            "properties": {
                "unit": {
                    "type": "string",
                    "pattern": format!("^[^\\u0000-\\u001f\\u007f-\\u009f]{{1,{UNIT_CHARS_MAX}}}$")
                },
                "event_id": {"type": "string", "format": "uuid"},
                "command": {"type": "string", "enum": crate::routes::bulk::BULK_COMMANDS},
                "data": {
                    "type": "object",
                    "description": "the command's fields, as the body of its own route"
                }
            }
        }
    })
}

fn body_schema(name: &str, schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for field in DATE_FIELDS {
        if let Some(p) = properties.get_mut(field)
            && p.get("format").and_then(Value::as_str) == Some("date")
        {
            p["pattern"] = json!(ISO_DATE_PATTERN);
        }
    }
    for (schema_name, field, max) in REQUIRED_TEXTS {
        if schema_name == name
            && let Some(p) = properties.get_mut(field)
        {
            p["minLength"] = json!(1);
            p["maxLength"] = json!(max);
            p["pattern"] = json!("\\S");
        }
    }
    match name {
        "DecisionBody" => {
            if let Some(p) = properties.get_mut("decision") {
                p["enum"] = json!(["approve", "reject"]);
            }
        }
        "SubmitBody" => {
            if let Some(p) = properties.get_mut("profile") {
                let mut ids = profile_ids();
                ids.push(Value::Null);
                p["enum"] = Value::Array(ids);
            }
        }
        "PaymentBatch" => {
            if let Some(p) = properties.get_mut("items") {
                p["minItems"] = json!(1);
                p["maxItems"] = json!(MAX_BATCH_EVENTS);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_declared_twice_is_kept_once_with_the_servers_constraints() {
        let mut doc = json!({"paths": {"/api/v1/units/{unit}/years/{year}/payments": {"post": {
            "security": [{"bearer": []}],
            "requestBody": {},
            "parameters": [
                {"in": "path", "name": "unit", "schema": {"type": "string"}},
                {"in": "path", "name": "year", "schema": {"type": "integer"}},
                {"in": "path", "name": "unit", "schema": {"type": "string"}},
                {"in": "path", "name": "year", "schema": {"type": "integer"}}
            ],
            "responses": {"201": {"description": "recorded"}}
        }}}});
        make_true(&mut doc);
        let op = &doc["paths"]["/api/v1/units/{unit}/years/{year}/payments"]["post"];
        let params = op["parameters"].as_array().unwrap();
        assert_eq!(params.len(), 2);
        assert_eq!(params[1]["schema"]["maximum"], YEAR_MAX);
        for status in [
            "400", "401", "403", "404", "409", "413", "415", "422", "201",
        ] {
            assert!(op["responses"].get(status).is_some(), "{status}");
        }
        assert_eq!(
            op["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }
}
