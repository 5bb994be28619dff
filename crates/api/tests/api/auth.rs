//! Login and tokens: wrong passwords, missing, forged, expired, `alg: none` and wrong-key
//! tokens; user administration by admins only.

use crate::helpers::{PASSWORD, USERS, assert_problem, spawn_app};
use jixiao_api::auth::{Claims, JwtKeys};
use jixiao_api::config::Secret;
use jixiao_store::users::Role;
use serde_json::json;

fn b64(bytes: &[u8]) -> String {
    // URL-safe base64 without padding, enough for hand-made test tokens.
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn admin_claims(app: &crate::helpers::TestApp, exp: u64) -> Claims {
    Claims {
        sub: "admin".into(),
        role: Role::Admin,
        unit: None,
        iss: app.config.jwt.issuer.clone(),
        aud: app.config.jwt.audience.clone(),
        // Within the configured lifetime: a longer one is refused however it is signed.
        iat: exp - 600,
        exp,
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assert_invalid_token(answer: &crate::helpers::Answer) {
    assert_problem(answer, 401);
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
}

#[test]
fn every_seeded_user_logs_in_and_gets_the_claims_the_harness_mints() {
    let app = spawn_app();
    let keys = JwtKeys::new(&app.config.jwt);
    for (name, role, unit) in USERS {
        let answer = app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": name, "password": PASSWORD}),
        );
        assert_eq!(answer.status, 200, "{name}: {}", answer.text);
        let body = answer.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["role"], role.as_str());
        assert_eq!(body["unit"].as_str(), unit, "{name}");
        assert_eq!(body["expires_in"], app.config.jwt.ttl_seconds);
        let logged_in = keys.verify(body["access_token"].as_str().unwrap()).unwrap();
        let minted = keys.verify(app.token(name)).unwrap();
        assert_eq!(
            (logged_in.sub, logged_in.role, logged_in.unit),
            (minted.sub, minted.role, minted.unit),
            "{name}"
        );
        assert_eq!(logged_in.exp - logged_in.iat, app.config.jwt.ttl_seconds);
    }
    // The token the login route hands out opens what the role may see.
    let login = app.post(
        "/api/v1/auth/token",
        None,
        &json!({"username": "admin", "password": PASSWORD}),
    );
    let token = login.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get_with_token("/api/v1/users", &token).status, 200);
}

#[test]
fn a_wrong_password_gets_401_and_no_token() {
    let app = spawn_app();
    let answer = app.post(
        "/api/v1/auth/token",
        None,
        &json!({"username": "admin", "password": "wrong-password"}),
    );
    let body = assert_problem(&answer, 401);
    assert!(body.get("access_token").is_none());
}

#[test]
fn a_missing_token_gets_401_with_the_bearer_challenge() {
    let app = spawn_app();
    assert_invalid_token(&app.get("/api/v1/users", None));
}

#[test]
fn expired_forged_wrong_key_and_alg_none_tokens_are_rejected() {
    let app = spawn_app();
    let keys = JwtKeys::new(&app.config.jwt);
    let good = keys.sign(&admin_claims(&app, now() + 600)).unwrap();
    assert_eq!(app.get_with_token("/api/v1/users", &good).status, 200);

    let expired = keys.sign(&admin_claims(&app, now() - 3600)).unwrap();
    assert_invalid_token(&app.get_with_token("/api/v1/users", &expired));

    let mut other = app.config.jwt.clone();
    other.secret = Secret::new("a-completely-different-signing-key-0123456789");
    let wrong_key = JwtKeys::new(&other)
        .sign(&admin_claims(&app, now() + 600))
        .unwrap();
    assert_invalid_token(&app.get_with_token("/api/v1/users", &wrong_key));

    // Forged: a staff token whose payload was edited to say admin, signature kept.
    let staff = app.token("staff").to_string();
    let parts: Vec<&str> = staff.split('.').collect();
    let forged_payload = b64(serde_json::to_string(&admin_claims(&app, now() + 600))
        .unwrap()
        .as_bytes());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_invalid_token(&app.get_with_token("/api/v1/users", &forged));

    let none_header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{forged_payload}.");
    assert_invalid_token(&app.get_with_token("/api/v1/users", &unsigned));

    let hs512_header = b64(br#"{"alg":"HS512","typ":"JWT"}"#);
    let other_alg = format!("{hs512_header}.{forged_payload}.{}", parts[2]);
    assert_invalid_token(&app.get_with_token("/api/v1/users", &other_alg));

    let mut wrong_audience = admin_claims(&app, now() + 600);
    wrong_audience.aud = "someone-else".into();
    assert_invalid_token(
        &app.get_with_token("/api/v1/users", &keys.sign(&wrong_audience).unwrap()),
    );
}

#[test]
fn only_admins_manage_users_and_new_users_can_log_in() {
    let app = spawn_app();
    for user in ["staff", "head", "finance", "auditor"] {
        assert_problem(&app.get("/api/v1/users", Some(user)), 403);
        let denied = app.post(
            "/api/v1/users",
            Some(user),
            &json!({"name": "x", "password": PASSWORD, "role": "admin"}),
        );
        assert_problem(&denied, 403);
    }
    let created = app.post(
        "/api/v1/users",
        Some("admin"),
        &json!({"name": "newbie", "password": "newbie-password", "role": "staff", "unit": "261301"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let login = app.post(
        "/api/v1/auth/token",
        None,
        &json!({"username": "newbie", "password": "newbie-password"}),
    );
    assert_eq!(login.status, 200);
    assert_eq!(login.json()["unit"], "261301");

    let changed = app.put(
        "/api/v1/users/newbie/password",
        Some("admin"),
        &json!({"password": "another-password"}),
    );
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert_eq!(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": "newbie", "password": "newbie-password"})
        )
        .status,
        401
    );

    let promoted = app.put(
        "/api/v1/users/newbie/role",
        Some("admin"),
        &json!({"role": "finance"}),
    );
    assert_eq!(promoted.json()["role"], "finance");
    let names: Vec<String> = app
        .get("/api/v1/users", Some("admin"))
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"newbie".to_string()));
}

#[test]
fn bad_user_input_names_the_field() {
    let app = spawn_app();
    let bad_role = app.post(
        "/api/v1/users",
        Some("admin"),
        &json!({"name": "x", "password": PASSWORD, "role": "root"}),
    );
    assert_eq!(assert_problem(&bad_role, 422)["errors"][0]["field"], "role");
    let no_unit = app.post(
        "/api/v1/users",
        Some("admin"),
        &json!({"name": "x", "password": PASSWORD, "role": "staff"}),
    );
    assert_eq!(assert_problem(&no_unit, 422)["errors"][0]["field"], "unit");
    let missing = app.post(
        "/api/v1/users",
        Some("admin"),
        &json!({"name": "x", "role": "staff"}),
    );
    assert_eq!(
        assert_problem(&missing, 422)["errors"][0]["field"],
        "password"
    );
    let malformed = app.send_raw(
        "/api/v1/users",
        Some("admin"),
        "application/json",
        b"{not json",
    );
    assert_problem(&malformed, 400);
    let taken = app.post(
        "/api/v1/users",
        Some("admin"),
        &json!({"name": "staff", "password": PASSWORD, "role": "admin"}),
    );
    assert_problem(&taken, 409);
    assert_problem(
        &app.put(
            "/api/v1/users/ghost/password",
            Some("admin"),
            &json!({"password": PASSWORD}),
        ),
        404,
    );
}
