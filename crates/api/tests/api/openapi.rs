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
