//! A real browser test of the web pages: the built `jixiao serve --demo` runs on a free local
//! port, headless Chromium (driven over the W3C WebDriver protocol by chromedriver) works as the
//! people who use jixiao do. A staff member tries a wrong password, signs in, records an
//! activity and a payment and sees the indicator and the execution figure change, and is
//! refused the finance bureau's page; the unit head explains the last deviation on the
//! year-end page and submits the self-evaluation; the finance officer sees the unit's colour in
//! the bureau's table, sees the submission with its recheck, is told beside the field that a
//! return needs a reason and returns it with one, and approves a pending adjustment request
//! from the approvals inbox, which then leaves it; the admin creates a user who then signs in,
//! and disables that user, who then cannot sign in. The expected figures come from
//! the same server's JSON API, so the test checks that the pages show what the service computes.
//!
//! With `JIXIAO_SCREENSHOTS=DIR` the main pages are saved there at 1366×768 (how
//! `docs/screenshots/` is made); otherwise under the test's temporary directory.
//!
//! Without Chromium and chromedriver the test prints why and passes, unless `CI=true` or
//! `JIXIAO_BROWSER_TESTS=1` is set: there a missing browser is a failure.

#[path = "browser/webdriver.rs"]
mod webdriver;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use webdriver::{Browser, ChildGuard, Deadline, find_program};

const BIN: &str = env!("CARGO_BIN_EXE_jixiao");
/// The whole test (server start, browser start, every wait) finishes within this.
const TEST_BUDGET: Duration = Duration::from_secs(90);
/// The demo's business date, fixed so the figures do not depend on the day the test runs.
const DEMO_TODAY: &str = "2024-08-15";
/// The date the test records its activity and payment on (before the demo's today).
const RECORDED_ON: &str = "2024-08-01";
/// The demo year.
const YEAR: i32 = 2024;
/// The unit of the demo data set and one of its project indicators.
const UNIT_NAME: &str = "焦作市产业技术科学院";
const INDICATOR: &str = "举办活动场次";
/// The viewport of the screenshots: a common office laptop.
const SCREEN: (u32, u32) = (1366, 768);
/// A phone's viewport.
const PHONE: (u32, u32) = (390, 844);

/// True when the environment demands that the browser test really runs.
fn browser_required() -> bool {
    ["CI", "JIXIAO_BROWSER_TESTS"].iter().any(|k| {
        std::env::var(k)
            .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    })
}

/// The running demo server: its base URL and the password printed for each demo user.
struct Demo {
    base: String,
    passwords: HashMap<String, String>,
    _server: ChildGuard,
    _dir: tempfile::TempDir,
}

impl Demo {
    fn password(&self, user: &str) -> &str {
        self.passwords
            .get(user)
            .unwrap_or_else(|| panic!("serve --demo printed no password for {user}"))
    }
}

/// The demo users whose passwords the test needs.
const USERS: [&str; 4] = ["staff", "head", "finance", "admin"];

