//! A minimal W3C WebDriver client for the browser test: it starts `chromedriver` on a free
//! local port, opens one headless Chromium session and speaks the protocol over plain HTTP
//! with `ureq` (no async runtime, no webdriver crate). Every request and every wait is bounded
//! by the test's [`Deadline`]; dropping the [`Browser`] ends the session (Chromium quits) and
//! kills chromedriver, so nothing outlives the test.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest single WebDriver request (a navigation or a session start can take a few seconds).
const REQUEST_MAX: Duration = Duration::from_secs(20);
/// Pause between two polls of a condition in the page.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// Largest response body read (a full-window PNG screenshot in base64 is well under this).
const BODY_MAX_BYTES: u64 = 32 * 1024 * 1024;
/// How long `Drop` waits for the session to close before killing chromedriver anyway.
const QUIT_MAX: Duration = Duration::from_secs(5);
/// The W3C key under which an element reference is returned.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium switches for a quiet, sandbox-free, offline headless run in a container.
const CHROMIUM_ARGS: [&str; 11] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--window-size=1280,1400",
];

/// A point in time every wait of the test must finish by.
#[derive(Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(budget: Duration) -> Self {
        Deadline(Instant::now() + budget)
    }

    /// Time left, or a panic naming what was being waited for once it is used up.
    pub fn left(&self, what: &str) -> Duration {
        let left = self.0.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "the browser test ran out of time while {what}"
        );
        left
    }
}

/// Kills and reaps a child process when dropped, however the test ends.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first of `names` found as an executable file on `PATH` (or given as an absolute path).
pub fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        let direct = Path::new(name);
        if direct.is_absolute() {
            return direct.is_file().then(|| direct.to_path_buf());
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// A port nobody listens on right now (the OS picks it; the tiny race until chromedriver binds
/// it is acceptable in a test).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
}

