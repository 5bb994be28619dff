//! Black-box tests of the pages through the actix service: a fresh database with the 焦作 2024
//! budget and one user per role, requests with cookies and forms as a browser sends them.

mod common;

use actix_web::body::to_bytes;
use actix_web::dev::Service;
use actix_web::http::header;
use actix_web::test;
use common::{Harness, PASSWORD, UNIT, YEAR, harness, hidden, set_cookies, text};
use jixiao_app::Actor;
use jixiao_app::import::Approval;
use jixiao_store::users::Role;
use jixiao_store::{KnownAt, StreamId};

/// The fixture's one project and a 公用经费 line.
const PROJECT: &str = "410800240000000053204";
const LINE: &str = "B-30216";

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn post_request(path: &str, cookie: &str, pairs: &[(&str, &str)]) -> test::TestRequest {
    test::TestRequest::post()
        .uri(path)
        .insert_header((header::COOKIE, cookie.to_string()))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(form_body(pairs))
}

fn get_request(path: &str, cookie: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .insert_header((header::COOKIE, cookie.to_string()))
}

macro_rules! post {
    ($($a:expr),* $(,)?) => { post_request($($a),*).to_request() };
}

macro_rules! get {
    ($($a:expr),* $(,)?) => { get_request($($a),*).to_request() };
}

