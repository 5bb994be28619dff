//! W1 and W2 over HTTP: the real API (`jixiao_api::build`) on 127.0.0.1:0 over a temporary
//! database, then single-payment `POST …/payments` requests from one client (W1) or from many
//! client threads over many units (W2), with reader threads fetching the indicators and
//! evaluation views of random units under the same load. Bounded in count; loopback only; the
//! server stops at the end.
//!
//! Setup is not what is measured, so it takes the short way: each unit's budget and targets
//! (the 焦作 fixture, unit code rewritten) are appended in-process to the store before the
//! server starts — the same two events `POST …/import` records — and the bearer tokens are
//! minted with the server's signing key instead of logging in (argon2 would cost seconds per
//! thousand units). Every timed request goes through HTTP.
//!
//! The client is [`crate::wire`] by default — one keep-alive connection per client thread,
//! every payment request prepared as bytes before the clock starts — or `ureq` with keep-alive
//! (`--client ureq`, the JSON body serialised per request; what earlier rounds measured with).
//! [`client_cost`] measures what the chosen client costs per request against a canned local
//! responder, so a reader can tell the client's share from the server's.

use crate::generate::Rng;
use crate::stats::{Latencies, Summary, ms};
use crate::wire::{self, ClientKind};
use crate::workloads::{self, Bench, Measured, Report, Verdict, W2_TARGET_P99_US, print_header};
use anyhow::{Context, Result, anyhow, ensure};
use chrono::NaiveDate;
use jixiao_api::ApiConfig;
use jixiao_api::auth::JwtKeys;
use jixiao_domain::aggregate::{Command, Context as DomainContext, RecordPayment, UnitYear};
use jixiao_domain::budget::LineId;
use jixiao_domain::event::Event;
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::users::{Role, User};
use jixiao_store::{EventMeta, ExpectedVersion, NewEvent, Store, StreamId};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Fiscal year the payments are recorded in (the fixture's year).
pub const YEAR: i32 = 2024;
/// The fixture's project line every payment is charged to.
pub const PAYMENT_LINE: &str = "P-410800240000000053204-30201";
/// Most requests per client (keeps a run bounded in time and budget).
pub const REQUESTS_PER_CLIENT_MAX: u64 = 100_000;
/// Most concurrent clients.
pub const HTTP_CLIENTS_MAX: usize = 256;
/// Most units a server is set up with (W2's target scale is 10,000).
pub const UNITS_MAX: usize = 20_000;
/// Most reader threads beside the writers.
pub const READERS_MAX: usize = 64;
/// Most reads one reader makes (the readers stop when the writers finish, or here).
pub const READS_PER_READER_MAX: u64 = 1_000_000;
/// Most server worker threads.
pub const WORKERS_MAX: usize = 64;
/// W1 target over HTTP: p99 per request.
pub const W1_TARGET_P99_US: u64 = 5_000;
/// W2 target over HTTP: at least this share of the in-process store's rate in the same run.
pub const W2_HTTP_TARGET_SHARE: f64 = 0.5;
/// Reads under W2's load: p99 of `GET …/indicators` and `GET …/evaluation`.
pub const READ_TARGET_P99_US: u64 = 10_000;
/// Requests of the client-cost probe.
pub const CLIENT_COST_REQUESTS: u64 = 2_000;
/// Per-request timeout: a stuck server fails the run instead of hanging it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Threads appending the units' budgets at setup (the store's group commit shares the fsyncs).
const SEED_THREADS: usize = 16;
/// Longest request head the client-cost responder accepts.
const PROBE_HEAD_BYTES_MAX: usize = 64 * 1024;

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

/// The events `POST …/import` records for the fixture (`BudgetApproved`, then the
/// `TargetsApproved` of the unit and of each project), with the unit code replaced.
pub fn import_events_for(unit: &str) -> Result<Vec<Event>> {
    let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML)
        .map_err(|e| anyhow!("读取焦作样例失败 (fixture): {e:?}"))?;
    let mut events = import
        .into_events()
        .map_err(|e| anyhow!("样例转事件失败 (fixture to events): {e:?}"))?;
    for e in &mut events {
        if let Event::BudgetApproved(b) = e {
            b.unit.code = unit.to_string();
        }
    }
    Ok(events)
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

/// The path of a unit-year resource (`payments`, `indicators`, …).
pub fn unit_path(unit: &str, tail: &str) -> String {
    format!("/api/v1/units/{unit}/years/{YEAR}/{tail}")
}

/// A running server and the bearer tokens of its units.
pub(crate) struct Server {
    /// Where it listens.
    pub address: SocketAddr,
    /// (unit code, staff token of that unit), one per unit.
    pub tokens: Vec<(String, String)>,
    /// A finance-bureau token: reads every unit.
    pub reader_token: String,
    /// The server's store (its writer's counters).
    pub store: Store,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The database (a PostgreSQL one is dropped with this, after the server stopped).
    _db: workloads::Db,
    _dir: tempfile::TempDir,
}

/// A client with keep-alive that reports every status instead of failing on 4xx/5xx.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into()
}

