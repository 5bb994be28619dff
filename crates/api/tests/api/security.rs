//! The defences of `docs/security.md`, each tried from outside as an attacker would: sign-in
//! throttling (per user name and per address, `X-Forwarded-For` only from a trusted proxy),
//! tokens not yet valid or claiming too long a life, the admin reading no unit figures on any
//! route, authorisation before the body is read, stalled bodies and heads cut off, and
//! `Connection: close` on a keep-alive connection the server ends.

use crate::helpers::{PASSWORD, TestApp, UNIT, assert_problem, spawn_app, spawn_app_with};
use crate::writes::{base, import_seed, payment, version};
use jixiao_api::ApiConfig;
use jixiao_api::auth::{Claims, JwtKeys};
use jixiao_api::config::ThrottleSettings;
use jixiao_store::users::{PasswordCost, Role};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::time::{Duration, Instant};

fn throttled_app(per_user: u32, per_address: u32, trusted_proxies: Vec<IpAddr>) -> TestApp {
    let mut config = ApiConfig::for_tests();
    config.password_cost = PasswordCost::Test;
    config.login_throttle = ThrottleSettings {
        max_failures_per_user: per_user,
        max_failures_per_address: per_address,
        trusted_proxies,
        ..ThrottleSettings::default()
    };
    spawn_app_with(config)
}

fn sign_in(
    app: &TestApp,
    user: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> crate::helpers::Answer {
    let headers: Vec<(&str, &str)> = forwarded_for
        .map(|f| vec![("X-Forwarded-For", f)])
        .unwrap_or_default();
    app.send(
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": user, "password": password}),
        &headers,
    )
}

fn assert_throttled(answer: &crate::helpers::Answer) -> u64 {
    let problem = assert_problem(answer, 429);
    assert_eq!(problem["code"], "too_many_attempts", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("登录失败次数过多")
    );
    let retry: u64 = answer
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
    retry
}

#[test]
fn wrong_passwords_beyond_the_limit_get_429_with_retry_after_even_with_the_right_password() {
    let app = throttled_app(3, 100, Vec::new());
    for _ in 0..3 {
        assert_problem(&sign_in(&app, "staff", "wrong-password", None), 401);
    }
    let retry = assert_throttled(&sign_in(&app, "staff", "wrong-password", None));
    assert!(retry <= jixiao_app::throttle::LOGIN_FAILURE_WINDOW_SECONDS);
    // The right password is refused too: the answer is decided before the password is checked.
    assert_throttled(&sign_in(&app, "staff", PASSWORD, None));
    // Another user is not locked out by staff's failures.
    assert_eq!(sign_in(&app, "head", PASSWORD, None).status, 200);
}

#[test]
fn a_successful_sign_in_resets_the_users_counter() {
    let app = throttled_app(3, 100, Vec::new());
    for _ in 0..3 {
        for _ in 0..2 {
            assert_problem(&sign_in(&app, "staff", "wrong-password", None), 401);
        }
        assert_eq!(sign_in(&app, "staff", PASSWORD, None).status, 200);
    }
}

#[test]
fn one_address_cycling_user_names_is_throttled() {
    let app = throttled_app(100, 4, Vec::new());
    for i in 0..4 {
        assert_problem(&sign_in(&app, &format!("guess{i}"), "x", None), 401);
    }
    assert_throttled(&sign_in(&app, "staff", PASSWORD, None));
}

#[test]
fn x_forwarded_for_counts_only_when_the_proxy_is_trusted() {
    // Not configured: a client cannot escape its address by writing the header.
    let direct = throttled_app(100, 2, Vec::new());
    assert_problem(&sign_in(&direct, "a", "x", Some("203.0.113.1")), 401);
    assert_problem(&sign_in(&direct, "b", "x", Some("203.0.113.2")), 401);
    assert_throttled(&sign_in(&direct, "c", "x", Some("203.0.113.3")));

    // Behind a trusted proxy (the test client's loopback address): each forwarded client
    // counts on its own.
    let proxied = throttled_app(100, 2, vec!["127.0.0.1".parse().unwrap()]);
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_problem(&sign_in(&proxied, "a", "x", Some(client)), 401);
    }
    assert_problem(&sign_in(&proxied, "b", "x", Some("203.0.113.1")), 401);
    assert_throttled(&sign_in(&proxied, "c", "x", Some("203.0.113.1")));
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn staff_claims(app: &TestApp, iat: u64, exp: u64) -> Claims {
    Claims {
        sub: "staff".into(),
        role: Role::Staff,
        unit: Some(UNIT.into()),
        iss: app.config.jwt.issuer.clone(),
        aud: app.config.jwt.audience.clone(),
        iat,
        exp,
    }
}

#[test]
fn a_token_not_yet_valid_or_claiming_a_lifetime_over_the_maximum_is_refused() {
    let app = spawn_app();
    let keys = JwtKeys::new(&app.config.jwt);
    let path = format!("{}/events", base());
    let t = now();
    let good = keys.sign(&staff_claims(&app, t, t + 60)).unwrap();
    assert_ne!(app.get_with_token(&path, &good).status, 401);

    let later = keys
        .sign_not_before(&staff_claims(&app, t, t + 600), t + 300)
        .unwrap();
    assert_problem(&app.get_with_token(&path, &later), 401);

    let ttl = app.config.jwt.ttl_seconds;
    let too_long = keys.sign(&staff_claims(&app, t, t + ttl + 1)).unwrap();
    let refused = assert_problem(&app.get_with_token(&path, &too_long), 401);
    assert!(
        refused["detail"].as_str().unwrap().contains("lifetime"),
        "{refused}"
    );
}

/// Keys of figures: none may reach the admin.
const FIGURE_KEYS: [&str; 10] = [
    "paid_yuan",
    "adjusted_yuan",
    "initial_yuan",
    "rate_percent",
    "colour",
    "score",
    "actual",
    "amount_yuan",
    "total_score",
    "schedule_progress_percent",
];

fn keys_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys_of(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_of(v, out)),
        _ => {}
    }
}

