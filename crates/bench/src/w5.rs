//! W5, a province (issue 15 point 7): the generated province ([`crate::province`]) loaded
//! through the running server's bulk route (`POST /api/v1/years/{year}/bulk`, NDJSON, an
//! operator's token), then what the finance bureau meets through HTTP — `GET /api/v1/units`
//! pages over every unit now and as of a past month, the bureau's web page —, one unit's
//! self-evaluation, a full rebuild of the read models, the database's size and the process's
//! memory; and the same load in process (`App::bulk_load`, no HTTP) into a second database
//! beside it.
//!
//! The server runs in this process (as in [`crate::http`]), so the memory printed is the
//! server's plus the client's (the generator streams: a few batches in flight). Loopback only;
//! the databases live in a temporary directory under `--dir`, removed at the end.

use crate::http::agent;
use crate::province::{Province, Template, YEAR};
use crate::stats::{Latencies, ms, rate_per_s};
use crate::workloads::{Bench, Measured, Report, Verdict, print_header};
use anyhow::{Context, Result, anyhow, ensure};
use chrono::NaiveDate;
use jixiao_api::ApiConfig;
use jixiao_api::auth::JwtKeys;
use jixiao_store::Store;
use jixiao_store::users::Role;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Target: a page of the bureau's view over every unit, p99 (now).
pub const VIEW_TARGET_P99_US: u64 = 100_000;
/// Target: the same as of a past month, p99.
pub const VIEW_AS_OF_TARGET_P99_US: u64 = 300_000;
/// Target: one unit's self-evaluation, p99.
pub const EVALUATION_TARGET_P99_US: u64 = 10_000;
/// Target: ingest of the province through the server.
pub const INGEST_TARGET: Duration = Duration::from_secs(600);
/// Target: the server's resident memory.
pub const RSS_TARGET_BYTES: u64 = 1 << 30;
/// Units per page of `GET /api/v1/units` (its largest page).
pub const VIEW_PAGE_UNITS: usize = 500;
/// Most units per bulk request.
pub const BATCH_UNITS_MAX: usize = 1_000;
/// Ingest progress is printed each time the log passes a multiple of this many events.
const PROGRESS_EVERY_EVENTS: u64 = 500_000;
/// Most client threads loading.
pub const CLIENTS_MAX: usize = 16;

/// What to run.
#[derive(Debug, Clone)]
pub struct W5 {
    /// The province.
    pub province: Province,
    /// Units per bulk request.
    pub batch_units: usize,
    /// Client threads posting bulk requests.
    pub clients: usize,
    /// Server worker threads.
    pub workers: usize,
    /// Passes over every page of the view (now and as of), each page timed.
    pub view_rounds: usize,
    /// Requests of the bureau's web page.
    pub web_samples: usize,
    /// Requests of one (random) unit's self-evaluation.
    pub evaluation_samples: usize,
    /// The past date of the "as of" view.
    pub as_of: NaiveDate,
    /// Units loaded in process beside it (0: skip).
    pub in_process_units: usize,
}

/// Resident and peak memory of this process, in bytes (from /proc/self/status).
pub fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

/// Bytes of every file in `dir` (the database, its WAL and shared memory).
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The NDJSON body of a batch of units.
fn ndjson(units: &[crate::province::ProvinceUnit]) -> Result<(String, u64)> {
    let mut body = String::new();
    let mut n = 0;
    for u in units {
        for (id, command) in &u.commands {
            let json = serde_json::to_string(command)?;
            let rest = json
                .strip_prefix('{')
                .ok_or_else(|| anyhow!("命令不是 JSON 对象 (command is not an object)"))?;
            body.push_str(&format!(
                "{{\"unit\":\"{}\",\"event_id\":\"{id}\",{rest}\n",
                u.code
            ));
            n += 1;
        }
    }
    Ok((body, n))
}

