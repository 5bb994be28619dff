//! W1 and W2 over HTTP: the real API (`jixiao_api::build`) on 127.0.0.1:0 over a temporary
//! database, the 焦作 budget imported once per unit (unit code rewritten), one staff user and
//! token per unit, then single-payment `POST …/payments` requests from one client (W1) or from
//! one thread per unit (W2). Bounded in count; loopback only; the server stops at the end.

use crate::stats::{Latencies, ms};
use crate::workloads::{
    Bench, Measured, Report, Verdict, W2_TARGET_EVENTS_PER_S, W2_TARGET_P99_US, print_header,
};
use anyhow::{Context, Result, anyhow, ensure};
use jixiao_api::ApiConfig;
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_store::users::Role;
use jixiao_store::{Store, StoreOptions, Synchronous};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Fiscal year the payments are recorded in (the fixture's year).
pub const YEAR: i32 = 2024;
/// The fixture's project line every payment is charged to.
pub const PAYMENT_LINE: &str = "P-41080024000000053204-30201";
/// Most requests per client (keeps a run bounded in time and budget).
pub const REQUESTS_PER_CLIENT_MAX: u64 = 100_000;
/// Most concurrent clients (one unit each).
pub const HTTP_CLIENTS_MAX: usize = 256;
/// Most server worker threads.
pub const WORKERS_MAX: usize = 64;
/// W1 target over HTTP: p99 per request.
pub const W1_TARGET_P99_US: u64 = 5_000;
/// Every bench user's password (a temporary database, removed afterwards).
const PASSWORD: &str = "bench-password-123";
/// Per-request timeout: a stuck server fails the run instead of hanging it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The code of the `i`-th bench unit: six digits starting with 8 (the fixture's own is 261301).
pub fn unit_code(i: usize) -> String {
    format!("8{:05}", i % 100_000)
}

/// The 焦作 fixture as the import endpoint's JSON body, with the unit code replaced.
pub fn import_body_for(unit: &str) -> Result<Value> {
    let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML)
        .map_err(|e| anyhow!("读取焦作样例失败 (fixture): {e:?}"))?;
    let text = import
        .to_json_string()
        .map_err(|e| anyhow!("样例转 JSON 失败 (fixture to JSON): {e:?}"))?;
    let mut body: Value = serde_json::from_str(&text)?;
    let code = body
        .get_mut("unit")
        .and_then(|u| u.get_mut("code"))
        .ok_or_else(|| anyhow!("样例缺少 unit.code (fixture has no unit.code)"))?;
    *code = Value::String(unit.to_string());
    Ok(body)
}