/// POSTs `body` as JSON; the status and the answer's text.
pub(crate) fn post(
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

/// GETs `url`; the status and the body's length in bytes (the body is read whole).
pub(crate) fn get(agent: &ureq::Agent, url: &str, token: &str) -> Result<(u16, usize)> {
    let mut res = agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .context("HTTP 请求失败 (request)")?;
    let status = res.status().as_u16();
    let mut body = Vec::new();
    res.body_mut()
        .as_reader()
        .read_to_end(&mut body)
        .context("读取应答失败 (response body)")?;
    Ok((status, body.len()))
}

/// Appends each unit's budget and targets to `store`, `SEED_THREADS` units at a time.
pub(crate) fn seed_budgets(store: &Store, codes: &[String], seed: u64) -> Result<()> {
    let template = import_events_for("000000")?;
    let chunk = codes.len().div_ceil(SEED_THREADS).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = codes
            .chunks(chunk)
            .enumerate()
            .map(|(t, part)| {
                let template = &template;
                s.spawn(move || -> Result<()> {
                    let mut rng = Rng::new(seed ^ ((t as u64 + 1) << 40));
                    for code in part {
                        let events = template
                            .iter()
                            .map(|e| {
                                let mut e = e.clone();
                                if let Event::BudgetApproved(b) = &mut e {
                                    b.unit.code = code.clone();
                                }
                                let id = Uuid::from_u64_pair(rng.next_u64(), rng.next_u64());
                                NewEvent::new(
                                    id,
                                    e,
                                    EventMeta {
                                        actor: "bench-import".into(),
                                        request_id: "bench-setup".into(),
                                        recorded_at: None,
                                    },
                                )
                                .context("构造事件失败 (build event)")
                            })
                            .collect::<Result<Vec<_>>>()?;
                        store
                            .append(
                                StreamId::new(code.clone(), YEAR),
                                ExpectedVersion::NoStream,
                                events,
                            )
                            .with_context(|| format!("导入预算失败 (seed {code})"))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow!("导入线程崩溃 (seed thread panicked)")))
        })
    })
}

/// A token for `role` (and `unit`), signed with the server's key as a login would issue it.
fn mint(keys: &JwtKeys, name: String, role: Role, unit: Option<String>) -> Result<String> {
    let now = chrono::Utc::now();
    keys.issue(&User {
        name,
        role,
        unit,
        created_at: now,
        updated_at: now,
    })
    .map_err(|e| anyhow!("签发令牌失败 (mint token): {e}"))
}

