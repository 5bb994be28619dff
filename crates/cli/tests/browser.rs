//! A real browser test of the web page at `/`: the built `jixiao serve --demo` runs on a free
//! local port, headless Chromium (driven over the W3C WebDriver protocol by chromedriver) opens
//! the page, tries a wrong password, logs in as the demo finance user, and checks what a person
//! looks at — a Chinese page, the unit's execution rate against 序时进度 with its warning
//! colour, and the project's indicators. The expected figures come from the same server's JSON
//! API, so the test checks that the page shows what the service computes.
//!
//! Without Chromium and chromedriver the test prints why and passes, unless `CI=true` or
//! `JIXIAO_BROWSER_TESTS=1` is set: there a missing browser is a failure.

#[path = "browser/webdriver.rs"]
mod webdriver;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use webdriver::{Browser, ChildGuard, Deadline, find_program};

const BIN: &str = env!("CARGO_BIN_EXE_jixiao");
/// The whole test (server start, browser start, every wait) finishes within this.
const TEST_BUDGET: Duration = Duration::from_secs(60);
/// The demo's business date, fixed so the figures do not depend on the day the test runs.
const DEMO_TODAY: &str = "2024-08-15";
/// The demo user the test logs in as: the finance bureau monitors every unit.
const USER: &str = "finance";
/// The unit of the demo data set and one of its project indicators.
const UNIT_NAME: &str = "焦作市产业技术科学院";
const INDICATOR: &str = "举办活动场次";

/// True when the environment demands that the browser test really runs.
fn browser_required() -> bool {
    ["CI", "JIXIAO_BROWSER_TESTS"].iter().any(|k| {
        std::env::var(k)
            .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    })
}

/// The running demo server: its base URL and the password printed for [`USER`].
struct Demo {
    base: String,
    password: String,
    _server: ChildGuard,
    _dir: tempfile::TempDir,
}

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
    let mut password = None;
    while base.is_none() || password.is_none() {
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
        if fields.len() == 3 && fields[0] == USER {
            password = Some(fields[1].to_string());
        }
    }
    Demo {
        base: base.unwrap(),
        password: password.unwrap(),
        _server: server,
        _dir: dir,
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

fn screenshot_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn a_person_logs_in_and_sees_the_unit_its_execution_against_schedule_and_its_indicators() {
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
    browser.goto(&format!("{}/", demo.base));

    // The page is in Chinese.
    let page = browser.wait_for(
        "the page heading",
        "const h = document.querySelector('h1'); \
         return h ? {lang: document.documentElement.lang, title: document.title, h1: h.innerText} : null;",
        json!([]),
    );
    assert!(
        page["lang"].as_str().unwrap_or_default().starts_with("zh"),
        "the page must declare Chinese: {page}"
    );
    let h1 = page["h1"].as_str().unwrap_or_default();
    assert!(
        cjk_count(page["title"].as_str().unwrap_or_default()) >= 2,
        "{page}"
    );
    assert!(
        cjk_count(h1) >= 2 && cjk_count(h1) > h1.chars().filter(char::is_ascii_alphabetic).count(),
        "the heading must be Chinese: {page}"
    );

    let username = browser.find(
        "the user name field",
        &[
            "input[name=username]",
            "input[autocomplete=username]",
            "#username",
        ],
    );
    let password = browser.find("the password field", &["input[type=password]"]);
    let submit = browser.find(
        "the login button",
        &[
            "form button[type=submit]",
            "form input[type=submit]",
            "form button",
        ],
    );

    // A wrong password: a Chinese error, and nothing of the unit is shown.
    browser.type_into(&username, USER);
    browser.type_into(&password, "not-the-password");
    browser.click(&submit);
    let error = browser.wait_for(
        "the login error message",
        "const e = document.querySelector('[role=alert], #error, .error'); \
         const t = e ? e.innerText.trim() : ''; return t.length > 0 ? t : null;",
        json!([]),
    );
    let error = error.as_str().unwrap_or_default();
    assert!(
        error.contains("密码") && cjk_count(error) >= 4,
        "a wrong password must be explained in Chinese, got {error:?}"
    );
    assert!(
        !browser.page_text().contains(UNIT_NAME),
        "a failed login must show no unit data"
    );

    // The right password (as printed by serve --demo).
    browser.type_into(&password, &demo.password);
    browser.click(&submit);

    // What the service computes, to compare the page against.
    let token: Value = ureq::post(format!("{}/api/v1/auth/token", demo.base))
        .send_json(json!({"username": USER, "password": demo.password}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let units = api_get(&demo.base, "/api/v1/units", token);
    let unit = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_name"] == UNIT_NAME)
        .unwrap_or_else(|| panic!("the demo has no unit {UNIT_NAME}: {units}"));
    let indicators = api_get(
        &demo.base,
        &format!(
            "/api/v1/units/{}/years/{}/indicators",
            unit["unit"].as_str().unwrap(),
            unit["fiscal_year"]
        ),
        token,
    );
    let indicator = indicators
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == INDICATOR)
        .unwrap_or_else(|| panic!("the demo has no indicator {INDICATOR}: {indicators}"));

    // The unit is listed with its execution rate against 序时进度, in its warning colour.
    let row = browser.wait_for(
        "the unit in a table with 序时进度",
        ROW_SCRIPT,
        json!([UNIT_NAME, "序时进度"]),
    );
    let text = row_text(&row);
    let headers = row["headers"].to_string();
    assert!(headers.contains("执行率"), "headers: {headers}");
    let rate = format!("{}%", unit["rate_percent"].as_str().unwrap());
    let schedule = format!("{}%", unit["schedule_progress_percent"].as_str().unwrap());
    assert!(
        text.contains(&rate),
        "execution rate {rate} not shown: {text}"
    );
    assert!(
        text.contains(&schedule),
        "序时进度 {schedule} not shown: {text}"
    );
    let colour = unit["colour"].as_str().unwrap();
    assert_eq!(
        row_hues(&row),
        vec![colour],
        "the unit row must be painted {colour} only: {row}"
    );
    browser.screenshot(&screenshot_path("browser-units.png"));

    // Opening the unit (if the page lists units as links) shows the project's indicators.
    if row["clickable"] == true {
        let link = browser.find_with(
            "the unit's link",
            "for (const r of document.querySelectorAll('tr')) { \
               if (!r.innerText.includes(arguments[0])) continue; \
               const e = r.querySelector('a[href], button, [role=button], [onclick]'); \
               if (e) return e; } return null;",
            json!([UNIT_NAME]),
        );
        browser.click(&link);
    }
    let row = browser.wait_for(
        "the indicator row",
        ROW_SCRIPT,
        json!([INDICATOR, Value::Null]),
    );
    let text = row_text(&row);
    for field in ["target_text", "actual_text"] {
        let shown = indicator[field].as_str().unwrap();
        assert!(
            text.contains(shown),
            "{INDICATOR} must show {field} {shown}: {text}"
        );
    }
    let colour = indicator["progress"]["colour"].as_str().unwrap();
    assert_eq!(
        row_hues(&row),
        vec![colour],
        "{INDICATOR} must be painted {colour} only: {row}"
    );
    browser.eval(
        "for (const r of document.querySelectorAll('tr')) \
         if (r.innerText.includes(arguments[0])) { r.scrollIntoView({block: 'center'}); break; }",
        json!([INDICATOR]),
    );
    let shot = screenshot_path("browser-indicators.png");
    browser.screenshot(&shot);
    drop(browser);
    eprintln!(
        "browser test passed in {:.1} s; screenshots: {} and browser-units.png",
        started.elapsed().as_secs_f64(),
        shot.display()
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