#[actix_web::test]
async fn signing_in_sets_an_http_only_strict_session_cookie_and_a_wrong_password_is_told_in_chinese()
 {
    let h = harness();
    let svc = service!(h);
    let res = svc.call(get!("/signin", "")).await.unwrap();
    let pre = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("jixiao_pre="))
        .unwrap();
    let pre = pre.split(';').next().unwrap().to_string();
    let csrf = hidden(&text(res).await, "csrf");

    let wrong = svc
        .call(post!(
            "/signin",
            &pre,
            &[("username", "staff"), ("password", "nope"), ("csrf", &csrf)],
        ))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(text(wrong).await.contains("用户名或密码错误"));

    let ok = svc
        .call(post!(
            "/signin",
            &pre,
            &[
                ("username", "staff"),
                ("password", PASSWORD),
                ("csrf", &csrf)
            ],
        ))
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(
        ok.headers().get(header::LOCATION).unwrap(),
        "/units/261301/2024"
    );
    let session = set_cookies(&ok)
        .into_iter()
        .find(|c| c.starts_with("jixiao_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );

    let cookie = session.split(';').next().unwrap();
    let home = svc.call(get!("/units/261301/2024", cookie)).await.unwrap();
    assert_eq!(home.status(), 200);
    let body = text(home).await;
    assert!(
        body.contains("staff（经办人员 · 261301）"),
        "who is signed in is shown"
    );
    assert!(body.contains("<svg") && body.contains(r#"<table class="months">"#));
}

#[actix_web::test]
async fn the_sign_in_form_without_its_csrf_token_is_refused() {
    let h = harness();
    let svc = service!(h);
    let res = svc
        .call(post!(
            "/signin",
            "jixiao_pre=abc",
            &[("username", "staff"), ("password", PASSWORD)],
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(set_cookies(&res).is_empty());
}

#[actix_web::test]
async fn a_form_without_the_csrf_token_is_refused_and_writes_nothing() {
    let h = harness();
    let svc = service!(h);
    let (cookie, _) = h.session("staff", Role::Staff, Some(UNIT));
    let before = h.events();
    let res = svc
        .call(post!(
            "/units/261301/2024/activities",
            &cookie,
            &[
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("project_code", PROJECT),
                ("held_on", "2024-03-01"),
                ("title", "座谈会"),
                ("invited", "10"),
                ("participants", "8"),
                ("csrf", "0000"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(text(res).await.contains("防伪令牌"));
    assert_eq!(h.events(), before);
}

#[actix_web::test]
async fn an_activity_with_more_participants_than_invited_is_shown_again_with_the_error_beside_the_field()
 {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let before = h.events();
    let res = svc
        .call(post!(
            "/units/261301/2024/activities",
            &cookie,
            &[
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("project_code", PROJECT),
                ("held_on", "2024-03-01"),
                ("title", "产学研座谈会"),
                ("invited", "10"),
                ("participants", "12"),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    assert!(
        body.contains(r#"id="activity-participants-error""#),
        "{body}"
    );
    assert!(
        body.contains(r#"value="产学研座谈会""#),
        "entered values kept"
    );
    assert_eq!(h.events(), before);

    // An unreadable date is refused before the application is asked.
    let res = svc
        .call(post!(
            "/units/261301/2024/activities",
            &cookie,
            &[
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("project_code", PROJECT),
                ("held_on", "3月1日"),
                ("title", "座谈会"),
                ("invited", "10"),
                ("participants", "8"),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    let body = text(res).await;
    assert!(body.contains(r#"id="activity-date-error""#) && body.contains("不是有效日期"));
}

#[actix_web::test]
async fn a_double_submitted_payment_is_recorded_once_and_the_execution_figure_changes() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let page = text(
        svc.call(get!("/units/261301/2024/record", &cookie))
            .await
            .unwrap(),
    )
    .await;
    let event_id = hidden(&page, "event_id");
    let before = h.events();
    let paid_before = h
        .app
        .execution(
            &StreamId::new(UNIT, YEAR),
            None,
            KnownAt::Now,
            &h.app.profile(None).unwrap(),
        )
        .unwrap()
        .unwrap()
        .total
        .paid_yuan;
    let fields = [
        ("event_id", event_id.as_str()),
        ("line_id", LINE),
        ("paid_on", "2024-03-05"),
        ("amount_yuan", "1,500.00"),
        ("summary", "培训费"),
        ("csrf", csrf.as_str()),
    ];
    for _ in 0..2 {
        let res = svc
            .call(post!("/units/261301/2024/payments", &cookie, &fields))
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    assert_eq!(h.events(), before + 1);
    let paid_after = h
        .app
        .execution(
            &StreamId::new(UNIT, YEAR),
            None,
            KnownAt::Now,
            &h.app.profile(None).unwrap(),
        )
        .unwrap()
        .unwrap()
        .total
        .paid_yuan;
    assert_eq!(
        paid_after.yuan() - paid_before.yuan(),
        rust_decimal::Decimal::from(1500)
    );
    let home = text(
        svc.call(get!("/units/261301/2024?saved=1", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(
        home.contains("已保存") && home.contains(">支出<"),
        "recent events list it"
    );
}

#[actix_web::test]
async fn a_staff_member_is_refused_the_bureau_and_another_units_pages() {
    let h = harness();
    let svc = service!(h);
    let (cookie, _) = h.session("staff", Role::Staff, Some(UNIT));
    let res = svc.call(get!("/bureau/2024", &cookie)).await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(text(res).await.contains("无权"));
    let res = svc.call(get!("/units/999999/2024", &cookie)).await.unwrap();
    assert_eq!(res.status(), 403);
    let nav = text(svc.call(get!("/units/261301/2024", &cookie)).await.unwrap()).await;
    assert!(
        !nav.contains("/bureau/"),
        "no link to what the role may not see"
    );
}

#[actix_web::test]
async fn finance_sees_every_unit_with_its_colour_and_reads_a_unit_without_forms() {
    let h = harness();
    let svc = service!(h);
    let (cookie, _) = h.session("finance", Role::Finance, None);
    let body = text(svc.call(get!("/bureau/2024", &cookie)).await.unwrap()).await;
    assert!(body.contains(r#"data-unit="261301""#), "{body}");
    assert!(body.contains(r#"class="dot "#));
    let unit = svc.call(get!("/units/261301/2024", &cookie)).await.unwrap();
    assert_eq!(unit.status(), 200);
    assert!(text(unit).await.contains("只读"));
    let record = svc
        .call(get!("/units/261301/2024/record", &cookie))
        .await
        .unwrap();
    assert_eq!(record.status(), 403);
}

#[actix_web::test]
async fn a_page_without_a_session_sends_the_browser_to_the_sign_in_page() {
    let h = harness();
    let svc = service!(h);
    let res = svc.call(get!("/units/261301/2024", "")).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get(header::LOCATION).unwrap(), "/signin");
    let forged = svc
        .call(get!(
            "/units/261301/2024",
            "jixiao_session=forged.token.value"
        ))
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
}

#[actix_web::test]
async fn the_admin_creates_a_user_who_can_then_sign_in() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("admin", Role::Admin, None);
    let refused = svc
        .call(post!(
            "/admin/users",
            &cookie,
            &[
                ("name", "wang"),
                ("password", "short"),
                ("role", "staff"),
                ("unit", ""),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body = text(refused).await;
    assert!(body.contains(r#"id="new-password-error""#) && body.contains(r#"id="new-unit-error""#));

    let created = svc
        .call(post!(
            "/admin/users",
            &cookie,
            &[
                ("name", "wang"),
                ("password", "wang-password-1"),
                ("role", "staff"),
                ("unit", UNIT),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(created.status(), 303);

    let res = svc.call(get!("/signin", "")).await.unwrap();
    let pre = set_cookies(&res)[0].split(';').next().unwrap().to_string();
    let csrf = hidden(&text(res).await, "csrf");
    let signed_in = svc
        .call(post!(
            "/signin",
            &pre,
            &[
                ("username", "wang"),
                ("password", "wang-password-1"),
                ("csrf", &csrf)
            ],
        ))
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(
        signed_in.headers().get(header::LOCATION).unwrap(),
        "/units/261301/2024"
    );
}

#[actix_web::test]
async fn signing_out_needs_the_csrf_token_and_clears_the_cookie() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let refused = svc.call(post!("/signout", &cookie, &[])).await.unwrap();
    assert_eq!(refused.status(), 403);
    let out = svc
        .call(post!("/signout", &cookie, &[("csrf", &csrf)]))
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(set_cookies(&out)[0].contains("Max-Age=0"));
}

#[actix_web::test]
async fn the_year_end_page_shows_scores_and_finance_closes_the_year_only_with_a_reason() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("finance", Role::Finance, None);
    let page = svc
        .call(get!("/units/261301/2024/yearend", &cookie))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let body = text(page).await;
    assert!(
        body.contains("自评得分") && body.contains(r#"id="workflow">草稿<"#),
        "{body}"
    );
    assert!(
        !body.contains("submit-form"),
        "finance does not submit for the unit"
    );

    let before = h.events();
    let no_reason = svc
        .call(post!(
            "/units/261301/2024/close",
            &cookie,
            &[
                ("form_key", "close"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", ""),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(no_reason.status(), 422);
    assert!(text(no_reason).await.contains(r#"id="close-reason-error""#));
    assert_eq!(h.events(), before);

    let closed = svc
        .call(post!(
            "/units/261301/2024/close",
            &cookie,
            &[
                ("form_key", "close"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", "年度决算完成"),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(closed.status(), 303);
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(body.contains(r#"id="workflow">已关闭<"#) && body.contains("年度解锁"));
}

#[actix_web::test]
async fn staff_may_not_close_a_year_nor_submit_the_self_evaluation() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    for path in ["/units/261301/2024/close", "/units/261301/2024/submit"] {
        let res = svc
            .call(post!(
                path,
                &cookie,
                &[
                    ("event_id", &uuid::Uuid::new_v4().to_string()),
                    ("on", "2024-06-30"),
                    ("submitted_on", "2024-06-30"),
                    ("reason", "x"),
                    ("csrf", &csrf),
                ],
            ))
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
}

/// The value of the `<option>` whose label contains `label`.
fn option_value(body: &str, label: &str) -> String {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("no option {label}"));
    let start = body[..at].rfind("<option value=\"").unwrap() + "<option value=\"".len();
    body[start..].split('"').next().unwrap().to_string()
}

#[actix_web::test]
async fn an_assessment_whose_score_leaves_its_grades_band_is_refused_beside_the_score() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("head", Role::UnitHead, Some(UNIT));
    let page = text(
        svc.call(get!("/units/261301/2024/record", &cookie))
            .await
            .unwrap(),
    )
    .await;
    let indicator = option_value(&page, "年度履职目标相关性");
    let before = h.events();
    let assess = |grade: &'static str, score: &'static str| {
        let indicator = indicator.clone();
        let csrf = csrf.clone();
        move || {
            vec![
                ("event_id".to_string(), uuid::Uuid::new_v4().to_string()),
                ("indicator".to_string(), indicator),
                ("assessed_on".to_string(), "2024-06-30".to_string()),
                ("grade".to_string(), grade.to_string()),
                ("score".to_string(), score.to_string()),
                ("actual_text".to_string(), "基本相关".to_string()),
                ("note".to_string(), String::new()),
                ("csrf".to_string(), csrf),
            ]
        }
    };
    let fields = assess("部分达成", "1.50")();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = svc
        .call(post!("/units/261301/2024/assessments", &cookie, &pairs))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body = text(refused).await;
    assert!(body.contains(r#"id="assessment-score-error""#), "{body}");
    assert!(
        body.contains(r#"value="1.50""#),
        "the entered score is kept"
    );
    assert_eq!(h.events(), before);

    let fields = assess("达成", "")();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let accepted = svc
        .call(post!("/units/261301/2024/assessments", &cookie, &pairs))
        .await
        .unwrap();
    assert_eq!(accepted.status(), 303);
    assert_eq!(h.events(), before + 1);
}

#[actix_web::test]
async fn the_unit_head_files_the_monitoring_report_from_its_draft_and_staff_may_not() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("head", Role::UnitHead, Some(UNIT));
    let page = text(
        svc.call(get!("/units/261301/2024/monitoring", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains(r#"id="monitoring""#), "{page}");
    let rows = page.matches(r#"name="likelihood_"#).count();
    assert!(rows > 0);
    let mut fields: Vec<(String, String)> = vec![
        ("event_id".into(), hidden(&page, "event_id")),
        ("as_of".into(), hidden(&page, "as_of")),
        ("filed_on".into(), "2024-06-30".into()),
        ("expected_full_year_yuan".into(), "800000.00".into()),
        ("csrf".into(), csrf.clone()),
    ];
    for i in 0..rows {
        fields.push((format!("deviation_cause_{i}"), "其他".into()));
        fields.push((format!("likelihood_{i}"), "有可能".into()));
        fields.push((format!("explanation_{i}"), "上半年以筹备为主".into()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let before = h.events();
    let (staff, staff_csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let mut staff_pairs = pairs.clone();
    staff_pairs.retain(|(k, _)| *k != "csrf");
    staff_pairs.push(("csrf", &staff_csrf));
    let refused = svc
        .call(post!("/units/261301/2024/monitoring", &staff, &staff_pairs))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let filed = svc
        .call(post!("/units/261301/2024/monitoring", &cookie, &pairs))
        .await
        .unwrap();
    let status = filed.status();
    assert_eq!(status, 303, "{}", text(filed).await);
    assert_eq!(h.events(), before + 1);
    let page = text(
        svc.call(get!("/units/261301/2024/monitoring", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("已报送 1 次"));
}

#[actix_web::test]
async fn the_bureau_table_filters_by_colour_and_shows_the_distribution() {
    let h = harness();
    let svc = service!(h);
    let (cookie, _) = h.session("finance", Role::Finance, None);
    let all = text(svc.call(get!("/bureau/2024", &cookie)).await.unwrap()).await;
    assert!(all.contains("共 1 个单位"), "{all}");
    let shown_colour = all
        .split(r#"data-unit="261301""#)
        .nth(1)
        .and_then(|row| row.split(r#"class="dot "#).nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let other = if shown_colour == "red" {
        "green"
    } else {
        "red"
    };
    let same = text(
        svc.call(get!(
            &format!("/bureau/2024?colour={shown_colour}"),
            &cookie
        ))
        .await
        .unwrap(),
    )
    .await;
    assert!(same.contains(r#"data-unit="261301""#));
    let filtered = text(
        svc.call(get!(&format!("/bureau/2024?colour={other}"), &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(!filtered.contains(r#"data-unit="261301""#) && filtered.contains("共 0 个单位"));
}

#[actix_web::test]
async fn the_admin_changes_a_users_role_and_a_unit_role_without_a_unit_is_refused() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("admin", Role::Admin, None);
    let refused = svc
        .call(post!(
            "/admin/users/role",
            &cookie,
            &[
                ("name", "finance"),
                ("role", "unit_head"),
                ("unit", ""),
                ("csrf", &csrf)
            ],
        ))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(text(refused).await.contains("须填写单位代码"));
    let changed = svc
        .call(post!(
            "/admin/users/role",
            &cookie,
            &[
                ("name", "staff"),
                ("role", "unit_head"),
                ("unit", UNIT),
                ("csrf", &csrf)
            ],
        ))
        .await
        .unwrap();
    assert_eq!(changed.status(), 303);
    let user = h
        .app
        .store()
        .users()
        .unwrap()
        .get("staff")
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::UnitHead);
}

/// Makes the year ready to submit through the application, as a unit would on the page: every
/// indicator waiting for a person's grade is assessed 达成, every deviation is explained.
fn make_ready_to_submit(h: &Harness) {
    use jixiao_domain::aggregate::Command;
    use jixiao_domain::evaluation::DeviationItem;
    use jixiao_domain::event::{DeviationExplained, IndicatorAssessed};
    use jixiao_domain::indicator::QualGrade;
    use jixiao_domain::indicator::Scope;
    let stream = StreamId::new(UNIT, YEAR);
    let profile = h.app.profile(None).unwrap();
    let on = chrono::NaiveDate::from_ymd_opt(YEAR, 6, 30).unwrap();
    let write = |command: Command| {
        h.app
            .write(jixiao_app::Write {
                stream: stream.clone(),
                if_match: None,
                items: vec![jixiao_app::Item::new(uuid::Uuid::new_v4(), command)],
                actor: Actor {
                    name: "head".into(),
                    request_id: "test".into(),
                },
                profile: profile.clone(),
            })
            .unwrap();
    };
    let scoped = |e: &jixiao_app::SelfEvaluation| {
        let mut all: Vec<(Scope, jixiao_domain::evaluation::Evaluation)> = Vec::new();
        if let Some(u) = &e.unit {
            all.push((Scope::Unit, u.clone()));
        }
        for (code, p) in &e.projects {
            all.push((Scope::Project(code.clone()), p.clone()));
        }
        all
    };
    let evaluation = h
        .app
        .evaluation(&stream, None, KnownAt::Now, &profile)
        .unwrap();
    for (scope, e) in scoped(&evaluation) {
        for indicator_id in e.not_yet_assessed {
            write(Command::AssessIndicator(IndicatorAssessed {
                evidence: Vec::new(),
                band_position: None,
                scope: scope.clone(),
                indicator_id,
                assessed_on: on,
                grade: Some(QualGrade::Achieved),
                score: None,
                actual_value: None,
                actual_text: "达成".into(),
                note: String::new(),
            }));
        }
    }
    let evaluation = h
        .app
        .evaluation(&stream, None, KnownAt::Now, &profile)
        .unwrap();
    for (scope, e) in scoped(&evaluation) {
        for item in e.needs_explanation {
            write(Command::ExplainDeviation(DeviationExplained {
                scope: scope.clone(),
                indicator_id: match item {
                    DeviationItem::ExecutionRate => None,
                    DeviationItem::Indicator(id) => Some(id),
                },
                explanation: "项目进度延后，已制定推进计划".into(),
                explained_on: on,
            }));
        }
    }
}

/// Posts the head's submission of the self-evaluation; the answer's status.
macro_rules! submit_as_head {
    ($svc:expr, $h:expr) => {{
        let (cookie, csrf) = $h.session("head", Role::UnitHead, Some(UNIT));
        $svc.call(post!(
            "/units/261301/2024/submit",
            &cookie,
            &[
                ("form_key", "submit"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("submitted_on", "2024-06-30"),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap()
        .status()
        .as_u16()
    }};
}

#[actix_web::test]
async fn finance_returns_a_submitted_self_evaluation_only_with_a_reason_and_the_step_is_listed() {
    let h = harness();
    let svc = service!(h);
    make_ready_to_submit(&h);
    assert_eq!(submit_as_head!(svc, h), 303);
    let (cookie, csrf) = h.session("finance", Role::Finance, None);
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(body.contains(r#"id="workflow">已上报<"#), "{body}");
    assert!(body.contains("return-form") && body.contains("approve-form"));
    assert!(
        body.contains(r#"id="recheck-none""#),
        "nothing changed since the submission: {body}"
    );

    // Staff and the unit head may not review.
    let (staff, staff_csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let refused = svc
        .call(post!(
            "/units/261301/2024/self-evaluation/return",
            &staff,
            &[
                ("form_key", "return"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", "x"),
                ("csrf", &staff_csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let before = h.events();
    let no_reason = svc
        .call(post!(
            "/units/261301/2024/self-evaluation/return",
            &cookie,
            &[
                ("form_key", "return"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", " "),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(no_reason.status(), 422);
    let body = text(no_reason).await;
    assert!(
        body.contains(r#"id="return-reason-error""#) && body.contains("请填写退回理由"),
        "{body}"
    );
    assert_eq!(h.events(), before);

    let no_csrf = svc
        .call(post!(
            "/units/261301/2024/self-evaluation/return",
            &cookie,
            &[
                ("form_key", "return"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", "指标佐证不足"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);
    assert_eq!(h.events(), before);

    let returned = svc
        .call(post!(
            "/units/261301/2024/self-evaluation/return",
            &cookie,
            &[
                ("form_key", "return"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", "指标佐证不足"),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(returned.status(), 303);
    assert_eq!(h.events(), before + 1);
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(body.contains(r#"id="workflow">已退回<"#), "{body}");
    assert!(
        body.contains("<td>已退回</td><td>2024-06-30</td><td>finance</td><td>指标佐证不足</td>"),
        "the step shows who, when and why: {body}"
    );
    assert!(
        !body.contains("return-form"),
        "a returned evaluation is not reviewed again"
    );

    // The unit submits again and finance approves it.
    assert_eq!(submit_as_head!(svc, h), 303);
    let approved = svc
        .call(post!(
            "/units/261301/2024/self-evaluation/approve",
            &cookie,
            &[
                ("form_key", "approve"),
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("on", "2024-06-30"),
                ("reason", ""),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(approved.status(), 303);
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(body.contains(r#"id="workflow">已审核<"#), "{body}");
}

#[actix_web::test]
async fn the_year_end_and_monitoring_pages_offer_every_form_and_the_download_names_the_file_as_the_api_does()
 {
    let h = harness();
    let svc = service!(h);
    let (cookie, _) = h.session("staff", Role::Staff, Some(UNIT));
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &cookie))
            .await
            .unwrap(),
    )
    .await;
    for format in ["xlsx", "html", "csv"] {
        assert!(
            body.contains(&format!(
                "/units/261301/2024/forms/project-selfeval?format={format}&#38;project={PROJECT}"
            )),
            "{format}: {body}"
        );
    }
    assert!(body.contains("部门整体支出绩效自评表") && body.contains("项目支出绩效自评表"));
    let monitoring = text(
        svc.call(get!("/units/261301/2024/monitoring", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(monitoring.contains("/units/261301/2024/forms/monitoring?format=csv"));

    let res = svc
        .call(get!(
            &format!("/units/261301/2024/forms/project-selfeval?format=xlsx&project={PROJECT}"),
            &cookie
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers().get(header::CONTENT_TYPE).unwrap().clone();
    let disposition = res
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let bytes = to_bytes(res.into_body()).await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    let expected = jixiao_report::export(
        &h.app,
        &jixiao_app::forms::FormRequest {
            stream: StreamId::new(UNIT, YEAR),
            form: jixiao_app::forms::Form::ProjectSelfEvaluation,
            as_of: None,
            known: KnownAt::Now,
            profile: h.app.config().default_profile.clone(),
            project: Some(jixiao_domain::budget::ProjectCode(PROJECT.into())),
        },
        jixiao_report::Format::Xlsx,
    )
    .unwrap();
    assert_eq!(content_type, expected.content_type());
    assert_eq!(disposition, expected.content_disposition());
    assert!(
        disposition.starts_with("attachment; filename=\"")
            && disposition.contains("filename*=UTF-8''")
    );

    let csv = svc
        .call(get!(
            "/units/261301/2024/forms/monitoring?format=csv",
            &cookie
        ))
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(text(csv).await.contains("绩效监控"));

    let bad = svc
        .call(get!(
            "/units/261301/2024/forms/monitoring?format=pdf",
            &cookie
        ))
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(text(bad).await.contains("格式应为 xlsx、html 或 csv"));

    let other = h.session("other", Role::Staff, Some("999999")).0;
    let refused = svc
        .call(get!(
            "/units/261301/2024/forms/monitoring?format=csv",
            &other
        ))
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        403,
        "only readers of the unit download its forms"
    );
    let anonymous = svc
        .call(
            test::TestRequest::get()
                .uri("/units/261301/2024/forms/monitoring")
                .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
}

#[actix_web::test]
async fn the_record_page_offers_the_ledger_template_the_cli_writes_and_finance_may_not_fetch_it() {
    let h = harness();
    let svc = service!(h);
    let (cookie, _) = h.session("staff", Role::Staff, Some(UNIT));
    let page = text(
        svc.call(get!("/units/261301/2024/record", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains(r#"href="/units/261301/2024/ledger-template""#));
    let res = svc
        .call(get!("/units/261301/2024/ledger-template", &cookie))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()
            .get(header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("ledger-template.xlsx")
    );
    let bytes = to_bytes(res.into_body()).await.unwrap();
    assert_eq!(
        bytes.to_vec(),
        jixiao_report::templates::ledger_template().unwrap()
    );
    let (finance, _) = h.session("finance", Role::Finance, None);
    let refused = svc
        .call(get!("/units/261301/2024/ledger-template", &finance))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

#[actix_web::test]
async fn finance_sees_in_the_recheck_the_rows_a_carry_over_changed_since_the_submission() {
    use jixiao_domain::aggregate::Command;
    use jixiao_domain::budget::LineId;
    use jixiao_domain::event::CarryOverRecorded;
    let h = harness();
    let svc = service!(h);
    let (staff, staff_csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let paid = svc
        .call(post!(
            "/units/261301/2024/payments",
            &staff,
            &[
                ("event_id", &uuid::Uuid::new_v4().to_string()),
                ("line_id", LINE),
                ("paid_on", "2024-03-05"),
                ("amount_yuan", "50000.00"),
                ("summary", "培训费"),
                ("csrf", &staff_csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    make_ready_to_submit(&h);
    assert_eq!(submit_as_head!(svc, h), 303);
    h.app
        .write(jixiao_app::Write {
            stream: StreamId::new(UNIT, YEAR),
            if_match: None,
            items: vec![jixiao_app::Item::new(
                uuid::Uuid::new_v4(),
                Command::RecordCarryOver(CarryOverRecorded {
                    line_id: LineId(LINE.into()),
                    amount_yuan: jixiao_domain::money::Yuan::parse_yuan("1000000.00").unwrap(),
                    recorded_on: chrono::NaiveDate::from_ymd_opt(YEAR, 6, 30).unwrap(),
                }),
            )],
            actor: Actor {
                name: "finance".into(),
                request_id: "test".into(),
            },
            profile: h.app.profile(None).unwrap(),
        })
        .unwrap();
    let (cookie, _) = h.session("finance", Role::Finance, None);
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(body.contains(r#"<table id="recheck">"#), "{body}");
    assert!(
        body.contains("<td>部门整体</td><td>预算执行率</td>"),
        "the unit's execution row differs after the carry-over: {body}"
    );
    let body = text(
        svc.call(get!("/units/261301/2024/yearend", &staff))
            .await
            .unwrap(),
    )
    .await;
    assert!(
        !body.contains("recheck") && !body.contains("return-form"),
        "the review is the bureau's"
    );
}

/// A multipart body with text fields and an optional file, as a browser sends the form.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----jixiao-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload_request(
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> test::TestRequest {
    let (content_type, body) = multipart(fields, file);
    test::TestRequest::post()
        .uri("/units/261301/2024/ledger")
        .insert_header((header::COOKIE, cookie.to_string()))
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(body)
}

macro_rules! upload {
    ($($a:expr),* $(,)?) => { upload_request($($a),*).to_request() };
}

#[actix_web::test]
async fn a_ledger_upload_shows_the_dry_run_row_by_row_and_the_confirm_writes_every_row_or_nothing()
{
    use jixiao_app::ledger::Column;
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let header_row = [
        Column::Date,
        Column::Voucher,
        Column::Economic,
        Column::Project,
        Column::Amount,
        Column::Summary,
    ]
    .map(Column::label)
    .join(",");
    let bad = format!(
        "{header_row}\n2024-03-01,记-101,30216,,800.00,培训费\n2024-13-01,记-102,30216,,900.00,培训费\n"
    );
    let before = h.events();

    let refused = svc
        .call(upload!(&cookie, &[], Some(("ledger.csv", bad.as_bytes()))))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "no CSRF token");

    let res = svc
        .call(upload!(
            &cookie,
            &[("csrf", &csrf)],
            Some(("ledger.csv", bad.as_bytes()))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    assert!(
        body.contains(r#"id="ledger-problems""#) && body.contains("<td class=\"num\">3</td>"),
        "{body}"
    );
    assert!(body.contains(r#"id="ledger-file-error""#) && !body.contains("ledger-confirm-form"));
    assert_eq!(
        h.events(),
        before,
        "a dry run with a bad row writes nothing"
    );

    let wrong_type = svc
        .call(upload!(
            &cookie,
            &[("csrf", &csrf)],
            Some(("ledger.pdf", b"x"))
        ))
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 422);
    assert!(text(wrong_type).await.contains("请选择 .xlsx 或 .csv"));

    let good = format!(
        "{header_row}\n2024-03-01,记-101,30216,,800.00,培训费\n2024-03-02,记-102,30216,,900.00,培训费\n"
    );
    let res = svc
        .call(upload!(
            &cookie,
            &[("csrf", &csrf)],
            Some(("ledger.csv", good.as_bytes()))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = text(res).await;
    assert!(body.contains("2 笔新支出"), "{body}");
    assert_eq!(h.events(), before, "the dry run writes nothing");
    let content = hidden(&body, "content");
    let confirmed = svc
        .call(upload!(
            &cookie,
            &[
                ("csrf", &csrf),
                ("confirm", "1"),
                ("file_name", "ledger.csv"),
                ("content", &content)
            ],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 303);
    assert_eq!(h.events(), before + 2);

    let (finance, finance_csrf) = h.session("finance", Role::Finance, None);
    let refused = svc
        .call(upload!(
            &finance,
            &[("csrf", &finance_csrf)],
            Some(("ledger.csv", good.as_bytes()))
        ))
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        403,
        "the bureau does not record the unit's ledger"
    );
}

// ---------------------------------------------------------------------------------------------
// The bureau's table, the approvals inbox, disabling users, evidence

/// Owned form pairs as the borrowed pairs `post!` takes.
fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Imports the 焦作 budget again as another unit with its own name and 主管部门.
fn import_unit(h: &Harness, code: &str, name: &str, department: &str) {
    use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
    let mut import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).unwrap();
    import.unit.code = code.into();
    import.unit.name = name.into();
    import.unit.department = department.into();
    let actor = Actor {
        name: "import".into(),
        request_id: "test".into(),
    };
    h.app
        .import_budget(&Approval::of(&import).unwrap(), &actor)
        .unwrap();
}

/// Writes one command to the unit's year as `who`.
fn write_as(h: &Harness, who: &str, command: jixiao_domain::aggregate::Command) {
    h.app
        .write(jixiao_app::Write {
            stream: StreamId::new(UNIT, YEAR),
            if_match: None,
            items: vec![jixiao_app::Item::new(uuid::Uuid::new_v4(), command)],
            actor: Actor {
                name: who.into(),
                request_id: "test".into(),
            },
            profile: h.app.profile(None).unwrap(),
        })
        .unwrap();
}

/// The units of the bureau's table, in the order shown.
fn table_units(body: &str) -> Vec<String> {
    body.split(r#"<tr data-unit=""#)
        .skip(1)
        .map(|r| r.split('"').next().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_bureau_table_sorts_by_a_column_both_ways_searches_by_name_and_pages() {
    let h = harness();
    for i in 0..22 {
        import_unit(
            &h,
            &format!("1000{i:02}"),
            &format!("示例单位{i:02}"),
            "示例教育局",
        );
    }
    let svc = service!(h);
    let (cookie, _) = h.session("finance", Role::Finance, None);
    let first = text(
        svc.call(get!("/bureau/2024?sort=unit", &cookie))
            .await
            .unwrap(),
    )
    .await;
    let units = table_units(&first);
    assert_eq!(units.len(), jixiao_web::bureau::BUREAU_PAGE_SIZE);
    assert_eq!(units[0], "100000");
    assert!(
        first.contains("共 23 个单位") && first.contains("第 1 / 2 页"),
        "{first}"
    );
    assert!(
        first.contains(r#"href="/bureau/2024?sort=-unit""#),
        "the header reverses the sort"
    );
    let second = text(
        svc.call(get!("/bureau/2024?sort=unit&page=2", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(table_units(&second), ["100020", "100021", "261301"]);
    let reversed = text(
        svc.call(get!("/bureau/2024?sort=-unit", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(table_units(&reversed)[0], "261301");
    let search = format!("/bureau/2024?q={}", encode("技术科学"));
    let found = text(svc.call(get!(&search, &cookie)).await.unwrap()).await;
    assert_eq!(table_units(&found), ["261301"]);
    let department = format!("/bureau/2024?department={}", encode("示例教育局"));
    let found = text(svc.call(get!(&department, &cookie)).await.unwrap()).await;
    assert!(found.contains("共 22 个单位"), "{found}");
    // A sort the table does not know is told beside the filters; the table is still shown.
    let bad = svc
        .call(get!("/bureau/2024?sort=colour_zh", &cookie))
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let bad = text(bad).await;
    assert!(bad.contains(r#"id="filter-error""#) && table_units(&bad).len() == 20);
}

#[actix_web::test]
async fn the_bureau_table_shows_the_distribution_chart_with_its_table_and_each_units_workflow() {
    let h = harness();
    let svc = service!(h);
    make_ready_to_submit(&h);
    assert_eq!(submit_as_head!(svc, h), 303);
    let (cookie, _) = h.session("finance", Role::Finance, None);
    let body = text(svc.call(get!("/bureau/2024", &cookie)).await.unwrap()).await;
    assert!(body.contains(r#"<svg class="chart""#) && body.contains("<rect class=\"bar "));
    let fallback = body.split(r#"id="bureau-distribution""#).nth(1).unwrap();
    let fallback = fallback.split("</table>").next().unwrap();
    // One unit in all: the fallback table's 合计 column adds up to 1.
    let totals: usize = fallback
        .split("<tr>")
        .skip(2)
        .filter_map(|row| row.rsplit(r#"<td class="num">"#).next())
        .filter_map(|cell| cell.split('<').next())
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert_eq!(totals, 1, "{fallback}");
    let row = body.split(r#"data-unit="261301""#).nth(1).unwrap();
    let row = row.split("</tr>").next().unwrap();
    assert!(row.contains("已上报"), "{row}");
}

#[actix_web::test]
async fn finance_approves_an_adjustment_from_the_inbox_once_and_it_leaves_the_inbox() {
    use jixiao_domain::aggregate::Command;
    use jixiao_domain::budget::LineId;
    use jixiao_domain::event::BudgetAdjustmentRequested;
    let h = harness();
    let request_id = uuid::Uuid::new_v4();
    write_as(
        &h,
        "head",
        Command::RequestBudgetAdjustment(BudgetAdjustmentRequested {
            request_id,
            line_id: LineId(LINE.into()),
            delta_yuan: jixiao_domain::money::Yuan::parse_yuan("5000").unwrap(),
            reason: "增加培训次数".into(),
            requested_on: chrono::NaiveDate::from_ymd_opt(YEAR, 5, 10).unwrap(),
        }),
    );
    let svc = service!(h);
    let (cookie, csrf) = h.session("finance", Role::Finance, None);
    let inbox = text(svc.call(get!("/bureau/2024/inbox", &cookie)).await.unwrap()).await;
    assert!(
        inbox.contains(&format!(r#"data-request="{request_id}""#))
            && inbox.contains("增加培训次数"),
        "{inbox}"
    );
    let key = format!("inbox:{UNIT}:{request_id}");
    let event_id = uuid::Uuid::new_v4().to_string();
    let rid = request_id.to_string();
    let form = |csrf: &str, decision: &str, reason: &str| {
        vec![
            ("form_key".to_string(), key.clone()),
            ("unit".into(), UNIT.into()),
            ("request_id".into(), rid.clone()),
            ("kind".into(), "budget".into()),
            ("event_id".into(), event_id.clone()),
            ("on".into(), "2024-06-30".into()),
            ("reason".into(), reason.into()),
            ("decision".into(), decision.into()),
            ("csrf".into(), csrf.into()),
        ]
    };
    let before = h.events();
    // Without the CSRF token: refused, nothing written.
    let f = form("", "approve", "");
    let res = svc
        .call(post!("/bureau/2024/inbox/decide", &cookie, &pairs(&f)))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Rejecting needs a reason: shown beside the reason, nothing written.
    let f = form(&csrf, "reject", " ");
    let res = svc
        .call(post!("/bureau/2024/inbox/decide", &cookie, &pairs(&f)))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    let item = body.split(&format!(r#"id="item-{key}""#)).nth(1).unwrap();
    assert!(item.contains("驳回须填写理由"), "{item}");
    assert_eq!(h.events(), before);
    // Staff may not decide.
    let (staff, staff_csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let f = form(&staff_csrf, "approve", "");
    let res = svc
        .call(post!("/bureau/2024/inbox/decide", &staff, &pairs(&f)))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Approved, twice: one decision recorded.
    let f = form(&csrf, "approve", "同意");
    for _ in 0..2 {
        let res = svc
            .call(post!("/bureau/2024/inbox/decide", &cookie, &pairs(&f)))
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    assert_eq!(h.events(), before + 1);
    let inbox = text(svc.call(get!("/bureau/2024/inbox", &cookie)).await.unwrap()).await;
    assert!(!inbox.contains(&rid), "a decided request leaves the inbox");
}

#[actix_web::test]
async fn a_submitted_self_evaluation_is_in_the_inbox_and_returning_it_needs_a_reason() {
    let h = harness();
    let svc = service!(h);
    make_ready_to_submit(&h);
    assert_eq!(submit_as_head!(svc, h), 303);
    let (cookie, csrf) = h.session("finance", Role::Finance, None);
    let inbox = text(svc.call(get!("/bureau/2024/inbox", &cookie)).await.unwrap()).await;
    assert!(inbox.contains(r#"data-kind="self_evaluation""#), "{inbox}");
    let key = format!("inbox:{UNIT}:se");
    let event_id = uuid::Uuid::new_v4().to_string();
    let before = h.events();
    let no_reason = svc
        .call(post!(
            "/bureau/2024/inbox/return",
            &cookie,
            &[
                ("form_key", key.as_str()),
                ("unit", UNIT),
                ("event_id", &event_id),
                ("on", "2024-06-30"),
                ("reason", ""),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(no_reason.status(), 422);
    assert!(text(no_reason).await.contains("请填写退回理由"));
    assert_eq!(h.events(), before);
    let returned = svc
        .call(post!(
            "/bureau/2024/inbox/return",
            &cookie,
            &[
                ("form_key", key.as_str()),
                ("unit", UNIT),
                ("event_id", &event_id),
                ("on", "2024-06-30"),
                ("reason", "请补充佐证材料"),
                ("csrf", &csrf),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(returned.status(), 303);
    assert_eq!(h.events(), before + 1);
    let inbox = text(svc.call(get!("/bureau/2024/inbox", &cookie)).await.unwrap()).await;
    assert!(inbox.contains(r#"id="inbox-empty""#), "{inbox}");
}

#[actix_web::test]
async fn the_admin_disables_a_user_whose_session_ends_and_who_cannot_sign_in_until_enabled() {
    let h = harness();
    let svc = service!(h);
    let (staff, _) = h.session("staff", Role::Staff, Some(UNIT));
    assert_eq!(
        svc.call(get!("/units/261301/2024", &staff))
            .await
            .unwrap()
            .status(),
        200
    );
    let (cookie, csrf) = h.session("admin", Role::Admin, None);
    let refused = svc
        .call(post!(
            "/admin/users/disabled",
            &cookie,
            &[("name", "staff"), ("disabled", "1")],
        ))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "no CSRF token, nothing changed");
    assert!(!h.app.is_user_disabled("staff").unwrap());
    for _ in 0..2 {
        let res = svc
            .call(post!(
                "/admin/users/disabled",
                &cookie,
                &[("name", "staff"), ("disabled", "1"), ("csrf", &csrf)],
            ))
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "a second submit changes nothing more");
    }
    let page = text(svc.call(get!("/admin/users", &cookie)).await.unwrap()).await;
    let row = page.split(r#"data-user="staff""#).nth(1).unwrap();
    assert!(row.split("</tr>").next().unwrap().contains("已停用"));
    // The open session ends: the page sends the browser to the sign-in page.
    let res = svc.call(get!("/units/261301/2024", &staff)).await.unwrap();
    assert_eq!(res.status(), 303);
    // Signing in is refused like a wrong password.
    let res = svc.call(get!("/signin", "")).await.unwrap();
    let pre = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("jixiao_pre="))
        .unwrap();
    let pre = pre.split(';').next().unwrap().to_string();
    let sign_csrf = hidden(&text(res).await, "csrf");
    let signin = |csrf: String| {
        post_request(
            "/signin",
            &pre,
            &[
                ("username", "staff"),
                ("password", PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .to_request()
    };
    let res = svc.call(signin(sign_csrf.clone())).await.unwrap();
    assert_eq!(res.status(), 401);
    let enabled = svc
        .call(post!(
            "/admin/users/disabled",
            &cookie,
            &[("name", "staff"), ("disabled", "0"), ("csrf", &csrf)],
        ))
        .await
        .unwrap();
    assert_eq!(enabled.status(), 303);
    let res = svc.call(signin(sign_csrf)).await.unwrap();
    assert_eq!(res.status(), 303);
}

#[actix_web::test]
async fn the_last_active_admin_can_neither_disable_nor_demote_itself_from_the_page() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("admin", Role::Admin, None);
    let res = svc
        .call(post!(
            "/admin/users/disabled",
            &cookie,
            &[("name", "admin"), ("disabled", "1"), ("csrf", &csrf)],
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    assert!(body.contains("最后一个启用的系统管理员"), "{body}");
    let res = svc
        .call(post!(
            "/admin/users/role",
            &cookie,
            &[
                ("name", "admin"),
                ("role", "finance"),
                ("unit", ""),
                ("csrf", &csrf)
            ],
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(text(res).await.contains("最后一个启用的系统管理员"));
    assert!(!h.app.is_user_disabled("admin").unwrap());
    let admin = h
        .app
        .store()
        .users()
        .unwrap()
        .get("admin")
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
}

/// A small PDF (recognised by its magic bytes).
const PDF: &[u8] = b"%PDF-1.4\n% sign-in sheet\n%%EOF\n";

fn evidence_request(
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> test::TestRequest {
    let (content_type, body) = multipart(fields, file);
    test::TestRequest::post()
        .uri("/units/261301/2024/evidence")
        .insert_header((header::COOKIE, cookie.to_string()))
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(body)
}

macro_rules! evidence_upload {
    ($($a:expr),* $(,)?) => { evidence_request($($a),*).to_request() };
}

#[actix_web::test]
async fn evidence_is_attached_to_an_activity_once_listed_and_downloaded_and_bad_files_are_told_beside_the_field()
 {
    use jixiao_domain::aggregate::Command;
    use jixiao_domain::budget::ProjectCode;
    use jixiao_domain::event::ActivityHeld;
    let h = harness();
    let activity_id = uuid::Uuid::new_v4();
    write_as(
        &h,
        "staff",
        Command::HoldActivity(ActivityHeld {
            activity_id,
            project_code: ProjectCode(PROJECT.into()),
            held_on: chrono::NaiveDate::from_ymd_opt(YEAR, 4, 16).unwrap(),
            title: "技术培训班".into(),
            invited: 20,
            participants: 18,
            evidence: Vec::new(),
        }),
    );
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let page = text(
        svc.call(get!("/units/261301/2024/evidence", &cookie))
            .await
            .unwrap(),
    )
    .await;
    let target = format!("activity:{activity_id}");
    assert!(
        page.contains(&target) && page.contains("技术培训班"),
        "{page}"
    );
    let event_id = hidden(&page, "event_id");
    let before = h.events();
    let fields = |csrf: &str, target: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("event_id".into(), event_id.clone()),
            ("target".into(), target.to_string()),
            ("attached_on".into(), "2024-06-30".into()),
        ]
    };
    // Without the CSRF token: refused.
    let f = fields("", &target);
    let res = svc
        .call(evidence_upload!(
            &cookie,
            &pairs(&f),
            Some(("签到表.pdf", PDF))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A file whose content is not an accepted type: told beside the file.
    let f = fields(&csrf, &target);
    let res = svc
        .call(evidence_upload!(
            &cookie,
            &pairs(&f),
            Some(("签到表.pdf", b"just text, not a PDF")),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    assert!(body.contains(r#"id="evidence-file-error""#), "{body}");
    // Too large: told beside the file.
    let big = vec![b'%'; jixiao_domain::evidence::MAX_EVIDENCE_BYTES + 1];
    let res = svc
        .call(evidence_upload!(
            &cookie,
            &pairs(&f),
            Some(("大.pdf", &big))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    let error = body.split(r#"id="evidence-file-error">"#).nth(1).unwrap();
    assert!(error.starts_with("文件过大"), "{error}");
    // No record chosen: told beside the select.
    let none = fields(&csrf, "");
    let res = svc
        .call(evidence_upload!(
            &cookie,
            &pairs(&none),
            Some(("签到表.pdf", PDF))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(text(res).await.contains(r#"id="evidence-target-error""#));
    assert_eq!(h.events(), before, "nothing written by a refused upload");
    // Submitted twice with the same event id: attached once.
    for _ in 0..2 {
        let res = svc
            .call(evidence_upload!(
                &cookie,
                &pairs(&f),
                Some(("签到表.pdf", PDF))
            ))
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    assert_eq!(h.events(), before + 1);
    // Finance reads the unit: the file is listed and downloads as uploaded.
    let (finance, _) = h.session("finance", Role::Finance, None);
    let page = text(
        svc.call(get!("/units/261301/2024/evidence", &finance))
            .await
            .unwrap(),
    )
    .await;
    assert!(!page.contains("evidence-form"), "finance does not upload");
    let href = page
        .split(r#"<a href="/units/261301/2024/evidence/"#)
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .expect("the file is listed");
    let res = svc
        .call(get!(
            &format!("/units/261301/2024/evidence/{href}"),
            &finance
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let bytes = to_bytes(res.into_body()).await.unwrap();
    assert_eq!(&bytes[..], PDF);
    // The admin does not read units.
    let (admin, _) = h.session("admin", Role::Admin, None);
    let res = svc
        .call(get!(&format!("/units/261301/2024/evidence/{href}"), &admin))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// Issue 14: finance uploads a published table on the 复核 page and sees the differing row
/// with its reason; the download button returns the verdict as XLSX; without the CSRF token
/// nothing is shown; staff may not open the page.
#[actix_web::test]
async fn finance_rechecks_an_uploaded_table_sees_the_reason_and_downloads_the_xlsx_verdict() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("finance", Role::Finance, None);
    let page = text(svc.call(get!("/recheck", &cookie)).await.unwrap()).await;
    assert!(page.contains(r#"href="/recheck""#) && page.contains("复核自评表"));
    // 2 of ≥3 at weight 90 → 60; printed 61 follows from nothing.
    let csv = "项目名称,测试项目\n,全年预算数,全年执行数,分值,得分\n年度资金总额,10,10,10,10\n\
        一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n\
        产出指标,数量指标,场次,≥3次,2次,90,61\n总分,,,,,100,71,中\n";
    let post = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (content_type, body) =
            multipart(&pairs, file.as_ref().map(|(n, b)| (*n, b.as_slice())));
        test::TestRequest::post()
            .uri("/recheck")
            .insert_header((header::COOKIE, cookie.clone()))
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
            .to_request()
    };
    let res = svc
        .call(post(
            vec![
                ("csrf", csrf.clone()),
                ("profile", "mof-2020".into()),
                ("rounding", "cents".into()),
            ],
            Some(("t.csv", csv.as_bytes().to_vec())),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = text(res).await;
    assert!(body.contains("测试项目 · 与规则不符"), "{body}");
    assert!(
        body.contains(r#"<tr class="differs"><td>场次</td>"#),
        "{body}"
    );
    assert!(body.contains("得分与规则不符，原因不明"));
    let content = hidden(&body, "content");
    let res = svc
        .call(post(
            vec![
                ("csrf", csrf.clone()),
                ("download", "xlsx".into()),
                ("profile", "mof-2020".into()),
                ("rounding", "cents".into()),
                ("file_name", "t.csv".into()),
                ("content", content),
            ],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()
            .get(header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("recheck.xlsx")
    );
    assert!(to_bytes(res.into_body()).await.unwrap().starts_with(b"PK"));
    // An unreadable file is told beside the field in Chinese.
    let res = svc
        .call(post(
            vec![("csrf", csrf.clone())],
            Some(("t.csv", b"a,b\n".to_vec())),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(text(res).await.contains("没有可复核的项目支出绩效自评表"));
    // Without the CSRF token: refused.
    let res = svc
        .call(post(vec![], Some(("t.csv", csv.as_bytes().to_vec()))))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (staff, _) = h.session("staff", Role::Staff, Some(UNIT));
    let res = svc.call(get!("/recheck", &staff)).await.unwrap();
    assert_eq!(res.status(), 403);
}

// ---------------------------------------------------------------------------------------------
// The admin's 单位 page: a new unit's budget imported from a file

const NEW_UNIT: &str = "261399";
const NEW_UNIT_NAME: &str = "示例新单位（测试）";

/// The 焦作 2024 budget as another unit's, with `change` applied.
fn new_unit_import(
    change: impl FnOnce(&mut jixiao_domain::fixture::BudgetImport),
) -> jixiao_domain::fixture::BudgetImport {
    let mut import = jixiao_domain::fixture::BudgetImport::from_toml_str(
        jixiao_domain::fixture::JIAOZUO_2024_TOML,
    )
    .unwrap();
    import.unit.code = NEW_UNIT.to_string();
    import.unit.name = NEW_UNIT_NAME.to_string();
    change(&mut import);
    import
}

fn new_unit_workbook(change: impl FnOnce(&mut jixiao_domain::fixture::BudgetImport)) -> Vec<u8> {
    jixiao_report::templates::budget_template(Some(&new_unit_import(change))).unwrap()
}

fn budget_request(
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> test::TestRequest {
    let (content_type, body) = multipart(fields, file);
    test::TestRequest::post()
        .uri("/admin/units/import")
        .insert_header((header::COOKIE, cookie.to_string()))
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(body)
}

macro_rules! budget_upload {
    ($($a:expr),* $(,)?) => { budget_request($($a),*).to_request() };
}

fn new_unit_events(h: &Harness) -> usize {
    h.app
        .store()
        .read_stream(&StreamId::new(NEW_UNIT, YEAR), KnownAt::Now)
        .unwrap()
        .len()
}

#[actix_web::test]
async fn the_admin_creates_a_unit_from_its_budget_workbook_after_a_dry_run_and_a_double_submit_writes_once()
 {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("admin", Role::Admin, None);
    let page = text(svc.call(get!("/admin/units", &cookie)).await.unwrap()).await;
    assert!(page.contains("焦作市产业技术科学院") && page.contains("budget-form"));
    let template = svc
        .call(get!("/admin/units/budget-template.xlsx?example=1", &cookie))
        .await
        .unwrap();
    assert_eq!(template.status(), 200);
    let example = to_bytes(template.into_body()).await.unwrap();
    assert!(
        jixiao_app::budget_file::read_budget_file(
            jixiao_app::budget_file::BudgetFileKind::Workbook,
            &example
        )
        .is_ok(),
        "the example downloads as a workbook that reads back"
    );

    let xlsx = new_unit_workbook(|_| {});
    let event_id = uuid::Uuid::new_v4().to_string();
    let fields = [("csrf", csrf.as_str()), ("event_id", event_id.as_str())];
    let head = h.app.store().head().unwrap();

    // Without the CSRF token: refused, nothing written.
    let res = svc
        .call(budget_upload!(
            &cookie,
            &[("event_id", event_id.as_str())],
            Some(("预算.xlsx", &xlsx))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The dry run: the unit, its totals and the confirm form; nothing written.
    let res = svc
        .call(budget_upload!(&cookie, &fields, Some(("预算.xlsx", &xlsx))))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let preview = text(res).await;
    assert!(preview.contains(NEW_UNIT_NAME), "{preview}");
    assert!(preview.contains("中共焦作市委组织部"));
    let total = new_unit_import(|_| {})
        .budget()
        .initial_total()
        .wan_display();
    assert!(preview.contains(&format!("{total} 万元")), "{preview}");
    assert!(preview.contains("budget-confirm"));
    assert_eq!(
        h.app.store().head().unwrap(),
        head,
        "a dry run writes nothing"
    );

    // The confirm, twice (a double submit): written once.
    let confirm = [
        ("csrf", csrf.as_str()),
        ("event_id", event_id.as_str()),
        ("confirm", "1"),
        ("file_name", "预算.xlsx"),
    ];
    let content = hidden(&preview, "content");
    let with_content: Vec<(&str, &str)> = confirm
        .iter()
        .copied()
        .chain([("content", content.as_str())])
        .collect();
    let res = svc
        .call(budget_upload!(&cookie, &with_content, None))
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let written = new_unit_events(&h);
    assert!(written >= 2, "budget and targets recorded");
    let res = svc
        .call(budget_upload!(&cookie, &with_content, None))
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(new_unit_events(&h), written, "the double submit wrote once");

    // The new unit is in the admin's list and the bureau's table.
    let list = text(
        svc.call(get!("/admin/units?year=2024", &cookie))
            .await
            .unwrap(),
    )
    .await;
    assert!(list.contains(NEW_UNIT_NAME));
    let (finance, _) = h.session("finance", Role::Finance, None);
    let bureau = text(svc.call(get!("/bureau/2024", &finance)).await.unwrap()).await;
    assert!(bureau.contains(NEW_UNIT_NAME));

    // Another upload of a budget for the same unit-year: refused beside the field.
    let other = uuid::Uuid::new_v4().to_string();
    let res = svc
        .call(budget_upload!(
            &cookie,
            &[("csrf", csrf.as_str()), ("event_id", other.as_str())],
            Some(("预算.xlsx", &xlsx))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body = text(res).await;
    assert!(body.contains("budget-file-error") && body.contains("已有预算"));
    assert_eq!(new_unit_events(&h), written);
}

#[actix_web::test]
async fn a_budget_workbook_with_an_unreadable_target_is_refused_with_its_sheet_row_and_column() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("admin", Role::Admin, None);
    let xlsx = new_unit_workbook(|i| i.unit_targets[0].target = "大概吧".to_string());
    let event_id = uuid::Uuid::new_v4().to_string();
    let res = svc
        .call(budget_upload!(
            &cookie,
            &[("csrf", csrf.as_str()), ("event_id", event_id.as_str())],
            Some(("预算.xlsx", &xlsx))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = text(res).await;
    assert!(body.contains("budget-file-error"), "{body}");
    assert!(
        body.contains("<td>绩效指标</td><td class=\"num\">2</td><td>指标值</td>"),
        "{body}"
    );
    assert!(body.contains("大概吧"));
    assert!(!body.contains("budget-confirm"));
    assert_eq!(new_unit_events(&h), 0);
}

#[actix_web::test]
async fn a_staff_member_may_not_import_a_units_budget() {
    let h = harness();
    let svc = service!(h);
    let (cookie, csrf) = h.session("staff", Role::Staff, Some(UNIT));
    let res = svc.call(get!("/admin/units", &cookie)).await.unwrap();
    assert_eq!(res.status(), 403);
    let xlsx = new_unit_workbook(|_| {});
    let event_id = uuid::Uuid::new_v4().to_string();
    let res = svc
        .call(budget_upload!(
            &cookie,
            &[
                ("csrf", csrf.as_str()),
                ("event_id", event_id.as_str()),
                ("confirm", "1")
            ],
            Some(("预算.xlsx", &xlsx))
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(new_unit_events(&h), 0);
}