impl Server {
    /// Starts the API with `workers` workers over a fresh database in `b.dir` holding the
    /// budget of `units` units, with one staff token per unit and a finance token.
    pub(crate) fn start(b: &Bench, units: usize, workers: usize) -> Result<Server> {
        ensure!(
            (1..=WORKERS_MAX).contains(&workers),
            "工作线程数应在 1 到 {WORKERS_MAX} 之间 (workers out of range)"
        );
        ensure!(
            (1..=UNITS_MAX).contains(&units),
            "单位数应在 1 到 {UNITS_MAX} 之间 (units out of range)"
        );
        let dir = tempfile::tempdir_in(&b.dir)?;
        let db = b.db(dir.path().join("http.db"))?;
        let store = Store::open(db.store_options(b.sync)).context("打开事件库失败 (open store)")?;
        let codes: Vec<String> = (0..units).map(unit_code).collect();
        let t = Instant::now();
        seed_budgets(&store, &codes, b.seed)?;
        println!(
            "  setup: budgets of {units} units appended in-process in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let mut config = ApiConfig::for_tests();
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config.workers = Some(workers);
        let keys = JwtKeys::new(&config.jwt);
        let tokens = codes
            .iter()
            .map(|c| {
                let token = mint(&keys, format!("staff{c}"), Role::Staff, Some(c.clone()))?;
                Ok((c.clone(), token))
            })
            .collect::<Result<Vec<_>>>()?;
        let reader_token = mint(&keys, "finance".into(), Role::Finance, None)?;
        let (tx, rx) = mpsc::channel();
        let counted = store.clone();
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
        Ok(Server {
            address,
            tokens,
            reader_token,
            store: counted,
            handle,
            thread: Some(thread),
            _db: db,
            _dir: dir,
        })
    }

    /// The URL of `path` on this server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// Stops the server and waits for its thread.
    pub(crate) fn stop(mut self) {
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

/// One writer's requests with the prepared-bytes client: payment `n` to unit `n mod units`,
/// as bytes (built before the clock starts).
fn prepare_payments(
    address: SocketAddr,
    units: &[(&str, &str)],
    requests: u64,
) -> Result<Vec<Vec<u8>>> {
    ensure!(!units.is_empty(), "客户端没有单位 (client without units)");
    let paths: Vec<String> = units
        .iter()
        .map(|(unit, _)| unit_path(unit, "payments"))
        .collect();
    (0..requests)
        .map(|n| {
            let i = (n % units.len() as u64) as usize;
            let body = serde_json::to_vec(&payment_body(n))?;
            Ok(wire::post_request(address, &paths[i], units[i].1, &body))
        })
        .collect()
}

/// A writer's work: with `ureq`, the units it cycles through (bodies built per request);
/// with the prepared-bytes client, its requests.
enum Payments<'a> {
    Ureq(Vec<(&'a str, &'a str)>, u64),
    Raw(Vec<Vec<u8>>),
}

impl<'a> Payments<'a> {
    /// `requests` payments cycling through `units` (unit code, token), for `client`.
    fn new(
        client: ClientKind,
        address: SocketAddr,
        units: Vec<(&'a str, &'a str)>,
        requests: u64,
    ) -> Result<Self> {
        ensure!(!units.is_empty(), "客户端没有单位 (client without units)");
        Ok(match client {
            ClientKind::Ureq => Payments::Ureq(units, requests),
            ClientKind::Raw => Payments::Raw(prepare_payments(address, &units, requests)?),
        })
    }
}

/// One writer's run with the prepared-bytes client: `requests` single-payment requests,
/// cycling through `units` (unit code, token), each timed.
pub(crate) fn writer_run_units(
    address: SocketAddr,
    units: &[(&str, &str)],
    requests: u64,
) -> Result<Latencies> {
    let payments = Payments::new(ClientKind::Raw, address, units.to_vec(), requests)?;
    writer_run(address, &payments)
}

/// One writer's run: its single-payment requests, each timed.
fn writer_run(address: SocketAddr, payments: &Payments<'_>) -> Result<Latencies> {
    let mut lat = Latencies::new();
    match payments {
        Payments::Ureq(units, requests) => {
            let a = agent();
            let urls: Vec<String> = units
                .iter()
                .map(|(unit, _)| format!("http://{address}{}", unit_path(unit, "payments")))
                .collect();
            for n in 0..*requests {
                let i = (n % units.len() as u64) as usize;
                let body = payment_body(n);
                let t = Instant::now();
                let (status, text) = post(&a, &urls[i], Some(units[i].1), &body)?;
                lat.record(t.elapsed());
                ensure!(status == 201, "记录支付失败 (payment) {status}: {text}");
            }
        }
        Payments::Raw(requests) => {
            let mut conn = wire::Conn::new(address);
            for request in requests {
                let t = Instant::now();
                let status = conn.send(request)?;
                lat.record(t.elapsed());
                ensure!(
                    status == 201,
                    "记录支付失败 (payment) {status}: {}",
                    String::from_utf8_lossy(&conn.body)
                );
            }
        }
    }
    Ok(lat)
}

/// Latencies of the two views a reader fetches.
#[derive(Debug, Default)]
struct ReadLatencies {
    indicators: Latencies,
    evaluation: Latencies,
}

/// One reader's run until `stop`: the indicators then the evaluation of a random unit, timed.
fn reader_run(
    address: SocketAddr,
    token: &str,
    codes: &[String],
    seed: u64,
    stop: &AtomicBool,
    client: ClientKind,
) -> Result<ReadLatencies> {
    let a = agent();
    let mut conn = wire::Conn::new(address);
    let mut rng = Rng::new(seed);
    let mut out = ReadLatencies::default();
    let mut reads = 0;
    // At least one round, however fast the writers are.
    loop {
        let unit = &codes[rng.below(codes.len() as u64) as usize];
        for (view, lat) in [
            ("indicators", &mut out.indicators),
            ("evaluation", &mut out.evaluation),
        ] {
            let path = unit_path(unit, view);
            let status = match client {
                ClientKind::Ureq => {
                    let url = format!("http://{address}{path}");
                    let t = Instant::now();
                    let (status, _) = get(&a, &url, token)?;
                    lat.record(t.elapsed());
                    status
                }
                ClientKind::Raw => {
                    let request = wire::get_request(address, &path, token);
                    let t = Instant::now();
                    let status = conn.send(&request)?;
                    lat.record(t.elapsed());
                    status
                }
            };
            ensure!(status == 200, "读取{view}失败 (GET {view}) {status}");
            reads += 1;
        }
        if stop.load(Ordering::Relaxed) || reads >= READS_PER_READER_MAX {
            return Ok(out);
        }
    }
}

fn check_requests(requests: u64) -> Result<()> {
    ensure!(
        (1..=REQUESTS_PER_CLIENT_MAX).contains(&requests),
        "请求数应在 1 到 {REQUESTS_PER_CLIENT_MAX} 之间 (requests out of range)"
    );
    Ok(())
}

/// W1 over HTTP: one client, one payment per request, `requests` requests.
pub fn http_w1(b: &Bench, requests: u64, workers: usize, client: ClientKind) -> Result<Report> {
    check_requests(requests)?;
    print_header(&format!(
        "W1 over HTTP: one client ({client:?}), one payment per POST, {workers} actix workers — {requests} requests"
    ));
    let server = Server::start(b, 1, workers)?;
    let (unit, token) = server.tokens[0].clone();
    let payments = Payments::new(client, server.address, vec![(&unit, &token)], requests)?;
    let start = Instant::now();
    let result = writer_run(server.address, &payments);
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

/// W1 over HTTP, then the in-process store's W1 with as many events, in the same run.
pub fn http_w1_beside_store(
    b: &Bench,
    requests: u64,
    workers: usize,
    client: ClientKind,
) -> Result<Vec<Report>> {
    let http = http_w1(b, requests, workers, client)?;
    let store = workloads::w1(b, requests, 100)?;
    Ok(vec![http, store])
}

/// The shape of W2 over HTTP.
#[derive(Debug, Clone, Copy)]
pub struct HttpW2 {
    /// Concurrent writer clients.
    pub clients: usize,
    /// Payments each writer posts.
    pub per_client: u64,
    /// Units (each with its budget); writer `c` posts to units `c`, `c + clients`, ….
    pub units: usize,
    /// Reader threads fetching views of random units while the writers run (0: none).
    pub readers: usize,
    /// actix worker threads of the server.
    pub workers: usize,
    /// Load every unit-year into the server's memory before the clock starts (not timed), as
    /// a server that has been running would have them; false times the cold first touches.
    pub warm: bool,
    /// The client of the writers and readers.
    pub client: ClientKind,
}

/// Threads that warm the server up before W2's timed phase.
const WARM_THREADS: usize = 4;

/// GETs every URL of `urls` with `token` from [`WARM_THREADS`] threads, each answer 200: the
/// untimed warm-up of the HTTP workloads (each a unit's cheapest view, which loads its year).
pub(crate) fn warm_urls(urls: &[String], token: &str) -> Result<()> {
    let chunk = urls.len().div_ceil(WARM_THREADS).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || -> Result<()> {
                    let a = agent();
                    for url in part {
                        let (status, _) = get(&a, url, token)?;
                        ensure!(status == 200, "预热失败 (warm-up GET {url}) {status}");
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow!("预热线程崩溃 (warm-up thread panicked)")))
        })
    })
}