/// Start `jixiao serve --demo` on a free port in a temporary directory and read its banner.
fn start_demo(deadline: Deadline) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("JIXIAO_") {
            cmd.env_remove(k);
        }
    }
    let child = cmd
        .current_dir(dir.path())
        .env("JIXIAO_LOG", "warn")
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--demo-today",
            DEMO_TODAY,
        ])
        .arg("--demo-database")
        .arg(dir.path().join("demo.db"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = ChildGuard(child);
    let out = server.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    let mut passwords = HashMap::new();
    while base.is_none() || USERS.iter().any(|u| !passwords.contains_key(*u)) {
        let line = rx
            .recv_timeout(deadline.left("waiting for serve --demo to print its banner"))
            .expect("serve --demo stopped or printed no URL and demo users in time");
        if base.is_none()
            && let Some(i) = line.find("http://")
        {
            base = Some(line[i..].trim_end().trim_end_matches('/').to_string());
        }
        // "  finance  / demo-finance-2024  / finance (财政局)"
        let fields: Vec<&str> = line.split('/').map(str::trim).collect();
        if fields.len() == 3 && USERS.contains(&fields[0]) {
            passwords.insert(fields[0].to_string(), fields[1].to_string());
        }
    }
    Demo {
        base: base.unwrap(),
        passwords,
        _server: server,
        _dir: dir,
    }
}

/// A token of the API for a demo user.
fn api_token(demo: &Demo, user: &str) -> String {
    let token: Value = ureq::post(format!("{}/api/v1/auth/token", demo.base))
        .send_json(json!({"username": user, "password": demo.password(user)}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    token["access_token"].as_str().unwrap().to_string()
}

/// POST a JSON body to the API with a bearer token; panics unless it is accepted.
fn api_post(base: &str, path: &str, token: &str, body: Value) {
    ureq::post(format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
}

/// Through the API, as the unit head: grade every indicator still waiting for a person's
/// grade 达成 and explain every deviation but the first, which the head then explains on the
/// page (the evaluation's own lists, read back from the API).
fn prepare_submission(demo: &Demo, unit_path: &str) {
    let token = api_token(demo, "head");
    let (unit, year) = unit_path
        .trim_start_matches("/units/")
        .split_once('/')
        .unwrap();
    let base = format!("/api/v1/units/{unit}/years/{year}");
    let scopes = |evaluation: &Value| {
        let mut all = vec![(Value::Null, evaluation["unit"].clone())];
        for p in evaluation["projects"].as_array().into_iter().flatten() {
            all.push((p["project_code"].clone(), p["evaluation"].clone()));
        }
        all
    };
    let evaluation = api_get(&demo.base, &format!("{base}/evaluation"), &token);
    for (project, e) in scopes(&evaluation) {
        for id in e["not_yet_assessed"].as_array().into_iter().flatten() {
            api_post(
                &demo.base,
                &format!("{base}/assessments"),
                &token,
                json!({"event_id": uuid::Uuid::new_v4(), "project_code": project,
                       "indicator_id": id, "assessed_on": DEMO_TODAY, "grade": "achieved",
                       "actual_text": "达成"}),
            );
        }
    }
    let evaluation = api_get(&demo.base, &format!("{base}/evaluation"), &token);
    let mut first = true;
    for (project, e) in scopes(&evaluation) {
        for item in e["needs_explanation"].as_array().into_iter().flatten() {
            if std::mem::take(&mut first) {
                continue;
            }
            api_post(
                &demo.base,
                &format!("{base}/deviation-explanations"),
                &token,
                json!({"event_id": uuid::Uuid::new_v4(), "project_code": project,
                       "indicator_id": item.get("indicator_id"),
                       "explanation": "受项目进度影响延后，已制定推进计划",
                       "explained_on": DEMO_TODAY}),
            );
        }
    }
}

/// GET a JSON document of the API with a bearer token.
fn api_get(base: &str, path: &str, token: &str) -> Value {
    ureq::get(format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap()
}

fn cjk_count(text: &str) -> usize {
    text.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count()
}

/// The warning colour a person sees in a CSS colour such as `rgb(34, 170, 34)`: one of the
/// service's colour names, or `None` for white, black and pale backgrounds.
fn warning_hue(css: &str) -> Option<&'static str> {
    let inner = css.split_once('(')?.1.trim_end_matches(')');
    let parts: Vec<f64> = inner
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    if parts.len() == 4 && parts[3] < 0.5 {
        return None; // (mostly) transparent
    }
    let (r, g, b) = (*parts.first()?, *parts.get(1)?, *parts.get(2)?);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    if min > 235.0 || max < 40.0 {
        return None; // white-ish page background or black text
    }
    if max - min < 30.0 {
        return Some("grey");
    }
    let d = max - min;
    let hue = if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    match hue {
        h if !(20.0..330.0).contains(&h) => Some("red"),
        h if h < 75.0 => Some("yellow"),
        h if h < 165.0 => Some("green"),
        h if h < 260.0 => Some("blue"),
        _ => None,
    }
}

/// Finds the first visible table row containing `arguments[0]` (in a table whose headers
/// contain `arguments[1]`, if given) and describes it: cell texts, the table's headers, the
/// painted background colours inside the row, and whether it holds a link or button.
const ROW_SCRIPT: &str = r#"
const [needle, header] = arguments;
for (const row of document.querySelectorAll("tr")) {
  if (row.offsetParent === null || !row.innerText.includes(needle)) continue;
  const table = row.closest("table");
  const headers = table ? Array.from(table.querySelectorAll("th")).map(h => h.innerText.trim()) : [];
  if (header && !headers.some(h => h.includes(header))) continue;
  if (Array.from(row.cells).every(c => c.tagName === "TH")) continue;
  const painted = [row, ...row.querySelectorAll("*")]
    .filter(e => e.getClientRects().length > 0)
    .map(e => getComputedStyle(e).backgroundColor);
  return {
    cells: Array.from(row.cells).map(c => c.innerText.trim()),
    headers,
    painted,
    clickable: row.querySelector("a[href], button, [role=button], [onclick]") !== null,
  };
}
return null;
"#;

/// The warning colours painted in a row described by [`ROW_SCRIPT`].
fn row_hues(row: &Value) -> Vec<&'static str> {
    let mut hues: Vec<&str> = row["painted"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| warning_hue(c.as_str()?))
        .collect();
    hues.sort_unstable();
    hues.dedup();
    hues
}

fn row_text(row: &Value) -> String {
    row["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Where screenshots go: `JIXIAO_SCREENSHOTS` (e.g. `docs/screenshots`), else a temporary
/// directory of the test.
fn screenshot_path(name: &str) -> std::path::PathBuf {
    match std::env::var_os("JIXIAO_SCREENSHOTS") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            std::path::Path::new(&dir).join(name)
        }
        None => std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name),
    }
}

/// Wait until the browser is on a page whose path starts with `prefix` and has a heading.
fn wait_for_page(browser: &Browser, prefix: &str) -> Value {
    browser.wait_for(
        &format!("a page under {prefix}"),
        "const h = document.querySelector('h1'); \
         return (location.pathname.startsWith(arguments[0]) && h && document.readyState === 'complete') \
           ? {path: location.pathname, h1: h.innerText, text: document.body.innerText} : null;",
        json!([prefix]),
    )
}

/// Sign in through the sign-in form.
fn sign_in(browser: &Browser, base: &str, user: &str, password: &str) -> Value {
    browser.goto(&format!("{base}/signin"));
    let username = browser.find("the user name field", &["#username"]);
    let field = browser.find("the password field", &["input[type=password]"]);
    browser.type_into(&username, user);
    browser.type_into(&field, password);
    browser.click(&browser.find("the sign-in button", &["#signin"]));
    browser.wait_for(
        "leaving the sign-in page",
        "return location.pathname !== '/signin' && document.querySelector('#who') \
           ? document.querySelector('#who').innerText : null;",
        json!([]),
    )
}

fn sign_out(browser: &Browser, base: &str) {
    // From any page, error pages included: the start page has the header with the button.
    browser.goto(&format!("{base}/"));
    browser.click(&browser.find("the sign-out button", &["#signout"]));
    wait_for_page(browser, "/signin");
}

/// Fill the fields of a form by id (selects and dates set as a person's choice would) and
/// submit it with a real click.
fn fill_and_submit(browser: &Browser, fields: Value, submit: &str) {
    browser.eval(
        "for (const [id, value] of Object.entries(arguments[0])) { \
           const e = document.getElementById(id); \
           if (!e) throw new Error('no field ' + id); \
           if (e.tagName === 'SELECT' && value === '*') { e.selectedIndex = 1; } else { e.value = value; } \
         }",
        json!([fields]),
    );
    browser.click(&browser.find("the submit button", &[submit]));
}

/// The cells of the first table row containing `needle`, as text.
fn row_cells(browser: &Browser, needle: &str) -> String {
    let row = browser.wait_for(
        &format!("a row with {needle}"),
        ROW_SCRIPT,
        json!([needle, Value::Null]),
    );
    row_text(&row)
}

#[test]
fn people_sign_in_record_their_work_and_see_the_figures_change_each_in_their_role() {
    let started = Instant::now();
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find_program(&["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            !browser_required(),
            "CI or JIXIAO_BROWSER_TESTS is set but chromium and/or chromedriver is missing \
             (install: apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "SKIPPED browser test: chromium and chromedriver not found on PATH \
             (apt-get install chromium chromium-driver, or set JIXIAO_BROWSER_TESTS=1 to make \
             this a failure)"
        );
        return;
    };
    let deadline = Deadline::after(TEST_BUDGET);
    let demo = start_demo(deadline);
    let browser = Browser::start(&chromium, &chromedriver, deadline);
    browser.set_window_size(SCREEN.0, SCREEN.1);
    browser.goto(&format!("{}/", demo.base));

    // Not signed in: the sign-in page, in Chinese.
    let page = wait_for_page(&browser, "/signin");
    assert!(
        cjk_count(page["h1"].as_str().unwrap_or_default()) >= 2,
        "{page}"
    );
    let lang = browser.eval("return document.documentElement.lang;", json!([]));
    assert!(
        lang.as_str().unwrap_or_default().starts_with("zh"),
        "{lang}"
    );
    browser.screenshot(&screenshot_path("signin.png"));

    // A wrong password: a Chinese error, and nothing of the unit is shown.
    browser.type_into(
        &browser.find("the user name field", &["#username"]),
        "staff",
    );
    browser.type_into(
        &browser.find("the password field", &["input[type=password]"]),
        "not-the-password",
    );
    browser.click(&browser.find("the sign-in button", &["#signin"]));
    let error = browser.wait_for(
        "the sign-in error",
        "const e = document.querySelector('[role=alert]'); return e ? e.innerText.trim() : null;",
        json!([]),
    );
    let error = error.as_str().unwrap_or_default();
    assert!(error.contains("密码") && cjk_count(error) >= 4, "{error:?}");
    assert!(!browser.page_text().contains(UNIT_NAME));

    // Staff signs in and lands on the unit's year.
    let who = sign_in(&browser, &demo.base, "staff", demo.password("staff"));
    assert!(
        who.as_str().unwrap_or_default().contains("经办人员"),
        "{who}"
    );
    let home = wait_for_page(&browser, "/units/");
    let unit_path = home["path"].as_str().unwrap().to_string();
    assert!(
        home["h1"].as_str().unwrap_or_default().contains(UNIT_NAME),
        "{home}"
    );
    let indicator_before = row_cells(&browser, INDICATOR);
    let paid_before = browser.eval(
        "return document.getElementById('paid-total').innerText;",
        json!([]),
    );
    browser.screenshot(&screenshot_path("unit.png"));
    // The same page at phone width: nothing wider than the screen but the tables' own scroll.
    browser.set_window_size(PHONE.0, PHONE.1);
    let overflow = browser.eval(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        json!([]),
    );
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "the page scrolls sideways at phone width: {overflow}"
    );
    browser.screenshot(&screenshot_path("unit-phone.png"));
    browser.set_window_size(SCREEN.0, SCREEN.1);

    // An activity under the unit's project.
    browser.goto(&format!("{}{unit_path}/record", demo.base));
    wait_for_page(&browser, &format!("{unit_path}/record"));
    browser.screenshot(&screenshot_path("record.png"));
    fill_and_submit(
        &browser,
        json!({
            "activity-project": "*",
            "activity-date": RECORDED_ON,
            "activity-title": "产学研合作座谈会（浏览器测试）",
            "activity-invited": "40",
            "activity-participants": "36",
        }),
        "#activity-submit",
    );
    let saved = browser.wait_for(
        "the saved notice after the activity",
        "const n = document.getElementById('notice'); return n ? n.innerText : null;",
        json!([]),
    );
    assert!(
        saved.as_str().unwrap_or_default().contains("已保存"),
        "{saved}"
    );
    let indicator_after = row_cells(&browser, INDICATOR);
    assert_ne!(
        indicator_before, indicator_after,
        "recording an activity must change {INDICATOR}"
    );

    // A payment, charged to a budget line chosen by its name.
    browser.goto(&format!("{}{unit_path}/record", demo.base));
    wait_for_page(&browser, &format!("{unit_path}/record"));
    fill_and_submit(
        &browser,
        json!({
            "payment-line": "*",
            "payment-date": RECORDED_ON,
            "payment-amount": "15000.00",
            "payment-summary": "浏览器测试支出",
        }),
        "#payment-submit",
    );
    browser.wait_for(
        "the saved notice after the payment",
        "return document.getElementById('notice') ? true : null;",
        json!([]),
    );
    let paid_after = browser.eval(
        "return document.getElementById('paid-total').innerText;",
        json!([]),
    );
    assert_ne!(
        paid_before, paid_after,
        "the payment must change the amount paid"
    );

    // The finance bureau's page is refused to staff, and the navigation does not offer it.
    assert!(
        browser.eval(
            "return document.querySelector('a[href^=\"/bureau\"]') === null;",
            json!([])
        ) == true
    );
    browser.goto(&format!("{}/bureau/{YEAR}", demo.base));
    let refused = wait_for_page(&browser, "/bureau/");
    assert!(
        refused["h1"].as_str().unwrap_or_default().contains("无权"),
        "{refused}"
    );
    sign_out(&browser, &demo.base);

    // The unit head explains the last deviation on the year-end page and submits.
    prepare_submission(&demo, &unit_path);
    sign_in(&browser, &demo.base, "head", demo.password("head"));
    browser.goto(&format!("{}{unit_path}/yearend", demo.base));
    wait_for_page(&browser, &format!("{unit_path}/yearend"));
    let explain_id = browser.eval(
        "const e = document.querySelector('form.explain input[name=explanation]'); return e ? e.id : null;",
        json!([]),
    );
    let explain_id = explain_id
        .as_str()
        .expect("one deviation is left to explain on the page")
        .to_string();
    let date_id = explain_id.replace("-text", "-date");
    fill_and_submit(
        &browser,
        json!({
            explain_id.as_str(): "执行进度受政府采购周期影响，下半年加快支付",
            date_id.as_str(): DEMO_TODAY,
        }),
        "form.explain button",
    );
    browser.wait_for(
        "the saved notice after the explanation",
        "return document.getElementById('notice') && !document.querySelector('form.explain') ? true : null;",
        json!([]),
    );
    // The notice of the explanation goes, so the wait below sees the page after the submission.
    browser.eval(
        "const n = document.getElementById('notice'); if (n) n.remove();",
        json!([]),
    );
    fill_and_submit(
        &browser,
        json!({"submit-date": DEMO_TODAY}),
        "#submit-evaluation",
    );
    let state = browser.wait_for(
        "the submitted state",
        "const w = document.getElementById('workflow'); return w && document.getElementById('notice') ? w.innerText : null;",
        json!([]),
    );
    assert_eq!(state, "已上报", "the head's submission is recorded");
    sign_out(&browser, &demo.base);

    // The finance officer sees the bureau's table with its distribution chart, finds the unit
    // by name, and sees it painted in the API's colour.
    sign_in(&browser, &demo.base, "finance", demo.password("finance"));
    wait_for_page(&browser, "/bureau/");
    browser.find("the distribution chart", &["figure svg.chart"]);
    browser.screenshot(&screenshot_path("bureau.png"));
    // At phone width the page does not scroll sideways (the table scrolls in its own box).
    browser.set_window_size(PHONE.0, PHONE.1);
    let overflow = browser.eval(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        json!([]),
    );
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "the bureau's page scrolls sideways at phone width: {overflow}"
    );
    browser.set_window_size(SCREEN.0, SCREEN.1);
    fill_and_submit(&browser, json!({"filter-q": UNIT_NAME}), "#filter-apply");
    browser.wait_for(
        "the table filtered by the unit's name",
        "return location.search.includes('q=') && document.querySelectorAll('#bureau tbody tr').length === 1 ? true : null;",
        json!([]),
    );
    let token: Value = ureq::post(format!("{}/api/v1/auth/token", demo.base))
        .send_json(json!({"username": "finance", "password": demo.password("finance")}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let units = api_get(
        &demo.base,
        "/api/v1/units",
        token["access_token"].as_str().unwrap(),
    );
    let unit = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_name"] == UNIT_NAME)
        .unwrap_or_else(|| panic!("the demo has no unit {UNIT_NAME}: {units}"));
    let row = browser.wait_for(
        "the unit in the bureau's table",
        ROW_SCRIPT,
        json!([UNIT_NAME, "序时进度"]),
    );
    let text = row_text(&row);
    let rate = format!("{}%", unit["rate_percent"].as_str().unwrap());
    assert!(
        text.contains(&rate),
        "execution rate {rate} not shown: {text}"
    );
    let colour = unit["colour"].as_str().unwrap();
    assert_eq!(
        row_hues(&row),
        vec![colour],
        "the unit row must be painted {colour}: {row}"
    );
    // The unit's year-end page, read by the bureau: scores, the submission with its recheck,
    // the return and approve forms, requests, the year lock.
    browser.goto(&format!(
        "{}/units/{}/{YEAR}/yearend",
        demo.base,
        unit["unit"].as_str().unwrap()
    ));
    let yearend = wait_for_page(&browser, "/units/");
    let text = yearend["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("自评得分") && text.contains("复核") && text.contains("审核通过"),
        "{yearend}"
    );
    browser.screenshot(&screenshot_path("yearend.png"));
    // 退回 without a reason: the Chinese error beside the field; then with one.
    fill_and_submit(&browser, json!({"return-reason": ""}), "#return-evaluation");
    let error = browser.wait_for(
        "the error beside the return reason",
        "const e = document.getElementById('return-reason-error'); return e ? e.innerText : null;",
        json!([]),
    );
    assert!(
        error.as_str().unwrap_or_default().contains("退回理由"),
        "{error}"
    );
    fill_and_submit(
        &browser,
        json!({"return-reason": "偏差说明过于笼统，请补充改进措施"}),
        "#return-evaluation",
    );
    let state = browser.wait_for(
        "the returned state",
        "const w = document.getElementById('workflow'); return w && document.getElementById('notice') ? w.innerText : null;",
        json!([]),
    );
    assert_eq!(state, "已退回");
    let step = row_cells(&browser, "偏差说明过于笼统");
    assert!(
        step.contains("finance") && step.contains("已退回"),
        "{step}"
    );
    browser.screenshot(&screenshot_path("yearend-returned.png"));

    // The approvals inbox: the demo's pending adjustment requests; one approved leaves it.
    browser.goto(&format!("{}/bureau/{YEAR}/inbox", demo.base));
    wait_for_page(&browser, "/bureau/");
    let request = browser.eval(
        "const e = document.querySelector('section.inbox-item[data-kind=budget], section.inbox-item[data-kind=target]'); \
         return e ? e.dataset.request : null;",
        json!([]),
    );
    let request = request
        .as_str()
        .expect("the demo has pending adjustment requests")
        .to_string();
    browser.screenshot(&screenshot_path("inbox.png"));
    browser.set_window_size(PHONE.0, PHONE.1);
    let overflow = browser.eval(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        json!([]),
    );
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "the inbox scrolls sideways at phone width: {overflow}"
    );
    browser.set_window_size(SCREEN.0, SCREEN.1);
    let approve = browser.find_with(
        "the approve button of the request",
        "return document.querySelector(`section[data-request=\"${arguments[0]}\"] button.approve`);",
        json!([request]),
    );
    browser.click(&approve);
    browser.wait_for(
        "the request gone from the inbox",
        "return document.getElementById('notice') && location.pathname.endsWith('/inbox') \
           && !document.querySelector(`section[data-request=\"${arguments[0]}\"]`) ? true : null;",
        json!([request]),
    );
    sign_out(&browser, &demo.base);

    // The admin creates a user, who then signs in to the unit.
    sign_in(&browser, &demo.base, "admin", demo.password("admin"));
    wait_for_page(&browser, "/admin/users");
    let unit_code = unit["unit"].as_str().unwrap();
    fill_and_submit(
        &browser,
        json!({
            "new-name": "zhao",
            "new-password": "zhao-password-2024",
            "new-role": "staff",
            "new-unit": unit_code,
        }),
        "#create-user",
    );
    browser.wait_for(
        "the new user in the list",
        "return document.getElementById('notice') && document.body.innerText.includes('zhao') ? true : null;",
        json!([]),
    );
    browser.screenshot(&screenshot_path("users.png"));
    sign_out(&browser, &demo.base);
    sign_in(&browser, &demo.base, "zhao", "zhao-password-2024");
    let home = wait_for_page(&browser, "/units/");
    assert!(
        home["h1"].as_str().unwrap_or_default().contains(UNIT_NAME),
        "{home}"
    );
    sign_out(&browser, &demo.base);

    // The admin disables the new user, who then cannot sign in.
    sign_in(&browser, &demo.base, "admin", demo.password("admin"));
    wait_for_page(&browser, "/admin/users");
    let disable = browser.find(
        "zhao's disable button",
        &["tr[data-user=zhao] button.disable"],
    );
    browser.click(&disable);
    browser.wait_for(
        "zhao shown disabled",
        "const r = document.querySelector('tr[data-user=zhao] td.status'); \
         return document.getElementById('notice') && r && r.innerText.includes('已停用') ? true : null;",
        json!([]),
    );
    browser.screenshot(&screenshot_path("users.png"));
    sign_out(&browser, &demo.base);
    browser.type_into(&browser.find("the user name field", &["#username"]), "zhao");
    browser.type_into(
        &browser.find("the password field", &["input[type=password]"]),
        "zhao-password-2024",
    );
    browser.click(&browser.find("the sign-in button", &["#signin"]));
    let error = browser.wait_for(
        "the refusal of the disabled user",
        "const e = document.querySelector('[role=alert]'); return e && location.pathname === '/signin' ? e.innerText.trim() : null;",
        json!([]),
    );
    assert!(
        error.as_str().unwrap_or_default().contains("密码"),
        "{error}"
    );
    drop(browser);
    eprintln!(
        "browser test passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn warning_colours_are_recognised_from_the_css_a_browser_reports() {
    assert_eq!(warning_hue("rgb(221, 51, 51)"), Some("red"));
    assert_eq!(warning_hue("rgb(230, 184, 0)"), Some("yellow"));
    assert_eq!(warning_hue("rgb(34, 170, 34)"), Some("green"));
    assert_eq!(warning_hue("rgb(51, 102, 204)"), Some("blue"));
    assert_eq!(warning_hue("rgb(170, 170, 170)"), Some("grey"));
    assert_eq!(warning_hue("rgba(0, 0, 0, 0)"), None);
    assert_eq!(warning_hue("rgb(255, 255, 255)"), None);
}