#[test]
fn the_admin_reads_no_unit_figures_on_any_read_route() {
    let app = spawn_app();
    import_seed(&app);
    let paid = app.post(
        &format!("{}/payments", base()),
        Some("staff"),
        &payment("1234.56", "2024-03-01"),
    );
    assert_eq!(paid.status, 201, "{}", paid.text);
    let doc = app.get("/api-docs/openapi.json", None).json();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() || path.starts_with("/docs") {
            continue;
        }
        let concrete = path
            .replace("{unit}", UNIT)
            .replace("{year}", "2024")
            .replace("{form}", "selfeval")
            .replace("{sha256}", &"0".repeat(64));
        let answer = app.get(&concrete, Some("admin"));
        checked += 1;
        if path.contains("{unit}") || path == "/api/v1/monitoring" {
            assert_problem(&answer, 403);
            continue;
        }
        // The other routes may answer, but with no figure in them.
        if let Ok(body) = serde_json::from_str::<Value>(&answer.text) {
            let mut keys = Vec::new();
            keys_of(&body, &mut keys);
            for figure in FIGURE_KEYS {
                assert!(
                    !keys.iter().any(|k| k == figure),
                    "{path} shows {figure} to the admin: {}",
                    answer.text
                );
            }
        }
    }
    assert!(checked >= 14, "{checked} read routes");
    // The units list names the units, without figures, for the admin; readers get figures.
    let listed = app.get("/api/v1/units?year=2024", Some("admin")).json();
    assert_eq!(listed[0]["unit"], UNIT, "{listed}");
    assert!(listed[0].get("paid_yuan").is_none(), "{listed}");
    let read = app.get("/api/v1/units?year=2024", Some("finance")).json();
    assert_eq!(read[0]["paid_yuan"], "1234.56", "{read}");
}

#[test]
fn a_caller_without_the_right_gets_401_or_403_before_the_body_is_read() {
    let app = spawn_app();
    import_seed(&app);
    let v = version(&app);
    let garbage = b"{not json at all";
    // Staff poking at the users API learns nothing of its schema.
    {
        let path = "/api/v1/users";
        assert_problem(
            &app.send_raw(path, Some("staff"), "application/json", garbage),
            403,
        );
        assert_problem(&app.send_raw(path, Some("staff"), "text/plain", b"x"), 403);
        assert_problem(&app.send_raw(path, None, "application/json", garbage), 401);
    }
    for path in ["/api/v1/users/staff/password", "/api/v1/users/staff/role"] {
        let answer = app.send("PUT", path, Some("staff"), &json!({"unknown": [1, 2]}), &[]);
        assert_problem(&answer, 403);
    }
    // Writes: another unit's staff, a role that may not decide, a role that may not import.
    let writes = [
        (format!("{}/payments", base()), "staff2"),
        (format!("{}/payments/batch", base()), "staff2"),
        (
            format!(
                "{}/budget-adjustments/00000000-0000-0000-0000-000000000001/decision",
                base()
            ),
            "staff",
        ),
        (format!("{}/import?event_id=not-a-uuid", base()), "staff"),
        (format!("{}/close", base()), "auditor"),
        (format!("{}/evidence-attachments", base()), "finance"),
    ];
    for (path, user) in &writes {
        assert_problem(
            &app.send_raw(path, Some(user), "application/json", garbage),
            403,
        );
    }
    // Reads: a bad query from a caller who may not read the unit is a 403, not a 400.
    assert_problem(
        &app.get(
            &format!("{}/execution?as_of=garbage&known_at=x", base()),
            Some("staff2"),
        ),
        403,
    );
    // Those who may still get the body checked.
    assert_problem(
        &app.send_raw("/api/v1/users", Some("admin"), "application/json", garbage),
        400,
    );
    assert_problem(
        &app.send_raw(
            &format!("{}/payments", base()),
            Some("staff"),
            "application/json",
            garbage,
        ),
        400,
    );
    assert_eq!(version(&app), v);
}