/// Loads every unit-year into the server's memory, untimed: one `GET …/execution` per unit
/// (the cheapest view; it reads the year from the log into the server's shared state), from
/// [`WARM_THREADS`] threads. What a server that has been running for a while has done already.
fn warm_up(server: &Server) -> Result<()> {
    let t = Instant::now();
    let rss_before = resident_bytes();
    let codes: Vec<&str> = server.tokens.iter().map(|(c, _)| c.as_str()).collect();
    let urls: Vec<String> = codes
        .iter()
        .map(|unit| server.url(&unit_path(unit, "execution")))
        .collect();
    warm_urls(&urls, &server.reader_token)?;
    println!(
        "  warm-up (not timed): {} unit-years loaded by the server in {:.1} s; resident memory {} → {} MiB",
        codes.len(),
        t.elapsed().as_secs_f64(),
        rss_before.map_or("?".into(), |b| (b >> 20).to_string()),
        resident_bytes().map_or("?".into(), |b| (b >> 20).to_string()),
    );
    Ok(())
}

/// This process's resident memory (Linux `/proc/self/status`), when it can be read.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// W2 over HTTP: `clients` writer threads over `units` units, one payment per request, and
/// `readers` threads reading the indicators and evaluation of random units meanwhile.
pub fn http_w2(b: &Bench, w: HttpW2) -> Result<Report> {
    let HttpW2 {
        clients,
        per_client,
        units,
        readers,
        workers,
        warm,
        client,
    } = w;
    ensure!(
        (1..=HTTP_CLIENTS_MAX).contains(&clients),
        "客户端数应在 1 到 {HTTP_CLIENTS_MAX} 之间 (clients out of range)"
    );
    ensure!(
        readers <= READERS_MAX,
        "读取线程数应不超过 {READERS_MAX} (readers out of range)"
    );
    check_requests(per_client)?;
    let units = units.max(clients);
    let temperature = if warm {
        "warm: every unit-year loaded before timing"
    } else {
        "cold: first touches timed"
    };
    print_header(&format!(
        "W2 over HTTP: {clients} clients ({client:?}) over {units} units, one payment per POST, {readers} readers of random units, {workers} actix workers, {temperature} — {per_client} requests each"
    ));
    let server = Server::start(b, units, workers)?;
    if warm {
        warm_up(&server)?;
    }
    let codes: Vec<String> = server.tokens.iter().map(|(c, _)| c.clone()).collect();
    // Writer c posts to units c, c + clients, … (prepared before the clock starts).
    let payments: Vec<Payments<'_>> = (0..clients)
        .map(|c| {
            let own: Vec<(&str, &str)> = server
                .tokens
                .iter()
                .skip(c)
                .step_by(clients)
                .map(|(u, t)| (u.as_str(), t.as_str()))
                .collect();
            Payments::new(client, server.address, own, per_client)
        })
        .collect::<Result<_>>()?;
    let stop = AtomicBool::new(false);
    let before = server.store.writer_stats();
    let start = Instant::now();
    let (writes, reads): (Vec<Result<Latencies>>, Vec<Result<ReadLatencies>>) =
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..readers)
                .map(|r| {
                    let (address, token, codes, stop) =
                        (server.address, &server.reader_token, &codes, &stop);
                    let seed = b.seed ^ ((r as u64 + 1) << 48);
                    s.spawn(move || reader_run(address, token, codes, seed, stop, client))
                })
                .collect();
            let writers: Vec<_> = payments
                .iter()
                .map(|p| {
                    let address = server.address;
                    s.spawn(move || writer_run(address, p))
                })
                .collect();
            let writes: Vec<_> = writers
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("客户端线程崩溃 (client panicked)")))
                })
                .collect();
            stop.store(true, Ordering::Relaxed);
            let reads = readers
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("读取线程崩溃 (reader panicked)")))
                })
                .collect();
            (writes, reads)
        });
    let elapsed = start.elapsed();
    let after = server.store.writer_stats();
    server.stop();
    let (groups, requests) = (
        after.groups_committed - before.groups_committed,
        after.requests - before.requests,
    );
    println!(
        "  server's writer: {groups} group commits for {requests} requests (mean {:.1} per commit)",
        requests as f64 / groups.max(1) as f64
    );
    let mut lat = Latencies::new();
    for r in writes {
        lat.merge(r?);
    }
    let mut read_lat = ReadLatencies::default();
    for r in reads {
        let r = r?;
        read_lat.indicators.merge(r.indicators);
        read_lat.evaluation.merge(r.evaluation);
    }
    let events = per_client * clients as u64;
    let mut report = Report::default();
    let label = if readers == 0 {
        format!("HTTP POST …/payments ({clients} clients)")
    } else {
        format!("HTTP POST …/payments ({clients} + {readers} readers)")
    };
    let line = report
        .line(Measured {
            label,
            events,
            elapsed,
            latency: lat.summary(),
        })
        .clone();
    // The writes' target is for the writers' workload alone (what the in-process store runs);
    // with readers beside them the writes are reported, the reads judged.
    if let Some(s) = line.latency.filter(|_| readers == 0) {
        report.verdict(Verdict {
            workload: "W2 HTTP",
            metric: "p99".into(),
            value: format!("{} ms", ms(s.p99_us)),
            target: format!("≤ {} ms", ms(W2_TARGET_P99_US)),
            met: s.p99_us <= W2_TARGET_P99_US,
        });
    }
    for (view, l) in [
        ("indicators", &read_lat.indicators),
        ("evaluation", &read_lat.evaluation),
    ] {
        let Some(s) = l.summary() else { continue };
        report.line(Measured {
            label: format!("HTTP GET …/{view} under load ({readers} readers)"),
            events: s.count as u64,
            elapsed,
            latency: Some(s),
        });
        report.verdict(Verdict {
            workload: "W2 HTTP",
            metric: format!("GET {view} p99 under load"),
            value: format!("{} ms", ms(s.p99_us)),
            target: format!("≤ {} ms", ms(READ_TARGET_P99_US)),
            met: s.p99_us <= READ_TARGET_P99_US,
        });
    }
    Ok(report)
}