/// One headless Chromium session driven through chromedriver.
pub struct Browser {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`
    session: String,
    deadline: Deadline,
    // Dropped after `Drop::drop` has closed the session.
    _driver: ChildGuard,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Start chromedriver and open a session on `chromium` with a fresh profile directory.
    pub fn start(chromium: &Path, chromedriver: &Path, deadline: Deadline) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Everything here is on 127.0.0.1: never go through a proxy from the environment.
            .proxy(None)
            .build()
            .into();
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver");
        let driver = ChildGuard(driver);
        let root = format!("http://127.0.0.1:{port}");
        // chromedriver answers /status with ready=true once it accepts sessions.
        loop {
            let left = deadline.left("waiting for chromedriver to start");
            let ready = request(&agent, "GET", &format!("{root}/status"), None, left)
                .ok()
                .is_some_and(|(_, v)| v["value"]["ready"] == true);
            if ready {
                break;
            }
            std::thread::sleep(POLL_EVERY);
        }
        let profile = tempfile::tempdir().expect("no temporary directory for the profile");
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium.display().to_string(),
                        "args": args,
                    }
                }
            }
        });
        let left = deadline.left("starting Chromium");
        let (status, body) = request(
            &agent,
            "POST",
            &format!("{root}/session"),
            Some(&capabilities),
            left,
        )
        .unwrap_or_else(|e| panic!("chromedriver did not answer the new session: {e}"));
        let id = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("Chromium did not start (HTTP {status}): {body}"))
            .to_string();
        let browser = Browser {
            agent,
            session: format!("{root}/session/{id}"),
            deadline,
            _driver: driver,
            _profile: profile,
        };
        browser.command(
            "POST",
            "/timeouts",
            Some(json!({"pageLoad": 20_000, "script": 10_000, "implicit": 0})),
        );
        browser
    }

    /// One WebDriver command on this session; returns its `value`, panics on a WebDriver error.
    pub fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        let left = self.deadline.left(&what).min(REQUEST_MAX);
        let url = format!("{}{path}", self.session);
        let (status, mut reply) = request(&self.agent, method, &url, body.as_ref(), left)
            .unwrap_or_else(|e| panic!("WebDriver {what} failed: {e}"));
        assert!(
            (200..300).contains(&status),
            "WebDriver {what} answered HTTP {status}: {reply}"
        );
        reply["value"].take()
    }

    /// Load `url` and wait for the document to be ready.
    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })));
    }

    /// Run `script` (a function body using `arguments`) in the page and return its result.
    pub fn eval(&self, script: &str, args: Value) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Poll `script` until it returns something other than null/false, or fail with `what`.
    pub fn wait_for(&self, what: &str, script: &str, args: Value) -> Value {
        loop {
            let value = self.eval(script, args.clone());
            if !value.is_null() && value != false {
                return value;
            }
            if self.deadline.0 <= Instant::now() + POLL_EVERY {
                panic!(
                    "timed out waiting for {what}; the page shows:\n{}",
                    self.page_text()
                );
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// The visible text of the page (for failure messages), at most a few thousand characters.
    pub fn page_text(&self) -> String {
        let text = self.eval(
            "return document.body ? document.body.innerText : '';",
            json!([]),
        );
        text.as_str()
            .unwrap_or_default()
            .chars()
            .take(3000)
            .collect()
    }

    /// The first element matching one of the CSS `selectors`, waiting for it to appear.
    pub fn find(&self, what: &str, selectors: &[&str]) -> Element {
        let script = "for (const s of arguments[0]) { const e = document.querySelector(s); \
                      if (e && e.offsetParent !== null) return e; } return null;";
        self.find_with(what, script, json!([selectors]))
    }

    /// The element `script` returns, waiting until it returns one.
    pub fn find_with(&self, what: &str, script: &str, args: Value) -> Element {
        let found = self.wait_for(what, script, args);
        let id = found[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: not an element reference: {found}"))
            .to_string();
        Element(id)
    }

    /// Replace the text of an input field, as a person would by clearing it and typing.
    pub fn type_into(&self, field: &Element, text: &str) {
        self.command("POST", &format!("/element/{}/clear", field.0), None);
        self.command(
            "POST",
            &format!("/element/{}/value", field.0),
            Some(json!({ "text": text })),
        );
    }

    /// A real mouse click on the element (WebDriver scrolls it into view first).
    pub fn click(&self, element: &Element) {
        self.command("POST", &format!("/element/{}/click", element.0), None);
    }

    /// Resize the window (the viewport a person has, e.g. 1366×768).
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.command(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// A PNG screenshot of the window, written to `path`.
    pub fn screenshot(&self, path: &Path) {
        let encoded = self.command("GET", "/screenshot", None);
        let png = base64_decode(encoded.as_str().unwrap_or_default())
            .expect("the screenshot is not valid base64");
        assert!(
            png.starts_with(b"\x89PNG"),
            "the screenshot is not a PNG image"
        );
        std::fs::write(path, png).expect("cannot write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the session makes chromedriver quit Chromium and its helpers; killing
        // chromedriver alone could leave them running.
        let _ = request(&self.agent, "DELETE", &self.session, None, QUIT_MAX);
    }
}

/// A reference to an element of the current page.
pub struct Element(String);

/// One HTTP exchange with chromedriver: (status, JSON body).
fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<(u16, Value), ureq::Error> {
    let mut response = match method {
        "GET" => agent
            .get(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call()?,
        "DELETE" => agent
            .delete(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call()?,
        _ => agent
            .post(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send_json(body.cloned().unwrap_or_else(|| json!({})))?,
    };
    let status = response.status().as_u16();
    let value = response
        .body_mut()
        .with_config()
        .limit(BODY_MAX_BYTES)
        .read_json()?;
    Ok((status, value))
}

/// Standard base64 (RFC 4648, with padding) to bytes; `None` on a character outside the
/// alphabet. Small enough that the test needs no base64 crate.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= sextet(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        // n sextets carry n*6 bits: 2 → 1 byte, 3 → 2 bytes, 4 → 3 bytes.
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[test]
fn base64_decoding_round_trips_the_rfc_4648_examples() {
    for (encoded, plain) in [
        ("", ""),
        ("Zg==", "f"),
        ("Zm8=", "fo"),
        ("Zm9v", "foo"),
        ("Zm9vYg==", "foob"),
        ("Zm9vYmE=", "fooba"),
        ("Zm9vYmFy", "foobar"),
    ] {
        assert_eq!(base64_decode(encoded).as_deref(), Some(plain.as_bytes()));
    }
    assert_eq!(base64_decode("Zm9v!"), None);
}