/// A UUIDv7 (time-ordered) event id, as docs/api.md asks clients to send: the current Unix
/// time in milliseconds, then random bits.
pub fn client_event_id() -> Uuid {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let random = Uuid::new_v4();
    let mut bytes = [0u8; 10];
    bytes.copy_from_slice(&random.as_bytes()[..10]);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

/// The body of the `n`-th payment: one yuan, on a day of 2024 that cycles through the year.
pub fn payment_body(n: u64) -> Value {
    let month = 1 + n % 12;
    let day = 1 + (n / 12) % 28;
    json!({
        "event_id": client_event_id(),
        "paid_on": format!("{YEAR}-{month:02}-{day:02}"),
        "line_id": PAYMENT_LINE,
        "amount_yuan": "1.00",
        "summary": "基准测试 (bench)",
    })
}

/// A running server and the tokens of its unit users.
struct Server {
    address: SocketAddr,
    tokens: Vec<(String, String)>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into()
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<(u16, String)> {
    let mut req = agent.post(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut res = req.send_json(body).context("HTTP 请求失败 (request)")?;
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    Ok((status, text))
}

impl Server {
    /// Starts the API with `workers` workers over a fresh database in `b.dir`, imports the
    /// budget of `units` units through the API and logs in one staff user per unit.
    fn start(b: &Bench, units: usize, workers: usize) -> Result<Server> {
        ensure!(
            (1..=WORKERS_MAX).contains(&workers),
            "工作线程数应在 1 到 {WORKERS_MAX} 之间 (workers out of range)"
        );
        let dir = tempfile::tempdir_in(&b.dir)?;
        let mut options = StoreOptions::new(dir.path().join("http.db"));
        options.synchronous = match b.sync {
            crate::raw::Sync::Full => Synchronous::Full,
            crate::raw::Sync::Normal => Synchronous::Normal,
        };
        let store = Store::open(options).context("打开事件库失败 (open store)")?;
        let codes: Vec<String> = (0..units).map(unit_code).collect();
        {
            let users = store.users()?;
            users.add("admin", PASSWORD, Role::Admin, None)?;
            for code in &codes {
                users.add(&format!("staff{code}"), PASSWORD, Role::Staff, Some(code))?;
            }
        }
        let mut config = ApiConfig::for_tests();
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config.workers = Some(workers);
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match jixiao_api::build(config, store) {
                    Ok((server, address)) => {
                        let _ = tx.send(Ok((address, server.handle())));
                        let _ = server.await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })
        });
        let (address, handle) = rx
            .recv()
            .context("服务未启动 (server thread ended)")?
            .context("服务启动失败 (build)")?;
        let mut server = Server {
            address,
            tokens: Vec::new(),
            handle,
            thread: Some(thread),
            _dir: dir,
        };
        let a = agent();
        let admin = server.login(&a, "admin")?;
        for code in &codes {
            let url = server.url(&format!(
                "/api/v1/units/{code}/years/{YEAR}/import?event_id={}",
                Uuid::new_v4()
            ));
            let (status, text) = post(&a, &url, Some(&admin), &import_body_for(code)?)?;
            ensure!(status == 201, "导入预算失败 (import) {status}: {text}");
            let token = server.login(&a, &format!("staff{code}"))?;
            server.tokens.push((code.clone(), token));
        }
        Ok(server)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    fn login(&self, a: &ureq::Agent, name: &str) -> Result<String> {
        let (status, text) = post(
            a,
            &self.url("/api/v1/auth/token"),
            None,
            &json!({"username": name, "password": PASSWORD}),
        )?;
        ensure!(status == 200, "登录失败 (login) {status}: {text}");
        let v: Value = serde_json::from_str(&text)?;
        v["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("登录应答缺少令牌 (no access_token)"))
    }

    /// Stops the server and waits for its thread.
    fn stop(mut self) {
        // Graceful stop: in-flight requests finish; the thread then leaves block_on.
        futures_stop(&self.handle);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Asks the server to stop and blocks until it has.
fn futures_stop(handle: &actix_web::dev::ServerHandle) {
    actix_web::rt::System::new().block_on(handle.stop(true));
}

/// One client's run: `requests` single-payment requests for `unit`, each timed.
fn client_run(address: SocketAddr, unit: &str, token: &str, requests: u64) -> Result<Latencies> {
    let a = agent();
    let url = format!("http://{address}/api/v1/units/{unit}/years/{YEAR}/payments");
    let mut lat = Latencies::new();
    for n in 0..requests {
        let body = payment_body(n);
        let t = Instant::now();
        let (status, text) = post(&a, &url, Some(token), &body)?;
        lat.record(t.elapsed());
        ensure!(status == 201, "记录支付失败 (payment) {status}: {text}");
    }
    Ok(lat)
}

fn check_requests(requests: u64) -> Result<()> {
    ensure!(
        (1..=REQUESTS_PER_CLIENT_MAX).contains(&requests),
        "请求数应在 1 到 {REQUESTS_PER_CLIENT_MAX} 之间 (requests out of range)"
    );
    Ok(())
}

/// W1 over HTTP: one client, one payment per request, `requests` requests.
pub fn http_w1(b: &Bench, requests: u64, workers: usize) -> Result<Report> {
    check_requests(requests)?;
    let server = Server::start(b, 1, workers)?;
    print_header(&format!(
        "W1 over HTTP: one client, one payment per POST, {workers} actix workers — {requests} requests"
    ));
    let (unit, token) = server.tokens[0].clone();
    let start = Instant::now();
    let result = client_run(server.address, &unit, &token, requests);
    let elapsed = start.elapsed();
    server.stop();
    let lat = result?;
    let mut report = Report::default();
    let line = report
        .line(Measured {
            label: "HTTP POST …/payments (1 client)".into(),
            events: requests,
            elapsed,
            latency: lat.summary(),
        })
        .clone();
    if let Some(s) = line.latency {
        report.verdict(Verdict {
            workload: "W1 HTTP",
            metric: "p99".into(),
            value: format!("{} ms", ms(s.p99_us)),
            target: format!("≤ {} ms", ms(W1_TARGET_P99_US)),
            met: s.p99_us <= W1_TARGET_P99_US,
        });
    }
    Ok(report)
}

/// W2 over HTTP: `clients` threads, each its own unit, `per_client` payments one per request.
pub fn http_w2(b: &Bench, clients: usize, per_client: u64, workers: usize) -> Result<Report> {
    ensure!(
        (1..=HTTP_CLIENTS_MAX).contains(&clients),
        "客户端数应在 1 到 {HTTP_CLIENTS_MAX} 之间 (clients out of range)"
    );
    check_requests(per_client)?;
    let server = Server::start(b, clients, workers)?;
    print_header(&format!(
        "W2 over HTTP: {clients} clients (one unit each), one payment per POST, {workers} actix workers — {per_client} requests each"
    ));
    let start = Instant::now();
    let results: Vec<Result<Latencies>> = std::thread::scope(|s| {
        let handles: Vec<_> = server
            .tokens
            .iter()
            .map(|(unit, token)| {
                let address = server.address;
                s.spawn(move || client_run(address, unit, token, per_client))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("客户端线程崩溃 (client panicked)")))
            })
            .collect()
    });
    let elapsed = start.elapsed();
    server.stop();
    let mut lat = Latencies::new();
    for r in results {
        lat.merge(r?);
    }
    let events = per_client * clients as u64;
    let mut report = Report::default();
    let line = report
        .line(Measured {
            label: format!("HTTP POST …/payments ({clients} clients)"),
            events,
            elapsed,
            latency: lat.summary(),
        })
        .clone();
    report.verdict(Verdict {
        workload: "W2 HTTP",
        metric: "events/s".into(),
        value: format!("{:.0}", line.rate()),
        target: format!("≥ {W2_TARGET_EVENTS_PER_S:.0}"),
        met: line.rate() >= W2_TARGET_EVENTS_PER_S,
    });
    if let Some(s) = line.latency {
        report.verdict(Verdict {
            workload: "W2 HTTP",
            metric: "p99".into(),
            value: format!("{} ms", ms(s.p99_us)),
            target: format!("≤ {} ms", ms(W2_TARGET_P99_US)),
            met: s.p99_us <= W2_TARGET_P99_US,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bench_unit_gets_its_own_six_digit_code() {
        let codes: std::collections::HashSet<String> = (0..64).map(unit_code).collect();
        assert_eq!(codes.len(), 64);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.chars().all(|ch| ch.is_ascii_digit()))
        );
        assert!(!codes.contains("261301"));
    }

    #[test]
    fn the_import_body_names_the_bench_unit_and_keeps_the_fixture_lines() {
        let body = import_body_for("800007").unwrap();
        assert_eq!(body["unit"]["code"], "800007");
        let lines = body["lines"].as_array().unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l.to_string().contains("41080024000000053204"))
        );
    }

    #[test]
    fn payment_bodies_carry_fresh_event_ids_and_valid_2024_dates() {
        let a = payment_body(0);
        let b = payment_body(0);
        assert_ne!(a["event_id"], b["event_id"]);
        for n in 0..400 {
            let d = payment_body(n)["paid_on"].as_str().unwrap().to_string();
            assert!(
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_ok(),
                "{d}"
            );
            assert!(d.starts_with("2024-"));
        }
    }
}