/// The in-process store's W2, then W2 over HTTP with the same clients, events per client and
/// units in the same run; the HTTP report gains the verdict on the share of the store's rate.
///
/// With readers, the writers run twice on fresh servers: first alone — the workload the
/// in-process store runs, judged for p99 and share — then with the readers beside them, whose
/// reads are judged under that load (the writes' numbers of that phase are printed, not judged:
/// closed-loop readers take the server's CPU from the writers on a small machine).
pub fn http_w2_beside_store(b: &Bench, w: HttpW2) -> Result<Vec<Report>> {
    // The store first, on a quiet machine: right after an HTTP phase (a server and its 200 MB
    // database just stopped and removed) it measured 25–40 % below its steady rate.
    let store = workloads::w2(b, w.clients, w.per_client, w.units as u64)?;
    let same = w2_same_database(b, w)?;
    let mut http = http_w2(b, HttpW2 { readers: 0, ..w })?;
    if let (Some(h), Some(g)) = (http.lines.first(), store.lines.first()) {
        println!(
            "  HTTP / generic in-process W2 (fresh database, generated events): {:.0} / {:.0} events/s = {:.1}%",
            h.rate(),
            g.rate(),
            100.0 * h.rate() / g.rate().max(f64::MIN_POSITIVE)
        );
    }
    if let (Some(h), Some(s)) = (http.lines.first(), same.lines.first()) {
        let share = if s.rate() > 0.0 {
            h.rate() / s.rate()
        } else {
            0.0
        };
        println!(
            "  HTTP / in-process, same workload: {:.0} / {:.0} events/s = {:.1}%",
            h.rate(),
            s.rate(),
            share * 100.0
        );
        http.verdict(Verdict {
            workload: "W2 HTTP",
            metric: "events/s, share of in-process".into(),
            value: format!("{:.1}% ({:.0} of {:.0})", share * 100.0, h.rate(), s.rate()),
            target: format!("≥ {:.0}%", W2_HTTP_TARGET_SHARE * 100.0),
            met: share >= W2_HTTP_TARGET_SHARE,
        });
    }
    let mut reports = vec![http, same, store];
    if w.readers > 0 {
        reports.push(http_w2(b, w)?);
    }
    Ok(reports)
}