fn stalling_app(stall_ms: u64) -> TestApp {
    let mut config = ApiConfig::for_tests();
    config.password_cost = PasswordCost::Test;
    config.body_stall_timeout_ms = stall_ms;
    config.client_request_timeout_ms = stall_ms;
    spawn_app_with(config)
}

/// Reads what the server sends until it closes the connection (or `limit` passes).
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&received).into_owned(), true);
            }
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
        }
    }
}

fn head(app: &TestApp, method: &str, path: &str, token: &str, length: usize) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        app.address
    )
}

#[test]
fn a_body_that_stalls_gets_408_and_a_closed_connection_within_the_timeout_while_others_are_served()
{
    let stall_ms = 400;
    let app = stalling_app(stall_ms);
    import_seed(&app);
    let v = version(&app);
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(app.address).unwrap();
        let path = format!("{}/payments", base());
        s.write_all(head(&app, "POST", &path, app.token("staff"), 1_000_000).as_bytes())
            .unwrap();
        s.write_all(&[b' '; 60 * 1024]).unwrap();
        stalled.push(s);
    }
    // Meanwhile the server answers others.
    assert_eq!(app.get("/healthz", None).status, 200);
    assert_eq!(
        app.get(&format!("{}/events", base()), Some("staff")).status,
        200
    );
    for mut s in stalled {
        let (answer, closed) = read_until_closed(&mut s, Duration::from_secs(10));
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        assert!(answer.contains("request_timeout"), "{answer}");
        assert!(closed, "the connection stays open: {answer}");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(stall_ms * 10),
        "cut off only after {elapsed:?}"
    );
    assert_eq!(version(&app), v, "nothing recorded");
}

#[test]
fn a_request_head_that_stalls_gets_408_and_the_connection_closed() {
    let app = stalling_app(300);
    let mut s = TcpStream::connect(app.address).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let (answer, closed) = read_until_closed(&mut s, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // actix-http's own answer, in problem+json like every other error.
    assert!(
        answer.contains("\r\ncontent-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(closed);
}

#[test]
fn a_keep_alive_connection_the_server_ends_gets_connection_close_in_its_last_response() {
    let app = spawn_app();
    import_seed(&app);
    let mut s = TcpStream::connect(app.address).unwrap();
    // An ordinary request keeps the connection open for the next one.
    let get = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", app.address);
    s.write_all(get.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    let first = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
    assert!(first.starts_with("http/1.1 200"), "{first}");
    assert!(!first.contains("connection: close"), "{first}");
    // A write refused before its body is read: the server will not read the rest of the body,
    // so it says it closes, then closes.
    let path = format!("{}/payments", base());
    s.write_all(head(&app, "POST", &path, app.token("staff2"), 50_000).as_bytes())
        .unwrap();
    s.write_all(b"{\"event_id\":").unwrap();
    let (answer, closed) = read_until_closed(&mut s, Duration::from_secs(10));
    let answer = answer.to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 403"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(closed, "{answer}");
}

#[test]
fn file_names_and_ids_that_climb_directories_never_leave_their_place() {
    let app = spawn_app();
    import_seed(&app);
    let pdf: &[u8] = b"%PDF-1.4\n% sheet\n%%EOF\n";
    // Uploads: only the last path component is kept as the file's name.
    for (asked, kept) in [
        ("..%2F..%2Fetc%2Fpasswd.pdf", "passwd.pdf"),
        ("..%5C..%5Cwindows%5Cboot.pdf", "boot.pdf"),
        ("%2Fabs%2Fpath%2Fsheet.pdf", "sheet.pdf"),
    ] {
        let answer = app.send_raw(
            &format!("{}/evidence?file_name={asked}", base()),
            Some("staff"),
            "application/pdf",
            pdf,
        );
        assert_eq!(answer.status, 201, "{asked}: {}", answer.text);
        assert_eq!(answer.json()["file_name"], kept, "{asked}");
    }
    // Downloads: an id is 64 hex digits of a file this unit-year references, nothing else.
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        "%2E%2E",
        "..%5Cx",
        &"0".repeat(63),
    ] {
        let answer = app.get(&format!("{}/evidence/{id}", base()), Some("staff"));
        assert!(
            answer.status == 400 || answer.status == 404,
            "{id}: {} {}",
            answer.status,
            answer.text
        );
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
    }
    // Export file names: plain names, no directory, quote or line break in the header.
    for format in ["csv", "html", "xlsx", "json"] {
        let (status, headers, _) = app.get_bytes(
            &format!("{}/forms/selfeval?format={format}", base()),
            "finance",
        );
        assert_eq!(status, 200, "{format}");
        let disposition = &headers["content-disposition"];
        let ascii = disposition
            .split("filename=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no filename: {disposition}"));
        assert!(!ascii.is_empty(), "{disposition}");
        for bad in ['/', '\\', '\r', '\n'] {
            assert!(!ascii.contains(bad), "{disposition}");
        }
        assert!(!ascii.contains(".."), "{disposition}");
    }
}
