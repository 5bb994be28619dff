//! The web pages' defences of `docs/security.md`, through the actix service: every form refuses
//! a missing or wrong CSRF token and changes nothing; the session cookie's attributes; sign-out
//! makes the token worthless; the sign-in is throttled with a 429 page in Chinese.

mod common;

use actix_web::dev::Service;
use actix_web::http::header;
use actix_web::test;
use common::{Options, PASSWORD, UNIT, form, harness_with, hidden, set_cookies, text};
use jixiao_app::throttle::{LoginThrottle, ThrottleSettings};
use jixiao_store::users::Role;
use jixiao_web::session;
use std::sync::Arc;

/// Failed sign-ins of one user name before the throttle refuses, in these tests.
const MAX_FAILURES: u32 = 3;

fn harness(secure_cookies: bool) -> common::Harness {
    harness_with(Options {
        secure_cookies,
        throttle: Some(Arc::new(LoginThrottle::new(ThrottleSettings {
            max_failures_per_user: MAX_FAILURES,
            ..ThrottleSettings::default()
        }))),
    })
}

/// Every form of the pages, with a user whose role may send it (so only the token is wrong).
const FORMS: [(&str, &str); 22] = [
    ("/units/261301/2024/payments", "staff"),
    ("/units/261301/2024/activities", "staff"),
    ("/units/261301/2024/surveys", "staff"),
    ("/units/261301/2024/reversals", "staff"),
    ("/units/261301/2024/procurements", "staff"),
    ("/units/261301/2024/assessments", "staff"),
    ("/units/261301/2024/corrections", "staff"),
    ("/units/261301/2024/withdrawals", "staff"),
    ("/units/261301/2024/explanations", "staff"),
    ("/units/261301/2024/monitoring", "head"),
    ("/units/261301/2024/submit", "head"),
    ("/units/261301/2024/budget-requests", "head"),
    ("/units/261301/2024/target-requests", "head"),
    ("/units/261301/2024/decisions", "finance"),
    ("/units/261301/2024/close", "finance"),
    ("/units/261301/2024/reopen", "finance"),
    ("/units/261301/2024/self-evaluation/return", "finance"),
    ("/units/261301/2024/self-evaluation/approve", "finance"),
    ("/admin/users", "admin"),
    ("/admin/users/password", "admin"),
    ("/admin/users/role", "admin"),
    ("/signout", "staff"),
];

fn role_of(user: &str) -> (Role, Option<&'static str>) {
    match user {
        "staff" => (Role::Staff, Some(UNIT)),
        "head" => (Role::UnitHead, Some(UNIT)),
        "finance" => (Role::Finance, None),
        _ => (Role::Admin, None),
    }
}