/// W2 in process on the HTTP run's database and events: the budgets of `units` units seeded
/// (untimed), then `clients` threads append the payments the HTTP writers post — each the event
/// the domain decides for that request, with the meta the server records, built before the
/// clock starts — to the same unit-years in the same order, one event per append with the
/// expected version the server sends. The store's rate for the same workload as HTTP W2.
pub fn w2_same_database(b: &Bench, w: HttpW2) -> Result<Report> {
    let HttpW2 {
        clients,
        per_client,
        units,
        ..
    } = w;
    let units = units.max(clients);
    print_header(&format!(
        "W2 in process, the HTTP workload: {clients} threads over {units} units with their budgets, the server's payment events, {} — {per_client} appends each",
        b.sync_label()
    ));
    let dir = tempfile::tempdir_in(&b.dir)?;
    let db = b.db(dir.path().join("same.db"))?;
    let store = Store::open(db.store_options(b.sync)).context("打开事件库失败 (open store)")?;
    let codes: Vec<String> = (0..units).map(unit_code).collect();
    seed_budgets(&store, &codes, b.seed)?;
    let budget = import_events_for("000000")?;
    let seeded = budget.len() as u64;
    let year = UnitYear::replay(budget.iter());
    let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID)
        .map_err(|e| anyhow!("评分规则 (profile): {e:?}"))?;
    let ctx = DomainContext { profile: &profile };
    // Client c's appends, in order: (stream, expected version, event).
    let work: Vec<Vec<(StreamId, u64, NewEvent)>> = (0..clients)
        .map(|c| -> Result<Vec<_>> {
            let own: Vec<&String> = codes.iter().skip(c).step_by(clients).collect();
            let mut versions = vec![seeded; own.len()];
            (0..per_client)
                .map(|n| {
                    let k = (n % own.len() as u64) as usize;
                    let body = payment_body(n);
                    let paid_on = NaiveDate::parse_from_str(
                        body["paid_on"].as_str().unwrap_or_default(),
                        "%Y-%m-%d",
                    )?;
                    let command = Command::RecordPayment(RecordPayment {
                        payment_id: client_event_id(),
                        paid_on,
                        line_id: LineId(PAYMENT_LINE.into()),
                        economic_code: None,
                        function_code: None,
                        project_code: None,
                        amount_yuan: Yuan::parse_plain("1.00")
                            .map_err(|e| anyhow!("金额 (amount): {e:?}"))?,
                        voucher_no: None,
                        summary: "基准测试 (bench)".into(),
                    });
                    let mut events = year
                        .handle(command, &ctx)
                        .map_err(|e| anyhow!("支出被拒 (payment refused): {e}"))?;
                    ensure!(
                        events.len() == 1,
                        "一笔支出应为一个事件 (one event per payment)"
                    );
                    let event = NewEvent::new(
                        client_event_id(),
                        events.remove(0),
                        EventMeta {
                            actor: format!("staff{}", own[k]),
                            request_id: Uuid::new_v4().to_string(),
                            recorded_at: None,
                        },
                    )
                    .context("构造事件失败 (build event)")?;
                    let expected = versions[k];
                    versions[k] += 1;
                    Ok((StreamId::new(own[k].clone(), YEAR), expected, event))
                })
                .collect()
        })
        .collect::<Result<_>>()?;
    let (lat, elapsed) = workloads::timed_appenders(work, |(stream, expected, event)| {
        store.append(stream, ExpectedVersion::Exact(expected), vec![event])?;
        Ok(())
    })?;
    let stats = store.writer_stats();
    drop(store);
    println!(
        "  writer: {} group commits for {} requests (budgets included)",
        stats.groups_committed, stats.requests
    );
    let mut report = Report::default();
    report.line(Measured {
        label: format!("store, HTTP's database and events ({clients} threads)"),
        events: per_client * clients as u64,
        elapsed,
        latency: lat.summary(),
    });
    Ok(report)
}