/// A running server over `store` and its address.
struct Running {
    address: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn start(store: Store, workers: usize, keys_config: &ApiConfig) -> Result<Running> {
        let mut config = keys_config.clone();
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
        Ok(Running {
            address,
            handle,
            thread: Some(thread),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    fn stop(mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(true));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// GETs `url` with a bearer token or a session cookie; the status and the body's bytes.
fn get(agent: &ureq::Agent, url: &str, token: &str, cookie: bool) -> Result<(u16, usize)> {
    let req = agent.get(url);
    let req = if cookie {
        req.header(
            "Cookie",
            &format!("{}={token}", jixiao_web::session::SESSION_COOKIE),
        )
    } else {
        req.header("Authorization", &format!("Bearer {token}"))
    };
    let mut res = req.call().context("HTTP 请求失败 (request)")?;
    let status = res.status().as_u16();
    let mut body = Vec::new();
    res.body_mut()
        .as_reader()
        .read_to_end(&mut body)
        .context("读取应答失败 (response body)")?;
    Ok((status, body.len()))
}

/// Loads the province through the bulk route: a generator thread builds the batches, `clients`
/// threads post them. Returns (commands, events written, elapsed, per-request latencies).
fn ingest_http(
    w: &W5,
    template: &Template,
    server: &Running,
    token: &str,
) -> Result<(u64, u64, Duration, Latencies)> {
    let (tx, rx) = mpsc::sync_channel::<(String, u64)>(w.clients * 2);
    let rx = std::sync::Mutex::new(rx);
    let url = server.url(&format!("/api/v1/years/{YEAR}/bulk"));
    let started = Instant::now();
    let province = w.province;
    let batch = w.batch_units;
    let (commands, written, lat) = std::thread::scope(|s| -> Result<(u64, u64, Latencies)> {
        let generator = s.spawn(move || -> Result<u64> {
            let mut sent = 0;
            let mut units = Vec::with_capacity(batch);
            for i in 0..province.units {
                units.push(template.unit(&province, i));
                if units.len() == batch || i + 1 == province.units {
                    let (body, n) = ndjson(&units)?;
                    units.clear();
                    sent += n;
                    if tx.send((body, n)).is_err() {
                        break;
                    }
                }
            }
            drop(tx);
            Ok(sent)
        });
        let posters: Vec<_> = (0..w.clients)
            .map(|_| {
                let rx = &rx;
                let url = &url;
                let started = &started;
                s.spawn(move || -> Result<(u64, Latencies)> {
                    let a = agent();
                    let mut lat = Latencies::new();
                    let mut events = 0;
                    loop {
                        let next = rx.lock().map_err(|_| anyhow!("lock"))?.recv();
                        let Ok((body, _)) = next else { break };
                        let t = Instant::now();
                        let mut res = a
                            .post(url)
                            .header("Authorization", &format!("Bearer {token}"))
                            .header("Content-Type", "application/x-ndjson")
                            .send(body.as_bytes())
                            .context("批量导入请求失败 (bulk request)")?;
                        let status = res.status().as_u16();
                        let text = res.body_mut().read_to_string().unwrap_or_default();
                        lat.record(t.elapsed());
                        ensure!(status == 200, "批量导入失败 (bulk) {status}: {text}");
                        let v: serde_json::Value = serde_json::from_str(&text)?;
                        events += v["events"].as_u64().unwrap_or(0);
                        let last = v["last_position"].as_u64().unwrap_or(0);
                        if last / PROGRESS_EVERY_EVENTS
                            != last.saturating_sub(v["events"].as_u64().unwrap_or(0))
                                / PROGRESS_EVERY_EVENTS
                        {
                            // A line now and then, so a long run shows where it is.
                            eprintln!(
                                "  … log at position {last} after {:.0} s",
                                started.elapsed().as_secs_f64()
                            );
                        }
                    }
                    Ok((events, lat))
                })
            })
            .collect();
        let mut lat = Latencies::new();
        let mut written = 0;
        for p in posters {
            let (events, l) = p
                .join()
                .map_err(|_| anyhow!("导入线程崩溃 (client panicked)"))??;
            written += events;
            lat.merge(l);
        }
        let commands = generator
            .join()
            .map_err(|_| anyhow!("生成线程崩溃 (generator panicked)"))??;
        Ok((commands, written, lat))
    })?;
    Ok((commands, written, started.elapsed(), lat))
}

/// Times every page of the view over all units `rounds` times; (per page, per whole pass).
fn view_pages(
    server: &Running,
    token: &str,
    units: usize,
    rounds: usize,
    as_of: Option<NaiveDate>,
) -> Result<(Latencies, Latencies)> {
    let a = agent();
    let pages = units.div_ceil(VIEW_PAGE_UNITS);
    let mut per_page = Latencies::new();
    let mut per_pass = Latencies::new();
    for _ in 0..rounds {
        let pass = Instant::now();
        for p in 0..pages {
            let mut path = format!(
                "/api/v1/units?year={YEAR}&sort=colour&limit={VIEW_PAGE_UNITS}&offset={}",
                p * VIEW_PAGE_UNITS
            );
            if let Some(d) = as_of {
                path.push_str(&format!("&as_of={d}"));
            }
            let t = Instant::now();
            let (status, _) = get(&a, &server.url(&path), token, false)?;
            per_page.record(t.elapsed());
            ensure!(status == 200, "单位列表失败 (units) {status}");
        }
        per_pass.record(pass.elapsed());
    }
    Ok((per_page, per_pass))
}

fn summary_line(
    report: &mut Report,
    label: String,
    events: u64,
    elapsed: Duration,
    lat: &Latencies,
) {
    report.line(Measured {
        label,
        events,
        elapsed,
        latency: lat.summary(),
    });
}

fn verdict(metric: &str, value: String, target: String, met: bool) -> Verdict {
    Verdict {
        workload: "W5",
        metric: metric.to_string(),
        value,
        target,
        met,
    }
}

/// Runs W5.
pub fn w5(b: &Bench, w: &W5) -> Result<Report> {
    let province = w.province.checked()?;
    ensure!(
        (1..=BATCH_UNITS_MAX).contains(&w.batch_units),
        "每批单位数应在 1 到 {BATCH_UNITS_MAX} 之间 (batch units out of range)"
    );
    ensure!(
        (1..=CLIENTS_MAX).contains(&w.clients),
        "客户端数应在 1 到 {CLIENTS_MAX} 之间 (clients out of range)"
    );
    print_header(&format!(
        "W5 a province: {} units under {} 主管部门, ~{} events, seed {}, {} units per bulk request, {} clients, {} workers",
        province.units,
        crate::province::DEPARTMENTS,
        province.events,
        province.seed,
        w.batch_units,
        w.clients,
        w.workers
    ));
    let template = Template::jiaozuo()?;
    let mut report = Report::default();
    let dir = tempfile::tempdir_in(&b.dir)?;
    let db_dir = dir.path().join("http");
    std::fs::create_dir_all(&db_dir)?;
    // A SQLite file in `db_dir`, or with `--database-url` a fresh PostgreSQL database.
    let db = b.db(db_dir.join("province.db"))?;
    let store = Store::open(db.store_options(b.sync)).context("打开事件库失败 (open store)")?;
    let config = ApiConfig::for_tests();
    let keys = JwtKeys::new(&config.jwt);
    let operator = keys
        .mint("operator", Role::Admin, None)
        .map_err(|e| anyhow!("签发令牌失败 (mint): {e}"))?;
    let finance = keys
        .mint("finance", Role::Finance, None)
        .map_err(|e| anyhow!("签发令牌失败 (mint): {e}"))?;
    let server = Running::start(store.clone(), w.workers, &config)?;

    // Ingest through the server.
    let (commands, written, elapsed, lat) = ingest_http(w, &template, &server, &operator)?;
    summary_line(
        &mut report,
        format!("ingest through HTTP ({commands} commands, per request)"),
        written,
        elapsed,
        &lat,
    );
    let t = Instant::now();
    let head = store.head()?.position;
    let checkpoint = store.read_model_checkpoint()?;
    println!(
        "  read models caught up to {checkpoint} of {head} in {:.1} s after the last request",
        t.elapsed().as_secs_f64()
    );
    let ingest_total = elapsed + t.elapsed();
    report.verdicts.push(verdict(
        "ingest through the server",
        format!(
            "{written} events in {:.0} s ({:.0} events/s)",
            ingest_total.as_secs_f64(),
            rate_per_s(written, ingest_total)
        ),
        format!("≤ {} s", INGEST_TARGET.as_secs()),
        ingest_total <= INGEST_TARGET,
    ));
    let (rss, _) = memory();
    println!("  memory after ingest: RSS {}", mib(rss));

    // The bureau's view through HTTP, now and as of a past month.
    for (label, as_of, target) in [
        ("now", None, VIEW_TARGET_P99_US),
        ("as of", Some(w.as_of), VIEW_AS_OF_TARGET_P99_US),
    ] {
        let (page, pass) = view_pages(&server, &finance, province.units, w.view_rounds, as_of)?;
        let name = match as_of {
            Some(d) => format!("{label} {d}"),
            None => label.to_string(),
        };
        summary_line(
            &mut report,
            format!("GET /api/v1/units {name}, {VIEW_PAGE_UNITS}/page"),
            0,
            Duration::ZERO,
            &page,
        );
        summary_line(
            &mut report,
            format!("  every page, one pass ({name})"),
            0,
            Duration::ZERO,
            &pass,
        );
        if let Some(s) = page.summary() {
            report.verdicts.push(verdict(
                &format!("GET /api/v1/units page of {VIEW_PAGE_UNITS} ({name}) p50 / p99"),
                format!("{} / {} ms", ms(s.p50_us), ms(s.p99_us)),
                format!("p99 ≤ {} ms", target / 1000),
                s.p99_us <= target,
            ));
        }
    }
    // The bureau's web page (20 units a page, each with its lagging items and workflow).
    let a = agent();
    let pages = province.units.div_ceil(20);
    let mut web = Latencies::new();
    for n in 0..w.web_samples {
        let page = 1 + (n * 7919) % pages;
        let t = Instant::now();
        let (status, _) = get(
            &a,
            &server.url(&format!("/bureau/{YEAR}?page={page}")),
            &finance,
            true,
        )?;
        web.record(t.elapsed());
        ensure!(status == 200, "财政局页面失败 (bureau page) {status}");
    }
    summary_line(
        &mut report,
        "GET /bureau/2024?page=N (web page)".into(),
        0,
        Duration::ZERO,
        &web,
    );
    if let Some(s) = web.summary() {
        report.verdicts.push(verdict(
            "the bureau's web page p50 / p99",
            format!("{} / {} ms", ms(s.p50_us), ms(s.p99_us)),
            format!("p99 ≤ {} ms", VIEW_TARGET_P99_US / 1000),
            s.p99_us <= VIEW_TARGET_P99_US,
        ));
    }
    // One unit's self-evaluation.
    let mut rng = crate::generate::Rng::new(province.seed ^ 0xE7A1);
    let mut eval = Latencies::new();
    for _ in 0..w.evaluation_samples {
        let unit = crate::province::unit_code(rng.below(province.units as u64) as usize);
        let url = server.url(&format!("/api/v1/units/{unit}/years/{YEAR}/evaluation"));
        let t = Instant::now();
        let (status, _) = get(&a, &url, &finance, false)?;
        eval.record(t.elapsed());
        ensure!(status == 200, "自评失败 (evaluation) {unit}: {status}");
    }
    summary_line(
        &mut report,
        "GET …/evaluation (random units)".into(),
        0,
        Duration::ZERO,
        &eval,
    );
    if let Some(s) = eval.summary() {
        report.verdicts.push(verdict(
            "one unit's self-evaluation p50 / p99",
            format!("{} / {} ms", ms(s.p50_us), ms(s.p99_us)),
            format!("p99 ≤ {} ms", EVALUATION_TARGET_P99_US / 1000),
            s.p99_us <= EVALUATION_TARGET_P99_US,
        ));
    }
    let (rss, hwm) = memory();
    println!(
        "  memory after the reads: RSS {}, peak {}",
        mib(rss),
        mib(hwm)
    );
    report.verdicts.push(verdict(
        "server RSS (with the client, in one process) now / peak",
        format!("{} / {}", mib(rss), mib(hwm)),
        "≤ 1024 MiB".into(),
        rss <= RSS_TARGET_BYTES,
    ));

    // A full rebuild of the read models (the server idle), and the database's size.
    let t = Instant::now();
    let folded = store.rebuild_read_models(|_, _| {})?;
    summary_line(
        &mut report,
        "rebuild every read model".into(),
        folded,
        t.elapsed(),
        &Latencies::new(),
    );
    let bytes = match db.postgres() {
        Some(pg) => u64::try_from(pg.size_bytes()?).unwrap_or(0),
        None => dir_bytes(&db_dir),
    };
    println!(
        "  database ({}): {} ({} events)",
        b.engine(),
        mib(bytes),
        head
    );
    report.verdicts.push(verdict(
        "database size",
        format!("{} for {head} events", mib(bytes)),
        "recorded".into(),
        true,
    ));
    server.stop();
    drop(store);
    drop(db);
    std::fs::remove_dir_all(&db_dir)?;

    if w.in_process_units > 0 {
        in_process(b, w, &template, dir.path(), &mut report)?;
    }
    Ok(report)
}

/// The same load in process, without HTTP: `App::bulk_load` on the first `in_process_units`
/// units, batches of `batch_units`, generated on this thread.
fn in_process(
    b: &Bench,
    w: &W5,
    template: &Template,
    dir: &std::path::Path,
    report: &mut Report,
) -> Result<()> {
    let db = b.db(dir.join("in-process.db"))?;
    let store = Store::open(db.store_options(b.sync))?;
    let app = jixiao_app::App::new(store.clone(), jixiao_app::AppConfig::default());
    let profile = app.profile(None).map_err(|e| anyhow!("{e}"))?;
    let actor = jixiao_app::Actor {
        name: "operator".into(),
        request_id: "bench-w5".into(),
    };
    let units = w.in_process_units.min(w.province.units);
    let started = Instant::now();
    let mut lat = Latencies::new();
    let mut written = 0u64;
    let mut batch = Vec::new();
    for i in 0..units {
        let unit = template.unit(&w.province, i);
        for (line, (id, command)) in unit.commands.into_iter().enumerate() {
            batch.push(jixiao_app::bulk::BulkItem {
                unit: unit.code.clone(),
                item: jixiao_app::Item::new(id, command),
                line: line + 1,
            });
        }
        if (i + 1) % w.batch_units == 0 || i + 1 == units {
            let t = Instant::now();
            let loaded = app
                .bulk_load(YEAR, std::mem::take(&mut batch), &actor, &profile)
                .map_err(|e| anyhow!("批量导入失败 (bulk in process): {e}"))?;
            lat.record(t.elapsed());
            written += loaded.events as u64;
        }
    }
    let _ = store.read_model_checkpoint()?;
    summary_line(
        report,
        format!("ingest in process (App::bulk_load, first {units} units)"),
        written,
        started.elapsed(),
        &lat,
    );
    Ok(())
}