#[actix_web::test]
async fn every_form_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing() {
    let h = harness(false);
    let svc = service!(h);
    let (events, users) = (h.events(), h.users());
    for (path, user) in FORMS {
        let (role, unit) = role_of(user);
        let (cookie, csrf) = h.session(user, role, unit);
        // Another session's token is as wrong as none.
        let (_, other_csrf) = h.session("head", Role::UnitHead, Some(UNIT));
        let fields = format!(
            "event_id={}&name=eve&password=eve-password-1&role=admin&reason=x&amount_yuan=1",
            uuid::Uuid::new_v4()
        );
        for token in [String::new(), "0".repeat(64), other_csrf] {
            if token == csrf {
                continue;
            }
            let body = format!("{fields}&csrf={token}");
            let res = svc
                .call(form(path, &cookie, &body).to_request())
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{path} with csrf {token:?}");
            assert!(text(res).await.contains("防伪令牌"), "{path}");
        }
    }
    // The ledger upload (multipart) checks the token of its form the same way.
    let (cookie, _) = h.session("staff", Role::Staff, Some(UNIT));
    let boundary = "XyZ";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nbad\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n日期,金额\r\n--{boundary}--\r\n"
    );
    let res = svc
        .call(
            test::TestRequest::post()
                .uri("/units/261301/2024/ledger")
                .insert_header((header::COOKIE, cookie))
                .insert_header((
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .set_payload(multipart)
                .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!((h.events(), h.users()), (events, users), "nothing changed");
}

/// Signs staff in through the form, as a browser does; the session's `Set-Cookie`.
macro_rules! signed_in_cookie {
    ($svc:expr) => {{
        let svc = &$svc;
        let res = svc
            .call(test::TestRequest::get().uri("/signin").to_request())
            .await
            .unwrap();
        let pre = set_cookies(&res)
            .into_iter()
            .find(|c| c.starts_with("jixiao_pre="))
            .unwrap();
        let pre = pre.split(';').next().unwrap().to_string();
        let csrf = hidden(&text(res).await, "csrf");
        let ok = svc
            .call(
                form(
                    "/signin",
                    &pre,
                    &format!("username=staff&password={PASSWORD}&csrf={csrf}"),
                )
                .to_request(),
            )
            .await
            .unwrap();
        assert_eq!(ok.status(), 303);
        set_cookies(&ok)
            .into_iter()
            .find(|c| c.starts_with("jixiao_session="))
            .unwrap()
    }};
}

#[actix_web::test]
async fn the_session_cookie_is_http_only_strict_path_root_and_secure_when_configured() {
    for secure in [false, true] {
        let h = harness(secure);
        let svc = service!(h);
        let cookie = signed_in_cookie!(svc);
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
        for wanted in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(attributes.contains(&wanted), "{wanted} missing: {cookie}");
        }
        assert_eq!(attributes.contains(&"Secure"), secure, "{cookie}");
    }
}

#[actix_web::test]
async fn signing_out_makes_the_session_cookie_worthless() {
    let h = harness(false);
    let svc = service!(h);
    let cookie = signed_in_cookie!(svc);
    let cookie = cookie.split(';').next().unwrap().to_string();
    let token = cookie.trim_start_matches("jixiao_session=").to_string();
    let page = svc
        .call(
            test::TestRequest::get()
                .uri("/units/261301/2024")
                .insert_header((header::COOKIE, cookie.clone()))
                .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf = session::csrf_token(&h.state.settings, &token);
    let out = svc
        .call(form("/signout", &cookie, &format!("csrf={csrf}")).to_request())
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    // A copy of the old cookie no longer opens anything.
    let after = svc
        .call(
            test::TestRequest::get()
                .uri("/units/261301/2024")
                .insert_header((header::COOKIE, cookie))
                .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers().get(header::LOCATION).unwrap(), "/signin");
    assert!(h.keys.verify(&token).is_err(), "the API refuses it too");
}

#[actix_web::test]
async fn repeated_wrong_passwords_get_a_429_page_in_chinese_with_retry_after() {
    let h = harness(false);
    let svc = service!(h);
    let res = svc
        .call(test::TestRequest::get().uri("/signin").to_request())
        .await
        .unwrap();
    let pre = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("jixiao_pre="))
        .unwrap();
    let pre = pre.split(';').next().unwrap().to_string();
    let csrf = hidden(&text(res).await, "csrf");
    let attempt = |password: &str| {
        form(
            "/signin",
            &pre,
            &format!("username=staff&password={password}&csrf={csrf}"),
        )
        .to_request()
    };
    for _ in 0..MAX_FAILURES {
        assert_eq!(svc.call(attempt("wrong")).await.unwrap().status(), 401);
    }
    let refused = svc.call(attempt(PASSWORD)).await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused
        .headers()
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert!(
        set_cookies(&refused)
            .iter()
            .all(|c| !c.starts_with("jixiao_session="))
    );
    assert!(text(refused).await.contains("登录失败次数过多"));
}

#[actix_web::test]
async fn the_admin_is_refused_every_page_that_shows_a_units_figures() {
    let h = harness(false);
    let svc = service!(h);
    let (cookie, _) = h.session("admin", Role::Admin, None);
    for path in [
        "/units/261301/2024",
        "/units/261301/2024/record",
        "/units/261301/2024/monitoring",
        "/units/261301/2024/yearend",
        "/units/261301/2024/ledger",
        "/units/261301/2024/forms/selfeval",
        "/units/261301/2024/forms/monitoring",
        "/bureau/2024",
    ] {
        let res = svc
            .call(
                test::TestRequest::get()
                    .uri(path)
                    .insert_header((header::COOKIE, cookie.clone()))
                    .to_request(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
        let body = text(res).await;
        assert!(
            !body.contains("万元") && !body.contains("执行率"),
            "{path}: {body}"
        );
    }
    // The admin's own page is there.
    let users = svc
        .call(
            test::TestRequest::get()
                .uri("/admin/users")
                .insert_header((header::COOKIE, cookie))
                .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(users.status(), 200);
}

#[actix_web::test]
async fn an_oversize_ledger_upload_is_refused_in_chinese_and_writes_nothing() {
    let h = harness(false);
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let before = h.events();
    let boundary = "BoUnD";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../../etc/ledger.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(
        b'1',
        jixiao_web::ledger::MAX_LEDGER_UPLOAD_BYTES + 1,
    ));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let res = svc
        .call(
            test::TestRequest::post()
                .uri("/units/261301/2024/ledger")
                .insert_header((header::COOKIE, cookie))
                .insert_header((
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .set_payload(body)
                .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(text(res).await.contains("文件过大"));
    assert_eq!(h.events(), before);
}