/// Reads and drops a chunked body (`Transfer-Encoding: chunked`).
fn skip_chunked(reader: &mut BufReader<TcpStream>) -> std::io::Result<()> {
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size_hex = line.trim_end().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_hex, 16).map_err(std::io::Error::other)?;
        // The chunk and its CRLF; the last chunk (0) is followed by an empty trailer line.
        let mut chunk = vec![0u8; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(());
        }
    }
}

/// Reads one HTTP/1.1 request (head and body); false at end of stream.
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<bool> {
    let mut length = 0usize;
    let mut chunked = false;
    let mut head = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(false);
        }
        head += line.len();
        if head > PROBE_HEAD_BYTES_MAX {
            return Err(std::io::Error::other("request head too long"));
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().map_err(std::io::Error::other)?;
        }
        if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("transfer-encoding")
            && value.trim().eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        }
    }
    if chunked {
        skip_chunked(reader)?;
        return Ok(true);
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok(true)
}

/// Answers every request on every connection with a canned `201 {}` until `stop`.
fn canned_responder(listener: TcpListener, stop: &AtomicBool) {
    const REPLY: &[u8] =
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
    std::thread::scope(|s| {
        for conn in listener.incoming() {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let Ok(conn) = conn else { continue };
            s.spawn(move || {
                let Ok(mut writer) = conn.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(conn);
                while let Ok(true) = read_request(&mut reader) {
                    if writer.write_all(REPLY).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

/// The client's own cost per request: the W1 client (same agent, bodies and token size)
/// against a local responder that answers a canned `201` without any work.
pub fn client_cost(requests: u64, client: ClientKind) -> Result<Summary> {
    check_requests(requests)?;
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let address = listener.local_addr()?;
    let stop = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        let stop = &stop;
        s.spawn(move || canned_responder(listener, stop));
        let token = "x".repeat(300);
        let result = Payments::new(client, address, vec![("800000", &token)], requests)
            .and_then(|p| writer_run(address, &p));
        stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(address);
        result
    })?;
    let s = result
        .summary()
        .ok_or_else(|| anyhow!("没有样本 (no samples)"))?;
    println!(
        "  client cost ({client:?}, keep-alive, JSON body, canned 201 from a local responder): p50 {} ms, p99 {} ms per request over {requests} requests",
        ms(s.p50_us),
        ms(s.p99_us)
    );
    Ok(s)
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
                .any(|l| l.to_string().contains("410800240000000053204"))
        );
    }

    #[test]
    fn the_seeded_budget_names_the_bench_unit() {
        let events = import_events_for("800003").unwrap();
        let Some(Event::BudgetApproved(b)) = events.first() else {
            panic!("the import starts with the budget: {events:?}");
        };
        assert_eq!(b.unit.code, "800003");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::TargetsApproved(_)))
        );
    }

    #[test]
    fn the_client_cost_probe_times_every_request_against_the_canned_responder() {
        for client in [ClientKind::Raw, ClientKind::Ureq] {
            let s = client_cost(50, client).unwrap();
            assert_eq!(s.count, 50);
            assert!(s.p50_us <= s.p99_us && s.p99_us <= s.max_us);
        }
    }

    #[test]
    fn http_w2_posts_every_payment_and_reads_both_views_under_load() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bench::for_tests(dir.path());
        let w = HttpW2 {
            clients: 2,
            per_client: 5,
            units: 6,
            readers: 1,
            workers: 1,
            warm: true,
            client: ClientKind::Raw,
        };
        let r = http_w2(&b, w).unwrap();
        assert_eq!(r.lines.len(), 3, "writes, indicators, evaluation");
        assert_eq!(r.lines[0].events, 10);
        assert_eq!(r.lines[0].latency.unwrap().count, 10);
        assert!(r.lines[1].events >= 1 && r.lines[2].events >= 1);
        // p99 of each view; the writes are judged only without readers beside them.
        let metrics: Vec<&str> = r.verdicts.iter().map(|v| v.metric.as_str()).collect();
        assert_eq!(
            metrics,
            [
                "GET indicators p99 under load",
                "GET evaluation p99 under load"
            ]
        );
        let alone = http_w2(&b, HttpW2 { readers: 0, ..w }).unwrap();
        assert_eq!(alone.lines.len(), 1, "writes only");
        let metrics: Vec<&str> = alone.verdicts.iter().map(|v| v.metric.as_str()).collect();
        assert_eq!(metrics, ["p99"]);
    }

    #[test]
    fn the_same_workload_in_process_appends_every_payment_at_the_version_the_server_would_send() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bench::for_tests(dir.path());
        let w = HttpW2 {
            clients: 2,
            per_client: 7,
            units: 3,
            readers: 0,
            workers: 1,
            warm: true,
            client: ClientKind::Raw,
        };
        // An expected version off by one would refuse an append and fail the run.
        let r = w2_same_database(&b, w).unwrap();
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].events, 14);
        assert_eq!(r.lines[0].latency.unwrap().count, 14);
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
