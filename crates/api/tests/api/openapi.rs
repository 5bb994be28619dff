//! The committed OpenAPI document matches the code, and the server serves the same document.

use crate::helpers::spawn_app;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");

#[test]
fn openapi_json_is_committed_and_matches_the_code() {
    let generated = jixiao_api::openapi::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with: UPDATE_OPENAPI=1 cargo test -p jixiao-api --test api openapi"
    );
}

#[test]
fn the_served_document_is_openapi_3_1_and_lists_every_route() {
    let app = spawn_app();
    let doc = app.get("/api-docs/openapi.json", None).json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/auth/token",
        "/api/v1/users",
    ] {
        assert!(doc["paths"].get(path).is_some(), "missing {path}");
    }
}

/// Every (method, path) the route modules register, read from their source: the handler
/// attributes (`#[get("…")]`) and the resources registered by hand (`web::resource("…")` with
/// `web::post()`).
fn registered_routes() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            // `#[get("…")]`, or split over lines by rustfmt when it has `wrap = "…"`.
            for part in source.split(&format!("#[{method}(")).skip(1) {
                let Some(quoted) = part.trim_start().strip_prefix('"') else {
                    continue;
                };
                routes.push((
                    method.to_string(),
                    quoted.split('"').next().unwrap().to_string(),
                ));
            }
        }
        for part in source.split("web::resource(\"").skip(1) {
            let path = part.split('"').next().unwrap().to_string();
            let route = part.split("web::").nth(1).unwrap();
            let method = route.split("()").next().unwrap().to_string();
            routes.push((method, path));
        }
    }
    routes
}

#[test]
fn every_registered_route_is_documented_and_every_documented_route_answers() {
    let app = spawn_app();
    let doc = app.get("/api-docs/openapi.json", None).json();
    let registered = registered_routes();
    assert!(registered.len() >= 30, "{registered:?}");
    for (method, path) in &registered {
        assert!(
            doc["paths"][path].get(method).is_some(),
            "{method} {path} is served but not in the OpenAPI document"
        );
    }
    let paths = doc["paths"].as_object().unwrap();
    let documented: usize = paths
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        registered.len(),
        "documented operations that are not served"
    );
    // Black-box: each documented operation is routed (no 404 route / 405), whatever else it says.
    for (path, item) in paths {
        let concrete = path
            .replace("{unit}", "261301")
            .replace("{year}", "2024")
            .replace("{name}", "someone")
            .replace("{payment_id}", "00000000-0000-0000-0000-000000000001")
            .replace("{activity_id}", "00000000-0000-0000-0000-000000000001")
            .replace("{request_id}", "00000000-0000-0000-0000-000000000001");
        for method in item.as_object().unwrap().keys() {
            let answer = match method.as_str() {
                "get" => app.get(&concrete, None),
                other => app.send(
                    &other.to_uppercase(),
                    &concrete,
                    None,
                    &serde_json::json!({}),
                    &[],
                ),
            };
            assert!(
                answer.status != 405
                    && !(answer.status == 404 && answer.text.contains("no such route")),
                "{method} {path} is documented but not routed: {} {}",
                answer.status,
                answer.text
            );
        }
    }
}
